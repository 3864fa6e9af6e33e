import { PipewrightError } from '../errors/pipewright-error';
import { newId, type TenantId, type WorkflowId, type WorkflowVersionId } from '../ids';
import type { TriggerKind, TriggerRecord } from '../ports/run-store';
import type { TriggersCore } from './triggers-core';

/**
 * The registrations of a published version's trigger nodes. A webhook keeps the path it
 * had (a node with the same id in the previous registrations), so publishing a new
 * version never changes the URL senders were given.
 */
export async function registrationsFor(
  core: TriggersCore,
  tenantId: TenantId,
  workflowId: WorkflowId,
  versionId: WorkflowVersionId,
  previous: readonly TriggerRecord[],
): Promise<TriggerRecord[]> {
  const version = await core.store.getVersion(tenantId, versionId);
  if (!version) throw new PipewrightError('not_found', `Version ${versionId} does not exist`);
  const now = core.clock.now();
  const records: TriggerRecord[] = [];
  for (const node of version.definition.nodes) {
    if (node.disabled) continue;
    const definition = core.registry.get(node.type)?.definition;
    if (definition?.kind !== 'trigger') continue;
    const kind: TriggerKind = definition.source;
    const before = previous.find((entry) => entry.nodeId === node.id && entry.kind === kind);
    const record: TriggerRecord = {
      tenantId,
      workflowId,
      nodeId: node.id,
      versionId,
      kind,
      nodeType: node.type,
      config: node.config,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    };
    if (kind === 'webhook') record.path = before?.path ?? newId('wh');
    if (kind === 'event') {
      const event = (node.config as { event?: unknown }).event;
      if (typeof event === 'string') record.eventName = event;
    }
    records.push(record);
  }
  return records;
}
