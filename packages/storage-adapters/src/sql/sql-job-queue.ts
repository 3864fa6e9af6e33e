import {
  PipewrightError,
  asJobId,
  asTenantId,
  newId,
  newTimeOrderedId,
  realClock,
  type Clock,
  type Job,
  type JobId,
  type JobHandler,
  type JobInput,
  type JobQueue,
  type LeasedJob,
  type QueueDeadLetter,
  type QueueWorker,
} from '@pipewright/core';
import { sql, type Selectable } from 'kysely';
import { z } from 'zod';
import { StorageConfigError } from '../storage-config-error';
import type { SqlDatabase } from './open-sql-database';
import { StatementCoalescer } from './statement-coalescer';
import { fairPlacement, type NewJobValues } from './fair-placement';
import { jobQueueQueries } from './job-queue-queries';
import { isUniqueViolation, retryTransient } from './sql-errors';
import type { JobsTable } from './store-database';

export interface SqlJobQueueOptions {
  /** Several queues can share the jobs table; each sees only its own jobs. Default `default`. */
  queueName?: string | undefined;
  /** Time for due dates, leases and retry delays; the real clock by default. */
  clock?: Clock | undefined;
  /**
   * How often an idle worker looks for due jobs that no notification announced (jobs
   * enqueued by another process without LISTEN/NOTIFY, jobs that became due, expired
   * leases). Default 250 ms.
   */
  pollIntervalMs?: number | undefined;
}

const optionsSchema = z.object({
  queueName: z.string().min(1).max(191).optional(),
  pollIntervalMs: z.number().int().min(1).max(60_000).optional(),
});

const defaultMaxAttempts = 5;
const defaultLeaseMs = 30_000;
const defaultRetryDelayMs = (attempt: number): number => Math.min(1000 * 2 ** (attempt - 1), 60_000);

type JobRow = Selectable<JobsTable>;

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function toJob(row: JobRow): Job {
  const job: Job = {
    id: asJobId(row.id),
    tenantId: asTenantId(row.tenant_id),
    name: row.name,
    payload: JSON.parse(row.payload) as unknown,
    dueAt: Number(row.due_at),
    attempt: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
  };
  if (row.dedupe_key !== null) job.dedupeKey = row.dedupe_key;
  return job;
}

interface Lease {
  row: JobRow;
  token: string;
  expiresAt: number;
  held: boolean;
  /** Why the lease was lost (expired, worker stopped); the signal aborts with it. */
  lostReason: PipewrightError | undefined;
  controller: AbortController | undefined;
  cancelExpiry: (() => void) | undefined;
}

/** A job to complete; `keyed`: it has a dedupe key. */
interface Completion {
  id: string;
  token: string;
  keyed: boolean;
}

interface Worker {
  handler: JobHandler;
  concurrency: number;
  leaseMs: number;
  retryDelayMs: (attempt: number) => number;
  state: 'running' | 'stopping' | 'stopped' | 'crashed';
  leases: Set<Lease>;
  /** Resolves when the last running handler of a stopping worker has finished. */
  drained: (() => void) | undefined;
  filling: boolean;
  /** Set when a wake-up arrives during a fill, so the fill looks again before it rests. */
  wakeAgain: boolean;
  /**
   * Whether a lease may find a job: false once a lease came back with fewer jobs than it
   * asked for and nothing woke the worker since. A worker that finishes a job then looks
   * for the next one only when it may find one: with several processes, most such looks
   * found nothing, a statement each.
   */
  mayFind: boolean;
  /** Wake-ups so far: a lease that started before the last one cannot clear `mayFind`. */
  wakes: number;
  /** Slots promised to jobs being handed to this worker as they are enqueued (see `handOver`). */
  handing: number;
  /** Leases whose handler has returned and whose end (completion, retry, dead letter) is being written. */
  settling: number;
  cancelPoll: (() => void) | undefined;
}

/** Slots of a worker that neither a running handler nor a hand-over holds. */
function freeSlots(worker: Worker): number {
  return worker.concurrency - (worker.leases.size - worker.settling) - worker.handing;
}

/**
 * A durable `JobQueue` in the SQL store's `jobs` table. Workers lease due jobs in a
 * transaction: `FOR UPDATE SKIP LOCKED` where the database has it (PostgreSQL,
 * MySQL 8 / MariaDB 10.6), so workers in several processes take different jobs without
 * waiting on each other; on SQLite the one connection serialises them. A lease is a
 * token and an expiry on the row; completing, failing and heartbeating are conditional
 * on the token, so a worker whose lease expired cannot touch the job another worker now
 * holds. New jobs wake this process's workers at once and, on PostgreSQL, every other
 * process through NOTIFY; otherwise idle workers poll.
 *
 * A unique index on the dedupe key of waiting jobs makes concurrent enqueues with one
 * key collapse into one job; a job is not leased while another job with its key is.
 */
export function createSqlJobQueue(database: SqlDatabase, options: SqlJobQueueOptions = {}): JobQueue {
  const parsed = optionsSchema.safeParse({ queueName: options.queueName, pollIntervalMs: options.pollIntervalMs });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message, code: issue.code }));
    throw new StorageConfigError('invalid_queue_options', `Invalid SQL job queue options: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`, issues);
  }
  const { db, features } = database;
  const q = jobQueueQueries(db, features);
  const queueName = parsed.data.queueName ?? 'default';
  const clock = options.clock ?? realClock;
  const pollIntervalMs = parsed.data.pollIntervalMs ?? 250;
  const channel = `${database.tables.jobs}_${queueName}`.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 63);
  const workers = new Set<Worker>();
  /** Whether a worker of this process could take a job now: it is woken directly then, and no NOTIFY is needed. */
  const localSlotFree = (): boolean => {
    for (const worker of workers) if (worker.state === 'running' && freeSlots(worker) > 0) return true;
    return false;
  };
  const placement = fairPlacement(database, q, queueName, features.supportsListenNotify ? { channel, wanted: () => !localSlotFree() } : undefined);
  let closed = false;
  let stopListening: Promise<(() => Promise<void>) | undefined> | undefined;
  /**
   * When a lease should next look for delayed jobs that fell due, and place them: at the
   * earliest due time the last look found, or that this process has enqueued or retried
   * a job for since, and at least every poll interval (for those enqueued elsewhere
   * since). 0: at the first lease.
   */
  let placeDueAt = 0;
  let placing: Promise<void> | undefined;

  /**
   * A completion, answering whether a job with the completed one's dedupe key waits (its
   * lease is free to take now). Where deleted rows cannot be returned (MySQL), a job with
   * a dedupe key may always leave one.
   */
  const completeAlone = async (done: Completion): Promise<boolean> => {
    if (!features.supportsReturning) {
      await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.complete({ id: done.id, token: done.token }))));
      return done.keyed;
    }
    const { rows } = await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.completeReturning({ id: done.id, token: done.token }))));
    return Boolean(rows[0]?.successor);
  };
  /** Completions of jobs that finished together go in one statement (on a server: SQLite's writes share a commit anyway). */
  const completions = features.singleConnection
    ? undefined
    : new StatementCoalescer<Completion, boolean>({
        maxBatch: 64,
        writeOne: completeAlone,
        writeBatch: async (done) => {
          if (!features.supportsWritableCte) {
            await retryTransient(() => db.executeQuery(q.completeRows(done.length)(Object.fromEntries(done.flatMap((job, index) => [[`id${index}`, job.id], [`token${index}`, job.token]])))));
            return done.map((job) => job.keyed);
          }
          const { rows } = await retryTransient(() => db.executeQuery(q.completeMany({ ids: done.map((job) => job.id), tokens: done.map((job) => job.token) })));
          const successors = new Set(rows.filter((row) => Boolean(row.successor)).map((row) => row.id));
          return done.map((job) => successors.has(job.id));
        },
      });
  const notifyAll = async (): Promise<void> => {
    await sql`select pg_notify(${channel}, '')`.execute(db);
  };
  /** One NOTIFY wakes every listener for all the jobs enqueued meanwhile. */
  const notifications = new StatementCoalescer<undefined, void>({
    maxBatch: 1_024,
    writeOne: notifyAll,
    writeBatch: async (inputs) => {
      await notifyAll();
      return inputs.map(() => undefined);
    },
  });

  /** Something new may be leasable: a job was enqueued, a NOTIFY came, the poll is due. */
  const wake = (worker: Worker): void => {
    worker.wakes++;
    worker.mayFind = true;
    void fill(worker);
  };
  const wakeAll = (): void => {
    for (const worker of workers) wake(worker);
  };

  function ensureListening(): void {
    if (stopListening !== undefined || database.listen === undefined) return;
    stopListening = database.listen(channel, wakeAll).catch(() => undefined);
  }

  /**
   * Wakes this process's workers, and the other processes' through NOTIFY unless a local
   * worker has a free slot and so takes the job at once: a NOTIFY is a round trip.
   * `notified`: the enqueue's own statement sent the NOTIFY already.
   */
  async function announce(notified: boolean): Promise<void> {
    const localSlot = localSlotFree();
    wakeAll();
    if (features.supportsListenNotify && !localSlot && !notified) await notifications.submit(undefined, undefined);
  }

  /** A job without a place falls due at `dueAt`: the first lease after it places the job. */
  function placeBy(dueAt: number): void {
    placeDueAt = Math.min(placeDueAt, dueAt);
  }

  /** A new job's row values, with a fresh id. */
  function newJob(input: JobInput, dueAt: number): NewJobValues {
    return {
      queue: queueName,
      id: newTimeOrderedId('job'),
      tenantId: input.tenantId,
      name: input.name,
      payload: JSON.stringify(input.payload ?? null),
      dueAt,
      dedupeKey: input.dedupeKey ?? null,
      maxAttempts: input.maxAttempts ?? defaultMaxAttempts,
    };
  }

  async function enqueueRow(input: JobInput): Promise<{ id: string; deduplicated: boolean; notified: boolean }> {
    const now = clock.now();
    const dueAt = input.dueAt ?? now;
    const job = newJob(input, dueAt);
    const { id, dedupeKey } = job;
    for (;;) {
      try {
        const notified = await placement.insert(job, dueAt <= now);
        if (dueAt > now) placeBy(dueAt);
        return { id, deduplicated: false, notified };
      } catch (error) {
        if (!isUniqueViolation(error) || dedupeKey === null) throw error;
      }
      // A job with this key is waiting: it stands for this one, at the earlier due time.
      const [waiting] = (await db.executeQuery(q.waitingWithKey({ queue: queueName, key: dedupeKey }))).rows;
      if (waiting === undefined) continue; // leased meanwhile: try the insert again
      if (dueAt < Number(waiting.due_at)) {
        await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.moveEarlier({ id: waiting.id, dueAt }))));
        // A delayed job brought forward is placed when it falls due now, as any delayed job.
        placeBy(dueAt);
      }
      return { id: waiting.id, deduplicated: true, notified: false };
    }
  }

  /**
   * Places the delayed jobs that fell due (see `placeDueAt`). One look at a time per
   * process: workers that lease meanwhile wait for it, then lease with those jobs in line.
   */
  async function placeFallenDue(now: number): Promise<void> {
    if (placing === undefined && now >= placeDueAt) {
      // Moved on before the look: a delayed job enqueued meanwhile moves it back, and stays known.
      placeDueAt = now + pollIntervalMs;
      placing = placement
        .placeDue(now)
        .then(({ lookAgainAt }) => {
          if (lookAgainAt !== undefined) placeBy(lookAgainAt);
        })
        // Leasing goes on without it (the database is unreachable for now, say); the next look tries again.
        .catch(() => undefined)
        .finally(() => {
          placing = undefined;
        });
    }
    await placing;
  }

  /** A lease's values with the picked jobs' ids as `id0`, `id1`…, for `leaseIds`. */
  function idValues(values: Record<string, unknown>, picked: readonly { id: string }[]): Record<string, unknown> {
    const ids: Record<string, unknown> = { ...values };
    picked.forEach((row, index) => (ids[`id${index}`] = row.id));
    return ids;
  }

  /** Takes up to `limit` due jobs (and expired leases) for one worker; `exhausted`: there were fewer. */
  async function lease(worker: Worker, limit: number): Promise<{ leases: Lease[]; exhausted: boolean }> {
    const now = clock.now();
    const token = newId('lease');
    const expiresAt = now + worker.leaseMs;
    const values = { queue: queueName, now, limit, token, until: expiresAt };
    await placeFallenDue(now);
    const rows = await retryTransient(async () => {
      if (features.singleConnection) {
        // Pick, then lease by id: one write, so nothing of this process comes between them.
        return database.write('statement', async (db) => {
          const picked = (await db.executeQuery(q.pick(values))).rows;
          if (picked.length === 0) return [];
          return (await db.executeQuery(q.leaseIdsReturning(picked.length)(idValues(values, picked)))).rows;
        });
      }
      if (features.supportsReturning) return database.write('statement', async (db) => (await db.executeQuery(q.leaseReturning(values))).rows);
      return db
        .transaction()
        .setIsolationLevel('read committed')
        .execute(async (trx) => {
          const picked = (await trx.executeQuery(q.pick(values))).rows;
          if (picked.length === 0) return [];
          await trx.executeQuery(q.leaseIds(picked.length)(idValues(values, picked)));
          return (await trx.executeQuery(q.leasedBy({ token }))).rows;
        });
    });
    // The statement returns rows in no particular order: handle them in the fair one.
    rows.sort((a, b) => Number(a.fair_key) - Number(b.fair_key) || Number(a.due_at) - Number(b.due_at) || (a.id < b.id ? -1 : 1));
    const leases: Lease[] = [];
    const keys = new Set<string>();
    for (const row of rows) {
      if (Number(row.attempts) > Number(row.max_attempts)) {
        // Its last lease expired: the job is dead, as the memory queue decides at expiry.
        await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.bury({ id: row.id, token, now, error: 'The lease expired on the last attempt' }))));
        continue;
      }
      if (row.dedupe_key !== null) {
        if (keys.has(row.dedupe_key)) {
          await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.release({ id: row.id, token }))));
          continue;
        }
        keys.add(row.dedupe_key);
      }
      leases.push({ row, token, expiresAt, held: true, lostReason: undefined, controller: undefined, cancelExpiry: undefined });
    }
    return { leases, exhausted: rows.length < limit };
  }

  function loseLease(held: Lease, reason: PipewrightError): void {
    if (!held.held) return;
    held.held = false;
    held.lostReason = reason;
    held.cancelExpiry?.();
    held.controller?.abort(reason);
  }

  function armExpiry(held: Lease): void {
    held.cancelExpiry?.();
    held.cancelExpiry = clock.setTimer(Math.max(0, held.expiresAt - clock.now()), () =>
      loseLease(held, new PipewrightError('lease_lost', `The lease of job ${held.row.id} expired`, { details: { jobId: held.row.id } })),
    );
  }

  function leasedJob(worker: Worker, held: Lease): LeasedJob {
    const job = toJob(held.row);
    return {
      ...job,
      get held() {
        return held.held;
      },
      get signal() {
        held.controller ??= new AbortController();
        if (held.lostReason !== undefined && !held.controller.signal.aborted) held.controller.abort(held.lostReason);
        return held.controller.signal;
      },
      async heartbeat() {
        const lost = (): PipewrightError => new PipewrightError('lease_lost', `Job ${job.id} is no longer leased by this worker`, { details: { jobId: job.id } });
        if (!held.held) throw lost();
        const expiresAt = clock.now() + worker.leaseMs;
        const result = await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.heartbeat({ id: job.id, token: held.token, until: expiresAt }))));
        if (Number(result.numAffectedRows ?? 0) === 0 && !(await stillHeld(held))) {
          const error = lost();
          loseLease(held, error);
          throw error;
        }
        held.expiresAt = expiresAt;
        armExpiry(held);
      },
    };
  }

  /** MySQL reports an UPDATE that changed nothing as 0 rows: look before calling a lease lost. */
  async function stillHeld(held: Lease): Promise<boolean> {
    return (await db.executeQuery(q.stillLeased({ id: held.row.id, token: held.token }))).rows.length > 0;
  }

  /** Completes or fails the job; answers whether that may have made another job leasable. */
  async function settle(worker: Worker, held: Lease, failure: { error: unknown } | undefined): Promise<boolean> {
    const id = held.row.id;
    const now = clock.now();
    if (failure === undefined) {
      const done = { id, token: held.token, keyed: held.row.dedupe_key !== null };
      return completions === undefined ? completeAlone(done) : completions.submit(undefined, done);
    }
    const attempt = Number(held.row.attempts);
    const message = errorMessage(failure.error);
    if (attempt >= Number(held.row.max_attempts)) {
      await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.bury({ id, token: held.token, now, error: message }))));
      return held.row.dedupe_key !== null;
    }
    let delay: number;
    try {
      delay = Math.max(0, worker.retryDelayMs(attempt));
    } catch {
      delay = defaultRetryDelayMs(attempt);
    }
    const retry = (waitingKey: string | null) =>
      retryTransient(() => database.write('statement', (db) => db.executeQuery(q.retry({ id, token: held.token, dueAt: now + delay, error: message, waitingKey }))));
    try {
      await retry(held.row.dedupe_key);
    } catch (error) {
      // Another job with this key is waiting already: this one waits beside it, outside the dedupe index.
      if (!isUniqueViolation(error)) throw error;
      await retry(null);
    }
    placeBy(now + delay);
    schedulePoll(worker, delay);
    return held.row.dedupe_key !== null;
  }

  async function run(worker: Worker, held: Lease): Promise<void> {
    armExpiry(held);
    let failure: { error: unknown } | undefined;
    try {
      await worker.handler(leasedJob(worker, held));
    } catch (error) {
      failure = { error };
    }
    held.cancelExpiry?.();
    // Unless the job's end says otherwise, its slot is filled when something new may be leasable.
    let freedAnother = false;
    // A crashed worker writes nothing, as a dead process would; a lost lease belongs to another worker now.
    if (worker.state !== 'crashed' && held.held) {
      // A slot bounds running handlers: this one's is free while its end is written, and
      // the next lease can share that write's commit.
      worker.settling++;
      void fill(worker);
      try {
        freedAnother = await settle(worker, held, failure);
      } catch {
        // The lease expires and the job is offered again: nothing is lost.
      } finally {
        worker.settling--;
      }
    }
    held.held = false;
    worker.leases.delete(held);
    if (worker.leases.size === 0) worker.drained?.();
    if (freedAnother) wake(worker);
    else void fill(worker);
  }

  /**
   * On one connection (SQLite, whose writers take turns whatever their process), a due job
   * enqueued while a worker of this process has a free slot and knows of no job waiting
   * goes to that worker as it is stored: inserted leased, without a place, and handed
   * over. That saves the tenant's place, the lease statement and the wake-up, and a worker
   * with nothing waiting takes nothing from anyone by it. A worker that may find waiting jobs (a wake-up came, the
   * poll is due) leases them first, in the fair order. Not on a server database, where
   * another process may enqueue a job with the same dedupe key at the same moment: one
   * INSERT cannot rule that out there without a lock per key.
   */
  function idleTaker(dueAt: number | undefined): Worker | undefined {
    if (dueAt !== undefined && dueAt > clock.now()) return undefined;
    for (const worker of workers) {
      if (worker.state === 'running' && !worker.filling && !worker.mayFind && freeSlots(worker) > 0) return worker;
    }
    return undefined;
  }

  /** Stores a job leased to `worker` and runs it there; undefined when a job with its dedupe key is there (the usual enqueue decides then). */
  async function handOver(worker: Worker, input: JobInput): Promise<{ id: JobId; deduplicated: false } | undefined> {
    worker.handing++;
    try {
      const now = clock.now();
      const job = newJob(input, now);
      const token = newId('lease');
      const until = now + worker.leaseMs;
      const inserted = await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.insertLeased({ ...job, token, until }))));
      if (Number(inserted.numAffectedRows ?? 0) === 0) return undefined;
      // The row as the insert wrote it: the lease needs no read back.
      const row: JobRow = {
        queue: job.queue,
        id: job.id,
        tenant_id: job.tenantId,
        name: job.name,
        payload: job.payload,
        state: 'leased',
        due_at: now,
        dedupe_key: job.dedupeKey,
        waiting_dedupe_key: null,
        attempts: 1,
        max_attempts: job.maxAttempts,
        lease_token: token,
        lease_until: until,
        last_error: null,
        failed_at: null,
        fair_key: null,
      };
      const held: Lease = { row, token, expiresAt: until, held: true, lostReason: undefined, controller: undefined, cancelExpiry: undefined };
      if (worker.state === 'running') {
        worker.leases.add(held);
        void run(worker, held);
      } else if (worker.state !== 'crashed') {
        // Stopped gracefully meanwhile: the job waits for the next lease, as a released one does.
        await releaseAll([held]);
        placeBy(now);
        wakeAll();
      }
      // A crashed worker's lease expires as a dead process's would.
      return { id: asJobId(row.id), deduplicated: false };
    } finally {
      worker.handing--;
    }
  }

  async function releaseAll(leases: readonly Lease[]): Promise<void> {
    for (const held of leases) {
      held.held = false;
      await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.release({ id: held.row.id, token: held.token })))).catch(() => undefined);
    }
  }

  function schedulePoll(worker: Worker, ms: number): void {
    if (worker.state !== 'running') return;
    worker.cancelPoll?.();
    worker.cancelPoll = clock.setTimer(Math.max(1, ms), () => {
      worker.cancelPoll = undefined;
      wake(worker);
    });
  }

  /**
   * Leases jobs while the worker has free slots and may find some, then rests until a
   * wake-up or the next poll.
   */
  async function fill(worker: Worker): Promise<void> {
    if (worker.filling) {
      worker.wakeAgain = true;
      return;
    }
    worker.filling = true;
    let looked = false;
    try {
      do {
        worker.wakeAgain = false;
        while (worker.state === 'running' && !closed && freeSlots(worker) > 0 && worker.mayFind) {
          const wakes = worker.wakes;
          let leased: { leases: Lease[]; exhausted: boolean };
          looked = true;
          try {
            leased = await lease(worker, freeSlots(worker));
          } catch {
            break; // the database is unreachable for now: the next poll tries again
          }
          const { leases } = leased;
          if (leased.exhausted && worker.wakes === wakes) worker.mayFind = false;
          if (leases.length === 0) break;
          if (worker.state !== 'running') {
            // Stopped while leasing: a graceful stop hands the jobs back at once, undoing the
            // attempt; after a crash-like stop they wait for their leases to expire.
            if (worker.state === 'stopping' || worker.state === 'stopped') await releaseAll(leases);
            break;
          }
          for (const held of leases) {
            worker.leases.add(held);
            void run(worker, held);
          }
        }
      } while (worker.wakeAgain && worker.state === 'running');
    } finally {
      worker.filling = false;
    }
    // The poll is a look that nothing prompted: a fill that looked puts it off, one that did not leaves it be.
    if (looked || worker.cancelPoll === undefined) schedulePoll(worker, pollIntervalMs);
  }

  return {
    async enqueue(input) {
      if (closed) throw new PipewrightError('internal', 'The job queue is closed');
      const taker = features.singleConnection ? idleTaker(input.dueAt) : undefined;
      if (taker !== undefined) {
        const handed = await handOver(taker, input);
        if (handed !== undefined) return handed;
      }
      const result = await enqueueRow(input);
      if (!result.deduplicated) {
        const wait = (input.dueAt ?? 0) - clock.now();
        if (wait <= 0) await announce(result.notified);
        else for (const worker of workers) if (!worker.filling) schedulePoll(worker, Math.min(pollIntervalMs, wait));
      }
      return { id: asJobId(result.id), deduplicated: result.deduplicated };
    },

    process(handler, processOptions = {}): QueueWorker {
      if (closed) throw new PipewrightError('internal', 'The job queue is closed');
      const worker: Worker = {
        handler,
        concurrency: Math.max(1, Math.floor(processOptions.concurrency ?? 1)),
        leaseMs: processOptions.leaseMs ?? defaultLeaseMs,
        retryDelayMs: processOptions.retryDelayMs ?? defaultRetryDelayMs,
        state: 'running',
        leases: new Set(),
        drained: undefined,
        filling: false,
        wakeAgain: false,
        mayFind: true,
        wakes: 0,
        handing: 0,
        settling: 0,
        cancelPoll: undefined,
      };
      workers.add(worker);
      ensureListening();
      void fill(worker);
      return {
        async stop(stopOptions = {}) {
          if (worker.state !== 'running') return;
          worker.cancelPoll?.();
          if (stopOptions.graceful === true) {
            worker.state = 'stopping';
            if (worker.leases.size > 0) await new Promise<void>((resolve) => (worker.drained = resolve));
            worker.state = 'stopped';
          } else {
            crash(worker);
          }
          workers.delete(worker);
        },
      };
    },

    async deadLetters(): Promise<QueueDeadLetter[]> {
      const rows = await db.selectFrom('jobs').selectAll().where('queue', '=', queueName).where('state', '=', 'dead').orderBy('failed_at').orderBy('id').execute();
      return rows.map((row) => ({ job: toJob(row), error: row.last_error ?? '', failedAt: Number(row.failed_at) }));
    },

    async countPending() {
      const row = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('queue', '=', queueName)
        .where('state', 'in', ['delayed', 'waiting', 'leased'])
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const worker of [...workers]) crash(worker);
      workers.clear();
      const stop = await stopListening;
      await stop?.();
    },
  };

  function crash(worker: Worker): void {
    worker.state = 'crashed';
    worker.cancelPoll?.();
    for (const held of worker.leases) loseLease(held, new PipewrightError('lease_lost', 'The worker stopped', { details: { jobId: held.row.id } }));
  }
}
