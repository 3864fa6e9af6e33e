import {
  PipewrightError,
  checkTriggerSet,
  asTenantId,
  asWorkflowId,
  asWorkflowVersionId,
  type RunStore,
  type TriggerKind,
  type TriggerRecord,
} from '@pipewright/core';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { SqlDatabase } from './open-sql-database';
import { queryTemplate } from './query-template';
import { isUniqueViolation, retryTransient } from './sql-errors';
import type { StoreDatabase, TriggersTable } from './store-database';

type TriggerMethods = Pick<RunStore, 'replaceTriggers' | 'listTriggers' | 'getTriggerByPath' | 'listTriggersByEvent'>;

const utf8 = new TextDecoder();

/** MySQL keeps node ids and event names as `varbinary`, and hands them back as bytes. */
const bytesText = (value: string | Uint8Array): string => (typeof value === 'string' ? value : utf8.decode(value));

function toTrigger(row: Selectable<TriggersTable>): TriggerRecord {
  const record: TriggerRecord = {
    tenantId: asTenantId(row.tenant_id),
    workflowId: asWorkflowId(row.workflow_id),
    nodeId: bytesText(row.node_id),
    versionId: asWorkflowVersionId(row.version_id),
    kind: row.kind as TriggerKind,
    nodeType: row.node_type,
    config: JSON.parse(row.config) as unknown,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  if (row.path !== null) record.path = row.path;
  if (row.event_name !== null) record.eventName = bytesText(row.event_name);
  return record;
}

function toRow(record: TriggerRecord): Insertable<TriggersTable> {
  return {
    tenant_id: record.tenantId,
    workflow_id: record.workflowId,
    node_id: record.nodeId,
    version_id: record.versionId,
    kind: record.kind,
    node_type: record.nodeType,
    path: record.path ?? null,
    event_name: record.eventName ?? null,
    config: JSON.stringify(record.config ?? null),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** The lookups of every webhook request and every host event, compiled once per store. */
function triggerQueries(db: Kysely<StoreDatabase>) {
  return {
    byPath: queryTemplate((p) => db.selectFrom('triggers').selectAll().where('path', '=', p('path'))),
    byEvent: queryTemplate((p) =>
      db.selectFrom('triggers').selectAll().where('tenant_id', '=', p('tenantId')).where('event_name', '=', p('eventName')).orderBy('workflow_id').orderBy('node_id'),
    ),
  };
}

/**
 * The trigger registrations of the SQL run store: one row of `triggers` per trigger node
 * of an enabled workflow. A swap deletes the workflow's rows and inserts the new ones in
 * one transaction, so readers see the old set or the new one; the unique index on `path`
 * is what keeps a webhook path to one registration across tenants.
 */
export function sqlTriggers(database: SqlDatabase): TriggerMethods {
  const { db, features } = database;
  const q = triggerQueries(db);

  return {
    async replaceTriggers(tenantId, workflowId, triggers) {
      checkTriggerSet(tenantId, workflowId, triggers);
      const rows = triggers.map(toRow);
      try {
        await retryTransient(() =>
          database.write('transaction', async (trx) => {
            if (!features.singleConnection) {
              // Two swaps of one workflow at once (an enable racing a publish) would each
              // delete only the rows they saw and then insert both sets: under PostgreSQL's
              // read committed a DELETE does not see rows committed after it began. The
              // workflow's row (there is one: only a published version gets registered)
              // serialises them; with one connection everything already is.
              await trx.selectFrom('workflows').select('id').where('tenant_id', '=', tenantId).where('id', '=', workflowId).forUpdate().execute();
            }
            await trx.deleteFrom('triggers').where('tenant_id', '=', tenantId).where('workflow_id', '=', workflowId).execute();
            if (rows.length > 0) await trx.insertInto('triggers').values(rows).execute();
          }),
        );
      } catch (error) {
        // The set was checked for repeats and the swap holds the workflow: the key that clashed is a path another workflow holds.
        if (isUniqueViolation(error)) {
          const paths = triggers.flatMap((trigger) => (trigger.path === undefined ? [] : [trigger.path]));
          throw new PipewrightError('invalid_input', 'Webhook path is taken', { cause: error, details: { tenantId, workflowId, paths } });
        }
        throw error;
      }
    },

    async listTriggers(tenantId, workflowId) {
      let query = db.selectFrom('triggers').selectAll().where('tenant_id', '=', tenantId);
      if (workflowId !== undefined) query = query.where('workflow_id', '=', workflowId);
      const rows = await query.orderBy('workflow_id').orderBy('node_id').execute();
      return rows.map(toTrigger);
    },

    async getTriggerByPath(path) {
      const [row] = (await db.executeQuery(q.byPath({ path }))).rows;
      return row === undefined ? undefined : toTrigger(row);
    },

    async listTriggersByEvent(tenantId, eventName) {
      const { rows } = await db.executeQuery(q.byEvent({ tenantId, eventName }));
      return rows.map(toTrigger);
    },
  };
}
