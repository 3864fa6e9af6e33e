import { FatalError, parseRetryAfter, RetryableError, RetryAfterError, type NodeContext } from '@pipewright/core';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
  method?: HttpMethod;
  /** Absolute URL. */
  url: string;
  /** Added to the URL's query; undefined values are left out. */
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  headers?: Readonly<Record<string, string>>;
  /** A JSON body (sets `content-type: application/json`). */
  json?: unknown;
  /** A form body (`application/x-www-form-urlencoded`). */
  form?: Readonly<Record<string, string>>;
  /** A raw body; set its content type in `headers`. */
  body?: string | Uint8Array;
  /** How to read the response; `json` (default) fails on a body that is not JSON. */
  responseType?: 'json' | 'text' | 'binary';
  /** Larger responses fail the step (default 10 MiB). */
  maxResponseBytes?: number;
  /**
   * Sends the step's `idempotencyKey` (stable across retries) in this header on methods
   * other than GET and HEAD: `true` (default) means `Idempotency-Key`, `false` none.
   */
  idempotencyHeader?: boolean | string;
  /** Statuses that are not errors; 2xx by default. */
  okStatus?: (status: number) => boolean;
}

export interface HttpResponse<Body = unknown> {
  status: number;
  headers: Headers;
  body: Body;
}

/**
 * What of a step's context a request uses. Without a connection the request goes through
 * `fetch`, the engine's (and so the host's egress policy), or the global one when absent.
 */
export type HttpContext = Pick<NodeContext<unknown>, 'signal' | 'idempotencyKey' | 'connection'> & Partial<Pick<NodeContext<unknown>, 'fetch'>>;

const defaultMaxResponseBytes = 10 * 1024 * 1024;
/** What an error keeps of a response body: enough to read the service's own message. */
const excerptLength = 500;

function urlOf(request: HttpRequest): URL {
  const url = new URL(request.url);
  for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
  return url;
}

function bodyOf(request: HttpRequest, headers: Headers): BodyInit | undefined {
  if (request.json !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return JSON.stringify(request.json);
  }
  if (request.form !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded');
    return new URLSearchParams(request.form as Record<string, string>).toString();
  }
  if (request.body === undefined) return undefined;
  return typeof request.body === 'string' ? request.body : new Uint8Array(request.body);
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new FatalError(`The response is larger than ${maxBytes} bytes`, { details: { status: response.status, bytes: declared } });
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new FatalError(`The response is larger than ${maxBytes} bytes`, { details: { status: response.status } });
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function excerpt(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, excerptLength * 4));
  return text.length > excerptLength ? `${text.slice(0, excerptLength)}…` : text;
}

/** The service's own error message, when its error body has a usual shape. */
function serviceMessage(bytes: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const error = parsed['error'];
    if (typeof error === 'string') return typeof parsed['error_description'] === 'string' ? `${error}: ${parsed['error_description']}` : error;
    if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
    if (typeof parsed['message'] === 'string') return parsed['message'];
    if (typeof parsed['description'] === 'string') return parsed['description'];
  } catch {
    // Not JSON: the excerpt says what it was.
  }
  return undefined;
}

/**
 * Turns a failed response into the error the engine retries right: 429 waits for its
 * Retry-After (or backs off), 408 and 5xx retry, other statuses are fatal. The request's
 * headers never appear in the error; the body excerpt is redacted of the connection's
 * secrets by the engine like everything a step records.
 */
function statusError(response: Response, bytes: Uint8Array, method: string, url: URL): Error {
  const status = response.status;
  const detail = serviceMessage(bytes);
  const message = `${method} ${url.origin}${url.pathname} answered ${status}${detail ? `: ${detail}` : ''}`;
  const details = { status, body: excerpt(bytes) };
  if (status === 429) {
    const retryAfter = response.headers.get('retry-after');
    const waitMs = retryAfter === null ? undefined : parseRetryAfter(retryAfter, Date.now());
    return waitMs === undefined ? new RetryableError(message, { details }) : new RetryAfterError(waitMs, message, { details });
  }
  if (status === 408 || (status >= 500 && status !== 501 && status !== 505)) return new RetryableError(message, { details });
  return new FatalError(message, { details });
}

/**
 * One HTTP call of a connector action: the step's connection applies its auth (and
 * refreshes an OAuth2 token on a 401), the step's signal aborts it, a retried attempt
 * sends the same `Idempotency-Key`, failures come back as errors the engine classifies,
 * and the body is read as JSON, text or bytes within a size limit.
 *
 * @example
 * ```ts
 * const { body } = await httpRequest<{ ok: boolean }>(ctx, { method: 'POST', url: `${config.baseUrl}/chat.postMessage`, json: { channel, text } });
 * ```
 */
export async function httpRequest<Body = unknown>(ctx: HttpContext, request: HttpRequest): Promise<HttpResponse<Body>> {
  const method = request.method ?? 'GET';
  const url = urlOf(request);
  const headers = new Headers(request.headers);
  const responseType = request.responseType ?? 'json';
  if (responseType === 'json' && !headers.has('accept')) headers.set('accept', 'application/json');
  const idempotencyHeader = request.idempotencyHeader ?? true;
  if (idempotencyHeader !== false && method !== 'GET' && method !== 'HEAD') {
    const name = idempotencyHeader === true ? 'idempotency-key' : idempotencyHeader;
    if (!headers.has(name)) headers.set(name, ctx.idempotencyKey);
  }
  const body = bodyOf(request, headers);
  const init: RequestInit = { method, headers, signal: ctx.signal, redirect: 'follow' };
  if (body !== undefined) init.body = body;
  let response: Response;
  try {
    response = ctx.connection ? await ctx.connection.fetch(url, init) : await (ctx.fetch ?? fetch)(url, init);
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    // The host's egress policy refused the address: asking again will not change that.
    if ((error as { code?: unknown }).code === 'egress_blocked') throw new FatalError((error as Error).message, { cause: error, details: { code: 'egress_blocked' } });
    throw new RetryableError(`${method} ${url.origin}${url.pathname} failed: ${(error as Error).message}`, { cause: error });
  }
  const bytes = await readLimited(response, request.maxResponseBytes ?? defaultMaxResponseBytes);
  const ok = request.okStatus ? request.okStatus(response.status) : response.status >= 200 && response.status < 300;
  if (!ok) throw statusError(response, bytes, method, url);
  return { status: response.status, headers: response.headers, body: readBody(response, bytes, responseType, method, url) as Body };
}

function readBody(response: Response, bytes: Uint8Array, responseType: 'json' | 'text' | 'binary', method: string, url: URL): unknown {
  if (responseType === 'binary') return bytes;
  const text = new TextDecoder().decode(bytes);
  if (responseType === 'text') return text;
  if (text.trim() === '' || response.status === 204) return null;
  const type = response.headers.get('content-type') ?? '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const what = type.includes('html') ? 'HTML' : `"${type || 'no content type'}"`;
    throw new FatalError(`${method} ${url.origin}${url.pathname} answered ${what} where JSON was expected`, { details: { status: response.status, body: excerpt(bytes) } });
  }
}
