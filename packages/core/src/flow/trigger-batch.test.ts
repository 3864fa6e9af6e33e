import { describe, expect, it } from 'vitest';
import { flow, manual } from '../runtime/control-flow.fixtures';
import { createFlowHarness } from './flow.fixtures';

const recorder = (id: string, settings: Parameters<typeof flow>[3]) => flow(id, [manual, { id: 'note', type: 'test.record' }], ['start -> note'], settings);

describe('batching of starts', () => {
  it('starts one run per maxItems starts, and one for the rest when the window ends', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(recorder('batched', { batch: { maxItems: 3, windowMs: 5_000 } }));
    const t0 = engine.clock.now();
    const results = [];
    for (let n = 1; n <= 7; n++) results.push(await engine.runs.start(engine.ctx, { workflowId: 'batched' }, { n }));
    const first = results[0]?.runId as string;
    const second = results[3]?.runId as string;
    const third = results[6]?.runId as string;
    expect(results.map((result) => result.runId)).toEqual([first, first, first, second, second, second, third]);
    expect(new Set([first, second, third]).size).toBe(3);
    expect(results.map((result) => result.deferred)).toEqual([
      { reason: 'batch', runAt: t0 + 5_000, index: 0 },
      { reason: 'batch', runAt: t0 + 5_000, index: 1 },
      { reason: 'batch', runAt: t0, index: 2 },
      { reason: 'batch', runAt: t0 + 5_000, index: 0 },
      { reason: 'batch', runAt: t0 + 5_000, index: 1 },
      { reason: 'batch', runAt: t0, index: 2 },
      { reason: 'batch', runAt: t0 + 5_000, index: 0 },
    ]);

    // Full batches start without waiting for their window.
    expect((await engine.settle(first, { maxMs: 0 })).input).toEqual({ items: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    expect((await engine.settle(second, { maxMs: 0 })).input).toEqual({ items: [{ n: 4 }, { n: 5 }, { n: 6 }] });
    expect(engine.clock.now()).toBe(t0);
    await expect(engine.runs.get(engine.ctx, third)).rejects.toMatchObject({ code: 'not_found' });

    await engine.clock.advance(5_000);
    const last = await engine.settle(third);
    expect(last.input).toEqual({ items: [{ n: 7 }] });
    expect(last.createdAt).toBe(t0 + 5_000);
    expect(harness.recorded.map((input) => (input as { items: unknown[] }).items.length)).toEqual([3, 3, 1]);
    expect((await engine.runs.list(engine.ctx)).items).toHaveLength(3);
  });

  it('batches each key value on its own, and counts a start with a known idempotency key once', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(recorder('per-account', { batch: { maxItems: 2, windowMs: 1_000, key: '{{ trigger.account }}' } }));
    const start = (input: unknown, idempotencyKey?: string) =>
      engine.runs.start(engine.ctx, { workflowId: 'per-account' }, input, idempotencyKey === undefined ? {} : { idempotencyKey });
    const a1 = await start({ account: 'a', n: 1 }, 'event-1');
    const again = await start({ account: 'a', n: 1 }, 'event-1');
    const b1 = await start({ account: 'b', n: 1 });
    expect(again).toEqual(a1);
    expect(b1.runId).not.toBe(a1.runId);
    const a2 = await start({ account: 'a', n: 2 });
    expect(a2.runId).toBe(a1.runId);
    expect((await engine.settle(a1.runId, { maxMs: 0 })).input).toEqual({ items: [{ account: 'a', n: 1 }, { account: 'a', n: 2 }] });
    await engine.clock.advance(1_000);
    expect((await engine.settle(b1.runId)).input).toEqual({ items: [{ account: 'b', n: 1 }] });
  });
});
