import { defineNode, FatalError, standardWebhookHeaders } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest } from '../sdk/http-request';
import { httpUrlSchema } from './http-url';

export const webhookCallConfigSchema = z.object({
  /** Holds the `whsec_…` signing secret as its bearer token. */
  connection: z.string().min(1),
  url: httpUrlSchema,
  /** The event's name, e.g. `invoice.paid`; the body's `type`. */
  eventType: z.string().min(1).max(200),
  /** The event's data, any JSON. */
  payload: z.unknown(),
  /** The `webhook-id` receivers dedupe on; defaults to the step's idempotency key. */
  id: z.string().min(1).max(200).optional(),
});

export interface WebhookCallOutput {
  /** The `webhook-id` sent. */
  id: string;
  status: number;
  /** The receiver's answer, as text: receivers rarely promise JSON. */
  body: string;
}

/**
 * Sends a webhook signed under the Standard Webhooks scheme. The secret signs the body;
 * it is never sent, so the request goes out without the connection's bearer auth.
 */
export const webhookCallNode = defineNode({
  type: 'webhook.call',
  version: 1,
  title: 'Send signed webhook',
  description: 'POSTs an event to a URL, signed under the Standard Webhooks scheme.',
  category: 'Developer',
  icon: 'send',
  configSchema: webhookCallConfigSchema,
  sideEffects: true,
  sampleOutput: { id: 'run-1:send:0', status: 200, body: '' },
  run: async (ctx): Promise<WebhookCallOutput> => {
    const { config } = ctx;
    const credentials = ctx.connection?.credentials;
    if (credentials?.type !== 'bearer') throw new FatalError('webhook.call needs a connection holding the signing secret as its token');
    // The step's idempotency key is stable across retries: a retried delivery keeps its
    // webhook-id, which is what receivers dedupe on (Standard Webhooks, "Idempotency").
    const id = config.id ?? ctx.idempotencyKey;
    const now = Date.now();
    const body = JSON.stringify({ type: config.eventType, timestamp: new Date(now).toISOString(), data: config.payload ?? null });
    // Signed per attempt: the timestamp is the attempt's, so receivers' replay window holds.
    const headers = await standardWebhookHeaders(credentials.token, { id, timestamp: Math.floor(now / 1000), body });
    // No `connection` in the request's context: its bearer auth would send the secret itself.
    const response = await httpRequest<string>(
      { signal: ctx.signal, idempotencyKey: ctx.idempotencyKey },
      { method: 'POST', url: config.url, headers: { 'content-type': 'application/json', ...headers }, body, responseType: 'text', idempotencyHeader: false },
    );
    return { id, status: response.status, body: response.body };
  },
});
