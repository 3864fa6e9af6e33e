import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asTenantId, newId } from '@pipewright/core';
import { jobQueueContract } from '@pipewright/core/testing';
import { afterAll, expect, it } from 'vitest';
import { describeWithServer, testServer, type TestServer } from '../test-support/test-servers';
import { migrateStore } from './migrate-store';
import { openSqlDatabase, type SqlDatabase } from './open-sql-database';
import { createSqlJobQueue } from './sql-job-queue';

const directory = mkdtempSync(join(tmpdir(), 'pw-job-queue-'));
const opened: SqlDatabase[] = [];

function sharedDatabase(url: string): () => Promise<SqlDatabase> {
  let database: Promise<SqlDatabase> | undefined;
  return () => {
    database ??= openSqlDatabase({ connection: url, tablePrefix: 'pwtest_' }).then(async (db) => {
      opened.push(db);
      await migrateStore(db);
      return db;
    });
    return database;
  };
}

afterAll(async () => {
  for (const database of opened) await database.close();
  rmSync(directory, { recursive: true, force: true });
});

const local: TestServer = { name: 'postgres', url: '', available: true, skipReason: '' };
const servers: Array<[string, TestServer, string]> = [
  ['sqlite (memory)', local, 'sqlite::memory:'],
  ['sqlite (file)', local, `sqlite:${join(directory, 'queue.db')}`],
];
const postgres = await testServer('postgres');
const mysql = await testServer('mysql');
servers.push(['postgres', postgres, postgres.url], ['mariadb', mysql, mysql.url]);

for (const [name, server, url] of servers) {
  const database = sharedDatabase(url);
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
