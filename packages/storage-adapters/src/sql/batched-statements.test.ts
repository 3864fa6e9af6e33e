import { asRunId, asTenantId, asWorkflowId, asWorkflowVersionId, newId, newTimeOrderedId, type RunEvent, type RunRecord, type TenantId } from '@pipewright/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServer, testServer } from '../test-support/test-servers';
import { migrateStore } from './migrate-store';
import { openSqlDatabase, type SqlDatabase } from './open-sql-database';
import { createSqlJobQueue } from './sql-job-queue';
import { createSqlRunStore } from './sql-run-store';

const server = await testServer('postgres');

const newTenant = (): TenantId => asTenantId(newId('tenant'));
const runOf = (tenantId: TenantId, idempotencyKey?: string): RunRecord => {
  const run: RunRecord = {
    tenantId,
    id: asRunId(newTimeOrderedId('run')),
    workflowId: asWorkflowId('wf'),
    versionId: asWorkflowVersionId('wfv_1'),
    status: 'queued',
    createdAt: 1_000,
    updatedAt: 1_000,
    lastSeq: 0,
  };
  if (idempotencyKey !== undefined) run.idempotencyKey = idempotencyKey;
  return run;
};
const step = (nodeId: string, output: unknown): RunEvent => ({ type: 'step.succeeded', nodeId, attempt: 1, output, durationMs: 0 });

/** 30 runs created at once, three pairs of them sharing an idempotency key: each answer is the one it would get alone. */
async function createsRunsTogether(database: SqlDatabase): Promise<void> {
  const store = createSqlRunStore(database);
  const tenantId = newTenant();
  const runs = Array.from({ length: 30 }, (_, index) => runOf(tenantId, index < 6 ? `key-${index % 3}` : undefined));
  const results = await Promise.all(runs.map((run, index) => store.createRun(run, [step('start', { index }), step('s1', `text "${index}" \\ ✓`)])));
  for (let key = 0; key < 3; key++) {
    const pair = [results[key], results[key + 3]];
    expect(pair.filter((result) => result?.created)).toHaveLength(1);
    const winner = pair.find((result) => result?.created)?.run.id;
    expect(pair.map((result) => result?.run.id)).toEqual([winner, winner]);
  }
  expect(results.slice(6).every((result) => result.created)).toBe(true);
  const created = results.filter((result) => result.created).map((result) => result.run);
  const logs = await Promise.all(created.map((run) => store.readEvents(tenantId, run.id)));
  logs.forEach((log, index) => {
    const runIndex = runs.findIndex((run) => run.id === created[index]?.id);
    expect(log.map((entry) => [entry.seq, entry.event])).toEqual([
      [1, step('start', { index: runIndex })],
      [2, step('s1', `text "${runIndex}" \\ ✓`)],
    ]);
  });
}

/**
 * The PostgreSQL store gathers concurrent calls into one statement each (`StatementCoalescer`):
 * these cases fire many calls at once, so that all but the first go in batches, and check
 * that every call gets the answer it would have got alone.
 */
describeWithServer(server, 'batched statements on PostgreSQL', () => {
  let database: SqlDatabase;
  beforeAll(async () => {
    database = await openSqlDatabase({ connection: server.url, tablePrefix: 'pwtest_' });
    await migrateStore(database);
  });
  afterAll(async () => {
    await database.close();
  });

  it('creates runs together; of two with one idempotency key exactly one is created and the other answers it', () => createsRunsTogether(database));

  it('appends to many runs together; of two appends after one sequence number exactly one wins and the other reads a conflict', async () => {
    const store = createSqlRunStore(database);
    const tenantId = newTenant();
    const runs = Array.from({ length: 20 }, () => runOf(tenantId));
    await Promise.all(runs.map((run) => store.createRun(run, [step('start', null)])));
    const appends = runs.flatMap((run, index) => {
      const first = store.appendEvents(tenantId, run.id, 1, [step('a', index), step('b', index)], { status: 'succeeded', finishedAt: 2_000 }, 2_000);
      return index < 5 ? [first, store.appendEvents(tenantId, run.id, 1, [step('x', index)], { status: 'running' }, 2_000)] : [first];
    });
    const missing = store.appendEvents(tenantId, asRunId('run_missing'), 0, [step('a', 0)], undefined, 2_000);
    const results = await Promise.all(appends);
    expect(await missing).toEqual({ ok: false, reason: 'not_found' });
    for (let index = 0; index < 5; index++) {
      const pair = [results[index * 2], results[index * 2 + 1]];
      expect(pair).toContainEqual({ ok: true, lastSeq: 2 + (pair[0]?.ok ? 1 : 0) } as never);
      expect(pair.filter((result) => result?.ok)).toHaveLength(1);
      expect(pair.find((result) => !result?.ok)).toMatchObject({ ok: false, reason: 'conflict' });
    }
    expect(results.slice(10)).toEqual(Array.from({ length: 15 }, () => ({ ok: true, lastSeq: 3 })));
    const [log, run] = await Promise.all([store.readEvents(tenantId, runs[10]?.id as never), store.getRun(tenantId, runs[10]?.id as never)]);
    expect(log.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(run).toMatchObject({ status: 'succeeded', finishedAt: 2_000, lastSeq: 3 });
    // A read after a sequence number gets only what follows it, batched beside reads of other runs.
    const tails = await Promise.all(runs.slice(10).map((each) => store.readEvents(tenantId, each.id, 2)));
    expect(tails.map((tail) => tail.map((entry) => entry.seq))).toEqual(Array.from({ length: 10 }, () => [3]));
  });

  it('looks up the latest versions of several workflows together', async () => {
    const store = createSqlRunStore(database);
    const tenantId = newTenant();
    const definition = { id: 'w', name: 'w', nodes: [], edges: [] } as never;
    const workflows = ['w1', 'w2', 'w3'].map((id) => asWorkflowId(id));
    for (const id of workflows) {
      await store.saveWorkflow({ tenantId, id, name: id, draft: definition, latestVersion: 0, createdAt: 1, updatedAt: 1 });
      for (let version = 1; version <= (id === 'w3' ? 0 : id === 'w1' ? 1 : 2); version++) await store.publishVersion(tenantId, id, asWorkflowVersionId(`${id}_v${version}`), definition, 2);
    }
    const lookups = Array.from({ length: 24 }, (_, index) => workflows[index % 3] as never);
    const found = await Promise.all([...lookups.map((id) => store.getLatestVersionId(tenantId, id)), store.getLatestVersionId(tenantId, asWorkflowId('nope'))]);
    expect(found).toEqual([...Array.from({ length: 8 }, () => ['w1_v1', 'w2_v2', undefined]).flat(), undefined]);
  });
});

const mariadb = await testServer('mysql');

// MySQL has no arrays to bind: runs started together go in one transaction of multi-row INSERTs.
describeWithServer(mariadb, 'batched run creation on MariaDB', () => {
  let database: SqlDatabase;
  beforeAll(async () => {
    database = await openSqlDatabase({ connection: mariadb.url, tablePrefix: 'pwtest_' });
    await migrateStore(database);
  });
  afterAll(async () => {
    await database.close();
  });

  it('creates runs together; of two with one idempotency key exactly one is created and the other answers it', () => createsRunsTogether(database));
});

for (const name of ['postgres', 'mysql'] as const) {
  const target = await testServer(name);
  describeWithServer(target, `batched job statements on ${name === 'mysql' ? 'MariaDB' : 'PostgreSQL'}`, () => {
    let database: SqlDatabase | undefined;
    const opened = async (): Promise<SqlDatabase> => {
      if (database === undefined) {
        database = await openSqlDatabase({ connection: target.url, tablePrefix: 'pwtest_' });
        await migrateStore(database);
      }
      return database;
    };
    afterAll(async () => {
      await database?.close();
    });
    const newTenant = (): TenantId => asTenantId(newId('tenant'));

  it('enqueues due jobs together across tenants, keeps a waiting dedupe key to one job, and completes them together', async () => {
    const queue = createSqlJobQueue(await opened(), { queueName: newId('q') });
    const tenants = [newTenant(), newTenant(), newTenant()];
    try {
      const enqueued = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          queue.enqueue({ tenantId: tenants[index % 3] as TenantId, name: 'work', payload: { index }, dedupeKey: index < 4 ? 'same' : `key-${index}` }),
        ),
      );
      const shared = enqueued.slice(0, 4);
      expect(new Set(shared.map((result) => result.id)).size).toBe(1);
      expect(shared.filter((result) => !result.deduplicated)).toHaveLength(1);
      expect(await queue.countPending()).toBe(27);
      // A burst without a taken key: the batch's own insert stores them all, in their tenants' order.
      const more = await Promise.all(
        Array.from({ length: 20 }, (_, index) => queue.enqueue({ tenantId: tenants[index % 3] as TenantId, name: 'work', payload: { index: 100 + index }, dedupeKey: `more-${index}` })),
      );
      expect(more.every((result) => !result.deduplicated)).toBe(true);
      expect(await queue.countPending()).toBe(47);
      const handled: number[] = [];
      const worker = queue.process(
        async (job) => {
          handled.push((job.payload as { index: number }).index);
        },
        { concurrency: 16 },
      );
      for (let i = 0; i < 500 && (await queue.countPending()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      await worker.stop({ graceful: true });
      expect(await queue.countPending()).toBe(0);
      expect(handled).toHaveLength(47);
      expect(new Set(handled).size).toBe(47);
    } finally {
      await queue.close();
    }
  });
  });
}
