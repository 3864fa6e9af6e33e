import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { compileJmespath, evaluateJmespath } from './jmespath';
import { jmespathExpressionSchema } from './jmespath-expression-schema';

function thrown(action: () => unknown): PipewrightError {
  try {
    action();
  } catch (error) {
    if (PipewrightError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a PipewrightError');
}

const people = {
  people: [
    { name: 'b', age: 30, tags: ['x'] },
    { name: 'a', age: 50, tags: [] },
    { name: 'c', age: 40, tags: ['x', 'y'] },
  ],
};

describe('evaluateJmespath', () => {
  describe('compliance-style cases', () => {
    it('selects fields and indexes', () => {
      expect(evaluateJmespath('foo.bar', { foo: { bar: 'baz' } })).toBe('baz');
      expect(evaluateJmespath('foo[-1]', { foo: [1, 2, 3] })).toBe(3);
      expect(evaluateJmespath('foo[0:2]', { foo: [1, 2, 3] })).toEqual([1, 2]);
      expect(evaluateJmespath('foo.missing', { foo: {} })).toBeNull();
    });

    it('filters a list', () => {
      expect(evaluateJmespath('items[?price > `10`].name', { items: [{ name: 'a', price: 12 }, { name: 'b', price: 3 }] })).toEqual([
        'a',
      ]);
      expect(evaluateJmespath("people[?contains(tags, 'x')].name", people)).toEqual(['b', 'c']);
    });

    it('projects lists, objects and flattened lists', () => {
      expect(evaluateJmespath('people[*].age', people)).toEqual([30, 50, 40]);
      expect(evaluateJmespath('*.n', { a: { n: 1 }, b: { n: 2 }, c: {} })).toEqual([1, 2]);
      expect(evaluateJmespath('a[]', { a: [[1, 2], [3], 4] })).toEqual([1, 2, 3, 4]);
    });

    it('applies functions', () => {
      expect(evaluateJmespath('sort_by(people, &age)[*].name', people)).toEqual(['b', 'c', 'a']);
      expect(evaluateJmespath('length(people)', people)).toBe(3);
      expect(evaluateJmespath("length('hello')", null)).toBe(5);
      expect(evaluateJmespath("join(', ', people[*].name)", people)).toBe('b, a, c');
      expect(evaluateJmespath('max_by(people, &age).name', people)).toBe('a');
      expect(evaluateJmespath('sum(people[*].age)', people)).toBe(120);
    });

    it('builds multiselect hashes and lists, and pipes', () => {
      expect(evaluateJmespath('{first: people[0].name, count: length(people)}', people)).toEqual({ first: 'b', count: 3 });
      expect(evaluateJmespath('people[*].name | [0]', people)).toBe('b');
      expect(evaluateJmespath('[people[0].age, `true`]', people)).toEqual([30, true]);
    });

    it('reads the document root with $ inside a filter', () => {
      const data = { min: 35, people: people.people };
      expect(evaluateJmespath('people[?age > $.min].name', data)).toEqual(['a', 'c']);
    });

    it('evaluates comparisons and boolean operators', () => {
      expect(evaluateJmespath('a == `{"x": [1]}`', { a: { x: [1] } })).toBe(true);
      expect(evaluateJmespath('a || b', { a: null, b: 'fallback' })).toBe('fallback');
      expect(evaluateJmespath('!a', { a: [] })).toBe(true);
    });
  });

  it('throws invalid_expression for a syntax error', () => {
    const error = thrown(() => evaluateJmespath('foo.[', {}));
    expect(error.code).toBe('invalid_expression');
    expect(error.details).toEqual({ expression: 'foo.[' });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each(['length(`5`)', "abs('x')", 'sort_by(people, &tags)', 'unknown_function(@)'])(
    'throws expression_failed for %s',
    (expression) => {
      const error = thrown(() => evaluateJmespath(expression, people));
      expect(error.code).toBe('expression_failed');
      expect(error.details).toEqual({ expression });
      expect(error.message).toContain(expression);
      expect(error.cause).toBeInstanceOf(Error);
    },
  );
});

describe('compileJmespath', () => {
  it('returns the cached syntax tree for the same expression', () => {
    expect(compileJmespath('a.b.c')).toBe(compileJmespath('a.b.c'));
  });

  it('throws invalid_expression with the expression in details', () => {
    const error = thrown(() => compileJmespath('a[?'));
    expect(error.code).toBe('invalid_expression');
    expect(error.details['expression']).toBe('a[?');
  });
});

describe('jmespathExpressionSchema', () => {
  it.each(['a', 'payload.type == `"order"`', "contains(tags, 'vip')", 'items[?x > `1`] | length(@)', '$.a'])('accepts %s', (expression) => {
    expect(jmespathExpressionSchema.safeParse(expression)).toEqual({ success: true, data: expression });
  });

  it.each(['foo.[', 'a ==', '[?', 'a b', '`unclosed'])('rejects %s with a message', (expression) => {
    const result = jmespathExpressionSchema.safeParse(expression);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'custom', path: [], message: 'Not a valid JMESPath expression' })]);
  });

  it('rejects an empty string as too small', () => {
    const result = jmespathExpressionSchema.safeParse('');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('too_small');
  });

  it('rejects non-strings', () => {
    const result = jmespathExpressionSchema.safeParse(5);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('invalid_type');
  });

  it('exports a JSON Schema string with the jmespath format', () => {
    expect(jmespathExpressionSchema.meta()).toEqual({ format: 'jmespath' });
    expect(z.toJSONSchema(jmespathExpressionSchema)).toMatchObject({ type: 'string', minLength: 1, format: 'jmespath' });
  });
});
