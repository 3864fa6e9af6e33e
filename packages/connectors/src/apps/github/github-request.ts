import { FatalError, parseRetryAfter, RetryAfterError } from '@pipewright/core';
import { httpRequest, type HttpContext, type HttpRequest, type HttpResponse } from '../../sdk/http-request';

export const githubDefaultBaseUrl = 'https://api.github.com';

/**
 * The headers GitHub's REST API asks every request to carry: its media type, a pinned
 * API version (so a new default version cannot change the shapes we read), and a
 * User-Agent, without which GitHub answers 403.
 */
export const githubHeaders: Readonly<Record<string, string>> = {
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'pipewright',
};

/** `baseUrl` + `path`, keeping a GitHub Enterprise prefix such as `/api/v3`. */
export function githubUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * A GitHub rate limit answered as 403, which the generic request would treat as fatal:
 * a secondary limit sends `retry-after` (seconds), the primary limit sends
 * `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds).
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
 */
function rateLimitWait(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) return parseRetryAfter(retryAfter, now);
  const reset = Number(headers.get('x-ratelimit-reset') ?? Number.NaN);
  if (headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
  return undefined;
}

function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const message = (body as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * `httpRequest` with GitHub's headers, and its 403 rate limits turned into a wait: a
 * 403 that is not a rate limit (missing scope, blocked) stays fatal.
 */
export async function githubRequest<Body>(ctx: HttpContext, request: HttpRequest): Promise<HttpResponse<Body>> {
  const response = await httpRequest<Body>(ctx, {
    // GitHub does not document Idempotency-Key; an unknown header is not worth the risk.
    idempotencyHeader: false,
    ...request,
    headers: { ...githubHeaders, ...request.headers },
    okStatus: (status) => (status >= 200 && status < 300) || status === 403,
  });
  if (response.status !== 403) return response;
  const url = new URL(request.url);
  const message = `${request.method ?? 'GET'} ${url.origin}${url.pathname} answered 403${messageOf(response.body) ? `: ${messageOf(response.body)}` : ''}`;
  const details = { status: 403, body: JSON.stringify(response.body).slice(0, 500) };
  const waitMs = rateLimitWait(response.headers, Date.now());
  if (waitMs !== undefined) throw new RetryAfterError(waitMs, message, { details });
  throw new FatalError(message, { details });
}
