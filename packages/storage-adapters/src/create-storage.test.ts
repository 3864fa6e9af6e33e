import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { builtinConnectors } from '@pipewright/connectors';
import { asRunId, asTenantId, coreNodes, createEngine, createRegistry, newId, type Engine, type WorkflowInput } from '@pipewright/core';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { createPool as createMysqlPool } from 'mysql2';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import type { BullmqJobQueue } from './bullmq/bullmq-job-queue';
import { createStorage, type Storage } from './create-storage';
import { StorageConfigError } from './storage-config-error';
import { describeWithServer, embeddedDatabase, testServer, type TestServer } from './test-support/test-servers';

const directory = mkdtempSync(join(tmpdir(), 'pw-create-storage-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const registry = createRegistry([...coreNodes, ...builtinConnectors]);

/** A trigger, a branch on the input and a step on each side: enough to touch every table. */
const routing: WorkflowInput = {
  id: 'routing',
  name: 'Routing',
  nodes: [
    { id: 'start', type: 'core.manual', config: {} },
    { id: 'big', type: 'core.if', config: { condition: '{{ trigger.employees > `100` }}' } },
    { id: 'sales', type: 'data.set', config: { operations: [{ op: 'set', path: 'owner', value: 'sales' }] } },
    { id: 'marketing', type: 'data.set', config: { operations: [{ op: 'set', path: 'owner', value: 'marketing' }] } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'big' },
    { id: 'e2', source: 'big', sourceHandle: 'true', target: 'sales' },
    { id: 'e3', source: 'big', sourceHandle: 'false', target: 'marketing' },
  ],
};

async function runToEnd(engine: Engine, input: unknown): Promise<string> {
  const ctx = { tenantId: 'acme' };
  const finished = new Promise<string>((resolve) => {
    engine.on('run.succeeded', (event) => resolve(event.runId));
    engine.on('run.failed', (event) => resolve(event.runId));
    engine.on('run.cancelled', (event) => resolve(event.runId));
  });
  const { runId } = await engine.runs.start(ctx, { workflowId: routing.id }, input);
  expect(await finished).toBe(runId);
  return runId;
}

async function engineOn(storage: Storage): Promise<Engine> {
  const engine = createEngine({ registry, store: storage.store, queue: storage.queue });
  await engine.workflows.save({ tenantId: 'acme' }, routing);
  await engine.workflows.publish({ tenantId: 'acme' }, routing.id);
  engine.start();
  return engine;
}

const postgres = await testServer('postgres');
const mysql = await testServer('mysql');
const targets: Array<[string, () => string, Pick<TestServer, 'available' | 'skipReason'>]> = [
  ['sqlite file', () => `sqlite:${join(directory, `${newId('db')}.db`)}`, embeddedDatabase],
  ['postgres', () => postgres.url, postgres],
  ['mariadb', () => mysql.url, mysql],
];

for (const [name, url, server] of targets) {
  describeWithServer(server, `createStorage on ${name}`, () => {
    it('runs a workflow end to end through the engine and keeps its log', async () => {
      const storage = await createStorage({ connection: url(), tablePrefix: `pwe2e_${Date.now().toString(36)}_`, pollIntervalMs: 20 });
      const engine = await engineOn(storage);
      try {
        const runId = await runToEnd(engine, { employees: 250 });
        const run = await engine.runs.get({ tenantId: 'acme' }, runId);
        expect(run.status).toBe('succeeded');
        expect(run.steps.find((step) => step.nodeId === 'sales')?.output).toEqual({ employees: 250, owner: 'sales' });
        expect(run.steps.find((step) => step.nodeId === 'marketing')?.status).toBe('skipped');
        const events = await storage.store.readEvents(asTenantId('acme'), asRunId(runId));
        expect(events.map((entry) => entry.event.type)).toContain('run.succeeded');
        expect(events.map((entry) => entry.seq)).toEqual(events.map((_, index) => index + 1));
        // The advance job is deleted just after the run's last event is stored.
        await expect.poll(() => storage.queue.countPending()).toBe(0);
      } finally {
        await engine.stop();
        await dropTables(storage);
        await storage.close();
      }
    });

    it('migrates from several processes at once without error, once', async () => {
      const tablePrefix = `pwmig_${Date.now().toString(36)}_`;
      const target = url();
      // Processes, not connections of one process: SQLite's busy wait blocks the thread that would release the lock.
      await Promise.all(Array.from({ length: 3 }, () => migrateInChild(target, tablePrefix)));
      const storages = [await createStorage({ connection: target, tablePrefix })];
      try {
        const { rows } = await sql<{ name: string }>`select name from ${sql.table(`${tablePrefix}migrations`)}`.execute(storages[0]!.database.db);
        expect(rows.map((row) => row.name)).toEqual(['0001_runs_and_jobs', '0002_flow_control', '0003_connections', '0004_triggers']);
      } finally {
        await dropTables(storages[0]!);
        for (const storage of storages) await storage.close();
      }
      // Starting three processes under tsx takes seconds on a busy machine.
    }, 90_000);
  });
}

const execFileAsync = promisify(execFile);

async function migrateInChild(connection: string, tablePrefix: string): Promise<void> {
  const script = fileURLToPath(new URL('./test-support/migrate-in-child.ts', import.meta.url));
  await execFileAsync(process.execPath, ['--import', 'tsx', '--conditions=@pipewright/source', script, connection, tablePrefix], { timeout: 60_000 });
}

/** Drops the tables a test made, so the shared servers do not fill up. */
async function dropTables(storage: Storage): Promise<void> {
  const db = storage.database.db.withoutPlugins();
  for (const table of Object.values(storage.database.tables)) await sql`drop table if exists ${sql.table(table)}`.execute(db);
}

it('survives a reopen of a SQLite file: runs and their events are still there', async () => {
  const url = `sqlite:${join(directory, 'reopen.db')}`;
  let runId: string;
  {
    const storage = await createStorage({ connection: url });
    const engine = await engineOn(storage);
    runId = await runToEnd(engine, { employees: 5 });
    await engine.stop();
    await storage.close();
  }
  const storage = await createStorage({ connection: url });
  try {
    const engine = createEngine({ registry, store: storage.store, queue: storage.queue });
    const run = await engine.runs.get({ tenantId: 'acme' }, runId);
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ employees: 5, owner: 'marketing' });
  } finally {
    await storage.close();
  }
});

it('keeps SQLite sorts in memory, on a file it opens and on a connection of the host', async () => {
  // temp_store 2 is MEMORY: a lease's ordered pick then opens no temporary file.
  const opened = await createStorage({ connection: `sqlite:${join(directory, 'temp-store.db')}` });
  const host = new Database(':memory:');
  const onHost = await createStorage({ connection: { sqlite: host } });
  try {
    for (const storage of [opened, onHost]) {
      const { rows } = await sql<{ temp_store: number }>`pragma temp_store`.execute(storage.database.db);
      expect(rows[0]?.temp_store).toBe(2);
    }
  } finally {
    await opened.close();
    await onHost.close();
    host.close();
  }
});

it('names every table with the prefix, so the store can share a database', async () => {
  const database = new Database(':memory:');
  const storage = await createStorage({ connection: { sqlite: database }, tablePrefix: 'host_pw_' });
  const names = database.prepare("select name from sqlite_master where type = 'table' order by name").all() as Array<{ name: string }>;
  expect(names.map((row) => row.name)).toEqual([
    'host_pw_audit_entries',
    'host_pw_connections',
    'host_pw_dead_letters',
    'host_pw_flow_states',
    'host_pw_jobs',
    'host_pw_migration_lock',
    'host_pw_migrations',
    'host_pw_queue_tenants',
    'host_pw_run_events',
    'host_pw_runs',
    'host_pw_triggers',
    'host_pw_workflow_versions',
    'host_pw_workflows',
  ]);
  await storage.close();
  // The host's connection stays open: closing the store must not close what it did not open.
  expect(database.open).toBe(true);
  database.close();
});

it('works on a kysely instance the host already has, and leaves it open', async () => {
  const database = new Database(':memory:');
  const kysely = new Kysely<object>({ dialect: new SqliteDialect({ database }) });
  const storage = await createStorage({ connection: { kysely, engine: 'sqlite' } });
  const engine = await engineOn(storage);
  await runToEnd(engine, { employees: 500 });
  await engine.stop();
  await storage.close();
  const { rows } = await sql<{ count: number }>`select count(*) as count from pw_runs`.execute(kysely);
  expect(rows[0]?.count).toBe(1);
  await kysely.destroy();
});

describeWithServer(postgres, 'createStorage on a pg pool the host owns', () => {
  it('uses the pool and leaves it open on close', async () => {
    const pool = new pg.Pool({ connectionString: postgres.url, max: 3 });
    const tablePrefix = `pwpool_${Date.now().toString(36)}_`;
    const storage = await createStorage({ connection: { pgPool: pool }, tablePrefix });
    const engine = await engineOn(storage);
    await runToEnd(engine, { employees: 150 });
    await engine.stop();
    await dropTables(storage);
    await storage.close();
    const { rows } = await pool.query<{ one: number }>('select 1 as one');
    expect(rows[0]?.one).toBe(1);
    await pool.end();
  });
});

describeWithServer(mysql, 'createStorage on a mysql2 pool the host owns', () => {
  it('uses the pool and leaves it open on close', async () => {
    const pool = createMysqlPool({ uri: mysql.url, connectionLimit: 3 });
    const tablePrefix = `pwmypool_${Date.now().toString(36)}_`;
    const storage = await createStorage({ connection: { mysqlPool: pool }, tablePrefix });
    const engine = await engineOn(storage);
    await runToEnd(engine, { employees: 150 });
    await engine.stop();
    await dropTables(storage);
    await storage.close();
    const [rows] = await pool.promise().query('select 1 as one');
    expect(rows).toEqual([{ one: 1 }]);
    await pool.promise().end();
  });
});

const redis = await testServer('redis');
describeWithServer(redis, 'createStorage with the queue on Redis', () => {
  it('runs a workflow with the store on SQLite and the jobs on BullMQ', async () => {
    const queueName = newId('q').replace(/-/g, '');
    const storage = await createStorage({ connection: 'sqlite::memory:', redis: redis.url, queueName });
    const engine = await engineOn(storage);
    try {
      const runId = await runToEnd(engine, { employees: 300 });
      expect((await engine.runs.get({ tenantId: 'acme' }, runId)).status).toBe('succeeded');
      await expect.poll(() => storage.queue.countPending()).toBe(0);
    } finally {
      await engine.stop();
      await (storage.queue as BullmqJobQueue).obliterate();
      await storage.close();
    }
  });
});

it.each([
  ['an unknown scheme', 'oracle://db/x', 'invalid_connection'],
  ['an empty URL', '', 'invalid_connection'],
  ['a sqlite URL without a file', 'sqlite:', 'invalid_connection'],
])('rejects %s with a typed error before opening anything', async (_, connection, code) => {
  const error = await createStorage({ connection }).catch((caught: unknown) => caught);
  expect(StorageConfigError.is(error)).toBe(true);
  expect((error as StorageConfigError).code).toBe(code);
  expect((error as StorageConfigError).issues.length).toBeGreaterThan(0);
});

it('rejects a table prefix that is not a safe identifier', async () => {
  const error = await createStorage({ connection: 'sqlite::memory:', tablePrefix: 'pw; drop table x;' }).catch((caught: unknown) => caught);
  expect(StorageConfigError.is(error)).toBe(true);
  expect((error as StorageConfigError).code).toBe('invalid_table_prefix');
});

it('rejects options of the wrong shape with every issue', async () => {
  const error = await createStorage({ connection: 'sqlite::memory:', poolSize: 0 }).catch((caught: unknown) => caught);
  expect(StorageConfigError.is(error)).toBe(true);
  expect((error as StorageConfigError).issues).toEqual([expect.objectContaining({ path: ['poolSize'] })]);
});
