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
   * `INSERT ... ON CONFLICT (...) DO UPDATE`; without it, MySQL's `ON DUPLICATE KEY
   * UPDATE`, whose new value a statement reads back through `LAST_INSERT_ID(expr)`.
   */
  supportsOnConflict: boolean;
  /**
   * A transaction can commit without waiting for the log's flush to disk
   * (`SET LOCAL synchronous_commit = off`, PostgreSQL). MySQL's InnoDB needs no such
   * thing for the same end: it releases row locks before it flushes.
   */
  supportsAsyncCommit: boolean;
  /** Index names belong to their table (MySQL), so `DROP INDEX` must name the table too. */
  indexNamesPerTable: boolean;
  /**
   * One connection serialises everything (better-sqlite3): another process may write to
   * the file, but within a process there are no concurrent transactions.
   */
  singleConnection: boolean;
  /** The column type for JSON documents and long text. */
  textType: 'text' | 'longtext';
  /** The column type for identifiers and keys: indexed, so bounded on MySQL. */
  keyType: 'text' | 'varchar(191)';
  /**
   * The column type for keys that must compare byte by byte (flow state keys, listed by
   * prefix): case-sensitive, trailing spaces significant, ordered by code point as a
   * range condition needs. SQLite's `text` already compares that way; PostgreSQL's
   * follows the database's locale unless told `C`; MySQL's `_bin` collations still
   * ignore trailing spaces, so there it is `varbinary` (191 characters of UTF-8 at most
   * 4 bytes each), which reads back as bytes.
   */
  binaryKeyType: 'text' | 'text collate "C"' | 'varbinary(764)';
}

export function sqlFeatures(engine: SqlEngine): SqlFeatures {
  switch (engine) {
    case 'sqlite':
      return {
        engine,
        supportsSkipLocked: false,
        supportsReturning: true,
        supportsListenNotify: false,
        supportsWritableCte: false,
        supportsOnConflict: true,
        supportsAsyncCommit: false,
        indexNamesPerTable: false,
        singleConnection: true,
        textType: 'text',
        keyType: 'text',
        binaryKeyType: 'text',
      };
    case 'postgres':
      return {
        engine,
        supportsSkipLocked: true,
        supportsReturning: true,
        supportsListenNotify: true,
        supportsWritableCte: true,
        supportsOnConflict: true,
        supportsAsyncCommit: true,
        indexNamesPerTable: false,
        singleConnection: false,
        textType: 'text',
        keyType: 'text',
        binaryKeyType: 'text collate "C"',
      };
    case 'mysql':
      // 191 characters of utf8mb4 is the longest key InnoDB indexes in every row format.
      return {
        engine,
        supportsSkipLocked: true,
        supportsReturning: false,
        supportsListenNotify: false,
        supportsWritableCte: false,
        supportsOnConflict: false,
        supportsAsyncCommit: false,
        indexNamesPerTable: true,
        singleConnection: false,
        textType: 'longtext',
        keyType: 'varchar(191)',
        binaryKeyType: 'varbinary(764)',
      };
  }
}
