import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { queryTemplate, templatesByCount, type Param } from './query-template';
import type { SqlFeatures } from './sql-features';
import type { StoreDatabase } from './store-database';

/**
 * Which jobs a worker may lease now: due waiting jobs and jobs whose lease expired, except
 * a job while another job with its dedupe key is leased (expired or not: that one is
 * offered again first), so that jobs with one key never run at once.
 */
function leasable(p: Param) {
  return (eb: ExpressionBuilder<StoreDatabase & { j: StoreDatabase['jobs'] }, 'j'>) =>
    eb.and([
      eb('j.queue', '=', p('queue')),
      eb.or([
        eb.and([eb('j.state', '=', 'waiting'), eb('j.due_at', '<=', p('now'))]),
        eb.and([eb('j.state', '=', 'leased'), eb('j.lease_until', '<=', p('now'))]),
      ]),
      eb.or([
        eb('j.dedupe_key', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobs as other')
              .select(sql.lit(1).as('one'))
              .where('other.queue', '=', p('queue'))
              .whereRef('other.dedupe_key', '=', 'j.dedupe_key')
              .where('other.state', '=', 'leased')
              .whereRef('other.id', '<>', 'j.id'),
          ),
        ),
      ]),
    ]);
}

/** The queue's statements, compiled once per queue instance. */
export function jobQueueQueries(db: Kysely<StoreDatabase>, features: SqlFeatures) {
  const lockRows = <T extends { forUpdate(): T; skipLocked(): T }>(query: T): T => (features.supportsSkipLocked ? query.forUpdate().skipLocked() : query);

  return {
    insert: queryTemplate((p) =>
      db.insertInto('jobs').values({
        queue: p('queue'),
        id: p('id'),
        tenant_id: p('tenantId'),
        name: p('name'),
        payload: p('payload'),
        state: 'waiting',
        due_at: p('dueAt'),
        dedupe_key: p('dedupeKey'),
        waiting_dedupe_key: p('dedupeKey'),
        attempts: 0,
        max_attempts: p('maxAttempts'),
        lease_token: null,
        lease_until: null,
        last_error: null,
        failed_at: null,
      }),
    ),
    waitingWithKey: queryTemplate((p) => db.selectFrom('jobs').select(['id', 'due_at']).where('queue', '=', p('queue')).where('waiting_dedupe_key', '=', p('key'))),
    moveEarlier: queryTemplate((p) =>
      db.updateTable('jobs').set({ due_at: p('dueAt') }).where('id', '=', p('id')).where('state', '=', 'waiting').where('due_at', '>', p('dueAt')),
    ),

    /** One statement where the database returns updated rows: pick, lock and lease. */
    leaseReturning: queryTemplate((p) =>
      db
        .updateTable('jobs')
        .set({ state: 'leased', lease_token: p('token'), lease_until: p('until'), attempts: sql<number>`attempts + 1`, waiting_dedupe_key: null })
        .where('id', 'in', lockRows(db.selectFrom('jobs as j').select('j.id').where(leasable(p)).orderBy('j.due_at').orderBy('j.id').limit(p('limit'))))
        .returningAll(),
    ),
    /** Otherwise (MySQL) in a transaction: pick and lock, lease by id, read back. */
    pick: queryTemplate((p) => lockRows(db.selectFrom('jobs as j').select('j.id').where(leasable(p)).orderBy('j.due_at').orderBy('j.id').limit(p('limit')))),
    leaseIds: templatesByCount((p, count) =>
      db
        .updateTable('jobs')
        .set({ state: 'leased', lease_token: p('token'), lease_until: p('until'), attempts: sql<number>`attempts + 1`, waiting_dedupe_key: null })
        .where(
          'id',
          'in',
          Array.from({ length: count }, (_, index) => p(`id${index}`)),
        )
        // Without row locks the condition is what keeps two leases apart.
        .where((eb) => eb.or([eb('state', '=', 'waiting'), eb.and([eb('state', '=', 'leased'), eb('lease_until', '<=', p('now'))])])),
    ),
    leasedBy: queryTemplate((p) => db.selectFrom('jobs').selectAll().where('lease_token', '=', p('token'))),

    heartbeat: queryTemplate((p) =>
      db.updateTable('jobs').set({ lease_until: p('until') }).where('id', '=', p('id')).where('lease_token', '=', p('token')).where('state', '=', 'leased'),
    ),
    stillLeased: queryTemplate((p) => db.selectFrom('jobs').select('id').where('id', '=', p('id')).where('lease_token', '=', p('token')).where('state', '=', 'leased')),
    complete: queryTemplate((p) => db.deleteFrom('jobs').where('id', '=', p('id')).where('lease_token', '=', p('token'))),
    retry: queryTemplate((p) =>
      db
        .updateTable('jobs')
        .set({ state: 'waiting', due_at: p('dueAt'), last_error: p('error'), lease_token: null, lease_until: null, waiting_dedupe_key: p('waitingKey') })
        .where('id', '=', p('id'))
        .where('lease_token', '=', p('token')),
    ),
    bury: queryTemplate((p) =>
      db
        .updateTable('jobs')
        .set({ state: 'dead', last_error: p('error'), failed_at: p('now'), lease_token: null, lease_until: null, waiting_dedupe_key: null })
        .where('id', '=', p('id'))
        .where('lease_token', '=', p('token')),
    ),
    /** Hands back a job leased beside another with its key (possible only after a retry), undoing the attempt. */
    release: queryTemplate((p) =>
      db
        .updateTable('jobs')
        .set({ state: 'waiting', lease_token: null, lease_until: null, attempts: sql<number>`attempts - 1` })
        .where('id', '=', p('id'))
        .where('lease_token', '=', p('token')),
    ),
  };
}
