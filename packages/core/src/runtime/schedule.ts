import type { ExecutionPlan, PlanLink, PlanNode } from '../compiler/execution-plan';
import type { StepInput } from '../registry/node-context';
import type { RunState } from './run-state';

export type LinkState = 'active' | 'dead' | 'pending';

/** Whether the edge from `link.nodeId` (through `link.sourceHandle`) carries data, never will, or may still. */
export function linkState(state: RunState, link: PlanLink): LinkState {
  const step = state.steps.get(link.nodeId);
  if (!step) return 'pending';
  switch (step.status) {
    case 'skipped':
      return 'dead';
    case 'succeeded':
      if (step.handle !== undefined) return step.handle === link.sourceHandle ? 'active' : 'dead';
      return link.sourceHandle === 'error' ? 'dead' : 'active';
    case 'failed':
      if (step.outcome === 'route') return link.sourceHandle === 'error' ? 'active' : 'dead';
      if (step.outcome === 'continue') return link.sourceHandle === 'error' ? 'dead' : 'active';
      return 'dead';
    default:
      return 'pending';
  }
}

export type Readiness = { kind: 'ready'; inputs: StepInput[] } | { kind: 'skip' } | { kind: 'blocked' };

const blocked: Readiness = { kind: 'blocked' };
const skip: Readiness = { kind: 'skip' };

/**
 * Whether a node can run: every input has resolved and at least one carries data, or
 * (for a `first` join) any input carries data. When all inputs are dead, the node is
 * skipped, which is how an untaken branch's skip reaches the next join.
 */
export function readiness(state: RunState, node: PlanNode): Readiness {
  const predecessors = node.predecessors;
  if (predecessors.length === 0) return skip;
  if (predecessors.length === 1) {
    const link = predecessors[0] as PlanLink;
    const status = linkState(state, link);
    if (status === 'pending') return blocked;
    if (status === 'dead') return skip;
    return { kind: 'ready', inputs: [{ nodeId: link.nodeId, handle: link.sourceHandle, output: state.outputs[link.nodeId]?.output }] };
  }
  const inputs: StepInput[] = [];
  let pending = false;
  for (const link of predecessors) {
    const status = linkState(state, link);
    if (status === 'pending') pending = true;
    else if (status === 'active') inputs.push({ nodeId: link.nodeId, handle: link.sourceHandle, output: state.outputs[link.nodeId]?.output });
  }
  if (node.join === 'any' && inputs.length > 0) return { kind: 'ready', inputs };
  if (pending) return blocked;
  return inputs.length > 0 ? { kind: 'ready', inputs } : skip;
}

/** The value a run ends with: the output of its one finished leaf node, or leaf outputs by node id. */
export function runOutput(plan: ExecutionPlan, state: RunState): unknown {
  const leaves: Array<[string, unknown]> = [];
  for (const id of plan.order) {
    const node = plan.nodes[id];
    const step = state.steps.get(id);
    if (!node || node.successors.length > 0 || node.kind === 'trigger' || !step) continue;
    if (step.status === 'succeeded' || (step.status === 'failed' && step.outcome === 'continue')) leaves.push([id, step.output]);
  }
  if (leaves.length === 1) return leaves[0]?.[1];
  return Object.fromEntries(leaves);
}
