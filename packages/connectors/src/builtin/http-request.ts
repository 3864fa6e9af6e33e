import { defineNode, FatalError, RetryableError, type NodeContext } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest, type HttpRequest } from '../sdk/http-request';
import { httpUrlSchema } from './http-url';

export const httpRequestBodySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('json'), value: z.unknown() }),
  z.object({ type: z.literal('form'), fields: z.record(z.string(), z.string()) }),
  z.object({ type: z.literal('raw'), text: z.string(), contentType: z.string().min(1).max(200) }),
]);

export const httpRequestConfigSchema = z
  .object({
    url: httpUrlSchema,
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    /** Added to the URL's query string. */
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    headers: z.record(z.string(), z.string()).default({}),
    body: httpRequestBodySchema.default({ type: 'none' }),
    /** `json` fails the step when the answer is not JSON; `text` returns it as is. */
    responseType: z.enum(['json', 'text']).default('json'),
    /** A connection of any connector: its own auth (bearer, API key, OAuth2, ...) is applied. */
    connection: z.string().min(1).optional(),
    /** Aborts the request after this long (the step's own timeout still applies). */
    timeoutMs: z.number().int().positive().max(15 * 60_000).optional(),
    /** `false`: a 4xx/5xx answer is the step's output instead of a failure. */
    failOnStatus: z.boolean().default(true),
  })
  .superRefine((config, issues) => {
    // fetch refuses a body on GET and HEAD; saying so at compile time beats a run-time TypeError.
    if ((config.method === 'GET' || config.method === 'HEAD') && config.body.type !== 'none') {
      issues.addIssue({ code: 'custom', path: ['body'], message: `A ${config.method} request cannot have a body` });
    }
  });

export type HttpRequestConfig = z.output<typeof httpRequestConfigSchema>;

export interface HttpRequestOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The body for httpRequest; a raw body's content type goes into `headers` unless one is set there. */
function bodyOf(body: HttpRequestConfig['body'], headers: Record<string, string>): Pick<HttpRequest, 'json' | 'form' | 'body'> {
  switch (body.type) {
    case 'none':
      return {};
    case 'json':
      // `undefined` would mean "no body" to httpRequest; an explicit JSON body is sent as `null`.
      return { json: body.value ?? null };
    case 'form':
      return { form: body.fields };
    case 'raw':
      if (!hasHeader(headers, 'content-type')) headers['content-type'] = body.contentType;
      return { body: body.text };
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/**
 * The body as the config asked for it. A non-JSON error page is returned as text when
 * `failOnStatus` is off, since the caller asked to see failed answers; a non-JSON
 * success where JSON was promised fails, as it usually means a login page or a proxy.
 */
function readBody(text: string, status: number, config: HttpRequestConfig): unknown {
  if (config.responseType === 'text') return text;
  if (config.method === 'HEAD' || status === 204 || text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (status < 200 || status >= 300) return text;
    const url = new URL(config.url);
    const what = /^\s*</.test(text) ? 'HTML' : 'text that is not JSON';
    throw new FatalError(`${config.method} ${url.origin}${url.pathname} answered ${what} where JSON was expected (set responseType to "text" to read it as text)`, {
      details: { status, body: text.slice(0, 500) },
    });
  }
}

async function send(ctx: NodeContext<HttpRequestConfig>): Promise<HttpRequestOutput> {
  const { config } = ctx;
  const headers = { ...config.headers };
  if (config.responseType === 'json' && !hasHeader(headers, 'accept')) headers['accept'] = 'application/json';
  const body = bodyOf(config.body, headers);
  const timeout = config.timeoutMs === undefined ? undefined : AbortSignal.timeout(config.timeoutMs);
  const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
  try {
    // Read as text and parse here: with failOnStatus off an error page must not fail the step.
    const response = await httpRequest<string>(
      { signal, idempotencyKey: ctx.idempotencyKey, fetch: ctx.fetch, ...(ctx.connection ? { connection: ctx.connection } : {}) },
      {
        method: config.method,
        url: config.url,
        query: config.query,
        headers,
        ...body,
        responseType: 'text',
        ...(config.failOnStatus ? {} : { okStatus: () => true }),
      },
    );
    return { status: response.status, headers: Object.fromEntries(response.headers), body: readBody(response.body, response.status, config) };
  } catch (error) {
    if (timeout?.aborted && !ctx.signal.aborted) {
      const url = new URL(config.url);
      throw new RetryableError(`${config.method} ${url.origin}${url.pathname} timed out after ${config.timeoutMs} ms`, { cause: error });
    }
    throw error;
  }
}

/**
 * Calls any HTTP API. With a connection (of any connector) the connection's auth is
 * applied, so a service without its own connector can still be called with stored,
 * redacted credentials.
 */
export const httpRequestNode = defineNode({
  type: 'http.request',
  version: 1,
  title: 'HTTP request',
  description: 'Calls an HTTP API and returns its status, headers and body.',
  category: 'Developer',
  icon: 'globe',
  configSchema: httpRequestConfigSchema,
  sideEffects: true,
  anyConnection: true,
  sampleOutput: { status: 200, headers: { 'content-type': 'application/json' }, body: { ok: true } },
  // One failing host must not open the circuit (or spend the rate limit) of every other host.
  flowKey: (config) => `http:${new URL(config.url).host}`,
  run: send,
});
