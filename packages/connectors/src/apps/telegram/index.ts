import { defineConnector } from '@pipewright/core';
import { testTelegramConnection } from './get-me';
import { telegramSendMessageNode } from './send-message';

export { telegramSendMessageNode, telegramSendMessageConfigSchema, type TelegramMessage } from './send-message';

/**
 * A Telegram bot. Its token (`123456:ABC…`) is stored as a bearer credential but sent
 * in the URL path (`/bot<token>/…`), as the Bot API requires.
 */
export const telegramConnector = defineConnector({
  id: 'telegram',
  name: 'Telegram',
  description: 'Send messages from a Telegram bot.',
  icon: 'telegram',
  auth: { type: 'bearer' },
  nodes: [telegramSendMessageNode],
  triggers: [],
  // The Bot API's documented limit is about 30 messages per second across chats.
  rateLimit: { requests: 30, perMs: 1_000, burst: 30 },
  testConnection: (ctx) => testTelegramConnection(ctx),
});
