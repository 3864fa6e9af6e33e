import type { WorkflowInput } from '@pipewright/core';

/** linear10: a manual trigger and 10 pure transform steps in a line (BENCHMARKS.md). */
export function linear10(): WorkflowInput {
  const nodes: WorkflowInput['nodes'] = [{ id: 'start', type: 'core.manual', config: {} }];
  const edges: WorkflowInput['edges'] = [];
  for (let i = 1; i <= 10; i++) {
    const previous = nodes[nodes.length - 1]?.id as string;
    nodes.push(
      i % 2 === 1
        ? { id: `s${i}`, type: 'data.transform', config: { expression: `merge(@, {f${i}: length(items)})` } }
        : { id: `s${i}`, type: 'data.set', config: { operations: [{ op: 'set', path: `g${i}`, value: i }] } },
    );
    edges.push({ id: `e${i}`, source: previous, target: `s${i}` });
  }
  return { id: 'linear10', name: 'linear10', nodes, edges };
}

/** fanout10: one step fans out to 10 parallel transforms that a merge joins. */
export function fanout10(): WorkflowInput {
  const nodes: WorkflowInput['nodes'] = [
    { id: 'start', type: 'core.manual', config: {} },
    { id: 'split', type: 'data.transform', config: { expression: '@' } },
    { id: 'join', type: 'core.merge', config: { mode: 'all', combine: 'array' } },
  ];
  const edges: WorkflowInput['edges'] = [{ id: 'e0', source: 'start', target: 'split' }];
  for (let i = 1; i <= 10; i++) {
    nodes.push({ id: `b${i}`, type: 'data.transform', config: { expression: `items[${i}]` } });
    edges.push({ id: `out${i}`, source: 'split', target: `b${i}` }, { id: `in${i}`, source: `b${i}`, target: 'join' });
  }
  return { id: 'fanout10', name: 'fanout10', nodes, edges };
}

export function benchInput(i: number): { n: number; items: number[] } {
  return { n: i, items: Array.from({ length: 20 }, (_, k) => k + 1) };
}
