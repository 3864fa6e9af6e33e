import { afterEach, beforeEach, describe, expect } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { asTenantId, newId, type JobId, type TenantId } from '../ids';
import type { Clock } from '../ports/clock';
import type { JobHandler, JobQueue, LeasedJob, ProcessOptions, QueueWorker } from '../ports/job-queue';
import { realClock } from '../ports/real-clock';
import { contractCases } from './contract-cases';
import { rejection } from './rejection';

export interface JobQueueContractOptions {
  /** Names the adapter in the test titles. */
  name: string;
  /**
   * A queue for one test case, on the clock given (the real clock: the cases use short
   * real durations, so adapters that keep time in a database or Redis pass too).
   */
  create: (context: { clock: Clock }) => JobQueue | Promise<JobQueue>;
  /** Called after each case, once the contract has closed the queue. */
  destroy?: (queue: JobQueue) => Promise<void> | void;
  /** Cases this adapter cannot pass, by name, with the reason; they show up as skipped. */
  skip?: Partial<Record<string, string>>;
}

/** How long a lease lasts in the lease cases: long against scheduling noise, short for the suite. */
const leaseMs = 400;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true; fails after `timeoutMs`. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A promise a test resolves by hand, to hold a handler inside its lease. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const newTenant = (): TenantId => asTenantId(newId('tenant'));

/**
 * The behaviour every `JobQueue` adapter must have. Call it from a test file of the
 * adapter. The cases run on real time with short leases (400 ms) and due times
 * (200 ms); the whole suite takes a few seconds.
 *
 * @example
 * ```ts
 * jobQueueContract({
 *   name: 'memory',
 *   create: ({ clock }) => createMemoryJobQueue({ clock }),
 * });
 * ```
 */
export function jobQueueContract(options: JobQueueContractOptions): void {
  const cases = contractCases(options.skip ?? {});

  describe(`JobQueue contract: ${options.name}`, () => {
    let queue: JobQueue | undefined;
    let workers: QueueWorker[] = [];
    const clock = realClock;

    const use = (): JobQueue => {
      if (queue === undefined) throw new Error('The queue was not created');
      return queue;
    };
    const startWorker = (handler: JobHandler, processOptions: ProcessOptions = {}): QueueWorker => {
      const worker = use().process(handler, processOptions);
      workers.push(worker);
      return worker;
    };

    beforeEach(async () => {
      queue = await options.create({ clock });
      workers = [];
    });
    afterEach(async () => {
      for (const worker of workers) await worker.stop({ graceful: false });
      if (queue !== undefined) {
        await queue.close();
        await options.destroy?.(queue);
      }
      queue = undefined;
    });

    const contractCase = (name: string, body: (queue: () => JobQueue) => Promise<void>): void => cases.define(name, () => body(use));

    contractCase('hands an enqueued job to a worker with its payload, tenant, name and attempt 1', async (queue) => {
      const tenantId = newTenant();
      const seen: LeasedJob[] = [];
      const heldWhileHandling: boolean[] = [];
      startWorker(async (job) => {
        heldWhileHandling.push(job.held);
        seen.push(job);
      });
      const before = clock.now();
      const { id, deduplicated } = await queue().enqueue({ tenantId, name: 'advance', payload: { runId: 'run_1', list: [1, 2] } });
      expect(deduplicated).toBe(false);
      await waitFor('the job to be handled', () => seen.length === 1);
      const [job] = seen;
      expect(job).toMatchObject({ id, tenantId, name: 'advance', payload: { runId: 'run_1', list: [1, 2] }, attempt: 1, maxAttempts: 5 });
      expect(job?.dueAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(job?.dueAt).toBeLessThanOrEqual(clock.now());
      expect(heldWhileHandling).toEqual([true]);
      await waitFor('the job to complete', async () => (await queue().countPending()) === 0);
      await sleep(50);
      expect(seen).toHaveLength(1);
      expect(await queue().deadLetters()).toEqual([]);
    });

    contractCase('keeps a job until its due time, then hands it out soon after', async (queue) => {
      const handledAt: number[] = [];
      startWorker(async () => {
        handledAt.push(clock.now());
      });
      const dueAt = clock.now() + 200;
      await queue().enqueue({ tenantId: newTenant(), name: 'later', payload: null, dueAt });
      await sleep(100);
      expect(handledAt).toEqual([]);
      await waitFor('the due job to be handled', () => handledAt.length === 1, 2_000);
      expect(handledAt[0]).toBeGreaterThanOrEqual(dueAt);
      expect(handledAt[0]).toBeLessThan(dueAt + 1_000);
    });

    contractCase('deduplicates a waiting job by key and keeps the earlier due time', async (queue) => {
      const tenantId = newTenant();
      const first = await queue().enqueue({ tenantId, name: 'advance', payload: { n: 1 }, dedupeKey: 'run_1', dueAt: clock.now() + 60_000 });
      const later = await queue().enqueue({ tenantId, name: 'advance', payload: { n: 2 }, dedupeKey: 'run_1', dueAt: clock.now() + 120_000 });
      expect(later).toEqual({ id: first.id, deduplicated: true });
      expect(await queue().countPending()).toBe(1);
      const now = await queue().enqueue({ tenantId, name: 'advance', payload: { n: 3 }, dedupeKey: 'run_1' });
      expect(now).toEqual({ id: first.id, deduplicated: true });
      expect(await queue().countPending()).toBe(1);
      const other = await queue().enqueue({ tenantId, name: 'advance', payload: { n: 4 }, dedupeKey: 'run_2', dueAt: clock.now() + 60_000 });
      expect(other.deduplicated).toBe(false);
      expect(other.id).not.toBe(first.id);

      const seen: LeasedJob[] = [];
      startWorker(async (job) => {
        seen.push(job);
      });
      // The due time came down to now: the job runs well before the first minute is up.
      await waitFor('the deduplicated job to be handled', () => seen.length === 1, 1_500);
      expect(seen[0]).toMatchObject({ id: first.id, payload: { n: 1 }, dedupeKey: 'run_1', attempt: 1 });
      await sleep(100);
      expect(seen).toHaveLength(1);
      expect(await queue().countPending()).toBe(1);
    });

    contractCase('does not deduplicate against a leased job, but runs jobs with one key one at a time', async (queue) => {
      const tenantId = newTenant();
      const release = gate();
      const seen: LeasedJob[] = [];
      startWorker(
        async (job) => {
          seen.push(job);
          await release.promise;
        },
        { concurrency: 2, leaseMs: 5_000 },
      );
      const first = await queue().enqueue({ tenantId, name: 'advance', payload: 1, dedupeKey: 'run_1' });
      await waitFor('the first job to be leased', () => seen.length === 1);
      const second = await queue().enqueue({ tenantId, name: 'advance', payload: 2, dedupeKey: 'run_1' });
      expect(second.deduplicated).toBe(false);
      expect(second.id).not.toBe(first.id);
      const other = await queue().enqueue({ tenantId, name: 'advance', payload: 3, dedupeKey: 'run_2' });
      expect(other.deduplicated).toBe(false);
      await waitFor('the job with another key to be leased', () => seen.length === 2);
      await sleep(300);
      // A free slot, yet the second job waits: the first job with its key is still leased.
      expect(seen.map((job) => job.payload)).toEqual([1, 3]);
      release.open();
      await waitFor('the second job to be leased once the first finished', () => seen.length === 3);
      await waitFor('all jobs to complete', async () => (await queue().countPending()) === 0);
      expect(seen.map((job) => job.payload)).toEqual([1, 3, 2]);
    });

    contractCase('runs no more handlers at once than the worker concurrency', async (queue) => {
      const tenantId = newTenant();
      let active = 0;
      let maxActive = 0;
      let done = 0;
      // All jobs wait before the worker starts: a slow enqueue must not be what keeps it below its concurrency.
      for (let index = 0; index < 12; index++) await queue().enqueue({ tenantId, name: 'work', payload: index });
      startWorker(
        async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(30);
          active--;
          done++;
        },
        { concurrency: 3 },
      );
      await waitFor('12 jobs to be handled', () => done === 12);
      expect(maxActive).toBe(3);
      await waitFor('the queue to empty', async () => (await queue().countPending()) === 0);
    });

    contractCase('retries a failing job with attempt + 1 after retryDelayMs, then dead-letters it', async (queue) => {
      const tenantId = newTenant();
      const attempts: number[] = [];
      const delayAsked: number[] = [];
      const handledAt: number[] = [];
      startWorker(
        async (job) => {
          attempts.push(job.attempt);
          handledAt.push(clock.now());
          throw new Error(`boom on attempt ${job.attempt}`);
        },
        {
          retryDelayMs: (attempt) => {
            delayAsked.push(attempt);
            return attempt === 1 ? 150 : 10;
          },
        },
      );
      const { id } = await queue().enqueue({ tenantId, name: 'flaky', payload: { x: 1 }, maxAttempts: 3 });
      await waitFor('the job to be dead-lettered', async () => (await queue().deadLetters()).length === 1);
      expect(attempts).toEqual([1, 2, 3]);
      expect(delayAsked).toEqual([1, 2]);
      expect((handledAt[1] as number) - (handledAt[0] as number)).toBeGreaterThanOrEqual(140);
      const [letter] = await queue().deadLetters();
      expect(letter?.job).toMatchObject({ id, tenantId, name: 'flaky', payload: { x: 1 }, attempt: 3, maxAttempts: 3 });
      expect(letter?.error).toContain('boom on attempt 3');
      expect(letter?.failedAt).toBeGreaterThanOrEqual(handledAt[2] as number);
      expect(await queue().countPending()).toBe(0);
      await sleep(50);
      expect(attempts).toEqual([1, 2, 3]);
    });

    contractCase('completes a job whose retry succeeds', async (queue) => {
      const attempts: number[] = [];
      startWorker(
        async (job) => {
          attempts.push(job.attempt);
          if (job.attempt === 1) throw new Error('first attempt fails');
        },
        { retryDelayMs: () => 10 },
      );
      await queue().enqueue({ tenantId: newTenant(), name: 'flaky', payload: null });
      await waitFor('the retry to complete the job', async () => attempts.length === 2 && (await queue().countPending()) === 0);
      expect(attempts).toEqual([1, 2]);
      expect(await queue().deadLetters()).toEqual([]);
    });

    contractCase('hands the job of an expired lease to another worker with attempt 2', async (queue) => {
      const tenantId = newTenant();
      const stuck = gate();
      const firstLeases: LeasedJob[] = [];
      // Taken in the handler, not after noticing the lease: polling for it can notice late,
      // and the gap to the second lease would then look shorter than it was.
      let leasedAt = 0;
      startWorker(
        async (job) => {
          leasedAt = clock.now();
          firstLeases.push(job);
          await stuck.promise;
        },
        { leaseMs },
      );
      const { id } = await queue().enqueue({ tenantId, name: 'advance', payload: 'p' });
      await waitFor('the first worker to lease the job', () => firstLeases.length === 1);
      const secondLeases: LeasedJob[] = [];
      let secondLeasedAt = 0;
      startWorker(
        async (job) => {
          secondLeasedAt = clock.now();
          secondLeases.push(job);
        },
        { leaseMs },
      );
      await waitFor('the second worker to get the job', () => secondLeases.length === 1, 3_000);
      expect(secondLeasedAt - leasedAt).toBeGreaterThanOrEqual(leaseMs - 50);
      expect(secondLeases[0]).toMatchObject({ id, attempt: 2, payload: 'p' });
      const first = firstLeases[0] as LeasedJob;
      expect(first.signal.aborted).toBe(true);
      expect(first.held).toBe(false);
      const error = await rejection(first.heartbeat());
      expect(PipewrightError.is(error) && error.code).toBe('lease_lost');
      await waitFor('the job to complete', async () => (await queue().countPending()) === 0);
      // The first handler finishing late changes nothing.
      stuck.open();
      await sleep(50);
      expect(await queue().countPending()).toBe(0);
      expect(await queue().deadLetters()).toEqual([]);
      expect(secondLeases).toHaveLength(1);
    });

    contractCase('keeps a lease alive past leaseMs while the handler heartbeats', async (queue) => {
      const tenantId = newTenant();
      const seen: LeasedJob[] = [];
      let finished = false;
      let heartbeatError: unknown;
      startWorker(
        async (job) => {
          seen.push(job);
          try {
            // Ten beats a quarter lease apart: the handler holds the job for 2.5 leases.
            for (let beat = 0; beat < 10; beat++) {
              await sleep(leaseMs / 4);
              await job.heartbeat();
            }
          } catch (error) {
            heartbeatError = error;
          }
          finished = true;
        },
        { leaseMs },
      );
      await queue().enqueue({ tenantId, name: 'long', payload: null });
      await waitFor('the first worker to lease the job', () => seen.length === 1);
      const others: LeasedJob[] = [];
      startWorker(async (job) => {
        others.push(job);
      });
      await waitFor('the long handler to finish', () => finished, 5_000);
      expect(heartbeatError).toBeUndefined();
      expect(seen[0]?.signal.aborted).toBe(false);
      await waitFor('the job to complete', async () => (await queue().countPending()) === 0);
      expect(others).toEqual([]);
      expect(seen.map((job) => job.attempt)).toEqual([1]);
    });

    contractCase('lets a graceful stop wait for running handlers and lease nothing new', async (queue) => {
      const tenantId = newTenant();
      let started = 0;
      let finished = 0;
      const worker = startWorker(async () => {
        started++;
        await sleep(200);
        finished++;
      });
      await queue().enqueue({ tenantId, name: 'work', payload: 1 });
      await waitFor('the handler to start', () => started === 1);
      await worker.stop({ graceful: true });
      expect(finished).toBe(1);
      expect(await queue().countPending()).toBe(0);
      await queue().enqueue({ tenantId, name: 'work', payload: 2 });
      await sleep(200);
      expect(started).toBe(1);
      expect(await queue().countPending()).toBe(1);
    });

    contractCase('keeps the leases of an abruptly stopped worker until they expire', async (queue) => {
      const tenantId = newTenant();
      const stuck = gate();
      const firstLeases: LeasedJob[] = [];
      const worker = startWorker(
        async (job) => {
          firstLeases.push(job);
          await stuck.promise;
        },
        { leaseMs },
      );
      const { id } = await queue().enqueue({ tenantId, name: 'advance', payload: 'p' });
      await waitFor('the worker to lease the job', () => firstLeases.length === 1);
      const leasedAt = clock.now();
      // An abrupt stop returns at once, without waiting for the stuck handler.
      const stopped = await Promise.race([worker.stop({ graceful: false }).then(() => true), sleep(200).then(() => false)]);
      expect(stopped).toBe(true);
      const first = firstLeases[0] as LeasedJob;
      expect(first.signal.aborted).toBe(true);
      expect(first.held).toBe(false);

      const secondLeases: LeasedJob[] = [];
      let secondLeasedAt = 0;
      startWorker(
        async (job) => {
          secondLeasedAt = clock.now();
          secondLeases.push(job);
        },
        { leaseMs },
      );
      // The stopped worker's handler finishing now is ignored, as if the process had died.
      stuck.open();
      await sleep(100);
      expect(secondLeases).toEqual([]);
      expect(await queue().countPending()).toBe(1);
      await waitFor('another worker to get the job', () => secondLeases.length === 1, 3_000);
      expect(secondLeasedAt - leasedAt).toBeGreaterThanOrEqual(leaseMs - 50);
      expect(secondLeases[0]).toMatchObject({ id, attempt: 2 });
      await waitFor('the job to complete', async () => (await queue().countPending()) === 0);
    });

    contractCase('hands each of 200 jobs to exactly one of 3 workers', async (queue) => {
      const tenantId = newTenant();
      const handled = new Map<JobId, number>();
      const handler: JobHandler = async (job) => {
        handled.set(job.id, (handled.get(job.id) ?? 0) + 1);
        await sleep(Number(job.payload) % 3);
      };
      for (let index = 0; index < 3; index++) startWorker(handler, { concurrency: 4 });
      const ids: JobId[] = [];
      for (let index = 0; index < 200; index++) ids.push((await queue().enqueue({ tenantId, name: 'work', payload: index })).id);
      await waitFor('200 jobs to complete', async () => (await queue().countPending()) === 0, 8_000);
      expect(new Set(ids).size).toBe(200);
      expect([...handled.keys()].sort()).toEqual([...ids].sort());
      expect([...handled.values()].every((count) => count === 1)).toBe(true);
      await sleep(50);
      expect(handled.size).toBe(200);
    });

    contractCase('counts waiting and leased jobs as pending', async (queue) => {
      const tenantId = newTenant();
      expect(await queue().countPending()).toBe(0);
      await queue().enqueue({ tenantId, name: 'a', payload: null });
      await queue().enqueue({ tenantId, name: 'b', payload: null });
      await queue().enqueue({ tenantId, name: 'c', payload: null, dueAt: clock.now() + 60_000 });
      expect(await queue().countPending()).toBe(3);
      const release = gate();
      let leased = 0;
      startWorker(
        async () => {
          leased++;
          await release.promise;
        },
        { concurrency: 2, leaseMs: 5_000 },
      );
      await waitFor('two jobs to be leased', () => leased === 2);
      expect(await queue().countPending()).toBe(3);
      release.open();
      await waitFor('the two due jobs to complete', async () => (await queue().countPending()) === 1);
      expect(leased).toBe(2);
    });

    /** Enqueues `count` due jobs of one tenant, a few at a time, in order. */
    const enqueueBacklog = async (queue: JobQueue, tenantId: TenantId, count: number, name = 'backlog'): Promise<void> => {
      for (let start = 0; start < count; start += 50) {
        const batch = Array.from({ length: Math.min(50, count - start) }, (_, index) => queue.enqueue({ tenantId, name, payload: { index: start + index } }));
        await Promise.all(batch);
      }
    };

    contractCase('hands a tenant its turn: one job waits behind at most 1 % of another tenant’s backlog', async (queue) => {
      const busy = newTenant();
      const quiet = newTenant();
      await enqueueBacklog(queue(), busy, 1_000);
      await queue().enqueue({ tenantId: quiet, name: 'single', payload: null });
      const order: TenantId[] = [];
      startWorker(async (job) => {
        order.push(job.tenantId);
      });
      await waitFor('the quiet tenant’s job', () => order.includes(quiet), 10_000);
      expect(order.indexOf(quiet)).toBeLessThanOrEqual(10);
    });

    contractCase('interleaves tenants that all have backlogs', async (queue) => {
      const tenants = [newTenant(), newTenant(), newTenant()];
      for (const tenantId of tenants) await enqueueBacklog(queue(), tenantId, 20);
      const order: TenantId[] = [];
      startWorker(async (job) => {
        order.push(job.tenantId);
      });
      await waitFor('all 60 jobs', () => order.length === 60, 10_000);
      // Every window of six consecutive leases serves each tenant at least once.
      for (let start = 0; start + 6 <= 45; start++) {
        const window = new Set(order.slice(start, start + 6));
        expect(window.size, `leases ${start}..${start + 5}: ${order.slice(start, start + 6).join(', ')}`).toBe(3);
      }
    });

    contractCase('serves a delayed job soon after it falls due, ahead of another tenant’s backlog', async (queue) => {
      const busy = newTenant();
      const timer = newTenant();
      await enqueueBacklog(queue(), busy, 600);
      const dueAt = clock.now() + 300;
      await queue().enqueue({ tenantId: timer, name: 'timer', payload: null, dueAt });
      const order: Array<{ tenantId: TenantId; at: number }> = [];
      startWorker(async (job) => {
        order.push({ tenantId: job.tenantId, at: clock.now() });
        await sleep(1);
      });
      await waitFor('the delayed job', () => order.some((entry) => entry.tenantId === timer), 10_000);
      const position = order.findIndex((entry) => entry.tenantId === timer);
      expect(order[position]?.at).toBeGreaterThanOrEqual(dueAt);
      // Jobs of the busy tenant leased after the delayed one fell due, before it.
      const afterDue = order.slice(0, position).filter((entry) => entry.at >= dueAt + 20).length;
      expect(afterDue).toBeLessThanOrEqual(10);
    });

    cases.checkSkips();
  });
}
