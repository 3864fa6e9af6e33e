import {
  PipewrightError,
  asRunId,
  asTenantId,
  asWorkflowId,
  asWorkflowVersionId,
  decodeCursor,
  encodeCursor,
  pageLimit,
  type AppendResult,
  type CursorKey,
  type CreateRunResult,
  type StaleVersion,
  type DeadLetter,
  type Page,
  type PageRequest,
  type RunEvent,
  type RunFilter,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type StoredRunEvent,
  type TenantId,
  type Workflow,
  type WorkflowRecord,
  type WorkflowVersionRecord,
} from '@pipewright/core';
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import { queryTemplate, templatesByCount, type Param } from './query-template';
import { runStoreLanes, type NewRunWrite } from './run-store-lanes';
import { eventRowOf, storedEventsOf } from './event-rows';
import { StatementCoalescer } from './statement-coalescer';
import { singleStatementWrites } from './single-statement-writes';
import type { SqlDatabase } from './open-sql-database';
import { sqlConnections } from './sql-connections';
import { isUniqueViolation, retryTransient } from './sql-errors';
import { sqlFlowStates } from './sql-flow-states';
import { sqlTriggers } from './sql-triggers';
import type { DeadLettersTable, RunsTable, StoreDatabase, WorkflowVersionsTable, WorkflowsTable } from './store-database';

function toWorkflow(row: Selectable<WorkflowsTable>): WorkflowRecord {
  return {
    tenantId: asTenantId(row.tenant_id),
    id: asWorkflowId(row.id),
    name: row.name,
    draft: JSON.parse(row.draft) as Workflow,
    latestVersion: Number(row.latest_version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toVersion(row: Selectable<WorkflowVersionsTable>): WorkflowVersionRecord {
  return {
    tenantId: asTenantId(row.tenant_id),
    id: asWorkflowVersionId(row.id),
    workflowId: asWorkflowId(row.workflow_id),
    version: Number(row.version),
    definition: JSON.parse(row.definition) as Workflow,
    createdAt: Number(row.created_at),
  };
}

function toRun(row: Selectable<RunsTable>): RunRecord {
  const run: RunRecord = {
    tenantId: asTenantId(row.tenant_id),
    id: asRunId(row.id),
    workflowId: asWorkflowId(row.workflow_id),
    versionId: asWorkflowVersionId(row.version_id),
    status: row.status as RunStatus,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastSeq: Number(row.last_seq),
  };
  if (row.finished_at !== null) run.finishedAt = Number(row.finished_at);
  if (row.parent_run_id !== null) run.parentRunId = asRunId(row.parent_run_id);
  if (row.idempotency_key !== null) run.idempotencyKey = row.idempotency_key;
  return run;
}

function toDeadLetter(row: Selectable<DeadLettersTable>): DeadLetter {
  return {
    tenantId: asTenantId(row.tenant_id),
    id: row.id,
    jobName: row.job_name,
    payload: JSON.parse(row.payload) as unknown,
    error: row.error,
    attempts: Number(row.attempts),
    failedAt: Number(row.failed_at),
  };
}

/**
 * Rows after a page's last item in newest-first order: an earlier time, or the same time
 * and a smaller id. Every list of the store pages this way.
 */
function olderThan<Table extends 'workflows' | 'runs' | 'dead_letters'>(column: 'created_at' | 'failed_at', after: CursorKey) {
  return (eb: ExpressionBuilder<StoreDatabase, Table>) => {
    const time = sql.ref<number>(column);
    const id = sql.ref<string>('id');
    return eb.or([eb(time, '<', after.at), eb.and([eb(time, '=', after.at), eb(id, '<', after.id)])]);
  };
}

/** A page from `limit + 1` rows: the extra row only says that there is a next page. */
function pageFrom<T>(rows: T[], limit: number, keyOf: (item: T) => { at: number; id: string }): Page<T> {
  const items = rows.slice(0, limit);
  const page: Page<T> = { items };
  const last = items[items.length - 1];
  if (rows.length > limit && last !== undefined) page.nextCursor = encodeCursor(keyOf(last));
  return page;
}

/** The statements of the engine's hot path, compiled once per store. */
/** A `runs` row's columns, from the parameters `p` names after the `NewRunRow` fields. */
function runValues(p: Param) {
  return {
    tenant_id: p('tenantId'),
    id: p('id'),
    workflow_id: p('workflowId'),
    version_id: p('versionId'),
    status: p('status'),
    created_at: p('createdAt'),
    updated_at: p('updatedAt'),
    finished_at: p('finishedAt'),
    parent_run_id: p('parentRunId'),
    idempotency_key: p('idempotencyKey'),
    last_seq: p('lastSeq'),
  };
}

function hotQueries(db: Kysely<StoreDatabase>) {
  return {
    getRun: queryTemplate((p) => db.selectFrom('runs').selectAll().where('tenant_id', '=', p('tenantId')).where('id', '=', p('id'))),
    runByIdempotencyKey: queryTemplate((p) => db.selectFrom('runs').selectAll().where('tenant_id', '=', p('tenantId')).where('idempotency_key', '=', p('key'))),
    getVersion: queryTemplate((p) => db.selectFrom('workflow_versions').selectAll().where('tenant_id', '=', p('tenantId')).where('id', '=', p('id'))),
    latestVersionId: queryTemplate((p) =>
      db
        .selectFrom('workflows')
        .innerJoin('workflow_versions', (join) =>
          join
            .onRef('workflow_versions.tenant_id', '=', 'workflows.tenant_id')
            .onRef('workflow_versions.workflow_id', '=', 'workflows.id')
            .onRef('workflow_versions.version', '=', 'workflows.latest_version'),
        )
        .select('workflow_versions.id')
        .where('workflows.tenant_id', '=', p('tenantId'))
        .where('workflows.id', '=', p('workflowId')),
    ),
    insertRun: queryTemplate((p) => db.insertInto('runs').values(runValues(p))),
    /** `count` runs (`<column><i>` values) in one multi-row INSERT, where arrays cannot be bound (MySQL). */
    insertRuns: templatesByCount((p, count) => db.insertInto('runs').values(Array.from({ length: count }, (_, index) => runValues((name) => p(`${name}${index}`))))),
    /** Event rows (`<column><i>` values, one row per append: see `eventRowOf`) in one multi-row INSERT. */
    insertEventRows: templatesByCount((p, count) =>
      db.insertInto('run_events').values(
        Array.from({ length: count }, (_, index) => ({
          tenant_id: p(`tenantId${index}`),
          run_id: p(`runId${index}`),
          seq: p(`seq${index}`),
          at: p(`at${index}`),
          event: p(`event${index}`),
        })),
      ),
    ),
    // The guard: only the append that read `expected` moves the run on. An absent patch field keeps the column.
    advanceRun: queryTemplate((p) =>
      db
        .updateTable('runs')
        .set({
          last_seq: p('lastSeq'),
          updated_at: p('at'),
          status: sql<string>`coalesce(${p('status')}, status)`,
          finished_at: sql<number | null>`coalesce(${p('finishedAt')}, finished_at)`,
        })
        .where('tenant_id', '=', p('tenantId'))
        .where('id', '=', p('id'))
        .where('last_seq', '=', p('expected')),
    ),
    /** The rows that hold events after `afterSeq`: the last row starting at or before it may too (see `eventRowOf`). */
    readEvents: queryTemplate((p) =>
      db
        .selectFrom('run_events')
        .select(['seq', 'at', 'event'])
        .where('tenant_id', '=', p('tenantId'))
        .where('run_id', '=', p('runId'))
        .where('seq', '>=', (eb) =>
          eb.fn.coalesce(
            eb
              .selectFrom('run_events as before')
              .select((inner) => inner.fn.max('before.seq').as('seq'))
              .where('before.tenant_id', '=', p('tenantId'))
              .where('before.run_id', '=', p('runId'))
              .where('before.seq', '<=', p('afterSeq')),
            sql.lit(0),
          ),
        )
        .orderBy('seq'),
    ),
  };
}

type HotQueries = ReturnType<typeof hotQueries>;

/** The one `run_events` row of an append (see `eventRowOf`). */
function eventRows(q: HotQueries, tenantId: TenantId, runId: string, afterSeq: number, events: readonly RunEvent[], at: number) {
  const { seq, event } = eventRowOf(afterSeq, events);
  return q.insertEventRows(1)({ tenantId0: tenantId, runId0: runId, seq0: seq, at0: at, event0: event });
}

/**
 * A `RunStore` on SQL through kysely: SQLite, PostgreSQL or MySQL/MariaDB. The event log
 * is the `run_events` table; the sequence guard is a conditional UPDATE of the run's
 * `last_seq` in the transaction that inserts the events, so of two appends after the
 * same sequence number the database lets exactly one through. Flow state lives in
 * `flow_states` (see {@link sqlFlowStates}), connections and their audit trail in
 * `connections` and `audit_entries` (see {@link sqlConnections}), trigger registrations in
 * `triggers` (see {@link sqlTriggers}).
 *
 * Call {@link migrateStore} first (the `createSqlStorage` helper does).
 */
export function createSqlRunStore(database: SqlDatabase): RunStore {
  const { db } = database;
  const q = hotQueries(db);
  const combined = database.features.supportsWritableCte ? singleStatementWrites(db, database.tables) : undefined;
  const readEventsAlone = async ({ tenantId, runId, afterSeq }: { tenantId: TenantId; runId: string; afterSeq: number }) =>
    (await db.executeQuery(q.readEvents({ tenantId, runId, afterSeq }))).rows;
  const latestVersionIdAlone = async (tenantId: TenantId, workflowId: string): Promise<string | undefined> => {
    const [row] = (await db.executeQuery(q.latestVersionId({ tenantId, workflowId }))).rows;
    return row?.id;
  };
  const lanes = combined === undefined ? undefined : runStoreLanes(database, combined, { readEvents: readEventsAlone, latestVersionId: latestVersionIdAlone });

  /**
   * A new run in one transaction: its version checked where asked (in the transaction, so
   * a publish that commits first is seen, and one after follows the run), the run, its
   * events. `stale` when the version is no longer the latest; nothing is written then.
   */
  const insertRunAlone = async ({ row, events, ofLatest }: NewRunWrite): Promise<'created' | 'stale'> =>
    retryTransient(() =>
      database.write('transaction', async (trx) => {
        if (ofLatest) {
          const [latest] = (await trx.executeQuery(q.latestVersionId({ tenantId: row.tenantId, workflowId: row.workflowId }))).rows;
          if (latest?.id !== row.versionId) return 'stale' as const;
        }
        await trx.executeQuery(q.insertRun({ ...row }));
        if (events.length > 0) await trx.executeQuery(eventRows(q, row.tenantId, row.id, 0, events, row.createdAt));
        return 'created' as const;
      }),
    );

  /** Runs started together on MySQL, in one transaction (see `createRunsTogether`). */
  const mysqlCreates =
    combined === undefined && !database.features.singleConnection
      ? new StatementCoalescer<NewRunWrite, 'created' | 'stale'>({ maxBatch: 64, writeOne: insertRunAlone, writeBatch: (writes) => retryTransient(() => createRunsTogether(writes)) })
      : undefined;

  /**
   * On MySQL, runs started together go in one transaction: the latest version of each
   * workflow read once, then one multi-row INSERT of the runs and one of their event rows.
   * A used idempotency key fails the INSERT, and each run goes alone then. (PostgreSQL has
   * its own lane, in one statement; SQLite's writes share a commit anyway.)
   */
  function createRunsTogether(writes: readonly NewRunWrite[]): Promise<Array<'created' | 'stale'>> {
    return database.write('transaction', async (trx) => {
      const latest = new Map<string, string | undefined>();
      const workflowKey = (row: NewRunWrite['row']): string => `${row.tenantId}\u0000${row.workflowId}`;
      for (const { row } of writes.filter((write) => write.ofLatest)) {
        if (!latest.has(workflowKey(row))) latest.set(workflowKey(row), (await trx.executeQuery(q.latestVersionId({ tenantId: row.tenantId, workflowId: row.workflowId }))).rows[0]?.id);
      }
      const outcomes = writes.map((write) => (write.ofLatest && latest.get(workflowKey(write.row)) !== write.row.versionId ? ('stale' as const) : ('created' as const)));
      const fresh = writes.filter((_, index) => outcomes[index] === 'created');
      if (fresh.length === 0) return outcomes;
      const runValues: Record<string, unknown> = {};
      const eventValues: Record<string, unknown> = {};
      let eventCount = 0;
      fresh.forEach(({ row, events }, index) => {
        for (const [name, value] of Object.entries(row)) runValues[`${name}${index}`] = value;
        if (events.length === 0) return;
        const { seq, event } = eventRowOf(0, events);
        Object.assign(eventValues, { [`tenantId${eventCount}`]: row.tenantId, [`runId${eventCount}`]: row.id, [`seq${eventCount}`]: seq, [`at${eventCount}`]: row.createdAt, [`event${eventCount}`]: event });
        eventCount++;
      });
      await trx.executeQuery(q.insertRuns(fresh.length)(runValues));
      if (eventCount > 0) await trx.executeQuery(q.insertEventRows(eventCount)(eventValues));
      return outcomes;
    });
  }

  /** `createRun`, and with `ofLatest` `createRunOfLatest`: stored only while the run's version is its workflow's latest. */
  async function insertRun(run: RunRecord, events: readonly RunEvent[], ofLatest: boolean): Promise<CreateRunResult | StaleVersion> {
    const existing = async (): Promise<RunRecord | undefined> => {
      if (run.idempotencyKey === undefined) return undefined;
      const [row] = (await db.executeQuery(q.runByIdempotencyKey({ tenantId: run.tenantId, key: run.idempotencyKey }))).rows;
      return row === undefined ? undefined : toRun(row);
    };
    const before = await existing();
    if (before !== undefined) return { created: false, run: before };
    const record: RunRecord = { ...run, lastSeq: events.length };
    try {
      const row = {
        tenantId: run.tenantId,
        id: run.id,
        workflowId: run.workflowId,
        versionId: run.versionId,
        status: run.status,
        createdAt: run.createdAt,
        updatedAt: run.updatedAt,
        finishedAt: run.finishedAt ?? null,
        parentRunId: run.parentRunId ?? null,
        idempotencyKey: run.idempotencyKey ?? null,
        lastSeq: events.length,
      };
      if (lanes !== undefined && events.length > 0) {
        if (!(await lanes.createRun.submit({ row, events, ofLatest }))) {
          const winner = await existing();
          if (winner !== undefined) return { created: false, run: winner };
          if (ofLatest && (await latestVersionIdAlone(run.tenantId, run.workflowId)) !== run.versionId) return { stale: true };
          throw new PipewrightError('internal', `Run id ${run.id} is already used`, { details: { tenantId: run.tenantId, runId: run.id } });
        }
      } else {
        const write = { row, events, ofLatest };
        const outcome = await (mysqlCreates === undefined ? insertRunAlone(write) : mysqlCreates.submit(`${run.tenantId}\u0000${run.id}`, write));
        if (outcome === 'stale') return { stale: true };
      }
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another start with the same idempotency key won the race: its run is the answer.
      const winner = await existing();
      if (winner !== undefined) return { created: false, run: winner };
      throw new PipewrightError('internal', `Run id ${run.id} is already used`, { cause: error, details: { tenantId: run.tenantId, runId: run.id } });
    }
    return { created: true, run: record };
  }

  return {
    async saveWorkflow(record) {
      const changes = { name: record.name, draft: JSON.stringify(record.draft), updated_at: record.updatedAt };
      const update = () =>
        db.updateTable('workflows').set(changes).where('tenant_id', '=', record.tenantId).where('id', '=', record.id).executeTakeFirst();
      // `publishVersion` owns latest_version and the creation time stays: an existing row keeps both.
      const updated = await update();
      if (Number(updated.numUpdatedRows) > 0) return;
      try {
        await db
          .insertInto('workflows')
          .values({ tenant_id: record.tenantId, id: record.id, ...changes, latest_version: record.latestVersion, created_at: record.createdAt })
          .execute();
      } catch (error) {
        // MySQL reports an UPDATE that changed nothing as 0 rows; or another writer inserted first.
        if (!isUniqueViolation(error)) throw error;
        await update();
      }
    },

    async getWorkflow(tenantId, id) {
      const row = await db.selectFrom('workflows').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toWorkflow(row);
    },

    async listWorkflows(tenantId, page = {}) {
      const limit = pageLimit(page.limit);
      let query = db.selectFrom('workflows').selectAll().where('tenant_id', '=', tenantId);
      if (page.cursor !== undefined) query = query.where(olderThan('created_at', decodeCursor(page.cursor)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      return pageFrom(rows.map(toWorkflow), limit, (workflow) => ({ at: workflow.createdAt, id: workflow.id }));
    },

    async deleteWorkflow(tenantId, id) {
      return retryTransient(() =>
        database.write('transaction', async (trx) => {
          // The workflow's row goes first: deleting it takes the row lock `replaceTriggers`
          // holds during a swap, so the trigger DELETE below runs after any swap in flight
          // has committed and removes the rows that swap inserted too.
          const deleted = await trx.deleteFrom('workflows').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
          await trx.deleteFrom('triggers').where('tenant_id', '=', tenantId).where('workflow_id', '=', id).execute();
          return Number(deleted.numDeletedRows) > 0;
        }),
      );
    },

    async publishVersion(tenantId, workflowId, id, definition, at) {
      try {
        return await retryTransient(() => database.write('transaction', async (trx) => {
          // The increment comes first: it takes the row's write lock, so concurrent
          // publishes queue behind it and read distinct numbers.
          const bumped = await trx
            .updateTable('workflows')
            .set({ latest_version: sql<number>`latest_version + 1` })
            .where('tenant_id', '=', tenantId)
            .where('id', '=', workflowId)
            .executeTakeFirst();
          if (Number(bumped.numUpdatedRows) === 0) {
            throw new PipewrightError('not_found', `Workflow ${workflowId} does not exist`, { details: { tenantId, workflowId } });
          }
          const row = await trx.selectFrom('workflows').select('latest_version').where('tenant_id', '=', tenantId).where('id', '=', workflowId).executeTakeFirstOrThrow();
          const record: WorkflowVersionRecord = { tenantId, id, workflowId, version: Number(row.latest_version), definition, createdAt: at };
          await trx
            .insertInto('workflow_versions')
            .values({ tenant_id: tenantId, id, workflow_id: workflowId, version: record.version, definition: JSON.stringify(definition), created_at: at })
            .execute();
          return { ...record, definition: structuredClone(definition) };
        }));
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new PipewrightError('internal', `Workflow version id ${id} is already used`, { cause: error, details: { tenantId, versionId: id } });
        }
        throw error;
      }
    },

    async getVersion(tenantId, id) {
      const [row] = (await db.executeQuery(q.getVersion({ tenantId, id }))).rows;
      return row === undefined ? undefined : toVersion(row);
    },

    async getVersionByNumber(tenantId, workflowId, version) {
      const row = await db
        .selectFrom('workflow_versions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('workflow_id', '=', workflowId)
        .where('version', '=', version)
        .executeTakeFirst();
      return row === undefined ? undefined : toVersion(row);
    },

    async getLatestVersionId(tenantId, workflowId) {
      const id = await (lanes === undefined ? latestVersionIdAlone(tenantId, workflowId) : lanes.latestVersionId.submit(tenantId, workflowId));
      return id === undefined ? undefined : asWorkflowVersionId(id);
    },

    async listVersions(tenantId, workflowId) {
      const rows = await db.selectFrom('workflow_versions').selectAll().where('tenant_id', '=', tenantId).where('workflow_id', '=', workflowId).orderBy('version').execute();
      return rows.map(toVersion);
    },

    createRun: (run, events) => insertRun(run, events, false) as Promise<CreateRunResult>,
    createRunOfLatest: (run, events) => insertRun(run, events, true),

    async getRun(tenantId, id) {
      const [row] = (await db.executeQuery(q.getRun({ tenantId, id }))).rows;
      return row === undefined ? undefined : toRun(row);
    },

    async listRuns(tenantId, filter: RunFilter = {}, page: PageRequest = {}) {
      const limit = pageLimit(page.limit);
      let query = db.selectFrom('runs').selectAll().where('tenant_id', '=', tenantId);
      if (filter.workflowId !== undefined) query = query.where('workflow_id', '=', filter.workflowId);
      if (filter.status !== undefined) {
        const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
        if (statuses.length === 0) return { items: [] };
        query = statuses.length === 1 ? query.where('status', '=', statuses[0] as RunStatus) : query.where('status', 'in', statuses);
      }
      if (filter.parentRunId !== undefined) query = query.where('parent_run_id', '=', filter.parentRunId);
      if (filter.createdAfter !== undefined) query = query.where('created_at', '>', filter.createdAfter);
      if (filter.createdBefore !== undefined) query = query.where('created_at', '<', filter.createdBefore);
      if (page.cursor !== undefined) query = query.where(olderThan('created_at', decodeCursor(page.cursor)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      return pageFrom(rows.map(toRun), limit, (run) => ({ at: run.createdAt, id: run.id }));
    },

    async appendEvents(tenantId, runId, expectedLastSeq, events, patch, at): Promise<AppendResult> {
      const time = at ?? Date.now();
      const lastSeq = expectedLastSeq + events.length;
      if (lanes !== undefined && events.length > 0) {
        const appended = await lanes.appendEvents.submit({
          tenantId,
          runId,
          expected: expectedLastSeq,
          lastSeq,
          at: time,
          status: patch?.status ?? null,
          finishedAt: patch?.finishedAt ?? null,
          events,
        });
        if (appended) return { ok: true, lastSeq };
        const [row] = (await db.executeQuery(q.getRun({ tenantId, id: runId }))).rows;
        return row === undefined ? { ok: false, reason: 'not_found' } : { ok: false, reason: 'conflict', lastSeq: Number(row.last_seq) };
      }
      return retryTransient(() => database.write('transaction', async (trx): Promise<AppendResult> => {
        const updated = await trx.executeQuery(
          q.advanceRun({ tenantId, id: runId, expected: expectedLastSeq, lastSeq, at: time, status: patch?.status ?? null, finishedAt: patch?.finishedAt ?? null }),
        );
        if (Number(updated.numAffectedRows ?? 0) === 0) {
          const [row] = (await trx.executeQuery(q.getRun({ tenantId, id: runId }))).rows;
          if (row === undefined) return { ok: false, reason: 'not_found' };
          const current = Number(row.last_seq);
          // MySQL counts only rows an UPDATE changed: a matching row whose values were already those is a success.
          if (current === expectedLastSeq && events.length === 0) return { ok: true, lastSeq: current };
          return { ok: false, reason: 'conflict', lastSeq: current };
        }
        if (events.length > 0) await trx.executeQuery(eventRows(q, tenantId, runId, expectedLastSeq, events, time));
        return { ok: true, lastSeq };
      }));
    },

    async readEvents(tenantId, runId, afterSeq = 0): Promise<StoredRunEvent[]> {
      const read = { tenantId, runId, afterSeq: afterSeq > 0 ? Math.floor(afterSeq) : 0 };
      const rows = await (lanes === undefined ? readEventsAlone(read) : lanes.readEvents.submit(read));
      return storedEventsOf(rows, read.afterSeq);
    },

    ...sqlFlowStates(database),

    ...sqlConnections(database),

    ...sqlTriggers(database),

    async addDeadLetter(letter) {
      const values = {
        job_name: letter.jobName,
        payload: JSON.stringify(letter.payload ?? null),
        error: letter.error,
        attempts: letter.attempts,
        failed_at: letter.failedAt,
      };
      try {
        await db.insertInto('dead_letters').values({ tenant_id: letter.tenantId, id: letter.id, ...values }).execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await db.updateTable('dead_letters').set(values).where('tenant_id', '=', letter.tenantId).where('id', '=', letter.id).execute();
      }
    },

    async listDeadLetters(tenantId, page = {}) {
      const limit = pageLimit(page.limit);
      let query = db.selectFrom('dead_letters').selectAll().where('tenant_id', '=', tenantId);
      if (page.cursor !== undefined) query = query.where(olderThan('failed_at', decodeCursor(page.cursor)));
      const rows = await query.orderBy('failed_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      return pageFrom(rows.map(toDeadLetter), limit, (letter) => ({ at: letter.failedAt, id: letter.id }));
    },

    async removeDeadLetter(tenantId, id) {
      const result = await db.deleteFrom('dead_letters').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
