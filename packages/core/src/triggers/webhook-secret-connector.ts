import { defineConnector } from '../registry/connector-definition';

/**
 * Where webhook signing secrets live: a connection of this connector holds one
 * (`{ type: 'bearer', token: 'whsec_…' }`), sealed by the vault like any credential,
 * and a webhook trigger's `verify.secrets` names it.
 */
export const webhookSecretConnector = defineConnector({
  id: 'webhookSecret',
  name: 'Webhook secret',
  description: 'A signing secret or token that incoming webhooks are verified with.',
  icon: 'key',
  auth: { type: 'bearer' },
  nodes: [],
  triggers: [],
});
