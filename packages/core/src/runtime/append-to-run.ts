import { PipewrightError } from '../errors/pipewright-error';
import type { RunId, TenantId } from '../ids';
import type { RunRecord } from '../ports/run-store';
import type { EngineCore } from './engine-core';
import { emitStored } from './emit-stored';
import type { RunEvent } from './run-events';
import { foldRun, type RunState } from './run-state';

const maxAttempts = 20;

/**
 * Appends events decided from the run's current state (a signal, a cancel request, a
 * child's result) and wakes the run. Retries on a sequence conflict with the fresh
 * state, so it never overwrites what a worker appended meanwhile. `decide` returns
 * undefined when there is nothing (left) to append.
 *
 * @returns the events appended, or undefined when nothing was.
 */
export async function appendToRun(
  core: EngineCore,
  tenantId: TenantId,
  runId: RunId,
  decide: (state: RunState) => RunEvent[] | undefined,
  options: { patch?: Partial<Pick<RunRecord, 'status' | 'finishedAt'>>; wake?: boolean } = {},
): Promise<RunEvent[] | undefined> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const stored = await core.store.readEvents(tenantId, runId);
    if (stored.length === 0) throw new PipewrightError('not_found', `Run ${runId} does not exist`);
    const events = decide(foldRun(stored.map((entry) => entry.event)));
    if (!events || events.length === 0) return undefined;
    const lastSeq = stored[stored.length - 1]?.seq ?? 0;
    const at = core.clock.now();
    const result = await core.store.appendEvents(tenantId, runId, lastSeq, events, options.patch, at);
    if (result.ok) {
      emitStored(core, tenantId, runId, events, lastSeq + 1, at);
      if (options.wake === false) return events;
      // An advancer here reads the log again at once; elsewhere, the job below wakes the run.
      core.wakeRun(runId);
      await core.queue.enqueue({ tenantId, name: 'advance', payload: { runId }, dedupeKey: `advance:${runId}` });
      return events;
    }
  }
  throw new PipewrightError('internal', `Run ${runId} kept changing; gave up appending after ${maxAttempts} attempts`);
}
