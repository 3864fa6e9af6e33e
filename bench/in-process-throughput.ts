import { performance } from 'node:perf_hooks';
import type { Engine } from '@pipewright/core';
import type { Storage } from '@pipewright/storage-adapters';
import { engineOn, LoggedErrors } from './bench-engine';
import { BenchFailure, describeError } from './bench-stats';
import { medianOfRounds, stallMs } from './durable-rounds';
import { benchInput, linear10 } from './engine-workloads';

/** Completions as the engine announces them, and the first failures, for the round under way. */
class Completions {
  finished = 0;
  failures: string[] = [];
  private wake: (() => void) | undefined;

  done(): void {
    this.finished++;
    this.wake?.();
  }

  fail(why: string): void {
    if (this.failures.length < 3) this.failures.push(why);
    else this.failures.length++;
    this.done();
  }

  /** Resolves true at the next completion, false when none comes within `stallMs`. */
  next(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), stallMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }
}

async function round(engine: Engine, completions: Completions, workflowId: string, inFlight: number, durationMs: number): Promise<number> {
  const ctx = { tenantId: 'bench' };
  completions.finished = 0;
  completions.failures = [];
  let started = 0;
  const stalled = (): BenchFailure => new BenchFailure(`no run finished for ${stallMs / 1000} s with ${started - completions.finished} in flight`);
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    while (started - completions.finished < inFlight) {
      // A start that fails (a deadlock on insert, say) ends that run here: it never reaches the worker.
      engine.runs.start(ctx, { workflowId }, benchInput(started++)).catch((error: unknown) => completions.fail(`start: ${describeError(error)}`));
    }
    if (!(await completions.next())) throw stalled();
  }
  while (completions.finished < started) if (!(await completions.next())) throw stalled();
  const perSecond = (completions.finished / (performance.now() - start)) * 1000;
  if (completions.failures.length > 0) {
    throw new BenchFailure(`${completions.failures.length} of ${started} runs failed (${perSecond.toFixed(0)} runs/s meanwhile); first: ${completions.failures[0] ?? ''}`);
  }
  return perSecond;
}

/**
 * linear10 runs per second of one engine advancing its own runs on `storage`, with
 * `inFlight` runs started and not yet finished at any time (the engine's concurrency
 * too). One engine and one set of tables serve every round: durable tables grow a few
 * thousand runs a round, which is what a real store does.
 */
export async function inProcessRunsPerSecond(storage: Storage, inFlight: number): Promise<{ perSecond: number; note: string | undefined }> {
  const logged = new LoggedErrors();
  const engine = engineOn(storage, { concurrency: inFlight, logger: logged });
  const completions = new Completions();
  engine.on('run.succeeded', () => completions.done());
  engine.on('run.failed', (e) => completions.fail(`run failed: ${e.event.error.code}: ${describeError(e.event.error.message)}`));
  engine.on('run.cancelled', () => completions.fail('run cancelled'));
  const ctx = { tenantId: 'bench' };
  const workflow = linear10();
  await engine.workflows.save(ctx, workflow);
  await engine.workflows.publish(ctx, workflow.id);
  engine.start();
  try {
    const perSecond = await medianOfRounds((durationMs) => round(engine, completions, workflow.id, inFlight, durationMs));
    return { perSecond, note: logged.summary() };
  } finally {
    // Not graceful: after a failure, runs may be stuck, and a graceful stop would wait for them.
    await engine.stop({ graceful: false });
  }
}
