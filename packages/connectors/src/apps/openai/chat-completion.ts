import { defineNode, FatalError, RetryableError, RetryAfterError } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest } from '../../sdk/http-request';
import { rateLimitWaitMs } from './rate-limit-wait';

export const openaiChatCompletionConfigSchema = z.object({
  connection: z.string().min(1),
  /** OpenAI's API, or any OpenAI-compatible server (`http://localhost:11434/v1` for Ollama, vLLM, LM Studio). */
  baseUrl: z.string().url().default('https://api.openai.com/v1'),
  model: z.string().min(1),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant']),
        content: z.string(),
      }),
    )
    .min(1),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
  /** Also return the whole response as `raw`, e.g. for `system_fingerprint` or `logprobs`. */
  includeRaw: z.boolean().default(false),
});

const chatCompletionSchema = z.object({
  id: z.string(),
  model: z.string(),
  choices: z
    .array(
      z.object({
        index: z.number(),
        // `content` is null when the model answered with tool calls or a refusal.
        message: z.looseObject({ role: z.string(), content: z.string().nullable() }),
        finish_reason: z.string().nullable(),
      }),
    )
    .min(1),
  // Some compatible servers leave usage out, e.g. when streaming is off by default elsewhere.
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }).optional(),
});

export interface OpenaiChatCompletionOutput {
  /** The first choice's text; empty when the model answered without text. */
  content: string;
  message: { role: string; content: string | null };
  finishReason: string | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  raw?: unknown;
}

interface OpenaiErrorBody {
  error?: { message?: string; type?: string; code?: string | null };
}

/**
 * A 429 means two things at OpenAI: a rate limit (wait for the window to reset) or an
 * exhausted quota (`insufficient_quota`), which no retry fixes until someone pays.
 */
function rateLimitError(headers: Headers, body: unknown): Error {
  const error = (body as OpenaiErrorBody | null)?.error;
  const message = `OpenAI answered 429: ${error?.message ?? 'rate limited'}`;
  const details = { status: 429, type: error?.type, code: error?.code };
  if (error?.code === 'insufficient_quota') return new FatalError(message, { details });
  const waitMs = rateLimitWaitMs(headers, Date.now());
  return waitMs === undefined ? new RetryableError(message, { details }) : new RetryAfterError(waitMs, message, { details });
}

/** Asks a chat model for the next message of a conversation (POST /chat/completions). */
export const openaiChatCompletionNode = defineNode({
  type: 'openai.chatCompletion',
  version: 1,
  title: 'Chat completion',
  description: 'Asks an OpenAI (or OpenAI-compatible) chat model for a reply.',
  category: 'AI',
  icon: 'sparkles',
  configSchema: openaiChatCompletionConfigSchema,
  // Not idempotent and billed per call: a dry run must not spend tokens.
  sideEffects: true,
  sampleOutput: {
    content: 'Hello! How can I help you today?',
    message: { role: 'assistant', content: 'Hello! How can I help you today?' },
    finishReason: 'stop',
    usage: { promptTokens: 9, completionTokens: 9, totalTokens: 18 },
  } satisfies OpenaiChatCompletionOutput,
  run: async (ctx): Promise<OpenaiChatCompletionOutput> => {
    const { config } = ctx;
    const { status, headers, body } = await httpRequest(ctx, {
      method: 'POST',
      url: `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      json: {
        model: config.model,
        messages: config.messages,
        ...(config.temperature === undefined ? {} : { temperature: config.temperature }),
        ...(config.maxTokens === undefined ? {} : { max_tokens: config.maxTokens }),
      },
      // OpenAI ignores it, but some compatible servers and proxies reject unknown headers.
      idempotencyHeader: false,
      // 429 is read here, not in httpRequest: its wait is in OpenAI's own headers and its body tells a quota from a rate limit.
      okStatus: (code) => (code >= 200 && code < 300) || code === 429,
    });
    if (status === 429) throw rateLimitError(headers, body);
    const parsed = chatCompletionSchema.safeParse(body);
    if (!parsed.success) {
      throw new FatalError('The chat completion response has an unexpected shape', { details: { issues: parsed.error.issues.map((issue) => issue.path.join('.')) } });
    }
    // `min(1)` above guarantees a first choice.
    const choice = parsed.data.choices[0]!;
    const usage = parsed.data.usage;
    const output: OpenaiChatCompletionOutput = {
      content: choice.message.content ?? '',
      message: { role: choice.message.role, content: choice.message.content },
      finishReason: choice.finish_reason,
      usage: usage ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens } : null,
    };
    return config.includeRaw ? { ...output, raw: body } : output;
  },
});
