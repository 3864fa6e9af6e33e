import type { StepConnection } from '@pipewright/core';
import { httpRequest } from '../../sdk/http-request';
import { webhookOf } from './webhook-url';
import { withoutSecret } from '../../sdk/without-secret';

/**
 * Checks a webhook URL by reading the webhook (GET on its URL); Discord answers 404
 * `Unknown Webhook` for a deleted one. The answer holds the token: it is not kept.
 */
export async function testDiscordConnection(ctx: { connection: StepConnection; signal: AbortSignal }): Promise<void> {
  const webhook = webhookOf(ctx);
  try {
    await httpRequest({ signal: ctx.signal, idempotencyKey: 'discord:getWebhook' }, { url: webhook.url.href });
  } catch (error) {
    throw withoutSecret(error, webhook.token);
  }
}
