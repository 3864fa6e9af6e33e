import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { compile, type CompileResult } from './compile';
import type { DiagnosticCode } from './diagnostic';

const echo = defineNode({
  type: 'test.echo',
  version: 2,
  title: 'Echo',
  description: 'Property-test action',
  category: 'Test',
  configSchema: z.object({ value: z.unknown(), count: z.number().int().optional() }),
  sideEffects: false,
  migrate: (config) => ({ value: config['old'] }),
  run: ({ input }) => input,
});
const registry = createRegistry([...coreNodes, echo]);

const codes = new Set<DiagnosticCode>([
  'schema_invalid',
  'duplicate_node_id',
  'duplicate_edge_id',
  'unknown_node_type',
  'unsupported_node_version',
  'node_version_outdated',
  'node_config_migrated',
  'invalid_node_config',
  'dangling_edge',
  'unknown_handle',
  'duplicate_connection',
  'cycle',
  'no_entry_node',
  'unreachable_node',
  'invalid_expression',
  'unknown_expression_root',
  'unknown_expression_reference',
  'expression_not_upstream',
  'join_unsatisfiable',
]);

function assertWellFormed(result: CompileResult): void {
  for (const diagnostic of result.diagnostics) {
    expect(codes.has(diagnostic.code)).toBe(true);
    expect(['error', 'warning', 'info']).toContain(diagnostic.severity);
    expect(typeof diagnostic.message).toBe('string');
  }
  const hasError = result.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  expect(result.ok).toBe(!hasError);
  if (!result.ok) {
    expect(hasError).toBe(true);
    return;
  }
  const { plan } = result;
  const position = new Map(plan.order.map((id, index) => [id, index]));
  expect(position.size).toBe(plan.workflow.nodes.length);
  expect(Object.keys(plan.nodes).sort()).toEqual([...plan.order].sort());
  for (const node of Object.values(plan.nodes)) {
    for (const successor of node.successors) {
      expect(position.get(node.id) as number).toBeLessThan(position.get(successor.nodeId) as number);
    }
  }
}

const nodeIds = ['start', 'a', 'b', 'c', 'd', 'e', 'f', 'g', '__proto__', 'constructor'];
const idArb = fc.constantFrom(...nodeIds, 'ghost');
const typeArb = fc.constantFrom(...registry.list().map((entry) => entry.definition.type), 'test.echo', 'nope.missing');
const templateArb = fc.oneof(
  fc.constantFrom('{{ trigger.x }}', '{{ steps.a.output }}', '{{ steps.ghost.output }}', '{{ oops.x }}', '{{ steps.[ }}', '{{ unclosed', 'plain'),
  fc.tuple(idArb, fc.string()).map(([id, tail]) => `{{ steps.${id}.output }}${tail}`),
  fc.string().map((text) => `x {{ ${text} }}`),
);
const configArb = fc.oneof(
  fc.dictionary(fc.constantFrom('value', 'condition', 'cases', 'mode', 'items', 'event', 'variables', 'status', 'old'), fc.oneof(fc.jsonValue(), templateArb)),
  fc.constant({ condition: true }),
  fc.constant({ value: 1, cases: [{ handle: 'one', equals: 1 }] }),
);
const nodeArb = fc.record(
  {
    id: idArb,
    type: typeArb,
    config: configArb,
    typeVersion: fc.integer({ min: 1, max: 3 }),
    onError: fc.constantFrom('fail', 'continue', 'route'),
    disabled: fc.boolean(),
  },
  { requiredKeys: ['id', 'type', 'config'] },
);
const handleArb = fc.constantFrom('out', 'in', 'true', 'false', 'default', 'one', 'error', 'event', 'timeout', 'nope');
const edgeArb = fc.record(
  { id: fc.constantFrom('e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9'), source: idArb, target: idArb, sourceHandle: handleArb, targetHandle: handleArb },
  { requiredKeys: ['id', 'source', 'target'] },
);
const graphArb = fc.record({
  id: fc.constant('wf'),
  name: fc.constant('Property'),
  nodes: fc.array(nodeArb, { maxLength: 10 }).map((nodes) => [{ id: 'start', type: 'core.manual', config: {} }, ...nodes]),
  edges: fc.array(edgeArb, { maxLength: 14 }),
});

describe('compile (property-based)', () => {
  it('never throws on arbitrary JSON and always returns diagnostics or a plan', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        assertWellFormed(compile(input, registry));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary objects shaped like workflows', () => {
    fc.assert(
      fc.property(fc.record({ id: fc.jsonValue(), name: fc.jsonValue(), nodes: fc.array(fc.jsonValue()), edges: fc.array(fc.jsonValue()) }), (input) => {
        assertWellFormed(compile(input, registry));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary graphs of real node types and returns a topological plan when ok', () => {
    fc.assert(
      fc.property(graphArb, (input) => {
        assertWellFormed(compile(input, registry));
      }),
      { numRuns: 1_000 },
    );
  });

  it('compiles every random DAG of valid nodes (edges only point forward)', () => {
    const dagArb = fc.integer({ min: 1, max: 30 }).chain((size) =>
      fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)), { maxLength: size * 2 }).map((pairs) => ({
        id: 'wf',
        name: 'DAG',
        nodes: [
          { id: 'start', type: 'core.manual', config: {} },
          ...Array.from({ length: size }, (_, index) => ({ id: `n${index}`, type: 'test.echo', config: { value: index } })),
        ],
        edges: [
          { id: 'root', source: 'start', target: 'n0' },
          ...Array.from({ length: size - 1 }, (_, index) => ({ id: `chain${index}`, source: `n${index}`, target: `n${index + 1}` })),
          ...pairs
            .filter(([from, to]) => from < to - 1)
            .map(([from, to], index) => ({ id: `extra${index}`, source: `n${from}`, target: `n${to}` })),
        ],
      })),
    );
    fc.assert(
      fc.property(dagArb, (input) => {
        const result = compile(input, registry);
        assertWellFormed(result);
        expect(result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
        expect(result.ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
