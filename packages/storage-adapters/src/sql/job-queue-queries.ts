import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder } from 'kysely';
import { compilable, queryTemplate, templatesByCount, type Param } from './query-template';
import type { SqlFeatures } from './sql-features';
import type { JobState, StoreDatabase } from './store-database';

type JobsAsJ = StoreDatabase & { j: StoreDatabase['jobs'] };

/**
 * A job may be leased only while no other job with its dedupe key is leased (expired or
 * not: that one is offered again first), so that jobs with one key never run at once.
 */
function notBlocked(p: Param) {
  return (eb: ExpressionBuilder<JobsAsJ, 'j'>) =>
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
    ]);
}

/**
 * Whether a waiting job other than `id` has the dedupe key `key`: one that a lease skipped
 * while the job with that key was leased (see {@link notBlocked}).
 */
function successorWaiting(queue: Expression<unknown>, key: Expression<unknown>, id: Expression<unknown>): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from ${sql.table('jobs')} as w where w.queue = ${queue} and w.dedupe_key = ${key} and w.state = 'waiting' and w.id <> ${id})`;
}

/** `a` or `b`, whichever is larger: `greatest` is not SQLite, `max(a, b)` is only SQLite. */
const larger = (a: Expression<unknown>, b: Expression<unknown>) => sql<number>`case when ${a} > ${b} then ${a} else ${b} end`;

/**
 * The queue's virtual time: the place a tenant with nothing waiting gets for its next job,
 * so that it is served next, not after the backlogs of others. It is the place of the job
 * most recently handed out (the largest place among leased jobs); with none leased, the
 * place of the next job to hand out; with nothing placed at all, the largest place ever
 * given, so an idle queue resumes where it stopped, and a tenant's place from long ago
 * counts for nothing. Each term is one step into an index (PostgreSQL and SQLite do not
 * even take a term while one before it has a value).
 */
function virtualTime(db: Kysely<StoreDatabase>, p: Param): RawBuilder<number> {
  const inService = db.selectFrom('jobs as v').select((eb) => eb.fn.max('v.fair_key').as('place')).where('v.queue', '=', p('queue')).where('v.state', '=', 'leased');
  const nextUp = db.selectFrom('jobs as v').select((eb) => eb.fn.min('v.fair_key').as('place')).where('v.queue', '=', p('queue')).where('v.state', '=', 'waiting');
  const lastGiven = db.selectFrom('queue_tenants as g').select((eb) => eb.fn.max('g.last_fair_key').as('place')).where('g.queue', '=', p('queue'));
  return sql<number>`coalesce((${inService}), (${nextUp}), (${lastGiven}), 1)`;
}

/**
 * The queue's statements, compiled once per queue instance.
 *
 * Leasing is start-time fair queuing between tenants. A `waiting` job has a place
 * (`fair_key`): its tenant's last place plus one, and never before the queue's virtual
 * time; leases take waiting jobs by place. A tenant's last place is a row of
 * `queue_tenants`, moved on by an upsert whose row lock puts concurrent enqueues of one
 * tenant in a line (places read from the jobs table would let them all take the same one).
 * A job enqueued for later, or retried after a delay, is `delayed`, without a place, until
 * a lease after its due time places it (`lockDueDelayed`, `place`) as if it were enqueued
 * then. Being another state keeps it out of the index range that leases read, however
 * many such jobs wait: leases never step over jobs that cannot run yet.
 */
export function jobQueueQueries(db: Kysely<StoreDatabase>, features: SqlFeatures) {
  const lockRows = <T extends { forUpdate(): T; skipLocked(): T }>(query: T): T => (features.supportsSkipLocked ? query.forUpdate().skipLocked() : query);

  /**
   * The jobs to lease: waiting jobs and jobs whose lease expired (these keep their place,
   * which is early: they were handed out once already), by place. Two branches, each one
   * ordered range of an index, rather than one OR that would read and sort every due job.
   * The waiting branch is locked as read. The expired one is too where the lease is one
   * statement (which has no other guard); in MySQL's transaction the UPDATE's condition
   * keeps two leases of an expired job apart, and locking there would deadlock: InnoDB
   * also locks the entry just past the range it reads, which is a waiting job, and with
   * SKIP LOCKED two workers lock two of them, each the one the other leases.
   */
  function leaseCandidates(p: Param, lockExpired: boolean) {
    const jobs = () => db.selectFrom('jobs as j').select(['j.id', 'j.fair_key', 'j.due_at']).where('j.queue', '=', p('queue')).where(notBlocked(p));
    const placed = lockRows(jobs().where('j.state', '=', 'waiting').orderBy('j.fair_key').orderBy('j.due_at').orderBy('j.id').limit(p('limit')));
    const expiredRows = jobs().where('j.state', '=', 'leased').where('j.lease_until', '<=', p('now')).orderBy('j.fair_key').orderBy('j.due_at').orderBy('j.id').limit(p('limit'));
    const expired = lockExpired ? lockRows(expiredRows) : expiredRows;
    return db
      .selectFrom(placed.as('placed'))
      .selectAll()
      .unionAll(db.selectFrom(expired.as('expired')).selectAll())
      .orderBy('fair_key')
      .orderBy('due_at')
      .orderBy('id')
      .limit(p('limit'));
  }

  /** A tenant's next `count` places: its last place moves on by `count`, to at least the virtual time. */
  const placeNew = (p: Param, time: Expression<number>) => sql<number>`${time} + ${p('count')} - 1`;

  /**
   * With ON CONFLICT (PostgreSQL, SQLite): moves the tenant's last place on and returns it.
   * The row lock that puts one tenant's enqueues in a line is held until commit; where a
   * transaction may commit asynchronously (PostgreSQL), this one does, so that the next
   * enqueue of the tenant waits for a write to the log, not for its flush to disk. Losing
   * the move in a crash costs nothing but a little fairness: places are not data.
   */
  const bumpTenant = (p: Param) => {
    const placed = { queue: p('queue'), tenant_id: p('tenantId'), last_fair_key: placeNew(p, virtualTime(db, p)) };
    const insert = features.supportsAsyncCommit
      ? db
          .insertInto('queue_tenants')
          .columns(['queue', 'tenant_id', 'last_fair_key'])
          .expression(
            db
              .selectFrom(sql<{ setting: string }>`(select set_config('synchronous_commit', 'off', true) as setting)`.as('async_commit'))
              .select([placed.queue.as('queue'), placed.tenant_id.as('tenant_id'), placed.last_fair_key.as('last_fair_key')]),
          )
      : db.insertInto('queue_tenants').values(placed);
    return insert
      .onConflict((conflict) =>
        conflict.columns(['queue', 'tenant_id']).doUpdateSet((eb) => ({
          last_fair_key: larger(sql`${eb.ref('queue_tenants.last_fair_key')} + ${p('count')}`, eb.ref('excluded.last_fair_key')),
        })),
      )
      .returning('last_fair_key');
  };

  /** Leases the jobs `id0`…: without row locks, the condition is what keeps two leases apart. */
  const leaseByIds = (p: Param, count: number) =>
    db
      .updateTable('jobs')
      .set(leaseSet(p))
      .where(
        'id',
        'in',
        Array.from({ length: count }, (_, index) => p(`id${index}`)),
      )
      .where((eb) => eb.or([eb('state', '=', 'waiting'), eb.and([eb('state', '=', 'leased'), eb('lease_until', '<=', p('now'))])]));

  /** A new job's columns, but for its state and place. */
  const newJob = (p: Param) => ({
    queue: p('queue'),
    id: p('id'),
    tenant_id: p('tenantId'),
    name: p('name'),
    payload: p('payload'),
    due_at: p('dueAt'),
    dedupe_key: p('dedupeKey'),
    waiting_dedupe_key: p('dedupeKey'),
    attempts: 0,
    max_attempts: p('maxAttempts'),
    lease_token: null,
    lease_until: null,
    last_error: null,
    failed_at: null,
  });

  /** Delayed jobs, earliest due first. */
  const delayed = (p: Param) =>
    db
      .selectFrom('jobs')
      .select(['id', 'tenant_id', 'due_at'])
      .where('queue', '=', p('queue'))
      .where('state', '=', 'delayed')
      // Always true of a delayed job; named so that the due time can bound the index range.
      .where('fair_key', 'is', null)
      // The index's order. PostgreSQL does not take `fair_key IS NULL` as fixing the column,
      // so ordered by due time alone it would sort every match instead of reading the first.
      .orderBy('fair_key')
      .orderBy('due_at')
      .orderBy('id');

  /**
   * Where a statement may commit asynchronously (PostgreSQL), leases and completions do:
   * they return at the write to the log instead of its flush to disk. A crash of the
   * database may forget the last of them, which only hands those jobs out again, as the
   * crash of a worker does: handlers are idempotent already, and an advance job whose
   * run has moved on finds nothing to do. Enqueues and the run's own writes stay
   * synchronous.
   */
  const commitsAsynchronously = sql<boolean>`(select set_config('synchronous_commit', 'off', true)) is not null`;
  const asyncCommit = features.supportsAsyncCommit ? [commitsAsynchronously] : [];

  const leaseSet = (p: Param) => ({ state: 'leased' as const, lease_token: p('token'), lease_until: p('until'), attempts: sql<number>`attempts + 1`, waiting_dedupe_key: null });

  return {
    /** A waiting job with its place (`fairKey`), or a delayed one with NULL. */
    insert: queryTemplate((p) => db.insertInto('jobs').values({ ...newJob(p), state: p('state'), fair_key: p('fairKey') })),
    /**
     * A due job inserted already leased (`token` until `until`, attempt 1), for a worker of
     * this process with a free slot, unless any job with its dedupe key is there: then
     * nothing is inserted, and the usual enqueue decides. Without a place, as a delayed job:
     * a lease taken back (expired, released) places it when it is leased again.
     */
    insertLeased: queryTemplate((p) =>
      db
        .insertInto('jobs')
        .columns(['queue', 'id', 'tenant_id', 'name', 'payload', 'state', 'due_at', 'dedupe_key', 'waiting_dedupe_key', 'attempts', 'max_attempts', 'lease_token', 'lease_until', 'fair_key'])
        .expression(
          db
            .selectNoFrom([
              p('queue').as('queue'),
              p('id').as('id'),
              p('tenantId').as('tenant_id'),
              p('name').as('name'),
              p('payload').as('payload'),
              sql<JobState>`'leased'`.as('state'),
              p('dueAt').as('due_at'),
              p('dedupeKey').as('dedupe_key'),
              sql<null>`null`.as('waiting_dedupe_key'),
              sql<number>`1`.as('attempts'),
              p('maxAttempts').as('max_attempts'),
              p('token').as('lease_token'),
              p('until').as('lease_until'),
              sql<null>`null`.as('fair_key'),
            ])
            .where((eb) =>
              eb.not(
                eb.exists(
                  db
                    .selectFrom('jobs as k')
                    .select(sql<number>`1`.as('one'))
                    .where('k.queue', '=', p('queue'))
                    .where('k.dedupe_key', '=', p('dedupeKey'))
                    .where('k.state', 'in', ['waiting', 'delayed', 'leased']),
                ),
              ),
            ),
        ),
    ),
    /**
     * Waiting jobs of several tenants with their places, in one statement (PostgreSQL):
     * each tenant's last place moves on by its number of jobs (as `bumpTenant` does), the
     * jobs take those places in input order, and `notify` sends one NOTIFY on `channel`,
     * which PostgreSQL delivers at commit. One round trip and one flush to disk where the
     * move, the insert and the NOTIFY took three. A job whose dedupe key another waiting
     * job holds is not inserted (no id returned); its place stays a gap.
     */
    insertWaitingPlaced: queryTemplate((p) =>
      compilable(
        db,
        sql<{ id: string }>`with input as (
            select i.*, row_number() over (partition by i.tenant_id order by i.n) as k, count(*) over (partition by i.tenant_id) as c
            from unnest(${p('ids')}::text[], ${p('tenantIds')}::text[], ${p('names')}::text[], ${p('payloads')}::text[], ${p('dueAts')}::bigint[], ${p('dedupeKeys')}::text[], ${p('maxAttempts')}::integer[])
              with ordinality as i (id, tenant_id, name, payload, due_at, dedupe_key, max_attempts, n)
          ),
          virtual_time as (select ${virtualTime(db, p)} as t),
          placed as (
            insert into ${sql.table('queue_tenants')} as g (queue, tenant_id, last_fair_key)
            select ${p('queue')}, tenant_id, (select t from virtual_time) + max(c) - 1 from input group by tenant_id
            -- Tenants in one order everywhere, so that two statements lock their rows alike.
            order by tenant_id
            on conflict (queue, tenant_id) do update
              set last_fair_key = greatest(g.last_fair_key + (excluded.last_fair_key - (select t from virtual_time) + 1), excluded.last_fair_key)
            returning tenant_id, last_fair_key
          ),
          inserted as (
            insert into ${sql.table('jobs')} (queue, id, tenant_id, name, payload, state, due_at, dedupe_key, waiting_dedupe_key, attempts, max_attempts, lease_token, lease_until, last_error, failed_at, fair_key)
            select ${p('queue')}, i.id, i.tenant_id, i.name, i.payload, 'waiting', i.due_at, i.dedupe_key, i.dedupe_key, 0, i.max_attempts, null, null, null, null, g.last_fair_key - i.c + i.k
            from input i join placed g on g.tenant_id = i.tenant_id
            on conflict do nothing
            returning id
          ),
          notified as (select pg_notify(${p('channel')}, '') as sent where ${p('notify')}::boolean)
        select inserted.id from inserted left join notified on true`,
      ),
    ),
    /**
     * `count` waiting jobs (`<column><i>` values) in one multi-row INSERT, where arrays
     * cannot be bound (MySQL). A dedupe key that is taken fails the whole statement.
     */
    insertWaitingRows: templatesByCount((p, count) =>
      db.insertInto('jobs').values(
        Array.from({ length: count }, (_, index) => {
          const at = (name: string) => p(`${name}${index}`);
          return {
            ...newJob((name) => (name === 'queue' ? p('queue') : at(name))),
            state: 'waiting' as const,
            fair_key: at('fairKey'),
          };
        }),
      ),
    ),
    /** Completions of `count` jobs (`id<i>`, `token<i>`) in one statement, where arrays cannot be bound (MySQL). */
    completeRows: templatesByCount((p, count) =>
      db.deleteFrom('jobs').where((eb) => eb.or(Array.from({ length: count }, (_, index) => eb.and([eb('id', '=', p(`id${index}`)), eb('lease_token', '=', p(`token${index}`))])))),
    ),
    /**
     * Completions of several jobs in one statement (PostgreSQL), committed asynchronously
     * as `complete` is; each completed job answers whether it leaves a successor (see `complete`).
     */
    completeMany: queryTemplate((p) =>
      compilable(
        db,
        sql<{ id: string; successor: boolean }>`delete from ${sql.table('jobs')} as j using unnest(${p('ids')}::text[], ${p('tokens')}::text[]) as c (id, token)
          where j.id = c.id and j.lease_token = c.token and ${commitsAsynchronously}
          returning j.id, ${successorWaiting(sql.ref('j.queue'), sql.ref('j.dedupe_key'), sql.ref('j.id'))} as successor`,
      ),
    ),
    /** Moves a tenant's last place on by `count` and returns it (RETURNING). */
    bumpTenant: queryTemplate((p) => bumpTenant(p)),
    /** The virtual time on its own, for MySQL's upsert (`bumpTenantTo`). */
    virtualTime: queryTemplate((p) => db.selectNoFrom(virtualTime(db, p).as('place'))),
    /**
     * The same as `bumpTenant` on MySQL, for a virtual time read beforehand. MySQL's INSERT
     * reads the table it writes under shared locks: two enqueues of one tenant both took
     * one on the index entry that each then had to change, and deadlocked. A plain SELECT
     * takes none. Without RETURNING, `LAST_INSERT_ID(expr)` makes the new last place the
     * statement's insert id.
     */
    bumpTenantTo: queryTemplate((p) =>
      db
        .insertInto('queue_tenants')
        .values({ queue: p('queue'), tenant_id: p('tenantId'), last_fair_key: sql<number>`last_insert_id(${placeNew(p, p('virtualTime'))})` })
        .onDuplicateKeyUpdate({
          last_fair_key: sql<number>`last_insert_id(${larger(sql`last_fair_key + ${p('count')}`, sql`values(last_fair_key)`)})`,
        }),
    ),
    /** Gives a place back that a failed insert did not use, unless another job took a later one meanwhile. */
    unbumpTenant: queryTemplate((p) =>
      db
        .updateTable('queue_tenants')
        .set({ last_fair_key: sql<number>`last_fair_key - 1` })
        .where('queue', '=', p('queue'))
        .where('tenant_id', '=', p('tenantId'))
        .where('last_fair_key', '=', p('place')),
    ),

    waitingWithKey: queryTemplate((p) => db.selectFrom('jobs').select(['id', 'due_at']).where('queue', '=', p('queue')).where('waiting_dedupe_key', '=', p('key'))),
    moveEarlier: queryTemplate((p) =>
      db.updateTable('jobs').set({ due_at: p('dueAt') }).where('id', '=', p('id')).where('state', 'in', ['delayed', 'waiting']).where('due_at', '>', p('dueAt')),
    ),

    /** The delayed job due first: whether one is due, else when the next will be. */
    firstDelayed: queryTemplate((p) => delayed(p).limit(1)),
    /** Delayed jobs whose due time has come, earliest first, locked for placing them (in a transaction). */
    lockDueDelayed: queryTemplate((p) => lockRows(delayed(p).where('due_at', '<=', p('now')).limit(p('limit')))),
    /** Gives `count` delayed jobs (`id<i>`) their places (`place<i>`): they wait in line now. */
    place: templatesByCount((p, count) => {
      const ids = Array.from({ length: count }, (_, index) => p(`id${index}`));
      const cases = sql.join(
        ids.map((id, index) => sql`when ${id} then ${p(`place${index}`)}`),
        sql` `,
      );
      // `else fair_key` also gives the CASE the column's type, which PostgreSQL needs for the bare parameters.
      return db
        .updateTable('jobs')
        .set({ state: 'waiting', fair_key: sql<number>`case id ${cases} else fair_key end` })
        .where('id', 'in', ids)
        .where('state', '=', 'delayed');
    }),

    /** One statement where the database returns updated rows: pick, lock and lease. */
    leaseReturning: queryTemplate((p) =>
      db
        .updateTable('jobs')
        .set(leaseSet(p))
        .where('id', 'in', db.selectFrom(leaseCandidates(p, true).as('c')).select('c.id'))
        .where((eb) => eb.and(asyncCommit))
        .returningAll(),
    ),
    /** Otherwise (MySQL) in a transaction: pick and lock, lease by id, read back. */
    pick: queryTemplate((p) => leaseCandidates(p, false)),
    leaseIds: templatesByCount((p, count) => leaseByIds(p, count)),
    /**
     * With one connection (SQLite): lease the picked ids and return them, in the same write
     * as the pick. On SQLite the two statements take about 85 µs where `leaseReturning`,
     * the pick as a subquery of the update, takes 100–130 µs (four of 32 waiting jobs).
     */
    leaseIdsReturning: templatesByCount((p, count) => leaseByIds(p, count).returningAll()),
    leasedBy: queryTemplate((p) => db.selectFrom('jobs').selectAll().where('lease_token', '=', p('token'))),

    heartbeat: queryTemplate((p) =>
      db.updateTable('jobs').set({ lease_until: p('until') }).where('id', '=', p('id')).where('lease_token', '=', p('token')).where('state', '=', 'leased'),
    ),
    stillLeased: queryTemplate((p) => db.selectFrom('jobs').select('id').where('id', '=', p('id')).where('lease_token', '=', p('token')).where('state', '=', 'leased')),
    complete: queryTemplate((p) =>
      db
        .deleteFrom('jobs')
        .where('id', '=', p('id'))
        .where('lease_token', '=', p('token'))
        .where((eb) => eb.and(asyncCommit)),
    ),
    /**
     * `complete`, answering whether a job with the completed one's dedupe key is waiting:
     * the completion lets it be leased, and only the completing process knows (where the
     * database returns deleted rows).
     */
    completeReturning: queryTemplate((p) =>
      db
        .deleteFrom('jobs')
        .where('id', '=', p('id'))
        .where('lease_token', '=', p('token'))
        .where((eb) => eb.and(asyncCommit))
        .returning(() => [successorWaiting(sql.ref('jobs.queue'), sql.ref('jobs.dedupe_key'), sql.ref('jobs.id')).as('successor')]),
    ),
    /** Delayed until the retry is due: it gets a new place then, as any delayed job. */
    retry: queryTemplate((p) =>
      db
        .updateTable('jobs')
        .set({ state: 'delayed', due_at: p('dueAt'), last_error: p('error'), lease_token: null, lease_until: null, waiting_dedupe_key: p('waitingKey'), fair_key: null })
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
    /**
     * Hands back a job leased beside another with its key (possible only after a retry),
     * undoing the attempt. It keeps its place, at the front: it was its turn. (Only a job
     * leased before places existed has none, and is placed again like a delayed job.)
     */
    release: queryTemplate((p) =>
      db
        .updateTable('jobs')
        .set({ state: sql<JobState>`case when fair_key is null then 'delayed' else 'waiting' end`, lease_token: null, lease_until: null, attempts: sql<number>`attempts - 1` })
        .where('id', '=', p('id'))
        .where('lease_token', '=', p('token')),
    ),
  };
}
