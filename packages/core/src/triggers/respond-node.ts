import { z } from 'zod';
import { defineNode } from '../registry/node-definition';

export const respondConfigSchema = z.object({
  status: z.number().int().min(100).max(599).default(200),
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'Expected an HTTP header name'), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  /** A string is sent as is; anything else as JSON. */
  body: z.unknown().optional(),
});

export type RespondOutput = z.infer<typeof respondConfigSchema>;

/**
 * The answer to the webhook request that started the run, for a webhook trigger with
 * `respond: { mode: 'respondNode' }`. The run goes on after it.
 */
export const respondNode = defineNode({
  type: 'core.respond',
  version: 1,
  title: 'Respond to webhook',
  description: 'Sends the HTTP response of a synchronous webhook.',
  category: 'Triggers',
  icon: 'reply',
  configSchema: respondConfigSchema,
  sideEffects: false,
  run: ({ config }) => config,
});
