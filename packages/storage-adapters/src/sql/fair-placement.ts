import type { Kysely } from 'kysely';
import type { jobQueueQueries } from './job-queue-queries';
import type { SqlDatabase } from './open-sql-database';
import { isUniqueViolation, retryTransient } from './sql-errors';
import { ItemFailure, StatementCoalescer } from './statement-coalescer';
import type { StoreDatabase } from './store-database';

type Queries = ReturnType<typeof jobQueueQueries>;

/** What a new job's row holds, as the `insert` statements name it. */
export interface NewJobValues {
  queue: string;
  id: string;
  tenantId: string;
  name: string;
  payload: string;
  dueAt: number;
  dedupeKey: string | null;
  maxAttempts: number;
}

/** How enqueues on PostgreSQL wake the workers of other processes: a NOTIFY on `channel`, when `wanted()` at the time of the insert. */
export interface EnqueueNotify {
  channel: string;
  wanted(): boolean;
}

/** Jobs placed per transaction when delayed jobs fall due: a bounded lock set, a bounded statement. */
export const placeBatchSize = 100;

/**
 * Gives jobs their places in a queue's fair order (see {@link jobQueueQueries}): a due
 * job when it is enqueued, a delayed or retried job once its due time has come.
 *
 * On a server the tenant's place moves on in a statement of its own, before the job's
 * insert, rather than in one transaction with it: the tenant's row stays locked until
 * that transaction ends, and one that inserts a job ends with a flush to disk, so one
 * tenant's enqueues would go one flush at a time. Measured on PostgreSQL with 16
 * producers of one tenant (enqueue, lease, complete): about 450 jobs/s in one
 * transaction, 1,150 apart, 1,500 before places existed. A job that is not stored (its
 * dedupe key is waiting already) hands its place back. On SQLite, where writes share a
 * group commit anyway, the two go in one transaction. On PostgreSQL the due enqueues of
 * a batch go in one statement that moves the places, inserts the jobs and sends the
 * NOTIFY: one flush instead of two, and the row locks are held only for that flush.
 */
export function fairPlacement(database: SqlDatabase, q: Queries, queue: string, notify?: EnqueueNotify) {
  const { db, features } = database;

  /** Moves the tenant's last place on by `count`; returns the new last place. */
  async function bump(executor: Kysely<StoreDatabase>, tenantId: string, count: number): Promise<number> {
    const values = { queue, tenantId, count };
    if (features.supportsOnConflict) {
      const [row] = (await executor.executeQuery(q.bumpTenant(values))).rows;
      if (row === undefined) throw new Error('The upsert of the tenant’s place returned no row');
      return Number(row.last_fair_key);
    }
    const [time] = (await executor.executeQuery(q.virtualTime({ queue }))).rows;
    // Places start at 1, so an insert id (which kysely leaves out when it is 0) is always there.
    const { insertId } = await executor.executeQuery(q.bumpTenantTo({ ...values, virtualTime: Number(time?.place ?? 1) }));
    if (insertId === undefined) throw new Error('The upsert of the tenant’s place reported no LAST_INSERT_ID');
    return Number(insertId);
  }

  /** A due job on its own: its place, then its insert; a place the insert did not use is handed back. */
  async function insertDueAlone(job: NewJobValues): Promise<void> {
    const place = await retryTransient(() => database.write('statement', (db) => bump(db, job.tenantId, 1)));
    try {
      await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.insert({ ...job, state: 'waiting', fairKey: place }))));
    } catch (error) {
      // Unused, the place would push the tenant's next job one turn back.
      if (isUniqueViolation(error)) {
        await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.unbumpTenant({ queue, tenantId: job.tenantId, place })))).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Due jobs enqueued together on PostgreSQL, places, jobs and NOTIFY in one statement.
   * Answers for each job whether the statement sent the NOTIFY. A job the insert skipped
   * (its dedupe key is waiting already) goes the single way, which finds the job that
   * stands for it; its unused place is a gap that costs its tenant one turn at most.
   */
  async function insertDuePlaced(jobs: readonly NewJobValues[]): Promise<Array<boolean | ItemFailure>> {
    const notifying = notify?.wanted() ?? false;
    const { rows } = await retryTransient(() =>
      db.executeQuery(
        q.insertWaitingPlaced({
          queue,
          ids: jobs.map((job) => job.id),
          tenantIds: jobs.map((job) => job.tenantId),
          names: jobs.map((job) => job.name),
          payloads: jobs.map((job) => job.payload),
          dueAts: jobs.map((job) => job.dueAt),
          dedupeKeys: jobs.map((job) => job.dedupeKey),
          maxAttempts: jobs.map((job) => job.maxAttempts),
          channel: notify?.channel ?? '',
          notify: notifying,
        }),
      ),
    );
    const inserted = new Set(rows.map((row) => row.id));
    // The skipped ones throw the unique violation the caller expects of a taken dedupe key.
    return Promise.all(
      jobs.map((job) =>
        inserted.has(job.id)
          ? notifying
          : insertDueAlone(job).then(
              () => false,
              (error: unknown) => new ItemFailure(error),
            ),
      ),
    );
  }

  /**
   * Due jobs enqueued together on MySQL: one move of each tenant's place for all of its
   * jobs, then one multi-row INSERT. A taken dedupe key fails the INSERT, and each job
   * goes the single way then, with a place of its own: the places moved on here stay gaps.
   */
  async function insertDueRows(jobs: readonly NewJobValues[]): Promise<boolean[]> {
    const byTenant = new Map<string, NewJobValues[]>();
    for (const job of jobs) {
      const same = byTenant.get(job.tenantId);
      if (same === undefined) byTenant.set(job.tenantId, [job]);
      else same.push(job);
    }
    const places = new Map<NewJobValues, number>();
    // Tenants in one order everywhere, as `placeDue` takes them.
    for (const tenantId of [...byTenant.keys()].sort()) {
      const mine = byTenant.get(tenantId) ?? [];
      const last = await retryTransient(() => database.write('statement', (db) => bump(db, tenantId, mine.length)));
      mine.forEach((job, index) => places.set(job, last - mine.length + 1 + index));
    }
    const values: Record<string, unknown> = { queue };
    jobs.forEach((job, index) => {
      Object.assign(values, {
        [`id${index}`]: job.id,
        [`tenantId${index}`]: job.tenantId,
        [`name${index}`]: job.name,
        [`payload${index}`]: job.payload,
        [`dueAt${index}`]: job.dueAt,
        [`dedupeKey${index}`]: job.dedupeKey,
        [`maxAttempts${index}`]: job.maxAttempts,
        [`fairKey${index}`]: places.get(job) as number,
      });
    });
    await retryTransient(() => db.executeQuery(q.insertWaitingRows(jobs.length)(values)));
    return jobs.map(() => false);
  }

  const insertAloneUnnotified = async (job: NewJobValues): Promise<boolean> => {
    await insertDueAlone(job);
    return false;
  };

  const dueLane = features.singleConnection
    ? undefined
    : features.supportsWritableCte
      ? new StatementCoalescer<NewJobValues, boolean>({
          maxBatch: 64,
          writeOne: async (job) => {
            const [result] = await insertDuePlaced([job]);
            if (result instanceof ItemFailure) throw result.error;
            return result ?? false;
          },
          writeBatch: insertDuePlaced,
        })
      : new StatementCoalescer<NewJobValues, boolean>({ maxBatch: 64, writeOne: insertAloneUnnotified, writeBatch: insertDueRows });

  return {
    /**
     * Stores a new job: placed when `due`, else without a place until it is. Answers
     * whether other processes were sent a NOTIFY for it already (see {@link EnqueueNotify}).
     */
    async insert(job: NewJobValues, due: boolean): Promise<boolean> {
      if (!due) {
        await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.insert({ ...job, state: 'delayed', fairKey: null }))));
        return false;
      }
      if (features.singleConnection) {
        // Writes share a group commit here, so the transaction costs nothing: a job that
        // is not stored takes no place.
        await retryTransient(() =>
          database.write('transaction', async (trx) => {
            const place = await bump(trx, job.tenantId, 1);
            await trx.executeQuery(q.insert({ ...job, state: 'waiting', fairKey: place }));
          }),
        );
        return false;
      }
      if (dueLane !== undefined) return dueLane.submit(undefined, job);
      await insertDueAlone(job);
      return false;
    },

    /**
     * Places up to {@link placeBatchSize} delayed jobs whose due time has come, as if each
     * were enqueued now: after its tenant's last place, in due order, and never before the
     * virtual time. With none due, a plain read costs one round trip and says when the
     * next one will be. Returns how many it placed, and when to look again: at once after
     * placing some (more may be due), at the next due time otherwise.
     */
    async placeDue(now: number): Promise<{ placed: number; lookAgainAt: number | undefined }> {
      const [first] = (await db.executeQuery(q.firstDelayed({ queue }))).rows;
      if (first === undefined) return { placed: 0, lookAgainAt: undefined };
      if (Number(first.due_at) > now) return { placed: 0, lookAgainAt: Number(first.due_at) };
      const placed = await retryTransient(() =>
        database.write('transaction', async (trx) => {
          // Locked (skipping what another process is placing), so no job is placed twice.
          const rows = (await trx.executeQuery(q.lockDueDelayed({ queue, now, limit: placeBatchSize }))).rows;
          const byTenant = new Map<string, string[]>();
          for (const row of rows) {
            const ids = byTenant.get(row.tenant_id);
            if (ids === undefined) byTenant.set(row.tenant_id, [row.id]);
            else ids.push(row.id);
          }
          const values: Record<string, unknown> = {};
          let count = 0;
          // Tenants in one order everywhere: two placers lock their rows alike and cannot deadlock.
          for (const tenantId of [...byTenant.keys()].sort()) {
            const ids = byTenant.get(tenantId) ?? [];
            const last = await bump(trx, tenantId, ids.length);
            ids.forEach((id, index) => {
              values[`id${count}`] = id;
              values[`place${count}`] = last - ids.length + 1 + index;
              count++;
            });
          }
          if (count > 0) await trx.executeQuery(q.place(count)(values));
          return count;
        }),
      );
      return { placed, lookAgainAt: now };
    },
  };
}
