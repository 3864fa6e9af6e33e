import { readFile } from 'node:fs/promises';
import { compile } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import { compileReport } from './compile-report';
import { exampleRegistry } from './example-registry';

async function example(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(`../examples/${name}`, import.meta.url), 'utf8'));
}

describe('the example workflows npm start compiles', () => {
  it('lead-routing compiles into a plan with one "first" join', async () => {
    const result = compile(await example('lead-routing.json'), exampleRegistry);
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.order).toEqual(['start', 'score', 'isHot', 'tagSales', 'tagNurture', 'either', 'log']);
    const report = compileReport('lead-routing.json', result);
    expect(report[0]).toBe('lead-routing.json: compiles (7 nodes)');
    expect(report).toContain('  joins:   either (waits for the first input)');
  });

  it('broken-draft shows the diagnostics a user would fix', async () => {
    const result = compile(await example('broken-draft.json'), exampleRegistry);
    expect(result.ok).toBe(false);
    const found = result.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.nodeId ?? diagnostic.edgeId]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['invalid_node_config', 'tagNurture'],
        ['unknown_handle', 'isHot'],
        ['unreachable_node', 'wait'],
        ['unknown_expression_reference', 'isHot'],
        ['expression_not_upstream', 'tagSales'],
        ['join_unsatisfiable', 'both'],
      ]),
    );
    const report = compileReport('broken-draft.json', result);
    expect(report[0]).toMatch(/^broken-draft\.json: does not compile \(\d+ errors\)$/);
    expect(report.some((line) => line.includes('unknown_handle') && line.includes('$.edges[1].sourceHandle'))).toBe(true);
  });
});
