import { defineConnector } from '@pipewright/core';
import { webhookCallNode } from './webhook-call';

/**
 * Outgoing webhooks signed under the Standard Webhooks scheme: `webhook.*`. A
 * connection is the signing secret (`whsec_…`), stored as a bearer token so the vault
 * encrypts it and redaction scrubs it.
 */
export const signedWebhookConnector = defineConnector({
  id: 'webhook',
  name: 'Signed webhook',
  description: 'Send webhooks signed under the Standard Webhooks scheme.',
  icon: 'send',
  auth: { type: 'bearer' },
  nodes: [webhookCallNode],
  triggers: [],
});
