import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RetryableError } from '../errors/step-errors';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createTestEngine } from '../testing/test-engine';

let flaky = 0;
const add = defineNode({
  type: 'test.add',
  version: 1,
  title: 'Add',
  description: 'adds',
  category: 'Test',
  configSchema: z.object({ by: z.number() }),
  sideEffects: false,
  run: ({ config, input }) => ({ n: (input as { n: number }).n + config.by }),
});
const flakyNode = defineNode({
  type: 'test.flaky',
  version: 1,
  title: 'Flaky',
  description: 'fails twice',
  category: 'Test',
  configSchema: z.object({}),
  sideEffects: true,
  run: ({ input }) => {
    flaky++;
    if (flaky < 3) throw new RetryableError('not yet');
    return input;
  },
});
const registry = createRegistry([...coreNodes, add, flakyNode]);

describe('engine smoke', () => {
  it('runs a linear workflow with a delay and retries, skipping time', async () => {
    const engine = createTestEngine({ registry, random: () => 0.5 });
    const started = engine.clock.now();
    const view = await engine.run(
      {
        id: 'wf',
        name: 'Linear',
        nodes: [
          { id: 'start', type: 'core.manual' },
          { id: 'a', type: 'test.add', config: { by: 1 } },
          { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 60_000 } },
          { id: 'f', type: 'test.flaky', retry: { maxAttempts: 5, backoff: 'fixed', initialDelayMs: 1000, jitter: 'none' } },
          { id: 'b', type: 'test.add', config: { by: '{{ steps.a.output.n }}' } },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'a' },
          { id: 'e2', source: 'a', target: 'wait' },
          { id: 'e3', source: 'wait', target: 'f' },
          { id: 'e4', source: 'f', target: 'b' },
        ],
      },
      { n: 1 },
    );
    expect(view.status).toBe('succeeded');
    expect(view.output).toEqual({ n: 4 });
    expect(view.steps.find((step) => step.nodeId === 'f')?.attempts).toBe(3);
    expect(engine.clock.now() - started).toBe(62_000);
    await engine.stop();
  });
});
