/** Which database engine is behind a kysely instance. */
export type SqlEngine = 'sqlite' | 'postgres' | 'mysql';

/**
 * What the database can do, so the store and the queue branch on capabilities rather
 * than on engine names.
 */
export interface SqlFeatures {
  engine: SqlEngine;
  /** `SELECT ... FOR UPDATE SKIP LOCKED`: workers lease different jobs without waiting on each other. */
  supportsSkipLocked: boolean;
  /** `INSERT/UPDATE ... RETURNING`. */
  supportsReturning: boolean;
  /** `LISTEN`/`NOTIFY`: workers in other processes hear of new jobs without polling. */
  supportsListenNotify: boolean;
  /** `WITH x AS (INSERT/UPDATE ... RETURNING) INSERT ...`: several writes in one statement. */
  supportsWritableCte: boolean;
  /**
   * One connection serialises everything (better-sqlite3): another process may write to
   * the file, but within a process there are no concurrent transactions.
   */
  singleConnection: boolean;
  /** The column type for JSON documents and long text. */
  textType: 'text' | 'longtext';
  /** The column type for identifiers and keys: indexed, so bounded on MySQL. */
  keyType: 'text' | 'varchar(191)';
}

export function sqlFeatures(engine: SqlEngine): SqlFeatures {
  switch (engine) {
    case 'sqlite':
      return { engine, supportsSkipLocked: false, supportsReturning: true, supportsListenNotify: false, supportsWritableCte: false, singleConnection: true, textType: 'text', keyType: 'text' };
    case 'postgres':
      return { engine, supportsSkipLocked: true, supportsReturning: true, supportsListenNotify: true, supportsWritableCte: true, singleConnection: false, textType: 'text', keyType: 'text' };
    case 'mysql':
      // 191 characters of utf8mb4 is the longest key InnoDB indexes in every row format.
      return { engine, supportsSkipLocked: true, supportsReturning: false, supportsListenNotify: false, supportsWritableCte: false, singleConnection: false, textType: 'longtext', keyType: 'varchar(191)' };
  }
}
