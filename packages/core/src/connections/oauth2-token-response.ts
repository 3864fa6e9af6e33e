import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';

/** Tokens from a token endpoint, in the shape connections store them. */
export interface OAuth2Tokens {
  accessToken: string;
  refreshToken?: string;
  /** `Bearer` when the server named none. */
  tokenType: string;
  /** Epoch ms; absent when the server gave no expires_in. */
  expiresAt?: number;
  scope?: string;
}

/** Which token request failed; named in error messages. */
export type OAuth2Step = 'token exchange' | 'token refresh' | 'client credentials';

/** Some servers send `null` for a field they have no value for; that means absent. */
function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? undefined);
}

/**
 * A successful token response, RFC 6749 §5.1. The limits match what
 * `oauth2CredentialsSchema` stores, so tokens that pass here can be stored.
 */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1).max(100_000),
  token_type: optional(z.string().min(1).max(100)),
  // Some servers (and every form-encoded response) send the number as a string.
  expires_in: optional(z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]).pipe(z.number().nonnegative().finite())),
  refresh_token: optional(z.string().min(1).max(100_000)),
  scope: optional(z.string().max(10_000)),
});

/** An error response, RFC 6749 §5.2. */
export const tokenErrorResponseSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().nullish(),
});

export type TokenResponse = z.infer<typeof tokenResponseSchema>;
export type TokenErrorResponse = z.infer<typeof tokenErrorResponseSchema>;

/** What the token endpoint answered, read off the wire by the caller. */
export interface TokenEndpointAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

export interface TokenResponseContext {
  step: OAuth2Step;
  /** Epoch ms the request was made at; `expires_in` counts from here. */
  now: number;
  /** The code, verifier, tokens and client secret the request carried: never echoed into an error. */
  secrets: readonly string[];
}

/** Server text in a message is capped, so a chatty or hostile server cannot flood logs. */
const maxServerText = 300;

/**
 * Servers sometimes echo what they were sent ("invalid code abc123"); the message and
 * details of an error travel to logs and run events, so anything the request carried
 * is cut out of the server's words first.
 */
function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) if (secret !== '') clean = clean.split(secret).join('[redacted]');
  return clean.length > maxServerText ? `${clean.slice(0, maxServerText)}…` : clean;
}

/** 5xx and 429 say "not now", not "never": a later attempt may get tokens. */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

function parseBody(answer: TokenEndpointAnswer): unknown {
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    // Servers that ignore `Accept: application/json` (GitHub's default, older Facebook) answer in form encoding.
    if (answer.contentType?.toLowerCase().includes('application/x-www-form-urlencoded')) {
      return Object.fromEntries(new URLSearchParams(answer.body));
    }
    return undefined;
  }
}

function failure(context: TokenResponseContext, reason: string, details: Record<string, unknown>): PipewrightError {
  return new PipewrightError('oauth2_error', `OAuth2 ${context.step} failed: ${reason}`, { details });
}

function toTokens(response: TokenResponse, now: number): OAuth2Tokens {
  const tokens: OAuth2Tokens = { accessToken: response.access_token, tokenType: response.token_type ?? 'Bearer' };
  if (response.refresh_token !== undefined) tokens.refreshToken = response.refresh_token;
  // Whole milliseconds: stored credentials keep `expiresAt` as an integer.
  if (response.expires_in !== undefined) tokens.expiresAt = now + Math.round(response.expires_in * 1000);
  if (response.scope !== undefined) tokens.scope = response.scope;
  return tokens;
}

/**
 * Turns a token endpoint's answer into tokens, or into an `oauth2_error` whose message
 * names the step and the server's `error` / `error_description` (or the HTTP status),
 * and whose `details` hold `status`, `error` and `retryable`.
 */
export function readTokenResponse(answer: TokenEndpointAnswer, context: TokenResponseContext): OAuth2Tokens {
  const { status } = answer;
  const retryable = isRetryableStatus(status);
  if (status >= 300 && status < 400) {
    throw failure(context, `the token endpoint redirected (HTTP ${status}); token requests do not follow redirects`, { status, retryable: false });
  }
  const body = parseBody(answer);
  // Checked before the status: some servers (GitHub) answer a failed exchange with 200 and an `error`.
  const refusal = tokenErrorResponseSchema.safeParse(body);
  if (refusal.success) {
    const code = redact(refusal.data.error, context.secrets);
    const description = refusal.data.error_description ? ` (${redact(refusal.data.error_description, context.secrets)})` : '';
    throw failure(context, `${code}${description}`, { status, error: code, retryable });
  }
  if (status < 200 || status >= 300) throw failure(context, `HTTP ${status}`, { status, retryable });
  if (body === undefined) {
    throw failure(context, `the token endpoint answered HTTP ${status} with a body that is not JSON`, { status, retryable: false });
  }
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    // Paths and zod's messages only: the values may be tokens.
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
    throw failure(context, `malformed token response (${issues})`, { status, retryable: false });
  }
  return toTokens(parsed.data, context.now);
}
