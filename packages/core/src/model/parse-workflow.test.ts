import { describe, expect, it } from 'vitest';
import { workflowJsonSchema } from './json-schema';
import { parseWorkflow } from './parse-workflow';
import { formatJsonPath } from './validation-issue';

describe('parseWorkflow', () => {
  it('returns a typed workflow with defaults filled in', () => {
    const result = parseWorkflow({
      id: 'wf',
      name: 'Example',
      nodes: [{ id: 'start', type: 'core.manual' }, { id: 'call', type: 'http.request', config: { url: 'https://x' }, retry: { maxAttempts: 4 } }],
      edges: [{ id: 'e1', source: 'start', target: 'call' }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.workflow.settings).toEqual({ onError: 'fail', variables: {} });
    expect(result.workflow.nodes[0]?.config).toEqual({});
    expect(result.workflow.nodes[1]?.retry).toEqual({ maxAttempts: 4, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 300000, factor: 2, jitter: 'full' });
  });

  it('returns every error with its JSON path', () => {
    const result = parseWorkflow({
      id: 'wf',
      name: 'Broken',
      nodes: [{ id: 'ok', type: 'core.manual' }, { id: 'bad id', type: 'core.if', onError: 'explode' }],
      edges: [{ id: 'e1', source: 'ok' }],
      settings: { maxConcurrentRuns: 0 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => formatJsonPath(issue.path))).toEqual(
      expect.arrayContaining(['$.nodes[1].id', '$.nodes[1].onError', '$.edges[0].target', '$.settings.maxConcurrentRuns']),
    );
  });

  it('rejects non-objects without throwing', () => {
    for (const input of [null, 42, 'x', [], undefined]) {
      const result = parseWorkflow(input);
      expect(result.ok).toBe(false);
    }
  });
});

describe('formatJsonPath', () => {
  it('renders keys, indexes and quoted keys', () => {
    expect(formatJsonPath(['nodes', 2, 'config', 'x-y', 'a'])).toBe('$.nodes[2].config["x-y"].a');
    expect(formatJsonPath([])).toBe('$');
  });
});

describe('workflowJsonSchema', () => {
  it('describes the workflow for editors, with input-side optionality', () => {
    const schema = workflowJsonSchema() as { type: string; required: string[]; properties: Record<string, { type?: string }> };
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'name', 'nodes', 'edges']));
    expect(schema.required).not.toContain('settings');
    expect(schema.properties['nodes']?.type).toBe('array');
    expect(JSON.parse(JSON.stringify(schema))).toStrictEqual(schema);
  });
});
