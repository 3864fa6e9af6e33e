import { z } from 'zod';
import { asRunId, newTimeOrderedId, type RunId, type TenantId } from '../ids';
import type { DebounceSettings } from '../model/workflow-schema';
import type { EngineCore } from '../runtime/engine-core';
import { deferredRunSchema, startDeferredRun, type DeferredStart, type DeferredStartRequest } from './deferred-start';
import { evaluateFlowKey } from './flow-key';
import { flowJobNames, scheduleFlowJob } from './flow-job';
import { updateFlowState } from './flow-state';

const pendingSchema = deferredRunSchema.extend({
  /** The latest start's input: the run starts with it. */
  input: z.unknown(),
  starts: z.number(),
});

type PendingStart = z.infer<typeof pendingSchema>;

/**
 * One debounced key (`debounce:<workflowId>:<key value>`): the start collecting further
 * starts, and the one claimed for starting. The claim is written before the run is
 * created, so a start arriving meanwhile opens a new pending start instead of changing
 * the input of a run already being created; a worker that dies after the claim leaves
 * it for the job's next attempt, which creates the run under the same id.
 */
const debounceSchema = z.object({
  pending: pendingSchema.optional(),
  firing: pendingSchema.optional(),
});

type DebounceState = z.infer<typeof debounceSchema>;

/** Loop bound for one job: each turn starts a run or ends. */
const maxTurns = 100;

export type DebouncedStart = DeferredStartRequest<DebounceSettings>;

function withoutFiring(state: DebounceState): DebounceState | null {
  return state.pending === undefined ? null : { pending: state.pending };
}

/**
 * Records a start of a debounced workflow. The first start of a quiet period opens a
 * pending start under a new run id; later ones replace its input and postpone it to
 * `quietMs` after themselves (at most to `maxWaitMs` after the first). Every start
 * returns the same run id, which exists once the run starts.
 */
export async function debounceStart(core: EngineCore, start: DebouncedStart): Promise<{ runId: RunId; deferred: DeferredStart }> {
  const { settings } = start;
  const value = settings.key === undefined ? '' : await evaluateFlowKey(settings.key, start.input, start.variables, start.workflowId, 'debounce');
  const key = `debounce:${start.workflowId}:${value}`;
  const now = core.clock.now();
  const quietEnd = now + settings.quietMs;
  // Scheduled before the start is stored: a job is due by then whatever happens next.
  await scheduleFlowJob(core, start.tenantId, flowJobNames.debounce, key, quietEnd);
  const pending = await updateFlowState(core.store, start.tenantId, key, debounceSchema, () => core.clock.now(), (state) => {
    const current = state?.pending;
    const firstAt = current?.firstAt ?? now;
    const dueAt = settings.maxWaitMs === undefined ? quietEnd : Math.min(quietEnd, firstAt + settings.maxWaitMs);
    const next: PendingStart = {
      runId: current?.runId ?? newTimeOrderedId('run'),
      versionId: start.versionId,
      triggerNodeId: start.triggerNodeId,
      input: start.input,
      firstAt,
      dueAt,
      starts: (current?.starts ?? 0) + 1,
    };
    return { next: { ...state, pending: next }, result: next };
  });
  if (pending.dueAt < quietEnd) await scheduleFlowJob(core, start.tenantId, flowJobNames.debounce, key, pending.dueAt);
  return { runId: asRunId(pending.runId), deferred: { reason: 'debounce', runAt: pending.dueAt, starts: pending.starts } };
}

type Step = { kind: 'done' } | { kind: 'later'; at: number } | { kind: 'fire'; start: PendingStart };

/** The `flow.debounce` job: starts the key's run once its quiet period is over. */
export async function fireDebounce(core: EngineCore, tenantId: TenantId, key: string): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    const now = core.clock.now();
    const step = await updateFlowState<DebounceState, Step>(core.store, tenantId, key, debounceSchema, () => core.clock.now(), (state) => {
      if (state === undefined) return { result: { kind: 'done' } };
      if (state.firing) return { result: { kind: 'fire', start: state.firing } };
      if (state.pending === undefined) return { next: null, result: { kind: 'done' } };
      if (state.pending.dueAt > now) return { result: { kind: 'later', at: state.pending.dueAt } };
      return { next: { firing: state.pending }, result: { kind: 'fire', start: state.pending } };
    });
    if (step.kind === 'done') return;
    if (step.kind === 'later') {
      await scheduleFlowJob(core, tenantId, flowJobNames.debounce, key, step.at);
      return;
    }
    await startDeferredRun(core, tenantId, step.start, step.start.input, 'debounce');
    const fired = step.start.runId;
    await updateFlowState(core.store, tenantId, key, debounceSchema, () => core.clock.now(), (state) =>
      state?.firing?.runId === fired ? { next: withoutFiring(state), result: undefined } : { result: undefined },
    );
  }
  // Still busy after many runs: carry on in a fresh job rather than hold this one.
  await scheduleFlowJob(core, tenantId, flowJobNames.debounce, key, core.clock.now());
}
