import { z } from 'zod';
import { declarativeConnectorSchema } from './declarative-connector-schema';

/**
 * The JSON Schema of the connector format, for editors and a marketplace's upload form.
 * It describes what an author writes (`io: 'input'`): fields with defaults are optional.
 * `declarative-connector.schema.json` is this value, kept current by a test.
 */
export const declarativeConnectorJsonSchema = z.toJSONSchema(declarativeConnectorSchema, { io: 'input' });
