import type { StepConnection } from '@pipewright/core';
import { callTelegram, telegramDefaultBaseUrl } from './telegram-call';

/** Checks a bot token with `getMe`; Telegram answers 401 Unauthorized for a bad one. */
export async function testTelegramConnection(ctx: { connection: StepConnection; signal: AbortSignal }, baseUrl = telegramDefaultBaseUrl): Promise<void> {
  // getMe changes nothing: the idempotency key is never sent.
  await callTelegram({ connection: ctx.connection, signal: ctx.signal, idempotencyKey: 'telegram:getMe' }, baseUrl, 'getMe', {});
}
