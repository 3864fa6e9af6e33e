import { asTenantId, newId } from '@pipewright/core';
import { jobQueueContract } from '@pipewright/core/testing';
import { expect, it } from 'vitest';
import { sqlTestTargets } from '../test-support/sql-test-targets';
import { describeWithServer, testServer } from '../test-support/test-servers';
import { migrateStore } from './migrate-store';
import { openSqlDatabase } from './open-sql-database';
import { createSqlJobQueue } from './sql-job-queue';

const postgres = await testServer('postgres');

for (const { name, server, database } of await sqlTestTargets('job-queue')) {
  describeWithServer(server, `sql job queue on ${name}`, () => {
    // A queue name per case: the cases count pending jobs and dead letters of the whole queue.
    jobQueueContract({ name: `sql ${name}`, create: async ({ clock }) => createSqlJobQueue(await database(), { queueName: newId('q'), clock, pollIntervalMs: 20 }) });
  });

  // A worker whose last lease found the queue empty looks again only when something may
  // have become leasable; with a poll a minute long, these jobs are taken only if it does.
  describeWithServer(server, `sql job queue on ${name}: looking for work without the poll`, () => {
    const tenantId = asTenantId('acme');
    const soon = 5_000;

    it('takes a job that waited behind another with its dedupe key as soon as that one completes', async () => {
      const queue = createSqlJobQueue(await database(), { queueName: newId('q'), pollIntervalMs: 60_000 });
      let secondHandledAt: number | undefined;
      let firstDoneAt = 0;
      let handledSecond: () => void = () => undefined;
      const secondHandled = new Promise<void>((resolve) => (handledSecond = resolve));
      const worker = queue.process(
        async (job) => {
          if (job.name === 'second') {
            secondHandledAt = Date.now();
            handledSecond();
            return;
          }
          await queue.enqueue({ tenantId, name: 'second', payload: {}, dedupeKey: 'advance:one' });
          // The enqueue's wake-up leases meanwhile and finds the second job blocked by this one.
          await new Promise((resolve) => setTimeout(resolve, 200));
          firstDoneAt = Date.now();
        },
        { concurrency: 2 },
      );
      try {
        await queue.enqueue({ tenantId, name: 'first', payload: {}, dedupeKey: 'advance:one' });
        await Promise.race([secondHandled, new Promise((resolve) => setTimeout(resolve, soon))]);
        expect(secondHandledAt).toBeDefined();
        expect(secondHandledAt as number).toBeGreaterThanOrEqual(firstDoneAt);
      } finally {
        await worker.stop({ graceful: true });
        await queue.close();
      }
    });

    it('hands a due job to an idle worker as it is stored on one connection, and places it like any other job on a server', async () => {
      const db = await database();
      const queue = createSqlJobQueue(db, { queueName: newId('q'), pollIntervalMs: 60_000 });
      const handedTenant = asTenantId(newId('tenant'));
      const handled: Array<{ name: string; attempt: number }> = [];
      const worker = queue.process(
        async (job) => {
          handled.push({ name: job.name, attempt: job.attempt });
        },
        { concurrency: 2 },
      );
      try {
        // The worker's first look finds nothing, so it knows of no job waiting.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await queue.enqueue({ tenantId: handedTenant, name: 'handed', payload: {} });
        await expect.poll(() => handled, { timeout: soon }).toEqual([{ name: 'handed', attempt: 1 }]);
        await expect.poll(() => queue.countPending(), { timeout: soon }).toBe(0);
        // A job that went through the fair order gave its tenant a place; a handed one did not.
        const places = await db.db.selectFrom('queue_tenants').select('tenant_id').where('tenant_id', '=', handedTenant).execute();
        expect(places).toHaveLength(db.features.singleConnection ? 0 : 1);
      } finally {
        await worker.stop({ graceful: true });
        await queue.close();
      }
    });

    it("counts a job's slot free once its handler has returned, while its completion is written", async () => {
      const db = await database();
      // Writes can be held: the completion of the first job then stays unwritten while the second is enqueued.
      let held: Promise<void> | undefined;
      let letWritesGo: () => void = () => undefined;
      const gated: typeof db = { ...db, write: async (mode, work) => (held === undefined ? db.write(mode, work) : held.then(() => db.write(mode, work))) };
      const queue = createSqlJobQueue(gated, { queueName: newId('q'), pollIntervalMs: 60_000 });
      const tenantId = asTenantId(newId('tenant'));
      const handled: Array<{ name: string; attempt: number }> = [];
      let firstReturned: () => void = () => undefined;
      const firstHasReturned = new Promise<void>((resolve) => (firstReturned = resolve));
      const worker = queue.process(
        async (job) => {
          handled.push({ name: job.name, attempt: job.attempt });
          if (job.name === 'first') {
            held = new Promise<void>((resolve) => (letWritesGo = resolve));
            setImmediate(firstReturned);
          }
        },
        { concurrency: 1 },
      );
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await queue.enqueue({ tenantId, name: 'first', payload: {} });
        await firstHasReturned;
        // The one slot is free though the first job is not completed yet: on one connection
        // the second job is handed over (no place for its tenant), on a server it is placed.
        const secondTenant = asTenantId(newId('tenant'));
        const second = queue.enqueue({ tenantId: secondTenant, name: 'second', payload: {} });
        letWritesGo();
        held = undefined;
        await second;
        await expect.poll(() => handled, { timeout: soon }).toEqual([
          { name: 'first', attempt: 1 },
          { name: 'second', attempt: 1 },
        ]);
        await expect.poll(() => queue.countPending(), { timeout: soon }).toBe(0);
        const places = await db.db.selectFrom('queue_tenants').select('tenant_id').where('tenant_id', '=', secondTenant).execute();
        expect(places).toHaveLength(db.features.singleConnection ? 0 : 1);
      } finally {
        await worker.stop({ graceful: true });
        await queue.close();
      }
    });

    it('takes a job enqueued while every slot was busy as soon as a slot frees', async () => {
      const queue = createSqlJobQueue(await database(), { queueName: newId('q'), pollIntervalMs: 60_000 });
      const handled: string[] = [];
      let releaseFirst: () => void = () => undefined;
      const firstMayEnd = new Promise<void>((resolve) => (releaseFirst = resolve));
      let handledSecond: () => void = () => undefined;
      const secondHandled = new Promise<void>((resolve) => (handledSecond = resolve));
      let startedFirst: () => void = () => undefined;
      const firstStarted = new Promise<void>((resolve) => (startedFirst = resolve));
      const worker = queue.process(
        async (job) => {
          handled.push(job.name);
          if (job.name === 'first') {
            startedFirst();
            await firstMayEnd;
          } else handledSecond();
        },
        { concurrency: 1 },
      );
      try {
        await queue.enqueue({ tenantId, name: 'first', payload: {} });
        await firstStarted;
        await queue.enqueue({ tenantId, name: 'second', payload: {} });
        // A look while the slot is busy would lease nothing; give one the time to happen.
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(handled).toEqual(['first']);
        releaseFirst();
        await Promise.race([secondHandled, new Promise((resolve) => setTimeout(resolve, soon))]);
        expect(handled).toEqual(['first', 'second']);
      } finally {
        releaseFirst();
        await worker.stop({ graceful: true });
        await queue.close();
      }
    });
  });
}

describeWithServer(postgres, 'sql job queue on postgres: LISTEN/NOTIFY', () => {
  it('wakes a worker on another connection pool at once, without waiting for its poll', async () => {
    // Two databases opened separately stand for two processes; the worker's poll is a minute long.
    const producerDb = await openSqlDatabase({ connection: postgres.url, tablePrefix: 'pwtest_' });
    const workerDb = await openSqlDatabase({ connection: postgres.url, tablePrefix: 'pwtest_' });
    await migrateStore(producerDb);
    const queueName = newId('q');
    const producer = createSqlJobQueue(producerDb, { queueName, pollIntervalMs: 60_000 });
    const consumer = createSqlJobQueue(workerDb, { queueName, pollIntervalMs: 60_000 });
    try {
      let received: (() => void) | undefined;
      const handled = new Promise<void>((resolve) => (received = resolve));
      const worker = consumer.process(async () => received?.(), { concurrency: 1 });
      // The worker's first look finds nothing; from then on only a notification can wake it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sentAt = Date.now();
      await producer.enqueue({ tenantId: asTenantId('acme'), name: 'ping', payload: {} });
      await handled;
      expect(Date.now() - sentAt).toBeLessThan(5_000);
      await worker.stop({ graceful: true });
    } finally {
      await producer.close();
      await consumer.close();
      await producerDb.close();
      await workerDb.close();
    }
  });
});
