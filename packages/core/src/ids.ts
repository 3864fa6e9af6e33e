declare const brand: unique symbol;

/** A string the type system keeps apart from other kinds of ids. */
export type Brand<T, Name extends string> = T & { readonly [brand]: Name };

export type TenantId = Brand<string, 'TenantId'>;
export type WorkflowId = Brand<string, 'WorkflowId'>;
export type WorkflowVersionId = Brand<string, 'WorkflowVersionId'>;
export type RunId = Brand<string, 'RunId'>;
export type JobId = Brand<string, 'JobId'>;
export type ConnectionId = Brand<string, 'ConnectionId'>;

export const asTenantId = (value: string): TenantId => value as TenantId;
export const asWorkflowId = (value: string): WorkflowId => value as WorkflowId;
export const asWorkflowVersionId = (value: string): WorkflowVersionId => value as WorkflowVersionId;
export const asRunId = (value: string): RunId => value as RunId;
export const asJobId = (value: string): JobId => value as JobId;
export const asConnectionId = (value: string): ConnectionId => value as ConnectionId;

/** A random, URL-safe, unguessable id (a v4 UUID: 122 random bits, from Web Crypto). */
export function newId(prefix: string): string {
  // Joined from an array rather than a template: `randomUUID`'s text is a tree of a dozen
  // concatenated pieces, and an id a run keeps for its whole life would hold every one of
  // them (about 520 bytes on V8, against about 70 for the flat string `join` makes).
  return [prefix, '_', globalThis.crypto.randomUUID()].join('');
}

/**
 * A unique id that sorts by creation time (a v7 UUID: 48 bits of milliseconds, then 74
 * random bits), for rows that are written once and many: database indexes take them at
 * their right-hand edge instead of at a random page, which is what a commit pays for.
 * Not for secrets or unguessable paths: the time in it is public and its randomness is
 * less than `newId`'s.
 */
export function newTimeOrderedId(prefix: string, now: number = Date.now()): string {
  const random = globalThis.crypto.randomUUID();
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
  // randomUUID's layout is xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: the time takes the first 48 bits, and the version becomes 7.
  return [prefix, '_', time.slice(0, 8), '-', time.slice(8), '-7', random.slice(15)].join('');
}
