import type { ExecutionPlan } from '../compiler/execution-plan';
import type { TenantId, WorkflowVersionId } from '../ids';
import type { Clock } from '../ports/clock';
import type { JobQueue } from '../ports/job-queue';
import type { Payloads } from '../payloads/payloads';
import type { RunStore } from '../ports/run-store';
import type { Registry } from '../registry/create-registry';
import type { EngineEmitter } from './engine-events';
import type { DryRunMode } from './run-advancer';
import type { RunAbort } from './run-abort';
import type { StepRunner } from './step-hooks';
import type { LatestVersionHints } from './latest-version-hints';

/** Engine-wide logging; hosts plug in pino or their own. */
export interface EngineLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export const silentLogger: EngineLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** What the engine's parts share. */
export interface EngineCore {
  registry: Registry;
  store: RunStore;
  queue: JobQueue;
  clock: Clock;
  logger: EngineLogger;
  emitter: EngineEmitter;
  runner: StepRunner;
  /** What steps get as `ctx.fetch`: the host's `fetch` option, or the global one. */
  fetch: typeof fetch;
  random: () => number;
  dry?: DryRunMode;
  planFor(tenantId: TenantId, versionId: WorkflowVersionId): Promise<ExecutionPlan>;
  activeRuns: Map<string, RunAbort>;
  /** Payload limits, offload to the blob store and reads back from it. */
  payloads: Payloads;
  /** Runs of a tenant that may execute at once (`EngineOptions.tenantConcurrency`); none when undefined. */
  tenantConcurrency?: (tenantId: TenantId) => number | undefined;
  /** The latest version of each workflow as last looked up, for starts by workflow id. */
  latestVersions: LatestVersionHints;
  /** Tells this worker's advancer of a run, if any, that others appended to its log. */
  wakeRun(runId: string): void;
  isStopping(): boolean;
}
