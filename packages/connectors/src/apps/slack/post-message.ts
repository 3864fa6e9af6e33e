import { defineNode } from '@pipewright/core';
import { z } from 'zod';
import { callSlack, slackDefaultBaseUrl, type SlackEnvelope } from './slack-call';

export const slackPostMessageConfigSchema = z
  .object({
    connection: z.string().min(1),
    baseUrl: z.string().url().default(slackDefaultBaseUrl),
    /** A channel id (`C0123456789`), a user id for a DM, or a `#name`. */
    channel: z.string().min(1),
    /** With `blocks`, the fallback shown in notifications; Slack truncates past 40,000 characters. */
    text: z.string().min(1).max(40_000).optional(),
    /** Block Kit blocks; Slack accepts up to 50 per message. */
    blocks: z.array(z.record(z.string(), z.unknown())).min(1).max(50).optional(),
    /** The `ts` of the parent message, to reply in its thread. */
    threadTs: z.string().min(1).optional(),
  })
  // Slack rejects a message with neither (`no_text`): say so before the run.
  .refine((config) => config.text !== undefined || config.blocks !== undefined, { message: 'Give text, blocks, or both', path: ['text'] });

export interface SlackPostMessageOutput {
  channel: string;
  /** The message's id within its channel; the `threadTs` of replies to it. */
  ts: string;
  message: Record<string, unknown>;
}

interface PostMessageAnswer extends SlackEnvelope {
  channel: string;
  ts: string;
  message: Record<string, unknown>;
}

/** Posts a message to a Slack channel, DM or thread (`chat.postMessage`). */
export const slackPostMessageNode = defineNode({
  type: 'slack.postMessage',
  version: 1,
  title: 'Post message',
  description: 'Posts a message to a Slack channel, direct message or thread.',
  category: 'Slack',
  icon: 'slack',
  configSchema: slackPostMessageConfigSchema,
  sideEffects: true,
  sampleOutput: { channel: 'C0123456789', ts: '1503435956.000247', message: { type: 'message', text: 'Hello', bot_id: 'B0123456789', ts: '1503435956.000247' } },
  run: async (ctx): Promise<SlackPostMessageOutput> => {
    const { config } = ctx;
    const answer = await callSlack<PostMessageAnswer>(ctx, {
      baseUrl: config.baseUrl,
      method: 'chat.postMessage',
      httpMethod: 'POST',
      json: { channel: config.channel, text: config.text, blocks: config.blocks, thread_ts: config.threadTs },
    });
    return { channel: answer.channel, ts: answer.ts, message: answer.message };
  },
});
