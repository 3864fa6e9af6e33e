import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflowSchema, type Workflow, type WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { compile } from './compile';
import { migrateWorkflow, migratedNodeSchema, migrationIssueSchema } from './migrate-workflow';

const fetchNode = defineNode({
  type: 'test.fetch',
  version: 2,
  title: 'Fetch',
  description: 'v1 called the url "href"',
  category: 'Test',
  configSchema: z.object({ url: z.string(), retries: z.number().int().default(0) }),
  sideEffects: true,
  migrate: (config, fromVersion) => {
    if (fromVersion !== 1) throw new Error(`no way from v${fromVersion}`);
    // Edits its argument in place, as a careless node author might.
    const { href, ...rest } = config;
    delete config['href'];
    return { ...rest, url: href, retries: 0 };
  },
  run: ({ config }) => ({ url: config.url }),
});

const noteNode = defineNode({
  type: 'test.note',
  version: 3,
  title: 'Note',
  description: 'No migrations',
  category: 'Test',
  configSchema: z.object({ text: z.string().optional() }),
  sideEffects: false,
  run: ({ input }) => input,
});

const registry = createRegistry([...coreNodes, fetchNode, noteNode]);

function workflow(nodes: WorkflowInput['nodes']): Workflow {
  return workflowSchema.parse({ id: 'wf', name: 'Migrate', nodes, edges: [] });
}

describe('migrateWorkflow', () => {
  it('migrates older nodes, sets their typeVersion, and leaves current ones alone', () => {
    const input = workflow([
      { id: 'start', type: 'core.manual', config: {} },
      { id: 'old', type: 'test.fetch', typeVersion: 1, config: { href: 'https://example.com' }, position: { x: 1, y: 2 } },
      { id: 'current', type: 'test.fetch', typeVersion: 2, config: { url: 'https://example.org' } },
      { id: 'unversioned', type: 'test.fetch', config: { url: 'https://example.net' } },
    ]);
    const result = migrateWorkflow(input, registry);
    expect(result.migrated).toEqual([{ nodeId: 'old', type: 'test.fetch', fromVersion: 1, toVersion: 2 }]);
    expect(result.issues).toEqual([]);
    expect(result.workflow.nodes[1]).toEqual({ id: 'old', type: 'test.fetch', typeVersion: 2, config: { url: 'https://example.com', retries: 0 }, position: { x: 1, y: 2 } });
    expect(result.workflow.nodes.filter((_, index) => index !== 1)).toEqual(input.nodes.filter((_, index) => index !== 1));
    // The result compiles without a migration left to do.
    expect(compile(result.workflow, registry).diagnostics.filter((diagnostic) => diagnostic.code === 'node_config_migrated')).toEqual([]);
  });

  it('lists what it cannot migrate and keeps those nodes as they were', () => {
    const input = workflow([
      { id: 'future', type: 'test.fetch', typeVersion: 3, config: { url: 'x' } },
      { id: 'unknown', type: 'acme.widget', typeVersion: 1, config: { a: 1 } },
      { id: 'no_migrate', type: 'test.note', typeVersion: 1, config: { text: 'hi' } },
      { id: 'throws', type: 'test.fetch', typeVersion: 1, config: { href: 42 } },
    ]);
    const refusing = defineNode({
      ...fetchNode,
      migrate: (config) => {
        if (typeof config['href'] !== 'string') throw new Error('bad config');
        return { url: config['href'] };
      },
    });
    const result = migrateWorkflow(input, createRegistry([refusing, noteNode]));
    expect(result.migrated).toEqual([]);
    expect(result.issues.map((issue) => [issue.nodeId, issue.code])).toEqual([
      ['future', 'unsupported_node_version'],
      ['unknown', 'unknown_node_type'],
      ['no_migrate', 'node_version_outdated'],
      ['throws', 'invalid_node_config'],
    ]);
    expect(result.issues[3]?.message).toContain('bad config');
    expect(result.workflow).toEqual(input);
    for (const item of result.issues) expect(migrationIssueSchema.parse(item)).toEqual(item);
  });

  it('does not change its input, even when migrate edits its argument', () => {
    const input = workflow([{ id: 'old', type: 'test.fetch', typeVersion: 1, config: { href: 'https://example.com' } }]);
    const before = structuredClone(input);
    const result = migrateWorkflow(input, registry);
    expect(input).toEqual(before);
    expect(result.workflow).not.toBe(input);
    for (const item of result.migrated) expect(migratedNodeSchema.parse(item)).toEqual(item);
    // Nor does the result share objects with it.
    (result.workflow.nodes[0] as Workflow['nodes'][number]).config['url'] = 'changed';
    expect(input).toEqual(before);
  });
});
