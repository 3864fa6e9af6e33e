import type { Workflow } from '../model/workflow-schema';
import type { DiagnosticList } from './diagnostic';
import type { ResolvedNode } from './resolve-nodes';

/** An edge whose ends and handles exist. */
export interface ResolvedEdge {
  index: number;
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

function describeHandles(handles: readonly string[]): string {
  return handles.length === 0 ? 'none' : handles.map((handle) => `"${handle}"`).join(', ');
}

/**
 * Checks that every edge joins existing nodes through handles they have, filling
 * in the default handles. Broken edges are reported and left out of the graph.
 */
export function resolveEdges(workflow: Workflow, nodes: ReadonlyMap<string, ResolvedNode>, diagnostics: DiagnosticList): ResolvedEdge[] {
  const edges: ResolvedEdge[] = [];
  const seenIds = new Set<string>();
  const seenConnections = new Set<string>();

  workflow.edges.forEach((edge, index) => {
    if (seenIds.has(edge.id)) {
      diagnostics.add({ code: 'duplicate_edge_id', edgeId: edge.id, path: ['edges', index, 'id'], message: `Edge id "${edge.id}" is used more than once` });
      return;
    }
    seenIds.add(edge.id);

    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    let broken = false;
    if (!source) {
      broken = true;
      diagnostics.add({
        code: 'dangling_edge',
        edgeId: edge.id,
        nodeId: edge.source,
        path: ['edges', index, 'source'],
        message: `Edge "${edge.id}" starts at node "${edge.source}", which does not exist`,
      });
    }
    if (!target) {
      broken = true;
      diagnostics.add({
        code: 'dangling_edge',
        edgeId: edge.id,
        nodeId: edge.target,
        path: ['edges', index, 'target'],
        message: `Edge "${edge.id}" ends at node "${edge.target}", which does not exist`,
      });
    }
    if (!source || !target) return;

    const sourceHandle = edge.sourceHandle ?? source.outputs?.[0] ?? 'out';
    if (source.outputs !== undefined && !source.outputs.includes(sourceHandle)) {
      broken = true;
      diagnostics.add({
        code: 'unknown_handle',
        edgeId: edge.id,
        nodeId: source.node.id,
        path: ['edges', index, edge.sourceHandle === undefined ? 'source' : 'sourceHandle'],
        message:
          source.outputs.length === 0
            ? `Node "${source.node.id}" (${source.node.type}) has no outputs`
            : `Node "${source.node.id}" has no output "${sourceHandle}"; its outputs are ${describeHandles(source.outputs)}`,
        details: { handle: sourceHandle, available: source.outputs },
      });
    }

    const targetHandle = edge.targetHandle ?? target.inputs[0] ?? 'in';
    if (target.definition !== undefined && !target.inputs.includes(targetHandle)) {
      broken = true;
      diagnostics.add({
        code: 'unknown_handle',
        edgeId: edge.id,
        nodeId: target.node.id,
        path: ['edges', index, edge.targetHandle === undefined ? 'target' : 'targetHandle'],
        message:
          target.inputs.length === 0
            ? `Node "${target.node.id}" (${target.node.type}) has no inputs: a trigger starts the run and cannot be the target of an edge`
            : `Node "${target.node.id}" has no input "${targetHandle}"; its inputs are ${describeHandles(target.inputs)}`,
        details: { handle: targetHandle, available: target.inputs },
      });
    }
    if (broken) return;

    const connection = `${edge.source}\u0000${sourceHandle}\u0000${edge.target}\u0000${targetHandle}`;
    if (seenConnections.has(connection)) {
      diagnostics.add({
        code: 'duplicate_connection',
        severity: 'warning',
        edgeId: edge.id,
        path: ['edges', index],
        message: `Edge "${edge.id}" repeats a connection from "${edge.source}" to "${edge.target}"`,
      });
      return;
    }
    seenConnections.add(connection);
    edges.push({ index, id: edge.id, source: edge.source, sourceHandle, target: edge.target, targetHandle });
  });
  return edges;
}
