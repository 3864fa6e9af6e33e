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
  /** Hash: dedupe key → id of the job with that key that waits to be leased. */
  dedupe: string;
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
    dedupe: `${base}pw:dedupe`,
    ownPattern: `${base.replace(/[*?[\]\\]/g, '\\$&')}pw:*`,
  };
}
