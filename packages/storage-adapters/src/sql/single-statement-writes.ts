import { sql, type Compilable, type Kysely, type RawBuilder } from 'kysely';
import type { TableNames } from '../table-names';
import { templatesByCount, type Param } from './query-template';
import type { StoreDatabase } from './store-database';

const compilable = (db: Kysely<StoreDatabase>, query: RawBuilder<unknown>): Compilable<unknown> => ({ compile: () => query.compile(db) });

/** `(tenant, run, seq, at, event)` rows for `count` events; casts give the VALUES list its column types. */
function eventValues(p: Param, count: number) {
  return sql.join(Array.from({ length: count }, (_, index) => sql`(${p('tenantId')}, ${p('runId')}, ${p(`seq${index}`)}::integer, ${p('at')}::bigint, ${p(`event${index}`)})`));
}

/**
 * Writes that take a transaction of several statements elsewhere, as one statement with a
 * data-modifying CTE (PostgreSQL): one round trip instead of four (BEGIN, two
 * statements, COMMIT), and still atomic, since a statement is its own transaction.
 */
export function singleStatementWrites(db: Kysely<StoreDatabase>, tables: TableNames) {
  return {
    /** Inserts the run and its first events. */
    createRun: templatesByCount((p, count) =>
      compilable(
        db,
        sql`with created as (
          insert into ${sql.table(tables.runs)} (tenant_id, id, workflow_id, version_id, status, created_at, updated_at, finished_at, parent_run_id, idempotency_key, last_seq)
          values (${p('tenantId')}, ${p('runId')}, ${p('workflowId')}, ${p('versionId')}, ${p('status')}, ${p('createdAt')}, ${p('updatedAt')}, ${p('finishedAt')}, ${p('parentRunId')}, ${p('idempotencyKey')}, ${p('lastSeq')})
          returning id
        )
        insert into ${sql.table(tables.runEvents)} (tenant_id, run_id, seq, at, event)
        select v.tenant_id, v.run_id, v.seq, v.at, v.event from (values ${eventValues(p, count)}) as v (tenant_id, run_id, seq, at, event)
        where exists (select 1 from created)`,
      ),
    ),
    /**
     * Moves the run on if its last sequence number is still `expected`, and inserts the
     * events only then: no rows inserted means someone appended first (or no such run).
     */
    appendEvents: templatesByCount((p, count) =>
      compilable(
        db,
        sql`with advanced as (
          update ${sql.table(tables.runs)}
          set last_seq = ${p('lastSeq')}, updated_at = ${p('at')}, status = coalesce(${p('status')}, status), finished_at = coalesce(${p('finishedAt')}::bigint, finished_at)
          where tenant_id = ${p('tenantId')} and id = ${p('runId')} and last_seq = ${p('expected')}
          returning id
        )
        insert into ${sql.table(tables.runEvents)} (tenant_id, run_id, seq, at, event)
        select v.tenant_id, v.run_id, v.seq, v.at, v.event from (values ${eventValues(p, count)}) as v (tenant_id, run_id, seq, at, event)
        where exists (select 1 from advanced)`,
      ),
    ),
  };
}
