import { connect } from 'node:net';
import { describe } from 'vitest';

/** The external servers the adapter tests run against. */
export type TestServerName = 'postgres' | 'mysql' | 'redis';

/**
 * Where each server is expected: the services of the development and CI machines, or
 * the URL in the environment variable named here.
 */
const defaults: Record<TestServerName, { env: string; url: string; label: string }> = {
  postgres: { env: 'PW_TEST_POSTGRES_URL', url: 'postgres://postgres@127.0.0.1:5432/test', label: 'PostgreSQL' },
  mysql: { env: 'PW_TEST_MYSQL_URL', url: 'mysql://root@127.0.0.1:3306/test', label: 'MariaDB/MySQL' },
  redis: { env: 'PW_TEST_REDIS_URL', url: 'redis://127.0.0.1:6379', label: 'Redis' },
};

export interface TestServer {
  name: TestServerName;
  url: string;
  available: boolean;
  /** Why the tests that need this server are skipped; empty when it is available. */
  skipReason: string;
}

function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const parsed = new URL(url);
  const port = Number(parsed.port);
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.hostname, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const cache = new Map<TestServerName, Promise<TestServer>>();

/**
 * Finds out whether a test server answers. On CI (`CI=true`) a missing server is an
 * error, because the suite must prove the adapters against real servers there; on a
 * laptop without it, the tests that need it are skipped with a message that says so.
 */
export function testServer(name: TestServerName): Promise<TestServer> {
  let found = cache.get(name);
  if (found === undefined) {
    found = probe(name);
    cache.set(name, found);
  }
  return found;
}

async function probe(name: TestServerName): Promise<TestServer> {
  const { env, url: fallback, label } = defaults[name];
  const url = process.env[env] ?? fallback;
  const available = await reachable(url);
  if (available) return { name, url, available, skipReason: '' };
  const where = new URL(url);
  const message = `no ${label} server answers at ${where.hostname}:${where.port} (set ${env} to point elsewhere)`;
  if (process.env.CI === 'true') throw new Error(`CI needs ${label}: ${message}`);
  console.warn(`Skipping the ${label} tests: ${message}`);
  return { name, url, available, skipReason: message };
}

/** Stands in for a server where the database is embedded (SQLite): always there. */
export const embeddedDatabase: Pick<TestServer, 'available' | 'skipReason'> = { available: true, skipReason: '' };

/**
 * `describe` for a block that needs a server: skipped, with the reason in its title,
 * when the server is missing outside CI.
 */
export function describeWithServer(server: Pick<TestServer, 'available' | 'skipReason'>, title: string, body: () => void): void {
  describe.skipIf(!server.available)(server.available ? title : `${title} — skipped: ${server.skipReason}`, body);
}
