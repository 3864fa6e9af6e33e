import { Graph } from '@dagrejs/graphlib';
import type { DiagnosticList } from './diagnostic';
import { findCycles, topologicalOrder } from './graph-order';
import type { ResolvedEdge } from './resolve-edges';
import type { ResolvedNode } from './resolve-nodes';

/** The shape of an acyclic workflow graph. */
export interface GraphFacts {
  order: string[];
  /** Position of each node in `order`, for quick "can X be upstream of Y" checks. */
  orderIndex: Map<string, number>;
  incoming: Map<string, ResolvedEdge[]>;
  outgoing: Map<string, ResolvedEdge[]>;
  entryNodeIds: string[];
  reachable: Set<string>;
}

function groupBy(edges: readonly ResolvedEdge[], key: 'source' | 'target'): Map<string, ResolvedEdge[]> {
  const groups = new Map<string, ResolvedEdge[]>();
  for (const edge of edges) {
    const list = groups.get(edge[key]);
    if (list) list.push(edge);
    else groups.set(edge[key], [edge]);
  }
  return groups;
}

/**
 * The part of the graph that ordering could not place, as a graphlib Graph for cycle
 * analysis. Built only when there is a cycle: graphlib's object-keyed edges cost a third
 * of compile time at 10,000 nodes, too much for every compile.
 */
function cycleGraph(blocked: readonly string[], edges: readonly ResolvedEdge[]): Graph {
  const inside = new Set(blocked);
  const graph = new Graph({ directed: true });
  for (const id of blocked) graph.setNode(id);
  for (const edge of edges) if (inside.has(edge.source) && inside.has(edge.target)) graph.setEdge(edge.source, edge.target);
  return graph;
}

/**
 * Finds cycles, entry nodes and what they reach, and orders the nodes. Returns
 * undefined when the graph has a cycle: nothing downstream can be ordered then.
 */
export function analyseGraph(
  nodes: ReadonlyMap<string, ResolvedNode>,
  edges: readonly ResolvedEdge[],
  diagnostics: DiagnosticList,
): GraphFacts | undefined {
  const { order, blocked } = topologicalOrder([...nodes.keys()], edges);
  const cycles = blocked.length > 0 ? findCycles(cycleGraph(blocked, edges), blocked) : [];
  for (const cycle of cycles) {
    const members = cycle
      .map((id) => nodes.get(id))
      .filter((node): node is ResolvedNode => node !== undefined)
      .sort((a, b) => a.index - b.index);
    const ids = members.map((member) => member.node.id);
    const first = members[0];
    if (!first) continue;
    diagnostics.add({
      code: 'cycle',
      nodeId: first.node.id,
      path: ['nodes', first.index],
      message: ids.length === 1 ? `Node "${first.node.id}" is connected to itself` : `Nodes ${ids.map((id) => `"${id}"`).join(', ')} form a cycle`,
      details: { nodeIds: ids },
    });
  }
  if (cycles.length > 0) return undefined;

  const incoming = groupBy(edges, 'target');
  const outgoing = groupBy(edges, 'source');

  const entryNodeIds: string[] = [];
  let unknownRoot = false;
  for (const [id, resolved] of nodes) {
    if (resolved.definition?.kind === 'trigger') entryNodeIds.push(id);
    else if (!resolved.definition && !incoming.has(id)) unknownRoot = true;
  }
  if (entryNodeIds.length === 0 && !unknownRoot) {
    diagnostics.add({
      code: 'no_entry_node',
      path: ['nodes'],
      message: 'The workflow has no trigger: add a trigger node (such as core.manual) to start runs from',
    });
  }

  const reachable = new Set<string>(entryNodeIds);
  const queue = [...entryNodeIds];
  for (let i = 0; i < queue.length; i++) {
    for (const edge of outgoing.get(queue[i] as string) ?? []) {
      if (!reachable.has(edge.target)) {
        reachable.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  if (entryNodeIds.length > 0) {
    for (const [id, resolved] of nodes) {
      if (reachable.has(id)) continue;
      diagnostics.add({
        code: 'unreachable_node',
        severity: 'warning',
        nodeId: id,
        path: ['nodes', resolved.index],
        message: `Node "${id}" cannot be reached from any trigger and will never run`,
      });
    }
  }

  const orderIndex = new Map<string, number>();
  order.forEach((id, index) => orderIndex.set(id, index));
  return { order, orderIndex, incoming, outgoing, entryNodeIds, reachable };
}

/**
 * Whether `ancestor` is upstream of `node`. Walks predecessors backwards and prunes
 * every node ordered before `ancestor`, which cannot lead to it.
 */
export function isUpstream(facts: GraphFacts, ancestor: string, node: string): boolean {
  const floor = facts.orderIndex.get(ancestor);
  const start = facts.orderIndex.get(node);
  if (floor === undefined || start === undefined || floor >= start) return false;
  const seen = new Set<string>([node]);
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const edge of facts.incoming.get(current) ?? []) {
      if (edge.source === ancestor) return true;
      if (seen.has(edge.source) || (facts.orderIndex.get(edge.source) ?? -1) < floor) continue;
      seen.add(edge.source);
      stack.push(edge.source);
    }
  }
  return false;
}
