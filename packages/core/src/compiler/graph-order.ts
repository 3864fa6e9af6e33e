import type { Graph } from '@dagrejs/graphlib';

/*
 * graphlib's own `topsort` and `findCycles` recurse once per node along a path, which
 * overflows the call stack on a 10,000-node chain: ordering uses plain adjacency lists
 * and cycles are found with explicit stacks over a graphlib Graph instead.
 */

/**
 * Kahn's algorithm: nodes in an order where every node follows its predecessors, ties
 * kept in the order of `ids`. Nodes on or behind a cycle are returned as `blocked`.
 */
export function topologicalOrder(ids: readonly string[], edges: ReadonlyArray<{ source: string; target: string }>): { order: string[]; blocked: string[] } {
  const remaining = new Map<string, number>();
  const successors = new Map<string, string[]>();
  for (const id of ids) remaining.set(id, 0);
  for (const { source, target } of edges) {
    remaining.set(target, (remaining.get(target) ?? 0) + 1);
    const list = successors.get(source);
    if (list) list.push(target);
    else successors.set(source, [target]);
  }
  const order: string[] = [];
  for (const id of ids) if (remaining.get(id) === 0) order.push(id);
  for (let i = 0; i < order.length; i++) {
    for (const successor of successors.get(order[i] as string) ?? []) {
      const left = (remaining.get(successor) as number) - 1;
      remaining.set(successor, left);
      if (left === 0) order.push(successor);
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
      if (component.length > 1 || graph.hasEdge(frame.id, frame.id)) cycles.push(component);
    }
  }
  return cycles;
}
