import type { RunId } from '../ids';
import type { EngineCore } from './engine-core';
import type { ChildRunRequest } from './run-advancer';
import { createRun } from './run-creation';
import type { RunEventOf } from './run-events';
import type { RunState } from './run-state';
import { appendToRun } from './append-to-run';

/**
 * Starts the child run for one item of `core.forEach` or `core.subWorkflow`. The
 * idempotency key makes a repeated start (after a crash or a conflict) return the
 * same child instead of a second one.
 */
export async function startChildRun(core: EngineCore, request: ChildRunRequest): Promise<RunId> {
  const { parent } = request;
  const result = await createRun(core, {
    tenantId: parent.tenantId,
    versionId: request.versionId,
    input: request.input,
    idempotencyKey: `child:${parent.runId}:${request.nodeId}:${request.attempt}:${request.index}`,
    parent: { runId: parent.runId, nodeId: request.nodeId, index: request.index },
  });
  return result.run.id;
}

/** Records a finished child in its parent's log (once) and wakes the parent. */
export async function notifyParent(core: EngineCore, child: RunState): Promise<void> {
  const link = child.parent;
  const status = child.status;
  if (!link || status === 'running') return;
  await appendToRun(core, child.tenantId, link.runId, (parent) => {
    const known = parent.steps.get(link.nodeId)?.children?.get(link.index);
    if (parent.status !== 'running' || (known && known.status !== 'running')) return undefined;
    const event: RunEventOf<'child.finished'> = { type: 'child.finished', nodeId: link.nodeId, index: link.index, childRunId: child.runId, status };
    if (child.output !== undefined) event.output = child.output;
    if (child.error !== undefined) event.error = child.error;
    return [event];
  });
}
