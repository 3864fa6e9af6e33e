import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { asRunId, asTenantId } from '../ids';
import type { JobQueue } from '../ports/job-queue';
import { createMemoryJobQueue } from '../ports/memory-job-queue';
import { createMemoryRunStore } from '../ports/memory-run-store';
import type { RunStore } from '../ports/run-store';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import type { NodeContext } from '../registry/node-context';
import { defineNode } from '../registry/node-definition';
import { createFakeClock, type FakeClock } from '../testing/fake-clock';
import { createEngine, type Engine } from './engine';

/**
 * Two workers (engines) share one store, one queue and one clock, as two processes
 * share a database: the run must survive one of them dying mid-step.
 */

interface Call {
  at: number;
  attempt: number;
  idempotencyKey: string;
}

type Behaviour = (ctx: NodeContext<unknown>, call: number) => unknown;

const leaseMs = 10_000;
const tenant = { tenantId: 'acme' };

let clock: FakeClock;
let store: RunStore;
let queue: JobQueue;
let engines: Engine[];
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
      list.push({ at: clock.now(), attempt: ctx.attempt, idempotencyKey: ctx.idempotencyKey });
      const behaviour = behaviours[ctx.node.id];
      return behaviour ? behaviour(ctx, list.length) : { from: ctx.node.id };
    },
  });
}

const registry = createRegistry([...coreNodes, recordingNode('test.step', false), recordingNode('test.effect', true)]);

/** `start → s1 → s2 → s3 → s4 → s5`, where s3 has external side effects. */
const fiveSteps: WorkflowInput = {
  id: 'five-steps',
  name: 'Five steps',
  nodes: [
    { id: 'start', type: 'core.manual' },
    { id: 's1', type: 'test.step' },
    { id: 's2', type: 'test.step' },
    { id: 's3', type: 'test.effect' },
    { id: 's4', type: 'test.step' },
    { id: 's5', type: 'test.step' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 's1' },
    { id: 'e2', source: 's1', target: 's2' },
    { id: 'e3', source: 's2', target: 's3' },
    { id: 'e4', source: 's3', target: 's4' },
    { id: 'e5', source: 's4', target: 's5' },
  ],
};
const completedSteps = ['s1', 's2', 's3', 's4', 's5'];

interface Gate<T> {
  promise: Promise<T>;
  open(value: T): void;
}

function gate<T>(): Gate<T> {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function worker(jobQueue: JobQueue = queue): Engine {
  const engine = createEngine({ registry, store, queue: jobQueue, clock, leaseMs });
  engines.push(engine);
  engine.start();
  return engine;
}

/** Lets the engines work without moving fake time until `condition` holds (a second of real time at most). */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + 1_000;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error('The engines never reached the expected state');
    await clock.flush();
  }
}

async function startFiveSteps(engine: Engine): Promise<string> {
  await engine.workflows.save(tenant, fiveSteps);
  const version = await engine.workflows.publish(tenant, fiveSteps.id);
  const { runId } = await engine.runs.start(tenant, { versionId: version.id }, { n: 1 });
  return runId;
}

/** Moves time from timer to timer until the run finishes (or `maxMs` passes). */
async function finish(engine: Engine, runId: string, maxMs = 120_000): Promise<string> {
  const limit = clock.now() + maxMs;
  for (;;) {
    await clock.flush();
    const { status } = await engine.runs.get(tenant, runId);
    const next = clock.nextTimerAt();
    if (status === 'succeeded' || status === 'failed' || status === 'cancelled' || next === undefined || next > limit) return status;
    await clock.advance(Math.max(0, next - clock.now()));
  }
}

async function eventTypes(runId: string): Promise<string[]> {
  return (await store.readEvents(asTenantId(tenant.tenantId), asRunId(runId))).map((stored) => stored.event.type);
}

async function succeededPerStep(runId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { event } of await store.readEvents(asTenantId(tenant.tenantId), asRunId(runId))) {
    if (event.type === 'step.succeeded') counts[event.nodeId] = (counts[event.nodeId] ?? 0) + 1;
  }
  return counts;
}

beforeEach(() => {
  clock = createFakeClock();
  store = createMemoryRunStore();
  queue = createMemoryJobQueue({ clock });
  engines = [];
  behaviours = {};
  calls = {};
});

afterEach(async () => {
  for (const engine of engines) await engine.stop({ graceful: false });
  await queue.close();
});

describe('crash recovery', () => {
  it('a second worker takes over a run whose worker died mid-step, and re-runs only that step', async () => {
    const blocked = gate<string>();
    behaviours['s3'] = (_ctx, call) => (call === 1 ? blocked.promise : 'from B');
    const a = worker();
    const t0 = clock.now();
    const runId = await startFiveSteps(a);
    await until(() => callsOf('s3').length === 1);

    // A dies: its lease is not released, nobody records its step.
    await a.stop({ graceful: false });
    const b = worker();
    await clock.advance(leaseMs - 1);
    expect(callsOf('s3')).toHaveLength(1);

    expect(await finish(b, runId)).toBe('succeeded');
    const view = await b.runs.get(tenant, runId);
    expect(view.output).toEqual({ from: 's5' });
    expect(view.steps.find((step) => step.nodeId === 's3')).toMatchObject({ status: 'succeeded', output: 'from B', attempts: 1 });

    // A's step finally returns; its result must change nothing.
    blocked.open('from A');
    await clock.flush();
    await clock.advance(3 * leaseMs);

    for (const nodeId of ['s1', 's2', 's4', 's5']) expect(callsOf(nodeId), nodeId).toHaveLength(1);
    const s3 = callsOf('s3');
    expect(s3.length).toBeLessThanOrEqual(2);
    expect(new Set(s3.map((call) => call.idempotencyKey))).toEqual(new Set([`${runId}:s3`]));
    expect(s3.map((call) => call.attempt)).toEqual([1, 1]);
    expect((s3[1]?.at ?? 0) - t0).toBeGreaterThanOrEqual(leaseMs);

    const types = await eventTypes(runId);
    expect(types.filter((type) => type === 'run.succeeded')).toHaveLength(1);
    expect(types.filter((type) => type.startsWith('run.') && type !== 'run.created' && type !== 'run.succeeded')).toEqual([]);
    expect(await succeededPerStep(runId)).toEqual(Object.fromEntries(['start', ...completedSteps].map((id) => [id, 1])));
    expect((await b.runs.get(tenant, runId)).steps.find((step) => step.nodeId === 's3')?.output).toBe('from B');
  });

  it("does not record a dead worker's late result that arrives after the new worker finished the step", async () => {
    const blockedA = gate<string>();
    const blockedB = gate<string>();
    behaviours['s3'] = (_ctx, call) => (call === 1 ? blockedA.promise : 'from B');
    // s4 holds B's run open, so A's late s3 result lands while the run is still running.
    behaviours['s4'] = () => blockedB.promise;
    const a = worker();
    const runId = await startFiveSteps(a);
    await until(() => callsOf('s3').length === 1);
    await a.stop({ graceful: false });
    const b = worker();
    await clock.advance(leaseMs);
    await until(() => callsOf('s4').length === 1);
    const before = await store.readEvents(asTenantId(tenant.tenantId), asRunId(runId));

    blockedA.open('from A');
    await clock.flush();
    expect(await store.readEvents(asTenantId(tenant.tenantId), asRunId(runId))).toEqual(before);

    blockedB.open('s4 done');
    expect(await finish(b, runId)).toBe('succeeded');
    const view = await b.runs.get(tenant, runId);
    expect(view.steps.find((step) => step.nodeId === 's3')?.output).toBe('from B');
    expect(await succeededPerStep(runId)).toEqual(Object.fromEntries(['start', ...completedSteps].map((id) => [id, 1])));
    expect((await eventTypes(runId)).filter((type) => type === 'run.succeeded')).toHaveLength(1);
    for (const nodeId of ['s1', 's2', 's4', 's5']) expect(callsOf(nodeId), nodeId).toHaveLength(1);
    expect(callsOf('s3')).toHaveLength(2);
  });

  it('a worker that lost its lease without stopping (no heartbeats) does not record its late result', async () => {
    // A still runs but its heartbeats never reach the queue, as with a paused process:
    // the lease runs out and B takes the run over while A's step is still in flight.
    const silent: JobQueue = {
      ...queue,
      process: (handler, options) =>
        queue.process(
          (job) => handler(new Proxy(job, { get: (target, key) => (key === 'heartbeat' ? () => Promise.resolve() : Reflect.get(target, key)) })),
          // One slot: A's slot stays taken by its stuck handler, so the expired job goes to B.
          { ...options, concurrency: 1 },
        ),
    };
    const blocked = gate<string>();
    behaviours['s3'] = (_ctx, call) => (call === 1 ? blocked.promise : 'from B');
    const a = worker(silent);
    const runId = await startFiveSteps(a);
    await until(() => callsOf('s3').length === 1);
    const b = worker();

    expect(await finish(b, runId)).toBe('succeeded');
    expect(callsOf('s3')).toHaveLength(2);
    const finished = await store.readEvents(asTenantId(tenant.tenantId), asRunId(runId));

    blocked.open('from A');
    await clock.flush();
    await clock.advance(3 * leaseMs);
    expect(await store.readEvents(asTenantId(tenant.tenantId), asRunId(runId))).toEqual(finished);
    expect((await b.runs.get(tenant, runId)).steps.find((step) => step.nodeId === 's3')?.output).toBe('from B');
    expect(await succeededPerStep(runId)).toEqual(Object.fromEntries(['start', ...completedSteps].map((id) => [id, 1])));
    for (const nodeId of ['s1', 's2', 's4', 's5']) expect(callsOf(nodeId), nodeId).toHaveLength(1);
    expect(new Set(callsOf('s3').map((call) => call.idempotencyKey))).toEqual(new Set([`${runId}:s3`]));
  });
});

describe('leases', () => {
  it('a live worker keeps its lease with heartbeats: a step longer than the lease runs once', async () => {
    // s3 takes three leases' worth of time; B is there all along, waiting for work.
    behaviours['s3'] = () => new Promise((resolve) => clock.setTimer(3 * leaseMs, () => resolve('slow but alive')));
    const a = worker();
    const b = worker();
    const t0 = clock.now();
    const runId = await startFiveSteps(a);

    expect(await finish(b, runId)).toBe('succeeded');
    for (const nodeId of completedSteps) expect(callsOf(nodeId), nodeId).toHaveLength(1);
    expect((await a.runs.get(tenant, runId)).finishedAt).toBe(t0 + 3 * leaseMs);
    expect(await succeededPerStep(runId)).toEqual(Object.fromEntries(['start', ...completedSteps].map((id) => [id, 1])));
  });
});

describe('graceful stop', () => {
  it('lets the running step finish and be recorded; a worker started later completes the run', async () => {
    const blocked = gate<string>();
    behaviours['s3'] = () => blocked.promise;
    const a = worker();
    const runId = await startFiveSteps(a);
    await until(() => callsOf('s3').length === 1);

    let stopped = false;
    const stopping = a.stop({ graceful: true }).then(() => {
      stopped = true;
    });
    await clock.flush();
    expect(stopped).toBe(false);

    blocked.open('from A');
    await stopping;
    const afterStop = await a.runs.get(tenant, runId);
    expect(afterStop.steps.find((step) => step.nodeId === 's3')).toMatchObject({ status: 'succeeded', output: 'from A' });
    expect(callsOf('s4')).toHaveLength(0);
    expect(['queued', 'running', 'waiting']).toContain(afterStop.status);

    // The run was queued again: a new worker finishes it without waiting for any lease.
    const b = worker();
    await until(async () => (await b.runs.get(tenant, runId)).status === 'succeeded');
    for (const nodeId of completedSteps) expect(callsOf(nodeId), nodeId).toHaveLength(1);
    expect(await succeededPerStep(runId)).toEqual(Object.fromEntries(['start', ...completedSteps].map((id) => [id, 1])));
    expect((await eventTypes(runId)).filter((type) => type === 'run.succeeded')).toHaveLength(1);
  });
});

describe('one worker per run', () => {
  it('a signal handled by a second worker does not run the first worker\'s in-flight step again', async () => {
    // `start → slow (side effect, in flight on A)` and, in parallel, `start → wait (signal)`.
    const parallel: WorkflowInput = {
      id: 'parallel-wait',
      name: 'Parallel wait',
      nodes: [
        { id: 'start', type: 'core.manual' },
        { id: 'slow', type: 'test.effect' },
        { id: 'wait', type: 'core.waitForEvent', config: {} },
        { id: 'after', type: 'test.step' },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'slow' },
        { id: 'e2', source: 'start', target: 'wait' },
        { id: 'e3', source: 'wait', sourceHandle: 'event', target: 'after' },
      ],
    };
    const blocked = gate<string>();
    behaviours['slow'] = () => blocked.promise;
    // A advances one run at a time, so the job B's signal queues can only go to B.
    const a = createEngine({ registry, store, queue, clock, leaseMs, concurrency: 1 });
    engines.push(a);
    a.start();
    await a.workflows.save(tenant, parallel);
    const version = await a.workflows.publish(tenant, parallel.id);
    const { runId } = await a.runs.start(tenant, { versionId: version.id }, {});
    await until(() => callsOf('slow').length === 1);
    await until(async () => (await a.runs.get(tenant, runId)).steps.some((step) => step.nodeId === 'wait' && step.status === 'waiting'));

    // B takes the signal; the job it queues must wait for A's lease on the run.
    const b = worker();
    const token = await b.runs.resumeToken(tenant, runId, 'wait');
    expect(await b.runs.signal(tenant, token, { ok: true })).toBe(true);
    await clock.flush();
    await clock.advance(leaseMs / 2);
    expect(callsOf('slow')).toHaveLength(1);

    blocked.open('done');
    expect(await finish(a, runId)).toBe('succeeded');
    expect(callsOf('slow')).toHaveLength(1);
    expect(callsOf('after')).toHaveLength(1);
    expect(await succeededPerStep(runId)).toEqual({ start: 1, slow: 1, wait: 1, after: 1 });
  });
});
