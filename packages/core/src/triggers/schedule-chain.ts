import type { TenantId } from '../ids';
import type { TriggerRecord } from '../ports/run-store';
import { nextFireAfter } from './schedule/next-fire';
import { scheduleConfigSchema } from './schedule/schedule-config';
import { pollJobName, scheduleJobName, triggerJobKey, type TriggersCore } from './triggers-core';

export interface ScheduleJobPayload {
  workflowId: string;
  nodeId: string;
  scheduledAt: number;
  /** The registration's `updatedAt` when the job was planned: a job of an older registration re-plans instead of firing. */
  generation: number;
}

export interface PollJobPayload {
  workflowId: string;
  nodeId: string;
  generation: number;
}

export async function enqueueScheduleJob(core: TriggersCore, tenantId: TenantId, payload: ScheduleJobPayload): Promise<void> {
  await core.queue.enqueue({ tenantId, name: scheduleJobName, payload, dueAt: payload.scheduledAt, dedupeKey: triggerJobKey(payload.workflowId, payload.nodeId) });
}

export async function enqueuePollJob(core: TriggersCore, tenantId: TenantId, payload: PollJobPayload, dueAt: number): Promise<void> {
  await core.queue.enqueue({ tenantId, name: pollJobName, payload, dueAt, dedupeKey: triggerJobKey(payload.workflowId, payload.nodeId) });
}

/** Starts the job chain of each schedule and poll registration (after enable or publish). */
export async function startTriggerChains(core: TriggersCore, records: readonly TriggerRecord[]): Promise<void> {
  const now = core.clock.now();
  for (const record of records) {
    if (record.kind === 'schedule') {
      const config = scheduleConfigSchema.parse(record.config);
      const scheduledAt = nextFireAfter(config, now);
      if (scheduledAt !== undefined) await enqueueScheduleJob(core, record.tenantId, { workflowId: record.workflowId, nodeId: record.nodeId, scheduledAt, generation: record.updatedAt });
    } else if (record.kind === 'poll') {
      await enqueuePollJob(core, record.tenantId, { workflowId: record.workflowId, nodeId: record.nodeId, generation: record.updatedAt }, now);
    }
  }
}
