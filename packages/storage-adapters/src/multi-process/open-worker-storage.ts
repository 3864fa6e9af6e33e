import type { JobQueue, RunStore } from '@pipewright/core';
import { createBullmqJobQueue } from '../bullmq/index';
import { createStorage } from '../create-storage';
import { migrateStore } from '../sql/migrate-store';
import { openSqlDatabase, type SqlDatabase } from '../sql/open-sql-database';
import { createSqlRunStore } from '../sql/sql-run-store';
import type { WorkerConfig } from './worker-config';

/** The store and queue one process of a test uses, and how to close them. */
export interface WorkerStorage {
  store: RunStore;
  queue: JobQueue;
  database: SqlDatabase;
  /** Deletes what the queue keeps outside the SQL tables (BullMQ's Redis keys); call before `close`. */
  removeQueue(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the SQL store of `config` and its queue: the SQL queue in the same database, as
 * a host using `createStorage` has it, or a BullMQ queue beside the SQL store.
 */
export async function openWorkerStorage(
  config: Pick<WorkerConfig, 'connection' | 'tablePrefix' | 'queue'>,
  onQueueError: (error: unknown) => void = () => undefined,
): Promise<WorkerStorage> {
  const { queue } = config;
  if (queue.kind === 'sql') {
    const storage = await createStorage({ connection: config.connection, tablePrefix: config.tablePrefix, pollIntervalMs: queue.pollIntervalMs });
    return { ...storage, removeQueue: () => Promise.resolve() };
  }
  const database = await openSqlDatabase({ connection: config.connection, tablePrefix: config.tablePrefix });
  try {
    await migrateStore(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const bullmq = createBullmqJobQueue({ connection: queue.connection, queueName: queue.queueName, prefix: queue.prefix, onError: onQueueError });
  return {
    store: createSqlRunStore(database),
    queue: bullmq,
    database,
    removeQueue: () => bullmq.obliterate(),
    async close() {
      await bullmq.close();
      await database.close();
    },
  };
}
