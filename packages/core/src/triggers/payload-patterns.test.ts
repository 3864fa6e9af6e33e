import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkPayloadPatterns, compilePayloadPatterns, payloadPatternIssues, structuralSchema } from './payload-patterns';
import { webhookTriggerConfigSchema } from './webhook-trigger';

/** The paths of the strings in `body` that fail the schema's patterns. */
function failing(schema: Record<string, unknown>, body: unknown): Array<Array<string | number>> {
  return checkPayloadPatterns(compilePayloadPatterns(schema), body).map((issue) => issue.path);
}

const digits = { type: 'string', pattern: '^\\d+$' };

describe('structuralSchema', () => {
  it('removes pattern in every schema position and keeps data that merely has a pattern key', () => {
    const schema = {
      type: 'object',
      pattern: 'x',
      properties: { pattern: { type: 'string', pattern: 'a' }, list: { type: 'array', items: { pattern: 'b' }, prefixItems: [{ pattern: 'c' }] } },
      additionalProperties: { pattern: 'd' },
      allOf: [{ pattern: 'e' }],
      anyOf: [{ pattern: 'f' }],
      $defs: { code: { pattern: 'g', default: { pattern: 'kept' } } },
      const: { pattern: 'kept' },
    };
    expect(structuralSchema(schema)).toEqual({
      type: 'object',
      properties: { pattern: { type: 'string' }, list: { type: 'array', items: {}, prefixItems: [{}] } },
      additionalProperties: {},
      allOf: [{}],
      anyOf: [{}],
      $defs: { code: { default: { pattern: 'kept' } } },
      const: { pattern: 'kept' },
    });
    expect(schema.properties.pattern.pattern).toBe('a');
  });

  it('declares every required name in properties, so that zod requires it too', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a', 'b'], items: { required: ['c'] } };
    const structural = structuralSchema(schema);
    expect(structural).toEqual({ type: 'object', properties: { a: { type: 'number' }, b: {} }, required: ['a', 'b'], items: { required: ['c'], properties: { c: {} } } });
    expect(schema.properties).toEqual({ a: { type: 'number' } });
    const zod = z.fromJSONSchema(structural as Parameters<typeof z.fromJSONSchema>[0]);
    expect(zod.safeParse({ a: 1 }).success).toBe(false);
    expect(zod.safeParse({ a: 1, b: 'anything' }).success).toBe(true);
    expect(z.fromJSONSchema(structuralSchema({ type: 'object', required: ['id'] }) as Parameters<typeof z.fromJSONSchema>[0]).safeParse({}).success).toBe(false);
  });
});

describe('checkPayloadPatterns', () => {
  it('checks nested properties, and says nothing of absent ones', () => {
    const schema = { type: 'object', properties: { order: { type: 'object', properties: { id: digits, note: { type: 'string' } } } } };
    expect(failing(schema, { order: { id: '12a', note: 'anything' } })).toEqual([['order', 'id']]);
    expect(failing(schema, { order: { id: '12' } })).toEqual([]);
    expect(failing(schema, { order: {} })).toEqual([]);
    expect(checkPayloadPatterns(compilePayloadPatterns(schema), { order: { id: 'x' } })).toEqual([
      { path: ['order', 'id'], message: 'must match pattern "^\\\\d+$"', code: 'invalid_format' },
    ]);
  });

  it('searches unanchored, like JSON Schema', () => {
    expect(failing({ pattern: 'b+' }, 'aaabbbccc')).toEqual([]);
    expect(failing({ pattern: 'b+' }, 'aaaccc')).toEqual([[]]);
  });

  it('checks every element under items, and each position under prefixItems with items for the rest', () => {
    expect(failing({ type: 'array', items: digits }, ['1', 'x', '3', 'y'])).toEqual([[1], [3]]);
    const tuple = { type: 'array', prefixItems: [{ pattern: '^[a-z]+$' }, digits], items: { pattern: '^!' } };
    expect(failing(tuple, ['abc', 'abc', '!', 'nope'])).toEqual([[1], [3]]);
    // draft-7: items as an array is the tuple, additionalItems the rest.
    expect(failing({ items: [{ pattern: '^[a-z]+$' }], additionalItems: digits }, ['A', '1', 'x'])).toEqual([[0], [2]]);
  });

  it('checks additionalProperties on the keys not named under properties', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: digits };
    expect(failing(schema, { name: 'not digits', a: '1', b: 'two' })).toEqual([['b']]);
  });

  it('checks every allOf branch at the same place', () => {
    const schema = { allOf: [{ properties: { code: { pattern: '^[A-Z]' } } }, { properties: { code: { pattern: '\\d$' } } }] };
    expect(failing(schema, { code: 'A1' })).toEqual([]);
    expect(checkPayloadPatterns(compilePayloadPatterns(schema), { code: 'a' }).map((issue) => issue.message)).toEqual([
      'must match pattern "^[A-Z]"',
      'must match pattern "\\\\d$"',
    ]);
  });

  it('follows local $refs into $defs and definitions, recursive ones to any depth of the body', () => {
    const tree = {
      $ref: '#/$defs/node',
      $defs: { node: { type: 'object', properties: { name: { $ref: '#/definitions/slug' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } } } },
      definitions: { slug: { type: 'string', pattern: '^[a-z-]+$' } },
    };
    let body: Record<string, unknown> = { name: 'Bad Leaf' };
    for (let depth = 0; depth < 30; depth++) body = { name: 'ok', children: [body] };
    const [path] = failing(tree, body);
    expect(path).toHaveLength(30 * 2 + 1);
    expect(path?.slice(-3)).toEqual(['children', 0, 'name']);
    expect(failing(tree, { name: 'ok', children: [{ name: 'fine' }] })).toEqual([]);
    // A $ref cycle that never goes down into the body ends.
    expect(failing({ $defs: { a: { allOf: [{ $ref: '#/$defs/a' }], pattern: 'z' } }, $ref: '#/$defs/a' }, 'abc')).toEqual([[]]);
  });

  it('ignores values that are not strings', () => {
    const schema = { properties: { id: { type: ['string', 'number', 'null', 'object', 'array'], pattern: '^\\d+$' } } };
    for (const id of [12, null, true, { nested: 'x' }, ['x']]) expect(failing(schema, { id })).toEqual([]);
    expect(failing(schema, 'x')).toEqual([]);
  });

  it('runs in linear time where a backtracking engine hangs', () => {
    const started = Date.now();
    expect(failing({ pattern: '^(a+)+$' }, `${'a'.repeat(5_000)}!`)).toEqual([[]]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('accepts ECMA-262 escapes that RE2 spells differently', () => {
    expect(failing({ pattern: '^caf\\u00e9$' }, 'café')).toEqual([]);
  });

  it('leaves a schema without patterns to zod alone', () => {
    const compiled = compilePayloadPatterns({ type: 'object', properties: { order: { type: 'integer' } } });
    expect(compiled.root).toBeUndefined();
    expect(z.fromJSONSchema(compiled.structural as Parameters<typeof z.fromJSONSchema>[0]).safeParse({ order: 'x' }).success).toBe(false);
  });
});

describe('payload schemas refused when the config is parsed', () => {
  function refusals(payloadSchema: Record<string, unknown>): Array<{ path: string; message: string }> {
    const parsed = webhookTriggerConfigSchema.safeParse({ verify: { scheme: 'none' }, payloadSchema });
    return parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  }

  it('accepts patterns in every supported place', () => {
    expect(refusals({ properties: { a: digits, b: { items: digits, prefixItems: [digits] }, c: { additionalProperties: digits } }, allOf: [{ $ref: '#/$defs/d' }], $defs: { d: digits } })).toEqual([]);
    expect(refusals({ type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } })).toEqual([]);
  });

  it.each([
    ['a lookahead', { properties: { id: { pattern: '^(?=a)a' } } }, 'payloadSchema.properties.id.pattern'],
    ['a lookbehind', { items: { pattern: '(?<=a)b' } }, 'payloadSchema.items.pattern'],
    ['a backreference', { pattern: '(a)\\1' }, 'payloadSchema.pattern'],
  ])('refuses %s: RE2 cannot compile it', (_case, payloadSchema, path) => {
    const [refusal, ...more] = refusals(payloadSchema);
    expect(more).toEqual([]);
    expect(refusal?.path).toBe(path);
    expect(refusal?.message).toMatch(/RE2, a linear-time engine without lookarounds or backreferences/);
  });

  it('refuses patternProperties anywhere', () => {
    expect(refusals({ properties: { tags: { patternProperties: { '^x-': { type: 'string' } } } } })).toEqual([
      { path: 'payloadSchema.properties.tags.patternProperties', message: expect.stringMatching(/^patternProperties is not supported/) },
    ]);
  });

  const p = { pattern: '^a' };
  it.each([
    ['anyOf', { anyOf: [p] }, 'anyOf.0'],
    ['oneOf', { oneOf: [{ type: 'null' }, p] }, 'oneOf.1'],
    ['not', { allOf: [{ not: p }] }, 'allOf.0.not'],
    ['if', { if: p }, 'if'],
    ['then', { then: { properties: { y: p } } }, 'then.properties.y'],
    ['else', { else: { items: p } }, 'else.items'],
    ['dependentSchemas', { dependentSchemas: { kind: p } }, 'dependentSchemas.kind'],
    ['contains', { contains: p }, 'contains'],
    ['propertyNames', { propertyNames: p }, 'propertyNames'],
  ])('refuses a pattern under %s, saying where patterns work', (keyword, inner, below) => {
    expect(refusals({ properties: { x: inner } })).toEqual([
      {
        path: `payloadSchema.properties.x.${below}.pattern`,
        message: `pattern is not supported under ${keyword} in webhook payload schemas: patterns are checked under properties, items, prefixItems, additionalProperties, allOf and $ref`,
      },
    ]);
  });

  it('refuses a pattern reached through a $ref from a refused place, and a $ref that resolves nowhere', () => {
    expect(refusals({ anyOf: [{ $ref: '#/$defs/code' }, { type: 'null' }], $defs: { code: digits } })).toEqual([
      { path: 'payloadSchema.$defs.code.pattern', message: expect.stringMatching(/^pattern is not supported under anyOf/) },
    ]);
    expect(refusals({ properties: { a: { $ref: 'https://example.com/schema.json' } } })).toEqual([
      { path: 'payloadSchema.properties.a.$ref', message: expect.stringMatching(/does not point to a schema in this document/) },
    ]);
  });

  it('lists every refusal, and compilePayloadPatterns will not compile such a schema', () => {
    const schema = { properties: { a: { pattern: '(?!x)' }, b: { patternProperties: {} } }, oneOf: [{ pattern: 'y' }] };
    expect(payloadPatternIssues(schema).map((issue) => issue.path.join('.'))).toEqual(['properties.a.pattern', 'properties.b.patternProperties', 'oneOf.0.pattern']);
    expect(() => compilePayloadPatterns(schema)).toThrow(expect.objectContaining({ code: 'invalid_node_config' }));
  });
});
