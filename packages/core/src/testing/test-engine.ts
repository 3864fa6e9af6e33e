import type { WorkflowInput } from '../model/workflow-schema';
import { createMemoryJobQueue } from '../ports/memory-job-queue';
import { createMemoryRunStore } from '../ports/memory-run-store';
import type { WorkflowVersionRecord } from '../ports/run-store';
import { createEngine, replayEvents, type Engine, type EngineOptions } from '../runtime/engine';
import type { ReplayResult } from '../runtime/preview';
import type { RunEvent } from '../runtime/run-events';
import type { RunView } from '../runtime/run-view';
import type { Registry } from '../registry/create-registry';
import type { TenantContext } from '../runtime/workflows-api';
import { createFakeClock, type FakeClock } from './fake-clock';

export interface TestEngine extends Engine {
  readonly clock: FakeClock;
  /** The tenant the helpers use. */
  readonly ctx: TenantContext;
  /** Saves and publishes a workflow. */
  deploy(workflow: WorkflowInput): Promise<WorkflowVersionRecord>;
  /**
   * Lets the run advance, skipping time from timer to timer (delays, retry backoff,
   * timeouts) until it finishes or only waits for a signal. At most `maxMs` of
   * simulated time passes (default a day).
   */
  settle(runId: string, options?: { maxMs?: number }): Promise<RunView>;
  /** `deploy`, start a run with `input`, `settle` it. */
  run(workflow: WorkflowInput, input?: unknown): Promise<RunView>;
}

const finished = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * An engine for unit tests of workflows: in-memory store and queue, a fake clock that
 * skips time instead of waiting, and helpers to deploy and run to the end.
 *
 * @example
 * ```ts
 * const engine = createTestEngine({ registry });
 * const run = await engine.run(workflow, { amount: 120 });
 * expect(run.status).toBe('succeeded');
 * ```
 */
export function createTestEngine(options: Omit<EngineOptions, 'clock' | 'store' | 'queue'> & { startAt?: number; tenantId?: string }): TestEngine {
  const clock = createFakeClock(options.startAt);
  const queue = createMemoryJobQueue({ clock });
  const engine = createEngine({ ...options, clock, store: createMemoryRunStore(), queue });
  const ctx = { tenantId: options.tenantId ?? 'test-tenant' };
  engine.start();

  /**
   * Lets the engine finish what it is doing before time moves. A run being advanced
   * holds a leased job: work that completes off the event loop (Web Crypto computing a
   * resume token) gets a few more turns. A step that waits for the fake clock holds its
   * lease too, so the turns are bounded rather than waited out.
   */
  async function quiesce(): Promise<void> {
    await clock.flush();
    for (let turn = 0; turn < 20 && queue.leasedCount() > 0; turn++) await clock.flush();
  }

  async function settle(runId: string, settleOptions: { maxMs?: number } = {}): Promise<RunView> {
    const limit = clock.now() + (settleOptions.maxMs ?? 86_400_000);
    for (;;) {
      await quiesce();
      const view = await engine.runs.get(ctx, runId);
      if (finished.has(view.status)) return view;
      const next = clock.nextTimerAt();
      const waitingForSignal = view.steps.some((step) => step.status === 'waiting' && step.type === 'core.waitForEvent');
      if (next === undefined || next > limit) {
        if (waitingForSignal || next === undefined) return view;
        await clock.advance(limit - clock.now());
        return engine.runs.get(ctx, runId);
      }
      await clock.advance(Math.max(0, next - clock.now()));
    }
  }

  const testEngine: TestEngine = Object.assign(Object.create(engine) as Engine, engine, {
    clock,
    ctx,
    async deploy(workflow: WorkflowInput) {
      await engine.workflows.save(ctx, workflow);
      return engine.workflows.publish(ctx, workflow.id);
    },
    settle,
    async run(workflow: WorkflowInput, input: unknown = {}) {
      const version = await testEngine.deploy(workflow);
      const { runId } = await engine.runs.start(ctx, { versionId: version.id }, input);
      return settle(runId);
    },
  });
  return testEngine;
}

/**
 * Checks that `workflow` still leads to the history in `events`: replays the recorded
 * run (pure steps run again, recorded results stand in for the rest) and lists where
 * it diverges. Use it in CI to catch a workflow change that breaks recorded runs.
 */
export function replayRun(options: { registry: Registry; workflow: unknown; events: readonly RunEvent[] }): Promise<ReplayResult> {
  return replayEvents(options.registry, options.workflow, options.events);
}
