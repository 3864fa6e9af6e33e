import { defineConnector } from '@pipewright/core';
import { openaiChatCompletionNode } from './chat-completion';

export { openaiChatCompletionConfigSchema, openaiChatCompletionNode, type OpenaiChatCompletionOutput } from './chat-completion';

/**
 * OpenAI and OpenAI-compatible servers: the API key goes in `Authorization: Bearer`,
 * and each action's `baseUrl` points at another server (a local one takes any token).
 */
export const openaiConnector = defineConnector({
  id: 'openai',
  name: 'OpenAI',
  description: 'Chat completions from OpenAI or any OpenAI-compatible server.',
  icon: 'sparkles',
  auth: { type: 'bearer' },
  nodes: [openaiChatCompletionNode],
  triggers: [],
});
