import { builtinConnectors } from '@pipewright/connectors';
import { asRunId, asTenantId, coreNodes, createEngine, createMemoryRunStore, createRegistry, defineNode, foldRun, type RunEvent } from '@pipewright/core';
import { z } from 'zod';

async function time(name: string, n: number, fn: (i: number) => unknown) {
  for (let i = 0; i < 2000; i++) await fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i + 2000);
  console.log(name, (((performance.now() - t0) / n) * 1000).toFixed(2), 'µs');
}
const noop = defineNode({ type: 'test.noop', version: 1, title: 'n', description: 'n', category: 'T', configSchema: z.object({}), sideEffects: false, run: ({ input }) => input });
const nodes = [{ id: 'start', type: 'core.manual', config: {} }, ...Array.from({ length: 10 }, (_, i) => ({ id: `s${i + 1}`, type: 'test.noop', config: {} }))];
const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
const engine = createEngine({ registry: createRegistry([...coreNodes, ...builtinConnectors, noop]), concurrency: 256 });
const ctx = { tenantId: 'b' };
await engine.workflows.save(ctx, { id: 'noop', name: 'noop', nodes, edges });
await engine.workflows.publish(ctx, 'noop');
await time('runs.start (no worker)', 20000, (i) => engine.runs.start(ctx, { workflowId: 'noop' }, { n: i }));
const store = createMemoryRunStore();
const t = asTenantId('t');
const created = { type: 'run.created', runId: asRunId('r'), tenantId: t, workflowId: 'w', versionId: 'v', input: {}, triggerNodeId: 'start', startedAt: 0, resumeSecret: 'x', variables: {} } as unknown as RunEvent;
let seq = 0;
await store.createRun({ tenantId: t, id: asRunId('r'), workflowId: 'w' as never, versionId: 'v' as never, status: 'queued', createdAt: 0, updatedAt: 0, lastSeq: 0 }, [created]);
seq = 1;
await time('appendEvents', 100000, async () => {
  const r = await store.appendEvents(t, asRunId('r'), seq, [{ type: 'step.succeeded', nodeId: 's1', attempt: 1, output: 1, durationMs: 0 }], { status: 'running' }, 0);
  if (r.ok) seq = r.lastSeq;
});
const events: RunEvent[] = [created, ...Array.from({ length: 11 }, (_, i) => ({ type: 'step.succeeded', nodeId: `s${i}`, attempt: 1, output: i, durationMs: 0 }) as RunEvent)];
await time('foldRun 12 events', 100000, () => foldRun(events));
const q = engine.queue;
await time('queue.enqueue', 100000, (i) => q.enqueue({ tenantId: t, name: 'x', payload: {}, dedupeKey: `k${i}` }));
