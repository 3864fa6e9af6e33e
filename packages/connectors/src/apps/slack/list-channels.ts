import { defineNode } from '@pipewright/core';
import { z } from 'zod';
import { callSlack, slackDefaultBaseUrl, type SlackEnvelope } from './slack-call';

export const slackListChannelsConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default(slackDefaultBaseUrl),
  types: z
    .array(z.enum(['public_channel', 'private_channel', 'mpim', 'im']))
    .min(1)
    .default(['public_channel']),
  excludeArchived: z.boolean().default(false),
  /** Channels per page; Slack allows up to 1,000 and recommends no more than 200. */
  limit: z.number().int().min(1).max(1_000).default(200),
  /** Where to go on from: the `nextCursor` of an earlier listing. */
  cursor: z.string().min(1).optional(),
  /** Pages fetched at most in one step, so a huge workspace cannot hold the step forever. */
  maxPages: z.number().int().min(1).max(100).default(10),
});

export interface SlackListChannelsOutput {
  channels: Array<Record<string, unknown>>;
  /** Set when `maxPages` stopped the listing early: pass it as `cursor` to go on. */
  nextCursor: string | null;
}

interface ListAnswer extends SlackEnvelope {
  channels: Array<Record<string, unknown>>;
}

/** Lists the workspace's conversations (`conversations.list`), following Slack's cursors. */
export const slackListChannelsNode = defineNode({
  type: 'slack.listChannels',
  version: 1,
  title: 'List channels',
  description: 'Lists the channels of the Slack workspace that the bot can see.',
  category: 'Slack',
  icon: 'slack',
  configSchema: slackListChannelsConfigSchema,
  sideEffects: false,
  sampleOutput: { channels: [{ id: 'C012AB3CD', name: 'general', is_channel: true, is_private: false, is_archived: false, num_members: 4 }], nextCursor: null },
  run: async (ctx): Promise<SlackListChannelsOutput> => {
    const { config } = ctx;
    const channels: Array<Record<string, unknown>> = [];
    let cursor = config.cursor;
    for (let page = 0; page < config.maxPages; page++) {
      const answer = await callSlack<ListAnswer>(ctx, {
        baseUrl: config.baseUrl,
        method: 'conversations.list',
        httpMethod: 'GET',
        query: { limit: config.limit, types: config.types.join(','), exclude_archived: config.excludeArchived, cursor },
      });
      channels.push(...answer.channels);
      // Slack marks the last page with an empty (or absent) next_cursor.
      cursor = answer.response_metadata?.next_cursor || undefined;
      if (cursor === undefined) return { channels, nextCursor: null };
    }
    return { channels, nextCursor: cursor ?? null };
  },
});
