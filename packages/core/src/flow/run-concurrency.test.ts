import { describe, expect, it } from 'vitest';
import { asTenantId } from '../ids';
import { flow, manual } from '../runtime/control-flow.fixtures';
import { createFlowHarness, type FlowHarness } from './flow.fixtures';

const held = (id: string, settings?: Parameters<typeof flow>[3]) =>
  flow(id, [manual, { id: 'work', type: 'test.hold' }], ['start -> work'], settings);

async function start(harness: FlowHarness, workflowId: string, input: unknown = {}, tenantId?: string): Promise<string> {
  const ctx = tenantId === undefined ? harness.engine.ctx : { tenantId };
  const { runId } = await harness.engine.runs.start(ctx, { workflowId }, input);
  return runId;
}

const statusOf = async (harness: FlowHarness, runId: string) => (await harness.engine.runs.get(harness.engine.ctx, runId)).status;

describe('concurrency limits', () => {
  it('runs at most maxConcurrentRuns at once and starts waiting runs oldest first', async () => {
    const harness = createFlowHarness();
    await harness.engine.deploy(held('limited', { maxConcurrentRuns: 2 }));
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push(await start(harness, 'limited', { index }));
    await harness.until(() => harness.held().length === 2, 'two runs to be held');
    expect(harness.held()).toEqual(ids.slice(0, 2));

    const waiting = await Promise.all(ids.slice(2).map((id) => harness.engine.runs.get(harness.engine.ctx, id)));
    expect(waiting.map((view) => view.status)).toEqual(['queued', 'queued', 'queued']);
    expect(waiting.map((view) => view.waitingFor)).toEqual([1, 2, 3].map((position) => ({ reason: 'concurrency_limit', scope: 'workflow', limit: 2, running: 2, position })));
    expect(waiting.every((view) => view.steps.every((step) => step.nodeId === 'start' || step.status === 'pending'))).toBe(true);

    const order: string[] = [...harness.held()];
    while (harness.held().length > 0) {
      const [first] = harness.held();
      harness.release(first as string);
      await harness.until(async () => (await statusOf(harness, first as string)) === 'succeeded', `run ${first} to finish`);
      await harness.engine.clock.flush();
      for (const id of harness.held()) if (!order.includes(id)) order.push(id);
      expect(harness.held().length).toBeLessThanOrEqual(2);
    }
    expect(harness.maxHeld).toBe(2);
    expect(order).toEqual(ids);
    for (const id of ids) expect(await statusOf(harness, id)).toBe('succeeded');
    // Idle slot lists are deleted, not left behind.
    expect((await harness.engine.store.listFlowStates(asTenantId(harness.engine.ctx.tenantId), 'concurrency:')).items).toEqual([]);
  });

  it('serializes the runs of one key value while runs of another value go ahead', async () => {
    const harness = createFlowHarness();
    await harness.engine.deploy(held('per-customer', { concurrency: { limit: 1, key: '{{ trigger.customerId }}' } }));
    const first = await start(harness, 'per-customer', { customerId: 'c1' });
    const second = await start(harness, 'per-customer', { customerId: 'c1' });
    const other = await start(harness, 'per-customer', { customerId: 'c2' });
    await harness.until(() => harness.held().length === 2, 'c1 and c2 to be held');
    expect(harness.held()).toEqual([first, other]);
    const view = await harness.engine.runs.get(harness.engine.ctx, second);
    expect(view.status).toBe('queued');
    expect(view.waitingFor).toEqual({ reason: 'concurrency_limit', scope: 'key', key: 'c1', limit: 1, running: 1, position: 1 });

    harness.release(other);
    await harness.until(async () => (await statusOf(harness, other)) === 'succeeded', 'c2 to finish');
    expect(await statusOf(harness, second)).toBe('queued');
    harness.release(first);
    await harness.until(() => harness.held().includes(second), 'the second c1 run to start');
    harness.release(second);
    expect((await harness.engine.settle(second)).status).toBe('succeeded');
  });

  it('rejects a start whose concurrency key is empty for its input', async () => {
    const harness = createFlowHarness();
    await harness.engine.deploy(held('keyed', { concurrency: { limit: 1, key: '{{ trigger.customerId }}' } }));
    await expect(start(harness, 'keyed', {})).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await harness.engine.runs.list(harness.engine.ctx)).items).toEqual([]);
  });

  it('limits the runs of a tenant across its workflows, and only that tenant', async () => {
    const harness = createFlowHarness({ tenantConcurrency: (tenantId) => (tenantId === 'test-tenant' ? 1 : undefined) });
    await harness.engine.deploy(held('a'));
    await harness.engine.deploy(held('b'));
    const other = { tenantId: 'other-tenant' };
    await harness.engine.workflows.save(other, held('a'));
    await harness.engine.workflows.publish(other, 'a');

    const first = await start(harness, 'a');
    const second = await start(harness, 'b');
    const elsewhere = [await start(harness, 'a', {}, 'other-tenant'), await start(harness, 'a', {}, 'other-tenant')];
    await harness.until(() => harness.held().length === 3, 'one run of the tenant and two of the other to be held');
    expect(harness.held()).toEqual([first, ...elsewhere]);
    expect((await harness.engine.runs.get(harness.engine.ctx, second)).waitingFor).toMatchObject({ scope: 'tenant', limit: 1, position: 1 });

    harness.release(first);
    await harness.until(() => harness.held().includes(second), 'the tenant run of workflow b to start');
    for (const id of [second, ...elsewhere]) harness.release(id);
    expect((await harness.engine.settle(second)).status).toBe('succeeded');
  });

  it('runs child runs under their parent slot, so a parent never waits for a slot only it could free', async () => {
    const harness = createFlowHarness({ tenantConcurrency: 1 });
    await harness.engine.deploy(flow('child', [manual, { id: 'note', type: 'test.record' }], ['start -> note'], { maxConcurrentRuns: 1 }));
    await harness.engine.deploy(
      flow(
        'parent',
        [manual, { id: 'each', type: 'core.forEach', config: { items: '{{ trigger.items }}', workflowId: 'child', concurrency: 3 } }],
        ['start -> each'],
        { maxConcurrentRuns: 1 },
      ),
    );
    const runId = await start(harness, 'parent', { items: [1, 2, 3] });
    const view = await harness.engine.settle(runId);
    expect(view.status).toBe('succeeded');
    expect(harness.recorded).toHaveLength(3);
  });

  it('takes a waiting run off the queue when it is cancelled', async () => {
    const harness = createFlowHarness();
    await harness.engine.deploy(held('one-at-a-time', { maxConcurrentRuns: 1 }));
    const first = await start(harness, 'one-at-a-time');
    const cancelled = await start(harness, 'one-at-a-time');
    const last = await start(harness, 'one-at-a-time');
    await harness.until(() => harness.held().length === 1, 'the first run to be held');
    expect(await harness.engine.runs.cancel(harness.engine.ctx, cancelled)).toBe(true);
    await harness.until(async () => (await statusOf(harness, cancelled)) === 'cancelled', 'the waiting run to be cancelled');
    expect(harness.count('work')).toBe(1);
    expect((await harness.engine.runs.get(harness.engine.ctx, last)).waitingFor).toMatchObject({ position: 1 });

    harness.release(first);
    await harness.until(() => harness.held().includes(last), 'the last run to start');
    harness.release(last);
    expect((await harness.engine.settle(last)).status).toBe('succeeded');
  });

  it('keeps a signal for a queued run without starting it, and holds a slot while a run waits', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(
      flow('signalled', [manual, { id: 'work', type: 'test.hold' }, { id: 'wait', type: 'core.waitForEvent' }], ['start -> work', 'work -> wait'], { maxConcurrentRuns: 1 }),
    );
    const first = await start(harness, 'signalled');
    const second = await start(harness, 'signalled');
    await harness.until(() => harness.held().length === 1, 'the first run to be held');
    expect(await engine.runs.signal(engine.ctx, await engine.runs.resumeToken(engine.ctx, second, 'wait'), { early: true })).toBe(true);
    await engine.clock.flush();
    expect(harness.held()).toEqual([first]);
    expect(await statusOf(harness, second)).toBe('queued');

    // Waiting for its signal, the first run still holds the slot.
    harness.release(first);
    await harness.until(async () => (await statusOf(harness, first)) === 'waiting', 'the first run to wait');
    expect(await statusOf(harness, second)).toBe('queued');
    await engine.runs.signal(engine.ctx, await engine.runs.resumeToken(engine.ctx, first, 'wait'), {});
    await harness.until(() => harness.held().includes(second), 'the second run to start');
    harness.release(second);
    const view = await engine.settle(second);
    expect(view.status).toBe('succeeded');
    expect(view.output).toEqual({ early: true });
  });

  it('frees a slot held by a run that finished without releasing it', async () => {
    const harness = createFlowHarness();
    await harness.engine.deploy(held('leaky', { maxConcurrentRuns: 1 }));
    const finished = await start(harness, 'leaky');
    await harness.until(() => harness.held().length === 1, 'the first run to be held');
    harness.release(finished);
    expect((await harness.engine.settle(finished)).status).toBe('succeeded');
    // As if its worker had died between finishing the run and releasing its slot.
    const tenantId = asTenantId(harness.engine.ctx.tenantId);
    const leaked = { limit: 1, holders: [{ runId: finished, at: harness.engine.clock.now() }], waiting: [], checkedAt: 0 };
    expect(await harness.engine.store.putFlowState(tenantId, 'concurrency:workflow:leaky', leaked, 0, harness.engine.clock.now())).toBeDefined();

    const next = await start(harness, 'leaky');
    await harness.until(() => harness.held().includes(next), 'the next run to get the leaked slot');
    expect(harness.warnings).toContain('Freed concurrency slots held by runs that had finished');
    harness.release(next);
    expect((await harness.engine.settle(next)).status).toBe('succeeded');
  });

  it('starts a run that was handed a slot but whose advance job was lost', async () => {
    const harness = createFlowHarness();
    await harness.engine.deploy(held('lost-job', { maxConcurrentRuns: 1 }));
    const first = await start(harness, 'lost-job');
    const second = await start(harness, 'lost-job');
    const third = await start(harness, 'lost-job');
    await harness.until(() => harness.held().length === 1, 'the first run to be held');
    // As if the worker that hands the first run's slot to the second died before queueing it.
    const queue = harness.engine.queue;
    const enqueue = queue.enqueue.bind(queue);
    let dropped = 0;
    queue.enqueue = async (job) => {
      if (job.name === 'advance' && (job.payload as { runId: string }).runId === second && dropped === 0) {
        dropped++;
        return { id: 'lost' as never, deduplicated: false };
      }
      return enqueue(job);
    };
    harness.release(first);
    await harness.until(async () => (await statusOf(harness, first)) === 'succeeded', 'the first run to finish');
    await harness.engine.clock.flush();
    expect(dropped).toBe(1);
    expect(harness.held()).toEqual([]);
    expect(await statusOf(harness, second)).toBe('queued');

    // The next check of the list (due while `third` waits) takes the second run's slot again and queues it.
    await harness.engine.clock.advance(30_000);
    await harness.until(() => harness.held().includes(second), 'the second run to start');
    harness.release(second);
    await harness.until(() => harness.held().includes(third), 'the third run to start');
    harness.release(third);
    expect((await harness.engine.settle(third)).status).toBe('succeeded');
    expect(harness.maxHeld).toBe(1);
  });
});
