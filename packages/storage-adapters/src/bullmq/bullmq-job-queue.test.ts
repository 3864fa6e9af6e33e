import { asTenantId, PipewrightError, type JobHandler, type JobId, type LeasedJob, type ProcessOptions, type QueueWorker } from '@pipewright/core';
import { jobQueueContract } from '@pipewright/core/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeWithServer, testServer } from '../test-support/test-servers';
import { StorageConfigError } from '../storage-config-error';
import { createBullmqJobQueue, type BullmqJobQueue, type BullmqJobQueueOptions } from './index';
import { parseBullmqJobQueueOptions } from './bullmq-options';

const redis = await testServer('redis');

const prefix = 'pw';
const tenantId = asTenantId('tenant_bullmq_test');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A queue name of its own per case, so cases cannot see each other's jobs. */
const uniqueQueueName = (): string => `test-${globalThis.crypto.randomUUID()}`;

/** Deletes a queue's keys through a fresh instance (the case's own one is closed by then). */
async function obliterate(queueName: string): Promise<void> {
  const cleaner = createBullmqJobQueue({ connection: redis.url, queueName, prefix });
  try {
    await cleaner.obliterate();
  } finally {
    await cleaner.close();
  }
}

describeWithServer(redis, 'bullmq job queue', () => {
  /** Reads keys for the checks below: that a queue's keys are gone, that a host client still works. */
  let inspector: Redis;
  beforeAll(() => {
    inspector = new Redis(redis.url);
  });
  afterAll(async () => {
    await inspector.quit();
  });

  const keysOf = async (queueName: string): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await inspector.scan(cursor, 'MATCH', `${prefix}:${queueName}:*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };

  let contractQueueName = '';
  jobQueueContract({
    name: 'bullmq',
    create: ({ clock }) => {
      contractQueueName = uniqueQueueName();
      return createBullmqJobQueue({ connection: redis.url, queueName: contractQueueName, prefix, clock });
    },
    destroy: async () => {
      await obliterate(contractQueueName);
      expect(await keysOf(contractQueueName)).toEqual([]);
    },
  });

  describe('createBullmqJobQueue', () => {
    let queues: Array<{ queue: BullmqJobQueue; queueName: string }> = [];
    let workers: QueueWorker[] = [];

    const open = (queueName = uniqueQueueName(), options: Partial<BullmqJobQueueOptions> = {}): BullmqJobQueue => {
      const queue = createBullmqJobQueue({ connection: redis.url, queueName, prefix, ...options });
      queues.push({ queue, queueName });
      return queue;
    };
    const startWorker = (queue: BullmqJobQueue, handler: JobHandler, options: ProcessOptions = {}): QueueWorker => {
      const worker = queue.process(handler, options);
      workers.push(worker);
      return worker;
    };

    afterEach(async () => {
      for (const worker of workers) await worker.stop({ graceful: false });
      for (const { queue } of queues) await queue.close();
      for (const queueName of new Set(queues.map((entry) => entry.queueName))) {
        await obliterate(queueName);
        // Repeated runs must not leave keys behind: BullMQ's and this adapter's alike.
        expect(await keysOf(queueName)).toEqual([]);
      }
      queues = [];
      workers = [];
    });

    it('rejects invalid options with every problem, before connecting', () => {
      let thrown: unknown;
      try {
        createBullmqJobQueue({ connection: 'http://127.0.0.1:6379', queueName: 'runs:eu', prefix: '' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(StorageConfigError);
      const error = thrown as StorageConfigError;
      expect(error.code).toBe('invalid_queue_options');
      expect(error.issues.map((issue) => issue.path)).toEqual([['connection'], ['queueName'], ['prefix']]);
      expect(error.message).toContain('redis://');
      expect(StorageConfigError.is(error)).toBe(true);

      const withKeyPrefix = new Redis(redis.url, { keyPrefix: 'host:', lazyConnect: true });
      expect(() => createBullmqJobQueue({ connection: withKeyPrefix })).toThrow(/keyPrefix/);
      withKeyPrefix.disconnect();
      // A value of the wrong kind says what is expected, not just "invalid input".
      expect(() => parseBullmqJobQueueOptions({ connection: 6379 })).toThrow(/redis:\/\/ URL or an ioredis client/);
    });

    /** The connections of a queue: its own (named by the adapter) and its workers' blocking ones (named by BullMQ). */
    const connectionsOf = async (queueName: string): Promise<string[]> => {
      const names = String(await inspector.client('LIST'))
        .split('\n')
        .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '');
      const bullmqName = `${prefix}:${Buffer.from(queueName).toString('base64')}`;
      return names.filter((name) => name === `pipewright:${prefix}:${queueName}` || name.startsWith(bullmqName));
    };

    it('closes every connection it opened on close()', async () => {
      const queueName = uniqueQueueName();
      const queue = open(queueName);
      const seen: unknown[] = [];
      startWorker(queue, async (job) => {
        seen.push(job.payload);
      });
      startWorker(queue, async () => undefined);
      await queue.enqueue({ tenantId, name: 'work', payload: 1 });
      await waitFor('the job to be handled', () => seen.length === 1);
      // Its own client and one blocking connection per worker.
      expect(await connectionsOf(queueName)).toHaveLength(3);
      await queue.close();
      await waitFor('the connections to close', async () => (await connectionsOf(queueName)).length === 0);
    });

    it('works on a host ioredis client and leaves it open on close()', async () => {
      // ioredis' default maxRetriesPerRequest (20), which BullMQ refuses for workers: the
      // queue gives its workers a duplicate with the setting they need.
      const host = new Redis(redis.url);
      try {
        const queueName = uniqueQueueName();
        const queue = createBullmqJobQueue({ connection: host, queueName, prefix });
        queues.push({ queue, queueName });
        const seen: unknown[] = [];
        const worker = startWorker(queue, async (job) => {
          seen.push(job.payload);
        });
        await queue.enqueue({ tenantId, name: 'work', payload: { n: 1 } });
        await waitFor('the job to be handled', () => seen.length === 1);
        await worker.stop({ graceful: true });
        // The worker's blocking connection goes (Redis lists it until it has seen the
        // socket close, a moment after the stop returns); the duplicate its workers used is
        // the queue's own: it stays, and closes with the queue.
        await waitFor('the worker’s blocking connection to close', async () => (await connectionsOf(queueName)).length === 1);
        expect(await connectionsOf(queueName)).toEqual([`pipewright:${prefix}:${queueName}`]);
        await queue.close();
        await waitFor('the duplicate to close', async () => (await connectionsOf(queueName)).length === 0);
        expect(host.status).toBe('ready');
        expect(await host.ping()).toBe('PONG');
        expect(await host.get('pw-host-key-that-does-not-exist')).toBeNull();
      } finally {
        await host.quit();
      }
    });

    it('hands a payload back exactly as JSON round-trips it, with and without a dedupe key', async () => {
      const queue = open();
      const payload = {
        text: 'quotes " and \\ backslashes, a\nnewline, ünïcödé and 🚀',
        numbers: [0, -1, 1.5, 0.1 + 0.2, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e-7, 1e21],
        nested: { empty: {}, list: [], deep: [{ a: [null, true, false] }] },
        zebra: 'keys keep their order',
        apple: 2,
        nothing: null,
      };
      const seen: LeasedJob[] = [];
      startWorker(queue, async (job) => {
        seen.push(job);
      });
      await queue.enqueue({ tenantId, name: 'plain', payload });
      await queue.enqueue({ tenantId, name: 'keyed', payload, dedupeKey: 'run_1' });
      await waitFor('both jobs to be handled', () => seen.length === 2);
      for (const job of seen) {
        expect(job.payload).toStrictEqual(payload);
        expect(JSON.stringify(job.payload)).toBe(JSON.stringify(payload));
      }
    });

    it('keeps jobs in Redis across queue instances: a new instance finds and runs them', async () => {
      const queueName = uniqueQueueName();
      const first = open(queueName);
      const plain = await first.enqueue({ tenantId, name: 'plain', payload: { n: 1 }, maxAttempts: 3 });
      const keyed = await first.enqueue({ tenantId, name: 'keyed', payload: { n: 2 }, dedupeKey: 'run_1' });
      const later = await first.enqueue({ tenantId, name: 'later', payload: { n: 3 }, dueAt: Date.now() + 300 });
      await first.close();

      const second = open(queueName);
      expect(await second.countPending()).toBe(3);
      // The waiting keyed job still absorbs a new one with its key.
      expect(await second.enqueue({ tenantId, name: 'keyed', payload: { n: 4 }, dedupeKey: 'run_1' })).toEqual({ id: keyed.id, deduplicated: true });
      const seen = new Map<JobId, LeasedJob>();
      startWorker(second, async (job) => {
        seen.set(job.id, job);
      });
      await waitFor('the three jobs to be handled', () => seen.size === 3);
      expect(seen.get(plain.id)).toMatchObject({ tenantId, name: 'plain', payload: { n: 1 }, attempt: 1, maxAttempts: 3 });
      expect(seen.get(keyed.id)).toMatchObject({ name: 'keyed', payload: { n: 2 }, dedupeKey: 'run_1' });
      expect(seen.get(later.id)).toMatchObject({ name: 'later', payload: { n: 3 } });
      await waitFor('the queue to empty', async () => (await second.countPending()) === 0);
    });

    it('never runs two jobs with one key at once across 3 workers, and runs every enqueued job', async () => {
      const queue = open();
      const running = new Map<string, number>();
      let maxPerKey = 0;
      let active = 0;
      let maxActive = 0;
      const handled = new Set<JobId>();
      const handler: JobHandler = async (job) => {
        const key = job.dedupeKey ?? '';
        const now = (running.get(key) ?? 0) + 1;
        running.set(key, now);
        maxPerKey = Math.max(maxPerKey, now);
        active++;
        maxActive = Math.max(maxActive, active);
        // Long against the gap between two enqueues with one key: a second job with the
        // key exists (and is due) while the first still runs.
        await sleep(40);
        active--;
        running.set(key, (running.get(key) ?? 1) - 1);
        handled.add(job.id);
      };
      for (let index = 0; index < 3; index++) startWorker(queue, handler, { concurrency: 4 });
      const ids = new Set<JobId>();
      for (let index = 0; index < 60; index++) {
        const { id } = await queue.enqueue({ tenantId, name: 'advance', payload: index, dedupeKey: `run_${index % 3}` });
        ids.add(id);
        await sleep(2);
      }
      await waitFor('every job to complete', async () => (await queue.countPending()) === 0, 10_000);
      expect(maxPerKey).toBe(1);
      // Jobs of different keys did run side by side, so the one-per-key limit was tested.
      expect(maxActive).toBeGreaterThan(1);
      // An enqueue absorbed by a waiting job returned that job's id: every id ran.
      expect([...ids].every((id) => handled.has(id))).toBe(true);
      expect(await queue.deadLetters()).toEqual([]);
    });

    it('dead-letters a job whose lease expires on its last attempt', async () => {
      const queue = open();
      const firstLeases: LeasedJob[] = [];
      startWorker(
        queue,
        async (job) => {
          firstLeases.push(job);
          await new Promise<void>(() => undefined);
        },
        { leaseMs: 300 },
      );
      const { id } = await queue.enqueue({ tenantId, name: 'stuck', payload: 'p', maxAttempts: 1, dedupeKey: 'run_1' });
      await waitFor('the job to be leased', () => firstLeases.length === 1);
      let secondCalls = 0;
      startWorker(
        queue,
        async () => {
          secondCalls++;
        },
        { leaseMs: 300 },
      );
      await waitFor('the job to be dead-lettered', async () => (await queue.deadLetters()).length === 1);
      const [letter] = await queue.deadLetters();
      expect(letter?.job).toMatchObject({ id, name: 'stuck', attempt: 1, maxAttempts: 1, dedupeKey: 'run_1' });
      expect(letter?.error).toMatch(/lease expired on the last of 1 attempts/);
      expect(secondCalls).toBe(0);
      expect(firstLeases[0]?.held).toBe(false);
      expect(await queue.countPending()).toBe(0);
      // The key is free again: a new job with it runs.
      await queue.enqueue({ tenantId, name: 'next', payload: 'q', dedupeKey: 'run_1' });
      await waitFor('the next job with the key to run', () => secondCalls === 1);
    });

    it('lets a job waiting for its retry absorb a new job with its key, and brings the retry forward', async () => {
      const queue = open();
      const attempts: number[] = [];
      startWorker(
        queue,
        async (job) => {
          attempts.push(job.attempt);
          if (job.attempt === 1) throw new Error('first attempt fails');
        },
        { retryDelayMs: () => 60_000 },
      );
      const { id } = await queue.enqueue({ tenantId, name: 'advance', payload: null, dedupeKey: 'run_1' });
      await waitFor('the first attempt to fail', () => attempts.length === 1);
      await sleep(50);
      // Due in a minute, and waiting: it absorbs this enqueue, which is due now.
      expect(await queue.enqueue({ tenantId, name: 'advance', payload: null, dedupeKey: 'run_1' })).toEqual({ id, deduplicated: true });
      await waitFor('the retry to run well before its minute is up', () => attempts.length === 2, 2_000);
      expect(attempts).toEqual([1, 2]);
      await waitFor('the queue to empty', async () => (await queue.countPending()) === 0);
    });

    it('places a delayed backlog fairly when it falls due: another tenant’s job due with it is not pushed back', async () => {
      const queue = open();
      const busy = asTenantId('tenant_busy');
      const quiet = asTenantId('tenant_quiet');
      // All due at once, so BullMQ promotes them together, above every place; the claims
      // give them their places.
      const dueAt = Date.now() + 200;
      for (let start = 0; start < 500; start += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, index) => queue.enqueue({ tenantId: busy, name: 'backlog', payload: start + index, dueAt })));
      }
      await queue.enqueue({ tenantId: quiet, name: 'single', payload: null, dueAt });
      const order: Array<{ tenantId: string; payload: unknown }> = [];
      startWorker(queue, async (job) => {
        order.push({ tenantId: job.tenantId, payload: job.payload });
      });
      await waitFor('the quiet tenant’s job', () => order.some((entry) => entry.tenantId === quiet), 5_000);
      expect(order.findIndex((entry) => entry.tenantId === quiet)).toBeLessThanOrEqual(2);
      // Placed through every path (promoted, placed by a claim, leased unplaced), each job runs once.
      await waitFor('the backlog', () => order.length === 501, 10_000);
      const busyPayloads = order.filter((entry) => entry.tenantId === busy).map((entry) => Number(entry.payload));
      expect(busyPayloads.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, index) => index));
      await waitFor('the queue to empty', async () => (await queue.countPending()) === 0);
    });

    it('hands a tenant’s jobs out in due order, also when a delayed one fell due while no worker fetched', async () => {
      const queue = open();
      await queue.enqueue({ tenantId, name: 'earlier', payload: null, dueAt: Date.now() + 50 });
      // Due now and placed at once; the first job fell due before it, but no fetch has
      // promoted it: the enqueue places it first.
      await sleep(150);
      await queue.enqueue({ tenantId, name: 'later', payload: null });
      const names: string[] = [];
      startWorker(queue, async (job) => {
        names.push(job.name);
      });
      await waitFor('both jobs', () => names.length === 2);
      expect(names).toEqual(['earlier', 'later']);
    });

    it('does not let a tenant that enqueues its next job from its handler overtake another tenant’s backlog', async () => {
      const queue = open();
      const backlog = asTenantId('tenant_backlog');
      const chain = asTenantId('tenant_chain');
      for (let index = 0; index < 40; index++) await queue.enqueue({ tenantId: backlog, name: 'backlog', payload: index });
      await queue.enqueue({ tenantId: chain, name: 'chain', payload: 0 });
      const order: string[] = [];
      startWorker(queue, async (job) => {
        order.push(job.tenantId);
        // The next job of the chain is due at once, while this one is still leased.
        if (job.tenantId === chain && Number(job.payload) < 30) await queue.enqueue({ tenantId: chain, name: 'chain', payload: Number(job.payload) + 1 });
      });
      await waitFor('40 leases', () => order.length >= 40, 5_000);
      // Both take turns: the chain's next job comes one place after its last one, not at
      // the queue's current place, which would put it first every time.
      for (let start = 0; start + 4 <= 40; start++) {
        const window = order.slice(start, start + 4);
        expect(new Set(window).size, `leases ${start}..${start + 3}: ${window.join(', ')}`).toBe(2);
      }
    });

    it('forgets a tenant’s place once the queue has moved past it', async () => {
      const queueName = uniqueQueueName();
      const queue = open(queueName);
      for (let index = 0; index < 30; index++) await queue.enqueue({ tenantId: asTenantId(`tenant_${index}`), name: 'one', payload: index });
      for (let index = 0; index < 5; index++) await queue.enqueue({ tenantId, name: 'more', payload: index });
      const placesKey = `${prefix}:${queueName}:pw:tenant-places`;
      expect(await inspector.zcard(placesKey)).toBe(31);
      let handled = 0;
      startWorker(queue, async () => {
        handled++;
      });
      await waitFor('every job', async () => handled === 35 && (await queue.countPending()) === 0);
      // Only the tenant whose job was leased last is still remembered: the others' next
      // jobs take the current place, with or without an entry.
      expect(await inspector.zrange(placesKey, 0, -1)).toEqual([tenantId]);
    });

    it('fails a heartbeat with lease_lost once the job is done', async () => {
      const queue = open();
      const seen: LeasedJob[] = [];
      startWorker(queue, async (job) => {
        seen.push(job);
        await job.heartbeat();
      });
      await queue.enqueue({ tenantId, name: 'work', payload: null, dedupeKey: 'run_1' });
      await waitFor('the job to complete', async () => seen.length === 1 && (await queue.countPending()) === 0);
      const error = await seen[0]?.heartbeat().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(PipewrightError.is(error) && error.code).toBe('lease_lost');
      expect(seen[0]?.signal.aborted).toBe(false);
    });
  });
});
