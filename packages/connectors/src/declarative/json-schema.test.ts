import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { declarativeConnectorJsonSchema } from './json-schema';

const file = fileURLToPath(new URL('./declarative-connector.schema.json', import.meta.url));
const current = `${JSON.stringify(declarativeConnectorJsonSchema, null, 2)}\n`;

it('declarative-connector.schema.json is the current JSON Schema of the format', () => {
  // `UPDATE_SCHEMA=1 npx vitest run packages/connectors/src/declarative` rewrites it after a format change.
  if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(file, current);
  expect(readFileSync(file, 'utf8'), 'stale: rerun with UPDATE_SCHEMA=1').toBe(current);
});
