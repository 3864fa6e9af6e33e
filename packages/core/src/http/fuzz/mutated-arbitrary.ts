import fc from 'fast-check';
import { branchWith, normalize, type BuildContext } from './build-context';
import { enumValues, isRecord, jsonTypes, omitKeywords, requiredList, schemaList, schemaMap, stringKeyword, typesOf, numberKeyword, type JsonSchema, type JsonType, type SchemaObject } from './json-schema';
import { boundsOf, patternOf, validObject, validOfType } from './valid-arbitrary';

/** Length of the oversized strings and arrays a mutation sends: past any sane limit, small enough to send quickly. */
export const oversizedLength = 10_000;

/** Mutations reach this many levels into nested objects and arrays. */
const maxMutationDepth = 4;

type Weighted = fc.WeightedArbitrary<unknown>;

/**
 * Near-valid values: a valid value with one thing broken somewhere inside it (a required
 * property dropped, a wrong type, a number out of range, an oversized string, an
 * unexpected property, a null), or plain junk. Most of them violate the schema; a few
 * (junk for an open schema, an extra property on an open object) may still satisfy it.
 */
export function mutatedArbitrary(schema: JsonSchema, context: BuildContext, depth = 0): fc.Arbitrary<unknown> {
  const { schema: normalized, context: ctx } = normalize(schema, context);
  if (typeof normalized === 'boolean') return junk();
  const mutations: Weighted[] = [{ arbitrary: junk(), weight: 1 }];
  const types = typesOf(normalized);
  if (types !== undefined) {
    const wrong = wrongType(types);
    if (wrong !== undefined) mutations.push({ arbitrary: wrong, weight: 3 });
    if (!types.includes('null')) mutations.push({ arbitrary: fc.constant(null), weight: 1 });
  }

  const values = 'const' in normalized ? [normalized['const']] : enumValues(normalized);
  const combinator = Array.isArray(normalized['anyOf']) ? 'anyOf' : Array.isArray(normalized['oneOf']) ? 'oneOf' : undefined;
  if (values !== undefined) {
    const outside = notAmong(values);
    if (outside !== undefined) mutations.push({ arbitrary: outside, weight: 4 });
  } else if (combinator !== undefined) {
    const rest = omitKeywords(normalized, ['anyOf', 'oneOf', 'default']);
    const branches = schemaList(normalized, combinator);
    if (branches.length > 0 && depth < maxMutationDepth) {
      // Built lazily: a union of large objects would otherwise build every branch's mutations up front.
      const pick = fc.nat(branches.length - 1).chain(lazyBy((index) => mutatedArbitrary(branchWith(rest, branches[index] ?? true), ctx, depth + 1)));
      mutations.push({ arbitrary: pick, weight: 4 });
    }
  } else if (types !== undefined) {
    for (const type of types) mutations.push(...typeMutations(type, normalized, ctx, depth));
  }
  return fc.oneof(...mutations);
}

function lazyBy<T>(build: (index: number) => fc.Arbitrary<T>): (index: number) => fc.Arbitrary<T> {
  const cache = new Map<number, fc.Arbitrary<T>>();
  return (index) => {
    let arbitrary = cache.get(index);
    if (arbitrary === undefined) {
      arbitrary = build(index);
      cache.set(index, arbitrary);
    }
    return arbitrary;
  };
}

function typeMutations(type: JsonType, schema: SchemaObject, ctx: BuildContext, depth: number): Weighted[] {
  switch (type) {
    case 'string':
      return stringMutations(schema);
    case 'number':
    case 'integer':
      return numberMutations(schema, type);
    case 'array':
      return arrayMutations(schema, ctx, depth);
    case 'object':
      return objectMutations(schema, ctx, depth);
    case 'boolean':
    case 'null':
      return [];
  }
}

/** Deeply nested or exotic values: what a careless client or an attacker might send. */
export function junk(): fc.Arbitrary<unknown> {
  const deep = fc.integer({ min: 100, max: 2_000 }).map((levels) => {
    let value: unknown = 0;
    for (let level = 0; level < levels; level += 1) value = level % 2 === 0 ? [value] : { a: value };
    return value;
  });
  return fc.oneof(fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 6 }), deep);
}

const wrongTypeSamples: Readonly<Record<JsonType, readonly unknown[]>> = {
  string: ['', 'x', '123', 'true', 'null'],
  // Not integers, so they are also wrong where only `integer` is allowed.
  number: [1.5, -0.25, 1e-7],
  integer: [0, 42, -7],
  boolean: [true, false],
  null: [null],
  object: [{}, { unexpected: true }],
  array: [[], [null], ['x', 1]],
};

function wrongType(allowed: readonly JsonType[]): fc.Arbitrary<unknown> | undefined {
  const candidates = jsonTypes.filter(
    (type) => type !== 'null' && !allowed.includes(type) && !(type === 'integer' && allowed.includes('number')),
  );
  const samples = candidates.flatMap((type) => wrongTypeSamples[type]);
  return samples.length > 0 ? fc.constantFrom(...samples) : undefined;
}

function notAmong(values: readonly unknown[]): fc.Arbitrary<unknown> | undefined {
  const taken = new Set(values.map((value) => JSON.stringify(value)));
  const upper = values.filter((value): value is string => typeof value === 'string').map((value) => `${value.toUpperCase()}_`);
  const candidates = ['', 'not-a-listed-value', 0, -1, true, 'x'.repeat(300), ...upper].filter((candidate) => !taken.has(JSON.stringify(candidate)));
  return candidates.length > 0 ? fc.constantFrom(...candidates) : undefined;
}

const formatViolations: Readonly<Record<string, readonly string[]>> = {
  uuid: ['not-a-uuid', '00000000-0000-0000-0000-00000000000g', '123e4567e89b12d3a456426614174000'],
  'date-time': ['2024-13-45T25:61:61Z', 'yesterday', '2024-01-01'],
  date: ['2024-02-30x', 'today'],
  email: ['no-at-sign', 'a@', '@b.com'],
  uri: ['ht!tp://', 'not a url', '//'],
  url: ['ht!tp://', 'not a url'],
};

/** Strings a server must treat with care even when they are valid. */
const awkwardStrings = ['\u0000', '\u202e', '𝕏😀', ' ', "'; DROP TABLE x;--", '../../etc/passwd', '{{7*7}}', '${x}', '%00', '\r\nX-Injected: 1'];

function stringMutations(schema: SchemaObject): Weighted[] {
  const mutations: Weighted[] = [{ arbitrary: fc.constantFrom('a', 'é', '😀', '\u0000').map((unit) => unit.repeat(oversizedLength)), weight: 3 }];
  const minLength = numberKeyword(schema, 'minLength');
  const maxLength = numberKeyword(schema, 'maxLength');
  if (maxLength !== undefined && maxLength < oversizedLength) mutations.push({ arbitrary: fc.constant('x'.repeat(Math.floor(maxLength) + 1)), weight: 2 });
  if (minLength !== undefined && minLength >= 1) mutations.push({ arbitrary: fc.constant('x'.repeat(Math.ceil(minLength) - 1)), weight: 2 });
  const pattern = patternOf(schema);
  const format = stringKeyword(schema, 'format');
  const broken = [...(format === undefined ? [] : (formatViolations[format] ?? [])), ...(pattern === undefined ? [] : ['', ' ', '!@#', '\n\n', 'ÿ'.repeat(3)])].filter(
    (candidate) => pattern === undefined || !pattern.test(candidate),
  );
  if (broken.length > 0) mutations.push({ arbitrary: fc.constantFrom(...broken), weight: 3 });
  mutations.push({ arbitrary: fc.constantFrom(...awkwardStrings), weight: 1 });
  return mutations;
}

function numberMutations(schema: SchemaObject, type: 'number' | 'integer'): Weighted[] {
  const bounds = boundsOf(schema);
  const outside: number[] = [1e308, -1e308];
  if (bounds.min !== undefined) outside.push(bounds.minExcluded ? bounds.min : bounds.min - 1);
  if (bounds.max !== undefined) outside.push(bounds.maxExcluded ? bounds.max : bounds.max + 1);
  if (type === 'integer') outside.push((bounds.min ?? 0) + 0.5, Number.MAX_SAFE_INTEGER + 2, -(Number.MAX_SAFE_INTEGER + 2));
  return [{ arbitrary: fc.constantFrom(...outside), weight: 4 }];
}

function arrayMutations(schema: SchemaObject, ctx: BuildContext, depth: number): Weighted[] {
  const valid = validOfType('array', schema, ctx).filter((value): value is unknown[] => Array.isArray(value));
  const mutations: Weighted[] = [{ arbitrary: fc.constant(new Array<number>(oversizedLength).fill(0)), weight: 1 }];
  const minItems = numberKeyword(schema, 'minItems');
  const maxItems = numberKeyword(schema, 'maxItems');
  if (maxItems !== undefined && maxItems < oversizedLength) {
    const length = Math.floor(maxItems) + 1;
    mutations.push({ arbitrary: valid.map((array) => [...array, ...new Array<unknown>(Math.max(0, length - array.length)).fill(array[0] ?? null)]), weight: 2 });
  }
  if (minItems !== undefined && minItems >= 1) mutations.push({ arbitrary: valid.map((array) => array.slice(0, Math.ceil(minItems) - 1)), weight: 2 });
  if (schema['uniqueItems'] === true) {
    mutations.push({ arbitrary: valid.filter((array) => array.length > 0).map((array) => [...array, array[0]]), weight: 2 });
  }
  if (depth < maxMutationDepth) {
    const prefix = schemaList(schema, 'prefixItems');
    const items = schema['items'];
    const itemSchemas = [...prefix, ...(isRecord(items) ? [items] : [])];
    if (itemSchemas.length > 0) {
      const badItem = fc.nat(itemSchemas.length - 1).chain(lazyBy((index) => fc.tuple(fc.constant(index), mutatedArbitrary(itemSchemas[index] ?? true, ctx, depth + 1))));
      const replaced = fc.tuple(valid, badItem, fc.nat()).map(([array, [index, bad], position]) => {
        const copy = [...array];
        // A prefix item replaces its own position; an `items` item replaces any position after the prefix.
        const at = index < prefix.length ? index : prefix.length + (copy.length > prefix.length ? position % (copy.length - prefix.length) : 0);
        copy[Math.min(at, copy.length)] = bad;
        return copy;
      });
      mutations.push({ arbitrary: replaced, weight: 4 });
    }
  }
  return mutations;
}

const unexpectedKeys = ['unexpected', 'isAdmin', '$where', 'extra field', ''];

function objectMutations(schema: SchemaObject, ctx: BuildContext, depth: number): Weighted[] {
  const valid = validObject(schema, ctx);
  const mutations: Weighted[] = [];
  const properties = schemaMap(schema, 'properties').filter(([, property]) => property !== false);
  const declared = new Set(properties.map(([name]) => name));
  const required = requiredList(schema);
  if (required.length > 0) {
    const dropped = fc.tuple(valid, fc.constantFrom(...required)).map(([object, name]) => {
      const { [name]: _dropped, ...rest } = object;
      return rest;
    });
    mutations.push({ arbitrary: dropped, weight: 4 });
  }
  const keys = unexpectedKeys.filter((key) => !declared.has(key));
  if (keys.length > 0) {
    const extra = fc.tuple(valid, fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 1 })).map(([object, key, value]) => ({ ...object, [key]: value }));
    mutations.push({ arbitrary: extra, weight: schema['additionalProperties'] === false ? 3 : 1 });
  }
  if (depth < maxMutationDepth && properties.length > 0) {
    const badProperty = fc
      .nat(properties.length - 1)
      .chain(lazyBy((index) => {
        const [name, property] = properties[index] ?? ['', true];
        return fc.tuple(fc.constant(name), mutatedArbitrary(property, ctx, depth + 1));
      }));
    mutations.push({ arbitrary: fc.tuple(valid, badProperty).map(([object, [name, bad]]) => ({ ...object, [name]: bad })), weight: 6 });
  }
  return mutations;
}
