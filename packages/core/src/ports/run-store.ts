import type { RunId, TenantId, WorkflowId, WorkflowVersionId } from '../ids';
import type { Workflow } from '../model/workflow-schema';
import type { RunEvent } from '../runtime/run-events';

/** A workflow's editable draft. */
export interface WorkflowRecord {
  tenantId: TenantId;
  id: WorkflowId;
  name: string;
  draft: Workflow;
  /** Number of the newest published version, 0 before the first publish. */
  latestVersion: number;
  createdAt: number;
  updatedAt: number;
}

/** An immutable published version; runs pin one. */
export interface WorkflowVersionRecord {
  tenantId: TenantId;
  id: WorkflowVersionId;
  workflowId: WorkflowId;
  version: number;
  definition: Workflow;
  createdAt: number;
}

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';

/** The searchable summary of a run; the truth is its event log. */
export interface RunRecord {
  tenantId: TenantId;
  id: RunId;
  workflowId: WorkflowId;
  versionId: WorkflowVersionId;
  status: RunStatus;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  parentRunId?: RunId;
  idempotencyKey?: string;
  /** Sequence number of the last event (events are numbered from 1). */
  lastSeq: number;
}

export interface StoredRunEvent {
  seq: number;
  at: number;
  event: RunEvent;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; absent on the last page. */
  nextCursor?: string;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export interface RunFilter {
  workflowId?: WorkflowId;
  status?: RunStatus | RunStatus[];
  parentRunId?: RunId;
  createdAfter?: number;
  createdBefore?: number;
}

export type CreateRunResult = { created: true; run: RunRecord } | { created: false; run: RunRecord };

export type AppendResult = { ok: true; lastSeq: number } | { ok: false; reason: 'conflict'; lastSeq: number } | { ok: false; reason: 'not_found' };

/**
 * A small shared document of flow control (a circuit breaker, a rate limiter, a
 * concurrency slot list, a debounce or batch window): every worker reads and updates
 * the same one, guarded by its version.
 */
export interface FlowStateRecord {
  tenantId: TenantId;
  key: string;
  /** Plain JSON. */
  value: unknown;
  /** 1 after the first write, +1 on every write. */
  version: number;
  updatedAt: number;
}

export interface DeadLetter {
  tenantId: TenantId;
  id: string;
  jobName: string;
  payload: unknown;
  error: string;
  attempts: number;
  failedAt: number;
}

/**
 * Durable state of the engine. Every method is scoped by tenant. Appends are guarded
 * by the expected last sequence number, so two workers can never both record the
 * outcome of the same step.
 */
export interface RunStore {
  saveWorkflow(record: WorkflowRecord): Promise<void>;
  getWorkflow(tenantId: TenantId, id: WorkflowId): Promise<WorkflowRecord | undefined>;
  listWorkflows(tenantId: TenantId, page?: PageRequest): Promise<Page<WorkflowRecord>>;
  /**
   * Stores `definition` as version `latestVersion + 1` of the workflow and bumps
   * `latestVersion`, atomically; concurrent publishes get distinct numbers.
   */
  publishVersion(tenantId: TenantId, workflowId: WorkflowId, id: WorkflowVersionId, definition: Workflow, at: number): Promise<WorkflowVersionRecord>;
  getVersion(tenantId: TenantId, id: WorkflowVersionId): Promise<WorkflowVersionRecord | undefined>;
  getVersionByNumber(tenantId: TenantId, workflowId: WorkflowId, version: number): Promise<WorkflowVersionRecord | undefined>;
  /** Id of the newest published version: what `runs.start` by workflow id pins, on every start. */
  getLatestVersionId(tenantId: TenantId, workflowId: WorkflowId): Promise<WorkflowVersionId | undefined>;
  listVersions(tenantId: TenantId, workflowId: WorkflowId): Promise<WorkflowVersionRecord[]>;

  /**
   * Creates a run with its first events. With an idempotency key already used in the
   * tenant, creates nothing and returns the existing run.
   */
  createRun(run: RunRecord, events: readonly RunEvent[]): Promise<CreateRunResult>;
  getRun(tenantId: TenantId, id: RunId): Promise<RunRecord | undefined>;
  /** Newest first (by `createdAt`, then id). */
  listRuns(tenantId: TenantId, filter?: RunFilter, page?: PageRequest): Promise<Page<RunRecord>>;
  /**
   * Appends events after `expectedLastSeq`, and applies `patch` to the run summary in
   * the same step. Fails with `conflict` if someone appended first.
   */
  appendEvents(
    tenantId: TenantId,
    runId: RunId,
    expectedLastSeq: number,
    events: readonly RunEvent[],
    patch?: Partial<Pick<RunRecord, 'status' | 'finishedAt'>>,
    at?: number,
  ): Promise<AppendResult>;
  /** Events with `seq > afterSeq`, in order. */
  readEvents(tenantId: TenantId, runId: RunId, afterSeq?: number): Promise<StoredRunEvent[]>;

  getFlowState(tenantId: TenantId, key: string): Promise<FlowStateRecord | undefined>;
  /**
   * Writes `value` if the stored version is `expectedVersion` (0: the key must not
   * exist yet). Returns the stored record, or `undefined` when someone else wrote first.
   */
  putFlowState(tenantId: TenantId, key: string, value: unknown, expectedVersion: number, at: number): Promise<FlowStateRecord | undefined>;
  /** Deletes the key (only at `expectedVersion` when given); whether something was deleted. */
  deleteFlowState(tenantId: TenantId, key: string, expectedVersion?: number): Promise<boolean>;
  /** Records whose key starts with `prefix`, in key order. */
  listFlowStates(tenantId: TenantId, prefix: string, page?: PageRequest): Promise<Page<FlowStateRecord>>;

  addDeadLetter(letter: DeadLetter): Promise<void>;
  listDeadLetters(tenantId: TenantId, page?: PageRequest): Promise<Page<DeadLetter>>;
  removeDeadLetter(tenantId: TenantId, id: string): Promise<boolean>;
}
