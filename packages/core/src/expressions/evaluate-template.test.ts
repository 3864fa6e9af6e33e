import { describe, expect, it } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { evaluateTemplate, resolveTemplates } from './evaluate-template';
import type { ExpressionScope } from './expression-scope';

const scope: ExpressionScope = {
  trigger: {
    count: 3,
    price: 12.5,
    active: true,
    name: 'Ada',
    customer: { id: 7, tags: ['vip'] },
    items: [
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 4 },
    ],
    nothing: null,
  },
  steps: {
    fetch: { output: { rows: [1, 2, 3], status: 200 } },
    'my-node': { output: 'hyphenated' },
  },
  vars: { region: 'eu', limit: 10 },
  run: { id: 'run_1', workflowId: 'wf_1', startedAt: '2026-01-01T00:00:00.000Z' },
  input: { previous: 'step' },
};

function thrown(action: () => unknown): PipewrightError {
  try {
    action();
  } catch (error) {
    if (PipewrightError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a PipewrightError');
}

describe('evaluateTemplate', () => {
  it('returns a string without "{{" unchanged', () => {
    expect(evaluateTemplate('plain text', scope)).toBe('plain text');
    expect(evaluateTemplate('', scope)).toBe('');
  });

  describe('a whole-string template keeps the type of its value', () => {
    it.each([
      ['a number', '{{ trigger.count }}', 3],
      ['a fractional number', '{{ trigger.price }}', 12.5],
      ['a boolean', '{{ trigger.active }}', true],
      ['a comparison result', '{{ trigger.count > `2` }}', true],
      ['null', '{{ trigger.nothing }}', null],
      ['null for a missing field', '{{ trigger.missing }}', null],
      ['a string', '{{ trigger.name }}', 'Ada'],
    ])('%s', (_label, source, expected) => {
      expect(evaluateTemplate(source, scope)).toBe(expected);
    });

    it('an object, as the same object found in the scope', () => {
      const value = evaluateTemplate('{{ trigger.customer }}', scope);
      expect(value).toEqual({ id: 7, tags: ['vip'] });
    });

    it('an array', () => {
      expect(evaluateTemplate('{{ steps.fetch.output.rows }}', scope)).toEqual([1, 2, 3]);
      expect(evaluateTemplate('{{ trigger.items[*].sku }}', scope)).toEqual(['a', 'b']);
    });

    it('a built multiselect hash', () => {
      expect(evaluateTemplate('{{ {who: trigger.name, n: trigger.count} }}', scope)).toEqual({ who: 'Ada', n: 3 });
    });
  });

  it('reads every scope root', () => {
    expect(evaluateTemplate('{{ vars.region }}', scope)).toBe('eu');
    expect(evaluateTemplate('{{ run.workflowId }}', scope)).toBe('wf_1');
    expect(evaluateTemplate('{{ input.previous }}', scope)).toBe('step');
    expect(evaluateTemplate('{{ steps."my-node".output }}', scope)).toBe('hyphenated');
  });

  it('reads null for input when the scope has none', () => {
    const { input: _input, ...withoutInput } = scope;
    expect(evaluateTemplate('{{ input }}', withoutInput)).toBeNull();
    expect(evaluateTemplate('[{{ input }}]', withoutInput)).toBe('[]');
  });

  describe('an embedded template interpolates text', () => {
    it('numbers and booleans as text', () => {
      expect(evaluateTemplate('n = {{ trigger.count }}', scope)).toBe('n = 3');
      expect(evaluateTemplate('active: {{ trigger.active }}', scope)).toBe('active: true');
      expect(evaluateTemplate('{{ trigger.price }}€', scope)).toBe('12.5€');
    });

    it('strings as they are', () => {
      expect(evaluateTemplate('Hello {{ trigger.name }}!', scope)).toBe('Hello Ada!');
    });

    it('objects and arrays as JSON', () => {
      expect(evaluateTemplate('customer={{ trigger.customer }}', scope)).toBe('customer={"id":7,"tags":["vip"]}');
      expect(evaluateTemplate('rows: {{ steps.fetch.output.rows }}', scope)).toBe('rows: [1,2,3]');
    });

    it('null and missing values as empty text', () => {
      expect(evaluateTemplate('[{{ trigger.nothing }}]', scope)).toBe('[]');
      expect(evaluateTemplate('[{{ trigger.missing }}]', scope)).toBe('[]');
    });

    it('several expressions in one string', () => {
      expect(evaluateTemplate('{{ trigger.name }}/{{ vars.region }}/{{ run.id }}', scope)).toBe('Ada/eu/run_1');
    });

    it('a string that is only an escaped template', () => {
      expect(evaluateTemplate('\\{{ trigger.name }}', scope)).toBe('{{ trigger.name }}');
    });
  });

  it('throws expression_failed with the expression when evaluation fails', () => {
    const error = thrown(() => evaluateTemplate('len: {{ length(trigger.count) }}', scope));
    expect(error.code).toBe('expression_failed');
    expect(error.details).toEqual({ expression: 'length(trigger.count)' });
    expect(error.message).toContain('length(trigger.count)');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('throws invalid_expression for a syntax error', () => {
    expect(thrown(() => evaluateTemplate('{{ trigger. }}', scope)).code).toBe('invalid_expression');
  });
});

describe('resolveTemplates', () => {
  it('resolves strings inside nested objects and arrays, keeping whole-string types', () => {
    const config = {
      url: 'https://api.example.com/customers/{{ trigger.customer.id }}',
      body: {
        count: '{{ trigger.count }}',
        list: ['{{ trigger.name }}', 'fixed', 5, { deep: '{{ vars.limit }}' }],
      },
      enabled: true,
      nothing: null,
    };
    expect(resolveTemplates(config, scope)).toEqual({
      url: 'https://api.example.com/customers/7',
      body: { count: 3, list: ['Ada', 'fixed', 5, { deep: 10 }] },
      enabled: true,
      nothing: null,
    });
  });

  it('does not modify the value it is given', () => {
    const config = { a: '{{ trigger.count }}', list: ['{{ vars.region }}'] };
    resolveTemplates(config, scope);
    expect(config).toEqual({ a: '{{ trigger.count }}', list: ['{{ vars.region }}'] });
  });

  it('returns the identical object when nothing has a template', () => {
    const config = { a: 'x', b: [1, 'y', { c: null }], d: { e: false } };
    expect(resolveTemplates(config, scope)).toBe(config);
  });

  it('keeps untouched subtrees identical and copies only the changed path', () => {
    const untouched = { keep: ['a', 'b'] };
    const list = ['static', '{{ trigger.count }}'];
    const config = { untouched, list };
    const resolved = resolveTemplates(config, scope) as { untouched: unknown; list: unknown[] };
    expect(resolved).not.toBe(config);
    expect(resolved.untouched).toBe(untouched);
    expect(resolved.list).not.toBe(list);
    expect(resolved.list).toEqual(['static', 3]);
  });

  it('returns the identical array when nothing has a template', () => {
    const list = [1, 'two', [3]];
    expect(resolveTemplates(list, scope)).toBe(list);
  });

  it('passes primitives through and resolves a top-level string', () => {
    expect(resolveTemplates(42, scope)).toBe(42);
    expect(resolveTemplates(null, scope)).toBeNull();
    expect(resolveTemplates(undefined, scope)).toBeUndefined();
    expect(resolveTemplates('{{ trigger.items }}', scope)).toEqual([
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 4 },
    ]);
  });

  it('reports the path of the failing string in an object', () => {
    const config = { url: 'https://example.com', headers: { ok: '{{ vars.region }}', x: '{{ abs(trigger.name) }}' } };
    const error = thrown(() => resolveTemplates(config, scope));
    expect(error.code).toBe('expression_failed');
    expect(error.details['path']).toEqual(['headers', 'x']);
    expect(error.details['expression']).toBe('abs(trigger.name)');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('reports array indexes in the path', () => {
    const config = { rows: [{ v: 'fine' }, { v: 'v={{ length(trigger.count) }}' }] };
    const error = thrown(() => resolveTemplates(config, scope));
    expect(error.code).toBe('expression_failed');
    expect(error.details['path']).toEqual(['rows', 1, 'v']);
  });

  it('prefixes the path it is given', () => {
    const error = thrown(() => resolveTemplates({ x: '{{ abs(`"a"`) }}' }, scope, ['nodes', 2, 'config']));
    expect(error.details['path']).toEqual(['nodes', 2, 'config', 'x']);
  });

  it('reports the path of a syntax error as invalid_expression', () => {
    const error = thrown(() => resolveTemplates({ a: ['{{ trigger.[ }}'] }, scope));
    expect(error.code).toBe('invalid_expression');
    expect(error.details['path']).toEqual(['a', 0]);
    expect(error.details['expression']).toBe('trigger.[');
  });

  it('reports an unclosed template at the root with an empty path', () => {
    const error = thrown(() => resolveTemplates('{{ trigger.name', scope));
    expect(error.code).toBe('invalid_expression');
    expect(error.details['path']).toEqual([]);
    expect(error.details['offset']).toBe(0);
  });
});
