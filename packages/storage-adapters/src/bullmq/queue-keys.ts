/**
 * The Redis keys of one queue: BullMQ's own (named as BullMQ 6's `QueueKeys` names
 * them, `<prefix>:<queueName>:<type>`) and the few this adapter adds under
 * `<prefix>:<queueName>:pw:`. Job ids never contain a colon, so `pw:...` cannot
 * collide with a job's key `<prefix>:<queueName>:<jobId>`.
 */
export interface QueueKeys {
  /** `<prefix>:<queueName>:`, to which a job id is appended for the job's hash. */
  base: string;
  delayed: string;
  marker: string;
  events: string;
  meta: string;
  active: string;
  stalled: string;
  failed: string;
  /** BullMQ's sorted set of due jobs; this adapter's scores are the jobs' places (see `lua-scripts.ts`). */
  prioritized: string;
  /** Hash: dedupe key → id of the job with that key that waits to be leased. */
  dedupe: string;
  /** Sorted set: tenant → the place of its latest placed job. */
  tenantPlaces: string;
  /** String: the place of the job leased last, the queue's current place. */
  currentPlace: string;
  /** Pattern that matches every key this adapter adds (for obliterating the queue). */
  ownPattern: string;
}

/** Glob characters in the prefix or queue name are escaped in `ownPattern`. */
export function queueKeys(prefix: string, queueName: string): QueueKeys {
  const base = `${prefix}:${queueName}:`;
  return {
    base,
    delayed: `${base}delayed`,
    marker: `${base}marker`,
    events: `${base}events`,
    meta: `${base}meta`,
    active: `${base}active`,
    stalled: `${base}stalled`,
    failed: `${base}failed`,
    prioritized: `${base}prioritized`,
    dedupe: `${base}pw:dedupe`,
    tenantPlaces: `${base}pw:tenant-places`,
    currentPlace: `${base}pw:current-place`,
    ownPattern: `${base.replace(/[*?[\]\\]/g, '\\$&')}pw:*`,
  };
}
