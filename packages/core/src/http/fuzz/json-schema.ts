/**
 * Reading JSON Schema 2020-12 keywords defensively. Schemas come from documents (an
 * OpenAPI file, `z.toJSONSchema`), so every keyword is checked for its JSON type before
 * use instead of being trusted through a cast.
 */

/** A JSON Schema: an object of keywords, or the boolean schemas `true` (anything) and `false` (nothing). */
export type JsonSchema = boolean | SchemaObject;

export interface SchemaObject {
  readonly [keyword: string]: unknown;
}

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

export const jsonTypes: readonly JsonType[] = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asSchema(value: unknown): JsonSchema | undefined {
  if (typeof value === 'boolean') return value;
  return isRecord(value) ? value : undefined;
}

export function numberKeyword(schema: SchemaObject, keyword: string): number | undefined {
  const value = schema[keyword];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function stringKeyword(schema: SchemaObject, keyword: string): string | undefined {
  const value = schema[keyword];
  return typeof value === 'string' ? value : undefined;
}

export function schemaList(schema: SchemaObject, keyword: string): JsonSchema[] {
  const value = schema[keyword];
  if (!Array.isArray(value)) return [];
  const list: JsonSchema[] = [];
  for (const item of value) {
    const inner = asSchema(item);
    if (inner !== undefined) list.push(inner);
  }
  return list;
}

export function schemaMap(schema: SchemaObject, keyword: string): Array<[string, JsonSchema]> {
  const value = schema[keyword];
  if (!isRecord(value)) return [];
  const entries: Array<[string, JsonSchema]> = [];
  for (const [key, inner] of Object.entries(value)) {
    const parsed = asSchema(inner);
    if (parsed !== undefined) entries.push([key, parsed]);
  }
  return entries;
}

export function requiredList(schema: SchemaObject): string[] {
  const value = schema['required'];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The enum's values, or undefined when the schema has no usable `enum`. */
export function enumValues(schema: SchemaObject): readonly unknown[] | undefined {
  const value = schema['enum'];
  return Array.isArray(value) && value.length > 0 ? value : undefined;
}

/**
 * The JSON types a schema allows: its `type` (a name or a list), widened by OpenAPI 3.0's
 * `nullable`, or guessed from type-specific keywords. Undefined means any type.
 */
export function typesOf(schema: SchemaObject): JsonType[] | undefined {
  const declared = schema['type'];
  let types: JsonType[] | undefined;
  if (typeof declared === 'string') types = isJsonType(declared) ? [declared] : undefined;
  else if (Array.isArray(declared)) types = declared.filter(isJsonType);
  else if ('properties' in schema || 'additionalProperties' in schema || 'required' in schema) types = ['object'];
  else if ('items' in schema || 'prefixItems' in schema) types = ['array'];
  else if ('minLength' in schema || 'maxLength' in schema || 'pattern' in schema || 'format' in schema) types = ['string'];
  else if ('minimum' in schema || 'maximum' in schema || 'exclusiveMinimum' in schema || 'exclusiveMaximum' in schema) types = ['number'];
  if (types !== undefined && schema['nullable'] === true && !types.includes('null')) types = [...types, 'null'];
  return types !== undefined && types.length > 0 ? types : undefined;
}

function isJsonType(value: unknown): value is JsonType {
  return typeof value === 'string' && (jsonTypes as readonly string[]).includes(value);
}

/** Whether `value` is of JSON type `type` (an integer is also a number). */
export function hasJsonType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
  }
}

/** Finds the targets of `$ref`s: `#/components/schemas/Name` in an OpenAPI document and `#/$defs/Name` in a standalone schema. */
export class SchemaResolver {
  readonly #components: Readonly<Record<string, unknown>>;
  readonly #defs: Readonly<Record<string, unknown>>;

  constructor(components: Readonly<Record<string, unknown>>, root: JsonSchema) {
    this.#components = components;
    const defs = typeof root === 'object' ? root['$defs'] : undefined;
    this.#defs = isRecord(defs) ? defs : {};
  }

  resolve(ref: string): JsonSchema | undefined {
    const name = lastPointerToken(ref, '#/components/schemas/') ?? lastPointerToken(ref, '#/$defs/');
    if (name === undefined) return undefined;
    return asSchema(ref.startsWith('#/$defs/') ? (this.#defs[name] ?? this.#components[name]) : this.#components[name]);
  }
}

function lastPointerToken(ref: string, prefix: string): string | undefined {
  if (!ref.startsWith(prefix)) return undefined;
  const token = ref.slice(prefix.length);
  if (token.includes('/')) return undefined;
  // RFC 6901 escapes, inside a URI fragment (RFC 3986 percent-encoding).
  let decoded = token;
  try {
    decoded = decodeURIComponent(token);
  } catch {
    // Not percent-encoded after all: keep the token as written.
  }
  return decoded.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * Merges the subschemas of an `allOf` into one schema: properties are combined, required
 * lists joined, and an object closed by any part (`additionalProperties: false`) stays
 * closed; for every other keyword the first part that sets it wins.
 */
export function mergeSchemas(parts: readonly SchemaObject[]): SchemaObject {
  const merged: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  let hasProperties = false;
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && isRecord(value)) {
        hasProperties = true;
        for (const [name, property] of Object.entries(value)) properties[name] ??= property;
      } else if (key === 'required') {
        for (const name of requiredList(part)) required.add(name);
      } else if (key === 'additionalProperties' && value === false) {
        merged[key] = false;
      } else if (!(key in merged)) {
        merged[key] = value;
      }
    }
  }
  if (hasProperties) merged['properties'] = properties;
  if (required.size > 0) merged['required'] = [...required];
  return merged;
}

/** The schema without the listed keywords. */
export function omitKeywords(schema: SchemaObject, keywords: readonly string[]): SchemaObject {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) if (!keywords.includes(key)) rest[key] = value;
  return rest;
}
