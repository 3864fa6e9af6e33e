import { compile, coreNodes, createRegistry, defineWorkflow } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import { builtinConnectors } from './builtin-connectors';
// The augmentation of `NodeTypes` that the package entry point pulls in.
import '../node-types';

describe('builtinConnectors', () => {
  const registry = createRegistry([...coreNodes, ...builtinConnectors]);

  it('registers next to the core nodes', () => {
    expect(registry.connectors().map((connector) => connector.id)).toEqual(['data', 'util', 'http', 'webhook']);
    expect(registry.get('util.log')?.connector?.id).toBe('util');
    expect(registry.get('http.request')?.connector?.id).toBe('http');
    expect(registry.get('webhook.call')?.connector?.id).toBe('webhook');
  });

  it('puts the data.* types in the manifest with connectorId "data"', () => {
    const manifest = registry.manifest();
    const dataNodes = manifest.nodes.filter((node) => node.type.startsWith('data.'));
    expect(dataNodes.map((node) => [node.type, node.connectorId, node.kind, node.sideEffects])).toEqual([
      ['data.transform', 'data', 'action', false],
      ['data.set', 'data', 'action', false],
      ['data.filter', 'data', 'action', false],
      ['data.validate', 'data', 'action', false],
    ]);
    expect(manifest.connectors.find((connector) => connector.id === 'data')?.nodeTypes).toEqual(['data.transform', 'data.set', 'data.filter', 'data.validate']);
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
  });

  it('exports the config JSON Schemas for forms', () => {
    const transform = registry.manifest().nodes.find((node) => node.type === 'data.transform');
    expect(transform?.configSchema).toMatchObject({
      type: 'object',
      required: ['expression'],
      properties: { expression: { type: 'string', format: 'jmespath' } },
    });
  });

  it('puts http.request, webhook.call and the outputs of data.validate in the manifest', () => {
    const manifest = registry.manifest();
    const byType = (type: string) => manifest.nodes.find((node) => node.type === type);
    expect(byType('http.request')).toMatchObject({ connectorId: 'http', kind: 'action', sideEffects: true });
    expect(byType('http.request')?.configSchema).toMatchObject({ type: 'object', required: expect.arrayContaining(['url']) });
    expect(byType('webhook.call')).toMatchObject({ connectorId: 'webhook', kind: 'action', sideEffects: true });
    expect(byType('data.validate')?.outputs.map((output) => output.id)).toEqual(['valid', 'invalid']);
    expect(manifest.connectors.find((connector) => connector.id === 'webhook')?.auth).toEqual({ type: 'bearer' });
  });

  it('compiles a workflow that uses the built-in nodes', () => {
    const workflow = defineWorkflow({
      id: 'orders',
      name: 'Big orders',
      nodes: [
        { id: 'start', type: 'core.manual', config: {} },
        { id: 'big', type: 'data.filter', config: { items: '{{ trigger.orders }}', condition: 'total > `100`' } },
        { id: 'ids', type: 'data.transform', config: { expression: '[].id' } },
        { id: 'log', type: 'util.log', config: { level: 'info', message: 'Big orders: {{ steps.ids.output }}' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'big' },
        { id: 'e2', source: 'big', target: 'ids' },
        { id: 'e3', source: 'ids', target: 'log' },
      ],
    });
    const result = compile(workflow, registry);
    expect(result.diagnostics).toEqual([]);
    expect(result.ok && result.plan.order).toEqual(['start', 'big', 'ids', 'log']);
  });

  it('reports a bad built-in config as a compile diagnostic with its path', () => {
    const result = compile(
      {
        id: 'bad',
        name: 'Bad',
        nodes: [
          { id: 'start', type: 'core.manual', config: {} },
          { id: 'set', type: 'data.set', config: { operations: [{ op: 'set', path: '__proto__.admin', value: true }] } },
        ],
        edges: [{ id: 'e1', source: 'start', target: 'set' }],
      },
      registry,
    );
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ nodeId: 'set', path: ['nodes', 1, 'config', 'operations', 0, 'path'] }),
    );
  });

  it('types built-in configs in defineWorkflow', () => {
    defineWorkflow({
      id: 'typed',
      name: 'Typed',
      edges: [],
      nodes: [
        // @ts-expect-error `expression` is required by data.transform
        { id: 'a', type: 'data.transform', config: {} },
        // @ts-expect-error `message` is a string
        { id: 'b', type: 'util.log', config: { message: 42 } },
        // @ts-expect-error `level` is an enum: only its values or a `{{ }}` template
        { id: 'b2', type: 'util.log', config: { message: 'x', level: 'loud' } },
        { id: 'c', type: 'data.set', config: { operations: [{ op: 'rename', from: 'a', to: 'b' }] } },
      ],
    });
  });
});
