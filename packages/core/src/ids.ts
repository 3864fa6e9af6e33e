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
  return `${prefix}_${globalThis.crypto.randomUUID()}`;
}
