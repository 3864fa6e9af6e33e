import { compile, coreNodes, createEngine, createRegistry, isRoutedOutput, type RoutedOutput } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import { dataConnector } from './data-connector';
import { dataValidateConfigSchema, dataValidateNode } from './data-validate';
import { nodeContext } from './test-context';

function run(rawConfig: unknown, input: unknown): RoutedOutput {
  const output: unknown = dataValidateNode.run(nodeContext(dataValidateConfigSchema.parse(rawConfig), input));
  if (!isRoutedOutput(output)) throw new Error('data.validate must route its output');
  return output;
}

const person = {
  type: 'object',
  required: ['name', 'email'],
  properties: {
    name: { type: 'string', minLength: 1 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0 },
    tags: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
};

describe('data.validate', () => {
  it('sends valid input down "valid", unchanged', () => {
    const input = { name: 'Ada', email: 'ada@example.com', age: 36 };
    expect(run({ schema: person }, input)).toMatchObject({ handle: 'valid', output: input });
  });

  it('validates config.data instead of the input when set', () => {
    expect(run({ schema: { type: 'array', minItems: 1 }, data: [1] }, { not: 'a list' })).toMatchObject({ handle: 'valid', output: [1] });
  });

  it('sends invalid data down "invalid" with every error and its JSON Pointer path', () => {
    const input = { email: 'not-an-email', age: -1, tags: ['a', 2], extra: true };
    const routed = run({ schema: person }, input);
    expect(routed.handle).toBe('invalid');
    const output = routed.output as { data: unknown; errors: Array<{ path: string; message: string }> };
    expect(output.data).toEqual(input);
    expect(output.errors).toEqual(
      expect.arrayContaining([
        { path: '/name', message: "must have required property 'name'" },
        { path: '/email', message: 'must match format "email"' },
        { path: '/age', message: 'must be >= 0' },
        { path: '/tags/1', message: 'must be string' },
        { path: '', message: 'must NOT have additional property "extra"' },
      ]),
    );
    expect(output.errors).toHaveLength(5);
  });

  it('uses draft 2020-12 keywords', () => {
    const schema = { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'number' } };
    expect(run({ schema }, ['a', 1, 2]).handle).toBe('valid');
    expect(run({ schema }, ['a', 'b']).output).toMatchObject({ errors: [{ path: '/1', message: 'must be number' }] });
  });

  it('matches patterns, in properties and as property names, the way JSON Schema says', () => {
    const schema = { type: 'object', properties: { sku: { type: 'string', pattern: '[A-Z]{3}-\\d+' } }, patternProperties: { '^x-': { type: 'string' } } };
    expect(run({ schema }, { sku: 'order ABC-12', 'x-note': 'ok' }).handle).toBe('valid');
    expect(run({ schema }, { sku: 'abc-12' }).output).toMatchObject({ errors: [{ path: '/sku', message: 'must match pattern "[A-Z]{3}-\\d+"' }] });
    expect(run({ schema }, { 'x-note': 1 }).output).toMatchObject({ errors: [{ path: '/x-note', message: 'must be string' }] });
  });

  it('runs a pattern that backtracks catastrophically in JavaScript in linear time', () => {
    // JavaScript's engine needs about 2^40 steps for this input; the worker would never come back.
    const schema = { type: 'string', pattern: '^(a+)+$' };
    expect(run({ schema }, `${'a'.repeat(40)}b`).handle).toBe('invalid');
    expect(run({ schema }, 'a'.repeat(40)).handle).toBe('valid');
  });

  it('refuses a pattern with a lookaround or a backreference as an invalid config', () => {
    for (const pattern of ['(?=a)b', '(a)\\1']) {
      const parsed = dataValidateConfigSchema.safeParse({ schema: { type: 'string', pattern } });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/linear-time regular-expression engine/);
    }
  });

  it('takes a changed schema with the same $id', () => {
    const v1 = { $id: 'https://example.com/order.json', type: 'object', required: ['id'] };
    const v2 = { $id: 'https://example.com/order.json', type: 'object', required: ['total'] };
    expect(run({ schema: v1 }, { id: 1 }).handle).toBe('valid');
    expect(run({ schema: v2 }, { id: 1 }).handle).toBe('invalid');
    expect(run({ schema: v1 }, { id: 1 }).handle).toBe('valid');
  });

  it('rejects an invalid JSON Schema with the path ["schema"]', () => {
    for (const schema of [{ type: 'strung' }, { required: 'name' }, { $ref: '#/$defs/missing' }]) {
      const parsed = dataValidateConfigSchema.safeParse({ schema });
      expect(parsed.error?.issues.map((issue) => issue.path)).toContainEqual(['schema']);
    }
    expect(dataValidateConfigSchema.safeParse({}).error?.issues.map((issue) => issue.path)).toEqual([['schema']]);
  });

  it('reports an invalid JSON Schema as a compile diagnostic', () => {
    const registry = createRegistry([...coreNodes, dataConnector]);
    const result = compile(
      {
        id: 'bad',
        name: 'Bad',
        nodes: [
          { id: 'start', type: 'core.manual', config: {} },
          { id: 'check', type: 'data.validate', config: { schema: { type: 'strung' } } },
        ],
        edges: [{ id: 'e1', source: 'start', target: 'check' }],
      },
      registry,
    );
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toContainEqual(expect.objectContaining({ nodeId: 'check', path: ['nodes', 1, 'config', 'schema'] }));
  });

  it('runs only the branch of its verdict in a workflow', async () => {
    const engine = createEngine({ registry: createRegistry([...coreNodes, dataConnector]) });
    const ctx = { tenantId: 'test' };
    const { diagnostics } = await engine.workflows.save(ctx, {
      id: 'check',
      name: 'check',
      nodes: [
        { id: 'start', type: 'core.manual', config: {} },
        { id: 'check', type: 'data.validate', config: { schema: person } },
        { id: 'ok', type: 'data.transform', config: { expression: 'name' } },
        { id: 'bad', type: 'data.transform', config: { expression: 'errors[].path' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'check' },
        { id: 'e2', source: 'check', sourceHandle: 'valid', target: 'ok' },
        { id: 'e3', source: 'check', sourceHandle: 'invalid', target: 'bad' },
      ],
    });
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    await engine.workflows.publish(ctx, 'check');
    engine.start();
    try {
      const finish = async (input: unknown): Promise<Record<string, unknown>> => {
        const { runId } = await engine.runs.start(ctx, { workflowId: 'check' }, input);
        for (let waited = 0; waited < 10_000; waited += 10) {
          const view = await engine.runs.get(ctx, runId);
          if (view.status === 'succeeded' || view.status === 'failed') {
            return Object.fromEntries(view.steps.filter((step) => step.status === 'succeeded').map((step) => [step.nodeId, step.output]));
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        throw new Error('The run did not finish within 10 s');
      };
      const valid = await finish({ name: 'Ada', email: 'ada@example.com' });
      expect(valid['ok']).toBe('Ada');
      expect(valid).not.toHaveProperty('bad');
      const invalid = await finish({ name: 'Ada' });
      expect(invalid['bad']).toEqual(['/email']);
      expect(invalid).not.toHaveProperty('ok');
    } finally {
      await engine.stop();
    }
  });
});
