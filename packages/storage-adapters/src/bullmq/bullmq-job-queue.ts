import { PipewrightError, type JobInput, type JobQueue, type QueueDeadLetter } from '@pipewright/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parseBullmqJobQueueOptions, type BullmqJobQueueOptions } from './bullmq-options';
import { startBullmqWorker, type BullmqWorker } from './bullmq-worker';
import { unplacedPriority } from './lua-scripts';
import { createQueueScripts } from './queue-scripts';
import { queueKeys } from './queue-keys';
import { newJobId, storedJobDataSchema, toJobId, toPortJob, type StoredJobData } from './stored-job';

export type { BullmqJobQueueOptions } from './bullmq-options';

/** A `JobQueue` on BullMQ, which can also say where it lives and delete itself. */
export interface BullmqJobQueue extends JobQueue {
  readonly queueName: string;
  /** BullMQ's key prefix: the queue's keys all start with `<prefix>:<queueName>:`. */
  readonly prefix: string;
  /**
   * Deletes every key of the queue: jobs in any state (leased ones too), dead letters,
   * dedupe keys and BullMQ's bookkeeping. For tests and for retiring a queue; workers on
   * it should be stopped first.
   */
  obliterate(): Promise<void>;
}

const defaultMaxAttempts = 5;

/**
 * BullMQ job options for every job, stored with it (the enqueue script stores jobs, as
 * `Queue.add` would) and read back by BullMQ's worker. Completed jobs are deleted at once
 * (the port keeps no history of them); failed jobs are kept: they are the dead letters.
 * `attempts: 1` because retries are this adapter's decision, not BullMQ's. The priority is
 * BullMQ's lowest, so that BullMQ promotes a delayed job into the set where jobs wait at
 * their places (see `lua-scripts.ts`).
 */
const bullJobOptions = { attempts: 1, removeOnComplete: true, removeOnFail: false, priority: unplacedPriority } as const;

const ignore = (): void => undefined;

/**
 * A durable `JobQueue` on Redis through BullMQ, for hosts that run several worker
 * processes. Jobs survive restarts of the host (as long as Redis keeps its data);
 * payloads must be JSON.
 *
 * The port's semantics map onto BullMQ like this:
 * - a lease is BullMQ's job lock (`lockDuration` = `leaseMs`, no automatic renewal;
 *   `heartbeat()` extends it), and an expired lease is found by BullMQ's stalled-job
 *   check, which hands the job to the next worker with its attempt counted;
 * - due times are BullMQ's delayed jobs; retries and dead letters (BullMQ's failed set)
 *   follow the port's `maxAttempts` and the worker's `retryDelayMs`;
 * - dedupe keys and "one lease per key at a time" are small Lua scripts of this adapter
 *   (see `lua-scripts.ts`): BullMQ's own deduplication counts a job until it finishes,
 *   where the port counts it only while it waits;
 * - fairness between tenants is start-time fair queuing in BullMQ's prioritized set: a due
 *   job waits there with its place (its tenant's previous place plus one, never before the
 *   queue's current place) as its score, and BullMQ's fetch takes the lowest. The places
 *   are given by this adapter's scripts when a job becomes due (see `lua-scripts.ts`), so
 *   jobs are stored by its enqueue script rather than by BullMQ's `Queue.add`.
 *
 * @example
 * ```ts
 * const queue = createBullmqJobQueue({ connection: 'redis://127.0.0.1:6379', queueName: 'runs' });
 * const worker = queue.process(async (job) => console.log(job.name, job.payload, job.attempt), { concurrency: 4, leaseMs: 30_000 });
 * await queue.enqueue({ tenantId: asTenantId('acme'), name: 'advance', payload: { runId: 'run_1' }, dedupeKey: 'run_1' });
 * await worker.stop({ graceful: true });
 * await queue.close();
 * ```
 *
 * @throws {StorageConfigError} `invalid_queue_options` when the options are invalid, listing every problem.
 */
export function createBullmqJobQueue(options: BullmqJobQueueOptions): BullmqJobQueue {
  const { connection, queueName, prefix, clock, onError = ignore } = parseBullmqJobQueueOptions(options);

  // A URL: the queue's own client, shared by the Queue, the scripts and the workers,
  // with the `maxRetriesPerRequest: null` that BullMQ's workers need (each duplicates it
  // for its blocking fetch). A host's client: used for the Queue and the scripts, never
  // closed here; the workers get one duplicate of it with that setting, closed on close().
  // The queue's connections are named so CLIENT LIST tells them apart (BullMQ names each
  // worker's blocking connection `<prefix>:<queueName in base64>`).
  const connectionName = `pipewright:${prefix}:${queueName}`;
  let ownClient: Redis | undefined;
  let client: Redis;
  if (typeof connection === 'string') {
    ownClient = new Redis(connection, { maxRetriesPerRequest: null, connectionName });
    ownClient.on('error', onError);
    client = ownClient;
  } else {
    client = connection;
  }
  let workerClient: Redis | undefined;
  const workerConnection = (): Redis => {
    if (ownClient !== undefined) return ownClient;
    if (workerClient === undefined) {
      workerClient = client.duplicate({ maxRetriesPerRequest: null, connectionName });
      workerClient.on('error', onError);
    }
    return workerClient;
  };

  const bullQueue = new Queue<unknown, unknown, string>(queueName, { connection: client, prefix });
  bullQueue.on('error', onError);
  const keys = queueKeys(prefix, queueName);
  const scripts = createQueueScripts(client, keys);
  const workers = new Set<BullmqWorker>();
  let closed = false;

  const assertOpen = (): void => {
    if (closed) throw new PipewrightError('internal', `The job queue ${queueName} is closed`);
  };

  /** A due time on the queue's clock, as a time on Redis's and BullMQ's (real) clock. */
  const realTimeOf = (dueAt: number): number => Date.now() + Math.max(0, Math.ceil(dueAt - clock.now()));

  return {
    queueName,
    prefix,

    async enqueue(input: JobInput) {
      assertOpen();
      const dueAt = input.dueAt ?? clock.now();
      const data: StoredJobData = {
        tenantId: input.tenantId,
        payload: input.payload,
        dueAt,
        maxAttempts: Math.max(1, Math.floor(input.maxAttempts ?? defaultMaxAttempts) || 1),
      };
      if (input.dedupeKey !== undefined) data.dedupeKey = input.dedupeKey;
      const jobId = newJobId();
      // One script: with a key, it first looks for a waiting job to absorb this one, so a
      // duplicate is never stored (the engine enqueues "advance this run" often).
      const { id, deduplicated } = await scripts.enqueue({
        jobId,
        name: input.name,
        // As BullMQ's `Queue.add` stores them.
        data: JSON.stringify(data),
        options: JSON.stringify({ ...bullJobOptions, jobId }),
        tenantId: input.tenantId,
        key: input.dedupeKey ?? '',
        dueAt,
        at: realTimeOf(dueAt),
      });
      return { id: toJobId(id), deduplicated };
    },

    process(handler, processOptions) {
      assertOpen();
      const worker = startBullmqWorker({ queueName, prefix, connection: workerConnection(), scripts, clock, onError }, handler, processOptions);
      workers.add(worker);
      return {
        async stop(stopOptions) {
          await worker.stop(stopOptions);
          workers.delete(worker);
        },
      };
    },

    async deadLetters() {
      assertOpen();
      const failed = await bullQueue.getJobs(['failed'], 0, -1, true);
      // Each dead letter's last due time, which BullMQ's Job does not read back.
      const pipeline = client.pipeline();
      for (const job of failed) pipeline.hget(`${keys.base}${job.id ?? ''}`, 'pwDue');
      const dueTimes = (await pipeline.exec()) ?? [];
      const letters: QueueDeadLetter[] = [];
      failed.forEach((job, index) => {
        const parsed = storedJobDataSchema.safeParse(job.data);
        if (job.id === undefined || !parsed.success) return;
        const [, due] = dueTimes[index] ?? [];
        const dueAt = typeof due === 'string' && due !== '' ? Number(due) : undefined;
        letters.push({
          // The attempt that failed: BullMQ counted one more start when the last lease
          // expired and the job was taken again only to be dead-lettered.
          job: toPortJob(job.id, job.name, parsed.data, { dueAt, attempt: Math.min(job.attemptsStarted, parsed.data.maxAttempts) }),
          error: job.failedReason ?? '',
          failedAt: job.finishedOn ?? 0,
        });
      });
      return letters;
    },

    async countPending() {
      assertOpen();
      return bullQueue.getJobCountByTypes('wait', 'prioritized', 'delayed', 'active');
    },

    async obliterate() {
      assertOpen();
      await bullQueue.obliterate({ force: true });
      let cursor = '0';
      do {
        const [next, found] = await client.scan(cursor, 'MATCH', keys.ownPattern, 'COUNT', 1000);
        if (found.length > 0) await client.del(...found);
        cursor = next;
      } while (cursor !== '0');
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...workers].map((worker) => worker.crash()));
      workers.clear();
      await bullQueue.close().catch(onError);
      await workerClient?.quit().catch(onError);
      await ownClient?.quit().catch(onError);
    },
  };
}

