import { readFile } from 'node:fs/promises';
import type { WorkflowInput } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import { runExample, runReport } from './run-example';

describe('runExample', () => {
  it('runs lead-routing end to end: a hot lead goes to sales, the nurture branch is skipped', async () => {
    const workflow = JSON.parse(await readFile(new URL('../examples/lead-routing.json', import.meta.url), 'utf8')) as WorkflowInput;
    const run = await runExample(workflow, { email: 'ada@example.com', employees: 250, country: 'DE' });
    expect(run.status).toBe('succeeded');
    const byNode = Object.fromEntries(run.steps.map((step) => [step.nodeId, step]));
    expect(byNode['isHot']?.handle).toBe('true');
    expect(byNode['tagNurture']?.status).toBe('skipped');
    expect(byNode['tagSales']?.output).toMatchObject({ owner: 'sales', note: 'Hot lead from DE' });
    expect(run.logs).toEqual([expect.objectContaining({ level: 'info', msg: 'Lead ada@example.com routed', nodeId: 'log' })]);
    expect(runReport(run)).toContain('  skipped   tagNurture');
  });

  it('routes a small company to marketing', async () => {
    const workflow = JSON.parse(await readFile(new URL('../examples/lead-routing.json', import.meta.url), 'utf8')) as WorkflowInput;
    const run = await runExample(workflow, { email: 'bo@example.com', employees: 12, country: 'FR' });
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((step) => step.nodeId === 'tagSales')?.status).toBe('skipped');
    expect(run.output).toEqual([{ email: 'bo@example.com', employees: 12, score: 40, owner: 'marketing' }]);
  });
});
