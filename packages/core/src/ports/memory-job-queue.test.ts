import { afterEach, describe, expect, it } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { asTenantId } from '../ids';
import { createFakeClock, type FakeClock } from '../testing/fake-clock';
import { jobQueueContract } from '../testing/job-queue-contract';
import type { JobQueue, LeasedJob } from './job-queue';
import { createMemoryJobQueue } from './memory-job-queue';

jobQueueContract({ name: 'memory', create: ({ clock }) => createMemoryJobQueue({ clock }) });

const tenantId = asTenantId('tenant_queue');
const t0 = Date.UTC(2026, 0, 1);

function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('createMemoryJobQueue on a fake clock', () => {
  let queue: JobQueue | undefined;
  let clock: FakeClock;

  function setUp(): JobQueue {
    clock = createFakeClock();
    queue = createMemoryJobQueue({ clock });
    return queue;
  }

  afterEach(async () => {
    await queue?.close();
    queue = undefined;
  });

  it('hands out an enqueued job without any timer or time passing', async () => {
    const queue = setUp();
    const seen: LeasedJob[] = [];
    queue.process(async (job) => {
      seen.push(job);
    });
    await queue.enqueue({ tenantId, name: 'advance', payload: 1 });
    await clock.flush();
    expect(seen.map((job) => job.payload)).toEqual([1]);
    expect(clock.now()).toBe(t0);
    expect(await queue.countPending()).toBe(0);
  });

  it('hands out jobs by due time, then in arrival order', async () => {
    const queue = setUp();
    const order: unknown[] = [];
    for (const [payload, delay] of [
      ['c', 300],
      ['a', 100],
      ['b1', 200],
      ['b2', 200],
      ['now', 0],
    ] as const) {
      await queue.enqueue({ tenantId, name: 'x', payload, dueAt: t0 + delay });
    }
    queue.process(async (job) => {
      order.push(`${String(job.payload)}@${clock.now() - t0}`);
    });
    await clock.advance(1_000);
    expect(order).toEqual(['now@0', 'a@100', 'b1@200', 'b2@200', 'c@300']);
  });

  it('takes back an expired lease at exactly leaseMs and gives it out again with attempt 2', async () => {
    const queue = setUp();
    const stuck = gate();
    const leases: { job: LeasedJob; at: number }[] = [];
    queue.process(
      async (job) => {
        leases.push({ job, at: clock.now() });
        if (job.attempt === 1) await stuck.promise;
      },
      { leaseMs: 1_000, concurrency: 2 },
    );
    await queue.enqueue({ tenantId, name: 'advance', payload: null });
    await clock.flush();
    expect(leases).toHaveLength(1);
    await clock.advance(999);
    expect(leases).toHaveLength(1);
    expect(leases[0]?.job.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(leases.map((lease) => [lease.job.attempt, lease.at - t0])).toEqual([
      [1, 0],
      [2, 1_000],
    ]);
    const first = leases[0]?.job as LeasedJob;
    expect(first.signal.aborted).toBe(true);
    expect(PipewrightError.is(first.signal.reason) && first.signal.reason.code).toBe('lease_lost');
    await expect(first.heartbeat()).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await queue.countPending()).toBe(0);
    stuck.open();
    await clock.flush();
    expect(await queue.countPending()).toBe(0);
    expect(await queue.deadLetters()).toEqual([]);
  });

  it('extends a lease by leaseMs from each heartbeat', async () => {
    const queue = setUp();
    const stuck = gate();
    const leases: LeasedJob[] = [];
    queue.process(
      async (job) => {
        leases.push(job);
        await stuck.promise;
      },
      { leaseMs: 1_000, concurrency: 2 },
    );
    await queue.enqueue({ tenantId, name: 'advance', payload: null });
    await clock.advance(600);
    await leases[0]?.heartbeat();
    await clock.advance(999);
    expect(leases).toHaveLength(1);
    await clock.advance(1);
    expect(leases).toHaveLength(2);
    expect(leases[1]?.attempt).toBe(2);
    stuck.open();
  });

  it('expires other leases on time while one lease keeps heartbeating', async () => {
    const queue = setUp();
    const leases: { job: LeasedJob; at: number }[] = [];
    queue.process(
      async (job) => {
        leases.push({ job, at: clock.now() - t0 });
        await new Promise(() => undefined);
      },
      { leaseMs: 1_000, concurrency: 10 },
    );
    await queue.enqueue({ tenantId, name: 'beats', payload: 'beats' });
    await clock.advance(100);
    await queue.enqueue({ tenantId, name: 'silent', payload: 'silent' });
    await clock.advance(800);
    // The first lease (expiring at 1000) is extended to 1900, past the second one (1100).
    await leases[0]?.job.heartbeat();
    await clock.advance(200);
    expect(leases.map((lease) => [lease.job.payload, lease.job.attempt, lease.at])).toEqual([
      ['beats', 1, 0],
      ['silent', 1, 100],
      ['silent', 2, 1_100],
    ]);
    await clock.advance(800);
    expect(leases.at(-1)?.job.payload).toBe('beats');
    expect(leases.at(-1)?.at).toBe(1_900);
  });

  it('retries after 1, 2, 4 and 8 seconds by default, then dead-letters at attempt 5', async () => {
    const queue = setUp();
    const attempts: [number, number][] = [];
    queue.process(async (job) => {
      attempts.push([job.attempt, clock.now() - t0]);
      throw new Error(`failed ${job.attempt}`);
    });
    const { id } = await queue.enqueue({ tenantId, name: 'flaky', payload: { a: 1 } });
    await clock.advance(14_999);
    expect(attempts).toEqual([
      [1, 0],
      [2, 1_000],
      [3, 3_000],
      [4, 7_000],
    ]);
    await clock.advance(1);
    expect(attempts.at(-1)).toEqual([5, 15_000]);
    expect(await queue.deadLetters()).toEqual([
      { job: { id, tenantId, name: 'flaky', payload: { a: 1 }, dueAt: t0 + 15_000, attempt: 5, maxAttempts: 5 }, error: 'failed 5', failedAt: t0 + 15_000 },
    ]);
    expect(await queue.countPending()).toBe(0);
    await clock.advance(120_000);
    expect(attempts).toHaveLength(5);
  });

  it('caps the default retry delay at 60 seconds', async () => {
    const queue = setUp();
    const times: number[] = [];
    queue.process(async () => {
      times.push(clock.now() - t0);
      throw new Error('no');
    });
    await queue.enqueue({ tenantId, name: 'flaky', payload: null, maxAttempts: 10 });
    await clock.advance(400_000);
    const delays = times.slice(1).map((time, index) => time - (times[index] as number));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('uses the worker retryDelayMs with the failed attempt number', async () => {
    const queue = setUp();
    const times: number[] = [];
    const asked: number[] = [];
    queue.process(
      async () => {
        times.push(clock.now() - t0);
        throw new Error('no');
      },
      {
        retryDelayMs: (attempt) => {
          asked.push(attempt);
          return attempt * 100;
        },
      },
    );
    await queue.enqueue({ tenantId, name: 'flaky', payload: null, maxAttempts: 4 });
    await clock.advance(10_000);
    expect(times).toEqual([0, 100, 300, 600]);
    expect(asked).toEqual([1, 2, 3]);
  });

  it('lowers the due time of a deduplicated waiting job, never raises it', async () => {
    const queue = setUp();
    const handledAt: number[] = [];
    queue.process(async () => {
      handledAt.push(clock.now() - t0);
    });
    const first = await queue.enqueue({ tenantId, name: 'advance', payload: 1, dedupeKey: 'run_1', dueAt: t0 + 5_000 });
    expect(await queue.enqueue({ tenantId, name: 'advance', payload: 2, dedupeKey: 'run_1', dueAt: t0 + 2_000 })).toEqual({ id: first.id, deduplicated: true });
    expect(await queue.enqueue({ tenantId, name: 'advance', payload: 3, dedupeKey: 'run_1', dueAt: t0 + 9_000 })).toEqual({ id: first.id, deduplicated: true });
    await clock.advance(1_999);
    expect(handledAt).toEqual([]);
    await clock.advance(1);
    expect(handledAt).toEqual([2_000]);
    await clock.advance(10_000);
    expect(handledAt).toEqual([2_000]);
  });

  it('deduplicates against a job waiting for its retry', async () => {
    const queue = setUp();
    const attempts: [number, number][] = [];
    queue.process(async (job) => {
      attempts.push([job.attempt, clock.now() - t0]);
      if (job.attempt === 1) throw new Error('once');
    });
    const first = await queue.enqueue({ tenantId, name: 'advance', payload: null, dedupeKey: 'run_1' });
    await clock.advance(10);
    expect(await queue.enqueue({ tenantId, name: 'advance', payload: null, dedupeKey: 'run_1' })).toEqual({ id: first.id, deduplicated: true });
    await clock.advance(0);
    expect(attempts).toEqual([
      [1, 0],
      [2, 10],
    ]);
  });

  it('keeps the leases of an abruptly stopped worker until they expire and ignores its late results', async () => {
    const queue = setUp();
    const stuck = gate();
    const first: LeasedJob[] = [];
    const worker = queue.process(
      async (job) => {
        first.push(job);
        await stuck.promise;
      },
      { leaseMs: 1_000 },
    );
    await queue.enqueue({ tenantId, name: 'advance', payload: null });
    await clock.advance(100);
    await worker.stop();
    expect(first[0]?.signal.aborted).toBe(true);
    await expect(first[0]?.heartbeat()).rejects.toMatchObject({ code: 'lease_lost' });
    const second: [number, number][] = [];
    queue.process(async (job) => {
      second.push([job.attempt, clock.now() - t0]);
    });
    stuck.open();
    await clock.advance(899);
    expect(second).toEqual([]);
    expect(await queue.countPending()).toBe(1);
    await clock.advance(1);
    expect(second).toEqual([[2, 1_000]]);
    expect(await queue.countPending()).toBe(0);
  });

  it('ignores the late failure of a lease that expired', async () => {
    const queue = setUp();
    const release = gate();
    const attempts: number[] = [];
    queue.process(
      async (job) => {
        attempts.push(job.attempt);
        if (job.attempt === 1) {
          await release.promise;
          throw new Error('late failure');
        }
        await new Promise(() => undefined);
      },
      { leaseMs: 1_000, concurrency: 2, retryDelayMs: () => 0 },
    );
    await queue.enqueue({ tenantId, name: 'advance', payload: null });
    await clock.advance(1_000);
    expect(attempts).toEqual([1, 2]);
    release.open();
    await clock.advance(10);
    expect(attempts).toEqual([1, 2]);
    expect(await queue.countPending()).toBe(1);
  });

  it('dead-letters a job whose lease expires on its last attempt', async () => {
    const queue = setUp();
    queue.process(() => new Promise<void>(() => undefined), { leaseMs: 500, concurrency: 5 });
    const { id } = await queue.enqueue({ tenantId, name: 'hangs', payload: null, maxAttempts: 2 });
    await clock.advance(1_000);
    const letters = await queue.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.job).toMatchObject({ id, attempt: 2 });
    expect(letters[0]?.error).toContain('lease expired');
    expect(letters[0]?.failedAt).toBe(t0 + 1_000);
    expect(await queue.countPending()).toBe(0);
  });

  it('arms one clock timer for all future due times and lease expiries', async () => {
    const queue = setUp();
    queue.process(() => new Promise<void>(() => undefined), { concurrency: 50, leaseMs: 10_000 });
    for (let index = 0; index < 100; index++) await queue.enqueue({ tenantId, name: 'x', payload: index, dueAt: t0 + (index % 2) * 5_000 });
    await clock.flush();
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(5_000);
    expect(clock.pendingTimers()).toBe(1);
    expect(await queue.countPending()).toBe(100);
  });

  it('leaves no timer armed once every job is done, so an idle queue does not keep the process alive', async () => {
    const queue = setUp();
    const worker = queue.process(async () => undefined, { leaseMs: 30_000 });
    for (let index = 0; index < 3; index++) await queue.enqueue({ tenantId, name: 'x', payload: index });
    await clock.flush();
    expect(await queue.countPending()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    await worker.stop({ graceful: true });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('lets a graceful stop finish running handlers and their outcomes', async () => {
    const queue = setUp();
    const release = gate();
    const worker = queue.process(
      async () => {
        await release.promise;
      },
      { concurrency: 2 },
    );
    await queue.enqueue({ tenantId, name: 'x', payload: 1 });
    await queue.enqueue({ tenantId, name: 'x', payload: 2 });
    await clock.flush();
    let stopped = false;
    const stopping = worker.stop({ graceful: true }).then(() => {
      stopped = true;
    });
    await queue.enqueue({ tenantId, name: 'x', payload: 3 });
    await clock.flush();
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    expect(await queue.countPending()).toBe(1);
  });

  it('close aborts leases, cancels the timer and refuses new work', async () => {
    const queue = setUp();
    const leases: LeasedJob[] = [];
    queue.process(async (job) => {
      leases.push(job);
      await new Promise(() => undefined);
    });
    await queue.enqueue({ tenantId, name: 'x', payload: null });
    await queue.enqueue({ tenantId, name: 'x', payload: null, dueAt: t0 + 60_000 });
    await clock.flush();
    expect(clock.pendingTimers()).toBe(1);
    await queue.close();
    expect(clock.pendingTimers()).toBe(0);
    expect(leases[0]?.signal.aborted).toBe(true);
    await expect(queue.enqueue({ tenantId, name: 'x', payload: null })).rejects.toThrow('closed');
    expect(() => queue.process(async () => undefined)).toThrow('closed');
  });

  it('creates no AbortController until a handler reads the signal, and an aborted one if the lease is already lost', async () => {
    const queue = setUp();
    const leases: LeasedJob[] = [];
    queue.process(
      async (job) => {
        leases.push(job);
        await new Promise(() => undefined);
      },
      { leaseMs: 100, concurrency: 3 },
    );
    await queue.enqueue({ tenantId, name: 'x', payload: null, maxAttempts: 3 });
    await clock.advance(100);
    expect(leases).toHaveLength(2);
    // The first lease expired before its signal was ever read.
    expect(leases[0]?.signal.aborted).toBe(true);
    expect(leases[1]?.signal.aborted).toBe(false);
  });
});

describe('createMemoryJobQueue throughput', () => {
  it('moves 20,000 jobs through 4 workers and loses none', async () => {
    const queue = createMemoryJobQueue();
    let handled = 0;
    for (let index = 0; index < 4; index++) {
      queue.process(
        async () => {
          handled++;
        },
        { concurrency: 16 },
      );
    }
    const started = performance.now();
    for (let index = 0; index < 20_000; index++) void queue.enqueue({ tenantId, name: 'advance', payload: index, dedupeKey: `run_${index}` });
    while ((await queue.countPending()) > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const elapsedMs = performance.now() - started;
    expect(handled).toBe(20_000);
    // Generous: ~60 ms on a laptop; fails only if the queue turns quadratic or polls.
    expect(elapsedMs).toBeLessThan(5_000);
    await queue.close();
  });
});
