/**
 * A worker process for the multi-process benchmarks: an engine on the given database and
 * table prefix that advances runs until its parent says stop. It starts no runs itself.
 *
 *   node --import tsx bench/storage-worker.ts <connection> <table prefix> <concurrency>
 *
 * Messages over the IPC channel: it sends `ready` once leasing, `finished` with the runs
 * that ended since the last one (per tenant), and `stopped` (with the errors its engine
 * logged) after a `stop`; it exits when the parent goes away too.
 */
import { createStorage } from '@pipewright/storage-adapters';
import { engineOn, LoggedErrors } from './bench-engine';

/** Runs that ended, by tenant: succeeded, and failed or cancelled. */
export type FinishedRuns = Record<string, { succeeded: number; unsuccessful: number }>;
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'finished'; runs: FinishedRuns }
  | { type: 'stopped'; note: string | undefined }
  | { type: 'error'; message: string };
export type ParentMessage = { type: 'stop' };

const [connection, tablePrefix, concurrencyArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
if (connection === undefined || tablePrefix === undefined || !Number.isInteger(concurrency) || concurrency < 1) {
  throw new Error('usage: storage-worker.ts <connection> <table prefix> <concurrency>');
}

const send = (message: WorkerMessage): void => {
  if (process.connected) process.send?.(message);
};

try {
  // The parent migrated the tables before starting its workers.
  const storage = await createStorage({ connection, tablePrefix, migrate: false });
  const logged = new LoggedErrors();
  const engine = engineOn(storage, { concurrency, logger: logged });
  // The engine announces a run's end once its last events are stored. Ends are sent to the
  // starter in one message per turn of the event loop, so that it refills the in-flight
  // runs without counting them in the database, and the IPC costs little per run.
  let ended: FinishedRuns | undefined;
  const flushEnded = (): void => {
    if (ended !== undefined) send({ type: 'finished', runs: ended });
    ended = undefined;
  };
  const runEnded = (tenantId: string, succeeded: boolean): void => {
    if (ended === undefined) {
      ended = {};
      setImmediate(flushEnded);
    }
    const counts = (ended[tenantId] ??= { succeeded: 0, unsuccessful: 0 });
    if (succeeded) counts.succeeded++;
    else counts.unsuccessful++;
  };
  engine.on('run.succeeded', (e) => runEnded(e.tenantId, true));
  engine.on('run.failed', (e) => runEnded(e.tenantId, false));
  engine.on('run.cancelled', (e) => runEnded(e.tenantId, false));
  engine.start();

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await engine.stop({ graceful: false });
    await storage.close();
    // Exit rather than wait for the event loop to empty: a stopped engine's heartbeat
    // timer still holds it for up to a third of the lease (10 s).
    const message: WorkerMessage = { type: 'stopped', note: logged.summary() };
    if (process.connected) process.send?.(message, undefined, {}, () => process.exit(0));
    else process.exit(0);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  if (process.connected) process.disconnect();
}
