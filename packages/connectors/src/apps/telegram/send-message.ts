import { defineNode } from '@pipewright/core';
import { z } from 'zod';
import { callTelegram, telegramDefaultBaseUrl } from './telegram-call';

export const telegramSendMessageConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default(telegramDefaultBaseUrl),
  /** A chat id (negative for groups) or a channel's `@username`. */
  chatId: z.union([z.number().int(), z.string().min(1)]),
  /** Telegram's limit after entity parsing is 4,096 characters. */
  text: z.string().min(1).max(4_096),
  parseMode: z.enum(['MarkdownV2', 'HTML', 'Markdown']).optional(),
  disableNotification: z.boolean().optional(),
});

/** The Bot API's Message object, as `sendMessage` returns it. */
export interface TelegramMessage {
  message_id: number;
  date: number;
  chat: { id: number; type: string; [field: string]: unknown };
  text?: string;
  [field: string]: unknown;
}

/** Sends a text message from the bot to a chat (`sendMessage`). */
export const telegramSendMessageNode = defineNode({
  type: 'telegram.sendMessage',
  version: 1,
  title: 'Send message',
  description: 'Sends a text message from the bot to a Telegram chat, group or channel.',
  category: 'Telegram',
  icon: 'telegram',
  configSchema: telegramSendMessageConfigSchema,
  sideEffects: true,
  sampleOutput: { message_id: 42, from: { id: 7000000001, is_bot: true, first_name: 'Pipewright', username: 'pipewright_bot' }, chat: { id: 123456789, type: 'private', first_name: 'Ann' }, date: 1700000000, text: 'Hello' },
  run: (ctx): Promise<TelegramMessage> => {
    const { config } = ctx;
    return callTelegram<TelegramMessage>(ctx, config.baseUrl, 'sendMessage', {
      chat_id: config.chatId,
      text: config.text,
      parse_mode: config.parseMode,
      disable_notification: config.disableNotification,
    });
  },
});
