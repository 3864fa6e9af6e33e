import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The thread's code, inline so that it runs the same from source and from the bundle;
 * it loads better-sqlite3 from the path the main thread resolved.
 */
const threadSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.restartWaitMs);
const checkpoint = () => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    if (passive.log >= workerData.restartAfterFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch {}
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage('stopped');
});
`;

export interface SqliteCheckpointer {
  stop(): Promise<void>;
}

export interface SqliteCheckpointerOptions {
  /** How often the thread checkpoints. */
  intervalMs?: number;
  /** A WAL of at least this many frames (pages) after the passive checkpoint is restarted. */
  restartAfterFrames?: number;
  /** How long a restart may wait for the writer and readers (and so hold new writes back). */
  restartWaitMs?: number;
}

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside
 * the commit that crosses the threshold, on the caller's thread: copying the WAL back
 * into the file and syncing it takes milliseconds, and with better-sqlite3 that stalls
 * every run in the process (it was the whole tail of starting a run). The main
 * connection turns automatic checkpoints off; this thread, on a connection of its own,
 * runs a passive checkpoint (which never blocks readers or writers) every `intervalMs`.
 *
 * A passive checkpoint alone never lets the WAL start over while writes keep coming:
 * SQLite rewinds the log only when a write begins with every frame copied back, and
 * frames appended during the checkpoint are not. Under steady load the log grew without
 * end (1.2 GB in 14 s of the SQLite benchmark), and every new frame then cost the file
 * system a fresh block and the readers a longer WAL index to search. So when the log
 * still holds `restartAfterFrames` after the passive pass, a RESTART checkpoint copies
 * the few frames written meanwhile and rewinds the log to its start: writes wait for
 * that (a millisecond or two), for at most `restartWaitMs`.
 *
 * Should the thread end without `stop()`, `onLost` is called to turn SQLite's own
 * checkpoints back on.
 */
export function startSqliteCheckpointer(file: string, onLost: () => void, options: SqliteCheckpointerOptions = {}): SqliteCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const { intervalMs = 250, restartAfterFrames = 1_000, restartWaitMs = 20 } = options;
  const worker = new Worker(threadSource, { eval: true, workerData: { driver, file, intervalMs, restartAfterFrames, restartWaitMs } });
  // A checkpointer never keeps the host's process alive.
  worker.unref();
  let stopped: Promise<void> | undefined;
  // A thread that ends on its own (it could not open the file, it crashed) must not leave the WAL to grow.
  worker.once('exit', () => {
    if (stopped === undefined) onLost();
  });
  // Its errors end the thread, which 'exit' reports; they are not the host's to handle.
  worker.on('error', () => undefined);
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const finish = (): void => {
          void worker.terminate().finally(resolve);
        };
        worker.once('message', finish);
        worker.once('error', finish);
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
