import { sql, type Kysely } from 'kysely';

/** One row per idempotency key: how often a step with that key ran, and where. */
export interface StepCounterRow {
  idempotencyKey: string;
  runId: string;
  nodeId: string;
  executions: number;
  /** The workers that ran it, in order of their executions. */
  workers: string[];
}

/** What a counted step knows about itself when it runs. */
export interface StepExecution {
  idempotencyKey: string;
  runId: string;
  nodeId: string;
  worker: string;
}

/** `<prefix>step_counter`: beside the store's tables, dropped with them. */
export function stepCounterTable(tablePrefix: string): string {
  return `${tablePrefix}step_counter`;
}

/** Same DDL on PostgreSQL and SQLite: text keys, an integer count. */
export async function createStepCounterTable<Database>(db: Kysely<Database>, table: string): Promise<void> {
  await sql`create table if not exists ${sql.table(table)} (
    idempotency_key text primary key,
    run_id text not null,
    node_id text not null,
    executions integer not null,
    workers text not null
  )`.execute(db);
}

/**
 * Counts one execution of a step and returns which execution it is (1 for the first).
 * One statement, so a worker killed around it either counted the execution or did not;
 * `ON CONFLICT ... DO UPDATE ... RETURNING` reads the same on PostgreSQL and SQLite.
 */
export async function countExecution<Database>(db: Kysely<Database>, table: string, execution: StepExecution): Promise<number> {
  const counter = sql.table(table);
  const result = await sql<{ executions: number | string }>`
    insert into ${counter} (idempotency_key, run_id, node_id, executions, workers)
    values (${execution.idempotencyKey}, ${execution.runId}, ${execution.nodeId}, 1, ${execution.worker})
    on conflict (idempotency_key) do update
      set executions = ${counter}.executions + 1, workers = ${counter}.workers || ',' || excluded.workers
    returning executions`.execute(db);
  const row = result.rows[0];
  if (row === undefined) throw new Error(`Counting an execution of ${execution.idempotencyKey} returned no row`);
  return Number(row.executions);
}

export async function readStepCounters<Database>(db: Kysely<Database>, table: string): Promise<StepCounterRow[]> {
  const result = await sql<{ idempotency_key: string; run_id: string; node_id: string; executions: number | string; workers: string }>`
    select idempotency_key, run_id, node_id, executions, workers from ${sql.table(table)}`.execute(db);
  return result.rows.map((row) => ({
    idempotencyKey: row.idempotency_key,
    runId: row.run_id,
    nodeId: row.node_id,
    executions: Number(row.executions),
    workers: row.workers.split(','),
  }));
}
