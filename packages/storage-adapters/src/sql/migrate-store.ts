import { Migrator, type MigrationProvider } from 'kysely';
import { storeMigrations } from './store-migrations';
import type { SqlDatabase } from './open-sql-database';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** SQLite answers a write that races another process's with SQLITE_BUSY. */
const isBusy = (error: unknown): boolean => typeof error === 'object' && error !== null && 'code' in error && String(error.code).startsWith('SQLITE_BUSY');

/**
 * Brings the schema up to date. Safe from several processes at once: kysely's migrator
 * takes the database's lock (an advisory lock on PostgreSQL, GET_LOCK on MySQL) and
 * re-reads what has run under it; SQLite has no such lock, so a process that loses the
 * race for the file's write lock waits and tries again, then finds the work done.
 *
 * @throws the migration's error, after which the database is as it was before it.
 */
export async function migrateStore(database: SqlDatabase): Promise<void> {
  const migrations = storeMigrations(database.tables, database.features);
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
  const migrator = new Migrator({
    // The migrations name their tables with the prefix already, so they run without the renaming plugin.
    db: database.db.withoutPlugins(),
    provider,
    migrationTableName: database.tables.migrations,
    migrationLockTableName: database.tables.migrationLock,
  });
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (error === undefined) return;
    if (!isBusy(error) || attempt >= 20) throw error instanceof Error ? error : new Error(String(error));
    await sleep(50 * attempt);
  }
}
