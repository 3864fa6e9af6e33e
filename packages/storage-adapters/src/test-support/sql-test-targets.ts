import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { migrateStore } from '../sql/migrate-store';
import { openSqlDatabase, type SqlDatabase } from '../sql/open-sql-database';
import { embeddedDatabase, testServer, type TestServer } from './test-servers';

/** One database a suite runs against, opened and migrated on first use and shared by its cases. */
export interface SqlTestTarget {
  name: string;
  server: Pick<TestServer, 'available' | 'skipReason'>;
  database: () => Promise<SqlDatabase>;
}

/**
 * SQLite in memory and in a file, PostgreSQL and MariaDB, for a test file that runs the
 * same cases on each. The cases use fresh tenants and queue names, so they share one
 * database per target; the file closes them (and removes the SQLite file) after its tests.
 */
export async function sqlTestTargets(label: string): Promise<SqlTestTarget[]> {
  const directory = mkdtempSync(join(tmpdir(), `pw-${label}-`));
  const opened: SqlDatabase[] = [];
  afterAll(async () => {
    for (const database of opened) await database.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const shared = (url: string): (() => Promise<SqlDatabase>) => {
    let database: Promise<SqlDatabase> | undefined;
    return () => {
      database ??= openSqlDatabase({ connection: url, tablePrefix: 'pwtest_' }).then(async (db) => {
        opened.push(db);
        await migrateStore(db);
        return db;
      });
      return database;
    };
  };
  const postgres = await testServer('postgres');
  const mysql = await testServer('mysql');
  return [
    { name: 'sqlite (memory)', server: embeddedDatabase, database: shared('sqlite::memory:') },
    { name: 'sqlite (file)', server: embeddedDatabase, database: shared(`sqlite:${join(directory, `${label}.db`)}`) },
    { name: 'postgres', server: postgres, database: shared(postgres.url) },
    { name: 'mariadb', server: mysql, database: shared(mysql.url) },
  ];
}
