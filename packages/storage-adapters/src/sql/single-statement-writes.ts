import { sql, type Expression, type Kysely } from 'kysely';
import type { TableNames } from '../table-names';
import { compilable, queryTemplate, type Param } from './query-template';
import type { StoreDatabase } from './store-database';

/** The append's one `(tenant, run, seq, at, event)` row (see `eventRowOf`); casts give the VALUES list its column types. */
function eventRow(p: Param) {
  return sql`(${p('tenantId')}, ${p('runId')}, ${p('seq')}::integer, ${p('at')}::bigint, ${p('event')})`;
}

/**
 * Writes that take a transaction of several statements elsewhere, as one statement with a
 * data-modifying CTE (PostgreSQL): one round trip instead of four (BEGIN, two
 * statements, COMMIT), and still atomic, since a statement is its own transaction.
 */
export function singleStatementWrites(db: Kysely<StoreDatabase>, tables: TableNames) {
  return {
    /** Inserts the run and its first events; with `ofLatest`, only while its version is the workflow's latest. */
    createRun: queryTemplate((p) =>
      compilable(
        db,
        sql`with created as (
          insert into ${sql.table(tables.runs)} (tenant_id, id, workflow_id, version_id, status, created_at, updated_at, finished_at, parent_run_id, idempotency_key, last_seq)
          select ${p('tenantId')}, ${p('runId')}, ${p('workflowId')}, ${p('versionId')}, ${p('status')}, ${p('createdAt')}::bigint, ${p('updatedAt')}::bigint, ${p('finishedAt')}::bigint, ${p('parentRunId')}, ${p('idempotencyKey')}, ${p('lastSeq')}::integer
          where not ${p('ofLatest')}::boolean or ${isLatestVersion(tables, p('tenantId'), p('workflowId'), p('versionId'))}
          returning id
        )
        insert into ${sql.table(tables.runEvents)} (tenant_id, run_id, seq, at, event)
        select v.tenant_id, v.run_id, v.seq, v.at, v.event from (values ${eventRow(p)}) as v (tenant_id, run_id, seq, at, event)
        where exists (select 1 from created)`,
      ),
    ),
    /**
     * Moves the run on if its last sequence number is still `expected`, and inserts the
     * events only then: no rows inserted means someone appended first (or no such run).
     */
    appendEvents: queryTemplate((p) =>
      compilable(
        db,
        sql`with advanced as (
          update ${sql.table(tables.runs)}
          set last_seq = ${p('lastSeq')}, updated_at = ${p('at')}, status = coalesce(${p('status')}, status), finished_at = coalesce(${p('finishedAt')}::bigint, finished_at)
          where tenant_id = ${p('tenantId')} and id = ${p('runId')} and last_seq = ${p('expected')}
          returning id
        )
        insert into ${sql.table(tables.runEvents)} (tenant_id, run_id, seq, at, event)
        select v.tenant_id, v.run_id, v.seq, v.at, v.event from (values ${eventRow(p)}) as v (tenant_id, run_id, seq, at, event)
        where exists (select 1 from advanced)`,
      ),
    ),
  };
}

/** Whether `versionId` is the latest published version of the workflow (`RunStore.createRunOfLatest`). */
function isLatestVersion(tables: TableNames, tenantId: Expression<unknown>, workflowId: Expression<unknown>, versionId: Expression<unknown>) {
  return sql<boolean>`exists (select 1 from ${sql.table(tables.workflows)} as lw
    join ${sql.table(tables.workflowVersions)} as lv on lv.tenant_id = lw.tenant_id and lv.workflow_id = lw.id and lv.version = lw.latest_version
    where lw.tenant_id = ${tenantId} and lw.id = ${workflowId} and lv.id = ${versionId})`;
}

/** The columns of the `runs` rows `createRuns` inserts, one array per column. */
const runColumns = 'tenant_id, id, workflow_id, version_id, status, created_at, updated_at, finished_at, parent_run_id, idempotency_key, last_seq';

/**
 * Events of several runs: their keys as `unnest` arrays, the events themselves as one
 * JSON array (`events`) joined by position. The events are JSON already; as elements of
 * a `text[]` every quote in them would be escaped on the way in and unescaped again.
 */
function eventArrays(p: Param) {
  return sql`unnest(${p('eventTenantIds')}::text[], ${p('eventRunIds')}::text[], ${p('seqs')}::integer[], ${p('eventAts')}::bigint[]) with ordinality as k (tenant_id, run_id, seq, at, n)
    join json_array_elements(${p('events')}::json) with ordinality as j (event, n) on j.n = k.n`;
}

/** `inserted`: the events (arrays) of the runs the CTE `written` returned as `(tenant_id, id)`. */
function insertEventsOf(p: Param, tables: TableNames, written: 'created' | 'advanced') {
  return sql`inserted as (
    insert into ${sql.table(tables.runEvents)} (tenant_id, run_id, seq, at, event)
    select k.tenant_id, k.run_id, k.seq, k.at, j.event::text from ${eventArrays(p)}
    where exists (select 1 from ${sql.raw(written)} w where w.tenant_id = k.tenant_id and w.id = k.run_id)
  )`;
}

/**
 * The hot statements of several runs in one (PostgreSQL), from arrays: what
 * {@link singleStatementWrites} does for one run, for a batch that `StatementCoalescer`
 * gathered. Each answers the runs it wrote (created, or moved on past their expected
 * sequence number); the others' events are not inserted.
 */
export function batchedRunStatements(db: Kysely<StoreDatabase>, tables: TableNames) {
  return {
    /** Inserts the runs that do not exist yet (no id or idempotency key taken), and the events of those. */
    createRuns: queryTemplate((p) =>
      compilable(
        db,
        sql<{ tenant_id: string; id: string }>`with input as (
          select * from unnest(${p('tenantIds')}::text[], ${p('ids')}::text[], ${p('workflowIds')}::text[], ${p('versionIds')}::text[], ${p('statuses')}::text[],
            ${p('createdAts')}::bigint[], ${p('updatedAts')}::bigint[], ${p('finishedAts')}::bigint[], ${p('parentRunIds')}::text[], ${p('idempotencyKeys')}::text[], ${p('lastSeqs')}::integer[],
            ${p('ofLatest')}::boolean[])
            as i (${sql.raw(runColumns)}, of_latest)
        ),
        created as (
          insert into ${sql.table(tables.runs)} (${sql.raw(runColumns)})
          select ${sql.raw(runColumns)} from input i
          where not i.of_latest or ${isLatestVersion(tables, sql.ref('i.tenant_id'), sql.ref('i.workflow_id'), sql.ref('i.version_id'))}
          on conflict do nothing
          returning tenant_id, id
        ),
        ${insertEventsOf(p, tables, 'created')}
        select tenant_id, id from created`,
      ),
    ),
    /** Moves on each run whose last sequence number is still its `expected`, and inserts the events of those. */
    appendEvents: queryTemplate((p) =>
      compilable(
        db,
        sql<{ tenant_id: string; id: string }>`with input as (
          select * from unnest(${p('tenantIds')}::text[], ${p('runIds')}::text[], ${p('expected')}::integer[], ${p('lastSeqs')}::integer[], ${p('ats')}::bigint[], ${p('statuses')}::text[], ${p('finishedAts')}::bigint[])
            as i (tenant_id, run_id, expected, last_seq, at, status, finished_at)
        ),
        advanced as (
          update ${sql.table(tables.runs)} as r
          set last_seq = i.last_seq, updated_at = i.at, status = coalesce(i.status, r.status), finished_at = coalesce(i.finished_at, r.finished_at)
          from input i
          where r.tenant_id = i.tenant_id and r.id = i.run_id and r.last_seq = i.expected
          returning r.tenant_id, r.id
        ),
        ${insertEventsOf(p, tables, 'advanced')}
        select tenant_id, id from advanced`,
      ),
    ),
    /** The event rows of several runs that hold events after their `afterSeqs` (as `readEvents` of one), by run and sequence. */
    readEvents: queryTemplate((p) =>
      compilable(
        db,
        sql<{ tenant_id: string; run_id: string; seq: number; at: string | number; event: string }>`select e.tenant_id, e.run_id, e.seq, e.at, e.event
        from unnest(${p('tenantIds')}::text[], ${p('runIds')}::text[], ${p('afterSeqs')}::integer[]) as i (tenant_id, run_id, after_seq)
        join ${sql.table(tables.runEvents)} as e on e.tenant_id = i.tenant_id and e.run_id = i.run_id
          and e.seq >= coalesce((select max(b.seq) from ${sql.table(tables.runEvents)} as b where b.tenant_id = i.tenant_id and b.run_id = i.run_id and b.seq <= i.after_seq), 0)
        order by e.tenant_id, e.run_id, e.seq`,
      ),
    ),
    /** The latest version's id of several workflows; none for a workflow without versions. */
    latestVersionIds: queryTemplate((p) =>
      compilable(
        db,
        sql<{ tenant_id: string; workflow_id: string; id: string }>`select i.tenant_id, i.workflow_id, v.id
        from unnest(${p('tenantIds')}::text[], ${p('workflowIds')}::text[]) as i (tenant_id, workflow_id)
        join ${sql.table(tables.workflows)} as w on w.tenant_id = i.tenant_id and w.id = i.workflow_id
        join ${sql.table(tables.workflowVersions)} as v on v.tenant_id = w.tenant_id and v.workflow_id = w.id and v.version = w.latest_version`,
      ),
    ),
  };
}
