import { z } from 'zod';
import { toPipewrightError } from '../errors/pipewright-error';
import { asConnectionId, asWorkflowId, asWorkflowVersionId, type TenantId } from '../ids';
import { Redactor } from '../secrets/redactor';
import type { LeasedJob } from '../ports/job-queue';
import type { TriggerRecord } from '../ports/run-store';
import type { TriggerNodeDefinition } from '../registry/node-definition';
import { openStepConnection, type OpenStepConnection } from '../connections/step-connection';
import { dueFires } from './schedule/due-fires';
import { nextFireAfter } from './schedule/next-fire';
import { scheduleConfigSchema } from './schedule/schedule-config';
import { enqueuePollJob, enqueueScheduleJob } from './schedule-chain';
import { pollJobName, scheduleJobName, type TriggersCore } from './triggers-core';

const schedulePayload = z.object({ workflowId: z.string(), nodeId: z.string(), scheduledAt: z.number(), generation: z.number() });
const pollPayload = z.object({ workflowId: z.string(), nodeId: z.string(), generation: z.number() });

const defaultPollIntervalMs = 5 * 60_000;
const pollTimeoutMs = 60_000;

async function registration(core: TriggersCore, tenantId: TenantId, workflowId: string, nodeId: string, kind: TriggerRecord['kind']): Promise<TriggerRecord | undefined> {
  const records = await core.store.listTriggers(tenantId, asWorkflowId(workflowId));
  return records.find((record) => record.nodeId === nodeId && record.kind === kind);
}

/** Handles `trigger.schedule` and `trigger.poll` jobs; false for any other job. */
export async function handleTriggerJob(core: TriggersCore, job: LeasedJob): Promise<boolean> {
  if (job.name === scheduleJobName) {
    const payload = schedulePayload.safeParse(job.payload);
    if (payload.success) await fireSchedule(core, job.tenantId, payload.data);
    else core.logger.error('Dropping a schedule job with an unreadable payload', { jobId: job.id });
    return true;
  }
  if (job.name === pollJobName) {
    const payload = pollPayload.safeParse(job.payload);
    if (payload.success) await poll(core, job.tenantId, payload.data);
    else core.logger.error('Dropping a poll job with an unreadable payload', { jobId: job.id });
    return true;
  }
  return false;
}

/**
 * Starts the run of each due fire time, exactly once: the run's idempotency key is the
 * trigger and the time, so a job retried after a crash, or a fire that two workers
 * both reach, starts no second run. The next job is queued before the runs start, so
 * a crash in between loses no future fire.
 */
async function fireSchedule(core: TriggersCore, tenantId: TenantId, payload: z.infer<typeof schedulePayload>): Promise<void> {
  const record = await registration(core, tenantId, payload.workflowId, payload.nodeId, 'schedule');
  if (!record) return; // disabled: the chain ends
  const config = scheduleConfigSchema.parse(record.config);
  const now = core.clock.now();
  const chain = { workflowId: payload.workflowId, nodeId: payload.nodeId, generation: record.updatedAt };
  if (payload.generation !== record.updatedAt || now < payload.scheduledAt) {
    // A job planned for an older registration (or merged with an earlier one): plan again.
    const next = payload.generation === record.updatedAt ? payload.scheduledAt : nextFireAfter(config, now);
    if (next !== undefined) await enqueueScheduleJob(core, tenantId, { ...chain, scheduledAt: next });
    return;
  }
  const { fires, next } = dueFires(config, payload.scheduledAt, now);
  if (next !== undefined) await enqueueScheduleJob(core, tenantId, { ...chain, scheduledAt: next });
  for (const fireAt of fires) {
    await core.startRun(
      tenantId,
      { versionId: record.versionId },
      { scheduledAt: new Date(fireAt).toISOString(), firedAt: new Date(now).toISOString() },
      { triggerNodeId: record.nodeId, idempotencyKey: `schedule:${record.workflowId}:${record.nodeId}:${fireAt}` },
    );
  }
}

const cursorSchema = z.object({ cursor: z.unknown() });

/**
 * Polls once: asks the trigger what is new since the stored cursor, starts a run per
 * new item (deduped by the item's id, so an item seen again after a crash before the
 * cursor was saved starts nothing), then stores the cursor. A failing poll is logged and
 * tried again at the next interval; the chain never ends while the trigger is enabled.
 */
async function poll(core: TriggersCore, tenantId: TenantId, payload: z.infer<typeof pollPayload>): Promise<void> {
  const record = await registration(core, tenantId, payload.workflowId, payload.nodeId, 'poll');
  if (!record || record.updatedAt !== payload.generation) return; // disabled, or a newer chain runs
  const registered = core.registry.get(record.nodeType);
  const definition = registered?.definition;
  if (definition?.kind !== 'trigger' || !definition.poll) {
    core.logger.error('A poll trigger has no poll function; it stops', { workflowId: record.workflowId, nodeId: record.nodeId, type: record.nodeType });
    return;
  }
  const parsed = definition.configSchema.safeParse(record.config);
  const config = parsed.success ? (parsed.data as Record<string, unknown>) : undefined;
  const intervalMs = typeof config?.['pollIntervalMs'] === 'number' ? config['pollIntervalMs'] : (definition.pollIntervalMs ?? defaultPollIntervalMs);
  const now = core.clock.now();
  await enqueuePollJob(core, tenantId, payload, now + intervalMs);
  if (!config) {
    core.logger.error('A poll trigger’s config is not valid; it is skipped', { workflowId: record.workflowId, nodeId: record.nodeId });
    return;
  }
  try {
    await pollOnce(core, tenantId, record, definition as TriggerNodeDefinition & { poll: NonNullable<TriggerNodeDefinition['poll']> }, config, registered?.connector, now);
  } catch (error) {
    const failure = toPipewrightError(error);
    core.logger.warn('A poll failed; it is tried again at the next interval', { workflowId: record.workflowId, nodeId: record.nodeId, code: failure.code, error: failure.message });
  }
}

async function pollOnce(
  core: TriggersCore,
  tenantId: TenantId,
  record: TriggerRecord,
  definition: TriggerNodeDefinition & { poll: NonNullable<TriggerNodeDefinition['poll']> },
  config: Record<string, unknown>,
  connector: Parameters<typeof openStepConnection>[1] | undefined,
  now: number,
): Promise<void> {
  const key = `poll:${record.workflowId}:${record.nodeId}`;
  const stored = await core.store.getFlowState(tenantId, key);
  const cursor = cursorSchema.safeParse(stored?.value).data?.cursor;
  let connection: OpenStepConnection | undefined;
  if (connector && connector.auth.type !== 'none' && typeof config['connection'] === 'string') {
    connection = await openStepConnection(core.connections, connector, tenantId, asConnectionId(config['connection']), { type: 'engine' });
  }
  const context: Parameters<typeof definition.poll>[0] = { config, cursor, signal: AbortSignal.timeout(pollTimeoutMs), now };
  if (connection) context.connection = connection;
  const polled = await definition.poll(context);
  // What a service sends back can echo the credentials it was called with.
  const result = connection ? { ...polled, items: new Redactor({ secrets: connection.secretValues() }).redactValue(polled.items) } : polled;
  const versionId = asWorkflowVersionId(record.versionId);
  if (definition.pollEmits === 'batch') {
    if (result.items.length > 0) {
      const ids = result.items.map((item) => item.id);
      await core.startRun(tenantId, { versionId }, { items: result.items.map((item) => item.data) }, {
        triggerNodeId: record.nodeId,
        idempotencyKey: `poll:${record.workflowId}:${record.nodeId}:${ids[0]}..${ids[ids.length - 1]}:${ids.length}`,
      });
    }
  } else {
    for (const item of result.items) {
      await core.startRun(tenantId, { versionId }, item.data, { triggerNodeId: record.nodeId, idempotencyKey: `poll:${record.workflowId}:${record.nodeId}:${item.id}` });
    }
  }
  // Compare-and-set: a cursor another worker stored meanwhile wins; its items were started too.
  await core.store.putFlowState(tenantId, key, { cursor: result.cursor }, stored?.version ?? 0, now);
}
