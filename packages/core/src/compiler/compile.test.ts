import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { compile, type CompileResult } from './compile';
import type { Diagnostic } from './diagnostic';

const fetchNode = defineNode({
  type: 'test.fetch',
  version: 2,
  title: 'Fetch',
  description: 'Test action with a typed config',
  category: 'Test',
  configSchema: z.object({ url: z.url(), retries: z.number().int().min(0).default(0) }),
  sideEffects: true,
  // v1 called the field "href".
  migrate: (config, fromVersion) => (fromVersion === 1 ? { url: config['href'], retries: 0 } : config),
  run: ({ config }) => ({ url: config.url }),
});

const noteNode = defineNode({
  type: 'test.note',
  version: 3,
  title: 'Note',
  description: 'Test action without migrations',
  category: 'Test',
  configSchema: z.object({ text: z.string().optional() }),
  sideEffects: false,
  run: ({ input }) => input,
});

const registry = createRegistry([...coreNodes, fetchNode, noteNode]);

type NodeSpec = { id: string; type: string; config?: Record<string, unknown>; [key: string]: unknown };
type EdgeSpec = { id: string; source: string; target: string; sourceHandle?: string; targetHandle?: string };

function workflow(nodes: NodeSpec[], edges: EdgeSpec[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'wf', name: 'Test', nodes: nodes.map((node) => ({ config: {}, ...node })), edges, ...extra };
}

const start: NodeSpec = { id: 'start', type: 'core.manual' };
const fetch = (id: string, config: Record<string, unknown> = { url: 'https://example.com' }): NodeSpec => ({ id, type: 'test.fetch', config });
const edge = (id: string, source: string, target: string, handles: Partial<EdgeSpec> = {}): EdgeSpec => ({ id, source, target, ...handles });

function diagnosticsOf(result: CompileResult, code: Diagnostic['code']): Diagnostic[] {
  return result.diagnostics.filter((diagnostic) => diagnostic.code === code);
}

function only(result: CompileResult, code: Diagnostic['code']): Diagnostic {
  const found = diagnosticsOf(result, code);
  expect(found, JSON.stringify(result.diagnostics)).toHaveLength(1);
  return found[0] as Diagnostic;
}

describe('compile: a valid workflow', () => {
  it('returns a plan with order, links, handles and entry nodes', () => {
    const result = compile(
      workflow(
        [start, { id: 'check', type: 'core.if', config: { condition: '{{ trigger.ok }}' } }, fetch('yes'), fetch('no', { url: '{{ steps.start.output.url }}' })],
        [edge('e1', 'start', 'check'), edge('e2', 'check', 'yes', { sourceHandle: 'true' }), edge('e3', 'check', 'no', { sourceHandle: 'false' })],
      ),
      registry,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { plan } = result;
    expect(plan.order[0]).toBe('start');
    expect(plan.order.indexOf('check')).toBeLessThan(plan.order.indexOf('yes'));
    expect(plan.entryNodeIds).toEqual(['start']);
    expect(plan.joins).toEqual([]);
    expect(plan.nodes['check']?.successors).toEqual([
      { edgeId: 'e2', nodeId: 'yes', sourceHandle: 'true', targetHandle: 'in' },
      { edgeId: 'e3', nodeId: 'no', sourceHandle: 'false', targetHandle: 'in' },
    ]);
    expect(plan.nodes['yes']?.predecessors).toEqual([{ edgeId: 'e2', nodeId: 'check', sourceHandle: 'true', targetHandle: 'in' }]);
    expect(plan.nodes['check']?.outputs).toEqual(['true', 'false']);
    expect(plan.nodes['start']).toMatchObject({ isEntry: true, kind: 'trigger', reachable: true });
    expect(result.diagnostics).toEqual([]);
  });

  it('marks joins with their mode and switch case handles as outputs', () => {
    const result = compile(
      workflow(
        [
          start,
          { id: 'route', type: 'core.switch', config: { value: '{{ trigger.plan }}', cases: [{ handle: 'pro', equals: 'pro' }] } },
          fetch('a'),
          fetch('b'),
          { id: 'join', type: 'core.merge', config: { mode: 'first' } },
          { id: 'after', type: 'test.note', config: {} },
        ],
        [
          edge('e1', 'start', 'route'),
          edge('e2', 'route', 'a', { sourceHandle: 'pro' }),
          edge('e3', 'route', 'b', { sourceHandle: 'default' }),
          edge('e4', 'a', 'join'),
          edge('e5', 'b', 'join'),
          edge('e6', 'join', 'after'),
        ],
      ),
      registry,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.joins).toEqual(['join']);
    expect(result.plan.nodes['join']?.join).toBe('any');
    expect(result.plan.nodes['route']?.outputs).toEqual(['default', 'pro']);
  });

  it('adds the error output to nodes that route errors and applies workflow defaults', () => {
    const result = compile(
      workflow(
        [start, { ...fetch('f'), onError: 'route', timeoutMs: 500 }, { id: 'onFail', type: 'test.note' }],
        [edge('e1', 'start', 'f'), edge('e2', 'f', 'onFail', { sourceHandle: 'error' })],
        { settings: { retry: { maxAttempts: 5 } } },
      ),
      registry,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.nodes['f']).toMatchObject({ outputs: ['out', 'error'], onError: 'route', timeoutMs: 500 });
    expect(result.plan.nodes['f']?.retry).toMatchObject({ maxAttempts: 5, backoff: 'exponential' });
  });
});

describe('compile: one test per diagnostic code', () => {
  it('schema_invalid: points at the offending field and node', () => {
    const result = compile(workflow([start, { id: 'x', type: 'core.if', config: { condition: true }, timeoutMs: -5 }], []), registry);
    expect(result.ok).toBe(false);
    const diagnostic = only(result, 'schema_invalid');
    expect(diagnostic).toMatchObject({ severity: 'error', nodeId: 'x', path: ['nodes', 1, 'timeoutMs'] });
  });

  it('schema_invalid: a node id that would reach an object prototype', () => {
    const result = compile(workflow([start, { id: '__proto__', type: 'test.note' }], [edge('e1', 'start', '__proto__')]), registry);
    expect(diagnosticsOf(result, 'schema_invalid').map((diagnostic) => [diagnostic.nodeId ?? diagnostic.edgeId, diagnostic.path])).toEqual([
      ['__proto__', ['nodes', 1, 'id']],
      ['e1', ['edges', 0, 'target']],
    ]);
  });

  it('schema_invalid: reports every problem, not only the first', () => {
    const result = compile({ id: '', name: 5, nodes: [{ id: '1bad', type: 'NOPE' }], edges: 'x' }, registry);
    const paths = diagnosticsOf(result, 'schema_invalid').map((diagnostic) => diagnostic.path);
    expect(paths).toEqual(expect.arrayContaining([['id'], ['name'], ['nodes', 0, 'id'], ['nodes', 0, 'type'], ['edges']]));
  });

  it('duplicate_node_id', () => {
    const result = compile(workflow([start, fetch('a'), fetch('a')], [edge('e1', 'start', 'a')]), registry);
    expect(only(result, 'duplicate_node_id')).toMatchObject({ nodeId: 'a', path: ['nodes', 2, 'id'] });
  });

  it('duplicate_edge_id', () => {
    const result = compile(workflow([start, fetch('a'), fetch('b')], [edge('e1', 'start', 'a'), edge('e1', 'start', 'b')]), registry);
    expect(only(result, 'duplicate_edge_id')).toMatchObject({ edgeId: 'e1', path: ['edges', 1, 'id'] });
  });

  it('unknown_node_type', () => {
    const result = compile(workflow([start, { id: 'a', type: 'slack.postMessage' }], [edge('e1', 'start', 'a')]), registry);
    expect(only(result, 'unknown_node_type')).toMatchObject({ nodeId: 'a', path: ['nodes', 1, 'type'] });
  });

  it('unsupported_node_version', () => {
    const result = compile(workflow([start, { ...fetch('a'), typeVersion: 9 }], [edge('e1', 'start', 'a')]), registry);
    expect(only(result, 'unsupported_node_version')).toMatchObject({ nodeId: 'a', path: ['nodes', 1, 'typeVersion'] });
  });

  it('node_version_outdated: a warning when the type has no migration', () => {
    const result = compile(workflow([start, { id: 'n', type: 'test.note', typeVersion: 1 }], [edge('e1', 'start', 'n')]), registry);
    expect(result.ok).toBe(true);
    expect(only(result, 'node_version_outdated')).toMatchObject({ severity: 'warning', nodeId: 'n', path: ['nodes', 1, 'typeVersion'] });
  });

  it('node_config_migrated: an info, and the plan holds the migrated config', () => {
    const result = compile(
      workflow([start, { id: 'old', type: 'test.fetch', typeVersion: 1, config: { href: 'https://old.example' } }], [edge('e1', 'start', 'old')]),
      registry,
    );
    expect(only(result, 'node_config_migrated')).toMatchObject({ severity: 'info', nodeId: 'old', path: ['nodes', 1, 'typeVersion'] });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.plan.nodes['old']).toMatchObject({ typeVersion: 2, config: { url: 'https://old.example', retries: 0 } });
  });

  it('invalid_node_config: one diagnostic per field, with the field path', () => {
    const result = compile(workflow([start, fetch('a', { url: 'not a url', retries: -1 })], [edge('e1', 'start', 'a')]), registry);
    const found = diagnosticsOf(result, 'invalid_node_config');
    expect(found.map((diagnostic) => [diagnostic.nodeId, diagnostic.path])).toEqual([
      ['a', ['nodes', 1, 'config', 'url']],
      ['a', ['nodes', 1, 'config', 'retries']],
    ]);
  });

  it('invalid_node_config: leaves templated fields to the runtime', () => {
    const result = compile(
      workflow([start, fetch('a', { url: 'https://{{ trigger.host }}/x', retries: '{{ trigger.n }}' })], [edge('e1', 'start', 'a')]),
      registry,
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('dangling_edge: names the missing end', () => {
    const result = compile(workflow([start, fetch('a')], [edge('e1', 'start', 'a'), edge('e2', 'a', 'ghost')]), registry);
    expect(only(result, 'dangling_edge')).toMatchObject({ edgeId: 'e2', nodeId: 'ghost', path: ['edges', 1, 'target'] });
  });

  it('unknown_handle: a source handle the node does not have', () => {
    const result = compile(
      workflow([start, { id: 'check', type: 'core.if', config: { condition: true } }, fetch('a')], [
        edge('e1', 'start', 'check'),
        edge('e2', 'check', 'a', { sourceHandle: 'maybe' }),
      ]),
      registry,
    );
    expect(only(result, 'unknown_handle')).toMatchObject({ edgeId: 'e2', nodeId: 'check', path: ['edges', 1, 'sourceHandle'] });
  });

  it('unknown_handle: the error handle of a node that does not route errors', () => {
    const result = compile(workflow([start, fetch('a'), fetch('b')], [edge('e1', 'start', 'a'), edge('e2', 'a', 'b', { sourceHandle: 'error' })]), registry);
    expect(only(result, 'unknown_handle')).toMatchObject({ edgeId: 'e2', nodeId: 'a', path: ['edges', 1, 'sourceHandle'] });
  });

  it('unknown_handle: an edge into a trigger', () => {
    const result = compile(workflow([start, fetch('a')], [edge('e1', 'start', 'a'), edge('e2', 'a', 'start')]), registry);
    expect(only(result, 'unknown_handle')).toMatchObject({ edgeId: 'e2', nodeId: 'start', path: ['edges', 1, 'target'] });
  });

  it('duplicate_connection: a warning', () => {
    const result = compile(workflow([start, fetch('a')], [edge('e1', 'start', 'a'), edge('e2', 'start', 'a')]), registry);
    expect(only(result, 'duplicate_connection')).toMatchObject({ severity: 'warning', edgeId: 'e2', path: ['edges', 1] });
    expect(result.ok).toBe(true);
  });

  it('cycle: names every node on it', () => {
    const result = compile(
      workflow([start, fetch('a'), fetch('b'), fetch('c')], [edge('e1', 'start', 'a'), edge('e2', 'a', 'b'), edge('e3', 'b', 'c'), edge('e4', 'c', 'a')]),
      registry,
    );
    const diagnostic = only(result, 'cycle');
    expect(diagnostic).toMatchObject({ nodeId: 'a', path: ['nodes', 1], details: { nodeIds: ['a', 'b', 'c'] } });
    expect(diagnostic.message).toContain('"a", "b", "c"');
  });

  it('cycle: a node connected to itself', () => {
    const result = compile(workflow([start, fetch('a')], [edge('e1', 'start', 'a'), edge('e2', 'a', 'a')]), registry);
    expect(only(result, 'cycle')).toMatchObject({ nodeId: 'a', details: { nodeIds: ['a'] } });
  });

  it('no_entry_node', () => {
    const result = compile(workflow([fetch('a'), fetch('b')], [edge('e1', 'a', 'b')]), registry);
    expect(only(result, 'no_entry_node')).toMatchObject({ severity: 'error', path: ['nodes'] });
  });

  it('unreachable_node: a warning per node', () => {
    const result = compile(workflow([start, fetch('a'), fetch('island')], [edge('e1', 'start', 'a')]), registry);
    expect(only(result, 'unreachable_node')).toMatchObject({ severity: 'warning', nodeId: 'island', path: ['nodes', 2] });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.plan.nodes['island']?.reachable).toBe(false);
  });

  it('invalid_expression: an unclosed template', () => {
    const result = compile(workflow([start, fetch('a', { url: 'https://x/{{ trigger.id' })], [edge('e1', 'start', 'a')]), registry);
    expect(only(result, 'invalid_expression')).toMatchObject({ nodeId: 'a', path: ['nodes', 1, 'config', 'url'] });
  });

  it('invalid_expression: a JMESPath syntax error in a nested field', () => {
    const result = compile(
      workflow([start, { id: 's', type: 'core.switch', config: { value: 1, cases: [{ handle: 'x', equals: '{{ trigger.[ }}' }] } }], [edge('e1', 'start', 's')]),
      registry,
    );
    expect(only(result, 'invalid_expression')).toMatchObject({ nodeId: 's', path: ['nodes', 1, 'config', 'cases', 0, 'equals'] });
  });

  it('unknown_expression_root', () => {
    const result = compile(workflow([start, fetch('a', { url: '{{ trigerr.url }}' })], [edge('e1', 'start', 'a')]), registry);
    expect(only(result, 'unknown_expression_root')).toMatchObject({ nodeId: 'a', path: ['nodes', 1, 'config', 'url'], details: { root: 'trigerr' } });
  });

  it('unknown_expression_reference', () => {
    const result = compile(workflow([start, fetch('a', { url: '{{ steps.lookup.output.url }}' })], [edge('e1', 'start', 'a')]), registry);
    expect(only(result, 'unknown_expression_reference')).toMatchObject({
      nodeId: 'a',
      path: ['nodes', 1, 'config', 'url'],
      details: { referencedNodeId: 'lookup' },
    });
  });

  it('expression_not_upstream: a node on a parallel branch', () => {
    const result = compile(
      workflow([start, fetch('a'), fetch('b', { url: '{{ steps.a.output.url }}' })], [edge('e1', 'start', 'a'), edge('e2', 'start', 'b')]),
      registry,
    );
    expect(only(result, 'expression_not_upstream')).toMatchObject({ nodeId: 'b', path: ['nodes', 2, 'config', 'url'], details: { referencedNodeId: 'a' } });
  });

  it('expression_not_upstream: a node that runs later, and the node itself', () => {
    const result = compile(
      workflow([start, fetch('a', { url: '{{ steps.b.output.url }}' }), fetch('b', { url: 'https://x/{{ steps.b.output.n }}' })], [
        edge('e1', 'start', 'a'),
        edge('e2', 'a', 'b'),
      ]),
      registry,
    );
    expect(diagnosticsOf(result, 'expression_not_upstream').map((diagnostic) => diagnostic.nodeId)).toEqual(['a', 'b']);
  });

  it('join_unsatisfiable: a merge waiting for both branches of an if', () => {
    const result = compile(
      workflow(
        [start, { id: 'check', type: 'core.if', config: { condition: true } }, fetch('a'), fetch('b'), { id: 'join', type: 'core.merge', config: { mode: 'all' } }],
        [
          edge('e1', 'start', 'check'),
          edge('e2', 'check', 'a', { sourceHandle: 'true' }),
          edge('e3', 'check', 'b', { sourceHandle: 'false' }),
          edge('e4', 'a', 'join'),
          edge('e5', 'b', 'join'),
        ],
      ),
      registry,
    );
    expect(only(result, 'join_unsatisfiable')).toMatchObject({
      nodeId: 'join',
      path: ['nodes', 4],
      details: { branchNodeId: 'check', handles: ['true', 'false'] },
    });
  });

  it('join_unsatisfiable: success and error outputs of the same node', () => {
    const result = compile(
      workflow([start, { ...fetch('f'), onError: 'route' }, fetch('ok'), fetch('failed'), { id: 'after', type: 'test.note' }], [
        edge('e1', 'start', 'f'),
        edge('e2', 'f', 'ok'),
        edge('e3', 'f', 'failed', { sourceHandle: 'error' }),
        edge('e4', 'ok', 'after'),
        edge('e5', 'failed', 'after'),
      ]),
      registry,
    );
    expect(only(result, 'join_unsatisfiable')).toMatchObject({ nodeId: 'after', details: { branchNodeId: 'f', handles: ['success', 'error'] } });
  });

  it('join_unsatisfiable: not raised when the branches were merged with "first" before the join', () => {
    const result = compile(
      workflow(
        [
          start,
          { id: 'check', type: 'core.if', config: { condition: true } },
          fetch('a'),
          fetch('b'),
          { id: 'either', type: 'core.merge', config: { mode: 'first' } },
          fetch('side'),
          { id: 'both', type: 'core.merge', config: { mode: 'all' } },
        ],
        [
          edge('e1', 'start', 'check'),
          edge('e2', 'check', 'a', { sourceHandle: 'true' }),
          edge('e3', 'check', 'b', { sourceHandle: 'false' }),
          edge('e4', 'a', 'either'),
          edge('e5', 'b', 'either'),
          edge('e6', 'start', 'side'),
          edge('e7', 'either', 'both'),
          edge('e8', 'side', 'both'),
        ],
      ),
      registry,
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
