import { describe, expect, it } from 'vitest';
import { replayRun } from '../testing/test-engine';
import type { WorkflowInput } from '../model/workflow-schema';
import { createHarness, eventsOf, flow, manual, start, step } from './control-flow.fixtures';
import type { PreviewStep } from './preview';
import type { RunState } from './run-state';
import type { RunView } from './run-view';

const order = flow(
  'order',
  [
    manual,
    { id: 'fetch', type: 'test.effect', config: { value: { vip: false, n: 0 } } },
    { id: 'shape', type: 'test.pass', config: { value: { n: '{{ steps.fetch.output.n }}', vip: '{{ steps.fetch.output.vip == `true` }}' } } },
    { id: 'check', type: 'core.if', config: { condition: '{{ steps.shape.output.vip }}' } },
    { id: 'notify', type: 'test.effect', config: { value: 'sent' } },
    { id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 3_600_000 } },
    { id: 'log', type: 'test.effect', config: { value: 'logged' } },
  ],
  ['start -> fetch', 'fetch -> shape', 'shape -> check', 'check.true -> notify', 'check.false -> pause', 'pause -> log'],
);

function previewStep(steps: PreviewStep[], nodeId: string): PreviewStep | undefined {
  return steps.find((candidate) => candidate.nodeId === nodeId);
}

describe('engine.runs.dryRun', () => {
  it('does not execute side-effect nodes: pinned data stands in for them, pure nodes run, and the preview shows the path', async () => {
    const { engine, count } = createHarness();
    const result = await engine.runs.dryRun(order, { orderId: 1 }, { pinned: { fetch: { vip: true, n: 5 } } });

    if (!result.ok) throw new Error(`dry run failed: ${JSON.stringify(result.diagnostics)}`);
    expect(result.status).toBe('succeeded');
    expect(count('fetch')).toBe(0);
    expect(count('notify')).toBe(0);
    expect(count('shape')).toBe(1);

    expect(previewStep(result.steps, 'start')).toMatchObject({ type: 'core.manual', status: 'succeeded', output: { orderId: 1 } });
    expect(previewStep(result.steps, 'fetch')).toEqual({ nodeId: 'fetch', type: 'test.effect', status: 'succeeded', input: { orderId: 1 }, output: { vip: true, n: 5 } });
    expect(previewStep(result.steps, 'shape')).toMatchObject({ status: 'succeeded', input: { vip: true, n: 5 }, output: { n: 5, vip: true } });
    expect(previewStep(result.steps, 'check')).toMatchObject({ status: 'succeeded', input: { n: 5, vip: true }, handle: 'true' });
    // Not pinned: the sample output of the node type.
    expect(previewStep(result.steps, 'notify')).toMatchObject({ status: 'succeeded', output: { sample: true } });
    expect(previewStep(result.steps, 'pause')?.status).toBe('skipped');
    expect(previewStep(result.steps, 'log')?.status).toBe('skipped');
    expect(result.output).toEqual({ sample: true });
  });

  it('uses sample outputs when nothing is pinned and does not wait for delays', async () => {
    const { engine, count } = createHarness();
    const clockBefore = engine.clock.now();
    const startedAt = Date.now();
    const result = await engine.runs.dryRun(order, { orderId: 2 });

    if (!result.ok) throw new Error(`dry run failed: ${JSON.stringify(result.diagnostics)}`);
    expect(result.status).toBe('succeeded');
    expect(previewStep(result.steps, 'fetch')).toMatchObject({ status: 'succeeded', output: { sample: true } });
    expect(previewStep(result.steps, 'shape')).toMatchObject({ output: { n: null, vip: false } });
    expect(previewStep(result.steps, 'check')?.handle).toBe('false');
    expect(previewStep(result.steps, 'notify')?.status).toBe('skipped');
    // The hour-long delay passes at once.
    expect(previewStep(result.steps, 'pause')).toMatchObject({ status: 'succeeded', output: { n: null, vip: false } });
    expect(previewStep(result.steps, 'log')).toMatchObject({ status: 'succeeded', output: { sample: true } });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(engine.clock.now()).toBe(clockBefore);
    expect(count('fetch') + count('notify') + count('log')).toBe(0);
    expect(count('shape')).toBe(1);
  });

  it('takes a wait\'s pinned payload on "event", or its timeout path, without waiting', async () => {
    const { engine } = createHarness();
    const workflow = flow(
      'dry-wait',
      [
        manual,
        { id: 'wait', type: 'core.waitForEvent', config: { event: 'order.paid', timeoutMs: 86_400_000 } },
        { id: 'paid', type: 'test.pass' },
        { id: 'late', type: 'test.pass', config: { value: 'late' } },
      ],
      ['start -> wait', 'wait.event -> paid', 'wait.timeout -> late'],
    );
    const pinned = await engine.runs.dryRun(workflow, {}, { pinned: { wait: { amount: 9 } } });
    if (!pinned.ok) throw new Error('dry run failed');
    expect(previewStep(pinned.steps, 'wait')).toMatchObject({ status: 'succeeded', handle: 'event', output: { amount: 9 } });
    expect(previewStep(pinned.steps, 'paid')).toMatchObject({ status: 'succeeded', output: { amount: 9 } });
    expect(previewStep(pinned.steps, 'late')?.status).toBe('skipped');

    const unpinned = await engine.runs.dryRun(workflow, {});
    if (!unpinned.ok) throw new Error('dry run failed');
    expect(previewStep(unpinned.steps, 'wait')?.handle).toBe('timeout');
    expect(previewStep(unpinned.steps, 'late')).toMatchObject({ status: 'succeeded', output: 'late' });
  });

  it('returns ok:false with diagnostics for an invalid workflow, and runs nothing', async () => {
    const { engine, count } = createHarness();
    const broken: WorkflowInput = {
      ...order,
      nodes: [...order.nodes, { id: 'mystery', type: 'nope.missing' }],
      edges: [...order.edges, { id: 'dangling', source: 'shape', target: 'ghost' }, { id: 'toMystery', source: 'log', target: 'mystery' }],
    };
    const result = await engine.runs.dryRun(broken, {});

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics).toContainEqual(expect.objectContaining({ code: 'dangling_edge', edgeId: 'dangling', severity: 'error' }));
    expect(result.diagnostics).toContainEqual(expect.objectContaining({ code: 'unknown_node_type', nodeId: 'mystery' }));
    expect(count('shape')).toBe(0);
  });
});

const replayable = flow(
  'replayable',
  [
    manual,
    { id: 'fetch', type: 'test.effect', config: { value: { vip: true } } },
    { id: 'check', type: 'core.if', config: { condition: '{{ steps.fetch.output.vip }}' } },
    { id: 'gold', type: 'test.pass', config: { value: 'gold' } },
    { id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 1_000 } },
    { id: 'done', type: 'test.effect', config: { value: 'done' } },
    { id: 'basic', type: 'test.pass', config: { value: 'basic' } },
  ],
  ['start -> fetch', 'fetch -> check', 'check.true -> gold', 'gold -> pause', 'pause -> done', 'check.false -> basic'],
);

/** Status, output and handle of every step of the original run, from the replayed state. */
function expectSameSteps(original: RunView, replayed: RunState): void {
  for (const view of original.steps) {
    const step = replayed.steps.get(view.nodeId);
    expect({ nodeId: view.nodeId, status: step?.status, output: step?.output, handle: step?.handle }).toEqual({
      nodeId: view.nodeId,
      status: view.status,
      output: view.output,
      handle: view.handle,
    });
  }
}

describe('replay', () => {
  it('engine.runs.replay reaches the same steps, re-running only the pure ones', async () => {
    const { engine, count } = createHarness();
    const original = await engine.run(replayable, { id: 1 });
    expect(original.status).toBe('succeeded');
    expect([count('fetch'), count('gold'), count('done')]).toEqual([1, 1, 1]);

    const result = await engine.runs.replay(engine.ctx, original.id);
    if (!result.ok) throw new Error(`replay diverged: ${JSON.stringify(result.divergences)}`);
    expectSameSteps(original, result.state);
    expect(result.state.status).toBe('succeeded');
    expect(result.state.output).toEqual(original.output);
    // Side effects take their recorded results; the pure step ran again.
    expect([count('fetch'), count('gold'), count('done')]).toEqual([1, 2, 1]);
  });

  it('engine.runs.replay reproduces a signal and child runs, including a failed item routed to the error handle', async () => {
    const { engine, count } = createHarness();
    await engine.deploy(
      flow(
        'child',
        [manual, { id: 'childStep', type: 'test.fail', config: { when: '{{ trigger.item == `"bad"` }}', message: 'no {{ trigger.item }}' } }],
        ['start -> childStep'],
      ),
    );
    await engine.deploy(
      flow(
        'eventful',
        [
          manual,
          { id: 'wait', type: 'core.waitForEvent', config: { event: 'go' } },
          { id: 'ok', type: 'core.forEach', config: { items: '{{ steps.wait.output.good }}', workflowId: 'child', concurrency: 2 } },
          { id: 'each', type: 'core.forEach', config: { items: '{{ steps.wait.output.mixed }}', workflowId: 'child' }, onError: 'route' },
          { id: 'next', type: 'test.pass' },
          { id: 'recover', type: 'test.pass' },
        ],
        ['start -> wait', 'wait.event -> ok', 'ok -> each', 'each -> next', 'each.error -> recover'],
      ),
    );
    const runId = await start(engine, 'eventful');
    await engine.settle(runId);
    await engine.runs.signal(engine.ctx, await engine.runs.resumeToken(engine.ctx, runId, 'wait'), { good: ['x', 'y'], mixed: ['z', 'bad'] });
    const original = await engine.settle(runId);
    expect(original.status).toBe('succeeded');
    expect(step(original, 'ok').output).toEqual([{ item: 'x', index: 0 }, { item: 'y', index: 1 }]);
    expect(step(original, 'each')).toMatchObject({ status: 'failed', handle: 'error' });
    expect(step(original, 'recover').output).toMatchObject({ error: { message: 'Item 1: no bad', details: { index: 1 } } });
    const childRuns = count('childStep');

    const result = await engine.runs.replay(engine.ctx, runId);
    if (!result.ok) throw new Error(`replay diverged: ${JSON.stringify(result.divergences)}`);
    expectSameSteps(original, result.state);
    // No child run started again.
    expect(count('childStep')).toBe(childRuns);
  });

  it('engine.runs.replay reproduces a wait that timed out and a switch decision', async () => {
    const { engine } = createHarness();
    const original = await engine.run(
      flow(
        'timedOut',
        [
          manual,
          { id: 'wait', type: 'core.waitForEvent', config: { event: 'never', timeoutMs: 5_000 } },
          { id: 'route', type: 'core.switch', config: { value: '{{ trigger.plan }}', cases: [{ handle: 'pro', equals: 'pro' }] } },
          { id: 'pro', type: 'test.effect', config: { value: 'pro' } },
          { id: 'free', type: 'test.effect', config: { value: 'free' } },
        ],
        ['start -> wait', 'wait.timeout -> route', 'route.pro -> pro', 'route.default -> free'],
      ),
      { plan: 'free' },
    );
    expect(step(original, 'wait').handle).toBe('timeout');
    expect(step(original, 'route').handle).toBe('default');

    const result = await engine.runs.replay(engine.ctx, original.id);
    if (!result.ok) throw new Error(`replay diverged: ${JSON.stringify(result.divergences)}`);
    expectSameSteps(original, result.state);
  });

  // Known bug, outside the files this suite may touch: for a side-effect step the
  // recorded error is replayed as `new FatalError(message, { details: { recorded } })`
  // (step-runner.ts), so the replayed `{ error }` output gains `details.recorded` and
  // the step and everything reading it diverge. Drop `.fails` once the recorded error
  // is reproduced as it was.
  it('engine.runs.replay reproduces a side-effect failure routed to the error handle', async () => {
    const { engine, count } = createHarness();
    const original = await engine.run(
      flow(
        'charging',
        [
          manual,
          { id: 'charge', type: 'test.effectFail', config: { message: 'card declined' }, onError: 'route' },
          { id: 'charged', type: 'test.pass' },
          { id: 'recover', type: 'test.pass' },
        ],
        ['start -> charge', 'charge -> charged', 'charge.error -> recover'],
      ),
    );
    expect(step(original, 'recover').output).toEqual({ error: { code: 'fatal', message: 'card declined', retryable: false } });

    const result = await engine.runs.replay(engine.ctx, original.id);
    expect(count('charge')).toBe(1);
    if (!result.ok) throw new Error(`replay diverged: ${JSON.stringify(result.divergences)}`);
    expectSameSteps(original, result.state);
  });

  it('replayRun reports the node where a changed condition sends the run another way', async () => {
    const { engine, registry } = createHarness();
    const original = await engine.run(replayable);
    const events = await eventsOf(engine, original.id);

    const flipped: WorkflowInput = {
      ...replayable,
      nodes: replayable.nodes.map((node) => (node.id === 'check' ? { ...node, config: { condition: '{{ steps.fetch.output.vip == `false` }}' } } : node)),
    };
    const result = await replayRun({ registry, workflow: flipped, events });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    const check = result.divergences.find((divergence) => divergence.nodeId === 'check');
    expect(check?.recorded.handle).toBe('true');
    expect(check?.replayed.handle).toBe('false');
    expect(result.divergences.find((divergence) => divergence.nodeId === 'gold')).toMatchObject({ recorded: { status: 'succeeded' }, replayed: { status: 'skipped' } });
    expect(result.divergences.find((divergence) => divergence.nodeId === 'basic')).toMatchObject({ recorded: { status: 'skipped' }, replayed: { status: 'succeeded' } });

    const unchanged = await replayRun({ registry, workflow: replayable, events });
    expect(unchanged.ok).toBe(true);
  });

  it('replayRun reports a node that was removed from the workflow', async () => {
    const { engine, registry } = createHarness();
    const original = await engine.run(replayable);
    const events = await eventsOf(engine, original.id);

    const trimmed: WorkflowInput = {
      ...replayable,
      nodes: replayable.nodes.filter((node) => node.id !== 'done'),
      edges: replayable.edges.filter((edge) => edge.target !== 'done'),
    };
    const result = await replayRun({ registry, workflow: trimmed, events });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.divergences).toEqual([{ nodeId: 'done', recorded: { status: 'succeeded', output: 'done' }, replayed: { status: 'pending' } }]);
  });
});

describe('engine.runs.rerun', () => {
  const pipeline = flow(
    'pipeline',
    [
      manual,
      { id: 'fetch', type: 'test.effect', config: { value: { n: 7 } } },
      { id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 3_600_000 } },
      { id: 'remember', type: 'core.setVariables', config: { variables: { seen: '{{ steps.fetch.output.n }}' } } },
      { id: 'enrich', type: 'test.effect', config: { value: { n: '{{ steps.fetch.output.n }}', seen: '{{ vars.seen }}', input: '{{ input }}' } } },
      { id: 'send', type: 'test.effect' },
    ],
    ['start -> fetch', 'fetch -> pause', 'pause -> remember', 'remember -> enrich', 'enrich -> send'],
  );

  it('reuses the outputs upstream of fromNodeId and runs it and everything downstream again', async () => {
    const { engine, count } = createHarness();
    const original = await engine.run(pipeline, { id: 1 });
    expect(original.status).toBe('succeeded');
    expect([count('fetch'), count('enrich'), count('send')]).toEqual([1, 1, 1]);

    const clockBefore = engine.clock.now();
    const { runId } = await engine.runs.rerun(engine.ctx, original.id, { fromNodeId: 'enrich' });
    expect(runId).not.toBe(original.id);
    const rerun = await engine.settle(runId);

    expect(rerun.status).toBe('succeeded');
    // Upstream did not run again, and its hour-long delay did not wait again.
    expect([count('fetch'), count('enrich'), count('send')]).toEqual([1, 2, 2]);
    expect(engine.clock.now()).toBe(clockBefore);
    expect(rerun.input).toEqual({ id: 1 });

    for (const nodeId of ['fetch', 'pause', 'remember']) {
      expect(step(rerun, nodeId)).toMatchObject({ status: 'succeeded', reused: true, output: step(original, nodeId).output });
    }
    expect(step(rerun, 'enrich').reused).toBeUndefined();
    expect(step(rerun, 'send').reused).toBeUndefined();
    expect(step(rerun, 'enrich').output).toEqual({ n: 7, seen: 7, input: { n: 7 } });
    expect(step(rerun, 'send').output).toEqual(step(original, 'send').output);
    expect(rerun.vars).toEqual({ seen: 7 });

    const [created] = await eventsOf(engine, runId);
    expect(created).toMatchObject({ type: 'run.created', rerunOf: { runId: original.id, fromNodeId: 'enrich' } });
    expect((await eventsOf(engine, original.id))[0]).not.toHaveProperty('rerunOf');
  });

  it('reuses an upstream branch decision: the untaken branch stays skipped', async () => {
    const { engine, count } = createHarness();
    const original = await engine.run(replayable);
    expect(step(original, 'basic').status).toBe('skipped');

    const { runId } = await engine.runs.rerun(engine.ctx, original.id, { fromNodeId: 'done' });
    const rerun = await engine.settle(runId);

    expect(rerun.status).toBe('succeeded');
    expect(step(rerun, 'check')).toMatchObject({ reused: true, handle: 'true' });
    expect(step(rerun, 'basic').status).toBe('skipped');
    expect([count('fetch'), count('gold'), count('basic'), count('done')]).toEqual([1, 1, 0, 2]);
  });

  it('rejects fromNodeId that is the trigger or not in the workflow with invalid_input', async () => {
    const { engine } = createHarness();
    const original = await engine.run(pipeline);
    await expect(engine.runs.rerun(engine.ctx, original.id, { fromNodeId: 'start' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engine.runs.rerun(engine.ctx, original.id, { fromNodeId: 'ghost' })).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await engine.runs.list(engine.ctx)).items).toHaveLength(1);
  });
});
