import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStorage, type Storage } from '@pipewright/storage-adapters';
import { engineOn } from './bench-engine';
import { describeError, guarded, median, percentile, reportSkipped } from './bench-stats';
import type { EngineBench } from './engine.bench';
import { benchInput, linear10 } from './engine-workloads';
import { inProcessRunsPerSecond } from './in-process-throughput';
import { listRunsSeed, listRunsTarget, seedRunsOnce } from './list-runs-seed';
import { benchServer, dropStoreTables, uniqueTablePrefix, type BenchServerName } from './storage-servers';
import { workerPoolRunsPerSecond } from './worker-pool-throughput';

/** Runs in flight per engine process, as BENCHMARKS.md fixes them. */
const inFlight = 16;

/** Lines that explain a figure (errors the engine retried past) without being one. */
function note(text: string | undefined): void {
  if (text !== undefined) console.log(`  note: ${text}`);
}

/** A SQLite file in a directory of its own, removed with its WAL afterwards. */
export async function withTempSqlite<T>(use: (storage: Storage) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pipewright-bench-'));
  try {
    const storage = await createStorage({ connection: `sqlite:${join(dir, 'bench.db')}` });
    try {
      return await use(storage);
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Tables of a fresh prefix on a server, dropped afterwards whatever happened. */
async function withServerTables<T>(connection: string, use: (storage: Storage, tablePrefix: string) => Promise<T>): Promise<T> {
  const tablePrefix = uniqueTablePrefix();
  const storage = await createStorage({ connection, tablePrefix });
  try {
    return await use(storage, tablePrefix);
  } finally {
    await dropStoreTables(storage.database).catch((error: unknown) => note(`could not drop the ${tablePrefix}* tables: ${describeError(error)}`));
    await storage.close();
  }
}

/** Runs `measure` when the server answers; otherwise prints the skipped lines. */
async function onServer(server: BenchServerName, names: readonly string[], measure: (url: string) => Promise<ReadonlyArray<{ value: number; unit: string }>>): Promise<void> {
  const { url, skipReason } = await benchServer(server);
  if (skipReason !== undefined) reportSkipped(names, skipReason);
  else await guarded(names, () => measure(url));
}

/**
 * `engine.runs.start` latency, one start after another on an engine whose worker is not
 * running: the figure is the cost of the start path alone (latest version, run row and
 * first events in one transaction, the job, the wake-up), not of queueing behind runs.
 */
async function startRunP99(storage: Storage): Promise<number> {
  const engine = engineOn(storage);
  const ctx = { tenantId: 'bench' };
  const workflow = linear10();
  await engine.workflows.save(ctx, workflow);
  await engine.workflows.publish(ctx, workflow.id);
  let n = 0;
  const sample = async (): Promise<number> => {
    const began = performance.now();
    await engine.runs.start(ctx, { workflowId: workflow.id }, benchInput(n++));
    return performance.now() - began;
  };
  for (let i = 0; i < 500; i++) await sample();
  const rounds: Array<{ p50: number; p99: number }> = [];
  for (let round = 0; round < 5; round++) {
    const samples: number[] = [];
    for (let i = 0; i < 1_000; i++) samples.push(await sample());
    rounds.push({ p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) });
  }
  note(`p50 ${median(rounds.map((r) => r.p50)).toFixed(2)} ms; p99 by round ${rounds.map((r) => r.p99.toFixed(1)).join(', ')} ms`);
  return median(rounds.map((r) => r.p99));
}

/** p95 of `listRuns(tenant, { workflowId }, { limit: 50 })` over the seeded million runs, every (tenant, workflow) pair in turn. */
async function listRunsP95(storage: Storage, label: string): Promise<number> {
  await seedRunsOnce(storage.database, label);
  const query = async (k: number): Promise<number> => {
    const { tenantId, workflowId } = listRunsTarget(k);
    const began = performance.now();
    const page = await storage.store.listRuns(tenantId, { workflowId }, { limit: 50 });
    const elapsed = performance.now() - began;
    if (page.items.length !== 50) throw new Error(`listRuns returned ${page.items.length} runs of ${tenantId}/${workflowId}, expected 50`);
    return elapsed;
  };
  let k = 0;
  for (let i = 0; i < 100; i++) await query(k++);
  const perRound: number[] = [];
  for (let round = 0; round < 5; round++) {
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) samples.push(await query(k++));
    perRound.push(percentile(samples, 0.95));
  }
  note(`p95 by round ${perRound.map((value) => value.toFixed(2)).join(', ')} ms`);
  return median(perRound);
}

/** The seeded database outlives the run, so that reruns skip the seeding. */
export const listRunsSqliteFile = join(tmpdir(), 'pipewright-bench', `list-runs-1m-v${listRunsSeed.version}.db`);
const listRunsPgPrefix = `pwbench_l1m_v${listRunsSeed.version}_`;

/** A linear10 figure and what it is per step: runs/s, then µs per step (ten steps a run). */
function linear10Figures(perSecond: number): Array<{ value: number; unit: string }> {
  return [
    { value: perSecond, unit: 'runs/s' },
    { value: 1e6 / (perSecond * 10), unit: 'µs' },
  ];
}

export const storageBenchmarks: EngineBench[] = [
  {
    name: 'engine.sqlite.linear10',
    run: () =>
      guarded(['engine.sqlite.linear10.runs_per_s', 'engine.sqlite.linear10.us_per_step'], async () => {
        const { perSecond, note: logged } = await withTempSqlite((storage) => inProcessRunsPerSecond(storage, inFlight));
        note(logged);
        return linear10Figures(perSecond);
      }),
  },
  {
    name: 'engine.postgres.linear10.w1',
    run: () =>
      onServer('postgres', ['engine.postgres.linear10.w1.runs_per_s', 'engine.postgres.linear10.w1.us_per_step'], async (connection) => {
        const { perSecond, note: logged } = await withServerTables(connection, (storage, tablePrefix) =>
          workerPoolRunsPerSecond(storage, { connection, tablePrefix, workerCount: 1, inFlightPerWorker: inFlight }),
        );
        note(logged);
        return linear10Figures(perSecond);
      }),
  },
  {
    name: 'engine.postgres.linear10.w4',
    run: () =>
      onServer('postgres', ['engine.postgres.linear10.w4.runs_per_s', 'engine.postgres.linear10.w4.us_per_step'], async (connection) => {
        const { perSecond, note: logged } = await withServerTables(connection, (storage, tablePrefix) =>
          workerPoolRunsPerSecond(storage, { connection, tablePrefix, workerCount: 4, inFlightPerWorker: inFlight }),
        );
        note(logged);
        return linear10Figures(perSecond);
      }),
  },
  {
    name: 'engine.mysql.linear10',
    run: () =>
      onServer('mysql', ['engine.mysql.linear10.runs_per_s', 'engine.mysql.linear10.us_per_step'], async (connection) => {
        const { perSecond, note: logged } = await withServerTables(connection, (storage) => inProcessRunsPerSecond(storage, inFlight));
        note(logged);
        return linear10Figures(perSecond);
      }),
  },
  {
    name: 'engine.start_run',
    run: () => guarded(['engine.start_run.p99_ms'], async () => [{ value: await withTempSqlite(startRunP99), unit: 'ms' }]),
  },
  {
    name: 'store.list_runs_1m.p95_ms',
    run: () =>
      guarded(['store.list_runs_1m.p95_ms'], async () => {
        const storage = await createStorage({ connection: `sqlite:${listRunsSqliteFile}` });
        try {
          return [{ value: await listRunsP95(storage, 'SQLite'), unit: 'ms' }];
        } finally {
          await storage.close();
        }
      }),
  },
  {
    name: 'store.list_runs_1m.postgres.p95_ms',
    run: () =>
      onServer('postgres', ['store.list_runs_1m.postgres.p95_ms'], async (connection) => {
        const storage = await createStorage({ connection, tablePrefix: listRunsPgPrefix });
        try {
          return [{ value: await listRunsP95(storage, 'PostgreSQL'), unit: 'ms' }];
        } finally {
          await storage.close();
        }
      }),
  },
];
