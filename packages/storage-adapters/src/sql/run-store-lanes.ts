import type { RunEvent, TenantId } from '@pipewright/core';
import type { SqlDatabase } from './open-sql-database';
import { batchedRunStatements, type singleStatementWrites } from './single-statement-writes';
import { isUniqueViolation, retryTransient } from './sql-errors';
import { StatementCoalescer } from './statement-coalescer';
import { eventRowOf } from './event-rows';

/** The parameters of an append's one `run_events` row (see `eventRowOf`). */
function eventValuesOf(tenantId: TenantId, runId: string, afterSeq: number, events: readonly RunEvent[], at: number) {
  return { tenantId, runId, at, ...eventRowOf(afterSeq, events) };
}

export interface NewRunRow {
  tenantId: TenantId;
  id: string;
  workflowId: string;
  versionId: string;
  status: string;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  parentRunId: string | null;
  idempotencyKey: string | null;
  lastSeq: number;
}

export interface NewRunWrite {
  row: NewRunRow;
  events: readonly RunEvent[];
  /** Only while the run's version is its workflow's latest (`RunStore.createRunOfLatest`). */
  ofLatest: boolean;
}

export interface AppendWrite {
  tenantId: TenantId;
  runId: string;
  expected: number;
  lastSeq: number;
  at: number;
  status: string | null;
  finishedAt: number | null;
  events: readonly RunEvent[];
}

/** The most runs in one statement: beyond this the arrays grow past what a batch saves. */
const maxBatch = 64;

/** The event rows of several writes (one each, see `eventRowOf`) as `batchedRunStatements` binds them. */
function eventArrays(writes: ReadonlyArray<{ tenantId: string; runId: string; afterSeq: number; at: number; events: readonly RunEvent[] }>) {
  const rows = writes.map((write) => eventRowOf(write.afterSeq, write.events));
  return {
    eventTenantIds: writes.map((write) => write.tenantId),
    eventRunIds: writes.map((write) => write.runId),
    seqs: rows.map((row) => row.seq),
    eventAts: writes.map((write) => write.at),
    events: `[${rows.map((row) => row.event).join(',')}]`,
  };
}

const keyOf = (tenantId: string, id: string): string => `${tenantId}\u0000${id}`;

export interface EventsRead {
  tenantId: TenantId;
  runId: string;
  afterSeq: number;
}

export interface StoredEventRow {
  seq: number | string;
  at: number | string;
  event: string;
}

/**
 * The run store's hot statements on PostgreSQL, each in a lane that gathers the runs in
 * flight into one statement (see `StatementCoalescer`): creating runs with their first
 * events, appending events under the sequence guard, reading a run's events, and looking
 * up a workflow's latest version. Each answers what its single-run statement does.
 */
export function runStoreLanes(
  database: SqlDatabase,
  single: ReturnType<typeof singleStatementWrites>,
  alone: { readEvents: (read: EventsRead) => Promise<StoredEventRow[]>; latestVersionId: (tenantId: TenantId, workflowId: string) => Promise<string | undefined> },
) {
  const { db } = database;
  const batched = batchedRunStatements(db, database.tables);

  const createRun = new StatementCoalescer<NewRunWrite, boolean>({
    maxBatch,
    writeOne: async ({ row, events, ofLatest }) => {
      try {
        const result = await retryTransient(() => db.executeQuery(single.createRun({ ...eventValuesOf(row.tenantId, row.id, 0, events, row.createdAt), ...row, ofLatest })));
        return Number(result.numAffectedRows ?? 0) > 0;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
    writeBatch: async (writes) => {
      const rows = writes.map((write) => write.row);
      const values = {
        tenantIds: rows.map((row) => row.tenantId),
        ids: rows.map((row) => row.id),
        workflowIds: rows.map((row) => row.workflowId),
        versionIds: rows.map((row) => row.versionId),
        statuses: rows.map((row) => row.status),
        createdAts: rows.map((row) => row.createdAt),
        updatedAts: rows.map((row) => row.updatedAt),
        finishedAts: rows.map((row) => row.finishedAt),
        parentRunIds: rows.map((row) => row.parentRunId),
        idempotencyKeys: rows.map((row) => row.idempotencyKey),
        lastSeqs: rows.map((row) => row.lastSeq),
        ofLatest: writes.map((write) => write.ofLatest),
        ...eventArrays(writes.map(({ row, events }) => ({ tenantId: row.tenantId, runId: row.id, afterSeq: 0, at: row.createdAt, events }))),
      };
      const { rows: created } = await retryTransient(() => db.executeQuery(batched.createRuns(values)));
      const done = new Set(created.map((row) => keyOf(row.tenant_id, row.id)));
      return rows.map((row) => done.has(keyOf(row.tenantId, row.id)));
    },
  });

  const appendEvents = new StatementCoalescer<AppendWrite, boolean>({
    maxBatch,
    writeOne: async (write) => {
      const values = eventValuesOf(write.tenantId, write.runId, write.expected, write.events, write.at);
      const result = await retryTransient(() =>
        db.executeQuery(single.appendEvents({ ...values, expected: write.expected, lastSeq: write.lastSeq, status: write.status, finishedAt: write.finishedAt })),
      );
      return Number(result.numAffectedRows ?? 0) === 1;
    },
    writeBatch: async (writes) => {
      const values = {
        tenantIds: writes.map((write) => write.tenantId),
        runIds: writes.map((write) => write.runId),
        expected: writes.map((write) => write.expected),
        lastSeqs: writes.map((write) => write.lastSeq),
        ats: writes.map((write) => write.at),
        statuses: writes.map((write) => write.status),
        finishedAts: writes.map((write) => write.finishedAt),
        ...eventArrays(writes.map((write) => ({ tenantId: write.tenantId, runId: write.runId, afterSeq: write.expected, at: write.at, events: write.events }))),
      };
      const { rows: advanced } = await retryTransient(() => db.executeQuery(batched.appendEvents(values)));
      const done = new Set(advanced.map((row) => keyOf(row.tenant_id, row.id)));
      return writes.map((write) => done.has(keyOf(write.tenantId, write.runId)));
    },
  });

  const readEvents = new StatementCoalescer<EventsRead, StoredEventRow[]>({
    maxBatch,
    writeOne: alone.readEvents,
    writeBatch: async (reads) => {
      const { rows } = await db.executeQuery(
        batched.readEvents({ tenantIds: reads.map((read) => read.tenantId), runIds: reads.map((read) => read.runId), afterSeqs: reads.map((read) => read.afterSeq) }),
      );
      const byRun = new Map<string, StoredEventRow[]>();
      for (const row of rows) {
        const key = keyOf(row.tenant_id, row.run_id);
        const list = byRun.get(key);
        if (list === undefined) byRun.set(key, [row]);
        else list.push(row);
      }
      return reads.map((read) => byRun.get(keyOf(read.tenantId, read.runId)) ?? []);
    },
  });

  const latestVersionId = new StatementCoalescer<{ tenantId: TenantId; workflowId: string }, string | undefined>({
    maxBatch,
    writeOne: ({ tenantId, workflowId }) => alone.latestVersionId(tenantId, workflowId),
    writeBatch: async (lookups) => {
      // Many starts of one workflow ask the same: each distinct workflow once.
      const distinct = [...new Map(lookups.map((lookup) => [keyOf(lookup.tenantId, lookup.workflowId), lookup])).values()];
      const { rows } = await db.executeQuery(
        batched.latestVersionIds({ tenantIds: distinct.map((lookup) => lookup.tenantId), workflowIds: distinct.map((lookup) => lookup.workflowId) }),
      );
      const found = new Map(rows.map((row) => [keyOf(row.tenant_id, row.workflow_id), row.id]));
      return lookups.map((lookup) => found.get(keyOf(lookup.tenantId, lookup.workflowId)));
    },
  });

  return {
    readEvents: { submit: (read: EventsRead) => readEvents.submit(keyOf(read.tenantId, read.runId), read) },
    latestVersionId: { submit: (tenantId: TenantId, workflowId: string) => latestVersionId.submit(undefined, { tenantId, workflowId }) },
    createRun: { submit: (write: NewRunWrite) => createRun.submit(keyOf(write.row.tenantId, write.row.id), write) },
    appendEvents: { submit: (write: AppendWrite) => appendEvents.submit(keyOf(write.tenantId, write.runId), write) },
  };
}
