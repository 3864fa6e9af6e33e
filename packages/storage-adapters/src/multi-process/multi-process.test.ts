import { describe, expect, it, onTestFailed } from 'vitest';
import { describeWithServer, testServer } from '../test-support/test-servers';
import { runKillScenario, type KillScenarioOptions, type KillScenarioResult } from './kill-scenario';
import { WorkerProcesses } from './worker-processes';

const postgres = await testServer('postgres');
const redis = await testServer('redis');

const runs = 1_000;
const concurrency = 8;
/**
 * Workers ready (up to 45 s), the runs (up to 75 s), then stopping and cleaning up. Both
 * bounds are far above the usual 10 s and 15-40 s: they only keep a busy machine from failing the test.
 */
const testTimeoutMs = 135_000;

/** Three workers, 1,000 runs of five counted steps; the first worker dies at about 30%. */
const shared = {
  connection: postgres.url,
  workers: 3,
  replaceKilled: false,
  runs,
  // Most of a step's time is after it counted its execution: the kill lands there, in flight.
  stepSleepMs: 20,
  concurrency,
  // Short, so the killed worker's runs come back within seconds; heartbeats every leaseMs / 3 keep the live ones.
  leaseMs: 2_000,
  killWhenSucceeded: Math.round(runs * 0.3),
  timeoutMs: 75_000,
} satisfies Partial<KillScenarioOptions>;

function expectSoundRecovery(result: KillScenarioResult): void {
  console.info(`multi-process timings (ms): ${JSON.stringify(result.timings)}; killed ${result.killed.name} holding ${result.killed.heldKey} at ${result.killed.succeededAfter}/${runs} runs succeeded; ${result.audit.redone.length} steps redone; ${result.audit.executions} step executions, ${result.audit.events} events`);
  expect(result.killed.exit.signal).toBe('SIGKILL');
  // The kill landed mid-way: runs were left for the others.
  expect(result.killed.succeededAfter).toBeLessThan(runs);
  expect(result.audit.problems).toEqual([]);
  expect(result.deadLetters).toEqual({ queue: 0, store: 0 });
  expect(result.runIds).toHaveLength(runs);
  expect(result.audit.executions).toBe(runs * 5 + result.audit.redone.length);
  // The kill landed mid-step: the step the killed worker held was redone elsewhere, with any others it had counted.
  expect(result.audit.redone.map((counter) => counter.idempotencyKey)).toContain(result.killed.heldKey);
  expect(result.audit.redone.length).toBeLessThanOrEqual(concurrency);
  for (const survivor of result.survivors) expect(survivor.exit, `worker ${survivor.name} stops gracefully`).toEqual({ code: 0, signal: null });
}

describe('multi-process workers', () => {
  describeWithServer(postgres, 'on PostgreSQL with the SQL job queue', () => {
    it('finish 1,000 runs when one of three workers is killed mid-way, and no completed step runs twice', async () => {
      const processes = new WorkerProcesses();
      onTestFailed(() => console.error(processes.report()));
      const result = await runKillScenario({ ...shared, label: 'mp_pg', queue: () => ({ kind: 'sql', pollIntervalMs: 100 }), processes });
      expectSoundRecovery(result);
    }, testTimeoutMs);
  });

  describeWithServer(postgres, 'on PostgreSQL with the BullMQ job queue', () => {
    describeWithServer(redis, 'on Redis', () => {
      it('finish 1,000 runs when one of three workers is killed mid-way, and no completed step runs twice', async () => {
        const processes = new WorkerProcesses();
        onTestFailed(() => console.error(processes.report()));
        const result = await runKillScenario({
          ...shared,
          label: 'mp_bull',
          // The queue's Redis keys are unique to the test, as its tables are.
          queue: (tablePrefix) => ({ kind: 'bullmq', connection: redis.url, queueName: tablePrefix.replace(/_+$/, ''), prefix: 'pwtest' }),
          processes,
        });
        expectSoundRecovery(result);
      }, testTimeoutMs);
    });
  });
});
