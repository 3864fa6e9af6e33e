import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createEngine } from './engine';
import { HostTurns } from './host-turns';

describe('HostTurns', () => {
  it('lets the engine go on within its slice, then waits for the loop to turn', async () => {
    let now = 100;
    const turns = new HostTurns(10, () => now);
    expect(turns.turn()).toBeUndefined();
    now = 109;
    expect(turns.turn()).toBeUndefined();
    now = 110;
    const turn = turns.turn();
    expect(turn).toBeInstanceOf(Promise);
    // Everyone who asks while the turn is pending waits for the same one.
    expect(turns.turn()).toBe(turn);
    let over = false;
    void turn?.then(() => (over = true));
    // Promise callbacks alone (the engine's own chain) never end the turn...
    for (let index = 0; index < 100; index++) await Promise.resolve();
    expect(over).toBe(false);
    // ...a later task of the event loop does, and a new slice starts.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(over).toBe(true);
    expect(turns.turn()).toBeUndefined();
  });

  it('never holds back work that lets the loop turn by itself', async () => {
    let now = 0;
    const turns = new HostTurns(10, () => now);
    for (let pass = 0; pass < 5; pass++) {
      expect(turns.turn()).toBeUndefined();
      // Waiting for I/O, say: the loop turns, and the slice with it.
      await new Promise((resolve) => setTimeout(resolve, 1));
      now += 50;
    }
  });
});

describe('an engine draining a backlog', () => {
  const add = defineNode({
    type: 'test.add',
    version: 1,
    title: 'Add',
    description: 'adds one',
    category: 'Test',
    configSchema: z.object({}),
    sideEffects: false,
    run: ({ input }) => ({ n: (input as { n: number }).n + 1 }),
  });
  const registry = createRegistry([...coreNodes, add]);

  it('lets the host’s timers run while it works through queued runs whose steps never wait', async () => {
    const engine = createEngine({ registry });
    const ctx = { tenantId: 'acme' };
    const nodes = [{ id: 'start', type: 'core.manual', config: {} }, ...Array.from({ length: 10 }, (_, index) => ({ id: `s${index}`, type: 'test.add', config: {} }))];
    const edges = nodes.slice(1).map((node, index) => ({ id: `e${index}`, source: (nodes[index] as { id: string }).id, target: node.id }));
    await engine.workflows.save(ctx, { id: 'count', name: 'count', nodes, edges });
    await engine.workflows.publish(ctx, 'count');
    const total = 3_000;
    for (let index = 0; index < total; index++) await engine.runs.start(ctx, { workflowId: 'count' }, { n: index });
    let finished = 0;
    let allDone!: () => void;
    const drained = new Promise<void>((resolve) => (allDone = resolve));
    engine.on('run.succeeded', () => {
      if (++finished === total) allDone();
    });
    const finishedWhenTimersFired: number[] = [];
    const timer = setInterval(() => finishedWhenTimersFired.push(finished), 5);
    engine.start();
    await drained;
    clearInterval(timer);
    await engine.stop();
    // Without turns, no timer fired before the last run had finished.
    const beforeTheEnd = finishedWhenTimersFired.filter((count) => count < total);
    expect(beforeTheEnd.length).toBeGreaterThanOrEqual(3);
  });
});
