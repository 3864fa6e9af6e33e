import type { WorkflowInput } from '@pipewright/core';

type Node = WorkflowInput['nodes'][number];
type Edge = WorkflowInput['edges'][number];

/** Alternating transform steps, each `data.set` step reading the step before it. */
function transformStep(id: string, previous: string, index: number): Node {
  return index % 2 === 0
    ? { id, type: 'data.transform', config: { expression: `merge(@, {step${index}: length(items)})` } }
    : { id, type: 'data.set', config: { operations: [{ op: 'set', path: `fields.f${index}`, value: `{{ steps.${previous}.output.n }}` }] } };
}

/** A manual trigger and `size - 1` transform steps in a line. */
export function linearGraph(size: number): WorkflowInput {
  const nodes: Node[] = [{ id: 'start', type: 'core.manual', config: {} }];
  const edges: Edge[] = [];
  for (let i = 1; i < size; i++) {
    const previous = nodes[i - 1]?.id as string;
    nodes.push(transformStep(`s${i}`, previous, i));
    edges.push({ id: `e${i}`, source: previous, target: `s${i}` });
  }
  return { id: `linear-${size}`, name: `Linear ${size}`, nodes, edges };
}

/**
 * A chain of diamonds: `core.if` → a transform on each branch → `core.merge`
 * (first), repeated until the graph has `size` nodes.
 */
export function branchingGraph(size: number): WorkflowInput {
  const nodes: Node[] = [{ id: 'start', type: 'core.manual', config: {} }];
  const edges: Edge[] = [];
  let tail = 'start';
  let edge = 0;
  const connect = (source: string, target: string, sourceHandle?: string): void => {
    edges.push(sourceHandle ? { id: `e${edge++}`, source, target, sourceHandle } : { id: `e${edge++}`, source, target });
  };
  for (let d = 0; nodes.length < size; d++) {
    const check = `if${d}`;
    nodes.push({ id: check, type: 'core.if', config: { condition: `{{ length(steps.${tail}.output.items || \`[]\`) > \`${d % 7}\` }}` } });
    connect(tail, check);
    if (nodes.length >= size) break;
    const yes = `yes${d}`;
    nodes.push(transformStep(yes, check, 0));
    connect(check, yes, 'true');
    if (nodes.length >= size) break;
    const no = `no${d}`;
    nodes.push(transformStep(no, check, 1));
    connect(check, no, 'false');
    if (nodes.length >= size) break;
    const merge = `merge${d}`;
    nodes.push({ id: merge, type: 'core.merge', config: { mode: 'first' } });
    connect(yes, merge);
    connect(no, merge);
    tail = merge;
  }
  return { id: `branching-${size}`, name: `Branching ${size}`, nodes, edges };
}
