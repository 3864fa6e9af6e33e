import type { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import type { TenantId } from '../ids';
import type { RunStore } from '../ports/run-store';

/**
 * What `change` decides: a `result` for the caller and, when the document changes, its
 * `next` value (`null` deletes it). No `next` leaves the document as it is.
 */
export interface FlowChange<Value, Result> {
  result: Result;
  next?: Value | null;
}

/** Compare-and-set attempts before giving up on a contended document. */
const maxWriteAttempts = 50;

/**
 * Reads a shared flow-control document, lets `change` decide from its current value,
 * and writes the outcome guarded by the version it read. When another worker wrote in
 * between, reads and decides again: `change` must be a pure function of the value, as
 * it may run several times. A stored value that no longer parses counts as absent and
 * is overwritten, so one bad write cannot wedge a key for good.
 */
export async function updateFlowState<Value, Result>(
  store: RunStore,
  tenantId: TenantId,
  key: string,
  schema: z.ZodType<Value>,
  now: () => number,
  change: (current: Value | undefined) => FlowChange<Value, Result>,
): Promise<Result> {
  for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
    const record = await store.getFlowState(tenantId, key);
    const parsed = record === undefined ? undefined : schema.safeParse(record.value);
    const decided = change(parsed?.success ? parsed.data : undefined);
    if (decided.next === undefined) return decided.result;
    const version = record?.version ?? 0;
    if (decided.next === null) {
      if (record === undefined || (await store.deleteFlowState(tenantId, key, version))) return decided.result;
      continue;
    }
    if ((await store.putFlowState(tenantId, key, decided.next, version, now())) !== undefined) return decided.result;
  }
  throw new PipewrightError('internal', `Flow state "${key}" kept changing; gave up after ${maxWriteAttempts} attempts`, { details: { tenantId, key } });
}

/** Reads a flow-control document; undefined when absent or unreadable. */
export async function readFlowState<Value>(store: RunStore, tenantId: TenantId, key: string, schema: z.ZodType<Value>): Promise<Value | undefined> {
  const record = await store.getFlowState(tenantId, key);
  if (record === undefined) return undefined;
  const parsed = schema.safeParse(record.value);
  return parsed.success ? parsed.data : undefined;
}
