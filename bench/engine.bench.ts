import { performance } from 'node:perf_hooks';
import { builtinConnectors } from '@pipewright/connectors';
import { coreNodes, createEngine, createRegistry, type WorkflowInput } from '@pipewright/core';
import { report } from './harness';
import { benchInput, fanout10, linear10 } from './engine-workloads';

const rounds = 5;
const roundMs = 2_000;
const inFlight = 256;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

/** Runs of `workflow` per second on an in-memory engine, keeping `inFlight` runs going. */
async function runsPerSecond(workflow: WorkflowInput): Promise<number> {
  const engine = createEngine({ registry: createRegistry([...coreNodes, ...builtinConnectors]), concurrency: inFlight });
  const ctx = { tenantId: 'bench' };
  await engine.workflows.save(ctx, workflow);
  await engine.workflows.publish(ctx, workflow.id);
  engine.start();
  let finished = 0;
  let failed = 0;
  let release: (() => void) | undefined;
  engine.on('run.succeeded', () => {
    finished++;
    release?.();
  });
  engine.on('run.failed', () => {
    failed++;
    finished++;
    release?.();
  });

  async function measure(durationMs: number): Promise<number> {
    const start = performance.now();
    const startFinished = finished;
    let started = 0;
    let i = 0;
    while (performance.now() - start < durationMs) {
      while (started - (finished - startFinished) < inFlight) {
        started++;
        void engine.runs.start(ctx, { workflowId: workflow.id }, benchInput(i++));
      }
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    }
    while (finished - startFinished < started) {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    }
    return ((finished - startFinished) / (performance.now() - start)) * 1000;
  }

  await measure(500);
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) results.push(await measure(roundMs));
  await engine.stop();
  if (failed > 0) throw new Error(`${failed} benchmark runs failed`);
  return median(results);
}

export interface EngineBench {
  name: string;
  run: () => Promise<void>;
}

export const engineBenchmarks: EngineBench[] = [
  {
    name: 'engine.memory.linear10',
    run: async () => {
      const perSecond = await runsPerSecond(linear10());
      report('engine.memory.linear10.runs_per_s', perSecond, 'runs/s');
      report('engine.memory.linear10.us_per_step', 1e6 / (perSecond * 10), 'µs');
    },
  },
  {
    name: 'engine.memory.fanout10',
    run: async () => {
      report('engine.memory.fanout10.runs_per_s', await runsPerSecond(fanout10()), 'runs/s');
    },
  },
];
