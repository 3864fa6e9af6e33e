import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createEngine, type Engine } from '@pipewright/core';
import type { Storage } from '@pipewright/storage-adapters';
import { benchRegistry } from './bench-engine';
import { BenchFailure, describeError, within } from './bench-stats';
import { medianOfRounds, stallMs } from './durable-rounds';
import { benchInput, linear10 } from './engine-workloads';
import type { FinishedRuns, ParentMessage, WorkerMessage } from './storage-worker';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const workerScript = fileURLToPath(new URL('./storage-worker.ts', import.meta.url));
const readyTimeoutMs = 60_000;

interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  /** Set when the worker died or reported an error; the round under way fails with it. */
  failure: string | undefined;
  note: string | undefined;
}

function startWorker(connection: string, tablePrefix: string, concurrency: number, index: number, ended: EndedRuns): WorkerProcess {
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
    else if (message.type === 'finished') ended.add(message.runs);
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

/** Runs of one tenant in some statuses, counted in the database the workers write to. */
async function countRuns(storage: Storage, tenantId: string, statuses: readonly string[]): Promise<number> {
  const row = await storage.database.db
    .selectFrom('runs')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('tenant_id', '=', tenantId)
    .where('status', 'in', statuses)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Runs that ended, by tenant, as the workers report them, and a wake-up for whoever waits. */
class EndedRuns {
  private readonly byTenant = new Map<string, { succeeded: number; unsuccessful: number }>();
  private wake: (() => void) | undefined;

  add(runs: FinishedRuns): void {
    for (const [tenantId, counts] of Object.entries(runs)) {
      const total = this.of(tenantId);
      total.succeeded += counts.succeeded;
      total.unsuccessful += counts.unsuccessful;
    }
    this.wake?.();
  }

  of(tenantId: string): { succeeded: number; unsuccessful: number } {
    let counts = this.byTenant.get(tenantId);
    if (counts === undefined) this.byTenant.set(tenantId, (counts = { succeeded: 0, unsuccessful: 0 }));
    return counts;
  }

  /** Resolves at the next report, or after `ms` (so that worker failures are seen). */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/**
 * One round: this process starts runs and keeps `inFlight` of them unfinished, while the
 * worker processes advance them. A run is in flight from the call that starts it until a
 * worker reports its end, which the engine announces once the run's last events are
 * stored. Each round has a tenant of its own, so that its counts start at zero.
 */
async function round(storage: Storage, starter: Engine, workers: readonly WorkerProcess[], ended: EndedRuns, inFlight: number, durationMs: number, index: number): Promise<number> {
  const ctx = { tenantId: `bench_r${index < 0 ? 'warmup' : index}` };
  const workflow = linear10();
  await starter.workflows.save(ctx, workflow);
  await starter.workflows.publish(ctx, workflow.id);
  const counts = ended.of(ctx.tenantId);
  const finished = (): number => counts.succeeded + counts.unsuccessful;

  let issued = 0;
  let startsReturned = 0;
  const startFailures: string[] = [];
  const issue = (): void => {
    starter.runs.start(ctx, { workflowId: workflow.id }, benchInput(issued++)).then(
      () => void startsReturned++,
      (error: unknown) => {
        startsReturned++;
        startFailures.push(describeError(error));
      },
    );
  };
  const failedRound = (perSecond: number, failed: number, first: string): BenchFailure =>
    new BenchFailure(`${startFailures.length + failed} of ${issued} runs failed (${perSecond.toFixed(0)} runs/s meanwhile); first: ${first}`);

  let lastProgress = performance.now();
  let lastFinished = 0;
  const waitForEnds = async (): Promise<void> => {
    const failure = workers.find((worker) => worker.failure !== undefined)?.failure;
    if (failure !== undefined) throw new BenchFailure(failure);
    await ended.next(100);
    if (finished() > lastFinished) {
      lastFinished = finished();
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > stallMs) {
      throw new BenchFailure(`no run finished for ${stallMs / 1000} s with ${issued - finished()} in flight`);
    }
  };

  const start = performance.now();
  // A failed start never reaches a worker: it leaves the window, and fails the round below.
  while (performance.now() - start < durationMs) {
    while (issued - finished() - startFailures.length < inFlight) issue();
    await waitForEnds();
  }
  while (startsReturned < issued) await waitForEnds();
  if (startFailures.length > 0) throw failedRound((finished() / (performance.now() - start)) * 1000, 0, `start: ${startFailures[0] ?? ''}`);
  while (finished() < issued) await waitForEnds();
  const perSecond = (finished() / (performance.now() - start)) * 1000;

  if (counts.unsuccessful > 0) throw failedRound(perSecond, counts.unsuccessful, 'a run ended failed or cancelled');
  // What the workers reported must be what they stored.
  const [stillUnfinished, failed] = await Promise.all([countRuns(storage, ctx.tenantId, unfinished), countRuns(storage, ctx.tenantId, unsuccessful)]);
  if (stillUnfinished > 0 || failed > 0) {
    throw new BenchFailure(`the workers reported ${issued} runs ended, but the database holds ${stillUnfinished} unfinished and ${failed} failed`);
  }
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
  const ended = new EndedRuns();
  const workers = Array.from({ length: options.workerCount }, (_, index) => startWorker(options.connection, options.tablePrefix, options.inFlightPerWorker, index, ended));
  try {
    const ready = await within(Promise.all(workers.map((worker) => worker.ready)).then(() => true), readyTimeoutMs);
    if (ready === undefined) throw new BenchFailure(`the workers were not ready within ${readyTimeoutMs / 1000} s`);
    const inFlight = options.inFlightPerWorker * options.workerCount;
    const perSecond = await medianOfRounds((durationMs, index) => round(storage, starter, workers, ended, inFlight, durationMs, index));
    await Promise.all(workers.map(stopWorker));
    const notes = workers.flatMap((worker, index) => (worker.note === undefined ? [] : [`worker ${index}: ${worker.note}`]));
    return { perSecond, note: notes.length === 0 ? undefined : notes.join('; ') };
  } finally {
    await Promise.all(workers.map(stopWorker));
  }
}
