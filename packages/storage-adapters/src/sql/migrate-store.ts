import { Migrator, sql, type Kysely, type MigrationProvider } from 'kysely';
import type { SqlDatabase } from './open-sql-database';
import type { StoreDatabase } from './store-database';
import { storeMigrations } from './store-migrations';

async function migrateToLatest(db: Kysely<StoreDatabase>, database: SqlDatabase): Promise<void> {
  const migrations = storeMigrations(database.tables, database.features);
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
  const migrator = new Migrator({
    // The migrations name their tables with the prefix already, so they run without the renaming plugin.
    db: db.withoutPlugins(),
    provider,
    migrationTableName: database.tables.migrations,
    migrationLockTableName: database.tables.migrationLock,
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * Brings the schema up to date. Safe from several processes at once: kysely's migrator
 * takes the database's lock (an advisory lock on PostgreSQL, GET_LOCK on MySQL) and
 * re-reads what has run under it. On SQLite kysely takes no lock, so the whole migration
 * runs in one `BEGIN IMMEDIATE` transaction: another process waits for the file's write
 * lock (up to the busy timeout), then finds the work done. SQLite's DDL is
 * transactional, so a failed migration leaves the file as it was.
 *
 * @throws the migration's error.
 */
export async function migrateStore(database: SqlDatabase): Promise<void> {
  if (!database.features.singleConnection) return migrateToLatest(database.db, database);
  await database.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      await migrateToLatest(connection, database);
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
    await sql`commit`.execute(connection);
  });
}
