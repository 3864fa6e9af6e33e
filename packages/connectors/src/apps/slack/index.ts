import { defineConnector } from '@pipewright/core';
import { testSlackConnection } from './auth-test';
import { slackListChannelsNode } from './list-channels';
import { slackOnEventTrigger } from './on-event';
import { slackPostMessageNode } from './post-message';

export { slackPostMessageNode, slackPostMessageConfigSchema, type SlackPostMessageOutput } from './post-message';
export { slackListChannelsNode, slackListChannelsConfigSchema, type SlackListChannelsOutput } from './list-channels';
export { slackOnEventTrigger, slackOnEventConfigSchema, type SlackEventInput } from './on-event';

/** Slack through a bot token (`xoxb-…`) sent as `Authorization: Bearer`. */
export const slackConnector = defineConnector({
  id: 'slack',
  name: 'Slack',
  description: 'Post messages and list channels in a Slack workspace with a bot token.',
  icon: 'slack',
  auth: { type: 'bearer' },
  nodes: [slackPostMessageNode, slackListChannelsNode],
  triggers: [slackOnEventTrigger],
  // Slack allows about one chat.postMessage per second per channel, bursts aside.
  rateLimit: { requests: 1, perMs: 1_000 },
  testConnection: (ctx) => testSlackConnection(ctx),
});
