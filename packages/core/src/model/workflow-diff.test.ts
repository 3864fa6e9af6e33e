import { describe, expect, it } from 'vitest';
import { diffWorkflows, workflowDiffSchema } from './workflow-diff';
import { workflowSchema, type Workflow, type WorkflowInput } from './workflow-schema';

const base: WorkflowInput = {
  id: 'orders',
  name: 'Orders',
  nodes: [
    { id: 'start', type: 'core.manual', config: {}, position: { x: 0, y: 0 } },
    { id: 'fetch', type: 'http.request', config: { url: 'https://example.com', headers: { a: '1', b: '2' } }, position: { x: 200, y: 0 } },
    { id: 'check', type: 'core.if', config: { condition: '{{ steps.fetch.output.ok }}' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'fetch' },
    { id: 'e2', source: 'fetch', target: 'check' },
  ],
  settings: { variables: { region: 'eu' } },
};

const parse = (input: WorkflowInput): Workflow => workflowSchema.parse(input);

function edit(change: (workflow: Workflow) => void): Workflow {
  const workflow = parse(base);
  change(workflow);
  return workflow;
}

const noChange = { nodes: { added: [], removed: [], changed: [] }, edges: { added: [], removed: [] }, settingsChanged: false, nameChanged: false, identical: true };

describe('diffWorkflows', () => {
  it('finds nothing between a workflow and a copy with nodes, edges and object keys reordered', () => {
    const copy = edit((workflow) => {
      workflow.nodes.reverse();
      workflow.edges.reverse();
      const fetch = workflow.nodes.find((node) => node.id === 'fetch');
      if (fetch) fetch.config = { headers: { b: '2', a: '1' }, url: 'https://example.com' };
    });
    expect(diffWorkflows(parse(base), copy)).toEqual(noChange);
  });

  it('lists added and removed nodes, sorted by id', () => {
    const to = edit((workflow) => {
      workflow.nodes = workflow.nodes.filter((node) => node.id !== 'check');
      workflow.nodes.push({ id: 'z_notify', type: 'slack.post', config: {} }, { id: 'a_log', type: 'core.set', config: {} });
    });
    const diff = diffWorkflows(parse(base), to);
    expect(diff.nodes.added).toEqual(['a_log', 'z_notify']);
    expect(diff.nodes.removed).toEqual(['check']);
    expect(diff.identical).toBe(false);
  });

  it('names the top-level fields of a changed node, a key set on one side only included', () => {
    const to = edit((workflow) => {
      const [start, fetch, check] = workflow.nodes;
      if (!start || !fetch || !check) throw new Error('fixture');
      fetch.config = { ...fetch.config, url: 'https://example.org' };
      fetch.position = { x: 210, y: 0 };
      fetch.name = 'Fetch the order';
      check.type = 'core.switch';
      check.disabled = true;
      delete start.position;
    });
    expect(diffWorkflows(parse(base), to).nodes.changed).toEqual([
      { nodeId: 'check', fields: ['disabled', 'type'] },
      { nodeId: 'fetch', fields: ['config', 'name', 'position'] },
      { nodeId: 'start', fields: ['position'] },
    ]);
  });

  it('names edges by id, endpoints and handles: a moved edge is removed and added', () => {
    const to = edit((workflow) => {
      workflow.edges = [
        { id: 'e1', source: 'start', target: 'fetch' },
        { id: 'e2', source: 'fetch', sourceHandle: 'out', target: 'check' },
        { id: 'e3', source: 'check', sourceHandle: 'true', target: 'fetch', targetHandle: 'in' },
      ];
    });
    const diff = diffWorkflows(parse(base), to);
    expect(diff.edges).toEqual({
      added: [
        { id: 'e3', source: 'check', sourceHandle: 'true', target: 'fetch', targetHandle: 'in' },
        { id: 'e2', source: 'fetch', sourceHandle: 'out', target: 'check' },
      ],
      removed: [{ id: 'e2', source: 'fetch', target: 'check' }],
    });
    expect(diff.edges.removed[0]).not.toHaveProperty('sourceHandle');
    expect(diffWorkflows(to, parse(base)).edges).toEqual({ added: diff.edges.removed, removed: diff.edges.added });
  });

  it('reports a changed name and changed settings on their own', () => {
    expect(diffWorkflows(parse(base), edit((workflow) => void (workflow.name = 'Orders v2')))).toEqual({ ...noChange, nameChanged: true, identical: false });
    const settings = edit((workflow) => void (workflow.settings.variables['region'] = 'us'));
    expect(diffWorkflows(parse(base), settings)).toEqual({ ...noChange, settingsChanged: true, identical: false });
  });

  it('ignores the editor state and description, which the result has no place for', () => {
    const to = edit((workflow) => {
      workflow.ui = { viewport: { x: 1, y: 2, zoom: 1.5 } };
      workflow.description = 'Now with a description';
    });
    expect(diffWorkflows(parse(base), to)).toEqual(noChange);
  });

  it('is deterministic and fits its schema', () => {
    const to = edit((workflow) => {
      workflow.nodes.push({ id: 'extra', type: 'core.set', config: {} });
      workflow.edges.push({ id: 'e9', source: 'check', target: 'extra' });
      workflow.settings.onError = 'continue';
    });
    const diff = diffWorkflows(parse(base), to);
    expect(diffWorkflows(parse(base), to)).toEqual(diff);
    expect(workflowDiffSchema.parse(diff)).toEqual(diff);
  });

  it('does not change its inputs', () => {
    const from = parse(base);
    const to = edit((workflow) => workflow.nodes.reverse());
    const [fromCopy, toCopy] = [structuredClone(from), structuredClone(to)];
    diffWorkflows(from, to);
    expect([from, to]).toEqual([fromCopy, toCopy]);
  });
});
