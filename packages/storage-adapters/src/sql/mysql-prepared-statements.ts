import type { MysqlPool, MysqlPoolConnection, MysqlQueryResult } from 'kysely';

/** What a mysql2 pool connection offers beyond what kysely calls: server-side prepared statements. */
interface PreparingConnection extends MysqlPoolConnection {
  execute(sql: string, parameters: unknown[], callback: (error: unknown, result: MysqlQueryResult) => void): void;
}

/** Texts whose statements stay prepared on each connection, as mysql2 keeps them: the hot path is a few dozen. */
const maxPreparedTexts = 500;

/**
 * Runs parameterized statements as server-side prepared statements (mysql2's `execute`).
 * kysely sends each query as text with its values spliced in, which MySQL and MariaDB
 * parse again on every call, and the lease, enqueue and append statements are long: the
 * server spent most of its time per run parsing them. mysql2 prepares a text once per
 * connection and binds values after that. Statements without values (transaction
 * control, DDL), streams, and texts past {@link maxPreparedTexts} go as before.
 */
export function withPreparedStatements(pool: MysqlPool): MysqlPool {
  const texts = new Set<string>();
  const prepares = (sql: string, parameters: unknown[]): boolean => {
    if (parameters.length === 0) return false;
    if (texts.has(sql)) return true;
    if (texts.size >= maxPreparedTexts) return false;
    texts.add(sql);
    return true;
  };
  // kysely keys its connection objects by the raw connection: each keeps one wrapper.
  const wrappers = new WeakMap<MysqlPoolConnection, MysqlPoolConnection>();
  const wrap = (connection: MysqlPoolConnection): MysqlPoolConnection => {
    let wrapper = wrappers.get(connection);
    if (wrapper !== undefined) return wrapper;
    const preparing = connection as PreparingConnection;
    wrapper = {
      query(sql: string, parameters: unknown[], callback?: (error: unknown, result: MysqlQueryResult) => void) {
        if (callback === undefined) return connection.query(sql, parameters);
        if (typeof preparing.execute === 'function' && prepares(sql, parameters)) {
          preparing.execute(sql, parameters, callback);
          return;
        }
        connection.query(sql, parameters, callback);
      },
      release: () => connection.release(),
    } as MysqlPoolConnection;
    wrappers.set(connection, wrapper);
    return wrapper;
  };
  return {
    getConnection(callback) {
      pool.getConnection((error, connection) => callback(error, error ? connection : wrap(connection)));
    },
    end: (callback) => pool.end(callback),
  };
}
