import { z } from 'zod';
import { defineTrigger } from '../registry/node-definition';
import { payloadPatternIssues } from './payload-patterns';
import { webhookVerificationSchema } from './webhook-auth/verification-scheme';

export const webhookResponseModeSchema = z.discriminatedUnion('mode', [
  /** 202 with the run id as soon as the run is stored. */
  z.object({ mode: z.literal('accepted') }),
  /** Waits for the run's `core.respond` step and answers with its status, headers and body (504 after `timeoutMs`). */
  z.object({ mode: z.literal('respondNode'), timeoutMs: z.number().int().min(100).max(300_000).default(30_000) }),
]);

export const webhookTriggerConfigSchema = z.object({
  /**
   * How a request proves it comes from the sender. `none` must be chosen explicitly.
   * `secrets` are connection ids whose API key or token is the signing secret; during a
   * rotation list both, and a request signed with either is accepted.
   */
  verify: z.intersection(webhookVerificationSchema, z.object({ secrets: z.array(z.string().min(1)).max(10).default([]) })),
  methods: z.array(z.enum(['POST', 'PUT', 'PATCH', 'GET'])).min(1).default(['POST']),
  /** Larger bodies are refused with 413 before they are read to the end. */
  maxBodyBytes: z.number().int().min(1).max(16 * 1024 * 1024).default(1024 * 1024),
  /**
   * JSON Schema the parsed body must match (400 with the failing path otherwise). Its
   * `pattern`s run on RE2 (linear time, no lookarounds or backreferences), under
   * properties, items, prefixItems, additionalProperties, allOf and $ref only.
   */
  payloadSchema: z.record(z.string(), z.unknown()).optional(),
  /** Requests per path over this rate get 429 with Retry-After (token bucket per worker process). */
  rateLimit: z.union([z.literal(false), z.object({ requests: z.number().int().min(1).max(1_000_000), perMs: z.number().int().min(1).max(3_600_000) })]).default({ requests: 100, perMs: 1_000 }),
  respond: webhookResponseModeSchema.default({ mode: 'accepted' }),
  /** A header whose value dedupes deliveries when the scheme has no id of its own (e.g. `x-github-delivery`, `idempotency-key`). */
  idempotencyHeader: z.string().min(1).max(100).optional(),
  /** Input used by dry runs and shown in the builder. */
  sampleInput: z.unknown().optional(),
}).superRefine((config, ctx) => {
  if (config.verify.scheme !== 'none' && config.verify.secrets.length === 0) {
    ctx.addIssue({ code: 'custom', message: `The ${config.verify.scheme} scheme needs at least one secret (a connection id)`, path: ['verify', 'secrets'] });
  }
  // Refused when the workflow is saved, rather than at the first delivery.
  if (config.payloadSchema !== undefined) {
    for (const issue of payloadPatternIssues(config.payloadSchema)) ctx.addIssue({ code: 'custom', message: issue.message, path: ['payloadSchema', ...issue.path] });
  }
});

export type WebhookTriggerConfig = z.infer<typeof webhookTriggerConfigSchema>;

/**
 * Starts a run for each verified HTTP request to the workflow's webhook path. The
 * trigger output (`trigger` in expressions) is `{ body, headers, query, method }`.
 */
export const webhookTrigger = defineTrigger({
  type: 'core.webhook',
  version: 1,
  title: 'Webhook',
  description: 'Starts a run when a signed HTTP request arrives at the workflow’s webhook URL.',
  category: 'Triggers',
  icon: 'webhook',
  source: 'webhook',
  configSchema: webhookTriggerConfigSchema,
  sideEffects: false,
});
