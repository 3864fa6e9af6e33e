import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '@pipewright/core/testing';
import { afterAll } from 'vitest';
import { describeWithServer, testServer, type TestServer } from '../test-support/test-servers';
import { migrateStore } from './migrate-store';
import { openSqlDatabase, type SqlDatabase } from './open-sql-database';
import { createSqlRunStore } from './sql-run-store';

const directory = mkdtempSync(join(tmpdir(), 'pw-run-store-'));
const opened: SqlDatabase[] = [];

/** One database per suite, migrated once; every contract case uses fresh tenants in it. */
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
  ['sqlite (file)', local, `sqlite:${join(directory, 'store.db')}`],
];
const postgres = await testServer('postgres');
const mysql = await testServer('mysql');
servers.push(['postgres', postgres, postgres.url], ['mariadb', mysql, mysql.url]);

for (const [name, server, url] of servers) {
  const database = sharedDatabase(url);
  describeWithServer(server, `sql run store on ${name}`, () => {
    runStoreContract({ name: `sql ${name}`, create: async () => createSqlRunStore(await database()) });
  });
}
