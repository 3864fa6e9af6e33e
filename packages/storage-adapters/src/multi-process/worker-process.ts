/**
 * One worker of the multi-process tests, run as its own Node process: it opens the store
 * and queue named by the JSON config in its first argument, registers the counted step,
 * starts an engine and prints `worker-ready`. SIGTERM stops it gracefully; the tests kill
 * one with SIGKILL to see its runs finished by the others, after SIGUSR2 made it hold a
 * step in flight.
 */
import { createEngine, type EngineLogger } from '@pipewright/core';
import { countedStepRegistry } from './counted-step-workflow';
import { openWorkerStorage } from './open-worker-storage';
import { countExecution, stepCounterTable } from './step-counter-table';
import { heldStepLine, holdStepSignal, workerConfigSchema, workerReadyLine } from './worker-config';

const config = workerConfigSchema.parse(JSON.parse(process.argv[2] ?? 'null'));

function log(level: string, message: string, data?: Record<string, unknown>): void {
  process.stderr.write(`[${config.name} ${new Date().toISOString()}] ${level} ${message}${data === undefined ? '' : ` ${JSON.stringify(data)}`}\n`);
}

// Debug and info would drown what matters when a test fails.
const logger: EngineLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, data) => log('warn', message, data),
  error: (message, data) => log('error', message, data),
};

// A test runner killed mid-test cannot stop its workers: they notice that they were orphaned and exit.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) process.exit(2);
}, 500).unref();

process.on('unhandledRejection', (reason) => log('error', 'Unhandled rejection', { reason: String(reason) }));

const storage = await openWorkerStorage(config, (error) => log('error', 'Queue error', { error: String(error) }));
const counter = stepCounterTable(config.tablePrefix);
let holdNextStep = false;
process.on(holdStepSignal, () => {
  holdNextStep = true;
});
const registry = countedStepRegistry(config.name, async (execution) => {
  const count = await countExecution(storage.database.db, counter, execution);
  if (holdNextStep) {
    holdNextStep = false;
    // Counted, never to be recorded: the test kills this process once it reads the line.
    process.stdout.write(`${heldStepLine(execution.idempotencyKey)}\n`);
    await new Promise<never>(() => undefined);
  }
  return count;
});
const engine = createEngine({ registry, store: storage.store, queue: storage.queue, concurrency: config.concurrency, leaseMs: config.leaseMs, logger });
engine.on('step.failed', ({ runId, event }) => log('error', 'Step failed', { runId, nodeId: event.nodeId, attempt: event.attempt, error: event.error }));
engine.on('run.failed', ({ runId, event }) => log('error', 'Run failed', { runId, error: event.error }));
engine.start();
process.stdout.write(`${workerReadyLine}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    try {
      await engine.stop();
      await storage.close();
      process.exit(0);
    } catch (error) {
      log('error', 'Stopping failed', { error: String(error) });
      process.exit(1);
    }
  })();
});
