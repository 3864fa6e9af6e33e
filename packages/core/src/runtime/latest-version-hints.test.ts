import { describe, expect, it } from 'vitest';
import { createMemoryJobQueue } from '../ports/memory-job-queue';
import { createMemoryRunStore } from '../ports/memory-run-store';
import type { RunStore } from '../ports/run-store';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { createEngine } from './engine';

const registry = createRegistry(coreNodes);
const tenant = { tenantId: 'acme' };
const workflow = (name: string) => ({
  id: 'wf',
  name,
  nodes: [
    { id: 'start', type: 'core.manual' },
    { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 60_000 } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'wait' }],
});

/** A store that counts version lookups; `withoutOfLatest` hides `createRunOfLatest`, as a store may. */
function countingStore(options: { withoutOfLatest?: boolean } = {}): { store: RunStore; lookups: () => number } {
  const inner = createMemoryRunStore();
  let lookups = 0;
  const store: RunStore = new Proxy(inner, {
    get(target, key) {
      if (key === 'getLatestVersionId') {
        return (...args: Parameters<RunStore['getLatestVersionId']>) => {
          lookups++;
          return target.getLatestVersionId(...args);
        };
      }
      if (key === 'createRunOfLatest' && options.withoutOfLatest === true) return undefined;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, lookups: () => lookups };
}

describe('starts by workflow id', () => {
  it('look the latest version up once, then start from the version they remember', async () => {
    const { store, lookups } = countingStore();
    const engine = createEngine({ registry, store, queue: createMemoryJobQueue() });
    await engine.workflows.save(tenant, workflow('one'));
    const version = await engine.workflows.publish(tenant, 'wf');
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await engine.runs.start(tenant, { workflowId: 'wf' }, {}));
    expect(lookups()).toBe(1);
    for (const { runId } of runs) expect((await store.getRun(version.tenantId, runId as never))?.versionId).toBe(version.id);
    await engine.stop();
  });

  it('start the version another engine published since, on the same store', async () => {
    const { store, lookups } = countingStore();
    const queue = createMemoryJobQueue();
    const starter = createEngine({ registry, store, queue });
    const editor = createEngine({ registry, store, queue });
    await editor.workflows.save(tenant, workflow('one'));
    const first = await editor.workflows.publish(tenant, 'wf');
    const before = await starter.runs.start(tenant, { workflowId: 'wf' }, {});
    expect((await starter.runs.get(tenant, before.runId)).versionId).toBe(first.id);

    await editor.workflows.save(tenant, workflow('two'));
    const second = await editor.workflows.publish(tenant, 'wf');
    const after = await starter.runs.start(tenant, { workflowId: 'wf' }, {});
    expect((await starter.runs.get(tenant, after.runId)).versionId).toBe(second.id);
    // The remembered version was refused as stale, and looked up again.
    expect(lookups()).toBe(2);
    // Nothing was stored for the refused attempt.
    expect((await starter.runs.list(tenant, { workflowId: 'wf' })).items.map((run) => run.id).sort()).toEqual([before.runId, after.runId].sort());

    await editor.workflows.delete(tenant, 'wf');
    await expect(starter.runs.start(tenant, { workflowId: 'wf' }, {})).rejects.toMatchObject({ code: 'not_found' });
    await starter.stop();
    await editor.stop();
  });

  it('take an input that the remembered version refuses and a version published since accepts', async () => {
    const { store } = countingStore();
    const queue = createMemoryJobQueue();
    const starter = createEngine({ registry, store, queue });
    const editor = createEngine({ registry, store, queue });
    const strict = workflow('strict');
    const withSchema = { ...strict, nodes: [{ id: 'start', type: 'core.manual', config: { inputSchema: { type: 'object', properties: { orderId: { type: 'number' } }, required: ['orderId'] } } }, ...strict.nodes.slice(1)] };
    await editor.workflows.save(tenant, withSchema);
    await editor.workflows.publish(tenant, 'wf');
    await starter.runs.start(tenant, { workflowId: 'wf' }, { orderId: 1 });
    await expect(starter.runs.start(tenant, { workflowId: 'wf' }, {})).rejects.toMatchObject({ code: 'invalid_input' });

    await editor.workflows.save(tenant, workflow('lenient'));
    const lenient = await editor.workflows.publish(tenant, 'wf');
    const { runId } = await starter.runs.start(tenant, { workflowId: 'wf' }, {});
    expect((await starter.runs.get(tenant, runId)).versionId).toBe(lenient.id);
    await starter.stop();
    await editor.stop();
  });

  it('look the version up on every start where the store cannot check it while storing the run', async () => {
    const { store, lookups } = countingStore({ withoutOfLatest: true });
    const engine = createEngine({ registry, store, queue: createMemoryJobQueue() });
    await engine.workflows.save(tenant, workflow('one'));
    await engine.workflows.publish(tenant, 'wf');
    for (let i = 0; i < 3; i++) await engine.runs.start(tenant, { workflowId: 'wf' }, {});
    expect(lookups()).toBe(3);
    await engine.stop();
  });
});
