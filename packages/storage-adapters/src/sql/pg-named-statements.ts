import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** Hot-path SQL is a few dozen texts; past this many, new texts run unnamed (ad-hoc queries need not stay prepared). */
const maxNamedTexts = 500;

/** `cached plan must not change result type`: a named `SELECT *` outlived a column added by a migration. */
const planChangedCode = '0A000';

function isPlanChanged(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === planChangedCode;
}

/**
 * Runs parameterized statements as named prepared statements. kysely sends each query
 * unnamed, which PostgreSQL parses, analyses and plans on every call; the store's
 * statements are the same few dozen texts, so each connection prepares a text once and
 * binds it after that. A text whose prepared form went stale (a migration of another
 * process added a column under a `SELECT *`) runs unnamed from then on.
 */
export function withNamedStatements(pool: PostgresPool): PostgresPool {
  const names = new Map<string, string | null>();
  const nameOf = (text: string): string | undefined => {
    const known = names.get(text);
    if (known !== undefined) return known ?? undefined;
    // Only parameterized statements: transaction control and DDL gain nothing from a name.
    if (names.size >= maxNamedTexts || !text.includes('$1')) return undefined;
    // Named by the text itself: wrappers over one pool (two stores on a host's pool) must agree on what a name means.
    const name = `pw_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    names.set(text, name);
    return name;
  };
  const wrap = (client: PostgresPoolClient): PostgresPoolClient => {
    const query = client.query.bind(client) as (config: unknown, values?: unknown) => unknown;
    return {
      query(text: unknown, values?: unknown) {
        // A cursor (streaming) goes through as it is: its query returns the cursor itself.
        const name = typeof text === 'string' ? nameOf(text) : undefined;
        if (name === undefined) return query(text, values);
        return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
          if (!isPlanChanged(error)) throw error;
          names.set(text as string, null);
          return query(text, values);
        });
      },
      release: (destroy?: boolean) => client.release(destroy),
    } as PostgresPoolClient;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
