import { asTenantId, decodeCursor, encodeCursor, pageLimit, type FlowStateRecord, type Page, type RunStore } from '@pipewright/core';
import type { Kysely, Selectable } from 'kysely';
import type { SqlDatabase } from './open-sql-database';
import { queryTemplate } from './query-template';
import { isUniqueViolation, retryTransient } from './sql-errors';
import type { FlowStatesTable, StoreDatabase } from './store-database';

type FlowStateMethods = Pick<RunStore, 'getFlowState' | 'putFlowState' | 'deleteFlowState' | 'listFlowStates'>;

const utf8 = new TextDecoder();

/** MySQL keeps the key as `varbinary`, and hands it back as bytes. */
const keyText = (key: string | Uint8Array): string => (typeof key === 'string' ? key : utf8.decode(key));

function toFlowState(row: Selectable<FlowStatesTable>): FlowStateRecord {
  return {
    tenantId: asTenantId(row.tenant_id),
    key: keyText(row.key),
    value: JSON.parse(row.value) as unknown,
    version: Number(row.version),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * The first string after every string that starts with `prefix`, in code point order (the
 * byte order of UTF-8, which is how the key column compares): the prefix with its last
 * code point raised by one. Undefined when no string is greater (empty, or all U+10FFFF).
 * `prefix <= key < end` is then exactly "starts with", with no LIKE pattern to escape,
 * and it reads one range of the primary key.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last < 0x10ffff) {
      // The surrogates are not characters; strings have nothing between U+D7FF and U+E000.
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return String.fromCodePoint(...points, next);
    }
  }
  return undefined;
}

/** The statements flow control runs on every guarded step, compiled once per store. */
function flowStateQueries(db: Kysely<StoreDatabase>) {
  return {
    get: queryTemplate((p) => db.selectFrom('flow_states').selectAll().where('tenant_id', '=', p('tenantId')).where('key', '=', p('key'))),
    insert: queryTemplate((p) =>
      db.insertInto('flow_states').values({ tenant_id: p('tenantId'), key: p('key'), value: p('value'), version: 1, updated_at: p('at') }),
    ),
    // The version guard: only the writer that read `expected` moves the record on. The version
    // always changes, so MySQL, which counts changed rows, counts the row too.
    update: queryTemplate((p) =>
      db
        .updateTable('flow_states')
        .set({ value: p('value'), version: p('version'), updated_at: p('at') })
        .where('tenant_id', '=', p('tenantId'))
        .where('key', '=', p('key'))
        .where('version', '=', p('expected')),
    ),
    delete: queryTemplate((p) => db.deleteFrom('flow_states').where('tenant_id', '=', p('tenantId')).where('key', '=', p('key'))),
    deleteAt: queryTemplate((p) => db.deleteFrom('flow_states').where('tenant_id', '=', p('tenantId')).where('key', '=', p('key')).where('version', '=', p('expected'))),
  };
}

/**
 * The flow state methods of the SQL run store: one row per tenant and key in
 * `flow_states`, the value as JSON text, guarded by its version. A first write is an
 * INSERT, so of two creators the primary key lets one through; later writes are an
 * UPDATE conditional on the version read.
 */
export function sqlFlowStates(database: SqlDatabase): FlowStateMethods {
  const { db } = database;
  const q = flowStateQueries(db);

  return {
    async getFlowState(tenantId, key) {
      const [row] = (await db.executeQuery(q.get({ tenantId, key }))).rows;
      return row === undefined ? undefined : toFlowState(row);
    },

    async putFlowState(tenantId, key, value, expectedVersion, at) {
      const text = JSON.stringify(value ?? null);
      const version = expectedVersion + 1;
      if (expectedVersion === 0) {
        try {
          await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.insert({ tenantId, key, value: text, at }))));
        } catch (error) {
          // Another creator got there first: the caller lost, as with a stale version.
          if (isUniqueViolation(error)) return undefined;
          throw error;
        }
      } else {
        const result = await retryTransient(() =>
          database.write('statement', (db) => db.executeQuery(q.update({ tenantId, key, value: text, version, at, expected: expectedVersion }))),
        );
        if (Number(result.numAffectedRows ?? 0) === 0) return undefined;
      }
      // What a read returns: the value as JSON gives it back, not the caller's object.
      return { tenantId, key, value: JSON.parse(text) as unknown, version, updatedAt: at };
    },

    async deleteFlowState(tenantId, key, expectedVersion) {
      const query = expectedVersion === undefined ? q.delete({ tenantId, key }) : q.deleteAt({ tenantId, key, expected: expectedVersion });
      const result = await retryTransient(() => database.write('statement', (db) => db.executeQuery(query)));
      return Number(result.numAffectedRows ?? 0) > 0;
    },

    async listFlowStates(tenantId, prefix, page = {}): Promise<Page<FlowStateRecord>> {
      const limit = pageLimit(page.limit);
      let query = db.selectFrom('flow_states').selectAll().where('tenant_id', '=', tenantId);
      if (prefix !== '') query = query.where('key', '>=', prefix);
      const end = prefixEnd(prefix);
      if (end !== undefined) query = query.where('key', '<', end);
      if (page.cursor !== undefined) query = query.where('key', '>', decodeCursor(page.cursor).id);
      const rows = await query.orderBy('key').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map(toFlowState);
      const last = items[items.length - 1];
      return rows.length > limit && last !== undefined ? { items, nextCursor: encodeCursor({ at: 0, id: last.key }) } : { items };
    },
  };
}
