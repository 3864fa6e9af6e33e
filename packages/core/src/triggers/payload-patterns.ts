import { RE2JS } from 're2js';
import { PipewrightError } from '../errors/pipewright-error';
import type { JsonPath, ValidationIssue } from '../model/validation-issue';

/**
 * `pattern` in a webhook payload schema runs on RE2 (linear time) instead of the
 * backtracking `RegExp` that `z.fromJSONSchema` would build: webhook bodies come from
 * anyone on the internet, and one tenant's `^(a+)+$` must not stall the worker every
 * tenant shares. zod gets a copy of the schema without `pattern` for the structural
 * checks; the patterns are checked here, on the places of the body they apply to.
 */

type Schema = Record<string, unknown>;

/** Keywords under which a pattern is checked, in the words of the refusal message. */
const SUPPORTED_PLACES = 'properties, items, prefixItems, additionalProperties, allOf and $ref';

// Keywords whose subschemas apply conditionally, to some of the elements, or to keys:
// a pattern there cannot be reduced to "this value must match", so it is refused.
const UNSUPPORTED_SCHEMA_KEYWORDS = ['anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'] as const;
const UNSUPPORTED_MAP_KEYWORDS = ['dependentSchemas', 'dependencies'] as const;

// Every keyword whose value is a schema, an array of schemas or a map of them (JSON Schema
// 2020-12 and draft-7). Only these positions are schemas: `pattern` inside `const`,
// `enum`, `default` or `examples` is data and is left alone.
const SCHEMA_KEYWORDS = new Set(['items', 'prefixItems', 'additionalItems', 'additionalProperties', 'allOf', ...UNSUPPORTED_SCHEMA_KEYWORDS]);
const MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', ...UNSUPPORTED_MAP_KEYWORDS]);

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(schema: Schema, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(schema, key) ? schema[key] : undefined;
}

/** The schema a local `$ref` points to (`#`, `#/$defs/…`, `#/definitions/…`, any JSON pointer), or undefined. */
function resolveRef(root: Schema, ref: string): { schema: Schema; path: JsonPath } | undefined {
  if (!ref.startsWith('#')) return undefined;
  const path: JsonPath = [];
  let target: unknown = root;
  // Not percent-decoded, like z.fromJSONSchema, so both read a $ref the same way.
  for (const raw of ref.slice(1).split('/').filter((segment) => segment !== '')) {
    // RFC 6901: `~1` before `~0`.
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(target) && /^\d+$/.test(segment)) {
      target = target[Number(segment)];
      path.push(Number(segment));
    } else if (isSchema(target)) {
      target = own(target, segment);
      path.push(segment);
    } else {
      return undefined;
    }
  }
  return isSchema(target) ? { schema: target, path } : undefined;
}

/** Calls `visit` with each direct subschema of `schema`, its keyword and its path below `schema`. */
function forEachSubschema(schema: Schema, visit: (subschema: Schema, keyword: string, path: JsonPath) => void): void {
  for (const [keyword, value] of Object.entries(schema)) {
    if (SCHEMA_KEYWORDS.has(keyword)) {
      if (isSchema(value)) visit(value, keyword, [keyword]);
      else if (Array.isArray(value)) value.forEach((item, index) => { if (isSchema(item)) visit(item, keyword, [keyword, index]); });
    } else if (MAP_KEYWORDS.has(keyword) && isSchema(value)) {
      for (const [name, item] of Object.entries(value)) if (isSchema(item)) visit(item, keyword, [keyword, name]);
    }
  }
}

function compilePattern(pattern: string): RE2JS {
  // JSON Schema patterns are ECMA-262: translate its escapes (`\uXXXX`, `\cX`) to RE2's.
  return RE2JS.compile(RE2JS.translateRegExp(pattern));
}

/**
 * The reasons a payload schema cannot be used, with paths inside the schema: a
 * `pattern` RE2 cannot compile, `patternProperties` anywhere, a `pattern` under a
 * keyword other than those listed in `SUPPORTED_PLACES` (also when reached through a
 * `$ref`), and a `$ref` that does not resolve inside the schema.
 *
 * @example
 * payloadPatternIssues({ properties: { id: { type: 'string', pattern: '^(?=x)' } } });
 * // [{ path: ['properties', 'id', 'pattern'], message: 'Pattern "^(?=x)" cannot be used: …', code: 'custom' }]
 */
export function payloadPatternIssues(root: Schema): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const checked = new Set<Schema>();
  // Each schema is walked once per place kind (supported, or under one refused keyword), so `$ref` cycles end.
  const walked = new Map<Schema, Set<string>>();
  const add = (path: JsonPath, message: string): void => {
    if (!issues.some((issue) => issue.message === message && issue.path.join('\u0000') === path.join('\u0000'))) issues.push({ path, message, code: 'custom' });
  };

  function walk(schema: Schema, path: JsonPath, refusedUnder: string | undefined): void {
    const contexts = walked.get(schema) ?? new Set<string>();
    if (contexts.has(refusedUnder ?? '')) return;
    contexts.add(refusedUnder ?? '');
    walked.set(schema, contexts);

    const pattern = own(schema, 'pattern');
    if (!checked.has(schema)) {
      checked.add(schema);
      if (pattern !== undefined && typeof pattern !== 'string') add([...path, 'pattern'], 'pattern must be a string');
      if (typeof pattern === 'string') {
        try {
          compilePattern(pattern);
        } catch (error) {
          add([...path, 'pattern'], `Pattern ${JSON.stringify(pattern)} cannot be used: webhook payload patterns run on RE2, a linear-time engine without lookarounds or backreferences (${error instanceof Error ? error.message : String(error)})`);
        }
      }
      if (own(schema, 'patternProperties') !== undefined) {
        add([...path, 'patternProperties'], `patternProperties is not supported in webhook payload schemas: name the keys under properties, or give additionalProperties a schema with a pattern`);
      }
    }
    if (typeof pattern === 'string' && refusedUnder !== undefined) {
      add([...path, 'pattern'], `pattern is not supported under ${refusedUnder} in webhook payload schemas: patterns are checked under ${SUPPORTED_PLACES}`);
    }
    const ref = own(schema, '$ref');
    if (typeof ref === 'string') {
      const target = resolveRef(root, ref);
      if (target === undefined) add([...path, '$ref'], `$ref ${JSON.stringify(ref)} does not point to a schema in this document (use #/$defs/… or #/definitions/…)`);
      else walk(target.schema, target.path, refusedUnder);
    }
    forEachSubschema(schema, (subschema, keyword, below) => {
      if (keyword === 'patternProperties') return;
      // Definitions apply only where a $ref uses them: they are walked from there too.
      walk(subschema, [...path, ...below], keyword === '$defs' || keyword === 'definitions' ? undefined : (refusedUnder ?? refusedKeyword(keyword)));
    });
  }

  walk(root, [], undefined);
  return issues;
}

function refusedKeyword(keyword: string): string | undefined {
  return (UNSUPPORTED_SCHEMA_KEYWORDS as readonly string[]).includes(keyword) || (UNSUPPORTED_MAP_KEYWORDS as readonly string[]).includes(keyword) ? keyword : undefined;
}

/**
 * The copy of a payload schema that `z.fromJSONSchema` checks the structure with: every
 * `pattern` keyword removed (in schema positions only: a `pattern` key inside
 * `properties`, `const` or `default` stays), and every name in `required` declared in
 * `properties` (as `{}` where it was not). zod drops a required name that `properties`
 * does not declare, so `{ "required": ["id"] }` alone accepted `{}`.
 *
 * @example
 * structuralSchema({ type: 'string', pattern: '^a+$' }); // { type: 'string' }
 * structuralSchema({ type: 'object', required: ['id'] }); // { type: 'object', required: ['id'], properties: { id: {} } }
 */
export function structuralSchema(schema: Schema): Schema {
  const copy: Schema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'pattern') continue;
    if (SCHEMA_KEYWORDS.has(keyword) && isSchema(value)) copy[keyword] = structuralSchema(value);
    else if (SCHEMA_KEYWORDS.has(keyword) && Array.isArray(value)) copy[keyword] = value.map((item: unknown) => (isSchema(item) ? structuralSchema(item) : item));
    else if (MAP_KEYWORDS.has(keyword) && isSchema(value)) copy[keyword] = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, isSchema(item) ? structuralSchema(item) : item]));
    else copy[keyword] = value;
  }
  const required = copy['required'];
  if (Array.isArray(required)) {
    const properties: Schema = isSchema(copy['properties']) ? { ...copy['properties'] } : {};
    for (const name of required) if (typeof name === 'string' && !Object.hasOwn(properties, name)) properties[name] = {};
    copy['properties'] = properties;
  }
  return copy;
}

/** The patterns of one schema object, and those of the places below it. */
interface PatternNode {
  patterns: Array<{ source: string; regex: RE2JS }>;
  properties: Map<string, PatternNode>;
  /** Every name in `properties`: `additionalProperties` applies to the other keys. */
  declared: Set<string>;
  additionalProperties?: PatternNode;
  /** `prefixItems`, or draft-7's array form of `items`. */
  tuple: PatternNode[];
  /** Applies to the elements after `tuple` (`items`, or draft-7's `additionalItems`). */
  rest?: PatternNode;
  /** `allOf` and `$ref`: checked against the same value. */
  same: PatternNode[];
  /** True when a pattern is reachable from here; the check skips the rest. */
  live: boolean;
}

/** A payload schema ready to check bodies: `structural` for zod, the patterns for {@link checkPayloadPatterns}. */
export interface PayloadPatterns {
  structural: Schema;
  root: PatternNode | undefined;
}

/**
 * Compiles the patterns of a payload schema and the pattern-free copy for zod.
 *
 * @throws PipewrightError `invalid_node_config` with the `payloadPatternIssues` as details.
 * @example
 * const compiled = compilePayloadPatterns({ properties: { name: { type: 'string', pattern: '^(a+)+$' } } });
 * checkPayloadPatterns(compiled, { name: 'aaaa!' }); // [{ path: ['name'], message: 'must match pattern "^(a+)+$"', … }]
 */
export function compilePayloadPatterns(root: Schema): PayloadPatterns {
  const issues = payloadPatternIssues(root);
  if (issues.length > 0) {
    throw new PipewrightError('invalid_node_config', `The payload schema cannot be used: ${issues.map((issue) => issue.message).join('; ')}`, { details: { issues } });
  }
  // One node per schema object, registered before its children are built, so `$ref` cycles close into a graph.
  const nodes = new Map<Schema, PatternNode>();
  function build(schema: Schema): PatternNode {
    const existing = nodes.get(schema);
    if (existing) return existing;
    const node: PatternNode = { patterns: [], properties: new Map(), declared: new Set(), tuple: [], same: [], live: false };
    nodes.set(schema, node);
    const pattern = own(schema, 'pattern');
    if (typeof pattern === 'string') node.patterns.push({ source: pattern, regex: compilePattern(pattern) });
    const properties = own(schema, 'properties');
    if (isSchema(properties)) {
      for (const [name, sub] of Object.entries(properties)) {
        node.declared.add(name);
        if (isSchema(sub)) node.properties.set(name, build(sub));
      }
    }
    const additional = own(schema, 'additionalProperties');
    if (isSchema(additional)) node.additionalProperties = build(additional);
    const prefixItems = own(schema, 'prefixItems');
    const items = own(schema, 'items');
    const tuple = Array.isArray(prefixItems) ? prefixItems : Array.isArray(items) ? items : [];
    node.tuple = tuple.map((sub: unknown) => build(isSchema(sub) ? sub : {}));
    const rest = Array.isArray(items) ? own(schema, 'additionalItems') : items;
    if (isSchema(rest)) node.rest = build(rest);
    const allOf = own(schema, 'allOf');
    if (Array.isArray(allOf)) for (const sub of allOf) if (isSchema(sub)) node.same.push(build(sub));
    const ref = own(schema, '$ref');
    // Resolvable: payloadPatternIssues refused the others.
    const target = typeof ref === 'string' ? resolveRef(root, ref) : undefined;
    if (target) node.same.push(build(target.schema));
    return node;
  }
  const top = build(root);
  const all = [...nodes.values()];
  for (const node of all) node.live = node.patterns.length > 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of all) {
      if (node.live) continue;
      const children = [...node.properties.values(), ...node.tuple, ...node.same, ...(node.additionalProperties ? [node.additionalProperties] : []), ...(node.rest ? [node.rest] : [])];
      if (children.some((child) => child.live)) {
        node.live = true;
        changed = true;
      }
    }
  }
  return { structural: structuralSchema(root), root: top.live ? top : undefined };
}

/**
 * Every string in `value` that does not match a pattern that applies to it, with its
 * path. Patterns ignore values that are not strings, as JSON Schema says; the other
 * keywords are zod's job on `structural`.
 *
 * @example
 * checkPayloadPatterns(compilePayloadPatterns({ items: { pattern: '^\\d+$' } }), ['1', 2, 'x']);
 * // [{ path: [2], message: 'must match pattern "^\\d+$"', code: 'invalid_format' }]
 */
export function checkPayloadPatterns(compiled: PayloadPatterns, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // `seen` holds the nodes already applied to this value: an `allOf`/`$ref` cycle applies each once.
  function apply(node: PatternNode, at: unknown, path: JsonPath, seen: Set<PatternNode>): void {
    if (!node.live || seen.has(node)) return;
    seen.add(node);
    if (typeof at === 'string') {
      for (const { source, regex } of node.patterns) {
        if (!regex.matcher(at).find()) issues.push({ path, message: `must match pattern ${JSON.stringify(source)}`, code: 'invalid_format' });
      }
    } else if (Array.isArray(at)) {
      at.forEach((item: unknown, index) => {
        const sub = index < node.tuple.length ? node.tuple[index] : node.rest;
        if (sub) apply(sub, item, [...path, index], new Set());
      });
    } else if (isSchema(at)) {
      for (const [key, item] of Object.entries(at)) {
        const sub = node.declared.has(key) ? node.properties.get(key) : node.additionalProperties;
        if (sub) apply(sub, item, [...path, key], new Set());
      }
    }
    for (const sub of node.same) apply(sub, at, path, seen);
  }
  if (compiled.root) apply(compiled.root, value, [], new Set());
  return issues;
}
