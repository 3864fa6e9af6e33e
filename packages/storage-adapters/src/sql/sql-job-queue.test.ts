import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@pipewright/core';
import { jobQueueContract } from '@pipewright/core/testing';
import { afterAll } from 'vitest';
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
