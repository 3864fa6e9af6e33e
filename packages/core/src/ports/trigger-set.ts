import { PipewrightError } from '../errors/pipewright-error';
import type { TenantId, WorkflowId } from '../ids';
import type { TriggerRecord } from './run-store';

/**
 * What every store's `replaceTriggers` checks before it writes: each record belongs to
 * the workflow being replaced, and no node or webhook path comes twice. A SQL store could
 * only refuse those with a bare key violation, which would read as a taken path.
 */
export function checkTriggerSet(tenantId: TenantId, workflowId: WorkflowId, triggers: readonly TriggerRecord[]): void {
  const nodeIds = new Set<string>();
  const paths = new Set<string>();
  for (const trigger of triggers) {
    const details = { tenantId, workflowId, nodeId: trigger.nodeId };
    if (trigger.tenantId !== tenantId || trigger.workflowId !== workflowId) {
      throw new PipewrightError('invalid_input', `Trigger ${trigger.nodeId} names another workflow than the one whose triggers are replaced`, { details });
    }
    if (nodeIds.has(trigger.nodeId)) throw new PipewrightError('invalid_input', `Node ${trigger.nodeId} is registered twice`, { details });
    nodeIds.add(trigger.nodeId);
    if (trigger.path === undefined) continue;
    if (paths.has(trigger.path)) throw new PipewrightError('invalid_input', 'Webhook path is given to two nodes', { details });
    paths.add(trigger.path);
  }
}
