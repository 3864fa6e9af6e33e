import { z } from 'zod';
import { StorageConfigError } from './storage-config-error';

/**
 * The store's tables without a prefix, keyed by the name code uses for them. Every SQL
 * dialect builds on this one list, so a table is named in exactly one place.
 */
const baseTableNames = {
  workflows: 'workflows',
  workflowVersions: 'workflow_versions',
  runs: 'runs',
  runEvents: 'run_events',
  jobs: 'jobs',
  deadLetters: 'dead_letters',
  flowStates: 'flow_states',
  queueTenants: 'queue_tenants',
  connections: 'connections',
  auditEntries: 'audit_entries',
  triggers: 'triggers',
  migrations: 'migrations',
  migrationLock: 'migration_lock',
} as const;

type BaseTableNames = typeof baseTableNames;

/** A table's name without the prefix, as queries name it, e.g. `run_events`. */
export type BaseTableName = BaseTableNames[keyof BaseTableNames];

/** The key code uses for a table, e.g. `runEvents`. */
export type TableKey = keyof BaseTableNames;

/** The full table names for one prefix, e.g. `{ runEvents: 'pw_run_events', ... }`. */
export type TableNames<Prefix extends string = string> = {
  readonly [Key in TableKey]: `${Prefix}${BaseTableNames[Key]}`;
};

/** The prefix used when the host does not choose one. */
export const defaultTablePrefix = 'pw_';

/**
 * 21 characters plus the longest table name (`workflow_versions`, 17) is 38, under the
 * identifier limits of PostgreSQL (63 bytes) and MySQL (64 characters), and leaves room
 * for index and constraint names built from a table name (`<table>_tenant_id_idx`).
 */
const maxPrefixLength = 21;

/**
 * Only lower-case ASCII letters, digits and underscores, not starting with a digit: the
 * names are interpolated into SQL as bare identifiers, so nothing here may need quoting,
 * and lower case means PostgreSQL's folding of unquoted names cannot change them. The
 * empty prefix is allowed for hosts that want bare table names in a database of their own.
 */
const tablePrefixSchema = z
  .string({ error: 'Table prefix must be a string' })
  .max(maxPrefixLength, { error: `Table prefix must be at most ${maxPrefixLength} characters` })
  .regex(/^(?:[a-z_][a-z0-9_]*)?$/, {
    error: 'Table prefix may contain only a-z, 0-9 and _, and must not start with a digit',
  });

/**
 * Returns the names of the tables the SQL store uses, each `<prefix><snake_case_name>`.
 *
 * @param prefix Prepended to every table name: `pw_` when omitted or `undefined`, `''` for
 *   bare names. Must match `/^[a-z_][a-z0-9_]{0,20}$/` or be empty.
 * @throws {StorageConfigError} with code `invalid_table_prefix` and every issue found,
 *   when the prefix is not safe to use in an unquoted SQL identifier.
 *
 * @example
 * ```ts
 * const tables = tableNames('acme_pw_');
 * tables.runEvents; // 'acme_pw_run_events'
 * tableNames().jobs; // 'pw_jobs'
 * ```
 */
export function tableNames<Prefix extends string = typeof defaultTablePrefix>(prefix?: Prefix): TableNames<Prefix> {
  const chosen: unknown = prefix ?? defaultTablePrefix;
  const parsed = tablePrefixSchema.safeParse(chosen);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
      message: issue.message,
      code: issue.code,
    }));
    const shown = typeof chosen === 'string' ? JSON.stringify(chosen) : `of type ${typeof chosen}`;
    throw new StorageConfigError(
      'invalid_table_prefix',
      `Invalid table prefix ${shown}: ${issues.map((issue) => issue.message).join('; ')}`,
      issues,
    );
  }
  const names: Partial<Record<TableKey, string>> = {};
  for (const key of Object.keys(baseTableNames) as TableKey[]) {
    names[key] = `${parsed.data}${baseTableNames[key]}`;
  }
  // Every key was filled above, each with the validated prefix in front of its base name.
  return Object.freeze(names) as TableNames<Prefix>;
}

/** Unprefixed name → prefixed name, for the plugin that rewrites table names in queries. */
export function tableRenames(names: TableNames): ReadonlyMap<BaseTableName, string> {
  return new Map((Object.keys(baseTableNames) as TableKey[]).map((key) => [baseTableNames[key], names[key]]));
}
