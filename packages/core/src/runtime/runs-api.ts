import { PipewrightError } from '../errors/pipewright-error';
import { CancelledError } from '../errors/step-errors';
import type { DeferredStart } from '../flow/deferred-start';
import { debounceStart } from '../flow/debounce';
import { listFailedRuns, redriveMany, redriveRun, type FailedRun, type FailedRunsQuery, type RedriveOutcome, type RedriveTarget } from '../flow/redrive';
import { slotWaitOf } from '../flow/run-concurrency';
import { batchStart } from '../flow/trigger-batch';
import { asRunId, asTenantId, asWorkflowId, asWorkflowVersionId, type RunId, type TenantId, type WorkflowVersionId } from '../ids';
import type { CreateRunResult, Page, PageRequest, RunFilter, RunRecord, StoredRunEvent } from '../ports/run-store';
import { appendToRun } from './append-to-run';
import type { EngineCore } from './engine-core';
import { checkInput, createRun, createRunOfLatest, resolveTrigger, type NewRun } from './run-creation';
import type { RunEvent } from './run-events';
import { foldRun, isStepDecided } from './run-state';
import { planNodes, runView, type RunView } from './run-view';
import { createResumeToken, parseResumeToken, verifyResumeToken } from './resume-token';
import type { TenantContext } from './workflows-api';

/** Whether starts of the version go to a debounce or batch (never in a dry run). */
async function defersStarts(core: EngineCore, tenantId: TenantId, versionId: WorkflowVersionId): Promise<boolean> {
  if (core.dry) return false;
  const { debounce, batch } = (await core.planFor(tenantId, versionId)).workflow.settings;
  return debounce !== undefined || batch !== undefined;
}

/** Hands a start to the workflow's debounce or batch, if it has one (never in a dry run). */
async function deferStart(core: EngineCore, tenantId: TenantId, versionId: WorkflowVersionId, input: unknown, options: StartRunOptions): Promise<StartRunResult | undefined> {
  if (core.dry) return undefined;
  const plan = await core.planFor(tenantId, versionId);
  const { debounce, batch, variables } = plan.workflow.settings;
  if (debounce === undefined && batch === undefined) return undefined;
  const triggerNodeId = resolveTrigger(plan, options.triggerNodeId);
  checkInput(plan, triggerNodeId, input);
  const start = { tenantId, workflowId: plan.workflow.id, versionId, triggerNodeId, input, variables };
  if (debounce !== undefined) {
    const debounced = await debounceStart(core, { ...start, settings: debounce });
    return { runId: debounced.runId, created: false, deferred: debounced.deferred };
  }
  if (batch === undefined) return undefined;
  return batchStart(core, options.idempotencyKey === undefined ? { ...start, settings: batch } : { ...start, settings: batch, idempotencyKey: options.idempotencyKey });
}

export type RunTarget = { workflowId: string } | { versionId: string };

export interface StartRunOptions {
  /**
   * A second start with the same key returns the first run instead of a new one. For a
   * batching workflow, a start whose key is already in a batch waiting for its run joins
   * it once; a debouncing workflow collapses repeated starts anyway.
   */
  idempotencyKey?: string;
  /** Which trigger the run starts from; the first `core.manual` by default. */
  triggerNodeId?: string;
}

export interface StartRunResult {
  /** The run; for a deferred start, the id the run will have once it starts. */
  runId: RunId;
  /** Whether this call created the run: false for an idempotent repeat, and for a deferred start. */
  created: boolean;
  /** Set when the workflow debounces or batches its starts: the run starts later. */
  deferred?: DeferredStart;
}

export interface RunListFilter {
  workflowId?: string;
  status?: RunRecord['status'] | RunRecord['status'][];
  parentRunId?: string;
  createdAfter?: number;
  createdBefore?: number;
}

/** Loads a run's record and folded state, or fails with `not_found`. */
export async function loadRun(core: EngineCore, tenantId: string, runId: string) {
  const tenant = asTenantId(tenantId);
  const id = asRunId(runId);
  const [record, stored] = await Promise.all([core.store.getRun(tenant, id), core.store.readEvents(tenant, id)]);
  if (!record || stored.length === 0) throw new PipewrightError('not_found', `Run ${runId} does not exist`);
  return { record, stored, state: foldRun(stored.map((entry) => entry.event)) };
}

export function createRunsApi(core: EngineCore) {
  return {
    /**
     * Starts a run of a workflow's latest published version, or of a given version.
     * The run pins that version for its whole life.
     */
    async start(ctx: TenantContext, target: RunTarget, input: unknown, options: StartRunOptions = {}): Promise<StartRunResult> {
      const tenantId = asTenantId(ctx.tenantId);
      const request = (versionId: WorkflowVersionId): NewRun => {
        const made: NewRun = { tenantId, versionId, input };
        if (options.idempotencyKey !== undefined) made.idempotencyKey = options.idempotencyKey;
        if (options.triggerNodeId !== undefined) made.triggerNodeId = options.triggerNodeId;
        return made;
      };
      const started = (result: CreateRunResult): StartRunResult => ({ runId: result.run.id, created: result.created });
      if ('versionId' in target) {
        const versionId = asWorkflowVersionId(target.versionId);
        return (await deferStart(core, tenantId, versionId, input, options)) ?? started(await createRun(core, request(versionId)));
      }
      const workflowId = asWorkflowId(target.workflowId);
      const hinted = core.store.createRunOfLatest === undefined ? undefined : core.latestVersions.get(tenantId, workflowId);
      // A debounced or batched start is not a run yet: it takes the version looked up now.
      if (hinted !== undefined && !(await defersStarts(core, tenantId, hinted))) {
        const result = await createRunOfLatest(core, request(hinted)).catch((error: unknown) => {
          // The input or trigger was checked against the remembered version: a later one
          // may take it, so the start goes on as if the version were stale.
          if (error instanceof PipewrightError && error.code === 'invalid_input') return { stale: true } as const;
          throw error;
        });
        if (!('stale' in result)) return started(result);
      }
      const versionId = await core.store.getLatestVersionId(tenantId, workflowId);
      if (!versionId) {
        core.latestVersions.forget(tenantId, workflowId);
        throw new PipewrightError('not_found', `Workflow "${target.workflowId}" has no published version`);
      }
      core.latestVersions.set(tenantId, workflowId, versionId);
      return (await deferStart(core, tenantId, versionId, input, options)) ?? started(await createRun(core, request(versionId)));
    },

    async get(ctx: TenantContext, runId: string): Promise<RunView> {
      const { record, state } = await loadRun(core, ctx.tenantId, runId);
      let nodes;
      try {
        nodes = planNodes(await core.planFor(record.tenantId, record.versionId));
      } catch {
        // The version no longer compiles here (a node type is not installed): a run is
        // still worth showing, in the order its definition lists the nodes.
        const version = await core.store.getVersion(record.tenantId, record.versionId);
        nodes = version?.definition.nodes ?? [];
      }
      const view = runView(record, state, nodes);
      if (record.status === 'queued') {
        const wait = await slotWaitOf(core, { ...state, runId: record.id });
        if (wait) view.waitingFor = wait;
      }
      return view;
    },

    list(ctx: TenantContext, filter: RunListFilter = {}, page?: PageRequest): Promise<Page<RunRecord>> {
      const storeFilter: RunFilter = {};
      if (filter.workflowId !== undefined) storeFilter.workflowId = asWorkflowId(filter.workflowId);
      if (filter.status !== undefined) storeFilter.status = filter.status;
      if (filter.parentRunId !== undefined) storeFilter.parentRunId = asRunId(filter.parentRunId);
      if (filter.createdAfter !== undefined) storeFilter.createdAfter = filter.createdAfter;
      if (filter.createdBefore !== undefined) storeFilter.createdBefore = filter.createdBefore;
      return core.store.listRuns(asTenantId(ctx.tenantId), storeFilter, page);
    },

    /** The run's event log. */
    async events(ctx: TenantContext, runId: string, afterSeq?: number): Promise<StoredRunEvent[]> {
      return core.store.readEvents(asTenantId(ctx.tenantId), asRunId(runId), afterSeq);
    },

    /**
     * Cancels a run: steps running in this process see their signal abort at once;
     * the run is then recorded as cancelled and its child runs are cancelled too.
     * @returns false when the run had already finished.
     */
    async cancel(ctx: TenantContext, runId: string, reason = 'Cancelled on request'): Promise<boolean> {
      const appended = await appendToRun(core, asTenantId(ctx.tenantId), asRunId(runId), (state) =>
        state.status !== 'running' || state.cancelRequested ? undefined : [{ type: 'run.cancel_requested', reason }],
      );
      core.activeRuns.get(runId)?.abort(new CancelledError(reason));
      return appended !== undefined;
    },

    /** The token that resumes `nodeId` (a `core.waitForEvent`) of a run. */
    async resumeToken(ctx: TenantContext, runId: string, nodeId: string): Promise<string> {
      const { record, state } = await loadRun(core, ctx.tenantId, runId);
      const plan = await core.planFor(record.tenantId, record.versionId);
      if (plan.nodes[nodeId]?.type !== 'core.waitForEvent') {
        throw new PipewrightError('invalid_input', `Node "${nodeId}" of run ${runId} is not a core.waitForEvent`);
      }
      return createResumeToken(state.resumeSecret, state.runId, nodeId);
    },

    /**
     * Resumes a `core.waitForEvent` with a payload. A signal that arrives before the
     * run reaches the wait is kept in the log and used when it gets there.
     * @returns false when that wait had already finished (the signal is dropped).
     */
    async signal(ctx: TenantContext, token: string, payload: unknown): Promise<boolean> {
      const tenantId = asTenantId(ctx.tenantId);
      const parsed = parseResumeToken(token);
      const { record, state } = await loadRun(core, tenantId, parsed.runId);
      if (!(await verifyResumeToken(state.resumeSecret, parsed.runId, parsed.nodeId, parsed.signature))) {
        throw new PipewrightError('invalid_token', 'The resume token is not valid for this run');
      }
      if (state.status !== 'running') throw new PipewrightError('run_finished', `Run ${parsed.runId} has already ${state.status}`);
      const appended = await appendToRun(
        core,
        tenantId,
        parsed.runId,
        (current): RunEvent[] | undefined => {
          const step = current.steps.get(parsed.nodeId);
          if (current.status !== 'running' || step?.signal || isStepDecided(step)) return undefined;
          return [{ type: 'signal.received', nodeId: parsed.nodeId, payload }];
        },
        // A queued run has not reached any wait; waking it would start it past its concurrency limit.
        { wake: record.status !== 'queued' },
      );
      return appended !== undefined;
    },

    /** Runs that failed after their retries (dead letters), newest first, with their error and failed step; see `redrive`. */
    failed(ctx: TenantContext, query: FailedRunsQuery = {}): Promise<Page<FailedRun>> {
      return listFailedRuns(core, asTenantId(ctx.tenantId), query);
    },

    /** Starts a failed run again from the step that failed, reusing what ran before it; once per failed run. */
    redrive(ctx: TenantContext, runId: string): Promise<{ runId: RunId; created: boolean }> {
      return redriveRun(core, asTenantId(ctx.tenantId), runId);
    },

    /** `redrive` for runs given by id, or for a page of a workflow's failed runs. */
    redriveMany(ctx: TenantContext, target: RedriveTarget): Promise<Page<RedriveOutcome>> {
      return redriveMany(core, asTenantId(ctx.tenantId), target);
    },
  };
}

export type RunsApi = ReturnType<typeof createRunsApi>;
