import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { runKillScenario } from './kill-scenario';
import { WorkerProcesses } from './worker-processes';

const directory = mkdtempSync(join(tmpdir(), 'pw-sqlite-crash-'));

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

const runs = 50;
const concurrency = 10;

describe('a worker on a SQLite file', () => {
  it('is killed mid-run; a new process on the same file finishes every run, and no step succeeds twice', async () => {
    const processes = new WorkerProcesses();
    onTestFailed(() => console.error(processes.report()));
    const result = await runKillScenario({
      label: 'crash',
      connection: `sqlite:${join(directory, 'crash.db')}`,
      queue: () => ({ kind: 'sql', pollIntervalMs: 50 }),
      workers: 1,
      replaceKilled: true,
      runs,
      // Steps that take a while: with 10 runs at once, ten steps are in flight when the kill lands.
      stepSleepMs: 50,
      concurrency,
      leaseMs: 2_000,
      killWhenSucceeded: 15,
      timeoutMs: 45_000,
      processes,
    });
    console.info(`sqlite crash timings (ms): ${JSON.stringify(result.timings)}; killed at ${result.killed.succeededAfter}/${runs} runs succeeded; ${result.audit.redone.length} steps redone`);

    expect(result.killed.exit.signal).toBe('SIGKILL');
    expect(result.killed.succeededAfter).toBeLessThan(runs);
    expect(result.audit.problems).toEqual([]);
    expect(result.deadLetters).toEqual({ queue: 0, store: 0 });
    expect(result.audit.executions).toBe(runs * 5 + result.audit.redone.length);
    // The kill landed mid-step, and only the steps the dead process had in flight ran again.
    expect(result.audit.redone.map((counter) => counter.idempotencyKey)).toContain(result.killed.heldKey);
    expect(result.audit.redone.length).toBeLessThanOrEqual(concurrency);
    expect(result.survivors).toEqual([{ name: 'w2', exit: { code: 0, signal: null } }]);
  }, 90_000);
});
