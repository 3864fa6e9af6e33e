import { FatalError, parseRetryAfter, RetryableError, RetryAfterError } from '@pipewright/core';
import { httpRequest, type HttpContext } from '../../sdk/http-request';

/** Slack's Web API; tests and Enterprise Grid proxies override it per action. */
export const slackDefaultBaseUrl = 'https://slack.com/api';

/** The envelope of every Web API answer: `ok`, and on failure Slack's own error code. */
export interface SlackEnvelope {
  ok: boolean;
  error?: string;
  needed?: string;
  provided?: string;
  warning?: string;
  response_metadata?: { next_cursor?: string; warnings?: string[]; messages?: string[] };
}

/** Error codes Slack documents as transient: another attempt may succeed. */
const transientErrors = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

export interface SlackCall {
  baseUrl: string;
  /** The Web API method, e.g. `chat.postMessage`. */
  method: string;
  httpMethod: 'GET' | 'POST';
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  json?: unknown;
}

/**
 * One Web API call. Slack answers most failures with HTTP 200 and `{ ok: false, error }`,
 * so a 2xx is not a success until `ok` says so; HTTP-level failures (429 with
 * Retry-After, 5xx) are classified by `httpRequest`.
 */
export async function callSlack<Body extends SlackEnvelope>(ctx: HttpContext, call: SlackCall): Promise<Body> {
  const response = await httpRequest<Body | null>(ctx, {
    method: call.httpMethod,
    url: `${call.baseUrl.replace(/\/+$/, '')}/${call.method}`,
    ...(call.query ? { query: call.query } : {}),
    // Slack warns (`missing_charset`) about JSON bodies posted without a charset.
    ...(call.json !== undefined ? { json: call.json, headers: { 'content-type': 'application/json; charset=utf-8' } } : {}),
    // Slack has no idempotency keys; the header would only be noise in its logs.
    idempotencyHeader: false,
  });
  const body = response.body;
  if (body === null || typeof body !== 'object' || typeof body.ok !== 'boolean') {
    throw new FatalError(`Slack ${call.method} answered without the "ok" field of its Web API`, { details: { status: response.status } });
  }
  if (body.ok) return body;
  const code = body.error ?? 'unknown_error';
  const message = `Slack ${call.method} failed: ${code}`;
  const details = { status: response.status, error: code, ...(body.needed ? { needed: body.needed, provided: body.provided } : {}), ...(body.response_metadata?.messages ? { messages: body.response_metadata.messages } : {}) };
  if (transientErrors.has(code)) {
    const retryAfter = response.headers.get('retry-after');
    const waitMs = retryAfter === null ? undefined : parseRetryAfter(retryAfter, Date.now());
    throw waitMs === undefined ? new RetryableError(message, { details }) : new RetryAfterError(waitMs, message, { details });
  }
  throw new FatalError(message, { details });
}
