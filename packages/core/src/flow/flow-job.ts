import type { TenantId } from '../ids';
import type { EngineCore } from '../runtime/engine-core';

/** Jobs of flow control, next to `advance`; each carries the key of its flow-state document. */
export const flowJobNames = {
  /** Checks a concurrency slot list for slots held by finished runs, and hands freed slots on. */
  concurrency: 'flow.concurrency',
  /** Starts the run of a debounced key once its quiet period has passed. */
  debounce: 'flow.debounce',
  /** Starts the runs of a key's batches that are full or whose window has ended. */
  batch: 'flow.batch',
} as const;

export type FlowJobName = (typeof flowJobNames)[keyof typeof flowJobNames];

/**
 * Makes sure a job `name` for the document `key` falls due no later than `dueAt`. One
 * job per document: a job already waiting keeps the earlier of the two due times, and
 * a handler that runs early schedules itself again for the time it finds.
 */
export async function scheduleFlowJob(core: Pick<EngineCore, 'queue'>, tenantId: TenantId, name: FlowJobName, key: string, dueAt: number): Promise<void> {
  await core.queue.enqueue({ tenantId, name, payload: { key }, dueAt, dedupeKey: `${name}:${tenantId}:${key}` });
}
