import type { Clock, JobQueue, RunStore } from '@pipewright/core';
import type { Redis } from 'ioredis';
import { createBullmqJobQueue } from './bullmq/bullmq-job-queue';
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
  /**
   * Run the store's parameterized statements as prepared statements, parsed once per
   * connection (and on PostgreSQL planned once too); default true. On PostgreSQL they are
   * named statements, on MySQL and MariaDB server-side ones (mysql2's `execute`). Turn it
   * off behind a pooler that does not keep them across transactions (PgBouncer in
   * transaction mode before 1.21, or without `max_prepared_statements`; ProxySQL).
   */
  preparedStatements?: boolean | undefined;
  /**
   * Jobs go to BullMQ on this Redis (`redis://...` or an ioredis client the host has)
   * instead of the `jobs` table: for many worker processes on several machines.
   */
  redis?: string | Redis | undefined;
  /** The queue's name: in the `jobs` table, `default` when absent; on Redis, `pipewright`. */
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
 * // or, scaled out: await createStorage({ connection: 'postgres://pw@db/pw', redis: 'redis://cache:6379' });
 * const engine = createEngine({ registry, store: storage.store, queue: storage.queue });
 * engine.start();
 * // ...
 * await engine.stop();
 * await storage.close();
 * ```
 */
export async function createStorage(options: StorageOptions): Promise<Storage> {
  const database = await openSqlDatabase({ connection: options.connection, tablePrefix: options.tablePrefix, poolSize: options.poolSize, preparedStatements: options.preparedStatements });
  try {
    if (options.migrate !== false) await migrateStore(database);
    const store = createSqlRunStore(database);
    const queue =
      options.redis === undefined
        ? createSqlJobQueue(database, { queueName: options.queueName, pollIntervalMs: options.pollIntervalMs, clock: options.clock })
        : createBullmqJobQueue({ connection: options.redis, ...(options.queueName === undefined ? {} : { queueName: options.queueName }), ...(options.clock === undefined ? {} : { clock: options.clock }) });
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
