import type { Clock, JobQueue, RunStore } from '@pipewright/core';
import { migrateStore } from './sql/migrate-store';
import { openSqlDatabase, type SqlDatabase } from './sql/open-sql-database';
import type { SqlConnection } from './sql/sql-connection-options';
import { createSqlJobQueue } from './sql/sql-job-queue';
import { createSqlRunStore } from './sql/sql-run-store';

export interface StorageOptions {
  /** Where runs live: `sqlite:./data/pw.db`, `postgres://...`, `mysql://...`, or a connection the host has. */
  connection: SqlConnection;
  /** Prepended to every table name; `pw_` by default. */
  tablePrefix?: string | undefined;
  /** Connections in a pool opened from a URL; default 10. */
  poolSize?: number | undefined;
  /** Jobs go to the `jobs` table of the same database, in this named queue; `default` when absent. */
  queueName?: string | undefined;
  /** How often idle workers look for jobs no notification announced; default 250 ms. */
  pollIntervalMs?: number | undefined;
  /** Bring the schema up to date before returning; default true. */
  migrate?: boolean | undefined;
  clock?: Clock | undefined;
}

/** A store and a queue on one database, ready for `createEngine`. */
export interface Storage {
  store: RunStore;
  queue: JobQueue;
  database: SqlDatabase;
  /** Closes the queue, then what was opened for the database; a connection the host passed stays open. */
  close(): Promise<void>;
}

/**
 * Opens the database, migrates it and returns the engine's store and queue on it.
 *
 * @example
 * ```ts
 * const storage = await createStorage({ connection: 'sqlite:./data/pw.db' });
 * const engine = createEngine({ registry, store: storage.store, queue: storage.queue });
 * engine.start();
 * // ...
 * await engine.stop();
 * await storage.close();
 * ```
 */
export async function createStorage(options: StorageOptions): Promise<Storage> {
  const database = await openSqlDatabase({ connection: options.connection, tablePrefix: options.tablePrefix, poolSize: options.poolSize });
  try {
    if (options.migrate !== false) await migrateStore(database);
    const store = createSqlRunStore(database);
    const queue = createSqlJobQueue(database, { queueName: options.queueName, pollIntervalMs: options.pollIntervalMs, clock: options.clock });
    return {
      store,
      queue,
      database,
      async close() {
        await queue.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
