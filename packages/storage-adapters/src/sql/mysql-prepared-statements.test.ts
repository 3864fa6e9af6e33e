import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { describeWithServer, testServer } from '../test-support/test-servers';
import { openSqlDatabase, type SqlDatabase } from './open-sql-database';

const server = await testServer('mysql');

describeWithServer(server, 'prepared statements on MariaDB', () => {
  const opened: SqlDatabase[] = [];
  afterAll(async () => {
    for (const database of opened) await database.close();
  });

  /** Statement executions of the binary protocol on the one connection of the pool, around `work`. */
  const executionsDuring = async (database: SqlDatabase, work: () => Promise<void>): Promise<number> => {
    const count = async (): Promise<number> => {
      const { rows } = await sql<{ Value: string }>`show session status like 'Com_stmt_execute'`.execute(database.db);
      return Number(rows[0]?.Value);
    };
    const before = await count();
    await work();
    return (await count()) - before;
  };

  const threeLookups = (database: SqlDatabase) => async () => {
    for (let i = 1; i <= 3; i++) {
      const { rows } = await sql<{ n: number }>`select ${i} + 1 as n`.execute(database.db);
      expect(Number(rows[0]?.n)).toBe(i + 1);
    }
  };

  it('runs parameterized statements as server-side prepared statements, and the others as text', async () => {
    const database = await openSqlDatabase({ connection: server.url, tablePrefix: 'pwtest_', poolSize: 1 });
    opened.push(database);
    expect(await executionsDuring(database, threeLookups(database))).toBe(3);
    // Transaction control and statements without values go as text.
    expect(await executionsDuring(database, async () => void (await sql`select 1`.execute(database.db)))).toBe(0);
  });

  it('sends every statement as text when prepared statements are turned off', async () => {
    const database = await openSqlDatabase({ connection: server.url, tablePrefix: 'pwtest_', poolSize: 1, preparedStatements: false });
    opened.push(database);
    expect(await executionsDuring(database, threeLookups(database))).toBe(0);
  });
});
