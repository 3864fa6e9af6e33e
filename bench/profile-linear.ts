import { builtinConnectors } from '@pipewright/connectors';
import { coreNodes, createEngine, createRegistry } from '@pipewright/core';
import { benchInput, linear10 } from './engine-workloads';

const engine = createEngine({ registry: createRegistry([...coreNodes, ...builtinConnectors]), concurrency: 256 });
const ctx = { tenantId: 'bench' };
const wf = linear10();
await engine.workflows.save(ctx, wf);
await engine.workflows.publish(ctx, wf.id);
engine.start();
let finished = 0;
let release: (() => void) | undefined;
engine.on('run.succeeded', () => { finished++; release?.(); });
const total = Number(process.env.TOTAL ?? 60000);
let started = 0;
const t0 = performance.now();
const elu0 = performance.eventLoopUtilization();
while (finished < total) {
  while (started < total && started - finished < Number(process.env.INFLIGHT ?? 256)) void engine.runs.start(ctx, { workflowId: wf.id }, benchInput(started++));
  await new Promise<void>((r) => { release = r; });
}
console.log('runs/s', (total / (performance.now() - t0)) * 1000, 'elu', performance.eventLoopUtilization(elu0).utilization.toFixed(3));
await engine.stop();
