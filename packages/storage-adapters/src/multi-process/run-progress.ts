import type { SqlDatabase } from '../sql/open-sql-database';

/** How many of a tenant's runs are in each status, read from the runs table. */
export async function countRunsByStatus(database: SqlDatabase, tenantId: string): Promise<Record<string, number>> {
  const rows = await database.db
    .selectFrom('runs')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
    .where('tenant_id', '=', tenantId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls the run counts until `done` accepts them; fails after `timeoutMs` with the last
 * counts and `describe()` (the workers' state), so a stuck test says where it stuck.
 */
export async function waitForRuns(
  database: SqlDatabase,
  tenantId: string,
  done: (counts: Record<string, number>) => boolean,
  options: { timeoutMs: number; what: string; describe?: () => Promise<string> | string },
): Promise<Record<string, number>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const counts = await countRunsByStatus(database, tenantId);
    if (done(counts)) return counts;
    if (Date.now() > deadline) {
      const extra = options.describe === undefined ? '' : `\n${await options.describe()}`;
      throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${options.what}; runs by status: ${JSON.stringify(counts)}${extra}`);
    }
    await sleep(50);
  }
}
