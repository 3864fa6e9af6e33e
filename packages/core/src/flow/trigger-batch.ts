import { z } from 'zod';
import { asRunId, newTimeOrderedId, type RunId, type TenantId } from '../ids';
import type { BatchSettings } from '../model/workflow-schema';
import type { EngineCore } from '../runtime/engine-core';
import { deferredRunSchema, startDeferredRun, type DeferredStart, type DeferredStartRequest } from './deferred-start';
import { evaluateFlowKey } from './flow-key';
import { flowJobNames, scheduleFlowJob } from './flow-job';
import { updateFlowState } from './flow-state';

const batchSchema = deferredRunSchema.extend({
  items: z.array(z.unknown()),
  /** Idempotency keys of the starts in `items`: the same start twice joins once. */
  keys: z.array(z.string()),
});

type Batch = z.infer<typeof batchSchema>;

/**
 * One batched key (`batch:<workflowId>:<key value>`): the batch taking items, and the
 * batches that are complete (full, past their window, or cut off by a start of another
 * version) and wait for their run, oldest first. A complete batch takes no more items,
 * so the run id handed to a start always ends up with that start's item in it.
 */
const batchStateSchema = z.object({
  open: batchSchema.optional(),
  closed: z.array(batchSchema),
});

type BatchState = z.infer<typeof batchStateSchema>;

const maxTurns = 100;

export interface BatchedStart extends DeferredStartRequest<BatchSettings> {
  /** The same start twice (by this key) joins its batch once. */
  idempotencyKey?: string;
}

/** The run input of a batch. */
export function batchInput(batch: { items: unknown[] }): { items: unknown[] } {
  return { items: batch.items };
}

/**
 * Adds a start to its key's open batch (opening one, under a new run id, when there is
 * none). A batch is complete at `maxItems`, and its run then starts at once; otherwise
 * `windowMs` after its first item.
 */
export async function batchStart(core: EngineCore, start: BatchedStart): Promise<{ runId: RunId; created: boolean; deferred: DeferredStart }> {
  const { settings, idempotencyKey } = start;
  const value = settings.key === undefined ? '' : await evaluateFlowKey(settings.key, start.input, start.variables, start.workflowId, 'batch');
  const key = `batch:${start.workflowId}:${value}`;
  const now = core.clock.now();
  // Scheduled before the item is stored: the window's end has a job whatever happens next.
  await scheduleFlowJob(core, start.tenantId, flowJobNames.batch, key, now + settings.windowMs);
  const placed = await updateFlowState(core.store, start.tenantId, key, batchStateSchema, () => core.clock.now(), (state) => {
    const closed = [...(state?.closed ?? [])];
    let open = state?.open;
    if (idempotencyKey !== undefined) {
      for (const batch of open === undefined ? closed : [...closed, open]) {
        const index = batch.keys.indexOf(idempotencyKey);
        if (index >= 0) return { result: { batch, index, complete: batch !== open, closedAny: closed.length > 0 } };
      }
    }
    // Items of one batch run one version from one trigger.
    if (open !== undefined && (open.versionId !== start.versionId || open.triggerNodeId !== start.triggerNodeId)) {
      closed.push(open);
      open = undefined;
    }
    const batch: Batch = open
      ? { ...open, items: [...open.items, start.input], keys: idempotencyKey === undefined ? open.keys : [...open.keys, idempotencyKey] }
      : {
          runId: newTimeOrderedId('run'),
          versionId: start.versionId,
          triggerNodeId: start.triggerNodeId,
          firstAt: now,
          dueAt: now + settings.windowMs,
          items: [start.input],
          keys: idempotencyKey === undefined ? [] : [idempotencyKey],
        };
    const full = batch.items.length >= settings.maxItems;
    if (full) closed.push(batch);
    const next: BatchState = full ? { closed } : { open: batch, closed };
    return { next, result: { batch, index: batch.items.length - 1, complete: full, closedAny: closed.length > 0 } };
  });
  if (placed.closedAny) await scheduleFlowJob(core, start.tenantId, flowJobNames.batch, key, now);
  return {
    runId: asRunId(placed.batch.runId),
    created: false,
    deferred: { reason: 'batch', runAt: placed.complete ? now : placed.batch.dueAt, index: placed.index },
  };
}

type Step = { kind: 'done' } | { kind: 'later'; at: number } | { kind: 'fire'; batch: Batch };

/**
 * The `flow.batch` job: starts the runs of the key's complete batches, oldest first,
 * and completes the open batch once its window has ended. Each run is created before
 * its batch is removed, under the batch's run id and an idempotency key, so a worker
 * dying in between leads to the same run, not a second one.
 */
export async function fireBatches(core: EngineCore, tenantId: TenantId, key: string): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    const now = core.clock.now();
    const step = await updateFlowState<BatchState, Step>(core.store, tenantId, key, batchStateSchema, () => core.clock.now(), (state) => {
      if (state === undefined) return { result: { kind: 'done' } };
      const first = state.closed[0];
      if (first !== undefined) return { result: { kind: 'fire', batch: first } };
      if (state.open === undefined) return { next: null, result: { kind: 'done' } };
      if (state.open.dueAt > now) return { result: { kind: 'later', at: state.open.dueAt } };
      return { next: { closed: [state.open] }, result: { kind: 'fire', batch: state.open } };
    });
    if (step.kind === 'done') return;
    if (step.kind === 'later') {
      await scheduleFlowJob(core, tenantId, flowJobNames.batch, key, step.at);
      return;
    }
    await startDeferredRun(core, tenantId, step.batch, batchInput(step.batch), 'batch');
    const fired = step.batch.runId;
    await updateFlowState(core.store, tenantId, key, batchStateSchema, () => core.clock.now(), (state) => {
      if (state === undefined || !state.closed.some((batch) => batch.runId === fired)) return { result: undefined };
      const closed = state.closed.filter((batch) => batch.runId !== fired);
      const next: BatchState | null = state.open === undefined && closed.length === 0 ? null : state.open === undefined ? { closed } : { open: state.open, closed };
      return { next, result: undefined };
    });
  }
  await scheduleFlowJob(core, tenantId, flowJobNames.batch, key, core.clock.now());
}
