import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Pool as MysqlPool } from 'mysql2';
import type { Pool as PgPool } from 'pg';
import { z } from 'zod';
import type { SqlEngine } from './sql-features';

/**
 * Where the store lives: a URL (`sqlite:./data/pw.db`, `sqlite::memory:`,
 * `postgres://user@host/db`, `mysql://root@host/db`), or a connection the host already
 * has. A connection the host passes stays the host's: closing the store leaves it open.
 */
export type SqlConnection =
  | string
  | { kysely: Kysely<object>; engine: SqlEngine }
  | { pgPool: PgPool }
  | { mysqlPool: MysqlPool }
  | { sqlite: BetterSqlite3.Database };

export interface SqlConnectionOptions {
  connection: SqlConnection;
  /** Prepended to every table name; `pw_` by default. */
  tablePrefix?: string | undefined;
  /** Connections in the pool this adapter opens from a URL (PostgreSQL, MySQL); default 10. */
  poolSize?: number | undefined;
  /**
   * Run the store's parameterized statements as prepared statements, parsed once per
   * connection (and on PostgreSQL planned once too); default true. On PostgreSQL they are
   * named statements, on MySQL and MariaDB server-side ones (mysql2's `execute`). Turn it
   * off behind a pooler that does not keep them across transactions (PgBouncer in
   * transaction mode before 1.21, or without `max_prepared_statements`; ProxySQL).
   */
  preparedStatements?: boolean | undefined;
}

const urlSchema = z
  .string()
  .min(1, { error: 'The connection URL is empty' })
  .refine((url) => /^(sqlite:|postgres(ql)?:\/\/|mysql:\/\/|mariadb:\/\/)/.test(url), {
    error: 'The connection URL must start with sqlite:, postgres://, postgresql://, mysql:// or mariadb://',
  });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export const sqlConnectionOptionsSchema: z.ZodType<SqlConnectionOptions> = z.object({
  connection: z.union([
    urlSchema,
    z.object({ kysely: z.custom<Kysely<object>>(isObject, { error: 'kysely must be a Kysely instance' }), engine: z.enum(['sqlite', 'postgres', 'mysql']) }),
    z.object({ pgPool: z.custom<PgPool>(isObject, { error: 'pgPool must be a pg Pool' }) }),
    z.object({ mysqlPool: z.custom<MysqlPool>(isObject, { error: 'mysqlPool must be a mysql2 Pool' }) }),
    z.object({ sqlite: z.custom<BetterSqlite3.Database>(isObject, { error: 'sqlite must be a better-sqlite3 Database' }) }),
  ]),
  tablePrefix: z.string().optional(),
  poolSize: z.int().min(1).max(1000).optional(),
  preparedStatements: z.boolean().optional(),
});
