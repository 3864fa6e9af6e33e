import { z } from 'zod';

type JsonSchema = z.core.JSONSchema.JSONSchema;

/** The format schema checked the shape (an object schema); this tells the compiler so. */
function isJsonSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The zod schema of an action's own config fields, from the JSON Schema in the
 * connector document.
 *
 * @throws when the JSON Schema uses what zod cannot convert, or is not an object schema.
 */
export function configFieldsSchema(config: Record<string, unknown>): z.ZodObject {
  if (!isJsonSchemaObject(config)) throw new TypeError('The config is not a JSON Schema object');
  const fields = z.fromJSONSchema(config);
  if (!(fields instanceof z.ZodObject)) throw new TypeError('The config must be an object schema with "properties"');
  return fields;
}
