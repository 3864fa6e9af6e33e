import type { Clock, JobHandler, ProcessOptions, QueueWorker } from '@pipewright/core';
import { Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { createJobLease, type JobLease } from './job-lease';
import type { QueueScripts } from './queue-scripts';
import { storedJobDataSchema, toPortJob, type StoredJobData } from './stored-job';

/** The defaults of the in-memory queue, so both queues behave alike out of the box. */
const defaultLeaseMs = 30_000;
const defaultConcurrency = 1;
const defaultRetryDelayMs = (attempt: number): number => Math.min(1000 * 2 ** (attempt - 1), 60_000);

/**
 * BullMQ's stalled-job check is what hands the job of an expired lease to another
 * worker: a job in active whose lock is gone at one check and was already seen at the
 * previous one moves back to wait. Four checks per lease find an expired lease within a
 * quarter lease of its expiry. BullMQ runs one check per interval across all workers of
 * a queue, and a check holds off the others for its own worker's interval: on a queue
 * whose workers have different `leaseMs`, finding an expired lease can take up to half
 * of the longest lease (two checks of its worker's interval).
 */
const stalledChecksPerLease = 4;
const minStalledIntervalMs = 25;

/** Pause after a failed fetch (Redis unreachable) before trying again. */
const fetchRetryDelayMs = 1_000;

/**
 * The port counts expired leases against `maxAttempts` itself (see the claim script),
 * so BullMQ must never fail a job for stalling.
 */
const neverFailForStalling = Number.MAX_SAFE_INTEGER;

export interface BullmqWorkerContext {
  queueName: string;
  prefix: string;
  /** For BullMQ's worker; it needs `maxRetriesPerRequest: null` (it duplicates it for its blocking fetch). */
  connection: Redis;
  scripts: QueueScripts;
  clock: Clock;
  onError: (error: unknown) => void;
}

/** A worker the queue can also crash-stop when it closes. */
export interface BullmqWorker extends QueueWorker {
  /** Stops at once and keeps the leases, as `stop({ graceful: false })`. */
  crash(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const asError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : new Error(String(thrown)));

/**
 * One `process()` call: a BullMQ worker used in its manual mode (`getNextJob` with a
 * token per lease), so this code decides what a lease is:
 *
 * - BullMQ's lock is the lease: `lockDuration` is `leaseMs`, automatic lock renewal is off,
 *   and `heartbeat()` extends the lock. A handler that does not heartbeat loses the job
 *   when the lock expires and BullMQ's stalled check moves it back to wait.
 * - BullMQ counts each move to active (`attemptsStarted`), which is the port's attempt.
 *   A job put back without being run (its key was leased, or the worker was stopping)
 *   is uncounted again by the script that puts it back.
 * - Retries and dead letters are decided here, not by BullMQ's attempts and backoff:
 *   the port's `maxAttempts` counts expired leases too, and the delay comes from
 *   `retryDelayMs`. A dead letter is a job in BullMQ's failed set.
 * - Which job a fetch gets is BullMQ's choice, the lowest score in its prioritized set,
 *   where this adapter's scripts keep due jobs at their tenants' places (fair between
 *   tenants, see `lua-scripts.ts`). The claim after each fetch (or the hand-back of a
 *   stopping worker) also places the jobs that the fetch promoted from BullMQ's delayed
 *   set; where neither follows (a crash), they are taken after the placed jobs, and the
 *   next claim places them.
 *
 * One loop fetches while a slot is free; it blocks in BullMQ's fetch (BZPOPMIN on the
 * queue's marker) when nothing is due, so an idle worker sends no polling traffic.
 */
export function startBullmqWorker(context: BullmqWorkerContext, handler: JobHandler, options: ProcessOptions = {}): BullmqWorker {
  const { scripts, clock, onError } = context;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? defaultConcurrency) || 1);
  const leaseMs = options.leaseMs !== undefined && Number.isFinite(options.leaseMs) && options.leaseMs > 0 ? Math.ceil(options.leaseMs) : defaultLeaseMs;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;

  const bullWorker = new Worker<unknown, unknown, string>(context.queueName, null, {
    connection: context.connection,
    prefix: context.prefix,
    autorun: false,
    lockDuration: leaseMs,
    skipLockRenewal: true,
    stalledInterval: Math.max(minStalledIntervalMs, Math.floor(leaseMs / stalledChecksPerLease)),
    maxStalledCount: neverFailForStalling,
  });
  bullWorker.on('error', onError);
  bullWorker.startStalledCheckTimer().catch(onError);

  const workerId = globalThis.crypto.randomUUID();
  let state: 'running' | 'stopping' | 'stopped' | 'crashed' = 'running';
  /** One entry per job between its fetch and its outcome being recorded. */
  const slots = new Set<Promise<void>>();
  const leases = new Set<JobLease>();
  let slotFreed: (() => void) | undefined;
  let gracefulStop: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const wakeFetchLoop = (): void => {
    slotFreed?.();
    slotFreed = undefined;
  };

  const closeBullWorker = (): Promise<void> => {
    // Force: do not wait for jobs (this code tracks its own), just drop the blocking
    // connection, which also ends a fetch blocked on it. The lock of every job stays.
    closing ??= bullWorker.close(true).catch(onError);
    return closing;
  };

  async function fetchLoop(): Promise<void> {
    let sequence = 0;
    while (state === 'running') {
      if (slots.size >= concurrency) {
        await new Promise<void>((resolve) => {
          slotFreed = resolve;
        });
        continue;
      }
      const token = `${workerId}:${(sequence++).toString(36)}`;
      let fetched: BullJob<unknown, unknown, string> | undefined;
      try {
        fetched = await bullWorker.getNextJob(token, { block: true });
      } catch (error) {
        if (state !== 'running') break;
        onError(error);
        await sleep(fetchRetryDelayMs);
        continue;
      }
      if (fetched === undefined) continue;
      if (state !== 'running') {
        // Leased while stopping: a graceful stop leases nothing new, so the job is due
        // again at once for other workers. After an abrupt stop it stays leased until its
        // lock expires, as with a crashed process.
        if (state === 'stopping') await handBack(fetched, token);
        break;
      }
      const slot = handle(fetched, token);
      slots.add(slot);
      void slot.then(() => {
        slots.delete(slot);
        wakeFetchLoop();
      });
    }
  }

  async function handBack(fetched: BullJob<unknown, unknown, string>, token: string): Promise<void> {
    try {
      if (fetched.id !== undefined) await scripts.handBack({ jobId: fetched.id, token });
    } catch (error) {
      onError(error);
    }
  }

  /** From fetch to recorded outcome; never rejects (its failures go to `onError`). */
  async function handle(fetched: BullJob<unknown, unknown, string>, token: string): Promise<void> {
    const startedAt = typeof fetched.processedOn === 'number' ? fetched.processedOn : Date.now();
    try {
      const jobId = fetched.id;
      if (jobId === undefined) return;
      const parsed = storedJobDataSchema.safeParse(fetched.data);
      if (!parsed.success) {
        await fetched.moveToFailed(new Error(`Job ${jobId} has data this queue did not write: ${parsed.error.message}`), token, false);
        return;
      }
      const data = parsed.data;
      const key = data.dedupeKey ?? '';
      const claim = await scripts.claim({ jobId, token, leaseMs, key, maxAttempts: data.maxAttempts });
      if (state === 'crashed') return;
      if (claim.status === 'exhausted') {
        await fetched.moveToFailed(new Error(`The lease expired on the last of ${data.maxAttempts} attempts`), token, false);
        return;
      }
      if (claim.status !== 'leased') return;
      const lease = createJobLease({
        job: toPortJob(jobId, fetched.name, data, { dueAt: claim.dueAt, attempt: claim.attempt }),
        leaseMs,
        startedAt,
        extend: () => scripts.heartbeat({ jobId, token, leaseMs, key }),
      });
      leases.add(lease);
      try {
        await runHandler(lease, fetched, token, data);
      } finally {
        leases.delete(lease);
      }
    } catch (error) {
      onError(error);
    }
  }

  async function runHandler(lease: JobLease, fetched: BullJob<unknown, unknown, string>, token: string, data: StoredJobData): Promise<void> {
    let failed = false;
    let failure: unknown;
    try {
      await handler(lease.job);
    } catch (error) {
      failed = true;
      failure = error;
    }
    // Only the current lease of a worker that did not stop abruptly records an outcome: a
    // late result after the job moved on must not complete or fail it. (BullMQ would
    // refuse it too: the lock token no longer matches.)
    if (state === 'crashed' || !lease.isHeld()) return;
    lease.end();
    const { id: jobId, attempt, maxAttempts } = lease.job;
    const key = data.dedupeKey ?? '';
    if (failed && attempt < maxAttempts) {
      const delay = retryDelay(attempt);
      const error = asError(failure);
      await scripts.retry({ jobId, token, key, dueAt: clock.now() + delay, at: Date.now() + delay, reason: error.message });
      return;
    }
    if (failed) await fetched.moveToFailed(asError(failure), token, false);
    else await fetched.moveToCompleted(null, token, false);
    if (key !== '') await scripts.release({ jobId, token, key });
  }

  function retryDelay(attempt: number): number {
    try {
      const delay = retryDelayMs(attempt);
      return Number.isFinite(delay) && delay > 0 ? Math.ceil(delay) : 0;
    } catch {
      return defaultRetryDelayMs(attempt);
    }
  }

  async function crash(): Promise<void> {
    if (state === 'crashed' || state === 'stopped') return;
    state = 'crashed';
    wakeFetchLoop();
    for (const lease of leases) lease.lose(`The worker holding job ${lease.job.id} stopped`);
    await closeBullWorker();
  }

  const fetching = fetchLoop().catch(onError);

  return {
    stop(stopOptions = {}) {
      if (stopOptions.graceful !== true) return crash();
      if (state === 'crashed' || state === 'stopped') return Promise.resolve();
      gracefulStop ??= (async () => {
        state = 'stopping';
        wakeFetchLoop();
        await Promise.all(slots);
        await closeBullWorker();
        await fetching;
        if (state === 'stopping') state = 'stopped';
      })();
      return gracefulStop;
    },
    crash,
  };
}
