import { z } from 'zod';
import { jsonEqual } from '../nodes/json-equal';
import type { Workflow, WorkflowEdge, WorkflowNode } from './workflow-schema';

/**
 * An edge as a diff names it: its id, its endpoints and the handles as written. An edge
 * has nothing else, so an edge whose id, endpoint or handle changed shows as one
 * removed and one added.
 */
export const edgeRefSchema = z.object({
  id: z.string(),
  source: z.string(),
  sourceHandle: z.string().optional(),
  target: z.string(),
  targetHandle: z.string().optional(),
});

export const workflowDiffSchema = z.object({
  nodes: z.object({
    /** Ids of nodes only `to` has, sorted. */
    added: z.array(z.string()),
    /** Ids of nodes only `from` has, sorted. */
    removed: z.array(z.string()),
    /** Nodes both have that differ, by id, with the top-level keys that differ (`config`, `position`, `type`, ...), each sorted. */
    changed: z.array(z.object({ nodeId: z.string(), fields: z.array(z.string()) })),
  }),
  edges: z.object({
    added: z.array(edgeRefSchema),
    removed: z.array(edgeRefSchema),
  }),
  settingsChanged: z.boolean(),
  nameChanged: z.boolean(),
  /** True when none of the above differs. */
  identical: z.boolean(),
});

export type EdgeRef = z.infer<typeof edgeRefSchema>;
export type WorkflowDiff = z.infer<typeof workflowDiffSchema>;

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Nodes by id. A duplicate id is a compile error; like the compiler, the first node with
 * an id is the one that counts.
 */
function nodesById(nodes: readonly WorkflowNode[]): Map<string, WorkflowNode> {
  const byId = new Map<string, WorkflowNode>();
  for (const node of nodes) if (!byId.has(node.id)) byId.set(node.id, node);
  return byId;
}

function edgeRef(edge: WorkflowEdge): EdgeRef {
  const ref: EdgeRef = { id: edge.id, source: edge.source, target: edge.target };
  if (edge.sourceHandle !== undefined) ref.sourceHandle = edge.sourceHandle;
  if (edge.targetHandle !== undefined) ref.targetHandle = edge.targetHandle;
  return ref;
}

/** JSON text of the fields in a fixed order: equal refs give equal keys, and no separator can be forged by an id. */
const edgeKey = (ref: EdgeRef): string => JSON.stringify([ref.id, ref.source, ref.sourceHandle ?? null, ref.target, ref.targetHandle ?? null]);

/** By source, then target, then handles, then id: edges of one node come together. */
function compareEdges(a: EdgeRef, b: EdgeRef): number {
  return (
    compareText(a.source, b.source) ||
    compareText(a.target, b.target) ||
    compareText(a.sourceHandle ?? '', b.sourceHandle ?? '') ||
    compareText(a.targetHandle ?? '', b.targetHandle ?? '') ||
    compareText(a.id, b.id)
  );
}

/** Refs of the edges in `edges` whose key `other` lacks, sorted and without repeats. */
function edgesMissingFrom(edges: readonly WorkflowEdge[], other: ReadonlySet<string>): EdgeRef[] {
  const found = new Map<string, EdgeRef>();
  for (const edge of edges) {
    const ref = edgeRef(edge);
    const key = edgeKey(ref);
    if (!other.has(key)) found.set(key, ref);
  }
  return [...found.values()].sort(compareEdges);
}

function changedFields(from: WorkflowNode, to: WorkflowNode): string[] {
  const fromRecord: Record<string, unknown> = from;
  const toRecord: Record<string, unknown> = to;
  const keys = new Set([...Object.keys(fromRecord), ...Object.keys(toRecord)]);
  // An absent key and one set to `undefined` read the same: JSON has no way to tell them apart.
  return [...keys].filter((key) => !jsonEqual(fromRecord[key], toRecord[key])).sort(compareText);
}

/**
 * What changed from one workflow definition to another, for showing the difference of
 * two versions or of a draft and its published version. Nodes are matched by id (so a
 * renamed node is `changed` in `name`, not removed and added), and the order of the
 * `nodes` and `edges` arrays does not count. Only what the result names is compared:
 * the workflow's `id`, `description` and editor `ui` state are not.
 *
 * @example
 * ```ts
 * const diff = diffWorkflows(previous.definition, current.definition);
 * if (!diff.identical) console.log(diff.nodes.changed.map((change) => `${change.nodeId}: ${change.fields.join(', ')}`));
 * ```
 */
export function diffWorkflows(from: Workflow, to: Workflow): WorkflowDiff {
  const fromNodes = nodesById(from.nodes);
  const toNodes = nodesById(to.nodes);
  const added = [...toNodes.keys()].filter((id) => !fromNodes.has(id)).sort(compareText);
  const removed = [...fromNodes.keys()].filter((id) => !toNodes.has(id)).sort(compareText);
  const changed: WorkflowDiff['nodes']['changed'] = [];
  for (const nodeId of [...fromNodes.keys()].sort(compareText)) {
    const before = fromNodes.get(nodeId);
    const after = toNodes.get(nodeId);
    if (before === undefined || after === undefined) continue;
    const fields = changedFields(before, after);
    if (fields.length > 0) changed.push({ nodeId, fields });
  }

  const fromEdgeKeys = new Set(from.edges.map((edge) => edgeKey(edgeRef(edge))));
  const toEdgeKeys = new Set(to.edges.map((edge) => edgeKey(edgeRef(edge))));
  const edges = { added: edgesMissingFrom(to.edges, fromEdgeKeys), removed: edgesMissingFrom(from.edges, toEdgeKeys) };

  const settingsChanged = !jsonEqual(from.settings, to.settings);
  const nameChanged = from.name !== to.name;
  const identical =
    added.length === 0 && removed.length === 0 && changed.length === 0 && edges.added.length === 0 && edges.removed.length === 0 && !settingsChanged && !nameChanged;
  return { nodes: { added, removed, changed }, edges, settingsChanged, nameChanged, identical };
}
