import { defineConnector } from '@pipewright/core';
import { notionCreatePageNode } from './create-page';
import { testNotionConnection } from './test-connection';

export { notionCreatePageNode, notionCreatePageConfigSchema } from './create-page';

/** Notion's API with an internal integration token (`secret_…`/`ntn_…`) or an OAuth access token. */
export const notionConnector = defineConnector({
  id: 'notion',
  name: 'Notion',
  description: 'Pages in Notion databases and workspaces.',
  icon: 'notebook',
  auth: { type: 'bearer' },
  nodes: [notionCreatePageNode],
  triggers: [],
  // Notion allows an average of 3 requests a second per integration, with some bursts.
  rateLimit: { requests: 3, perMs: 1_000, burst: 3 },
  testConnection: ({ connection, signal }) => testNotionConnection({ connection, signal, idempotencyKey: 'test-connection' }),
});
