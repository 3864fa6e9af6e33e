import { withPreparedStatements } from './mysql-prepared-statements';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, type Dialect, type MysqlPool as KyselyMysqlPool, type SqliteDatabase } from 'kysely';
import type { Pool as MysqlPool } from 'mysql2';
import type { Pool as PgPool } from 'pg';
import { withNamedStatements } from './pg-named-statements';
import { StorageConfigError } from '../storage-config-error';
import { tableNames, tableRenames, type TableNames } from '../table-names';
import { sqlConnectionOptionsSchema, type SqlConnectionOptions } from './sql-connection-options';
import { sqlFeatures, type SqlEngine, type SqlFeatures } from './sql-features';
import type { StoreDatabase } from './store-database';
import { TablePrefixPlugin } from './table-prefix-plugin';
import { startSqliteCheckpointer } from './sqlite-checkpointer';
import { WriteBatcher } from './write-batcher';

/** A listener for PostgreSQL notifications on one channel; returns how to stop listening. */
export type Listen = (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;

/** An open database: the typed kysely instance, what the engine can do, and how to close it. */
export interface SqlDatabase {
  db: Kysely<StoreDatabase>;
  features: SqlFeatures;
  tables: TableNames;
  /** Present when the database can push notifications (PostgreSQL with a pool we can take a client from). */
  listen?: Listen;
  /**
   * Runs a write: in a transaction of its own (`transaction`), or as a single statement
   * (`statement`). With one connection (SQLite), every write joins a group commit.
   */
  write<T>(mode: 'transaction' | 'statement', work: (db: Kysely<StoreDatabase>) => Promise<T>): Promise<T>;
  /** Closes what this adapter opened; a connection the host passed stays open. */
  close(): Promise<void>;
}

function invalid(message: string, issues: StorageConfigError['issues']): StorageConfigError {
  return new StorageConfigError('invalid_connection', message, issues);
}

/** `sqlite:./data/pw.db`, `sqlite:///abs/pw.db`, `sqlite::memory:` → a file path or `:memory:`. */
function sqliteFileOf(url: string): string {
  let rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '' ) throw invalid('The sqlite: URL names no file; use sqlite:./path/to/file.db or sqlite::memory:', [{ path: ['connection'], message: 'missing file name', code: 'custom' }]);
  return rest === ':memory:' ? rest : decodeURIComponent(rest);
}

function openSqliteFile(Database: typeof BetterSqlite3, file: string): BetterSqlite3.Database {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  return new Database(file);
}

/**
 * WAL lets readers run beside the writer and makes a commit one append to the log;
 * NORMAL syncs at checkpoints rather than at every commit, so a power cut may lose the
 * last transactions but never corrupts the file (a killed process loses nothing).
 * Another process holding the write lock makes us wait rather than fail at once.
 * Temporary B-trees (the sorts of a queue's lease, which merges waiting and expired
 * jobs in order) are kept in memory: in a file, each one created, opened and deleted a
 * temporary file, and the lease's pick took about 700 µs instead of 100. Our sorts are
 * bounded by a page or a lease's batch, so they stay small.
 */
function tuneSqlite(database: BetterSqlite3.Database): void {
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('temp_store = MEMORY');
}

/**
 * kysely prepares every statement it runs; better-sqlite3's statements can be reused, and
 * preparing costs as much as running the engine's small queries. Caching them by SQL text
 * halves the time of a hot-path statement.
 */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = database.prepare(text);
        // Hot-path SQL is a few dozen texts; anything past this is ad-hoc and need not stay.
        if (statements.size >= 1_000) statements.clear();
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function kyselyOf(dialect: Dialect): Kysely<object> {
  return new Kysely<object>({ dialect });
}

/**
 * Opens the store's database from a URL or from a connection the host already has, and
 * returns a kysely instance whose queries name the tables without their prefix.
 *
 * @throws {StorageConfigError} `invalid_connection` or `invalid_table_prefix` when the
 *   options cannot work; nothing is opened then.
 */
export async function openSqlDatabase(options: SqlConnectionOptions): Promise<SqlDatabase> {
  const parsed = sqlConnectionOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
      message: issue.message,
      code: issue.code,
    }));
    throw invalid(`Invalid SQL connection options: ${issues.map((issue) => issue.message).join('; ')}`, issues);
  }
  const tables = tableNames(parsed.data.tablePrefix);
  const poolSize = parsed.data.poolSize ?? 10;
  const mysqlPoolOf = (pool: MysqlPool): KyselyMysqlPool => (parsed.data.preparedStatements === false ? pool : withPreparedStatements(pool));
  const pgPoolOf = (pool: PgPool): PgPool | ReturnType<typeof withNamedStatements> => (parsed.data.preparedStatements === false ? pool : withNamedStatements(pool));
  const connection = options.connection;

  let engine: SqlEngine;
  let base: Kysely<object>;
  let closeOwned: () => Promise<void> = () => Promise.resolve();
  let pgPool: PgPool | undefined;

  if (typeof connection === 'string') {
    if (connection.startsWith('sqlite:')) {
      const { default: Database } = await import('better-sqlite3');
      const file = sqliteFileOf(connection);
      const database = openSqliteFile(Database, file);
      tuneSqlite(database);
      // A file we opened gets its checkpoints on a thread of their own (see startSqliteCheckpointer).
      const restoreAutomaticCheckpoints = (): void => {
        if (database.open) database.pragma('wal_autocheckpoint = 1000');
      };
      const checkpointer = file === ':memory:' ? undefined : startSqliteCheckpointer(file, restoreAutomaticCheckpoints);
      if (checkpointer !== undefined) database.pragma('wal_autocheckpoint = 0');
      engine = 'sqlite';
      base = kyselyOf(new SqliteDialect({ database: withStatementCache(database) }));
      closeOwned = async () => {
        await checkpointer?.stop();
        await base.destroy();
      };
    } else if (connection.startsWith('postgres')) {
      const { default: pg } = await import('pg');
      pgPool = new pg.Pool({ connectionString: connection, max: poolSize });
      engine = 'postgres';
      base = kyselyOf(new PostgresDialect({ pool: pgPoolOf(pgPool) }));
      closeOwned = () => base.destroy();
    } else {
      const mysql = await import('mysql2');
      const pool: MysqlPool = mysql.createPool({ uri: connection.replace(/^mariadb:/, 'mysql:'), connectionLimit: poolSize, supportBigNumbers: true });
      engine = 'mysql';
      base = kyselyOf(new MysqlDialect({ pool: mysqlPoolOf(pool) }));
      closeOwned = () => base.destroy();
    }
  } else if ('kysely' in connection) {
    engine = connection.engine;
    base = connection.kysely;
  } else if ('pgPool' in connection) {
    engine = 'postgres';
    pgPool = connection.pgPool;
    // kysely's destroy would end the host's pool: this instance is never destroyed.
    base = kyselyOf(new PostgresDialect({ pool: pgPoolOf(connection.pgPool) }));
  } else if ('mysqlPool' in connection) {
    engine = 'mysql';
    base = kyselyOf(new MysqlDialect({ pool: mysqlPoolOf(connection.mysqlPool) }));
  } else {
    engine = 'sqlite';
    tuneSqlite(connection.sqlite);
    base = kyselyOf(new SqliteDialect({ database: withStatementCache(connection.sqlite) }));
  }

  const db = base.withPlugin(new TablePrefixPlugin(tableRenames(tables))).withTables<StoreDatabase>();
  const features = sqlFeatures(engine);
  const batcher = features.singleConnection ? new WriteBatcher(db) : undefined;
  const write: SqlDatabase['write'] = (mode, work) => {
    if (batcher !== undefined) return batcher.write(work);
    return mode === 'transaction' ? db.transaction().execute(work) : work(db);
  };
  const database: SqlDatabase = { db, features, tables, write, close: closeOwned };
  if (pgPool !== undefined) database.listen = pgListener(pgPool);
  return database;
}

/**
 * LISTEN needs a connection of its own for as long as it listens; it is taken from the
 * pool once and shared by every channel.
 */
function pgListener(pool: PgPool): Listen {
  return async (channel, onNotify) => {
    const client = await pool.connect();
    const handler = (message: { channel: string }): void => {
      if (message.channel === channel) onNotify();
    };
    client.on('notification', handler);
    await client.query(`LISTEN "${channel}"`);
    return async () => {
      client.off('notification', handler);
      try {
        await client.query(`UNLISTEN "${channel}"`);
      } finally {
        client.release();
      }
    };
  };
}
