import { LatestVersionHints } from './latest-version-hints';
import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { createConnectionsApi, type ConnectionsApi } from '../connections/connections-api';
import type { ConnectionsCore } from '../connections/connections-core';
import { KnownSecrets } from '../connections/known-secrets';
import type { OAuth2Client } from '../connections/oauth2-client';
import { openStepConnection } from '../connections/step-connection';
import { AuditIds } from '../connections/audit-ids';
import { asRunId, asTenantId, type RunId } from '../ids';
import type { SecretVault } from '../secrets/secret-vault';
import { redactingLogger } from './redacting-logger';
import { createConnectorsApi, type ConnectorsApi } from './test-action';
import { createHostEventsApi, type HostEventsApi } from '../triggers/host-events';
import { handleTriggerJob } from '../triggers/trigger-jobs';
import { createTriggersApi, onPublished, type TriggersApi } from '../triggers/triggers-api';
import type { TriggersCore } from '../triggers/triggers-core';
import { createWebhookHandler } from '../triggers/webhook-handler';
import { WebhookSecrets } from '../triggers/webhook-secrets';
import { WebhookRoutes } from '../triggers/webhook-routes';
import { offloadingRunStore } from '../payloads/offloading-run-store';
import { parsePayloadOptions, type PayloadOptions } from '../payloads/payload-options';
import { Payloads } from '../payloads/payloads';
import { readRunOutput } from '../payloads/run-output';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { JobQueue, LeasedJob, QueueWorker } from '../ports/job-queue';
import { createMemoryBlobStore } from '../ports/memory-blob-store';
import { createMemoryJobQueue } from '../ports/memory-job-queue';
import { createMemoryRunStore } from '../ports/memory-run-store';
import { realClock } from '../ports/real-clock';
import type { AuditEntry, RunStore } from '../ports/run-store';
import type { Registry } from '../registry/create-registry';
import { toRecordedError } from '../reliability/classify-error';
import { FlowControl, type BreakerView, type FlowControlOptions } from '../reliability/flow-control';
import { handleFlowJob } from '../flow/handle-flow-job';
import { releaseRunSlots, releaseRunSlotsById } from '../flow/run-concurrency';
import { appendToRun } from './append-to-run';
import { startChildRun, notifyParent } from './child-runs';
import { silentLogger, type EngineCore, type EngineLogger } from './engine-core';
import { EngineEmitter, type EngineEventMap } from './engine-events';
import { emitStored } from './emit-stored';
import { createPlanCache } from './plan-cache';
import { compareRuns, previewRun, replayMode, type DryRunResult, type ReplayResult } from './preview';
import { reusedEvents } from './rerun';
import { HostTurns } from './host-turns';
import { RunAdvancer, type AdvanceDeps, type DryRunMode } from './run-advancer';
import { createRun } from './run-creation';
import type { RunEvent } from './run-events';
import { foldRun } from './run-state';
import { createRunsApi, loadRun, type RunsApi } from './runs-api';
import { composeStepHooks, type EngineHooks } from './step-hooks';
import { createWorkflowsApi, resolveVersionId, type TenantContext, type WorkflowsApi } from './workflows-api';

export interface EngineOptions {
  registry: Registry;
  /** Where workflows, versions and run logs live; in memory by default. */
  store?: RunStore;
  /** Where "advance run" jobs wait; in memory by default. */
  queue?: JobQueue;
  clock?: Clock;
  logger?: EngineLogger;
  hooks?: EngineHooks | readonly EngineHooks[];
  /** Runs this worker advances at once. */
  concurrency?: number;
  /** How long a worker holds a run before another may take it over, without heartbeats. */
  leaseMs?: number;
  /** Source of randomness for retry jitter; tests pass a fixed one. */
  random?: () => number;
  /**
   * Runs of one tenant that may execute at once, across all its workflows (at least 1;
   * undefined: no limit). Further runs are created `queued` and start, oldest first, as
   * runs finish. Child runs count under their root run.
   */
  tenantConcurrency?: number | ((tenantId: string) => number | undefined);
  /** Circuit breaker and rate limit overrides per connector id, over what connectors declare. */
  flowControl?: FlowControlOptions;
  /**
   * Where step outputs and run inputs over `payloads.offloadAboveBytes` go; the event
   * log keeps a `BlobRef` to them. In memory by default when the run store is too;
   * with a store given and no blob store, large payloads stay in the event log.
   */
  blobs?: BlobStore;
  /**
   * Sizes in bytes of JSON: `offloadAboveBytes` (256 KiB) sends larger payloads to the
   * blob store; `maxStepOutputBytes` (16 MiB) and `maxRunPayloadBytes` (64 MiB) fail the
   * step with `payload_too_large` (see `payloadOptionsSchema`).
   */
  payloads?: PayloadOptions;
  /**
   * Encrypts connection credentials at rest (AES-256-GCM envelopes). Without one,
   * connections cannot be created or used.
   *
   * @example
   * ```ts
   * createEngine({ registry, vault: new SecretVault(parseKeyRing(process.env.PIPEWRIGHT_KEYS!)) });
   * ```
   */
  vault?: SecretVault;
  /** The host's registered OAuth2 apps per connector id, for `connections.authorize`. */
  oauthClients?: Readonly<Record<string, OAuth2Client>>;
  /** For OAuth2 token requests and `ctx.connection.fetch`; the global `fetch` by default. */
  fetch?: typeof fetch;
  /** Refreshes an OAuth2 access token this long before it expires (60 s). */
  tokenRefreshSkewMs?: number;
}

/** The circuit breakers of a tenant's connections (`<connector id>:<connection>` or `http:<host>`). */
export interface BreakersApi {
  list(ctx: TenantContext, page?: { limit?: number; cursor?: string }): Promise<{ items: BreakerView[]; nextCursor?: string }>;
  get(ctx: TenantContext, key: string): Promise<BreakerView | undefined>;
  /** Closes the circuit now and lets the steps parked on it go. */
  reset(ctx: TenantContext, key: string): Promise<void>;
}

export interface Engine {
  readonly registry: Registry;
  readonly store: RunStore;
  readonly queue: JobQueue;
  readonly clock: Clock;
  readonly workflows: WorkflowsApi;
  readonly breakers: BreakersApi;
  /** A tenant's accounts at services: credentials sealed by the vault, shown masked. */
  readonly connections: ConnectionsApi;
  /** Runs one connector action for real, outside a workflow. */
  readonly connectors: ConnectorsApi;
  /** Enables and disables workflows' triggers: webhooks, schedules, polls, host events. */
  readonly triggers: TriggersApi;
  /** Host app events that start subscribed workflows. */
  readonly events: HostEventsApi;
  /**
   * Webhook ingress for the host to mount (any prefix; the last path segment is the
   * webhook's path): verifies, dedupes and starts a run, answering 202 or the run's
   * `core.respond`.
   */
  readonly webhookHandler: (request: Request) => Promise<Response>;
  readonly runs: RunsApi & {
    /** A new run of the same version and input in which the steps upstream of `fromNodeId` are not run again: their outputs are reused. */
    rerun(ctx: TenantContext, runId: string, options: { fromNodeId: string }): Promise<{ runId: string }>;
    /** Re-executes a recorded run (pure steps again, recorded results for the rest) and checks it reaches the same state. */
    replay(ctx: TenantContext, runId: string): Promise<ReplayResult>;
    /** Validates, then executes with no external side effects, and returns a node-by-node preview. */
    dryRun(workflow: unknown, input: unknown, options?: { pinned?: Record<string, unknown>; triggerNodeId?: string }): Promise<DryRunResult>;
    /**
     * The run's output, or a step's (the trigger's is the run input), read from the blob
     * store when it was offloaded: run views show an offloaded payload as its `BlobRef`.
     */
    output(ctx: TenantContext, runId: string, nodeId?: string): Promise<unknown>;
  };
  /** Starts leasing and advancing runs. */
  start(): void;
  /**
   * Stops the worker. Graceful (default): no new steps start, running steps finish
   * and are recorded, and their runs are queued for another worker.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
  on<Name extends keyof EngineEventMap>(name: Name, listener: EngineEventMap[Name]): () => void;
}

const advancePayload = z.object({ runId: z.string().min(1) });
const noop = (): void => undefined;

function buildEngine(options: EngineOptions, dry?: DryRunMode): Engine {
  const store = options.store ?? createMemoryRunStore();
  const clock = options.clock ?? realClock;
  const queue = options.queue ?? createMemoryJobQueue({ clock });
  const hooks = options.hooks === undefined ? [] : Array.isArray(options.hooks) ? options.hooks : [options.hooks as EngineHooks];
  const leaseMs = options.leaseMs ?? 30_000;
  let worker: QueueWorker | undefined;
  let stopping = false;
  // Blobs kept in this process would vanish with it, breaking the runs of a durable store
  // that point to them: only an all-in-memory engine gets an in-memory blob store. A dry
  // run offloads nothing; its results must not point into a blob store that is gone.
  const blobs = dry ? undefined : (options.blobs ?? (options.store === undefined ? createMemoryBlobStore() : undefined));
  const payloads = new Payloads(parsePayloadOptions(options.payloads), blobs, options.logger);

  const knownSecrets = new KnownSecrets();
  const emitter = new EngineEmitter();
  // Read at call time, not bound once: a host or test that replaces the global fetch later still gets it.
  const hostFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const core: EngineCore = {
    registry: options.registry,
    store: offloadingRunStore(store, payloads),
    queue,
    clock,
    logger: options.logger ? redactingLogger(options.logger, knownSecrets) : silentLogger,
    emitter,
    runner: composeStepHooks(hooks, (ctx, definition) => definition.run(ctx)),
    fetch: hostFetch,
    random: options.random ?? Math.random,
    planFor: createPlanCache(store, options.registry),
    activeRuns: new Map(),
    latestVersions: new LatestVersionHints(),
    payloads,
    wakeRun: (runId) => advancing.get(runId)?.advancer.refresh(),
    isStopping: () => stopping,
  };
  if (dry) core.dry = dry;
  const tenantConcurrency = options.tenantConcurrency;
  if (tenantConcurrency !== undefined) core.tenantConcurrency = typeof tenantConcurrency === 'function' ? tenantConcurrency : () => tenantConcurrency;

  const flow = new FlowControl(
    store,
    clock,
    async (tenantId, runId) => {
      await queue.enqueue({ tenantId, name: 'advance', payload: { runId }, dedupeKey: `advance:${runId}` });
    },
    options.flowControl,
  );

  const auditIds = new AuditIds();
  const connectionsCore: ConnectionsCore = {
    store,
    vault: options.vault,
    registry: options.registry,
    clock,
    fetch: hostFetch,
    oauthClients: options.oauthClients ?? {},
    knownSecrets,
    refreshSkewMs: options.tokenRefreshSkewMs ?? 60_000,
    async audit(tenantId, action, record, actor, detail) {
      const at = clock.now();
      const entry: AuditEntry = { tenantId, id: auditIds.next(at), at, action, connectionId: record.id, actor };
      if (detail !== undefined) entry.detail = detail;
      await store.appendAudit(entry);
      // A rotated or deleted secret must not keep verifying webhooks from this worker's cache.
      if (action === 'connection.updated' || action === 'connection.deleted') webhookSecrets.forget(tenantId, record.id);
      emitter.emit('audit', entry);
    },
  };
  const webhookSecrets = new WebhookSecrets(connectionsCore);

  const hostTurns = new HostTurns();
  const deps: AdvanceDeps = {
    ...core,
    flow,
    openConnection: (tenantId, connector, connectionId, actor, anyConnector) => openStepConnection(connectionsCore, connector, tenantId, connectionId, actor, anyConnector),
    childVersion: (tenantId, workflowId, version) => resolveVersionId(core, tenantId, workflowId, version),
    startChild: (request) => startChildRun(core, request),
    cancelRun: async (tenantId, runId, reason) => {
      await runs.cancel({ tenantId }, runId, reason);
    },
    notifyParent: (state) => notifyParent(core, state),
    runFinished: (state) => releaseRunSlots(core, state),
    emit: (tenantId, runId, events, firstSeq, at) => emitStored(core, tenantId, runId, events, firstSeq, at),
    hostTurn: () => hostTurns.turn(),
  };

  // One timer heartbeats every job this worker holds, instead of a timer per job: a
  // lost lease aborts that job's signal and its run stops advancing here.
  const leased = new Set<LeasedJob>();
  let cancelHeartbeat: (() => void) | undefined;
  function armHeartbeat(): void {
    if (cancelHeartbeat !== undefined) return;
    cancelHeartbeat = clock.setTimer(leaseMs / 3, () => {
      cancelHeartbeat = undefined;
      for (const job of leased) job.heartbeat().catch(() => undefined);
      if (leased.size > 0) armHeartbeat();
    });
  }

  /**
   * Runs this worker is advancing. One run never has two advancers here at once: a job
   * for a run already being advanced (woken by a signal, a cancel, a child's result)
   * would otherwise find its steps in flight, take them for a dead worker's and run
   * them a second time.
   */
  const advancing = new Map<string, { advancer: RunAdvancer; done: Promise<void>; followed: boolean }>();

  async function advance(job: LeasedJob, runId: RunId): Promise<void> {
    const current = advancing.get(runId);
    if (current) {
      current.advancer.refresh();
      // One job waiting behind the advancer is enough: it reads the log after the events
      // that woke this job were stored.
      if (current.followed) return;
      current.followed = true;
      await current.done.catch(noop);
      // Another job took over meanwhile; it started after those events were stored too.
      const next = advancing.get(runId);
      if (next !== undefined && next !== current) return;
    }
    const advancer = new RunAdvancer(deps, job.tenantId, runId, job);
    const done = advancer.run();
    const entry = { advancer, done, followed: false };
    advancing.set(runId, entry);
    try {
      await done;
    } finally {
      if (advancing.get(runId) === entry) advancing.delete(runId);
    }
  }

  async function handleJob(job: LeasedJob): Promise<void> {
    if (job.name !== 'advance' && ((await handleFlowJob(core, job)) || (await handleTriggerJob(triggersCore, job)))) return;
    const payload = advancePayload.safeParse(job.payload);
    if (job.name !== 'advance' || !payload.success) {
      core.logger.error('Dropping a job the engine does not understand', { name: job.name });
      return;
    }
    leased.add(job);
    armHeartbeat();
    try {
      await advance(job, asRunId(payload.data.runId));
    } catch (error) {
      core.logger.error('Advancing a run failed', { runId: payload.data.runId, attempt: job.attempt, error: (error as Error).message });
      if (job.attempt >= job.maxAttempts) {
        await store.addDeadLetter({
          tenantId: job.tenantId,
          id: job.id,
          jobName: job.name,
          payload: job.payload,
          error: (error as Error).message,
          attempts: job.attempt,
          failedAt: clock.now(),
        });
        // The run cannot advance any more: record it as failed rather than leave it running forever.
        const failure = toRecordedError(error, clock.now());
        await appendToRun(
          core,
          job.tenantId,
          asRunId(payload.data.runId),
          (state) => (state.status === 'running' ? [{ type: 'run.failed', error: failure }] : undefined),
          { patch: { status: 'failed', finishedAt: clock.now() }, wake: false },
        ).catch((appendError: unknown) => core.logger.error('Could not record the run as failed', { error: (appendError as Error).message }));
        await releaseRunSlotsById(core, job.tenantId, asRunId(payload.data.runId)).catch((releaseError: unknown) =>
          core.logger.error('Could not release the concurrency slots of a failed run', { error: (releaseError as Error).message }),
        );
      }
      throw error;
    } finally {
      leased.delete(job);
    }
  }

  const baseWorkflows = createWorkflowsApi(core);
  const runs = createRunsApi(core);
  const triggersCore: TriggersCore = {
    store,
    queue,
    clock,
    registry: options.registry,
    logger: core.logger,
    connections: connectionsCore,
    startRun: (tenantId, target, input, startOptions) => runs.start({ tenantId }, target, input, startOptions),
    routes: new WebhookRoutes(store, clock),
  };
  const workflows: WorkflowsApi = {
    ...baseWorkflows,
    async publish(ctx, workflowId) {
      const published = await baseWorkflows.publish(ctx, workflowId);
      // An enabled workflow moves its triggers to the new version at once.
      await onPublished(triggersCore, asTenantId(ctx.tenantId), published.workflowId, published.id);
      return published;
    },
    async delete(ctx, workflowId) {
      // The store drops the registrations with the workflow, so schedule and poll chains
      // end at their next job, which finds none, as after `triggers.disable`. Cached
      // webhook routes would still answer for up to their TTL: this worker's go now,
      // other processes' expire on their own.
      const deleted = await baseWorkflows.delete(ctx, workflowId);
      triggersCore.routes.clear();
      return deleted;
    },
  };

  const engine: Engine = {
    registry: options.registry,
    store,
    queue,
    clock,
    workflows,
    connections: createConnectionsApi(connectionsCore),
    connectors: createConnectorsApi(connectionsCore),
    triggers: createTriggersApi(triggersCore),
    events: createHostEventsApi(triggersCore),
    webhookHandler: createWebhookHandler(triggersCore, webhookSecrets),
    breakers: {
      list: (ctx, page) => flow.listBreakers(asTenantId(ctx.tenantId), page),
      get: (ctx, key) => flow.breakerView(asTenantId(ctx.tenantId), key),
      reset: (ctx, key) => flow.resetBreaker(asTenantId(ctx.tenantId), key),
    },
    runs: {
      ...runs,
      async rerun(ctx, runId, { fromNodeId }) {
        const { record, stored, state } = await loadRun(core, ctx.tenantId, runId);
        const plan = await core.planFor(record.tenantId, record.versionId);
        const reused = reusedEvents(plan, stored, fromNodeId, state.triggerNodeId);
        const result = await createRun(core, {
          tenantId: record.tenantId,
          versionId: record.versionId,
          input: await payloads.resolve(record.tenantId, state.input),
          triggerNodeId: state.triggerNodeId,
          rerunOf: { runId: record.id, fromNodeId },
          extraEvents: () => reused,
        });
        return { runId: result.run.id };
      },
      async replay(ctx, runId) {
        const { record, stored } = await loadRun(core, ctx.tenantId, runId);
        const version = await store.getVersion(asTenantId(ctx.tenantId), record.versionId);
        if (!version) throw new PipewrightError('not_found', `Version ${record.versionId} of run ${runId} does not exist`);
        const { events } = await payloads.resolveEvents(record.tenantId, stored.map((entry) => entry.event));
        return replayEvents(options.registry, version.definition, events);
      },
      dryRun: (workflow, input, dryOptions = {}) =>
        previewRun(
          buildEngine({ registry: options.registry, hooks }, { pinned: dryOptions.pinned ?? {} }),
          workflow,
          input,
          dryOptions.triggerNodeId === undefined ? {} : { triggerNodeId: dryOptions.triggerNodeId },
        ),
      output: (ctx, runId, nodeId) => readRunOutput(core, ctx, runId, nodeId),
    },
    start() {
      if (worker) return;
      stopping = false;
      worker = queue.process(handleJob, { concurrency: options.concurrency ?? 32, leaseMs });
    },
    async stop(stopOptions = {}) {
      const current = worker;
      worker = undefined;
      if (!current) return;
      const graceful = stopOptions.graceful ?? true;
      stopping = graceful;
      await current.stop({ graceful });
      stopping = false;
      // A stopped worker holds nothing to keep alive, and a pending timer would keep the host's process running.
      cancelHeartbeat?.();
      cancelHeartbeat = undefined;
    },
    on(name, listener) {
      core.emitter.on(name, listener as never);
      return () => void core.emitter.off(name, listener as never);
    },
  };
  return engine;
}

/**
 * Re-executes a recorded run against a workflow definition: pure steps run again,
 * everything else takes its recorded result. Divergences show where the definition
 * (or a non-deterministic node) no longer leads to the recorded history.
 */
export async function replayEvents(registry: Registry, definition: unknown, events: readonly RunEvent[]): Promise<ReplayResult> {
  const recorded = foldRun(events);
  const sideEffects = new Set<string>();
  const parsed = (definition as { nodes?: Array<{ id: string; type: string }> }).nodes ?? [];
  for (const node of parsed) if (registry.get(node.type)?.definition.sideEffects) sideEffects.add(node.id);
  const mode = replayMode(recorded, sideEffects);
  const preview = await previewRun(buildEngine({ registry }, mode), definition, recorded.input, { triggerNodeId: recorded.triggerNodeId });
  if (!preview.ok) return { ok: false, divergences: [], diagnostics: preview.diagnostics };
  const replayed = foldRun(preview.events);
  const divergences = compareRuns(recorded, replayed);
  return divergences.length === 0 ? { ok: true, state: replayed } : { ok: false, state: replayed, divergences };
}

/**
 * Creates an engine: the workflow API, the run API and a worker that advances runs.
 * With no store or queue it runs entirely in memory.
 *
 * @example
 * ```ts
 * const engine = createEngine({ registry: createRegistry([...coreNodes]) });
 * engine.start();
 * await engine.workflows.save({ tenantId: 't1' }, definition);
 * await engine.workflows.publish({ tenantId: 't1' }, definition.id);
 * const { runId } = await engine.runs.start({ tenantId: 't1' }, { workflowId: definition.id }, { name: 'Ada' });
 * ```
 */
export function createEngine(options: EngineOptions): Engine {
  return buildEngine(options);
}
