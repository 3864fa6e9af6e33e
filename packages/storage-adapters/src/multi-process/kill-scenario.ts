import { asTenantId, createEngine, type Engine } from '@pipewright/core';
import { countedStepRegistry, countedStepWorkflow } from './counted-step-workflow';
import { openWorkerStorage } from './open-worker-storage';
import { auditRuns, type RunAudit } from './run-audit';
import { countRunsByStatus, waitForRuns } from './run-progress';
import { createStepCounterTable, stepCounterTable } from './step-counter-table';
import { dropTestTables, uniqueTablePrefix } from './test-tables';
import { heldStepPattern, type WorkerConfig } from './worker-config';
import type { Exit, WorkerProcess, WorkerProcesses } from './worker-processes';

export interface KillScenarioOptions {
  /** Starts the table prefix, e.g. `mp_pg`. */
  label: string;
  /** The SQL store every process opens. */
  connection: string;
  /** The queue, given the scenario's table prefix (to derive unique queue names from it). */
  queue: (tablePrefix: string) => WorkerConfig['queue'];
  /** Worker processes started before the runs; the first one is killed. */
  workers: number;
  /** Start a fresh worker once the first one is dead (with one worker, someone must finish). */
  replaceKilled: boolean;
  runs: number;
  stepSleepMs: number;
  concurrency: number;
  leaseMs: number;
  /** Kill the first worker once this many runs have succeeded. */
  killWhenSucceeded: number;
  /** How long the runs may take, from when the workers are ready, before the test gives up. */
  timeoutMs: number;
  processes: WorkerProcesses;
}

export interface KillScenarioResult {
  audit: RunAudit;
  runIds: string[];
  /** Jobs that exhausted their attempts, in the queue and in the store. */
  deadLetters: { queue: number; store: number };
  /** The worker killed, with the key of the step it held in flight when it died. */
  killed: { name: string; exit: Exit; heldKey: string; succeededBefore: number; succeededAfter: number };
  /** How the workers still alive at the end stopped (gracefully, on SIGTERM). */
  survivors: Array<{ name: string; exit: Exit }>;
  /** Milliseconds from the scenario's start. */
  timings: { workersReady: number; killed: number; runsStarted: number; allSucceeded: number; audited: number };
}

const tenant = { tenantId: 'multi-process' };
const workflowId = 'counted-steps';
const startLanes = 16;
/** tsx compiles each worker's sources at start: seconds each when the machine is busy. */
const workerReadyTimeoutMs = 45_000;
/** A busy worker counts its next step within milliseconds. */
const heldStepTimeoutMs = 15_000;

/** Starts `count` runs, `startLanes` at a time, and returns their ids in start order. */
async function startRuns(engine: Engine, count: number): Promise<string[]> {
  const runIds: string[] = new Array<string>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const { runId } = await engine.runs.start(tenant, { workflowId }, { index });
      runIds[index] = runId;
    }
  };
  await Promise.all(Array.from({ length: startLanes }, lane));
  return runIds;
}

/**
 * Worker processes share one store and one queue; the test process starts the runs, kills
 * the first worker with SIGKILL once `killWhenSucceeded` runs have succeeded, waits for
 * every run to succeed, stops the others gracefully and audits the store. The tables
 * (and the queue's keys) are removed afterwards, whatever happened.
 */
export async function runKillScenario(options: KillScenarioOptions): Promise<KillScenarioResult> {
  const began = Date.now();
  const since = (): number => Date.now() - began;
  const tablePrefix = uniqueTablePrefix(options.label);
  const queue = options.queue(tablePrefix);
  const counterTable = stepCounterTable(tablePrefix);
  const { processes } = options;
  const storage = await openWorkerStorage({ connection: options.connection, tablePrefix, queue }, (error) => console.error('Queue error in the test process:', error));
  try {
    const { database } = storage;
    await createStepCounterTable(database.db, counterTable);
    // This engine is never started: it only saves the workflow and starts runs, which the workers execute.
    const starter = createEngine({
      registry: countedStepRegistry('starter', () => Promise.reject(new Error('The test process does not execute steps'))),
      store: storage.store,
      queue: storage.queue,
    });
    await starter.workflows.save(tenant, countedStepWorkflow(workflowId, options.stepSleepMs));
    await starter.workflows.publish(tenant, workflowId);

    const configFor = (name: string): WorkerConfig => ({
      name,
      connection: options.connection,
      tablePrefix,
      queue,
      concurrency: options.concurrency,
      leaseMs: options.leaseMs,
    });
    const workers: WorkerProcess[] = Array.from({ length: options.workers }, (_, index) => processes.start(configFor(`w${index + 1}`)));
    await processes.ready(workerReadyTimeoutMs);
    const workersReady = since();
    const deadline = Date.now() + options.timeoutMs;
    const remaining = (): number => Math.max(1_000, deadline - Date.now());

    let runsStarted = 0;
    const starting = startRuns(starter, options.runs).then((ids) => {
      runsStarted = since();
      return ids;
    });
    // A failed start must fail the test, not leave it polling for runs that never come.
    let startFailure: unknown;
    starting.catch((error: unknown) => (startFailure = error));
    const diagnose = (): string => (startFailure === undefined ? processes.report() : `Starting the runs failed: ${String(startFailure)}\n${processes.report()}`);

    await waitForRuns(database, tenant.tenantId, (counts) => startFailure !== undefined || (counts['succeeded'] ?? 0) >= options.killWhenSucceeded, {
      timeoutMs: remaining(),
      what: `${options.killWhenSucceeded} runs to succeed before the kill`,
      describe: diagnose,
    });
    const victim = workers[0] as WorkerProcess;
    const succeededBefore = (await countRunsByStatus(database, tenant.tenantId))['succeeded'] ?? 0;
    // The victim holds the next step it counts and says which: the kill lands mid-step for
    // certain, while its other runs are wherever they happen to be.
    victim.holdNextStep();
    const held = await victim.waitForLine(heldStepPattern, heldStepTimeoutMs);
    const killedExit = await victim.kill();
    const succeededAfter = (await countRunsByStatus(database, tenant.tenantId))['succeeded'] ?? 0;
    const killed = since();
    if (options.replaceKilled) {
      processes.start(configFor(`w${options.workers + 1}`));
      await processes.ready(workerReadyTimeoutMs);
    }

    const runIds = await starting;
    await waitForRuns(database, tenant.tenantId, (counts) => (counts['succeeded'] ?? 0) >= options.runs, {
      timeoutMs: remaining(),
      what: `all ${options.runs} runs to succeed`,
      describe: diagnose,
    });
    const allSucceeded = since();

    const alive = processes.list().filter((worker) => worker.exit() === undefined);
    const survivors = await Promise.all(alive.map(async (worker) => ({ name: worker.name, exit: await worker.stop() })));
    const audit = await auditRuns(database, { tenantId: tenant.tenantId, runIds, counterTable, killed: new Map([[victim.name, options.concurrency]]) });
    const deadLetters = {
      queue: (await storage.queue.deadLetters()).length,
      store: (await storage.store.listDeadLetters(asTenantId(tenant.tenantId))).items.length,
    };
    return {
      audit,
      runIds,
      deadLetters,
      killed: { name: victim.name, exit: killedExit, heldKey: held[1] ?? '', succeededBefore, succeededAfter },
      survivors,
      timings: { workersReady, runsStarted, killed, allSucceeded, audited: since() },
    };
  } finally {
    await processes.stopAll(5_000);
    try {
      await dropTestTables(storage.database, tablePrefix);
      await storage.removeQueue();
    } finally {
      await storage.close();
    }
  }
}
