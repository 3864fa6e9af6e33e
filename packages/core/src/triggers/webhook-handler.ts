import { z } from 'zod';
import { toPipewrightError } from '../errors/pipewright-error';
import { fromZodIssues } from '../model/validation-issue';
import type { TriggerRecord } from '../ports/run-store';
import type { ConnectorWebhook, WebhookDelivery } from '../registry/node-definition';
import { BodyTooLarge, readBody } from './read-body';
import { TokenBuckets } from './token-bucket';
import type { TriggersCore } from './triggers-core';
import { awaitRespondStep } from './await-respond';
import { problemDetails, problemErrors } from '../errors/problem-details';
import { checkPayloadPatterns, compilePayloadPatterns, type PayloadPatterns } from './payload-patterns';
import { verifyWebhook } from './webhook-auth/verify-webhook';
import { parseWebhookBody, UnreadableBody, webhookInput } from './webhook-payload';
import type { WebhookSecrets } from './webhook-secrets';
import { webhookTriggerConfigSchema, type WebhookTriggerConfig } from './webhook-trigger';

interface RouteConfig {
  config: WebhookTriggerConfig;
  /** A connector's webhook trigger: its hooks and its own parsed config. */
  hooks?: { webhook: ConnectorWebhook<Record<string, unknown>>; config: Record<string, unknown> };
}

function json(status: number, body: unknown): Response {
  return typeof body === 'string' ? new Response(body, { status, headers: { 'content-type': 'text/plain' } }) : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Errors of the ingress, as RFC 9457 problem details like the rest of the engine's HTTP answers. */
function problem(status: number, code: string, detail: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): Response {
  return problemDetails(status, code, titles[code] ?? code.replaceAll('_', ' '), detail, extra, headers);
}

const titles: Readonly<Record<string, string>> = {
  not_found: 'No webhook here',
  method_not_allowed: 'Method not allowed',
  rate_limited: 'Too many requests',
  payload_too_large: 'The body is too large',
  invalid_body: 'The body cannot be read',
  invalid_payload: 'The payload does not match the schema',
  replayed: 'Received before',
};

/** The webhook path is the last segment of the URL, wherever the host mounts the handler. */
function pathOf(url: URL): string {
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  return decodeURIComponent(segments[segments.length - 1] ?? '');
}

const pathPattern = /^wh_[0-9a-f-]{36}$/;

/**
 * Webhook ingress as a fetch handler (`Request → Response`) for the host to mount, e.g.
 * at `/hooks/*`. In order: the path's registration (404), method (405), rate (429),
 * size (413), signature, timestamp and headers (400/401), body and payload schema (400),
 * then one run per delivery id (a replayed id gets 400 and starts nothing) and 202 with
 * the run id, or the run's `core.respond` answer.
 */
export function createWebhookHandler(core: TriggersCore, secrets: WebhookSecrets): (request: Request) => Promise<Response> {
  const buckets = new TokenBuckets();
  const configs = new Map<string, { updatedAt: number; route: RouteConfig }>();
  const payloadSchemas = new Map<string, { structural: z.ZodType; patterns: PayloadPatterns }>();

  /**
   * The ingress settings of a registration, and for a connector's webhook trigger its
   * own config and hooks: its verification comes from the hooks, its other settings
   * (body limit, rate) from its config where it has them.
   */
  function configOf(record: TriggerRecord): RouteConfig {
    const cached = configs.get(record.path as string);
    if (cached && cached.updatedAt === record.updatedAt) return cached.route;
    const definition = core.registry.get(record.nodeType)?.definition;
    let route: RouteConfig;
    if (definition?.kind === 'trigger' && definition.webhook) {
      const own = definition.configSchema.parse(record.config) as Record<string, unknown>;
      const settings: Record<string, unknown> = { verify: definition.webhook.verify(own) };
      for (const key of ['maxBodyBytes', 'rateLimit', 'payloadSchema'] as const) if (own[key] !== undefined) settings[key] = own[key];
      if (definition.webhook.idempotencyHeader !== undefined) settings['idempotencyHeader'] = definition.webhook.idempotencyHeader;
      route = { config: webhookTriggerConfigSchema.parse(settings), hooks: { webhook: definition.webhook, config: own } };
    } else {
      route = { config: webhookTriggerConfigSchema.parse(record.config) };
    }
    if (configs.size > 10_000) configs.clear();
    configs.set(record.path as string, { updatedAt: record.updatedAt, route });
    return route;
  }

  /**
   * zod checks the structure of a payload schema without its `pattern`s (its `RegExp`
   * backtracks: a ReDoS for anyone who can reach the URL); the patterns run on RE2.
   */
  function payloadSchemaOf(schema: Record<string, unknown>): { structural: z.ZodType; patterns: PayloadPatterns } {
    const key = JSON.stringify(schema);
    let validator = payloadSchemas.get(key);
    if (validator === undefined) {
      const patterns = compilePayloadPatterns(schema);
      validator = { structural: z.fromJSONSchema(patterns.structural as Parameters<typeof z.fromJSONSchema>[0]), patterns };
      if (payloadSchemas.size > 1_000) payloadSchemas.clear();
      payloadSchemas.set(key, validator);
    }
    return validator;
  }

  return async function handleWebhook(request: Request): Promise<Response> {
    try {
      const url = new URL(request.url);
      const path = pathOf(url);
      const record = pathPattern.test(path) ? await core.routes.lookup(path) : undefined;
      if (!record || record.kind !== 'webhook') return problem(404, 'not_found', 'No webhook here');
      const { config, hooks } = configOf(record);
      if (!config.methods.includes(request.method as WebhookTriggerConfig['methods'][number])) {
        return problem(405, 'method_not_allowed', `Use ${config.methods.join(', ')}`, { allow: config.methods.join(', ') });
      }
      const now = core.clock.now();
      if (config.rateLimit !== false) {
        const waitMs = buckets.take(path, config.rateLimit, now);
        if (waitMs > 0) return problem(429, 'rate_limited', 'Too many requests', { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
      }
      let raw: Uint8Array;
      try {
        raw = await readBody(request, config.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) return problem(413, 'payload_too_large', `The body is over ${config.maxBodyBytes} bytes`);
        throw error;
      }
      const { secrets: secretIds, ...verification } = config.verify;
      const fromCache = secrets.allCached(record.tenantId, secretIds);
      const keys = verification.scheme === 'none' ? [] : await secrets.secretsFor(record.tenantId, secretIds);
      let verdict = await verifyWebhook(verification, { headers: request.headers, body: raw }, keys, now);
      // Cached secrets may predate a rotation on another worker: check once more with fresh ones.
      if (!verdict.ok && keys.length > 0 && fromCache) {
        verdict = await verifyWebhook(verification, { headers: request.headers, body: raw }, await secrets.secretsFor(record.tenantId, secretIds, { fresh: true }), now);
      }
      if (!verdict.ok) return problem(verdict.status, verdict.reason, 'The request could not be verified');

      let body: unknown;
      try {
        body = parseWebhookBody(request.headers.get('content-type'), raw);
      } catch (error) {
        if (error instanceof UnreadableBody) return problem(400, 'invalid_body', error.message);
        throw error;
      }
      if (config.payloadSchema !== undefined) {
        const { structural, patterns } = payloadSchemaOf(config.payloadSchema);
        const checked = structural.safeParse(body);
        // Patterns apply to string values only, so they are checked on any body, and the answer lists every issue.
        const issues = [...(checked.success ? [] : fromZodIssues(checked.error.issues)), ...checkPayloadPatterns(patterns, body)];
        if (issues.length > 0) {
          return problem(400, 'invalid_payload', 'The payload does not match the schema', {}, { errors: problemErrors(issues) });
        }
      }
      const deliveryId = verdict.eventId ?? (config.idempotencyHeader === undefined ? undefined : (request.headers.get(config.idempotencyHeader) ?? undefined));
      const start: { triggerNodeId: string; idempotencyKey?: string } = { triggerNodeId: record.nodeId };
      if (deliveryId !== undefined) start.idempotencyKey = `webhook:${record.workflowId}:${record.nodeId}:${deliveryId}`;
      // A generic HMAC scheme's signature header is left out of the input like the known ones.
      let input: unknown = webhookInput(request, url, body, verification.scheme === 'hmacSha256' ? verification.header.toLowerCase() : undefined);
      if (hooks) {
        const decision = hooks.webhook.receive(input as WebhookDelivery, hooks.config);
        if ('respond' in decision) return json(decision.respond.status, decision.respond.body);
        if ('ignore' in decision) return json(202, { ignored: true });
        input = decision.run;
        if (decision.idempotencyKey !== undefined && start.idempotencyKey === undefined) start.idempotencyKey = `webhook:${record.workflowId}:${record.nodeId}:${decision.idempotencyKey}`;
      }
      const result = await core.startRun(record.tenantId, { versionId: record.versionId }, input, start);
      // The first delivery's run stands; a replay of its id starts nothing.
      if (!result.created && result.deferred === undefined) return problem(400, 'replayed', 'This delivery was received before');
      if (config.respond.mode === 'respondNode') return await awaitRespondStep(core, record, result.runId, config.respond.timeoutMs);
      return new Response(JSON.stringify({ runId: result.runId }), { status: 202, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      const failure = toPipewrightError(error);
      core.logger.error('Webhook ingress failed', { code: failure.code, error: failure.message });
      return problem(failure.code === 'payload_too_large' ? 413 : failure.code === 'invalid_input' ? 400 : 500, failure.code, failure.code === 'internal' ? 'The webhook could not be taken' : failure.message);
    }
  };
}
