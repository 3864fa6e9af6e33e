import { z } from 'zod';
import { PipewrightError, toPipewrightError } from '../errors/pipewright-error';
import { asRunId, asWorkflowId, type RunId, type TenantId } from '../ids';
import type { Page, PageRequest, RunFilter, RunRecord } from '../ports/run-store';
import type { EngineCore } from '../runtime/engine-core';
import { reusedEvents } from '../runtime/rerun';
import { createRun, type NewRun } from '../runtime/run-creation';
import type { RecordedError, RunEventOf } from '../runtime/run-events';
import { foldRun } from '../runtime/run-state';
import { readFlowState, updateFlowState } from './flow-state';

/** A run that failed after its retries: a dead letter, with what failed it. */
export interface FailedRun {
  runId: RunId;
  workflowId: string;
  versionId: string;
  createdAt: number;
  failedAt: number;
  error: RecordedError;
  /** The step that failed the run; absent when the run failed as a whole (its deadline passed, or it could not be advanced). */
  nodeId?: string;
  /** With `includeRedriven`: the run that redrove this one. */
  redrivenAs?: RunId;
}

export interface FailedRunsQuery extends PageRequest {
  workflowId?: string;
  /** Also list failed runs that were redriven already (with `redrivenAs`). */
  includeRedriven?: boolean;
}

export type RedriveTarget = { runIds: readonly string[] } | ({ workflowId: string } & PageRequest);

export type RedriveOutcome =
  | { runId: RunId; ok: true; newRunId: RunId; created: boolean }
  | { runId: RunId; ok: false; error: { code: string; message: string } };

/**
 * `redrive:<run id>` marks a failed run as redriven, with the run that redrove it. The
 * run log stays as it was: the mark is about what happened after the run.
 */
const markSchema = z.object({ runId: z.string(), at: z.number() });
const markKey = (runId: string): string => `redrive:${runId}`;
/** Most runs one `redriveMany` call takes by id. */
const maxRunIds = 1_000;
/** `run.failed` is among the last events of a failed run; read the tail first. */
const tailEvents = 16;

async function failureOf(core: EngineCore, record: RunRecord): Promise<RunEventOf<'run.failed'> | undefined> {
  const find = (events: ReadonlyArray<{ event: { type: string } }>) => events.find((entry) => entry.event.type === 'run.failed')?.event as RunEventOf<'run.failed'> | undefined;
  const tail = await core.store.readEvents(record.tenantId, record.id, Math.max(0, record.lastSeq - tailEvents));
  return find(tail) ?? (record.lastSeq > tailEvents ? find(await core.store.readEvents(record.tenantId, record.id)) : undefined);
}

/**
 * Failed runs, newest first, with their error and failed step. Child runs are left out:
 * their failure is their parent's, and a parent is redriven as a whole. Runs already
 * redriven are left out unless `includeRedriven`; a page may then hold fewer items
 * than `limit` while `nextCursor` still leads on.
 */
export async function listFailedRuns(core: EngineCore, tenantId: TenantId, query: FailedRunsQuery = {}): Promise<Page<FailedRun>> {
  const filter: RunFilter = { status: 'failed' };
  if (query.workflowId !== undefined) filter.workflowId = asWorkflowId(query.workflowId);
  const page: PageRequest = {};
  if (query.cursor !== undefined) page.cursor = query.cursor;
  if (query.limit !== undefined) page.limit = query.limit;
  const runs = await core.store.listRuns(tenantId, filter, page);
  const items = await Promise.all(
    runs.items
      .filter((record) => record.parentRunId === undefined)
      .map(async (record): Promise<FailedRun | undefined> => {
        const mark = await readFlowState(core.store, tenantId, markKey(record.id), markSchema);
        if (mark && !query.includeRedriven) return undefined;
        const failed = await failureOf(core, record);
        const item: FailedRun = {
          runId: record.id,
          workflowId: record.workflowId,
          versionId: record.versionId,
          createdAt: record.createdAt,
          failedAt: record.finishedAt ?? record.updatedAt,
          error: failed?.error ?? { code: 'internal', message: 'The run failed without a recorded error', retryable: false },
        };
        if (failed?.nodeId !== undefined) item.nodeId = failed.nodeId;
        if (mark) item.redrivenAs = asRunId(mark.runId);
        return item;
      }),
  );
  const result: Page<FailedRun> = { items: items.filter((item): item is FailedRun => item !== undefined) };
  if (runs.nextCursor !== undefined) result.nextCursor = runs.nextCursor;
  return result;
}

/**
 * Redrives a failed run: a new run of the same version and input that starts again at
 * the step that failed, reusing the outputs of the steps before it (a rerun from that
 * step). A run that failed as a whole starts over. A run is redriven once: asking again
 * returns the same new run with `created: false`.
 */
export async function redriveRun(core: EngineCore, tenantId: TenantId, runId: string): Promise<{ runId: RunId; created: boolean }> {
  const id = asRunId(runId);
  const record = await core.store.getRun(tenantId, id);
  if (!record) throw new PipewrightError('not_found', `Run ${runId} does not exist`);
  if (record.status !== 'failed') throw new PipewrightError('invalid_input', `Run ${runId} has not failed (it is ${record.status})`, { details: { runId, status: record.status } });
  if (record.parentRunId !== undefined) {
    throw new PipewrightError('invalid_input', `Run ${runId} is a child run of ${record.parentRunId}: redrive that run`, { details: { runId, parentRunId: record.parentRunId } });
  }
  const mark = await readFlowState(core.store, tenantId, markKey(id), markSchema);
  if (mark) return { runId: asRunId(mark.runId), created: false };

  const stored = await core.store.readEvents(tenantId, id);
  const state = foldRun(stored.map((entry) => entry.event));
  const failedAt = stored.find((entry) => entry.event.type === 'run.failed')?.event as RunEventOf<'run.failed'> | undefined;
  const plan = await core.planFor(tenantId, record.versionId);
  const request: NewRun = {
    tenantId,
    versionId: record.versionId,
    input: state.input,
    triggerNodeId: state.triggerNodeId,
    // Whoever redrives it (a second worker, the same call after a crash) gets this one run.
    idempotencyKey: `redrive:${id}`,
    rerunOf: { runId: id, fromNodeId: state.triggerNodeId },
  };
  const fromNodeId = failedAt?.nodeId;
  if (fromNodeId !== undefined && plan.nodes[fromNodeId] !== undefined && fromNodeId !== state.triggerNodeId) {
    const reused = reusedEvents(plan, stored, fromNodeId, state.triggerNodeId);
    request.rerunOf = { runId: id, fromNodeId };
    request.extraEvents = () => reused;
  }
  const result = await createRun(core, request);
  const now = core.clock.now();
  await updateFlowState(core.store, tenantId, markKey(id), markSchema, () => core.clock.now(), (current) =>
    current ? { result: undefined } : { next: { runId: result.run.id, at: now }, result: undefined },
  );
  return { runId: result.run.id, created: result.created };
}

/**
 * Redrives several failed runs: given by id, or a page of a workflow's failed runs not
 * redriven yet (pass `nextCursor` back for the next page). One run that cannot be
 * redriven does not stop the others: its outcome carries the error.
 */
export async function redriveMany(core: EngineCore, tenantId: TenantId, target: RedriveTarget): Promise<Page<RedriveOutcome>> {
  let runIds: readonly string[];
  let nextCursor: string | undefined;
  if ('runIds' in target) {
    if (target.runIds.length > maxRunIds) {
      throw new PipewrightError('invalid_input', `At most ${maxRunIds} runs can be redriven in one call`, { details: { count: target.runIds.length } });
    }
    runIds = target.runIds;
  } else {
    const query: FailedRunsQuery = { workflowId: target.workflowId };
    if (target.cursor !== undefined) query.cursor = target.cursor;
    if (target.limit !== undefined) query.limit = target.limit;
    const page = await listFailedRuns(core, tenantId, query);
    runIds = page.items.map((item) => item.runId);
    nextCursor = page.nextCursor;
  }
  const items: RedriveOutcome[] = [];
  for (const runId of runIds) {
    try {
      const redriven = await redriveRun(core, tenantId, runId);
      items.push({ runId: asRunId(runId), ok: true, newRunId: redriven.runId, created: redriven.created });
    } catch (error) {
      const failure = toPipewrightError(error);
      items.push({ runId: asRunId(runId), ok: false, error: { code: failure.code, message: failure.message } });
    }
  }
  return nextCursor === undefined ? { items } : { items, nextCursor };
}
