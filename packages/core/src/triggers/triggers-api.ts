import { PipewrightError } from '../errors/pipewright-error';
import { asTenantId, asWorkflowId, type TenantId, type WorkflowId, type WorkflowVersionId } from '../ids';
import type { TriggerRecord } from '../ports/run-store';
import type { TenantContext } from '../runtime/workflows-api';
import { startTriggerChains } from './schedule-chain';
import { registrationsFor } from './trigger-registrations';
import type { TriggersCore } from './triggers-core';

/** A registration as the API shows it. */
export interface TriggerView {
  workflowId: string;
  nodeId: string;
  versionId: string;
  kind: TriggerRecord['kind'];
  nodeType: string;
  /** Webhook: the path segment to append to where the host mounts `webhookHandler`. */
  path?: string;
  eventName?: string;
}

export interface TriggersApi {
  /**
   * Registers the triggers of the workflow's latest published version: webhook paths
   * answer, schedules and polls start, events are listened to. Publishing a new version
   * of an enabled workflow swaps them atomically.
   */
  enable(ctx: TenantContext, workflowId: string): Promise<TriggerView[]>;
  /** Removes every registration: webhook paths answer 404, schedules and polls stop. */
  disable(ctx: TenantContext, workflowId: string): Promise<void>;
  list(ctx: TenantContext, workflowId?: string): Promise<TriggerView[]>;
}

export function toTriggerView(record: TriggerRecord): TriggerView {
  const view: TriggerView = { workflowId: record.workflowId, nodeId: record.nodeId, versionId: record.versionId, kind: record.kind, nodeType: record.nodeType };
  if (record.path !== undefined) view.path = record.path;
  if (record.eventName !== undefined) view.eventName = record.eventName;
  return view;
}

/** Registers a version's triggers in place of the workflow's current ones. */
export async function registerVersion(core: TriggersCore, tenantId: TenantId, workflowId: WorkflowId, versionId: WorkflowVersionId): Promise<TriggerRecord[]> {
  const previous = await core.store.listTriggers(tenantId, workflowId);
  const records = await registrationsFor(core, tenantId, workflowId, versionId, previous);
  if (records.length === 0) throw new PipewrightError('invalid_workflow', `Workflow ${workflowId} has no trigger to enable`);
  await core.store.replaceTriggers(tenantId, workflowId, records);
  core.routes.clear();
  await startTriggerChains(core, records);
  return records;
}

/** After a publish: an enabled workflow moves its triggers to the new version. */
export async function onPublished(core: TriggersCore, tenantId: TenantId, workflowId: WorkflowId, versionId: WorkflowVersionId): Promise<void> {
  if ((await core.store.listTriggers(tenantId, workflowId)).length === 0) return;
  await registerVersion(core, tenantId, workflowId, versionId);
}

export function createTriggersApi(core: TriggersCore): TriggersApi {
  return {
    async enable(ctx, workflowId) {
      const tenantId = asTenantId(ctx.tenantId);
      const id = asWorkflowId(workflowId);
      const versionId = await core.store.getLatestVersionId(tenantId, id);
      if (versionId === undefined) throw new PipewrightError('not_found', `Workflow ${workflowId} has no published version`);
      return (await registerVersion(core, tenantId, id, versionId)).map(toTriggerView);
    },
    async disable(ctx, workflowId) {
      await core.store.replaceTriggers(asTenantId(ctx.tenantId), asWorkflowId(workflowId), []);
      core.routes.clear();
    },
    async list(ctx, workflowId) {
      const records = await core.store.listTriggers(asTenantId(ctx.tenantId), workflowId === undefined ? undefined : asWorkflowId(workflowId));
      return records.map(toTriggerView);
    },
  };
}
