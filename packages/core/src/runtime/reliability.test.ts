import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CancelledError, FatalError, RetryAfterError, RetryableError, TimeoutError } from '../errors/step-errors';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import type { NodeContext } from '../registry/node-context';
import { defineNode } from '../registry/node-definition';
import { createTestEngine, type TestEngine } from '../testing/test-engine';
import { createEngine } from './engine';
import type { RunEventType } from './run-events';

/** One execution of a test node, as the node saw it. */
interface Call {
  at: number;
  attempt: number;
  idempotencyKey: string;
  signal: AbortSignal;
}

type Behaviour = (ctx: NodeContext<unknown>, call: number) => unknown;
type NodeInput = WorkflowInput['nodes'][number];

let engine: TestEngine;
/** What each node id does, per test; a node without one returns `{ from: id }`. */
let behaviours: Record<string, Behaviour>;
let calls: Record<string, Call[]>;

const callsOf = (nodeId: string): Call[] => calls[nodeId] ?? [];

function recordingNode(type: string, sideEffects: boolean) {
  return defineNode({
    type,
    version: 1,
    title: type,
    description: 'Records each execution, then does what the test says',
    category: 'Test',
    configSchema: z.object({}),
    sideEffects,
    run: (ctx) => {
      const list = (calls[ctx.node.id] ??= []);
      list.push({ at: engine.clock.now(), attempt: ctx.attempt, idempotencyKey: ctx.idempotencyKey, signal: ctx.signal });
      const behaviour = behaviours[ctx.node.id];
      return behaviour ? behaviour(ctx, list.length) : { from: ctx.node.id };
    },
  });
}

const registry = createRegistry([...coreNodes, recordingNode('test.step', false), recordingNode('test.effect', true)]);

/** Settles only when the step's signal aborts, rejecting with the abort reason. */
const untilAborted: Behaviour = (ctx) =>
  new Promise((_, reject) => {
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
  });

/** `start → nodes[0] → nodes[1] → ...` */
function chain(id: string, nodes: NodeInput[], settings?: WorkflowInput['settings']): WorkflowInput {
  const all: NodeInput[] = [{ id: 'start', type: 'core.manual' }, ...nodes];
  const edges = all.slice(1).map((node, index) => ({ id: `e${index}`, source: (all[index] as NodeInput).id, target: node.id }));
  return settings === undefined ? { id, name: id, nodes: all, edges } : { id, name: id, nodes: all, edges, settings };
}

async function eventsOf(runId: string, type: RunEventType, tenant = engine.ctx) {
  return (await engine.runs.events(tenant, runId)).filter((stored) => stored.event.type === type);
}

/**
 * Lets the engine work without moving fake time until `condition` holds. Polls for up
 * to a second of real time: resume tokens are HMACs from Web Crypto, which settle on
 * the platform's thread pool rather than in a fixed number of event-loop turns.
 */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + 1_000;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error('The engine never reached the expected state');
    await engine.clock.flush();
  }
}

async function startRun(workflow: WorkflowInput, input: unknown = {}): Promise<string> {
  const version = await engine.deploy(workflow);
  const { runId } = await engine.runs.start(engine.ctx, { versionId: version.id }, input);
  return runId;
}

beforeEach(() => {
  behaviours = {};
  calls = {};
  engine = createTestEngine({ registry, random: () => 0.5 });
});

afterEach(async () => {
  await engine.stop({ graceful: false });
});

describe('retry policies', () => {
  /** Runs `start → f` where f fails `failures` times with a RetryableError, then succeeds. */
  async function retried(retry: NodeInput['retry'], failures: number) {
    behaviours['f'] = (_ctx, call) => {
      if (call <= failures) throw new RetryableError(`failure ${call}`);
      return { succeededOn: call };
    };
    const t0 = engine.clock.now();
    const runId = await startRun(chain('retried', [{ id: 'f', type: 'test.step', retry }]));
    const view = await engine.settle(runId);
    const scheduled = await eventsOf(runId, 'step.retry_scheduled');
    return {
      view,
      offsets: callsOf('f').map((call) => call.at - t0),
      attempts: callsOf('f').map((call) => call.attempt),
      delays: scheduled.map((stored) => (stored.event.type === 'step.retry_scheduled' ? stored.event.delayMs : -1)),
    };
  }

  it.each([
    { name: 'fixed', retry: { maxAttempts: 4, backoff: 'fixed', initialDelayMs: 1_000, jitter: 'none' }, failures: 3, delays: [1_000, 1_000, 1_000] },
    { name: 'linear', retry: { maxAttempts: 4, backoff: 'linear', initialDelayMs: 1_000, jitter: 'none' }, failures: 3, delays: [1_000, 2_000, 3_000] },
    {
      name: 'exponential with factor 3',
      retry: { maxAttempts: 4, backoff: 'exponential', initialDelayMs: 100, factor: 3, jitter: 'none' },
      failures: 3,
      delays: [100, 300, 900],
    },
    {
      name: 'exponential capped at maxDelayMs',
      retry: { maxAttempts: 5, backoff: 'exponential', initialDelayMs: 1_000, factor: 2, maxDelayMs: 3_000, jitter: 'none' },
      failures: 4,
      delays: [1_000, 2_000, 3_000, 3_000],
    },
    {
      name: 'exponential with full jitter (random() = 0.5)',
      retry: { maxAttempts: 4, backoff: 'exponential', initialDelayMs: 1_000, factor: 2, jitter: 'full' },
      failures: 3,
      delays: [500, 1_000, 2_000],
    },
    {
      name: 'linear with full jitter under a cap',
      retry: { maxAttempts: 4, backoff: 'linear', initialDelayMs: 1_000, maxDelayMs: 2_500, jitter: 'full' },
      failures: 3,
      delays: [500, 1_000, 1_250],
    },
  ] as const)('$name: attempts start exactly after each backoff delay', async ({ retry, failures, delays }) => {
    const result = await retried(retry, failures);
    const expectedOffsets = delays.reduce<number[]>((offsets, delay) => [...offsets, (offsets[offsets.length - 1] as number) + delay], [0]);
    expect(result.view.status).toBe('succeeded');
    expect(result.view.output).toEqual({ succeededOn: failures + 1 });
    expect(result.offsets).toEqual(expectedOffsets);
    expect(result.attempts).toEqual(expectedOffsets.map((_, index) => index + 1));
    expect(result.delays).toEqual([...delays]);
    expect(result.view.steps.find((step) => step.nodeId === 'f')).toMatchObject({ status: 'succeeded', attempts: failures + 1 });
  });

  it("backoff 'none' makes one attempt whatever maxAttempts says", async () => {
    const result = await retried({ maxAttempts: 5, backoff: 'none' }, 10);
    expect(result.offsets).toEqual([0]);
    expect(result.view.status).toBe('failed');
    expect(result.view.error).toMatchObject({ code: 'retryable', message: 'failure 1' });
    expect(result.delays).toEqual([]);
  });

  it('fails the run with the last error once maxAttempts are used up', async () => {
    const result = await retried({ maxAttempts: 3, backoff: 'fixed', initialDelayMs: 10, jitter: 'none' }, 10);
    expect(result.offsets).toEqual([0, 10, 20]);
    expect(result.view.status).toBe('failed');
    expect(result.view.error).toEqual({ code: 'retryable', message: 'failure 3', retryable: true });
    expect(result.view.steps.find((step) => step.nodeId === 'f')).toMatchObject({ status: 'failed', attempts: 3, error: { message: 'failure 3' } });
  });

  it('waits at least the Retry-After of a RetryAfterError, above the backoff and its cap', async () => {
    behaviours['f'] = (_ctx, call) => {
      if (call === 1) throw new RetryAfterError(5_000);
      return 'ok';
    };
    const t0 = engine.clock.now();
    const view = await engine.run(
      chain('retry-after', [{ id: 'f', type: 'test.step', retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 100, maxDelayMs: 1_000, jitter: 'none' } }]),
    );
    expect(view.status).toBe('succeeded');
    const offsets = callsOf('f').map((call) => call.at - t0);
    expect(offsets).toHaveLength(2);
    expect(offsets[1]).toBeGreaterThanOrEqual(5_000);
  });

  it("applies the workflow's default retry policy to nodes without their own", async () => {
    behaviours['f'] = (_ctx, call) => {
      if (call < 3) throw new RetryableError('flaky');
      return 'ok';
    };
    const t0 = engine.clock.now();
    const view = await engine.run(
      chain('default-retry', [{ id: 'f', type: 'test.step' }], { retry: { maxAttempts: 3, backoff: 'linear', initialDelayMs: 200, jitter: 'none' } }),
    );
    expect(view.status).toBe('succeeded');
    expect(callsOf('f').map((call) => call.at - t0)).toEqual([0, 200, 600]);
  });

  it('never retries a FatalError', async () => {
    behaviours['f'] = () => {
      throw new FatalError('bad credentials');
    };
    const view = await engine.run(chain('fatal', [{ id: 'f', type: 'test.step', retry: { maxAttempts: 5, backoff: 'fixed', initialDelayMs: 10, jitter: 'none' } }]));
    expect(callsOf('f')).toHaveLength(1);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ code: 'fatal', message: 'bad credentials', retryable: false });
  });

  it('does not retry an HTTP-like 404, and retries a 503', async () => {
    const retry = { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 100, jitter: 'none' } as const;
    behaviours['missing'] = () => {
      throw Object.assign(new Error('Not Found'), { status: 404 });
    };
    behaviours['busy'] = (_ctx, call) => {
      if (call === 1) throw Object.assign(new Error('Service Unavailable'), { status: 503 });
      return 'recovered';
    };
    const notFound = await engine.run(chain('http-404', [{ id: 'missing', type: 'test.step', retry }]));
    expect(callsOf('missing')).toHaveLength(1);
    expect(notFound.status).toBe('failed');
    expect(notFound.error).toMatchObject({ code: 'http_error', message: 'Not Found', retryable: false });

    const unavailable = await engine.run(chain('http-503', [{ id: 'busy', type: 'test.step', retry }]));
    expect(callsOf('busy')).toHaveLength(2);
    expect(unavailable.status).toBe('succeeded');
    expect(unavailable.output).toBe('recovered');
  });

  it("retries first, then sends the last error down the error route (onError: 'route')", async () => {
    behaviours['f'] = (_ctx, call) => {
      throw new RetryableError(`failure ${call}`);
    };
    behaviours['handler'] = (ctx) => ctx.input;
    const t0 = engine.clock.now();
    const view = await engine.run({
      id: 'retry-then-route',
      name: 'Retry then route',
      nodes: [
        { id: 'start', type: 'core.manual' },
        { id: 'f', type: 'test.step', onError: 'route', retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 1_000, jitter: 'none' } },
        { id: 'ok', type: 'test.step' },
        { id: 'handler', type: 'test.step' },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'f' },
        { id: 'e2', source: 'f', target: 'ok' },
        { id: 'e3', source: 'f', sourceHandle: 'error', target: 'handler' },
      ],
    });
    expect(callsOf('f').map((call) => call.at - t0)).toEqual([0, 1_000, 2_000]);
    expect(callsOf('handler').map((call) => call.at - t0)).toEqual([2_000]);
    expect(callsOf('ok')).toHaveLength(0);
    expect(view.status).toBe('succeeded');
    expect(view.output).toEqual({ error: { code: 'retryable', message: 'failure 3', retryable: true } });
    const steps = Object.fromEntries(view.steps.map((step) => [step.nodeId, step]));
    expect(steps['f']).toMatchObject({ status: 'failed', attempts: 3, handle: 'error' });
    expect(steps['ok']?.status).toBe('skipped');
    expect(steps['handler']?.status).toBe('succeeded');
  });

  it('waits for a retry durably: the run is parked on a due job, and another worker makes the retry', async () => {
    behaviours['f'] = (_ctx, call) => {
      if (call === 1) throw new RetryableError('not yet');
      return 'done';
    };
    const t0 = engine.clock.now();
    const runId = await startRun(chain('durable-retry', [{ id: 'f', type: 'test.step', retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 60_000, jitter: 'none' } }]));
    await until(() => callsOf('f').length === 1);
    await engine.clock.flush();

    const parked = await engine.runs.get(engine.ctx, runId);
    expect(parked.status).toBe('waiting');
    expect(parked.steps.find((step) => step.nodeId === 'f')).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(await engine.queue.countPending()).toBe(1);
    const [scheduled] = await eventsOf(runId, 'step.retry_scheduled');
    expect(scheduled?.event).toMatchObject({ nodeId: 'f', attempt: 1, dueAt: t0 + 60_000, delayMs: 60_000 });

    // No worker holds the run while it waits: this engine can go away and another one,
    // on the same store and queue, makes the retry when it falls due.
    await engine.stop();
    const other = createEngine({ registry, store: engine.store, queue: engine.queue, clock: engine.clock });
    other.start();
    try {
      await engine.clock.advance(59_999);
      expect(callsOf('f')).toHaveLength(1);
      await engine.clock.advance(1);
      await until(async () => (await other.runs.get(engine.ctx, runId)).status === 'succeeded');
      expect(callsOf('f').map((call) => call.at - t0)).toEqual([0, 60_000]);
      expect(await engine.queue.countPending()).toBe(0);
    } finally {
      await other.stop({ graceful: false });
    }
  });
});

describe('timeouts', () => {
  it('times a step out at exactly timeoutMs with code timeout and aborts its signal', async () => {
    behaviours['hang'] = () => new Promise(() => undefined);
    const t0 = engine.clock.now();
    const runId = await startRun(chain('step-timeout', [{ id: 'hang', type: 'test.step', timeoutMs: 5_000 }, { id: 'after', type: 'test.step' }]));
    const view = await engine.settle(runId);

    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ code: 'timeout', retryable: true });
    const [failed] = await eventsOf(runId, 'step.failed');
    expect(failed?.at).toBe(t0 + 5_000);
    expect(failed?.event).toMatchObject({ nodeId: 'hang', durationMs: 5_000, error: { code: 'timeout' } });
    const signal = callsOf('hang')[0]?.signal;
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
    expect((signal?.reason as TimeoutError).timeoutMs).toBe(5_000);
    expect(callsOf('after')).toHaveLength(0);
  });

  it('retries a timed-out step under its retry policy', async () => {
    behaviours['slow'] = (ctx, call) => (call === 1 ? untilAborted(ctx, call) : 'fast enough');
    const t0 = engine.clock.now();
    const view = await engine.run(
      chain('timeout-retry', [{ id: 'slow', type: 'test.step', timeoutMs: 1_000, retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 500, jitter: 'none' } }]),
    );
    expect(view.status).toBe('succeeded');
    expect(view.output).toBe('fast enough');
    expect(callsOf('slow').map((call) => call.at - t0)).toEqual([0, 1_500]);
    expect(callsOf('slow')[0]?.signal.reason).toBeInstanceOf(TimeoutError);
    expect(callsOf('slow')[1]?.signal.reason).not.toBeInstanceOf(TimeoutError);
    expect(view.steps.find((step) => step.nodeId === 'slow')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('fails the run at the workflow timeout while it waits', async () => {
    const t0 = engine.clock.now();
    const view = await engine.run(
      chain('run-timeout', [{ id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 60_000 } }, { id: 'after', type: 'test.step' }], {
        timeoutMs: 10_000,
      }),
    );
    expect(view.status).toBe('failed');
    expect(view.error).toEqual({ code: 'timeout', message: 'Run timed out after 10000 ms', retryable: false, details: { timeoutMs: 10_000 } });
    expect(view.finishedAt).toBe(t0 + 10_000);
    expect(callsOf('after')).toHaveLength(0);
  });

  it('fails the run at the workflow timeout while a step is still running, and aborts the step', async () => {
    behaviours['stuck'] = untilAborted;
    const t0 = engine.clock.now();
    const runId = await startRun(chain('run-timeout-busy', [{ id: 'stuck', type: 'test.effect' }, { id: 'after', type: 'test.step' }], { timeoutMs: 10_000 }));
    const view = await engine.settle(runId, { maxMs: 60_000 });
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ code: 'timeout' });
    expect(view.finishedAt).toBe(t0 + 10_000);
    expect(callsOf('stuck')[0]?.signal.aborted).toBe(true);
    expect(callsOf('after')).toHaveLength(0);
    expect(await eventsOf(runId, 'run.failed')).toHaveLength(1);
  });
});

describe('cancel', () => {
  it('cancels a run mid-step: the step sees its signal abort, the run ends cancelled, nothing downstream runs', async () => {
    behaviours['slow'] = untilAborted;
    const runId = await startRun(chain('cancel-mid-step', [{ id: 'slow', type: 'test.effect' }, { id: 'after', type: 'test.step' }]));
    await until(() => callsOf('slow').length === 1);

    expect(await engine.runs.cancel(engine.ctx, runId, 'user asked')).toBe(true);
    const view = await engine.settle(runId);

    expect(view.status).toBe('cancelled');
    expect(view.message).toBe('user asked');
    const signal = callsOf('slow')[0]?.signal;
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(CancelledError);
    expect((signal?.reason as CancelledError).reason).toBe('user asked');
    expect(callsOf('after')).toHaveLength(0);
    expect(callsOf('slow')).toHaveLength(1);
    expect(await eventsOf(runId, 'run.cancelled')).toHaveLength(1);
    expect(await eventsOf(runId, 'step.succeeded')).toHaveLength(1); // the trigger only
    expect(view.steps.find((step) => step.nodeId === 'after')?.status).toBe('pending');
  });

  it('cancels a run that waits for a retry at once, without waiting for the retry to fall due', async () => {
    behaviours['f'] = () => {
      throw new RetryableError('down');
    };
    const t0 = engine.clock.now();
    const runId = await startRun(chain('cancel-retrying', [{ id: 'f', type: 'test.step', retry: { maxAttempts: 5, backoff: 'fixed', initialDelayMs: 3_600_000, jitter: 'none' } }]));
    await until(async () => (await engine.runs.get(engine.ctx, runId)).status === 'waiting');

    expect(await engine.runs.cancel(engine.ctx, runId)).toBe(true);
    await until(async () => (await engine.runs.get(engine.ctx, runId)).status === 'cancelled');
    expect((await engine.runs.get(engine.ctx, runId)).finishedAt).toBe(t0);
    await engine.clock.advance(2 * 3_600_000);
    expect(callsOf('f')).toHaveLength(1);
    expect(await engine.queue.countPending()).toBe(0);
  });

  it('returns false when cancelling a finished run, and leaves it as it was', async () => {
    const runId = await startRun(chain('cancel-finished', [{ id: 'a', type: 'test.step' }]));
    expect((await engine.settle(runId)).status).toBe('succeeded');
    const before = await engine.runs.events(engine.ctx, runId);

    expect(await engine.runs.cancel(engine.ctx, runId)).toBe(false);
    await engine.clock.flush();
    expect(await engine.runs.events(engine.ctx, runId)).toEqual(before);
    expect((await engine.runs.get(engine.ctx, runId)).status).toBe('succeeded');
  });

  it('returns false for a second cancel of the same run', async () => {
    behaviours['slow'] = untilAborted;
    const runId = await startRun(chain('cancel-twice', [{ id: 'slow', type: 'test.effect' }]));
    await until(() => callsOf('slow').length === 1);
    expect(await engine.runs.cancel(engine.ctx, runId)).toBe(true);
    expect(await engine.runs.cancel(engine.ctx, runId)).toBe(false);
    expect((await engine.settle(runId)).status).toBe('cancelled');
    expect(await eventsOf(runId, 'run.cancel_requested')).toHaveLength(1);
  });

  it('cancels the waiting child runs of a cancelled core.forEach parent', async () => {
    await engine.deploy(chain('child', [{ id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 3_600_000 } }, { id: 'work', type: 'test.step' }]));
    const parentId = await startRun(
      chain('parent', [{ id: 'loop', type: 'core.forEach', config: { items: [1, 2], concurrency: 2, workflowId: 'child' } }, { id: 'after', type: 'test.step' }]),
    );
    const children = async () => (await engine.runs.list(engine.ctx, { parentRunId: parentId })).items;
    await until(async () => (await children()).length === 2 && (await children()).every((child) => child.status === 'waiting'));

    expect(await engine.runs.cancel(engine.ctx, parentId)).toBe(true);
    expect((await engine.settle(parentId)).status).toBe('cancelled');
    await until(async () => (await children()).every((child) => child.status === 'cancelled'));

    await engine.clock.advance(2 * 3_600_000);
    expect(callsOf('work')).toHaveLength(0);
    expect(callsOf('after')).toHaveLength(0);
    expect((await children()).map((child) => child.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('cancels a core.subWorkflow child whose step is running, and that step sees its signal abort', async () => {
    behaviours['busy'] = untilAborted;
    await engine.deploy(chain('busy-child', [{ id: 'busy', type: 'test.effect' }]));
    const parentId = await startRun(chain('sub-parent', [{ id: 'sub', type: 'core.subWorkflow', config: { workflowId: 'busy-child' } }, { id: 'after', type: 'test.step' }]));
    await until(() => callsOf('busy').length === 1);
    const [child] = (await engine.runs.list(engine.ctx, { parentRunId: parentId })).items;

    expect(await engine.runs.cancel(engine.ctx, parentId)).toBe(true);
    expect((await engine.settle(parentId)).status).toBe('cancelled');
    await until(async () => (await engine.runs.get(engine.ctx, child?.id ?? '')).status === 'cancelled');
    expect((await engine.runs.get(engine.ctx, child?.id ?? '')).message).toBe('Parent run cancelled');

    const signal = callsOf('busy')[0]?.signal;
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(CancelledError);
    expect(callsOf('after')).toHaveLength(0);
  });
});

describe('idempotent runs.start', () => {
  it('returns the first run for a repeated key and executes the workflow once', async () => {
    const workflow = chain('idempotent', [{ id: 'charge', type: 'test.effect' }]);
    await engine.deploy(workflow);

    const first = await engine.runs.start(engine.ctx, { workflowId: 'idempotent' }, { amount: 1 }, { idempotencyKey: 'order-42' });
    const second = await engine.runs.start(engine.ctx, { workflowId: 'idempotent' }, { amount: 2 }, { idempotencyKey: 'order-42' });
    expect(first.created).toBe(true);
    expect(second).toEqual({ runId: first.runId, created: false });

    const view = await engine.settle(first.runId);
    expect(view.status).toBe('succeeded');
    expect(view.input).toEqual({ amount: 1 });
    const third = await engine.runs.start(engine.ctx, { workflowId: 'idempotent' }, { amount: 3 }, { idempotencyKey: 'order-42' });
    expect(third).toEqual({ runId: first.runId, created: false });
    await engine.clock.flush();
    expect(callsOf('charge')).toHaveLength(1);
    expect((await engine.runs.list(engine.ctx, { workflowId: 'idempotent' })).items).toHaveLength(1);
  });

  it('creates one run for concurrent starts with the same key', async () => {
    await engine.deploy(chain('idempotent-race', [{ id: 'charge', type: 'test.effect' }]));
    const starts = await Promise.all(
      Array.from({ length: 5 }, () => engine.runs.start(engine.ctx, { workflowId: 'idempotent-race' }, {}, { idempotencyKey: 'same' })),
    );
    expect(new Set(starts.map((start) => start.runId)).size).toBe(1);
    expect(starts.filter((start) => start.created)).toHaveLength(1);
    await engine.settle(starts[0]?.runId ?? '');
    expect(callsOf('charge')).toHaveLength(1);
  });

  it('gives another tenant with the same key its own run', async () => {
    const workflow = chain('idempotent-tenants', [{ id: 'charge', type: 'test.effect' }]);
    const other = { tenantId: 'other-tenant' };
    await engine.deploy(workflow);
    await engine.workflows.save(other, workflow);
    await engine.workflows.publish(other, workflow.id);

    const mine = await engine.runs.start(engine.ctx, { workflowId: workflow.id }, {}, { idempotencyKey: 'order-42' });
    const theirs = await engine.runs.start(other, { workflowId: workflow.id }, {}, { idempotencyKey: 'order-42' });
    expect(theirs.created).toBe(true);
    expect(theirs.runId).not.toBe(mine.runId);

    expect((await engine.settle(mine.runId)).status).toBe('succeeded');
    await until(async () => (await engine.runs.get(other, theirs.runId)).status === 'succeeded');
    expect(callsOf('charge').map((call) => call.idempotencyKey).sort()).toEqual([`${mine.runId}:charge`, `${theirs.runId}:charge`].sort());
  });
});

describe('one advancer per run in a worker', () => {
  /** Blocks until the test calls `release`. */
  function blockUntilReleased(nodeId: string): (value: unknown) => void {
    let release: ((value: unknown) => void) | undefined;
    behaviours[nodeId] = () =>
      new Promise((resolve) => {
        release = resolve;
      });
    return (value) => release?.(value);
  }

  it.each(['test.effect', 'test.step'])('does not run an in-flight %s step again when a signal wakes the run, and handles the signal at once', async (type) => {
    const release = blockUntilReleased('slow');
    const runId = await startRun({
      id: 'signal-while-busy',
      name: 'Signal while busy',
      nodes: [
        { id: 'start', type: 'core.manual' },
        { id: 'slow', type },
        { id: 'afterSlow', type: 'test.step' },
        { id: 'wait', type: 'core.waitForEvent', config: { event: 'go' } },
        { id: 'afterSignal', type: 'test.step' },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'slow' },
        { id: 'e2', source: 'slow', target: 'afterSlow' },
        { id: 'e3', source: 'start', target: 'wait' },
        { id: 'e4', source: 'wait', sourceHandle: 'event', target: 'afterSignal' },
      ],
    });
    await until(async () => callsOf('slow').length === 1 && (await engine.runs.get(engine.ctx, runId)).steps.some((step) => step.nodeId === 'wait' && step.status === 'waiting'));

    const token = await engine.runs.resumeToken(engine.ctx, runId, 'wait');
    expect(await engine.runs.signal(engine.ctx, token, { go: true })).toBe(true);
    // The signal's branch goes on while the slow step is still in flight.
    await until(() => callsOf('afterSignal').length === 1);
    expect(callsOf('slow')).toHaveLength(1);

    release('slow done');
    const view = await engine.settle(runId);
    expect(view.status).toBe('succeeded');
    expect(callsOf('slow')).toHaveLength(1);
    expect(callsOf('afterSlow')).toHaveLength(1);
    expect(callsOf('afterSignal')).toHaveLength(1);
    expect((await eventsOf(runId, 'step.succeeded')).map((stored) => ('nodeId' in stored.event ? stored.event.nodeId : '')).sort()).toEqual(
      ['afterSignal', 'afterSlow', 'slow', 'start', 'wait'].sort(),
    );
  });

  it("does not run an in-flight step again when a child run's result wakes the parent", async () => {
    const release = blockUntilReleased('slow');
    await engine.deploy(chain('quick-child', [{ id: 'item', type: 'test.step' }]));
    const runId = await startRun({
      id: 'child-while-busy',
      name: 'Child while busy',
      nodes: [
        { id: 'start', type: 'core.manual' },
        { id: 'slow', type: 'test.effect' },
        { id: 'loop', type: 'core.forEach', config: { items: [1, 2], concurrency: 2, workflowId: 'quick-child' } },
        { id: 'afterLoop', type: 'test.step' },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'slow' },
        { id: 'e2', source: 'start', target: 'loop' },
        { id: 'e3', source: 'loop', target: 'afterLoop' },
      ],
    });
    await until(() => callsOf('afterLoop').length === 1);
    expect(callsOf('item')).toHaveLength(2);
    expect(callsOf('slow')).toHaveLength(1);

    release('slow done');
    const view = await engine.settle(runId);
    expect(view.status).toBe('succeeded');
    expect(callsOf('slow')).toHaveLength(1);
    expect(callsOf('afterLoop')).toHaveLength(1);
  });

  it.each(['test.effect', 'test.step'])('starts a %s step in a branch parallel to a core.forEach at once, not after the children', async (type) => {
    await engine.deploy(chain('slow-child', [{ id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 3_600_000 } }]));
    const t0 = engine.clock.now();
    const runId = await startRun({
      id: 'parallel-to-loop',
      name: 'Parallel to a loop',
      nodes: [
        { id: 'start', type: 'core.manual' },
        { id: 'side', type },
        { id: 'loop', type: 'core.forEach', config: { items: [1], workflowId: 'slow-child' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'side' },
        { id: 'e2', source: 'start', target: 'loop' },
      ],
    });
    await until(() => callsOf('side').length === 1);
    expect(callsOf('side')[0]?.at).toBe(t0);

    const view = await engine.settle(runId);
    expect(view.status).toBe('succeeded');
    expect(view.finishedAt).toBe(t0 + 3_600_000);
    expect(callsOf('side')).toHaveLength(1);
  });
});
