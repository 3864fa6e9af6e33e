import { sql, type Kysely, type Migration } from 'kysely';
import type { TableNames } from '../table-names';
import type { SqlFeatures } from './sql-features';

/**
 * The schema, one migration per change, applied in name order and never edited once
 * released: a database created by an older version is brought forward by the ones it
 * has not run. Every row carries its tenant; indexes follow the hot paths (a run by id,
 * runs by workflow, status and time, events by run and sequence, due jobs in fair order).
 */
export function storeMigrations(tables: TableNames, features: SqlFeatures): Record<string, Migration> {
  const key = sql.raw(features.keyType);
  const text = sql.raw(features.textType);
  const status = sql.raw('varchar(16)');
  const binaryKey = sql.raw(features.binaryKeyType);

  return {
    '0001_runs_and_jobs': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(tables.workflows)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('id', key, (column) => column.notNull())
          .addColumn('name', text, (column) => column.notNull())
          .addColumn('draft', text, (column) => column.notNull())
          .addColumn('latest_version', 'integer', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.workflows}_pk`, ['tenant_id', 'id'])
          .execute();
        await db.schema.createIndex(`${tables.workflows}_created_idx`).on(tables.workflows).columns(['tenant_id', 'created_at', 'id']).execute();

        await db.schema
          .createTable(tables.workflowVersions)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('id', key, (column) => column.notNull())
          .addColumn('workflow_id', key, (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('definition', text, (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.workflowVersions}_pk`, ['tenant_id', 'id'])
          .addUniqueConstraint(`${tables.workflowVersions}_number_uq`, ['tenant_id', 'workflow_id', 'version'])
          .execute();

        await db.schema
          .createTable(tables.runs)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('id', key, (column) => column.notNull())
          .addColumn('workflow_id', key, (column) => column.notNull())
          .addColumn('version_id', key, (column) => column.notNull())
          .addColumn('status', status, (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addColumn('finished_at', 'bigint')
          .addColumn('parent_run_id', key)
          .addColumn('idempotency_key', key)
          .addColumn('last_seq', 'integer', (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.runs}_pk`, ['tenant_id', 'id'])
          // NULL keys never collide, in all three databases.
          .addUniqueConstraint(`${tables.runs}_idempotency_uq`, ['tenant_id', 'idempotency_key'])
          .execute();
        await db.schema.createIndex(`${tables.runs}_created_idx`).on(tables.runs).columns(['tenant_id', 'created_at', 'id']).execute();
        await db.schema.createIndex(`${tables.runs}_workflow_idx`).on(tables.runs).columns(['tenant_id', 'workflow_id', 'created_at', 'id']).execute();
        await db.schema.createIndex(`${tables.runs}_workflow_status_idx`).on(tables.runs).columns(['tenant_id', 'workflow_id', 'status', 'created_at']).execute();
        await db.schema.createIndex(`${tables.runs}_status_idx`).on(tables.runs).columns(['tenant_id', 'status', 'created_at']).execute();
        await db.schema.createIndex(`${tables.runs}_parent_idx`).on(tables.runs).columns(['tenant_id', 'parent_run_id', 'created_at']).execute();

        await db.schema
          .createTable(tables.runEvents)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('run_id', key, (column) => column.notNull())
          .addColumn('seq', 'integer', (column) => column.notNull())
          .addColumn('at', 'bigint', (column) => column.notNull())
          .addColumn('event', text, (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.runEvents}_pk`, ['tenant_id', 'run_id', 'seq'])
          .execute();

        await db.schema
          .createTable(tables.deadLetters)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('id', key, (column) => column.notNull())
          .addColumn('job_name', key, (column) => column.notNull())
          .addColumn('payload', text, (column) => column.notNull())
          .addColumn('error', text, (column) => column.notNull())
          .addColumn('attempts', 'integer', (column) => column.notNull())
          .addColumn('failed_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.deadLetters}_pk`, ['tenant_id', 'id'])
          .execute();
        await db.schema.createIndex(`${tables.deadLetters}_failed_idx`).on(tables.deadLetters).columns(['tenant_id', 'failed_at', 'id']).execute();

        await db.schema
          .createTable(tables.jobs)
          .addColumn('id', key, (column) => column.notNull().primaryKey())
          .addColumn('queue', key, (column) => column.notNull())
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('name', key, (column) => column.notNull())
          .addColumn('payload', text, (column) => column.notNull())
          .addColumn('state', status, (column) => column.notNull())
          .addColumn('due_at', 'bigint', (column) => column.notNull())
          .addColumn('dedupe_key', key)
          .addColumn('waiting_dedupe_key', key)
          .addColumn('attempts', 'integer', (column) => column.notNull())
          .addColumn('max_attempts', 'integer', (column) => column.notNull())
          .addColumn('lease_token', key)
          .addColumn('lease_until', 'bigint')
          .addColumn('last_error', text)
          .addColumn('failed_at', 'bigint')
          .addUniqueConstraint(`${tables.jobs}_waiting_key_uq`, ['queue', 'waiting_dedupe_key'])
          .execute();
        await db.schema.createIndex(`${tables.jobs}_due_idx`).on(tables.jobs).columns(['queue', 'state', 'due_at']).execute();
        await db.schema.createIndex(`${tables.jobs}_lease_idx`).on(tables.jobs).columns(['queue', 'state', 'lease_until']).execute();
        await db.schema.createIndex(`${tables.jobs}_key_idx`).on(tables.jobs).columns(['queue', 'dedupe_key', 'state']).execute();
      },
    },

    '0002_flow_control': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(tables.flowStates)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('key', binaryKey, (column) => column.notNull())
          .addColumn('value', text, (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.flowStates}_pk`, ['tenant_id', 'key'])
          .execute();

        // Fair leasing. Jobs already waiting have no place: as delayed jobs whose due time
        // has come, they get one at the first lease.
        await db.schema.alterTable(tables.jobs).addColumn('fair_key', 'bigint').execute();
        await sql`update ${sql.table(tables.jobs)} set state = 'delayed' where state = 'waiting'`.execute(db);
        // Waiting jobs by place, delayed jobs (all without one) by due time: a lease and the
        // look for delayed jobs that fell due each read one range of it, in its order.
        await db.schema.createIndex(`${tables.jobs}_fair_idx`).on(tables.jobs).columns(['queue', 'state', 'fair_key', 'due_at', 'id']).execute();
        // Its leading columns serve everything the due-time index served.
        const dropDue = db.schema.dropIndex(`${tables.jobs}_due_idx`);
        await (features.indexNamesPerTable ? dropDue.on(tables.jobs) : dropDue).execute();

        await db.schema
          .createTable(tables.queueTenants)
          .addColumn('queue', key, (column) => column.notNull())
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('last_fair_key', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.queueTenants}_pk`, ['queue', 'tenant_id'])
          .execute();
        // The queue's largest place handed out, in one index step: where an idle queue resumes.
        await db.schema.createIndex(`${tables.queueTenants}_last_idx`).on(tables.queueTenants).columns(['queue', 'last_fair_key']).execute();
      },
    },

    '0003_connections': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(tables.connections)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('id', key, (column) => column.notNull())
          .addColumn('connector_id', key, (column) => column.notNull())
          // Lists are ordered by name: byte order is the one order all three databases agree on.
          .addColumn('name', binaryKey, (column) => column.notNull())
          .addColumn('auth_type', key, (column) => column.notNull())
          .addColumn('secret', text, (column) => column.notNull())
          .addColumn('key_id', key, (column) => column.notNull())
          .addColumn('summary', text, (column) => column.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.connections}_pk`, ['tenant_id', 'id'])
          .execute();
        await db.schema.createIndex(`${tables.connections}_name_idx`).on(tables.connections).columns(['tenant_id', 'name', 'id']).execute();
        // Key rotation looks across tenants for rows another key wraps.
        await db.schema.createIndex(`${tables.connections}_key_idx`).on(tables.connections).columns(['key_id']).execute();

        await db.schema
          .createTable(tables.auditEntries)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('id', key, (column) => column.notNull())
          .addColumn('at', 'bigint', (column) => column.notNull())
          .addColumn('action', key, (column) => column.notNull())
          .addColumn('connection_id', key, (column) => column.notNull())
          .addColumn('actor', text, (column) => column.notNull())
          .addColumn('detail', text)
          .addPrimaryKeyConstraint(`${tables.auditEntries}_pk`, ['tenant_id', 'id'])
          .execute();
        await db.schema.createIndex(`${tables.auditEntries}_at_idx`).on(tables.auditEntries).columns(['tenant_id', 'at', 'id']).execute();
        await db.schema.createIndex(`${tables.auditEntries}_connection_idx`).on(tables.auditEntries).columns(['tenant_id', 'connection_id', 'at', 'id']).execute();
      },
    },

    '0004_triggers': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(tables.triggers)
          .addColumn('tenant_id', key, (column) => column.notNull())
          .addColumn('workflow_id', key, (column) => column.notNull())
          // Node ids and event names are case-sensitive: MySQL's default collations are not.
          .addColumn('node_id', binaryKey, (column) => column.notNull())
          .addColumn('version_id', key, (column) => column.notNull())
          .addColumn('kind', key, (column) => column.notNull())
          .addColumn('node_type', key, (column) => column.notNull())
          .addColumn('path', key)
          .addColumn('event_name', binaryKey)
          .addColumn('config', text, (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint(`${tables.triggers}_pk`, ['tenant_id', 'workflow_id', 'node_id'])
          .execute();
        // Every webhook request looks its path up here, whatever the tenant. NULL paths
        // (triggers of other kinds) never collide, in all three databases.
        await db.schema.createIndex(`${tables.triggers}_path_uq`).on(tables.triggers).column('path').unique().execute();
        await db.schema.createIndex(`${tables.triggers}_event_idx`).on(tables.triggers).columns(['tenant_id', 'event_name']).execute();
      },
    },
  };
}
