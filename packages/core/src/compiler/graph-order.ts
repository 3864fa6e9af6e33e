import type { Graph } from '@dagrejs/graphlib';

/*
 * graphlib's own `topsort` and `findCycles` recurse once per node along a path, which
 * overflows the call stack on a 10,000-node chain. These two walk the same Graph with
 * explicit stacks and queues instead.
 */

/**
 * Kahn's algorithm: nodes in an order where every node follows its predecessors, ties
 * kept in insertion order. Nodes on or behind a cycle are returned as `blocked`.
 */
export function topologicalOrder(graph: Graph): { order: string[]; blocked: string[] } {
  const remaining = new Map<string, number>();
  const order: string[] = [];
  for (const id of graph.nodes()) {
    const count = graph.inEdges(id)?.length ?? 0;
    remaining.set(id, count);
    if (count === 0) order.push(id);
  }
  for (let i = 0; i < order.length; i++) {
    for (const edge of graph.outEdges(order[i] as string) ?? []) {
      const left = (remaining.get(edge.w) as number) - 1;
      remaining.set(edge.w, left);
      if (left === 0) order.push(edge.w);
    }
  }
  const blocked = order.length === remaining.size ? [] : [...remaining].filter(([, count]) => count > 0).map(([id]) => id);
  return { order, blocked };
}

/**
 * The cycles among `candidates`: strongly connected components with more than one
 * node, or one node with an edge to itself (Tarjan's algorithm, iterative).
 */
export function findCycles(graph: Graph, candidates: readonly string[]): string[][] {
  const inScope = new Set(candidates);
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;

  for (const root of candidates) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: string[]; position: number }> = [];
    const enter = (id: string): void => {
      index.set(id, counter);
      lowLink.set(id, counter);
      counter++;
      stack.push(id);
      onStack.add(id);
      work.push({ id, next: (graph.successors(id) ?? []).filter((successor) => inScope.has(successor)), position: 0 });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { id: string; next: string[]; position: number };
      if (frame.position < frame.next.length) {
        const successor = frame.next[frame.position++] as string;
        if (!index.has(successor)) enter(successor);
        else if (onStack.has(successor)) lowLink.set(frame.id, Math.min(lowLink.get(frame.id) as number, index.get(successor) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink.set(parent.id, Math.min(lowLink.get(parent.id) as number, lowLink.get(frame.id) as number));
      if (lowLink.get(frame.id) !== index.get(frame.id)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.id);
      if (component.length > 1 || (graph.outEdges(frame.id, frame.id)?.length ?? 0) > 0) cycles.push(component);
    }
  }
  return cycles;
}
