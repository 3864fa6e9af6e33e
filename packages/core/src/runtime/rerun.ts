import type { ExecutionPlan } from '../compiler/execution-plan';
import { PipewrightError } from '../errors/pipewright-error';
import type { StoredRunEvent } from '../ports/run-store';
import type { RunEvent } from './run-events';

/** `fromNodeId` and every node downstream of it. */
export function downstreamOf(plan: ExecutionPlan, fromNodeId: string): Set<string> {
  const found = new Set([fromNodeId]);
  const queue = [fromNodeId];
  for (let i = 0; i < queue.length; i++) {
    for (const link of plan.nodes[queue[i] as string]?.successors ?? []) {
      if (!found.has(link.nodeId)) {
        found.add(link.nodeId);
        queue.push(link.nodeId);
      }
    }
  }
  return found;
}

/**
 * The outcomes a rerun takes over from the original run: every step decided there
 * that is not `fromNodeId` or downstream of it, in the original order. Those steps
 * do not run again; their outputs (and variables they set) feed the rerun.
 */
export function reusedEvents(plan: ExecutionPlan, original: readonly StoredRunEvent[], fromNodeId: string, triggerNodeId: string): RunEvent[] {
  if (!plan.nodes[fromNodeId]) throw new PipewrightError('invalid_input', `Node "${fromNodeId}" is not part of this run's workflow`);
  if (fromNodeId === triggerNodeId) throw new PipewrightError('invalid_input', 'To rerun from the trigger, start a new run with the same input');
  const rerun = downstreamOf(plan, fromNodeId);
  const reused: RunEvent[] = [];
  for (const { event } of original) {
    if (!('nodeId' in event) || rerun.has(event.nodeId) || plan.entryNodeIds.includes(event.nodeId)) continue;
    if (event.type === 'step.succeeded') reused.push({ ...event, reused: true });
    else if (event.type === 'step.skipped' || event.type === 'variables.set') reused.push(event);
    else if (event.type === 'step.failed' && (event.outcome === 'route' || event.outcome === 'continue')) reused.push(event);
  }
  return reused;
}
