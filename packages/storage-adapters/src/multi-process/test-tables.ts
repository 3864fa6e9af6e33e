import { sql } from 'kysely';
import type { SqlDatabase } from '../sql/open-sql-database';
import { tableNames } from '../table-names';
import { stepCounterTable } from './step-counter-table';

/** A table prefix no other test run uses, so tests on one server never see each other's rows. */
export function uniqueTablePrefix(label: string): string {
  return `${label}_${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 6)}_`;
}

/** Drops the store's tables and the step counter of `tablePrefix`. */
export async function dropTestTables(database: SqlDatabase, tablePrefix: string): Promise<void> {
  const names = [...Object.values(tableNames(tablePrefix)), stepCounterTable(tablePrefix)];
  for (const name of names) await sql`drop table if exists ${sql.table(name)}`.execute(database.db.withoutPlugins());
}
