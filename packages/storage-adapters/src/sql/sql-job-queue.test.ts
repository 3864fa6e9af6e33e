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
