import type { ColumnType } from 'kysely';

/**
 * Times are milliseconds since the epoch in BIGINT columns. pg returns BIGINT as a string
 * and mysql2 may too, so reads go through `Number()`; values stay far below 2^53.
 */
type Millis = ColumnType<number | string, number, number>;
type NullableMillis = ColumnType<number | string | null, number | null, number | null>;
/** Integers that fit INTEGER: sequence numbers, versions, attempts. */
type Int = ColumnType<number | string, number, number>;

export interface WorkflowsTable {
  tenant_id: string;
  id: string;
  name: string;
  /** JSON of the draft workflow. */
  draft: string;
  latest_version: Int;
  created_at: Millis;
  updated_at: Millis;
}

export interface WorkflowVersionsTable {
  tenant_id: string;
  id: string;
  workflow_id: string;
  version: Int;
  definition: string;
  created_at: Millis;
}

export interface RunsTable {
  tenant_id: string;
  id: string;
  workflow_id: string;
  version_id: string;
  status: string;
  created_at: Millis;
  updated_at: Millis;
  finished_at: NullableMillis;
  parent_run_id: string | null;
  idempotency_key: string | null;
  last_seq: Int;
}

export interface RunEventsTable {
  tenant_id: string;
  run_id: string;
  seq: Int;
  at: Millis;
  /** JSON of the event. */
  event: string;
}

export interface DeadLettersTable {
  tenant_id: string;
  id: string;
  job_name: string;
  payload: string;
  error: string;
  attempts: Int;
  failed_at: Millis;
}

/**
 * `delayed`: not due yet (enqueued for later, or retried after a delay), and so without a
 * place in the fair order; `waiting`: due, with a place; `leased`; `dead`.
 */
export type JobState = 'delayed' | 'waiting' | 'leased' | 'dead';

export interface JobsTable {
  /** Several queues share the table; each `createSqlJobQueue` names its own. */
  queue: string;
  id: string;
  tenant_id: string;
  name: string;
  payload: string;
  state: JobState;
  due_at: Millis;
  dedupe_key: string | null;
  /**
   * The dedupe key while the job waits, NULL otherwise: a unique index on it lets only
   * one waiting job hold a key, which is what makes concurrent enqueues deduplicate.
   */
  waiting_dedupe_key: string | null;
  attempts: Int;
  max_attempts: Int;
  lease_token: string | null;
  lease_until: NullableMillis;
  last_error: string | null;
  failed_at: NullableMillis;
  /** The job's place in the queue's fair order, from when it is due; NULL while `delayed`. */
  fair_key: ColumnType<number | string | null, number | null, number | null>;
}

/** Per queue and tenant, the last fair place handed out: a tenant's next job goes after it. */
export interface QueueTenantsTable {
  queue: string;
  tenant_id: string;
  last_fair_key: ColumnType<number | string, number, number>;
}

export interface FlowStatesTable {
  tenant_id: string;
  /** Compared byte by byte; MySQL returns it as bytes (`varbinary`). */
  key: ColumnType<string | Uint8Array, string, string>;
  /** JSON of the value. */
  value: string;
  version: Int;
  updated_at: Millis;
}

export interface ConnectionsTable {
  tenant_id: string;
  id: string;
  connector_id: string;
  /**
   * Compared byte by byte, so every database lists names in the same order and a page
   * cursor means the same everywhere; MySQL returns it as bytes (`varbinary`).
   */
  name: ColumnType<string | Uint8Array, string, string>;
  auth_type: string;
  /** The vault's sealed envelope, opaque text. */
  secret: string;
  key_id: string;
  /** JSON of the masked summary. */
  summary: string;
  expires_at: NullableMillis;
  version: Int;
  created_at: Millis;
  updated_at: Millis;
}

export interface AuditEntriesTable {
  tenant_id: string;
  id: string;
  at: Millis;
  action: string;
  connection_id: string;
  /** JSON of the actor. */
  actor: string;
  /** JSON of the detail; NULL when there is none. */
  detail: string | null;
}

export interface TriggersTable {
  tenant_id: string;
  workflow_id: string;
  /** Compared byte by byte: node ids are case-sensitive; MySQL returns it as bytes (`varbinary`). */
  node_id: ColumnType<string | Uint8Array, string, string>;
  version_id: string;
  kind: string;
  node_type: string;
  /** Webhook: unique across tenants; NULL for other kinds (NULLs never collide). */
  path: string | null;
  /** Event: compared byte by byte like `node_id`; NULL for other kinds. */
  event_name: ColumnType<string | Uint8Array | null, string | null, string | null>;
  /** JSON of the trigger node's config. */
  config: string;
  created_at: Millis;
  updated_at: Millis;
}

/**
 * The store's tables under their unprefixed names; the prefix plugin renames them in SQL.
 * A type alias, not an interface: `withTables` needs the implicit index signature.
 */
export type StoreDatabase = {
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  runs: RunsTable;
  run_events: RunEventsTable;
  dead_letters: DeadLettersTable;
  jobs: JobsTable;
  queue_tenants: QueueTenantsTable;
  flow_states: FlowStatesTable;
  connections: ConnectionsTable;
  audit_entries: AuditEntriesTable;
  triggers: TriggersTable;
};
