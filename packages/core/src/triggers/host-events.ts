import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { evaluateJmespath } from '../expressions/jmespath';
import { asTenantId } from '../ids';
import type { TenantContext } from '../runtime/workflows-api';
import { eventTriggerConfigSchema } from './schedule-trigger';
import type { TriggersCore } from './triggers-core';

export interface HostEventsApi {
  /**
   * Starts a run of every enabled workflow of the tenant whose `core.event` trigger
   * listens to `name` and whose filter (if any) holds for the payload. With `eventId`, a
   * repeated emit starts nothing new.
   */
  emit(ctx: TenantContext, name: string, payload: unknown, options?: { eventId?: string }): Promise<{ runs: Array<{ workflowId: string; runId: string; created: boolean }> }>;
}

const emitSchema = z.object({ name: z.string().min(1).max(200), eventId: z.string().min(1).max(200).optional() });

function truthy(value: unknown): boolean {
  // JMESPath truthiness: empty lists, objects and strings are false.
  if (value === null || value === undefined || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export function createHostEventsApi(core: TriggersCore): HostEventsApi {
  return {
    async emit(ctx, name, payload, options = {}) {
      const parsed = emitSchema.safeParse({ name, eventId: options.eventId });
      if (!parsed.success) throw new PipewrightError('invalid_input', 'Event name or id is not valid', { details: { issues: parsed.error.issues.map((issue) => issue.message) } });
      const tenantId = asTenantId(ctx.tenantId);
      const runs: Array<{ workflowId: string; runId: string; created: boolean }> = [];
      for (const record of await core.store.listTriggersByEvent(tenantId, parsed.data.name)) {
        const config = eventTriggerConfigSchema.safeParse(record.config);
        if (!config.success) continue;
        if (config.data.filter !== undefined && !truthy(evaluateJmespath(config.data.filter, payload))) continue;
        const start: { triggerNodeId: string; idempotencyKey?: string } = { triggerNodeId: record.nodeId };
        if (parsed.data.eventId !== undefined) start.idempotencyKey = `event:${record.workflowId}:${record.nodeId}:${parsed.data.eventId}`;
        const result = await core.startRun(tenantId, { versionId: record.versionId }, payload, start);
        runs.push({ workflowId: record.workflowId, runId: result.runId, created: result.created });
      }
      return { runs };
    },
  };
}
