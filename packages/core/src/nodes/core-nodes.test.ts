import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { isRoutedOutput, type NodeContext, type StepInput } from '../registry/node-context';
import { delayConfigSchema, delayNode } from './core-delay';
import { forEachConfigSchema } from './core-for-each';
import { ifConfigSchema, ifNode } from './core-if';
import { manualTriggerConfigSchema } from './core-manual';
import { mergeConfigSchema, mergeNode } from './core-merge';
import { coreNodes } from './core-nodes';
import { setVariablesConfigSchema } from './core-set-variables';
import { subWorkflowConfigSchema } from './core-sub-workflow';
import { switchConfigSchema, switchNode } from './core-switch';
import { terminateConfigSchema } from './core-terminate';
import { waitForEventConfigSchema } from './core-wait-for-event';
import { jsonEqual } from './json-equal';

const noop = (): void => {};

/** A NodeContext as the runtime would build it for one attempt of one step. */
function context<Config>(config: Config, options: { input?: unknown; inputs?: readonly StepInput[] } = {}): NodeContext<Config> {
  return {
    config,
    input: options.input,
    inputs: options.inputs ?? [],
    signal: new AbortController().signal,
    idempotencyKey: 'run_1:node_1',
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    run: { id: 'run_1', workflowId: 'wf_1', startedAt: '2026-01-01T00:00:00.000Z' },
    node: { id: 'node_1', type: 'test' },
    attempt: 1,
    fetch: (input, init) => globalThis.fetch(input, init),
  };
}

/** The issues of a failed parse as `{ path, code }`, so tests can check where each one is. */
function issues(schema: z.ZodType, value: unknown): Array<{ path: PropertyKey[]; code: string }> {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path, code: issue.code }));
}

describe('coreNodes', () => {
  it('lists every control-flow and trigger node once, with unique type ids', () => {
    const types = coreNodes.map((node) => node.type);
    expect(types).toEqual([
      'core.manual',
      'core.if',
      'core.switch',
      'core.merge',
      'core.forEach',
      'core.delay',
      'core.waitForEvent',
      'core.subWorkflow',
      'core.terminate',
      'core.setVariables',
      'core.webhook',
      'core.schedule',
      'core.event',
      'core.respond',
    ]);
    expect(new Set(types).size).toBe(types.length);
  });

  it('has no side effects in any core node', () => {
    expect(coreNodes.every((node) => !node.sideEffects)).toBe(true);
  });

  it('gives the manual trigger no inputs and runtime-executed nodes the control kind', () => {
    const byType = new Map<string, (typeof coreNodes)[number]>(coreNodes.map((node) => [node.type, node]));
    expect(byType.get('core.manual')?.kind).toBe('trigger');
    expect(byType.get('core.manual')?.inputs).toEqual([]);
    expect(byType.get('core.if')?.kind).toBe('action');
    expect(byType.get('core.delay')?.kind).toBe('control');
    expect(byType.get('core.terminate')?.outputs).toEqual([]);
    expect(byType.get('core.waitForEvent')?.outputs.map((handle) => handle.id)).toEqual(['event', 'timeout']);
  });
});

describe('core.manual config', () => {
  it('accepts an empty config and an input schema with sample input', () => {
    expect(manualTriggerConfigSchema.parse({})).toEqual({});
    const config = { inputSchema: { type: 'object' }, sampleInput: { email: 'a@example.com' } };
    expect(manualTriggerConfigSchema.parse(config)).toEqual(config);
  });

  it('rejects an input schema that is not an object', () => {
    expect(issues(manualTriggerConfigSchema, { inputSchema: 'object' })).toEqual([{ path: ['inputSchema'], code: 'invalid_type' }]);
  });
});

describe('core.if', () => {
  it('accepts a boolean condition and rejects anything else', () => {
    expect(ifConfigSchema.parse({ condition: false })).toEqual({ condition: false });
    expect(issues(ifConfigSchema, { condition: 'true' })).toEqual([{ path: ['condition'], code: 'invalid_type' }]);
    expect(issues(ifConfigSchema, {})).toEqual([{ path: ['condition'], code: 'invalid_type' }]);
  });

  it('routes its input to "true" when the condition holds', () => {
    const input = { amount: 150 };
    const result = ifNode.run(context({ condition: true }, { input }));
    expect(isRoutedOutput(result)).toBe(true);
    if (!isRoutedOutput(result)) return;
    expect(result.handle).toBe('true');
    expect(result.output).toBe(input);
  });

  it('routes its input to "false" otherwise', () => {
    const result = ifNode.run(context({ condition: false }, { input: 'payload' }));
    expect(isRoutedOutput(result) && { handle: result.handle, output: result.output }).toEqual({ handle: 'false', output: 'payload' });
  });

  it('declares exclusive true/false outputs', () => {
    expect(ifNode.outputs.map((handle) => handle.id)).toEqual(['true', 'false']);
    expect(ifNode.exclusiveOutputs).toBe(true);
  });
});

describe('core.switch', () => {
  const cases = [
    { handle: 'pro', label: 'Pro', equals: 'pro' },
    { handle: 'team', equals: { plan: 'team', seats: 5 } },
    { handle: 'also-pro', equals: 'pro' },
  ];

  describe('config', () => {
    it('accepts cases with unique handles', () => {
      expect(switchConfigSchema.parse({ value: 'pro', cases })).toEqual({ value: 'pro', cases });
    });

    it('rejects duplicate case handles on the cases list', () => {
      const config = { value: 1, cases: [{ handle: 'a', equals: 1 }, { handle: 'b', equals: 2 }, { handle: 'a', equals: 3 }] };
      expect(issues(switchConfigSchema, config)).toEqual([{ path: ['cases'], code: 'custom' }]);
    });

    it('requires each case to say what it equals', () => {
      expect(issues(switchConfigSchema, { value: 1, cases: [{ handle: 'a', equals: null }, { handle: 'b' }] })).toEqual([
        { path: ['cases', 1, 'equals'], code: 'invalid_type' },
      ]);
    });

    it.each(['default', 'error'])('rejects the reserved handle "%s" on that case', (handle) => {
      const config = { value: 1, cases: [{ handle: 'ok', equals: 1 }, { handle, equals: 2 }] };
      expect(issues(switchConfigSchema, config)).toEqual([{ path: ['cases', 1, 'handle'], code: 'custom' }]);
    });

    it('rejects invalid handle ids', () => {
      expect(issues(switchConfigSchema, { value: 1, cases: [{ handle: 'has space', equals: 1 }] })).toEqual([
        { path: ['cases', 0, 'handle'], code: 'invalid_format' },
      ]);
      expect(issues(switchConfigSchema, { value: 1, cases: [{ handle: '', equals: 1 }] })).toContainEqual({
        path: ['cases', 0, 'handle'],
        code: 'too_small',
      });
    });

    it('rejects an empty case list', () => {
      expect(issues(switchConfigSchema, { value: 1, cases: [] })).toEqual([{ path: ['cases'], code: 'too_small' }]);
    });
  });

  function route(value: unknown, input: unknown = 'in'): { handle: string; output: unknown } | undefined {
    const result = switchNode.run(context(switchConfigSchema.parse({ value, cases }), { input }));
    return isRoutedOutput(result) ? { handle: result.handle, output: result.output } : undefined;
  }

  it('routes to the first matching case', () => {
    expect(route('pro', { id: 1 })).toEqual({ handle: 'pro', output: { id: 1 } });
  });

  it('compares objects by JSON equality regardless of key order', () => {
    expect(route({ seats: 5, plan: 'team' })).toEqual({ handle: 'team', output: 'in' });
  });

  it('routes to "default" when no case matches', () => {
    expect(route('free')).toEqual({ handle: 'default', output: 'in' });
    expect(route({ plan: 'team', seats: 6 })).toEqual({ handle: 'default', output: 'in' });
    expect(route({ plan: 'team', seats: 5, extra: true })).toEqual({ handle: 'default', output: 'in' });
  });

  it('does not match a number against its string form', () => {
    const config = switchConfigSchema.parse({ value: 1, cases: [{ handle: 'one', equals: '1' }] });
    const result = switchNode.run(context(config));
    expect(isRoutedOutput(result) && result.handle).toBe('default');
  });

  it('draws one output per case from the config', () => {
    expect(switchNode.outputs.map((handle) => handle.id)).toEqual(['default']);
    expect(switchNode.dynamicOutputs).toEqual({ configArray: 'cases', idField: 'handle', labelField: 'label' });
  });
});

describe('jsonEqual', () => {
  it('compares JSON values structurally', () => {
    expect(jsonEqual({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual(0, false)).toBe(false);
  });

  it('does not count inherited properties as keys', () => {
    expect(jsonEqual({ toString: 1 }, { other: 1 })).toBe(false);
  });
});

describe('core.merge', () => {
  const inputs: StepInput[] = [
    { nodeId: 'left', handle: 'out', output: [1, 2] },
    { nodeId: 'right', handle: 'out', output: { ok: true } },
  ];

  it('defaults to waiting for all inputs and combining them as an object', () => {
    expect(mergeConfigSchema.parse({})).toEqual({ mode: 'all', combine: 'object' });
  });

  it('rejects unknown modes and combine strategies', () => {
    expect(issues(mergeConfigSchema, { mode: 'race', combine: 'zip' })).toEqual([
      { path: ['mode'], code: 'invalid_value' },
      { path: ['combine'], code: 'invalid_value' },
    ]);
  });

  it('joins on all inputs, or on any for mode "first"', () => {
    expect(mergeNode.joinMode?.({ mode: 'all', combine: 'object' })).toBe('all');
    expect(mergeNode.joinMode?.({ mode: 'first', combine: 'object' })).toBe('any');
  });

  it('combines as an object keyed by upstream node id', () => {
    expect(mergeNode.run(context({ mode: 'all', combine: 'object' }, { inputs }))).toEqual({ left: [1, 2], right: { ok: true } });
  });

  it('combines as an array in arrival order', () => {
    expect(mergeNode.run(context({ mode: 'all', combine: 'array' }, { inputs }))).toEqual([[1, 2], { ok: true }]);
  });

  it('appends array outputs and adds other outputs as single items', () => {
    expect(mergeNode.run(context({ mode: 'all', combine: 'append' }, { inputs }))).toEqual([1, 2, { ok: true }]);
  });

  it('produces an empty result without inputs', () => {
    expect(mergeNode.run(context({ mode: 'first', combine: 'object' }))).toEqual({});
    expect(mergeNode.run(context({ mode: 'first', combine: 'append' }))).toEqual([]);
  });
});

describe('core.forEach config', () => {
  it('applies defaults', () => {
    expect(forEachConfigSchema.parse({ items: [1, 2], workflowId: 'child' })).toEqual({
      items: [1, 2],
      workflowId: 'child',
      concurrency: 1,
      version: 'latest',
      continueOnItemError: false,
    });
  });

  it('accepts the concurrency bounds 1 and 100', () => {
    expect(forEachConfigSchema.parse({ items: [], workflowId: 'c', concurrency: 1 }).concurrency).toBe(1);
    expect(forEachConfigSchema.parse({ items: [], workflowId: 'c', concurrency: 100 }).concurrency).toBe(100);
  });

  it.each([
    [0, 'too_small'],
    [101, 'too_big'],
    [2.5, 'invalid_type'],
  ])('rejects concurrency %s', (concurrency, code) => {
    expect(issues(forEachConfigSchema, { items: [], workflowId: 'c', concurrency })).toEqual([{ path: ['concurrency'], code }]);
  });

  it('rejects items that are not a list, an empty workflow id and version 0', () => {
    expect(issues(forEachConfigSchema, { items: '{{ x }}', workflowId: '', version: 0 })).toEqual([
      { path: ['items'], code: 'invalid_type' },
      { path: ['workflowId'], code: 'too_small' },
      { path: ['version'], code: 'too_small' },
    ]);
  });
});

describe('core.delay config', () => {
  it('accepts a duration', () => {
    expect(delayConfigSchema.parse({ mode: 'duration', durationMs: 5_000 })).toEqual({ mode: 'duration', durationMs: 5_000 });
  });

  it('accepts an instant with an offset or Z', () => {
    expect(delayConfigSchema.parse({ mode: 'until', until: '2026-01-01T09:00:00+01:00' })).toEqual({
      mode: 'until',
      until: '2026-01-01T09:00:00+01:00',
    });
    expect(delayConfigSchema.safeParse({ mode: 'until', until: '2026-01-01T08:00:00Z' }).success).toBe(true);
  });

  it('checks the fields of the chosen mode', () => {
    expect(issues(delayConfigSchema, { mode: 'duration', durationMs: -1 })).toEqual([{ path: ['durationMs'], code: 'too_small' }]);
    expect(issues(delayConfigSchema, { mode: 'duration', durationMs: 31_536_000_001 })).toEqual([{ path: ['durationMs'], code: 'too_big' }]);
    expect(issues(delayConfigSchema, { mode: 'duration', until: '2026-01-01T08:00:00Z' })).toEqual([
      { path: ['durationMs'], code: 'invalid_type' },
    ]);
    expect(issues(delayConfigSchema, { mode: 'until', until: '2026-01-01 09:00' })).toEqual([{ path: ['until'], code: 'invalid_format' }]);
  });

  it('rejects an unknown mode at the discriminator', () => {
    expect(issues(delayConfigSchema, { mode: 'forever' })).toEqual([{ path: ['mode'], code: 'invalid_union' }]);
    expect(issues(delayConfigSchema, {})).toEqual([{ path: ['mode'], code: 'invalid_union' }]);
  });

  it('is carried out by the runtime', () => {
    expect(delayNode.kind).toBe('control');
  });
});

describe('core.waitForEvent config', () => {
  it('accepts an event with a match expression, correlation key and timeout', () => {
    const config = { event: 'order.paid', match: 'payload.amount > `0`', correlationKey: 'o-1', timeoutMs: 60_000 };
    expect(waitForEventConfigSchema.parse(config)).toEqual(config);
  });

  it('rejects an invalid match expression at "match"', () => {
    expect(issues(waitForEventConfigSchema, { event: 'order.paid', match: 'payload.[' })).toEqual([{ path: ['match'], code: 'custom' }]);
  });

  it('rejects an empty event name, an empty correlation key and a zero timeout', () => {
    expect(issues(waitForEventConfigSchema, { event: '', correlationKey: '', timeoutMs: 0 })).toEqual([
      { path: ['event'], code: 'too_small' },
      { path: ['correlationKey'], code: 'too_small' },
      { path: ['timeoutMs'], code: 'too_small' },
    ]);
  });
});

describe('core.setVariables config', () => {
  it('accepts identifier names with any values', () => {
    const config = { variables: { count: 1, _private: { a: [1] }, Name2: null } };
    expect(setVariablesConfigSchema.parse(config)).toEqual(config);
  });

  it('rejects an empty set of variables', () => {
    expect(issues(setVariablesConfigSchema, { variables: {} })).toEqual([{ path: ['variables'], code: 'custom' }]);
  });

  it.each(['2fast', 'has-dash', 'with space', ''])('rejects the variable name "%s" at that name', (name) => {
    expect(issues(setVariablesConfigSchema, { variables: { ok: 1, [name]: 2 } })).toEqual([{ path: ['variables', name], code: 'invalid_key' }]);
  });

  it('rejects a missing variables object', () => {
    expect(issues(setVariablesConfigSchema, {})).toEqual([{ path: ['variables'], code: 'invalid_type' }]);
  });
});

describe('core.subWorkflow config', () => {
  it('applies defaults', () => {
    expect(subWorkflowConfigSchema.parse({ workflowId: 'child', input: { a: 1 } })).toEqual({
      workflowId: 'child',
      input: { a: 1 },
      version: 'latest',
      wait: true,
    });
  });

  it('rejects a version that is neither a positive integer nor "latest"', () => {
    expect(issues(subWorkflowConfigSchema, { workflowId: 'child', version: 'newest' })).toEqual([{ path: ['version'], code: 'invalid_union' }]);
    expect(subWorkflowConfigSchema.parse({ workflowId: 'child', version: 3 }).version).toBe(3);
  });
});

describe('core.terminate config', () => {
  it('accepts a status and an optional message', () => {
    expect(terminateConfigSchema.parse({ status: 'failed', message: 'Out of stock' })).toEqual({ status: 'failed', message: 'Out of stock' });
  });

  it('rejects an unknown status and an overlong message', () => {
    expect(issues(terminateConfigSchema, { status: 'cancelled', message: 'x'.repeat(10_001) })).toEqual([
      { path: ['status'], code: 'invalid_value' },
      { path: ['message'], code: 'too_big' },
    ]);
  });
});
