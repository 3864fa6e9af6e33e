import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createEngine, type Engine } from '@pipewright/core';
import type { Storage } from '@pipewright/storage-adapters';
import { benchRegistry } from './bench-engine';
import { BenchFailure, describeError, sleep, within } from './bench-stats';
import { medianOfRounds, stallMs } from './durable-rounds';
import { benchInput, linear10 } from './engine-workloads';
import type { ParentMessage, WorkerMessage } from './storage-worker';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const workerScript = fileURLToPath(new URL('./storage-worker.ts', import.meta.url));
/** How often the starter counts unfinished runs in the database. Near 1,000 runs/s this lag leaves a few in-flight slots empty between counts. */
const pollMs = 5;
const readyTimeoutMs = 60_000;

interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  /** Set when the worker died or reported an error; the round under way fails with it. */
  failure: string | undefined;
  note: string | undefined;
}

function startWorker(connection: string, tablePrefix: string, concurrency: number, index: number): WorkerProcess {
  // The worker runs on the built packages, as the starter does: tsx resolves them through their exports.
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, connection, tablePrefix, String(concurrency)], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let markReady: () => void = () => undefined;
  let markFailed: (error: Error) => void = () => undefined;
  const worker: WorkerProcess = {
    child,
    ready: new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    }),
    exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
    failure: undefined,
    note: undefined,
  };
  // Whoever waits for readiness sees the failure; nobody else has to.
  worker.ready.catch(() => undefined);
  let stopped = false;
  child.on('message', (message: WorkerMessage) => {
    if (message.type === 'ready') markReady();
    else if (message.type === 'stopped') {
      stopped = true;
      worker.note = message.note;
    } else {
      worker.failure = `worker ${index}: ${message.message}`;
      markFailed(new BenchFailure(worker.failure));
    }
  });
  child.once('exit', (code, signal) => {
    if (stopped) return;
    worker.failure ??= `worker ${index} exited (${signal ?? `code ${String(code)}`})`;
    markFailed(new BenchFailure(worker.failure));
  });
  return worker;
}

async function stopWorker(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  if (worker.child.connected) worker.child.send({ type: 'stop' } satisfies ParentMessage);
  if ((await within(worker.exited.then(() => 'exited' as const), 10_000)) === undefined) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
}

const unfinished = ['queued', 'running', 'waiting'] as const;
const unsuccessful = ['failed', 'cancelled'] as const;

/**
 * Runs of one tenant in some statuses, counted in the database the workers write to.
 * The poll counts the unfinished ones: never more than are in flight, where counting the
 * finished ones would read every run of the round, 200 times a second.
 */
async function countRuns(storage: Storage, tenantId: string, statuses: readonly string[]): Promise<number> {
  const row = await storage.database.db
    .selectFrom('runs')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('tenant_id', '=', tenantId)
    .where('status', 'in', statuses)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * One round: this process starts runs and keeps `inFlight` of them unfinished, while the
 * worker processes advance them. A run is finished when its start returned and the
 * database no longer shows it unfinished. Each round has a tenant of its own, so that
 * its counts start at zero.
 */
async function round(storage: Storage, starter: Engine, workers: readonly WorkerProcess[], inFlight: number, durationMs: number, index: number): Promise<number> {
  const ctx = { tenantId: `bench_r${index < 0 ? 'warmup' : index}` };
  const workflow = linear10();
  await starter.workflows.save(ctx, workflow);
  await starter.workflows.publish(ctx, workflow.id);

  let issued = 0;
  /** Starts that returned: their runs are stored and queued. */
  let started = 0;
  const startFailures: string[] = [];
  const pending = new Set<Promise<unknown>>();
  const issue = (): void => {
    const starting = starter.runs.start(ctx, { workflowId: workflow.id }, benchInput(issued++)).then(
      () => void started++,
      (error: unknown) => void startFailures.push(describeError(error)),
    );
    pending.add(starting);
    void starting.finally(() => pending.delete(starting));
  };
  const failedRound = (perSecond: number, failed: number, first: string): BenchFailure =>
    new BenchFailure(`${startFailures.length + failed} of ${issued} runs failed (${perSecond.toFixed(0)} runs/s meanwhile); first: ${first}`);

  /** Unfinished runs at the last count, and how many starts had returned when it began. */
  let active = 0;
  let countedStarts = 0;
  let finished = 0;
  let lastProgress = performance.now();
  // Starts that returned after the count began may or may not be in it: they count as in
  // flight anyway, so the estimate errs towards fewer runs in flight, never more.
  const inFlightNow = (): number => pending.size + active + (started - countedStarts);
  const poll = async (): Promise<void> => {
    const failure = workers.find((worker) => worker.failure !== undefined)?.failure;
    if (failure !== undefined) throw new BenchFailure(failure);
    await sleep(pollMs);
    const returned = started;
    active = await countRuns(storage, ctx.tenantId, unfinished);
    countedStarts = returned;
    // The count may include runs whose start has not returned yet: finished is never overstated.
    if (returned - active > finished) {
      finished = returned - active;
      lastProgress = performance.now();
    }
    if (performance.now() - lastProgress > stallMs) throw new BenchFailure(`no run finished for ${stallMs / 1000} s with ${inFlightNow()} in flight`);
  };

  const start = performance.now();
  while (performance.now() - start < durationMs) {
    while (inFlightNow() < inFlight) issue();
    await poll();
  }
  while (pending.size > 0) await poll();
  // A failed start may leave its run queued with no job to advance it: waiting for it would only stall.
  if (startFailures.length > 0) throw failedRound((finished / (performance.now() - start)) * 1000, 0, `start: ${startFailures[0] ?? ''}`);
  while (finished < started) await poll();
  const perSecond = (finished / (performance.now() - start)) * 1000;

  const failed = await countRuns(storage, ctx.tenantId, unsuccessful);
  if (failed > 0) throw failedRound(perSecond, failed, 'a run ended failed or cancelled');
  return perSecond;
}

/**
 * linear10 runs per second advanced by `workerCount` worker processes (each an engine of
 * concurrency `inFlightPerWorker`), with this process starting runs and keeping
 * `inFlightPerWorker × workerCount` unfinished. The tables must be migrated already.
 */
export async function workerPoolRunsPerSecond(
  storage: Storage,
  options: { connection: string; tablePrefix: string; workerCount: number; inFlightPerWorker: number },
): Promise<{ perSecond: number; note: string | undefined }> {
  // The starter's engine is never started: it writes runs and jobs, the workers take them.
  const starter = createEngine({ registry: benchRegistry, store: storage.store, queue: storage.queue });
  const workers = Array.from({ length: options.workerCount }, (_, index) => startWorker(options.connection, options.tablePrefix, options.inFlightPerWorker, index));
  try {
    const ready = await within(Promise.all(workers.map((worker) => worker.ready)).then(() => true), readyTimeoutMs);
    if (ready === undefined) throw new BenchFailure(`the workers were not ready within ${readyTimeoutMs / 1000} s`);
    const inFlight = options.inFlightPerWorker * options.workerCount;
    const perSecond = await medianOfRounds((durationMs, index) => round(storage, starter, workers, inFlight, durationMs, index));
    await Promise.all(workers.map(stopWorker));
    const notes = workers.flatMap((worker, index) => (worker.note === undefined ? [] : [`worker ${index}: ${worker.note}`]));
    return { perSecond, note: notes.length === 0 ? undefined : notes.join('; ') };
  } finally {
    await Promise.all(workers.map(stopWorker));
  }
}
