import { newId } from '@pipewright/core';
import { sql, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServer, testServer } from '../test-support/test-servers';
import { openSqlDatabase } from './open-sql-database';
import { withNamedStatements } from './pg-named-statements';
import { jobQueueQueries } from './job-queue-queries';
import { migrateStore } from './migrate-store';

const server = await testServer('postgres');

describeWithServer(server, 'named prepared statements on PostgreSQL', () => {
  let pool: pg.Pool;
  const table = `pw_named_${newId('t').slice(2, 10).replace(/-/g, '')}`;

  beforeAll(async () => {
    // One connection, so that every query below sees the statements the earlier ones prepared.
    pool = new pg.Pool({ connectionString: server.url, max: 1 });
    await pool.query(`create table ${table} (id int primary key, a text)`);
    await pool.query(`insert into ${table} values (1, 'one')`);
  });

  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  const run = async (text: string, values: unknown[]) => {
    const client = await withNamedStatements(pool).connect();
    try {
      return await client.query<Record<string, unknown>>(text, values);
    } finally {
      client.release();
    }
  };

  /** The statements the connection holds; asked on that connection (the pool has only the one). */
  const prepared = async (client: { query: PostgresPoolClient['query'] }): Promise<string[]> =>
    (await client.query<{ statement: string }>('select statement from pg_prepared_statements', [])).rows.map((row) => row.statement);

  it('prepares a parameterized text once per connection and binds it after that', async () => {
    const named = withNamedStatements(pool);
    const client = await named.connect();
    try {
      const text = `select a from ${table} where id = $1`;
      expect((await client.query<{ a: string }>(text, [1])).rows).toEqual([{ a: 'one' }]);
      expect((await client.query<{ a: string }>(text, [2])).rows).toEqual([]);
      expect((await prepared(client)).filter((statement) => statement === text)).toHaveLength(1);
      // Text without parameters runs unnamed.
      await client.query(`select count(*) from ${table}`, []);
      expect(await prepared(client)).not.toContain(`select count(*) from ${table}`);
    } finally {
      client.release();
    }
  });

  it('prepares a text again as its executions double, so that its plan sees the tables grown, and frees the old name', async () => {
    const named = withNamedStatements(pool);
    const text = `select a from ${table} where id = $1 and a is not null`;
    const names = async (): Promise<string[]> => {
      const client = await named.connect();
      try {
        return (await client.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements', [])).rows
          .filter((row) => row.statement === text)
          .map((row) => row.name);
      } finally {
        client.release();
      }
    };
    const execute = async () => {
      const client = await named.connect();
      try {
        return (await client.query<{ a: string }>(text, [1])).rows;
      } finally {
        client.release();
      }
    };
    for (let i = 0; i < 63; i++) expect(await execute()).toEqual([{ a: 'one' }]);
    const [first, ...others] = await names();
    expect(others).toEqual([]);
    // The 64th execution prepares it under the next name; the next checkout of the connection frees the first.
    expect(await execute()).toEqual([{ a: 'one' }]);
    const [second, ...rest] = await names();
    expect(rest).toEqual([]);
    expect(second).toBe(`${first as string}_1`);
  });

  it('runs a SELECT * unnamed once a migration changed its columns, instead of failing', async () => {
    const text = `select * from ${table} where id = $1`;
    expect((await run(text, [1])).rows).toEqual([{ id: 1, a: 'one' }]);
    await pool.query(`alter table ${table} add column b text default 'bee'`);
    expect((await run(text, [1])).rows).toEqual([{ id: 1, a: 'one', b: 'bee' }]);
  });
});

describeWithServer(server, 'asynchronous commits of the SQL job queue on PostgreSQL', () => {
  it('turns synchronous_commit off for the lease and the completion only: the transaction after them commits synchronously again', async () => {
    const database = await openSqlDatabase({ connection: server.url, tablePrefix: 'pwtest_' });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await migrateStore(database);
      const q = jobQueueQueries(database.db, database.features);
      const setting = async (): Promise<string | undefined> => (await client.query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0]?.synchronous_commit;
      const statements = [
        q.complete({ id: newId('job'), token: newId('lease') }),
        q.leaseReturning({ queue: newId('q'), token: newId('lease'), until: 1, now: 0, limit: 1 }),
      ];
      for (const statement of statements) {
        await client.query('begin');
        await client.query(statement.sql, [...statement.parameters]);
        expect(await setting()).toBe('off');
        await client.query('commit');
        expect(await setting()).toBe('on');
      }
      // The enqueue is what a run depends on: it commits synchronously.
      const insert = q.insert({ queue: newId('q'), id: newId('job'), tenantId: 't', name: 'advance', payload: '{}', dueAt: 0, dedupeKey: null, maxAttempts: 1, state: 'delayed', fairKey: null });
      await client.query('begin');
      await client.query(insert.sql, [...insert.parameters]);
      expect(await setting()).toBe('on');
      await client.query('rollback');
    } finally {
      await client.end();
      await database.close();
    }
  });
});

describeWithServer(server, 'preparedStatements option on PostgreSQL', () => {
  it('prepares the store’s statements by default, and none with preparedStatements: false', async () => {
    const countPrepared = async (preparedStatements: boolean | undefined): Promise<number> => {
      // One connection: the statements it prepared are the ones pg_prepared_statements lists.
      const database = await openSqlDatabase({ connection: server.url, tablePrefix: 'pwtest_', poolSize: 1, preparedStatements });
      try {
        await migrateStore(database);
        await database.db.selectFrom('runs').select('id').where('tenant_id', '=', newId('tenant')).execute();
        const { rows } = await sql<{ count: string }>`select count(*) as count from pg_prepared_statements where statement like '%pwtest_runs%'`.execute(database.db);
        return Number(rows[0]?.count);
      } finally {
        await database.close();
      }
    };
    expect(await countPrepared(undefined)).toBeGreaterThan(0);
    expect(await countPrepared(false)).toBe(0);
  });
});
