import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RetryableError } from '../errors/step-errors';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import type { NodeContext } from '../registry/node-context';
import { defineNode } from '../registry/node-definition';
import { createMemoryJobQueue } from '../ports/memory-job-queue';
import { createFakeClock } from '../testing/fake-clock';
import { createTestEngine, type TestEngine } from '../testing/test-engine';
import { createEngine } from './engine';
import type { EngineEvent } from './engine-events';
import type { RecordedError } from './run-events';
import type { EngineHooks } from './step-hooks';
import { pipewrightRejection as rejection } from '../testing/rejection';

type Behaviour = (ctx: NodeContext<unknown>, call: number) => unknown;
type NodeInput = WorkflowInput['nodes'][number];

let engine: TestEngine;
let behaviours: Record<string, Behaviour>;
let calls: Record<string, number>;

const step = defineNode({
  type: 'test.step',
  version: 1,
  title: 'Test step',
  description: 'Counts its executions, then does what the test says',
  category: 'Test',
  configSchema: z.object({}),
  sideEffects: false,
  run: (ctx) => {
    const call = (calls[ctx.node.id] = (calls[ctx.node.id] ?? 0) + 1);
    const behaviour = behaviours[ctx.node.id];
    return behaviour ? behaviour(ctx, call) : { from: ctx.node.id };
  },
});
const registry = createRegistry([...coreNodes, step]);

function chain(id: string, nodes: NodeInput[], trigger: NodeInput = { id: 'start', type: 'core.manual' }): WorkflowInput {
  const all: NodeInput[] = [trigger, ...nodes];
  const edges = all.slice(1).map((node, index) => ({ id: `e${index}`, source: (all[index] as NodeInput).id, target: node.id }));
  return { id, name: id, nodes: all, edges };
}

beforeEach(() => {
  behaviours = {};
  calls = {};
  engine = createTestEngine({ registry });
});

afterEach(async () => {
  await engine.stop({ graceful: false });
});

describe('workflows', () => {
  it('numbers published versions 1, 2, ... and keeps each one', async () => {
    const first = chain('versions', [{ id: 'a', type: 'test.step' }]);
    await engine.workflows.save(engine.ctx, first);
    const v1 = await engine.workflows.publish(engine.ctx, 'versions');
    await engine.workflows.save(engine.ctx, { ...first, name: 'Renamed' });
    const v2 = await engine.workflows.publish(engine.ctx, 'versions');

    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v1.id).not.toBe(v2.id);
    expect((await engine.workflows.get(engine.ctx, 'versions'))?.latestVersion).toBe(2);
    expect((await engine.workflows.listVersions(engine.ctx, 'versions')).map((version) => version.version).sort()).toEqual([1, 2]);
    expect((await engine.workflows.getVersion(engine.ctx, v1.id))?.definition.name).toBe('versions');
    expect((await engine.workflows.getVersion(engine.ctx, v2.id))?.definition.name).toBe('Renamed');
  });

  it('runs a started run on the version it started on, even after a newer publish', async () => {
    const pause: NodeInput = { id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 60_000 } };
    const v1 = await engine.deploy(chain('pinned', [pause, { id: 'onV1', type: 'test.step' }]));
    const { runId } = await engine.runs.start(engine.ctx, { workflowId: 'pinned' }, {});
    await engine.clock.flush();
    expect((await engine.runs.get(engine.ctx, runId)).status).toBe('waiting');

    const v2 = await engine.deploy(chain('pinned', [pause, { id: 'onV2', type: 'test.step' }]));
    expect(v2.version).toBe(2);
    const view = await engine.settle(runId);

    expect(view.status).toBe('succeeded');
    expect(view.versionId).toBe(v1.id);
    expect(view.output).toEqual({ from: 'onV1' });
    expect(view.steps.map((s) => s.nodeId)).toEqual(['start', 'pause', 'onV1']);
    expect(calls).toEqual({ onV1: 1 });

    const { runId: later } = await engine.runs.start(engine.ctx, { workflowId: 'pinned' }, {});
    const laterView = await engine.settle(later);
    expect(laterView.versionId).toBe(v2.id);
    expect(laterView.output).toEqual({ from: 'onV2' });
  });

  it('rejects an invalid definition on save with invalid_workflow and every issue', async () => {
    const error = await rejection(
      engine.workflows.save(engine.ctx, { id: 'broken', name: '', nodes: [{ id: '1bad', type: 'nope' }], edges: [] }),
    );
    expect(error.code).toBe('invalid_workflow');
    const issues = error.details['issues'] as Array<{ path: Array<string | number>; message: string }>;
    const paths = issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['name', 'nodes.0.id', 'nodes.0.type']));
    expect(await engine.workflows.get(engine.ctx, 'broken')).toBeUndefined();
  });

  it('saves a draft that does not compile, but refuses to publish it, with diagnostics', async () => {
    const draft = chain('uncompilable', [{ id: 'a', type: 'test.missing' }]);
    const saved = await engine.workflows.save(engine.ctx, draft);
    expect(saved.diagnostics.length).toBeGreaterThan(0);

    const error = await rejection(engine.workflows.publish(engine.ctx, 'uncompilable'));
    expect(error.code).toBe('invalid_workflow');
    const diagnostics = error.details['diagnostics'] as Array<{ severity: string; nodeId?: string }>;
    expect(diagnostics.some((diagnostic) => diagnostic.severity === 'error' && diagnostic.nodeId === 'a')).toBe(true);
    expect(await engine.workflows.listVersions(engine.ctx, 'uncompilable')).toEqual([]);
  });
});

describe('runs', () => {
  it('refuses to start a workflow that does not exist with not_found', async () => {
    expect((await rejection(engine.runs.start(engine.ctx, { workflowId: 'nobody' }, {}))).code).toBe('not_found');
    expect((await rejection(engine.runs.start(engine.ctx, { versionId: 'wfv_missing' }, {}))).code).toBe('not_found');
    expect((await rejection(engine.runs.get(engine.ctx, 'run_missing'))).code).toBe('not_found');
  });

  it("checks the input against the manual trigger's inputSchema", async () => {
    const trigger: NodeInput = {
      id: 'start',
      type: 'core.manual',
      config: { inputSchema: { type: 'object', properties: { email: { type: 'string' }, age: { type: 'integer' } }, required: ['email'] } },
    };
    await engine.deploy(chain('typed-input', [{ id: 'a', type: 'test.step' }], trigger));

    const error = await rejection(engine.runs.start(engine.ctx, { workflowId: 'typed-input' }, { age: 'old' }));
    expect(error.code).toBe('invalid_input');
    const paths = (error.details['issues'] as Array<{ path: Array<string | number> }>).map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['email', 'age']));
    expect((await engine.runs.list(engine.ctx, { workflowId: 'typed-input' })).items).toEqual([]);
    expect(calls).toEqual({});

    const { runId } = await engine.runs.start(engine.ctx, { workflowId: 'typed-input' }, { email: 'ada@example.com', age: 36 });
    expect((await engine.settle(runId)).status).toBe('succeeded');
  });

  it("matches the inputSchema's patterns in linear time, and refuses patterns the linear engine cannot run when saved", async () => {
    const trigger: NodeInput = { id: 'start', type: 'core.manual', config: { inputSchema: { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } } } };
    await engine.deploy(chain('patterned-input', [{ id: 'a', type: 'test.step' }], trigger));
    // 40 a's and a "!" never finish on JavaScript's backtracking engine.
    const error = await rejection(engine.runs.start(engine.ctx, { workflowId: 'patterned-input' }, { code: `${'a'.repeat(40)}!` }));
    expect(error.code).toBe('invalid_input');
    expect(error.details['issues']).toEqual([expect.objectContaining({ path: ['code'], message: 'must match pattern "^(a+)+$"' })]);
    const { runId } = await engine.runs.start(engine.ctx, { workflowId: 'patterned-input' }, { code: 'aaaa' });
    expect((await engine.settle(runId)).status).toBe('succeeded');

    const lookahead: NodeInput = { id: 'start', type: 'core.manual', config: { inputSchema: { type: 'string', pattern: '(?=a)a' } } };
    const saved = await engine.workflows.save(engine.ctx, chain('lookahead-input', [{ id: 'a', type: 'test.step' }], lookahead));
    expect(saved.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'invalid_node_config', nodeId: 'start' })]));
  });

  it('lists runs filtered by workflow and status, newest first, page by page', async () => {
    await engine.deploy(chain('listed', [{ id: 'a', type: 'test.step' }]));
    await engine.deploy(chain('parked', [{ id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 3_600_000 } }]));
    const listed: string[] = [];
    const parked: string[] = [];
    for (let i = 0; i < 5; i++) {
      listed.push((await engine.runs.start(engine.ctx, { workflowId: 'listed' }, { i })).runId);
      await engine.clock.advance(1);
    }
    for (let i = 0; i < 2; i++) {
      parked.push((await engine.runs.start(engine.ctx, { workflowId: 'parked' }, { i })).runId);
      await engine.clock.advance(1);
    }
    await engine.clock.flush();

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await engine.runs.list(engine.ctx, { workflowId: 'listed' }, cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
      expect(page.items.every((run) => run.workflowId === 'listed')).toBe(true);
      pages.push(page.items.map((run) => run.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...listed].reverse());

    const waiting = await engine.runs.list(engine.ctx, { status: 'waiting' });
    expect(waiting.items.map((run) => run.id)).toEqual([...parked].reverse());
    const succeeded = await engine.runs.list(engine.ctx, { workflowId: 'listed', status: 'succeeded' });
    expect(succeeded.items).toHaveLength(5);
    expect(succeeded.nextCursor).toBeUndefined();
    expect((await engine.runs.list(engine.ctx, { workflowId: 'parked', status: ['succeeded', 'failed'] })).items).toEqual([]);
    expect((await engine.runs.list({ tenantId: 'someone-else' })).items).toEqual([]);
  });

  it('shows each step with its status, attempts and duration, and the logs steps wrote', async () => {
    behaviours['slow'] = async (ctx) => {
      ctx.logger.info('calling upstream', { attempt: ctx.attempt });
      await new Promise<void>((resolve) => engine.clock.setTimer(250, resolve));
      if (ctx.attempt === 1) throw new RetryableError('upstream busy');
      ctx.logger.warn('slow but done');
      return { ok: true };
    };
    const t0 = engine.clock.now();
    const view = await engine.run(
      chain('observed', [{ id: 'slow', type: 'test.step', retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 1_000, jitter: 'none' } }, { id: 'quick', type: 'test.step' }]),
    );

    expect(view.status).toBe('succeeded');
    expect(view.steps.map(({ nodeId, status, attempts, durationMs }) => ({ nodeId, status, attempts, durationMs }))).toEqual([
      { nodeId: 'start', status: 'succeeded', attempts: 1, durationMs: 0 },
      { nodeId: 'slow', status: 'succeeded', attempts: 2, durationMs: 500 },
      { nodeId: 'quick', status: 'succeeded', attempts: 1, durationMs: 0 },
    ]);
    expect(view.logs).toEqual([
      { ts: t0, level: 'info', msg: 'calling upstream', nodeId: 'slow' },
      { ts: t0 + 1_250, level: 'info', msg: 'calling upstream', nodeId: 'slow' },
      { ts: t0 + 1_500, level: 'warn', msg: 'slow but done', nodeId: 'slow' },
    ]);
  });

  it("emits typed events: step.failed carries the recorded error", async () => {
    behaviours['flaky'] = (_ctx, call) => {
      throw new RetryableError(`failure ${call}`);
    };
    const errors: RecordedError[] = [];
    const outcomes: string[] = [];
    const everything: EngineEvent[] = [];
    const off = engine.on('step.failed', (e) => {
      errors.push(e.event.error);
      outcomes.push(e.event.outcome);
    });
    engine.on('event', (e) => everything.push(e));

    const view = await engine.run(chain('events', [{ id: 'flaky', type: 'test.step', retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 10, jitter: 'none' } }]));
    expect(view.status).toBe('failed');
    expect(errors).toEqual([
      { code: 'retryable', message: 'failure 1', retryable: true },
      { code: 'retryable', message: 'failure 2', retryable: true },
    ]);
    expect(outcomes).toEqual(['retry', 'fail']);
    const stored = await engine.runs.events(engine.ctx, view.id);
    expect(everything.filter((e) => e.runId === view.id).map((e) => e.seq)).toEqual(stored.map((entry) => entry.seq));

    off();
    await engine.run(chain('events-after-off', [{ id: 'flaky', type: 'test.step' }]));
    expect(errors).toHaveLength(2);
  });

  it('composes wrapStep hooks with the first one listed outermost', async () => {
    const order: string[] = [];
    const hook = (name: string): EngineHooks => ({
      wrapStep: (next) => async (ctx, definition) => {
        order.push(`${name}:before:${ctx.node.id}`);
        const output = await next(ctx, definition);
        order.push(`${name}:after:${ctx.node.id}`);
        return { [name]: output };
      },
    });
    await engine.stop({ graceful: false });
    engine = createTestEngine({ registry, hooks: [hook('outer'), hook('inner')] });
    behaviours['a'] = () => {
      order.push('run:a');
      return 'raw';
    };

    const view = await engine.run(chain('hooked', [{ id: 'a', type: 'test.step' }]));
    expect(order).toEqual(['outer:before:a', 'inner:before:a', 'run:a', 'inner:after:a', 'outer:after:a']);
    expect(view.output).toEqual({ outer: { inner: 'raw' } });
  });
});

describe('engine.stop', () => {
  it('leaves no timer behind, so a host process can exit', async () => {
    const clock = createFakeClock();
    const queue = createMemoryJobQueue({ clock });
    const engine = createEngine({ registry: createRegistry(coreNodes), clock, queue, leaseMs: 3_000 });
    const ctx = { tenantId: 'acme' };
    await engine.workflows.save(ctx, { id: 'w', name: 'w', nodes: [{ id: 'start', type: 'core.manual', config: {} }], edges: [] });
    await engine.workflows.publish(ctx, 'w');
    engine.start();
    const done = new Promise<void>((resolve) => engine.on('run.succeeded', () => resolve()));
    await engine.runs.start(ctx, { workflowId: 'w' }, {});
    await done;
    // The worker heartbeated the run's job while it held it: that timer must go with the worker.
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    await engine.stop();
    // The queue's own timers (due jobs, lease expiries) go with the queue.
    await queue.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
