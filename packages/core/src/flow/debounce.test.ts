import { describe, expect, it } from 'vitest';
import { flow, manual } from '../runtime/control-flow.fixtures';
import { createFlowHarness } from './flow.fixtures';

const recorder = (id: string, settings: Parameters<typeof flow>[3]) => flow(id, [manual, { id: 'note', type: 'test.record' }], ['start -> note'], settings);

describe('debounce', () => {
  it('collapses starts within the quiet period into one run with the last input', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(recorder('debounced', { debounce: { quietMs: 1_000 } }));
    const t0 = engine.clock.now();
    const results = [];
    for (let n = 1; n <= 5; n++) {
      results.push(await engine.runs.start(engine.ctx, { workflowId: 'debounced' }, { n }));
      await engine.clock.advance(200);
    }
    const runId = results[0]?.runId as string;
    expect(results.map((result) => result.runId)).toEqual(Array(5).fill(runId));
    expect(results.map((result) => result.created)).toEqual(Array(5).fill(false));
    expect(results.map((result) => result.deferred)).toEqual([1, 2, 3, 4, 5].map((starts) => ({ reason: 'debounce', runAt: t0 + (starts - 1) * 200 + 1_000, starts })));
    // The run does not exist until the quiet period after the last start has passed.
    await expect(engine.runs.get(engine.ctx, runId)).rejects.toMatchObject({ code: 'not_found' });

    await engine.clock.advance(799);
    await expect(engine.runs.get(engine.ctx, runId)).rejects.toMatchObject({ code: 'not_found' });
    await engine.clock.advance(1);
    const view = await engine.settle(runId);
    expect(view.status).toBe('succeeded');
    expect(view.input).toEqual({ n: 5 });
    expect(view.createdAt).toBe(t0 + 1_800);
    expect(harness.recorded).toEqual([{ n: 5 }]);
    expect((await engine.runs.list(engine.ctx)).items).toHaveLength(1);

    // The next start opens a new quiet period, for a new run.
    const later = await engine.runs.start(engine.ctx, { workflowId: 'debounced' }, { n: 6 });
    expect(later.runId).not.toBe(runId);
    await engine.clock.advance(1_000);
    expect((await engine.settle(later.runId)).input).toEqual({ n: 6 });
  });

  it('debounces each key value on its own, and starts by maxWaitMs however many starts keep coming', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(recorder('per-key', { debounce: { quietMs: 1_000, maxWaitMs: 2_500, key: '{{ trigger.doc }}' } }));
    const a = await engine.runs.start(engine.ctx, { workflowId: 'per-key' }, { doc: 'a', n: 0 });
    const b = await engine.runs.start(engine.ctx, { workflowId: 'per-key' }, { doc: 'b', n: 0 });
    expect(a.runId).not.toBe(b.runId);
    const t0 = engine.clock.now();
    for (let n = 1; n <= 4; n++) {
      await engine.clock.advance(600);
      const again = await engine.runs.start(engine.ctx, { workflowId: 'per-key' }, { doc: 'a', n });
      expect(again.runId).toBe(a.runId);
      expect(again.deferred?.runAt).toBe(Math.min(t0 + n * 600 + 1_000, t0 + 2_500));
    }
    // `b` started after its quiet period; `a` at its maximum wait, with the input it had by then.
    expect((await engine.settle(b.runId)).input).toEqual({ doc: 'b', n: 0 });
    await engine.clock.advance(100);
    const view = await engine.settle(a.runId);
    expect(view.input).toEqual({ doc: 'a', n: 4 });
    expect(view.createdAt - (await engine.runs.get(engine.ctx, b.runId)).createdAt).toBe(1_500);
  });

  it('creates the run once when the worker fails after claiming the pending start', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(recorder('crashy', { debounce: { quietMs: 1_000 } }));
    const store = engine.store;
    const createRun = store.createRun.bind(store);
    let failures = 0;
    store.createRun = async (run, events) => {
      if (failures++ === 0) throw new Error('The database went away');
      return createRun(run, events);
    };
    const { runId } = await engine.runs.start(engine.ctx, { workflowId: 'crashy' }, { n: 1 });
    await engine.clock.advance(1_000);
    await expect(engine.runs.get(engine.ctx, runId)).rejects.toMatchObject({ code: 'not_found' });
    // A start meanwhile opens a new pending start: the claimed one keeps its input.
    const next = await engine.runs.start(engine.ctx, { workflowId: 'crashy' }, { n: 2 });
    expect(next.runId).not.toBe(runId);
    // The job is offered again after its retry delay, and creates the claimed run.
    await engine.clock.advance(1_000);
    expect((await engine.settle(runId)).input).toEqual({ n: 1 });
    expect((await engine.settle(next.runId)).input).toEqual({ n: 2 });
    expect((await engine.runs.list(engine.ctx)).items).toHaveLength(2);
  });

  it('checks each start against the trigger input schema at once', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    const trigger = { id: 'start', type: 'core.manual', config: { inputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } } };
    await engine.deploy(flow('checked', [trigger, { id: 'note', type: 'test.record' }], ['start -> note'], { debounce: { quietMs: 100 } }));
    await expect(engine.runs.start(engine.ctx, { workflowId: 'checked' }, {})).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
