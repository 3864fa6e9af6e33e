import fc from 'fast-check';
import { branchWith, normalize, type BuildContext } from './build-context';
import {
  enumValues,
  isRecord,
  numberKeyword,
  omitKeywords,
  requiredList,
  schemaList,
  schemaMap,
  stringKeyword,
  typesOf,
  type JsonSchema,
  type JsonType,
  type SchemaObject,
} from './json-schema';

/** Valid values stay small, so a request is cheap to send and a counterexample easy to read. */
export const validLimits = { maxExtraItems: 3, maxExtraProperties: 3, maxStringLength: 20 } as const;

/** Values that satisfy `schema`, as far as the supported keywords go (see `schemaArbitrary`). */
export function validArbitrary(schema: JsonSchema, context: BuildContext): fc.Arbitrary<unknown> {
  const { schema: normalized, context: ctx } = normalize(schema, context);
  if (normalized === true) return anyJson(ctx);
  // Nothing satisfies `false`; null is the least surprising stand-in.
  if (normalized === false) return fc.constant(null);
  const arbitrary = validOfObject(normalized, ctx);
  if ('default' in normalized && !ctx.minimal) {
    return fc.oneof({ arbitrary: fc.constant(normalized['default']), weight: 1 }, { arbitrary, weight: 4 });
  }
  return arbitrary;
}

function validOfObject(schema: SchemaObject, ctx: BuildContext): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema['const']);
  const values = enumValues(schema);
  if (values !== undefined) return fc.constantFrom(...values);
  const combinator = Array.isArray(schema['anyOf']) ? 'anyOf' : Array.isArray(schema['oneOf']) ? 'oneOf' : undefined;
  if (combinator !== undefined) {
    const rest = omitKeywords(schema, ['anyOf', 'oneOf', 'default']);
    const branches = schemaList(schema, combinator).map((branch) => validArbitrary(branchWith(rest, branch), ctx));
    if (branches.length > 0) return fc.oneof(...branches);
  }
  const types = typesOf(schema);
  if (types === undefined) return anyJson(ctx);
  const arbitraries = types.map((type) => validOfType(type, schema, ctx));
  return arbitraries.length === 1 && arbitraries[0] !== undefined ? arbitraries[0] : fc.oneof(...arbitraries);
}

export function validOfType(type: JsonType, schema: SchemaObject, ctx: BuildContext): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'string':
      return validString(schema);
    case 'integer':
      return validInteger(schema);
    case 'number':
      return validNumber(schema);
    case 'array':
      return validArray(schema, ctx);
    case 'object':
      return validObject(schema, ctx);
  }
}

export function anyJson(ctx: BuildContext): fc.Arbitrary<unknown> {
  return ctx.minimal ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
}

/** Length as JSON Schema counts it: in code points, not UTF-16 units. */
export function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length += 1;
  return length;
}

/** The schema's `pattern` as a RegExp (JSON Schema patterns are ECMA-262 with Unicode semantics), if it compiles. */
export function patternOf(schema: SchemaObject): RegExp | undefined {
  const pattern = stringKeyword(schema, 'pattern');
  if (pattern === undefined) return undefined;
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // Try the next flags; some patterns in the wild are only valid without `u`.
    }
  }
  return undefined;
}

const formatArbitraries: Readonly<Record<string, () => fc.Arbitrary<string>>> = {
  uuid: () => fc.uuid(),
  'date-time': () => isoDate().map((date) => date.toISOString()),
  date: () => isoDate().map((date) => date.toISOString().slice(0, 10)),
  time: () => isoDate().map((date) => date.toISOString().slice(11, 19)),
  // Deliberately plain addresses: every validator accepts them, unlike RFC 5322's corners.
  email: () => fc.stringMatching(/^[a-z0-9]{1,8}(?:\.[a-z0-9]{1,8})?@[a-z0-9]{1,8}\.(?:com|org|net|dev)$/),
  uri: () => fc.webUrl(),
  url: () => fc.webUrl(),
  ipv4: () => fc.ipV4(),
  ipv6: () => fc.ipV6(),
  hostname: () => fc.domain(),
};

function isoDate(): fc.Arbitrary<Date> {
  return fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true });
}

function validString(schema: SchemaObject): fc.Arbitrary<string> {
  const minLength = Math.max(0, Math.ceil(numberKeyword(schema, 'minLength') ?? 0));
  const maxLength = numberKeyword(schema, 'maxLength');
  const lengthOk = (value: string): boolean => {
    const length = codePointLength(value);
    return length >= minLength && (maxLength === undefined || length <= maxLength);
  };
  const constrained = (arbitrary: fc.Arbitrary<string>): fc.Arbitrary<string> =>
    minLength > 0 || maxLength !== undefined ? arbitrary.filter(lengthOk) : arbitrary;

  // A pattern is the most precise constraint (zod emits one for uuid, email and date-time), so it wins over format.
  const pattern = patternOf(schema);
  if (pattern !== undefined) {
    try {
      return constrained(fc.stringMatching(pattern, maxLength === undefined ? {} : { maxLength: Math.floor(maxLength) }));
    } catch {
      // fast-check does not support every regex feature (lookarounds, backreferences): fall back to format or plain strings.
    }
  }
  const format = stringKeyword(schema, 'format');
  const formatArbitrary = format === undefined ? undefined : formatArbitraries[format];
  if (formatArbitrary !== undefined) return constrained(formatArbitrary());
  const cap = Math.max(minLength, Math.min(Math.floor(maxLength ?? validLimits.maxStringLength), validLimits.maxStringLength));
  return fc.string({ minLength, maxLength: cap });
}

interface Range {
  min: number;
  max: number;
}

/** `minimum`/`maximum` tightened by `exclusiveMinimum`/`exclusiveMaximum` (numbers in 2020-12, booleans in OpenAPI 3.0). */
export function boundsOf(schema: SchemaObject): { min?: number; max?: number; minExcluded: boolean; maxExcluded: boolean } {
  const bounds: { min?: number; max?: number; minExcluded: boolean; maxExcluded: boolean } = { minExcluded: false, maxExcluded: false };
  const minimum = numberKeyword(schema, 'minimum');
  const maximum = numberKeyword(schema, 'maximum');
  const exclusiveMinimum = schema['exclusiveMinimum'];
  const exclusiveMaximum = schema['exclusiveMaximum'];
  if (minimum !== undefined) bounds.min = minimum;
  if (maximum !== undefined) bounds.max = maximum;
  if (exclusiveMinimum === true) bounds.minExcluded = minimum !== undefined;
  if (exclusiveMaximum === true) bounds.maxExcluded = maximum !== undefined;
  if (typeof exclusiveMinimum === 'number' && (bounds.min === undefined || exclusiveMinimum >= bounds.min)) {
    bounds.min = exclusiveMinimum;
    bounds.minExcluded = true;
  }
  if (typeof exclusiveMaximum === 'number' && (bounds.max === undefined || exclusiveMaximum <= bounds.max)) {
    bounds.max = exclusiveMaximum;
    bounds.maxExcluded = true;
  }
  return bounds;
}

/** The integers a schema allows, within the safe-integer range. */
export function integerRange(schema: SchemaObject): Range {
  const bounds = boundsOf(schema);
  let min = bounds.min === undefined ? Number.MIN_SAFE_INTEGER : bounds.minExcluded ? Math.floor(bounds.min) + 1 : Math.ceil(bounds.min);
  let max = bounds.max === undefined ? Number.MAX_SAFE_INTEGER : bounds.maxExcluded ? Math.ceil(bounds.max) - 1 : Math.floor(bounds.max);
  min = Math.max(min, Number.MIN_SAFE_INTEGER);
  max = Math.min(max, Number.MAX_SAFE_INTEGER);
  return { min, max };
}

/** Mostly small integers (the ones real requests carry), sometimes anywhere in range. */
function integerIn(range: Range): fc.Arbitrary<number> {
  if (range.min > range.max) return fc.constant(range.min);
  const wide = fc.bigInt({ min: BigInt(range.min), max: BigInt(range.max) }).map(Number);
  const smallMin = Math.max(range.min, -1000);
  const smallMax = Math.min(range.max, 1000);
  if (smallMin > smallMax) return wide;
  return fc.oneof({ arbitrary: fc.integer({ min: smallMin, max: smallMax }), weight: 4 }, { arbitrary: wide, weight: 1 });
}

function validInteger(schema: SchemaObject): fc.Arbitrary<number> {
  const range = integerRange(schema);
  const multipleOf = numberKeyword(schema, 'multipleOf');
  if (multipleOf !== undefined && multipleOf > 0) {
    return integerIn({ min: Math.ceil(range.min / multipleOf), max: Math.floor(range.max / multipleOf) }).map((factor) => factor * multipleOf);
  }
  return integerIn(range);
}

function validNumber(schema: SchemaObject): fc.Arbitrary<number> {
  const bounds = boundsOf(schema);
  const multipleOf = numberKeyword(schema, 'multipleOf');
  if (multipleOf !== undefined && multipleOf > 0) {
    const min = bounds.min === undefined ? -1e6 : bounds.min / multipleOf;
    const max = bounds.max === undefined ? 1e6 : bounds.max / multipleOf;
    return integerIn({ min: bounds.minExcluded ? Math.floor(min) + 1 : Math.ceil(min), max: bounds.maxExcluded ? Math.ceil(max) - 1 : Math.floor(max) }).map(
      (factor) => factor * multipleOf,
    );
  }
  const constraints: fc.DoubleConstraints = { noNaN: true, noDefaultInfinity: true, minExcluded: bounds.minExcluded, maxExcluded: bounds.maxExcluded };
  if (bounds.min !== undefined) constraints.min = bounds.min;
  if (bounds.max !== undefined) constraints.max = bounds.max;
  const doubles = fc.double(constraints);
  // Whole numbers are what most clients send; a double-only arbitrary would rarely produce them.
  const wholeRange = { min: bounds.min ?? Number.MIN_SAFE_INTEGER, max: bounds.max ?? Number.MAX_SAFE_INTEGER };
  const whole = {
    min: Math.max(bounds.minExcluded ? Math.floor(wholeRange.min) + 1 : Math.ceil(wholeRange.min), Number.MIN_SAFE_INTEGER),
    max: Math.min(bounds.maxExcluded ? Math.ceil(wholeRange.max) - 1 : Math.floor(wholeRange.max), Number.MAX_SAFE_INTEGER),
  };
  // A range with no whole number in it (0 < x < 1) gets doubles only.
  return whole.min > whole.max ? doubles : fc.oneof(doubles, integerIn(whole));
}

function validArray(schema: SchemaObject, ctx: BuildContext): fc.Arbitrary<unknown[]> {
  const minItems = Math.max(0, Math.ceil(numberKeyword(schema, 'minItems') ?? 0));
  const maxItems = numberKeyword(schema, 'maxItems');
  let prefix = schemaList(schema, 'prefixItems').map((item) => validArbitrary(item, ctx));
  if (maxItems !== undefined && prefix.length > maxItems) prefix = prefix.slice(0, Math.max(0, Math.floor(maxItems)));
  const items = schema['items'];
  const restMin = Math.max(0, minItems - prefix.length);
  const restLimit = maxItems === undefined ? Number.POSITIVE_INFINITY : Math.floor(maxItems) - prefix.length;
  const restMax = items === false ? 0 : Math.max(restMin, Math.min(restLimit, restMin + (ctx.minimal ? 0 : validLimits.maxExtraItems)));
  const itemArbitrary = items === undefined || items === true || !isRecord(items) ? anyJson(ctx) : validArbitrary(items, ctx);
  const rest =
    restMax === 0
      ? fc.constant<unknown[]>([])
      : schema['uniqueItems'] === true
        ? fc.uniqueArray(itemArbitrary, { minLength: restMin, maxLength: restMax, selector: (value) => JSON.stringify(value) })
        : fc.array(itemArbitrary, { minLength: restMin, maxLength: restMax });
  if (prefix.length === 0) return rest;
  return fc.tuple(fc.tuple(...prefix), rest).map(([head, tail]) => [...head, ...tail]);
}

/** Keys we never generate: assigning them would change an object's prototype instead of adding a property. */
const unsafeKeys = new Set(['__proto__', 'constructor', 'prototype']);

export function validObject(schema: SchemaObject, ctx: BuildContext): fc.Arbitrary<Record<string, unknown>> {
  const properties = schemaMap(schema, 'properties');
  const declared = new Set(properties.map(([name]) => name));
  const required = requiredList(schema);
  const requiredSet = new Set(required);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of properties) {
    if (ctx.minimal && !requiredSet.has(name)) continue;
    // `false` means the property must be absent, which omitting it already achieves.
    if (property === false) continue;
    model[name] = validArbitrary(property, ctx);
  }
  for (const name of required) if (!declared.has(name)) model[name] = anyJson(ctx);
  const record = fc.record(model, { requiredKeys: required.filter((name) => name in model) });

  const additional = schema['additionalProperties'];
  if (ctx.minimal || additional === false) return record;
  const explicit = isRecord(additional);
  const names = schema['propertyNames'];
  const keyArbitrary = (isRecord(names) ? validArbitrary(names, ctx).filter((key): key is string => typeof key === 'string') : fc.string({ minLength: 1, maxLength: 10 })).filter(
    (key) => !declared.has(key) && !unsafeKeys.has(key),
  );
  const extras = fc.dictionary(keyArbitrary, explicit ? validArbitrary(additional, ctx) : fc.jsonValue({ maxDepth: 1 }), {
    // An open object (no `additionalProperties`) may carry extras; a record (`additionalProperties: schema`) is mostly extras.
    maxKeys: explicit ? validLimits.maxExtraProperties : 1,
  });
  const maybeExtras = explicit ? extras : fc.oneof({ arbitrary: fc.constant<Record<string, unknown>>({}), weight: 3 }, { arbitrary: extras, weight: 1 });
  return fc.tuple(record, maybeExtras).map(([own, extra]) => ({ ...extra, ...own }));
}
