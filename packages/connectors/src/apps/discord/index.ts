import { defineConnector } from '@pipewright/core';
import { testDiscordConnection } from './get-webhook';
import { discordSendWebhookMessageNode } from './send-webhook-message';

export { discordSendWebhookMessageNode, discordSendWebhookMessageConfigSchema, type DiscordMessage } from './send-webhook-message';

/**
 * Discord incoming webhooks. A webhook's token is part of its URL, so the connection
 * stores the whole URL as a bearer credential, and actions post to it without any
 * Authorization header.
 */
export const discordConnector = defineConnector({
  id: 'discord',
  name: 'Discord',
  description: 'Post messages to a Discord channel through an incoming webhook.',
  icon: 'discord',
  auth: { type: 'bearer' },
  nodes: [discordSendWebhookMessageNode],
  triggers: [],
  // Discord allows about 5 requests per 2 seconds per webhook.
  rateLimit: { requests: 5, perMs: 2_000, burst: 5 },
  testConnection: (ctx) => testDiscordConnection(ctx),
});
