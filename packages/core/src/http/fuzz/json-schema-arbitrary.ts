import type fc from 'fast-check';
import type { BuildContext } from './build-context';
import { SchemaResolver, type JsonSchema } from './json-schema';
import { mutatedArbitrary } from './mutated-arbitrary';
import { validArbitrary } from './valid-arbitrary';

export type { JsonSchema } from './json-schema';

export interface SchemaArbitraryOptions {
  /** Targets of `#/components/schemas/Name` refs: an OpenAPI document's `components.schemas`. `#/$defs/Name` is also looked up in the schema's own `$defs`. */
  components?: Readonly<Record<string, unknown>>;
  /**
   * `valid` (the default) aims at values the schema accepts, kept small (at most 3 extra
   * items or properties, strings of at most 20 characters unless `minLength` asks for more).
   * `mutated` gives near-valid values with one thing broken: a required property dropped,
   * a wrong type, a number out of range, a 10,000-character string, an unexpected property,
   * a null where none is allowed, or deeply nested junk.
   */
  mode?: 'valid' | 'mutated';
  /** `$ref`s to follow before recursive schemas are cut to their required parts (default 3). */
  maxRefDepth?: number;
}

/**
 * A fast-check arbitrary of values for a JSON Schema (2020-12, as `z.toJSONSchema` and
 * OpenAPI 3.1 use it).
 *
 * Supported keywords: `type` (also lists), `enum`, `const`, `anyOf`/`oneOf` (one branch),
 * `allOf` (merged), `$ref` (into `components` or `$defs`), `properties`, `required`,
 * `additionalProperties`, `propertyNames`, `items`, `prefixItems`, `minItems`, `maxItems`,
 * `uniqueItems`, `minLength`, `maxLength`, `pattern`, `format` (uuid, date-time, date, time,
 * email, uri, ipv4, ipv6, hostname), `minimum`, `maximum`, `exclusiveMinimum`,
 * `exclusiveMaximum`, `multipleOf`, `default` and OpenAPI 3.0's `nullable`. Other keywords
 * (`not`, `if`, `patternProperties`, `dependentRequired`...) are ignored, so a valid-mode
 * value may break them.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { z } from 'zod';
 * import { schemaArbitrary } from './json-schema-arbitrary';
 *
 * const item = z.object({ name: z.string().min(1), quantity: z.int().min(1).max(10) });
 * const values = fc.sample(schemaArbitrary(z.toJSONSchema(item), { mode: 'valid' }), 10);
 * const accepted = values.every((value) => item.safeParse(value).success); // true
 * ```
 */
export function schemaArbitrary(schema: JsonSchema, options: SchemaArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const context: BuildContext = {
    resolver: new SchemaResolver(options.components ?? {}, schema),
    refDepth: 0,
    maxRefDepth: options.maxRefDepth ?? 3,
    minimal: false,
  };
  return options.mode === 'mutated' ? mutatedArbitrary(schema, context) : validArbitrary(schema, context);
}
