import {
  PipewrightError,
  asConnectionId,
  asTenantId,
  decodeCursor,
  encodeCursor,
  pageLimit,
  type AuditAction,
  type AuditActor,
  type AuditEntry,
  type ConnectionRecord,
  type Page,
  type RunStore,
} from '@pipewright/core';
import type { Kysely, Selectable } from 'kysely';
import type { SqlDatabase } from './open-sql-database';
import { queryTemplate } from './query-template';
import { isUniqueViolation, retryTransient } from './sql-errors';
import type { AuditEntriesTable, ConnectionsTable, StoreDatabase } from './store-database';

type ConnectionMethods = Pick<
  RunStore,
  'createConnection' | 'getConnection' | 'listConnections' | 'updateConnection' | 'deleteConnection' | 'listConnectionsNotWrappedBy' | 'appendAudit' | 'listAudit'
>;

const utf8 = new TextDecoder();

/** MySQL keeps the name as `varbinary`, and hands it back as bytes. */
const nameText = (name: string | Uint8Array): string => (typeof name === 'string' ? name : utf8.decode(name));

function toConnection(row: Selectable<ConnectionsTable>): ConnectionRecord {
  const record: ConnectionRecord = {
    tenantId: asTenantId(row.tenant_id),
    id: asConnectionId(row.id),
    connectorId: row.connector_id,
    name: nameText(row.name),
    authType: row.auth_type,
    secret: row.secret,
    keyId: row.key_id,
    summary: JSON.parse(row.summary) as Record<string, string>,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  if (row.expires_at !== null) record.expiresAt = Number(row.expires_at);
  return record;
}

function toAuditEntry(row: Selectable<AuditEntriesTable>): AuditEntry {
  const entry: AuditEntry = {
    tenantId: asTenantId(row.tenant_id),
    id: row.id,
    at: Number(row.at),
    action: row.action as AuditAction,
    connectionId: asConnectionId(row.connection_id),
    actor: JSON.parse(row.actor) as AuditActor,
  };
  if (row.detail !== null) entry.detail = JSON.parse(row.detail) as Record<string, string>;
  return entry;
}

/** Where a connection list ends: its name, then its id. */
interface NameKey {
  name: string;
  id: string;
}

/**
 * A page cursor holds a time and an id; a connection list pages by name and id, so `at`
 * is the name's length and `id` the name followed by the id. Both come back exactly,
 * whatever characters they hold, with no separator to escape. (The memory store reads
 * and writes the same shape.)
 */
const encodeNameCursor = (key: NameKey): string => encodeCursor({ at: key.name.length, id: key.name + key.id });

function decodeNameCursor(cursor: string): NameKey {
  const { at, id } = decodeCursor(cursor);
  if (!Number.isInteger(at) || at < 0 || at > id.length) {
    throw new PipewrightError('invalid_cursor', 'The page cursor is not one of a connection list; pass back a nextCursor exactly as it was returned', { details: { cursor } });
  }
  return { name: id.slice(0, at), id: id.slice(at) };
}

/** The statements a step that uses a connection runs (read it, record the access), compiled once per store. */
function connectionQueries(db: Kysely<StoreDatabase>) {
  return {
    get: queryTemplate((p) => db.selectFrom('connections').selectAll().where('tenant_id', '=', p('tenantId')).where('id', '=', p('id'))),
    insertAudit: queryTemplate((p) =>
      db.insertInto('audit_entries').values({
        tenant_id: p('tenantId'),
        id: p('id'),
        at: p('at'),
        action: p('action'),
        connection_id: p('connectionId'),
        actor: p('actor'),
        detail: p('detail'),
      }),
    ),
  };
}

/**
 * The connection and audit methods of the SQL run store. A connection is one row of
 * `connections`, its summary as JSON text, guarded by its version: an update is an UPDATE
 * conditional on the version read, so of two writers that read the same version one wins.
 * The audit trail is append-only rows of `audit_entries`, which outlive their connection.
 */
export function sqlConnections(database: SqlDatabase): ConnectionMethods {
  const { db, features } = database;
  const q = connectionQueries(db);

  return {
    async createConnection(record) {
      const values = {
        tenant_id: record.tenantId,
        id: record.id,
        connector_id: record.connectorId,
        name: record.name,
        auth_type: record.authType,
        secret: record.secret,
        key_id: record.keyId,
        summary: JSON.stringify(record.summary),
        expires_at: record.expiresAt ?? null,
        version: 1,
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      };
      try {
        await retryTransient(() => database.write('statement', (db) => db.insertInto('connections').values(values).execute()));
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },

    async getConnection(tenantId, id) {
      const [row] = (await db.executeQuery(q.get({ tenantId, id }))).rows;
      return row === undefined ? undefined : toConnection(row);
    },

    async listConnections(tenantId, filter = {}, page = {}): Promise<Page<ConnectionRecord>> {
      const after = page.cursor === undefined ? undefined : decodeNameCursor(page.cursor);
      const limit = pageLimit(page.limit);
      let query = db.selectFrom('connections').selectAll().where('tenant_id', '=', tenantId);
      if (filter.connectorId !== undefined) query = query.where('connector_id', '=', filter.connectorId);
      if (after !== undefined) query = query.where((eb) => eb.or([eb('name', '>', after.name), eb.and([eb('name', '=', after.name), eb('id', '>', after.id)])]));
      const rows = await query.orderBy('name').orderBy('id').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map(toConnection);
      const last = items[items.length - 1];
      return rows.length > limit && last !== undefined ? { items, nextCursor: encodeNameCursor(last) } : { items };
    },

    async updateConnection(record, expectedVersion) {
      const guarded = (db: Kysely<StoreDatabase>) =>
        db
          .updateTable('connections')
          // The version always changes, so MySQL, which counts changed rows, counts the row too.
          .set({
            name: record.name,
            auth_type: record.authType,
            secret: record.secret,
            key_id: record.keyId,
            summary: JSON.stringify(record.summary),
            expires_at: record.expiresAt ?? null,
            updated_at: record.updatedAt,
            version: expectedVersion + 1,
          })
          .where('tenant_id', '=', record.tenantId)
          .where('id', '=', record.id)
          .where('version', '=', expectedVersion);
      // The stored row is the answer: its connector and creation time are not the caller's to change.
      const row = features.supportsReturning
        ? await retryTransient(() => database.write('statement', (db) => guarded(db).returningAll().executeTakeFirst()))
        : await retryTransient(() =>
            database.write('transaction', async (trx) => {
              const result = await guarded(trx).executeTakeFirst();
              if (Number(result.numUpdatedRows) === 0) return undefined;
              // The update's row lock holds until commit: this reads the row as written.
              return trx.selectFrom('connections').selectAll().where('tenant_id', '=', record.tenantId).where('id', '=', record.id).executeTakeFirst();
            }),
          );
      return row === undefined ? undefined : toConnection(row);
    },

    async deleteConnection(tenantId, id) {
      const result = await retryTransient(() => database.write('statement', (db) => db.deleteFrom('connections').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst()));
      return Number(result.numDeletedRows) > 0;
    },

    async listConnectionsNotWrappedBy(keyId, limit) {
      if (!(limit >= 1)) return [];
      const rows = await db
        .selectFrom('connections')
        .selectAll()
        // Two ranges of the key index rather than `<>`: once a rotation has re-wrapped nearly
        // every row, the last few are found without reading the whole table.
        .where((eb) => eb.or([eb('key_id', '<', keyId), eb('key_id', '>', keyId)]))
        .limit(Math.floor(limit))
        .execute();
      return rows.map(toConnection);
    },

    async appendAudit(entry) {
      const values = {
        tenantId: entry.tenantId,
        id: entry.id,
        at: entry.at,
        action: entry.action,
        connectionId: entry.connectionId,
        actor: JSON.stringify(entry.actor),
        detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
      };
      try {
        await retryTransient(() => database.write('statement', (db) => db.executeQuery(q.insertAudit(values))));
      } catch (error) {
        // The entry is there already (a retried append whose first try committed): the first one stays.
        if (!isUniqueViolation(error)) throw error;
      }
    },

    async listAudit(tenantId, filter = {}, page = {}): Promise<Page<AuditEntry>> {
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const limit = pageLimit(page.limit);
      let query = db.selectFrom('audit_entries').selectAll().where('tenant_id', '=', tenantId);
      if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
      if (after !== undefined) query = query.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]));
      const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map(toAuditEntry);
      const last = items[items.length - 1];
      return rows.length > limit && last !== undefined ? { items, nextCursor: encodeCursor({ at: last.at, id: last.id }) } : { items };
    },
  };
}
