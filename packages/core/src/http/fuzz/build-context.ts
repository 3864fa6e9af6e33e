import { isRecord, mergeSchemas, omitKeywords, schemaList, type JsonSchema, type SchemaObject, type SchemaResolver } from './json-schema';

/** What building an arbitrary needs to know besides the schema at hand. */
export interface BuildContext {
  readonly resolver: SchemaResolver;
  /** `$ref`s followed to reach this schema. */
  readonly refDepth: number;
  /** Past this many `$ref`s, values are built minimal: only required properties, arrays at `minItems`. */
  readonly maxRefDepth: number;
  /** Set once `maxRefDepth` is passed, so recursive schemas (a tree of nodes) end. */
  readonly minimal: boolean;
}

/**
 * Arbitraries are built eagerly, so a recursive schema must stop somewhere: a few `$ref`s
 * past `maxRefDepth`, a schema that still recurses through required properties has no
 * finite value we could build, and we give up with `false`.
 */
const hardLimitAfterMinimal = 4;

/** Follows `$ref`s and merges `allOf`, until the schema at hand is neither. */
export function normalize(schema: JsonSchema, context: BuildContext): { schema: JsonSchema; context: BuildContext } {
  let current: JsonSchema = schema;
  let ctx = context;
  for (;;) {
    if (typeof current === 'boolean') return { schema: current, context: ctx };
    const ref = current['$ref'];
    if (typeof ref === 'string') {
      if (ctx.refDepth >= ctx.maxRefDepth + hardLimitAfterMinimal) return { schema: false, context: ctx };
      const target = ctx.resolver.resolve(ref);
      const siblings = omitKeywords(current, ['$ref']);
      const refDepth = ctx.refDepth + 1;
      ctx = { ...ctx, refDepth, minimal: ctx.minimal || refDepth > ctx.maxRefDepth };
      // Guessing would hide a broken document behind values that look random: say so instead.
      if (target === undefined) throw new Error(`Cannot resolve $ref ${ref}: only #/components/schemas/<name> and #/$defs/<name> are supported`);
      if (target === true) current = siblings;
      else if (target === false) return { schema: false, context: ctx };
      else current = mergeSchemas([target, siblings]);
      continue;
    }
    const allOf = current['allOf'];
    if (Array.isArray(allOf)) {
      const parts: SchemaObject[] = [omitKeywords(current, ['allOf'])];
      for (const part of schemaList(current, 'allOf')) {
        const resolved = normalize(part, ctx);
        if (resolved.schema === false) return resolved;
        if (isRecord(resolved.schema)) parts.push(resolved.schema);
        ctx = resolved.context.refDepth > ctx.refDepth ? resolved.context : ctx;
      }
      current = mergeSchemas(parts);
      continue;
    }
    return { schema: current, context: ctx };
  }
}

/** One branch of an `anyOf`/`oneOf`, with the keywords next to the combinator applied to it. */
export function branchWith(rest: SchemaObject, branch: JsonSchema): JsonSchema {
  if (Object.keys(rest).length === 0) return branch;
  if (typeof branch === 'boolean') return branch ? rest : false;
  return { allOf: [rest, branch] };
}
