import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { builtinConnectors } from '@pipewright/connectors';
import { coreNodes, createEngine, createRegistry, type WorkflowInput } from '@pipewright/core';
import { report } from './harness';
import { benchInput, fanout10, linear10 } from './engine-workloads';

const rounds = 5;
const roundMs = 2_000;
const inFlight = 256;
const registry = createRegistry([...coreNodes, ...builtinConnectors]);

// A full collection before each timed section: a round's set-up (a thousand tenants'
// workflows saved, published and compiled, say) leaves garbage in the old generation
// that would otherwise be collected, and charged, inside the round.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

/**
 * Runs per second of `workflow` on a fresh in-memory engine, keeping `inFlight` runs
 * started and not finished for `durationMs`. Fresh per round: the in-memory store keeps
 * every run, and a heap that only grows would measure the garbage collector rather than
 * the engine. The engine advances runs with its default concurrency (32), as a host
 * that sets nothing gets: steps that never wait gain nothing from advancing more runs at
 * once, and advancing all 256 at once kept every one's state alive through each young
 * generation collection (about 15,000 runs/s against 19,000 at 32, measured alternately).
 */
async function measureRound(workflow: WorkflowInput, durationMs: number, tenants = 1): Promise<number> {
  const engine = createEngine({ registry });
  const contexts = Array.from({ length: tenants }, (_, index) => ({ tenantId: `bench-${index}` }));
  for (const ctx of contexts) {
    await engine.workflows.save(ctx, workflow);
    await engine.workflows.publish(ctx, workflow.id);
  }
  engine.start();
  if (tenants > 1) {
    // One run per tenant first: each tenant's workflow is compiled once and cached, which
    // is start-up cost, not the steady-state scheduling the round measures.
    const warm = await Promise.all(contexts.map((ctx, index) => engine.runs.start(ctx, { workflowId: workflow.id }, benchInput(index))));
    await Promise.all(
      warm.map(async ({ runId }, index) => {
        const ctx = contexts[index] as { tenantId: string };
        while (!['succeeded', 'failed'].includes((await engine.runs.get(ctx, runId)).status)) await new Promise((resolve) => setTimeout(resolve, 5));
      }),
    );
  }
  let finished = 0;
  let failed = 0;
  let release: (() => void) | undefined;
  const done = (): void => {
    finished++;
    release?.();
  };
  engine.on('run.succeeded', done);
  engine.on('run.failed', () => {
    failed++;
    done();
  });
  collectGarbage();
  const start = performance.now();
  let started = 0;
  while (performance.now() - start < durationMs) {
    while (started - finished < inFlight) {
      const ctx = contexts[started % tenants] as { tenantId: string };
      void engine.runs.start(ctx, { workflowId: workflow.id }, benchInput(started++));
    }
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  }
  while (finished < started) {
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  }
  const perSecond = (finished / (performance.now() - start)) * 1000;
  await engine.stop();
  if (failed > 0) throw new Error(`${failed} benchmark runs failed`);
  return perSecond;
}

async function runsPerSecond(workflow: WorkflowInput): Promise<number> {
  await measureRound(workflow, 1_000);
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) results.push(await measureRound(workflow, roundMs));
  return median(results);
}

export interface EngineBench {
  name: string;
  run: () => Promise<void>;
}

/**
 * What fair scheduling between tenants costs: the same workload spread over 1,000
 * tenants (the queue keeps a place per tenant and takes turns) against one tenant,
 * rounds interleaved so drift in the machine's speed hits both alike.
 */
async function fairnessOverheadPct(workflow: WorkflowInput): Promise<{ one: number; many: number; pct: number }> {
  await measureRound(workflow, 1_000, 1);
  await measureRound(workflow, 1_000, 1_000);
  const one: number[] = [];
  const many: number[] = [];
  for (let round = 0; round < rounds; round++) {
    one.push(await measureRound(workflow, roundMs, 1));
    many.push(await measureRound(workflow, roundMs, 1_000));
  }
  const pct = (1 - median(many) / median(one)) * 100;
  return { one: median(one), many: median(many), pct };
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
  {
    name: 'fairness.overhead_pct',
    run: async () => {
      const { one, many, pct } = await fairnessOverheadPct(linear10());
      report('fairness.one_tenant.runs_per_s', one, 'runs/s');
      report('fairness.1000_tenants.runs_per_s', many, 'runs/s');
      report('fairness.overhead_pct', pct, '%');
    },
  },
];
