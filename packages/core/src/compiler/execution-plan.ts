import type { JoinMode } from '../registry/node-definition';
import type { OnError, RetryPolicy, Workflow } from '../model/workflow-schema';

/** One end of an edge as seen from a node. */
export interface PlanLink {
  edgeId: string;
  /** The node at the other end. */
  nodeId: string;
  sourceHandle: string;
  targetHandle: string;
}

export interface PlanNode {
  id: string;
  type: string;
  /** Always the registered version: older configs are migrated during compile. */
  typeVersion: number;
  config: Record<string, unknown>;
  kind: 'action' | 'control' | 'trigger';
  inputs: string[];
  outputs: string[];
  predecessors: PlanLink[];
  successors: PlanLink[];
  /** Set when the node has several incoming edges. */
  join?: JoinMode;
  isEntry: boolean;
  reachable: boolean;
  onError: OnError;
  retry?: RetryPolicy;
  timeoutMs?: number;
  disabled: boolean;
}

/** What the runtime needs to execute a workflow, produced by `compile`. */
export interface ExecutionPlan {
  workflow: Workflow;
  /** Every node in topological order: a node comes after all its predecessors. */
  order: string[];
  entryNodeIds: string[];
  /** Nodes with more than one incoming edge. */
  joins: string[];
  nodes: Record<string, PlanNode>;
}
