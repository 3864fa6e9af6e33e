import { describe, expect, it } from 'vitest';
import { eventsOf, flow, manual } from '../runtime/control-flow.fixtures';
import { createFlowHarness, type FlowHarness } from './flow.fixtures';

const fragile = flow(
  'fragile',
  [manual, { id: 'prepare', type: 'test.record' }, { id: 'call', type: 'test.flaky' }, { id: 'after', type: 'test.record' }],
  ['start -> prepare', 'prepare -> call', 'call -> after'],
);

async function failedRun(harness: FlowHarness, input: unknown): Promise<string> {
  const { runId } = await harness.engine.runs.start(harness.engine.ctx, { workflowId: 'fragile' }, input);
  expect((await harness.engine.settle(runId)).status).toBe('failed');
  return runId;
}

describe('dead letters', () => {
  it('lists a failed run with its error and failed step, and redrives it once from that step', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(fragile);
    harness.failing = true;
    const runId = await failedRun(harness, { order: 1 });

    const failed = await engine.runs.failed(engine.ctx, { workflowId: 'fragile' });
    expect(failed.items).toEqual([
      expect.objectContaining({ runId, workflowId: 'fragile', nodeId: 'call', error: expect.objectContaining({ code: 'fatal', message: 'The service is down' }) }),
    ]);

    harness.failing = false;
    const redriven = await engine.runs.redrive(engine.ctx, runId);
    expect(redriven.created).toBe(true);
    const view = await engine.settle(redriven.runId);
    expect(view.status).toBe('succeeded');
    expect(view.input).toEqual({ order: 1 });
    // `prepare` ran in the failed run only: the redrive reused its output.
    expect(harness.count('prepare')).toBe(1);
    expect(harness.count('call')).toBe(2);
    expect(view.steps.find((step) => step.nodeId === 'prepare')?.reused).toBe(true);
    expect((await eventsOf(engine, redriven.runId))[0]).toMatchObject({ type: 'run.created', rerunOf: { runId, fromNodeId: 'call' } });

    // Redriven: no longer a dead letter, and asking again gives the same run.
    expect((await engine.runs.failed(engine.ctx)).items).toEqual([]);
    expect((await engine.runs.failed(engine.ctx, { includeRedriven: true })).items).toEqual([expect.objectContaining({ runId, redrivenAs: redriven.runId })]);
    expect(await engine.runs.redrive(engine.ctx, runId)).toEqual({ runId: redriven.runId, created: false });
    expect(harness.count('call')).toBe(2);
  });

  it('refuses to redrive a run that has not failed', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(fragile);
    const { runId } = await engine.runs.start(engine.ctx, { workflowId: 'fragile' }, {});
    expect((await engine.settle(runId)).status).toBe('succeeded');
    await expect(engine.runs.redrive(engine.ctx, runId)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engine.runs.redrive(engine.ctx, 'run_missing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('redrives in bulk, by workflow page by page or by run ids, reporting each run', async () => {
    const harness = createFlowHarness();
    const { engine } = harness;
    await engine.deploy(fragile);
    harness.failing = true;
    const failed: string[] = [];
    for (let order = 1; order <= 5; order++) failed.push(await failedRun(harness, { order }));
    harness.failing = false;

    const firstPage = await engine.runs.redriveMany(engine.ctx, { workflowId: 'fragile', limit: 3 });
    expect(firstPage.items).toHaveLength(3);
    expect(firstPage.items.every((item) => item.ok && item.created)).toBe(true);
    expect(firstPage.nextCursor).toBeDefined();
    const rest = await engine.runs.redriveMany(engine.ctx, { workflowId: 'fragile', limit: 3, cursor: firstPage.nextCursor as string });
    expect(rest.items).toHaveLength(2);
    expect(rest.nextCursor).toBeUndefined();
    const redrivenAs = new Map<string, string>();
    for (const item of [...firstPage.items, ...rest.items]) {
      if (!item.ok) throw new Error(`Run ${item.runId} was not redriven: ${item.error.message}`);
      redrivenAs.set(item.runId, item.newRunId);
      expect((await engine.settle(item.newRunId)).status).toBe('succeeded');
    }
    expect(new Set(redrivenAs.keys())).toEqual(new Set(failed));
    expect((await engine.runs.failed(engine.ctx)).items).toEqual([]);

    const byId = await engine.runs.redriveMany(engine.ctx, { runIds: [failed[0] as string, 'run_missing'] });
    expect(byId.items).toEqual([
      { runId: failed[0], ok: true, newRunId: redrivenAs.get(failed[0] as string), created: false },
      { runId: 'run_missing', ok: false, error: { code: 'not_found', message: 'Run run_missing does not exist' } },
    ]);
  });
});
