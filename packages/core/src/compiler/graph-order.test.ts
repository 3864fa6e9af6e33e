import { Graph } from '@dagrejs/graphlib';
import { describe, expect, it } from 'vitest';
import { findCycles, topologicalOrder } from './graph-order';

function graph(nodes: string[], edges: Array<[string, string]>): Graph {
  const g = new Graph({ directed: true });
  for (const node of nodes) g.setNode(node);
  for (const [from, to] of edges) g.setEdge(from, to);
  return g;
}

const links = (pairs: Array<[string, string]>) => pairs.map(([source, target]) => ({ source, target }));

describe('topologicalOrder', () => {
  it('orders predecessors first and keeps insertion order among independent nodes', () => {
    // The repeated a → c (two edges between one pair, e.g. from two handles) is one more dependency to release.
    const result = topologicalOrder(['a', 'b', 'c', 'd'], links([['a', 'c'], ['a', 'c'], ['b', 'c'], ['c', 'd']]));
    expect(result).toEqual({ order: ['a', 'b', 'c', 'd'], blocked: [] });
  });

  it('reports nodes on and behind a cycle as blocked', () => {
    const result = topologicalOrder(['s', 'a', 'b', 'after'], links([['s', 'a'], ['a', 'b'], ['b', 'a'], ['b', 'after']]));
    expect(result.order).toEqual(['s']);
    expect(result.blocked.sort()).toEqual(['a', 'after', 'b']);
  });

  it('handles a 100,000-node chain without recursion', () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `n${i}`);
    const { order } = topologicalOrder(ids, links(ids.slice(1).map((id, i) => [ids[i] as string, id])));
    expect(order).toHaveLength(100_000);
    expect(order[99_999]).toBe('n99999');
  });
});

describe('findCycles', () => {
  it('finds each cycle, a self-loop, and not the nodes merely behind a cycle', () => {
    const g = graph(['a', 'b', 'c', 'x', 'y', 'tail'], [['a', 'b'], ['b', 'c'], ['c', 'a'], ['x', 'x'], ['c', 'tail'], ['y', 'tail']]);
    const cycles = findCycles(g, ['a', 'b', 'c', 'x', 'tail']).map((cycle) => [...cycle].sort());
    expect(cycles).toHaveLength(2);
    expect(cycles).toContainEqual(['a', 'b', 'c']);
    expect(cycles).toContainEqual(['x']);
  });

  it('finds a 50,000-node ring without overflowing the stack', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => `n${i}`);
    const g = graph(ids, ids.map((id, i) => [id, ids[(i + 1) % ids.length] as string]));
    const cycles = findCycles(g, ids);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(50_000);
  });
});
