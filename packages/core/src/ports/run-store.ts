import type { ConnectionId, RunId, TenantId, WorkflowId, WorkflowVersionId } from '../ids';
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

/** `createRunOfLatest`'s answer when the version is no longer the workflow's latest. */
export interface StaleVersion {
  stale: true;
}

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

/**
 * A tenant's account at a service. The credentials are sealed by the vault; what the
 * store holds is ciphertext and a masked summary, never the secret.
 */
export interface ConnectionRecord {
  tenantId: TenantId;
  id: ConnectionId;
  /** The connector whose auth spec the credentials fit, e.g. `slack`. */
  connectorId: string;
  name: string;
  /** The auth spec's type: `apiKey`, `bearer`, `basic`, `oauth2`, `none`. */
  authType: string;
  /** The vault's sealed envelope of the credentials (opaque text). */
  secret: string;
  /** Id of the key-encryption key that wraps `secret`'s data key; key rotation finds stale rows by it. */
  keyId: string;
  /** Masked, display-safe facts about the credentials, e.g. `{ apiKey: 'sk-…1234' }`. */
  summary: Record<string, string>;
  /** When the OAuth2 access token expires (epoch ms); absent for other auth types. */
  expiresAt?: number;
  /** 1 when created, +1 on every update; updates compare it. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface ConnectionFilter {
  connectorId?: string;
}

/** Who acted on a connection: a step of a run, a user through the API, or the engine itself (key rotation, token refresh outside a step). */
export type AuditActor =
  | { type: 'run'; runId: RunId; nodeId: string }
  | { type: 'user'; userId?: string }
  | { type: 'engine' };

export type AuditAction =
  | 'connection.created'
  | 'connection.updated'
  | 'connection.deleted'
  | 'connection.decrypted'
  | 'connection.tested'
  | 'connection.refreshed'
  | 'connection.rewrapped';

/** One entry of the append-only audit trail of secret access. */
export interface AuditEntry {
  tenantId: TenantId;
  id: string;
  at: number;
  action: AuditAction;
  connectionId: ConnectionId;
  actor: AuditActor;
  /** Plain strings only (never a secret), e.g. `{ purpose: 'step' }`. */
  detail?: Record<string, string>;
}

export interface AuditFilter {
  connectionId?: ConnectionId;
}

/** How a trigger starts runs; `manual` marks the workflow enabled without registering anything outside. */
export type TriggerKind = 'manual' | 'webhook' | 'schedule' | 'poll' | 'event';

/**
 * A trigger node of an enabled workflow's published version, registered so the
 * outside world can reach it: a webhook path, a schedule, a poll, an event name. A
 * workflow is enabled exactly when it has registrations.
 */
export interface TriggerRecord {
  tenantId: TenantId;
  workflowId: WorkflowId;
  /** The trigger node's id; (tenant, workflow, node) identifies a registration. */
  nodeId: string;
  /** The version whose trigger this is: runs it starts pin this version. */
  versionId: WorkflowVersionId;
  kind: TriggerKind;
  /** The node's type, e.g. `core.webhook` or `github.onPush`. */
  nodeType: string;
  /** Webhook: the unguessable path segment, unique across all tenants; kept across publishes. */
  path?: string;
  /** Event: the host event name it listens to. */
  eventName?: string;
  /** The trigger node's config as published (plain JSON). */
  config: unknown;
  createdAt: number;
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
   * Removes the workflow and its trigger registrations together, so no webhook path or
   * schedule outlives it; whether the workflow existed. Its published versions stay:
   * runs pin them, and a workflow saved again under the same id numbers its next
   * version after them (the caller passes their highest number as `latestVersion`).
   */
  deleteWorkflow(tenantId: TenantId, id: WorkflowId): Promise<boolean>;
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
  /**
   * Optional: `createRun`, but only while `run.versionId` is the latest published
   * version of `run.workflowId`, checked in the same write; `{ stale: true }` and nothing
   * stored otherwise. (A repeated idempotency key still answers the existing run.) With
   * it, an engine starts runs of a workflow's latest version from the version id it last
   * saw instead of looking it up on every start, and a version published elsewhere is
   * still never missed.
   */
  createRunOfLatest?(run: RunRecord, events: readonly RunEvent[]): Promise<CreateRunResult | StaleVersion>;
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

  /** Stores a new connection (`version` 1); false when the id is taken in the tenant. */
  createConnection(record: ConnectionRecord): Promise<boolean>;
  getConnection(tenantId: TenantId, id: ConnectionId): Promise<ConnectionRecord | undefined>;
  /** A tenant's connections, ordered by name then id. */
  listConnections(tenantId: TenantId, filter?: ConnectionFilter, page?: PageRequest): Promise<Page<ConnectionRecord>>;
  /**
   * Replaces a connection's mutable fields (name, authType, secret, keyId, summary,
   * expiresAt, updatedAt) when its version is still `expectedVersion`; returns the
   * stored record (version + 1), or undefined on a version mismatch or a missing row.
   */
  updateConnection(record: ConnectionRecord, expectedVersion: number): Promise<ConnectionRecord | undefined>;
  deleteConnection(tenantId: TenantId, id: ConnectionId): Promise<boolean>;
  /**
   * Up to `limit` connections of any tenant whose secret is not wrapped by `keyId`,
   * for re-wrapping them after the master key rotates.
   */
  listConnectionsNotWrappedBy(keyId: string, limit: number): Promise<ConnectionRecord[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /** A tenant's audit trail, newest first (by `at`, then id). */
  listAudit(tenantId: TenantId, filter?: AuditFilter, page?: PageRequest): Promise<Page<AuditEntry>>;
  /**
   * Replaces a workflow's trigger registrations with these, atomically: webhook
   * requests and schedules see either the old set or the new one. An empty list
   * disables the workflow. A path another registration holds makes the whole call
   * throw (nothing changes); paths are random, so that means a bug, not bad luck.
   */
  replaceTriggers(tenantId: TenantId, workflowId: WorkflowId, triggers: readonly TriggerRecord[]): Promise<void>;
  /** A tenant's registrations, by workflow id then node id; of one workflow when given. */
  listTriggers(tenantId: TenantId, workflowId?: WorkflowId): Promise<TriggerRecord[]>;
  /** The webhook registration with this path, whatever its tenant. */
  getTriggerByPath(path: string): Promise<TriggerRecord | undefined>;
  /** A tenant's event registrations listening to `eventName`. */
  listTriggersByEvent(tenantId: TenantId, eventName: string): Promise<TriggerRecord[]>;
  addDeadLetter(letter: DeadLetter): Promise<void>;
  listDeadLetters(tenantId: TenantId, page?: PageRequest): Promise<Page<DeadLetter>>;
  removeDeadLetter(tenantId: TenantId, id: string): Promise<boolean>;
}
