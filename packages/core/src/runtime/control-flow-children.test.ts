import { describe, expect, it } from 'vitest';
import { createHarness, flow, manual, start, statuses, step } from './control-flow.fixtures';

const t0 = Date.UTC(2026, 0, 1);

/** A parent that runs `childId` once per `trigger.items`, then passes the results on. */
function forEachParent(id: string, childId: string, config: Record<string, unknown> = {}, onError?: 'route') {
  return flow(
    id,
    [
      manual,
      {
        id: 'each',
        type: 'core.forEach',
        config: { items: '{{ trigger.items }}', workflowId: childId, ...config },
        ...(onError === undefined ? {} : { onError }),
      },
      { id: 'after', type: 'test.pass' },
      ...(onError === undefined ? [] : [{ id: 'handler', type: 'test.pass' }]),
    ],
    ['start -> each', 'each -> after', ...(onError === undefined ? [] : ['each.error -> handler'])],
  );
}

describe('core.forEach', () => {
  it('runs the child workflow once per item with { item, index } as its trigger input, outputs in item order', async () => {
    const { engine, count } = createHarness();
    await engine.deploy(flow('echo', [manual, { id: 'echo', type: 'test.pass', config: { value: { got: '{{ trigger }}' } } }], ['start -> echo']));
    await engine.deploy(forEachParent('loop', 'echo'));
    const runId = await start(engine, 'loop', { items: ['a', { b: 2 }, 3] });
    const view = await engine.settle(runId);

    expect(view.status).toBe('succeeded');
    const expected = [{ got: { item: 'a', index: 0 } }, { got: { item: { b: 2 }, index: 1 } }, { got: { item: 3, index: 2 } }];
    expect(step(view, 'each')).toMatchObject({ status: 'succeeded', output: expected });
    expect(step(view, 'after').output).toEqual(expected);
    expect(count('echo')).toBe(3);

    const children = (await engine.runs.list(engine.ctx, { parentRunId: runId })).items;
    expect(children).toHaveLength(3);
    expect(children.every((child) => child.parentRunId === runId && child.status === 'succeeded')).toBe(true);
  });

  it('never runs more children at once than its concurrency, and keeps item order when they finish out of order', async () => {
    const { engine, gates, until } = createHarness();
    await engine.deploy(flow('blocking', [manual, { id: 'hold', type: 'test.gate', config: { key: 'item-{{ trigger.index }}' } }], ['start -> hold']));
    await engine.deploy(forEachParent('limited', 'blocking', { concurrency: 2 }));
    const runId = await start(engine, 'limited', { items: ['a', 'b', 'c', 'd', 'e'] });

    await until(() => gates.active === 2, 'two children to block');
    await engine.clock.flush();
    expect(gates.waiting()).toEqual(['item-0', 'item-1']);

    // Finish 1 before 0: item 2 takes the free slot.
    gates.release('item-1', 'B');
    await until(() => gates.waiting().includes('item-2'), 'item 2 to start');
    await engine.clock.flush();
    expect(gates.waiting()).toEqual(['item-0', 'item-2']);

    gates.release('item-2', 'C');
    await until(() => gates.waiting().includes('item-3'), 'item 3 to start');
    gates.release('item-3', 'D');
    await until(() => gates.waiting().includes('item-4'), 'item 4 to start');
    gates.release('item-4', 'E');
    await engine.clock.flush();
    expect((await engine.runs.get(engine.ctx, runId)).status).not.toBe('succeeded');
    gates.release('item-0', 'A');

    const view = await engine.settle(runId);
    expect(view.status).toBe('succeeded');
    expect(step(view, 'each').output).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(gates.maxActive).toBe(2);
  });

  it('starts the next item when a slot frees up, on the fake clock', async () => {
    const { engine, times } = createHarness();
    await engine.deploy(
      flow(
        'sleepy',
        [manual, { id: 'nap', type: 'core.delay', config: { mode: 'duration', durationMs: '{{ trigger.item }}' } }, { id: 'woke', type: 'test.pass', config: { value: '{{ trigger.index }}' } }],
        ['start -> nap', 'nap -> woke'],
      ),
    );
    await engine.deploy(forEachParent('naps', 'sleepy', { concurrency: 2 }));
    const runId = await start(engine, 'naps', { items: [3_000, 1_000, 1_000] });
    const view = await engine.settle(runId);

    expect(view.status).toBe('succeeded');
    // Items 0 and 1 start at once; item 2 takes item 1's slot at 1s and ends at 2s;
    // item 0 ends last, yet the output stays in item order.
    expect(times('woke')).toEqual([t0 + 1_000, t0 + 2_000, t0 + 3_000]);
    expect(step(view, 'each').output).toEqual([0, 1, 2]);
    expect(times('after')).toEqual([t0 + 3_000]);
  });

  it('outputs [] for an empty list and starts no child run', async () => {
    const { engine, count } = createHarness();
    await engine.deploy(flow('echo', [manual, { id: 'echo', type: 'test.pass' }], ['start -> echo']));
    await engine.deploy(forEachParent('empty', 'echo'));
    const runId = await start(engine, 'empty', { items: [] });
    const view = await engine.settle(runId);

    expect(view.status).toBe('succeeded');
    expect(step(view, 'each').output).toEqual([]);
    expect(step(view, 'after').output).toEqual([]);
    expect(count('echo')).toBe(0);
    expect((await engine.runs.list(engine.ctx, { parentRunId: runId })).items).toEqual([]);
  });

  const failingChild = flow(
    'picky',
    [manual, { id: 'check', type: 'test.fail', config: { when: '{{ trigger.item.bad }}', message: 'bad item {{ trigger.index }}' } }],
    ['start -> check'],
  );
  const mixedItems = { items: [{ bad: false }, { bad: true }, { bad: false }] };

  it('with continueOnItemError true makes the error object that item\'s result', async () => {
    const { engine, count } = createHarness();
    await engine.deploy(failingChild);
    await engine.deploy(forEachParent('tolerant', 'picky', { continueOnItemError: true }));
    const view = await engine.settle(await start(engine, 'tolerant', mixedItems));

    expect(view.status).toBe('succeeded');
    expect(step(view, 'each').output).toEqual([
      { item: { bad: false }, index: 0 },
      { error: { code: 'fatal', message: 'bad item 1', retryable: false } },
      { item: { bad: false }, index: 2 },
    ]);
    expect(count('check')).toBe(3);
    expect(count('after')).toBe(1);
  });

  it('with continueOnItemError false fails the step and the run, and starts no further item', async () => {
    const { engine, count } = createHarness();
    await engine.deploy(failingChild);
    await engine.deploy(forEachParent('strict', 'picky'));
    const runId = await start(engine, 'strict', mixedItems);
    const view = await engine.settle(runId);

    expect(view.status).toBe('failed');
    expect(step(view, 'each').status).toBe('failed');
    expect(step(view, 'each').error?.message).toContain('Item 1: bad item 1');
    expect(view.error?.message).toContain('bad item 1');
    expect(count('after')).toBe(0);
    // Items run one at a time: the failure of item 1 keeps item 2 from starting.
    expect(count('check')).toBe(2);
    expect((await engine.runs.list(engine.ctx, { parentRunId: runId })).items).toHaveLength(2);
  });

  it('with continueOnItemError false and onError "route" goes down the error handle', async () => {
    const { engine, count } = createHarness();
    await engine.deploy(failingChild);
    await engine.deploy(forEachParent('routed', 'picky', {}, 'route'));
    const view = await engine.settle(await start(engine, 'routed', mixedItems));

    expect(view.status).toBe('succeeded');
    expect(step(view, 'each')).toMatchObject({ status: 'failed', handle: 'error' });
    expect(step(view, 'after').status).toBe('skipped');
    expect(count('after')).toBe(0);
    expect(step(view, 'handler').output).toMatchObject({ error: { message: expect.stringContaining('bad item 1') } });
  });
});

describe('core.subWorkflow', () => {
  const greet = flow('greet', [manual, { id: 'hello', type: 'test.pass', config: { value: { greeting: 'Hello {{ trigger.name }}' } } }], ['start -> hello']);

  it('with wait true outputs the child run\'s output; the child records its parent', async () => {
    const { engine, count } = createHarness();
    await engine.deploy(greet);
    await engine.deploy(
      flow(
        'caller',
        [manual, { id: 'sub', type: 'core.subWorkflow', config: { workflowId: 'greet', input: { name: '{{ trigger.name }}' } } }, { id: 'after', type: 'test.pass' }],
        ['start -> sub', 'sub -> after'],
      ),
    );
    const runId = await start(engine, 'caller', { name: 'Ada' });
    const view = await engine.settle(runId);

    expect(view.status).toBe('succeeded');
    expect(step(view, 'sub').output).toEqual({ greeting: 'Hello Ada' });
    expect(step(view, 'after').output).toEqual({ greeting: 'Hello Ada' });
    expect(count('hello')).toBe(1);

    const children = (await engine.runs.list(engine.ctx, { parentRunId: runId })).items;
    expect(children).toHaveLength(1);
    const child = await engine.runs.get(engine.ctx, children[0]?.id ?? '');
    expect(child).toMatchObject({ status: 'succeeded', parentRunId: runId, workflowId: 'greet', input: { name: 'Ada' }, output: { greeting: 'Hello Ada' } });
  });

  it('with wait false outputs { runId } at once and leaves the child running', async () => {
    const { engine, gates, until, runReaches } = createHarness();
    await engine.deploy(flow('slowChild', [manual, { id: 'hold', type: 'test.gate', config: { key: 'child' } }], ['start -> hold']));
    await engine.deploy(
      flow(
        'fireAndForget',
        [manual, { id: 'sub', type: 'core.subWorkflow', config: { workflowId: 'slowChild', wait: false } }, { id: 'after', type: 'test.pass' }],
        ['start -> sub', 'sub -> after'],
      ),
    );
    const runId = await start(engine, 'fireAndForget', { job: 1 });
    await until(() => gates.active === 1, 'the child to start');

    const view = await runReaches(runId, 'succeeded');
    const children = (await engine.runs.list(engine.ctx, { parentRunId: runId })).items;
    expect(children).toHaveLength(1);
    const childId = children[0]?.id;
    expect(step(view, 'sub').output).toEqual({ runId: childId });
    expect(step(view, 'after').output).toEqual({ runId: childId });
    expect((await engine.runs.get(engine.ctx, childId ?? '')).status).toBe('running');

    gates.release('child', 'finished');
    const child = await engine.settle(childId ?? '');
    expect(child).toMatchObject({ status: 'succeeded', output: 'finished', parentRunId: runId });
    expect((await engine.runs.get(engine.ctx, runId)).status).toBe('succeeded');
  });

  it('with wait true fails the step when the child run fails', async () => {
    const { engine } = createHarness();
    await engine.deploy(flow('broken', [manual, { id: 'oops', type: 'test.fail', config: { message: 'child broke' } }], ['start -> oops']));
    await engine.deploy(
      flow('callsBroken', [manual, { id: 'sub', type: 'core.subWorkflow', config: { workflowId: 'broken' } }, { id: 'after', type: 'test.pass' }], ['start -> sub', 'sub -> after']),
    );
    const view = await engine.settle(await start(engine, 'callsBroken'));

    expect(view.status).toBe('failed');
    expect(statuses(view)).toMatchObject({ sub: 'failed', after: 'pending' });
    expect(view.error?.message).toContain('child broke');
  });
});

describe('child runs and the parent\'s end', () => {
  const blockingChild = flow('blocking', [manual, { id: 'hold', type: 'test.gate', config: { key: 'item-{{ trigger.index }}' } }], ['start -> hold']);

  it('cancels running child runs when the parent is cancelled', async () => {
    const { engine, gates, until, runReaches } = createHarness();
    await engine.deploy(blockingChild);
    await engine.deploy(forEachParent('cancellable', 'blocking', { concurrency: 2 }));
    const runId = await start(engine, 'cancellable', { items: [1, 2, 3] });
    await until(() => gates.active === 2, 'two children to block');

    expect(await engine.runs.cancel(engine.ctx, runId, 'No longer needed')).toBe(true);
    await runReaches(runId, 'cancelled');
    const children = (await engine.runs.list(engine.ctx, { parentRunId: runId })).items;
    expect(children).toHaveLength(2);
    for (const child of children) await runReaches(child.id, 'cancelled');
    expect(gates.aborted().sort()).toEqual(['item-0', 'item-1']);
  });

  it('cancels the child runs of a branch that core.terminate cut short', async () => {
    const { engine, gates, until, runReaches } = createHarness();
    await engine.deploy(blockingChild);
    await engine.deploy(
      flow(
        'cutShort',
        [
          manual,
          { id: 'each', type: 'core.forEach', config: { items: '{{ trigger.items }}', workflowId: 'blocking', concurrency: 2 } },
          { id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 1_000 } },
          { id: 'stop', type: 'core.terminate', config: { status: 'succeeded', message: 'Good enough' } },
        ],
        ['start -> each', 'start -> pause', 'pause -> stop'],
      ),
    );
    const runId = await start(engine, 'cutShort', { items: [1, 2] });
    await until(() => gates.active === 2, 'two children to block');

    await engine.clock.advance(1_000);
    const view = await runReaches(runId, 'succeeded');
    expect(view.message).toBe('Good enough');
    expect(step(view, 'each').status).toBe('waiting');
    for (const child of (await engine.runs.list(engine.ctx, { parentRunId: runId })).items) await runReaches(child.id, 'cancelled');
  });

  it('leaves a child started with wait false running when the parent ends', async () => {
    const { engine, gates, until, runReaches } = createHarness();
    await engine.deploy(blockingChild);
    await engine.deploy(
      flow(
        'detached',
        [
          manual,
          { id: 'sub', type: 'core.subWorkflow', config: { workflowId: 'blocking', input: { index: 0 }, wait: false } },
          { id: 'stop', type: 'core.terminate', config: { status: 'failed', message: 'Parent gave up' } },
        ],
        ['start -> sub', 'sub -> stop'],
      ),
    );
    const runId = await start(engine, 'detached');
    await until(() => gates.active === 1, 'the child to start');
    await runReaches(runId, 'failed');
    const [child] = (await engine.runs.list(engine.ctx, { parentRunId: runId })).items;
    await engine.clock.flush();
    expect((await engine.runs.get(engine.ctx, child?.id ?? '')).status).toBe('running');
    gates.release('item-0', 'done');
    expect(await runReaches(child?.id ?? '', 'succeeded')).toMatchObject({ output: 'done' });
  });

  it('fails the step when the child workflow has no published version', async () => {
    const { engine } = createHarness();
    await engine.deploy(forEachParent('orphan', 'missing'));
    const view = await engine.settle(await start(engine, 'orphan', { items: [1] }));

    expect(view.status).toBe('failed');
    expect(step(view, 'each')).toMatchObject({ status: 'failed', error: { code: 'not_found' } });
  });

  it('fails an item whose child run ends with core.terminate failed', async () => {
    const { engine } = createHarness();
    await engine.deploy(flow('quitter', [manual, { id: 'quit', type: 'core.terminate', config: { status: 'failed', message: 'Item {{ trigger.index }} refused' } }], ['start -> quit']));
    await engine.deploy(forEachParent('quits', 'quitter', { continueOnItemError: true }));
    const view = await engine.settle(await start(engine, 'quits', { items: ['a'] }));

    expect(view.status).toBe('succeeded');
    expect(step(view, 'each').output).toEqual([{ error: { code: 'terminated', message: 'Item 0 refused', retryable: false } }]);
  });
});
