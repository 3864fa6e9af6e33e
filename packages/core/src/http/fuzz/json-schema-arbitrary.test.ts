import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { schemaArbitrary, type JsonSchema } from './json-schema-arbitrary';
import { oversizedLength } from './mutated-arbitrary';

const item = z.strictObject({
  id: z.uuid(),
  email: z.email(),
  createdAt: z.iso.datetime({ offset: true }),
  homepage: z.url(),
  name: z.string().min(1).max(40),
  slug: z.string().regex(/^[a-z][a-z0-9-]*$/),
  quantity: z.int().min(1).max(500),
  ratio: z.number().gt(0).lt(1),
  limit: z.coerce.number().int().min(1).max(50).optional(),
  tags: z.array(z.string().min(1).max(5)).max(4),
  kind: z.enum(['tool', 'part']),
  version: z.literal(2),
  note: z.string().nullable(),
  pair: z.tuple([z.string(), z.boolean()]),
  counts: z.record(z.string(), z.int()),
  shape: z.discriminatedUnion('type', [z.strictObject({ type: z.literal('circle'), radius: z.number().positive() }), z.strictObject({ type: z.literal('square'), side: z.int() })]),
  colour: z.string().default('red'),
  extra: z.unknown(),
});

const treeNode = z
  .strictObject({
    name: z.string().min(1),
    get children(): z.ZodOptional<z.ZodArray<typeof treeNode>> {
      return z.array(treeNode).max(3).optional();
    },
  })
  .meta({ id: 'TreeNode' });
const tree = z.strictObject({ root: treeNode, owner: z.email() });

/** `z.toJSONSchema`'s output moved into OpenAPI shape: definitions under components, refs rewritten to match. */
function asOpenApi(schema: z.ZodType, io: 'input' | 'output'): { schema: JsonSchema; components: Record<string, unknown> } {
  const { $defs, ...rest } = z.toJSONSchema(schema, { io });
  const rewrite = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replaceAll('#/$defs/', '#/components/schemas/'));
  return { schema: rewrite(rest) as JsonSchema, components: ($defs === undefined ? {} : rewrite($defs)) as Record<string, unknown> };
}

describe('schemaArbitrary, valid mode', () => {
  for (const io of ['input', 'output'] as const) {
    it(`produces values a zod schema accepts (io: ${io})`, () => {
      const arbitrary = schemaArbitrary(z.toJSONSchema(item, { io }), { mode: 'valid' });
      fc.assert(
        fc.property(arbitrary, (value) => {
          const result = item.safeParse(value);
          if (!result.success) throw new Error(z.prettifyError(result.error));
        }),
        { numRuns: 150, seed: 1 },
      );
    });
  }

  it('follows $ref into components and stops recursive schemas', () => {
    const { schema, components } = asOpenApi(tree, 'input');
    expect(JSON.stringify(schema)).toContain('#/components/schemas/TreeNode');
    const arbitrary = schemaArbitrary(schema, { components, mode: 'valid' });
    let nested = 0;
    fc.assert(
      fc.property(arbitrary, (value) => {
        expect(tree.safeParse(value).success).toBe(true);
        if (tree.parse(value).root.children?.some((child) => child.children !== undefined)) nested += 1;
      }),
      { numRuns: 200, seed: 2 },
    );
    expect(nested).toBeGreaterThan(0);
  });

  it('follows $ref into the schema’s own $defs', () => {
    const arbitrary = schemaArbitrary(z.toJSONSchema(tree), { mode: 'valid' });
    for (const value of fc.sample(arbitrary, { numRuns: 100, seed: 3 })) expect(tree.safeParse(value).success).toBe(true);
  });

  it('merges allOf object schemas and keeps strings short', () => {
    const schema: JsonSchema = {
      allOf: [
        { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
        { type: 'object', properties: { b: { type: 'integer', minimum: 3, exclusiveMaximum: 5 } }, required: ['b'], additionalProperties: false },
      ],
    };
    const expected = z.strictObject({ a: z.string().max(20), b: z.int().min(3).max(4) });
    for (const value of fc.sample(schemaArbitrary(schema), { numRuns: 200, seed: 4 })) expect(expected.safeParse(value).success).toBe(true);
  });

  it('uses the default sometimes', () => {
    const values = fc.sample(schemaArbitrary({ type: 'string', default: 'fallback' }), { numRuns: 200, seed: 5 });
    expect(values).toContain('fallback');
  });
});

describe('schemaArbitrary, mutated mode', () => {
  it('mostly produces values the zod schema rejects', () => {
    const values = fc.sample(schemaArbitrary(z.toJSONSchema(item, { io: 'input' }), { mode: 'mutated' }), { numRuns: 500, seed: 6 });
    const rejected = values.filter((value) => !item.safeParse(value).success).length;
    expect(rejected / values.length).toBeGreaterThan(0.8);
  });

  it('applies each kind of mutation', () => {
    const schema = z.strictObject({ name: z.string().max(20), count: z.int().min(0).max(10), tags: z.array(z.string()).max(2) });
    const values = fc.sample(schemaArbitrary(z.toJSONSchema(schema, { io: 'input' }), { mode: 'mutated' }), { numRuns: 1_000, seed: 7 });
    const objects = values.filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value));
    expect(objects.some((value) => !('name' in value) && 'count' in value && 'tags' in value)).toBe(true); // a required property dropped
    expect(objects.some((value) => 'unexpected' in value || 'isAdmin' in value)).toBe(true); // an extra property
    expect(objects.some((value) => typeof value['name'] === 'string' && value['name'].length >= oversizedLength)).toBe(true); // oversized string
    expect(objects.some((value) => value['count'] === 11 || value['count'] === -1)).toBe(true); // out of range
    expect(objects.some((value) => value['tags'] === null)).toBe(true); // null where not allowed
    expect(objects.some((value) => typeof value['count'] === 'string')).toBe(true); // wrong type
    expect(values.some((value) => value === null || typeof value !== 'object' || Array.isArray(value))).toBe(true); // junk
  });

  it('mutates values behind $ref', () => {
    const { schema, components } = asOpenApi(tree, 'input');
    const values = fc.sample(schemaArbitrary(schema, { components, mode: 'mutated' }), { numRuns: 300, seed: 8 });
    const rejected = values.filter((value) => !tree.safeParse(value).success).length;
    expect(rejected / values.length).toBeGreaterThan(0.8);
  });
});

describe('schemaArbitrary, references', () => {
  it('refuses a $ref it cannot resolve instead of guessing', () => {
    expect(() => schemaArbitrary({ $ref: '#/components/schemas/Missing' }, { components: {} })).toThrow(/Cannot resolve \$ref #\/components\/schemas\/Missing/);
  });
});
