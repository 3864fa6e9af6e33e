import { builtinConnectors } from '@pipewright/connectors';
import { coreNodes, createEngine, createRegistry, defineNode, evaluateJmespath } from '@pipewright/core';
import { z } from 'zod';
import { benchInput } from './engine-workloads';

function time(name: string, n: number, fn: () => void) {
  for (let i = 0; i < 1000; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  console.log(name, (((performance.now() - t0) / n) * 1000).toFixed(3), 'µs');
}
const input = { ...benchInput(1), f1: 20, g2: 2, f3: 20 };
time('structuredClone', 100000, () => structuredClone(input));
time('json roundtrip', 100000, () => JSON.parse(JSON.stringify(input)));
time('jmespath merge', 100000, () => evaluateJmespath('merge(@, {f1: length(items)})', input));

const noop = defineNode({ type: 'test.noop', version: 1, title: 'n', description: 'n', category: 'T', configSchema: z.object({}), sideEffects: false, run: ({ input }) => input });
const nodes = [{ id: 'start', type: 'core.manual', config: {} }, ...Array.from({ length: Number(process.env.STEPS ?? 10) }, (_, i) => ({ id: `s${i + 1}`, type: 'test.noop', config: {} }))];
const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
const engine = createEngine({ registry: createRegistry([...coreNodes, ...builtinConnectors, noop]), concurrency: 256 });
const ctx = { tenantId: 'b' };
await engine.workflows.save(ctx, { id: 'noop', name: 'noop', nodes, edges });
await engine.workflows.publish(ctx, 'noop');
engine.start();
let finished = 0; let release: (() => void) | undefined;
engine.on('run.succeeded', () => { finished++; release?.(); });
const total = 30000; let started = 0; const t0 = performance.now();
while (finished < total) {
  while (started < total && started - finished < 256) void engine.runs.start(ctx, { workflowId: 'noop' }, { n: started++ });
  await new Promise<void>((r) => { release = r; });
}
console.log('noop linear10 runs/s', ((total / (performance.now() - t0)) * 1000).toFixed(0));
await engine.stop();
