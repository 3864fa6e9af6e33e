import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** Hot-path SQL is a few dozen texts; past this many, new texts run unnamed (ad-hoc queries need not stay prepared). */
const maxNamedTexts = 500;

/**
 * Executions of a text after which it is prepared again under a new name, doubling each
 * time up to the last. PostgreSQL plans a prepared statement for the tables as they are
 * then and keeps that plan until an ANALYZE: a statement prepared while a table was
 * nearly empty kept a hash join over a sequential scan of it, and autovacuum analyses a
 * new table only after its first minute, by which time a busy store has written tens of
 * thousands of runs. The n-th preparation sees the tables after 2^n times the work.
 */
const firstReplanAt = 64;
const lastReplanAt = 1 << 20;

/** `cached plan must not change result type`: a named `SELECT *` outlived a column added by a migration. */
const planChangedCode = '0A000';

function isPlanChanged(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === planChangedCode;
}

/**
 * Runs parameterized statements as named prepared statements. kysely sends each query
 * unnamed, which PostgreSQL parses, analyses and plans on every call; the store's
 * statements are the same few dozen texts, so each connection prepares a text once and
 * binds it after that, preparing it again now and then while the tables grow (see
 * {@link firstReplanAt}). A text whose prepared form went stale (a migration of another
 * process added a column under a `SELECT *`) runs unnamed from then on.
 */
export function withNamedStatements(pool: PostgresPool): PostgresPool {
  const texts = new Map<string, NamedText | null>();
  const nameOf = (text: string): string | undefined => {
    let named = texts.get(text);
    if (named === null) return undefined;
    if (named === undefined) {
      // Only parameterized statements: transaction control and DDL gain nothing from a name.
      if (texts.size >= maxNamedTexts || !text.includes('$1')) return undefined;
      // Named by the text itself: wrappers over one pool (two stores on a host's pool) must agree on what a name means.
      const base = `pw_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
      named = { base, name: base, executions: 0, replanAt: firstReplanAt, generation: 0 };
      texts.set(text, named);
    }
    if (++named.executions >= named.replanAt && named.replanAt <= lastReplanAt) {
      named.generation++;
      named.replanAt *= 2;
      named.name = `${named.base}_${named.generation}`;
    }
    return named.name;
  };
  /** Per connection: the name each text is prepared under there, and names it no longer uses. */
  const connections = new WeakMap<PostgresPoolClient, { prepared: Map<string, string>; stale: string[] }>();
  const connectionOf = (client: PostgresPoolClient) => {
    let connection = connections.get(client);
    if (connection === undefined) connections.set(client, (connection = { prepared: new Map(), stale: [] }));
    return connection;
  };
  const wrap = (client: PostgresPoolClient): PostgresPoolClient => {
    const query = client.query.bind(client) as (config: unknown, values?: unknown) => unknown;
    const connection = connectionOf(client);
    return {
      query(text: unknown, values?: unknown) {
        // A cursor (streaming) goes through as it is: its query returns the cursor itself.
        const name = typeof text === 'string' ? nameOf(text) : undefined;
        if (name === undefined) return query(text, values);
        const before = connection.prepared.get(text as string);
        if (before !== name) {
          if (before !== undefined) connection.stale.push(before);
          connection.prepared.set(text as string, name);
        }
        return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
          if (!isPlanChanged(error)) throw error;
          texts.set(text as string, null);
          return query(text, values);
        });
      },
      release: (destroy?: boolean) => client.release(destroy),
    } as PostgresPoolClient;
  };
  return {
    async connect() {
      const client = await pool.connect();
      const connection = connectionOf(client);
      if (connection.stale.length > 0) {
        // Freed here, where the connection is in no transaction that a failure would abort.
        // The driver still counts them as prepared, but their names never come back.
        const stale = connection.stale.splice(0);
        await client.query(stale.map((name) => `deallocate "${name}"`).join('; '), []).catch(() => undefined);
      }
      return wrap(client);
    },
    end: () => pool.end(),
  };
}

interface NamedText {
  /** From the text's hash: the same in every process. */
  base: string;
  /** The current name: the base and the generation. */
  name: string;
  executions: number;
  replanAt: number;
  generation: number;
}
