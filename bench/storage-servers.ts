import { connect } from 'node:net';
import type { SqlDatabase } from '@pipewright/storage-adapters';

export type BenchServerName = 'postgres' | 'mysql';

/** The same servers, and the same variables to point elsewhere, as the adapter tests use. */
const servers: Record<BenchServerName, { env: string; url: string; label: string }> = {
  postgres: { env: 'PW_TEST_POSTGRES_URL', url: 'postgres://postgres@127.0.0.1:5432/test', label: 'PostgreSQL' },
  mysql: { env: 'PW_TEST_MYSQL_URL', url: 'mysql://root@127.0.0.1:3306/test', label: 'MariaDB/MySQL' },
};

export interface BenchServer {
  url: string;
  /** Why the benchmarks that need this server are skipped; undefined when it answers. */
  skipReason: string | undefined;
}

function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.hostname, port: Number(parsed.port) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Where a server is expected and whether it answers there. */
export async function benchServer(name: BenchServerName): Promise<BenchServer> {
  const { env, url: fallback, label } = servers[name];
  const url = process.env[env] ?? fallback;
  if (await reachable(url)) return { url, skipReason: undefined };
  const where = new URL(url);
  return { url, skipReason: `no ${label} server answers at ${where.hostname}:${where.port}; set ${env} to point elsewhere` };
}

/**
 * A table prefix no other benchmark run uses, so runs of the suite side by side (or a
 * crashed one's leftovers) never share tables: 8 + 8 (time) + 2 (random) + 1 characters,
 * under the adapter's limit of 21.
 */
export function uniqueTablePrefix(): string {
  const random = Math.floor(Math.random() * 36 ** 2).toString(36).padStart(2, '0');
  return `pwbench_${Date.now().toString(36).slice(-8)}${random}_`;
}

/** Drops every table of the store's prefix, so the benchmark databases do not grow from run to run. */
export async function dropStoreTables(database: SqlDatabase): Promise<void> {
  // The names carry their prefix already: no renaming plugin.
  const schema = database.db.withoutPlugins().schema;
  for (const table of Object.values(database.tables)) await schema.dropTable(table).ifExists().execute();
}
