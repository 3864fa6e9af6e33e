import { defineNode, FatalError, PipewrightError, RetryAfterError } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest } from '../../sdk/http-request';
import { webhookOf } from './webhook-url';
import { withoutSecret } from '../../sdk/without-secret';

export const discordSendWebhookMessageConfigSchema = z
  .object({
    connection: z.string().min(1),
    /** Discord's limit is 2,000 characters. */
    content: z.string().min(1).max(2_000).optional(),
    /** Overrides the webhook's default name for this message. */
    username: z.string().min(1).max(80).optional(),
    avatarUrl: z.string().url().optional(),
    /** Rich embeds; Discord accepts up to 10 per message. */
    embeds: z.array(z.record(z.string(), z.unknown())).min(1).max(10).optional(),
    /** Mentions that may ping (`@everyone`, roles, users); none unless listed. */
    allowedMentions: z.array(z.enum(['roles', 'users', 'everyone'])).default([]),
    /** Posts into this thread of the webhook's forum or text channel. */
    threadId: z.string().regex(/^\d+$/).optional(),
  })
  // Discord rejects an empty message (50006): say so before the run.
  .refine((config) => config.content !== undefined || config.embeds !== undefined, { message: 'Give content, embeds, or both', path: ['content'] });

/** The Message object Discord answers with `?wait=true`. */
export interface DiscordMessage {
  id: string;
  channel_id: string;
  content: string;
  timestamp: string;
  [field: string]: unknown;
}

/** Discord's error body: `{ code, message, errors? }`, or `{ retry_after, global }` on a 429. */
interface DiscordFailure {
  code?: number;
  message?: string;
  errors?: unknown;
  retry_after?: number;
  global?: boolean;
}

function failureOf(error: PipewrightError): DiscordFailure | undefined {
  const body = error.details['body'];
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as DiscordFailure) : undefined;
  } catch {
    return undefined;
  }
}

/** Discord's own account of a failure; its 429 body says the wait to the millisecond, the header only in seconds. */
function discordError(error: PipewrightError, webhookId: string): unknown {
  const failure = failureOf(error);
  const status = error.details['status'];
  if (!failure || typeof status !== 'number') return error;
  const details = { status, ...(failure.code !== undefined ? { code: failure.code } : {}), ...(failure.errors !== undefined ? { errors: failure.errors } : {}), ...(failure.global !== undefined ? { global: failure.global } : {}) };
  const message = `Discord webhook ${webhookId} answered ${status}: ${failure.message ?? 'no message'}${failure.code !== undefined ? ` (code ${failure.code})` : ''}`;
  if (status === 429 && typeof failure.retry_after === 'number') return new RetryAfterError(Math.ceil(failure.retry_after * 1000), message, { details });
  if (error.code === 'fatal') return new FatalError(message, { details });
  return error;
}

/** Posts a message through a Discord incoming webhook. */
export const discordSendWebhookMessageNode = defineNode({
  type: 'discord.sendWebhookMessage',
  version: 1,
  title: 'Send webhook message',
  description: "Posts a message to a Discord channel through the channel's incoming webhook.",
  category: 'Discord',
  icon: 'discord',
  configSchema: discordSendWebhookMessageConfigSchema,
  sideEffects: true,
  sampleOutput: { id: '1180000000000000000', type: 0, channel_id: '1170000000000000000', content: 'Deploy done', timestamp: '2024-01-01T12:00:00.000000+00:00', webhook_id: '123', author: { id: '123', username: 'Pipewright', bot: true } },
  run: async (ctx): Promise<DiscordMessage> => {
    const { config } = ctx;
    const webhook = webhookOf(ctx);
    try {
      const response = await httpRequest<DiscordMessage | null>(
        // No connection: its auth would send the webhook URL as an Authorization header.
        { signal: ctx.signal, idempotencyKey: ctx.idempotencyKey },
        {
          method: 'POST',
          url: webhook.url.href,
          // wait=true: Discord answers 200 with the message instead of an empty 204.
          query: { wait: true, thread_id: config.threadId },
          json: {
            content: config.content,
            username: config.username,
            avatar_url: config.avatarUrl,
            embeds: config.embeds,
            allowed_mentions: { parse: config.allowedMentions },
          },
          // Discord's API rejects no unknown headers, but has no idempotency keys either.
          idempotencyHeader: false,
        },
      );
      if (response.body === null) throw new FatalError(`Discord webhook ${webhook.id} answered ${response.status} without the message`, { details: { status: response.status } });
      return response.body;
    } catch (error) {
      throw withoutSecret(PipewrightError.is(error) ? discordError(error, webhook.id) : error, webhook.token);
    }
  },
});
