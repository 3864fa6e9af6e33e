import type { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import type { authSpecSchema } from '../registry/auth-spec';
import { readTokenResponse, type OAuth2Step, type OAuth2Tokens, type TokenEndpointAnswer } from './oauth2-token-response';

export type { OAuth2Tokens } from './oauth2-token-response';

/** The oauth2 variant of a connector's auth spec, parsed: defaults are applied. */
export type OAuth2Spec = Extract<z.infer<typeof authSpecSchema>, { type: 'oauth2' }>;

/** The app registered with the provider. Without a secret it is a public client. */
export interface OAuth2Client {
  clientId: string;
  clientSecret?: string;
}

export interface OAuth2RequestOptions {
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Epoch ms; `expiresAt` is counted from here. */
  now: number;
  /** Aborting rejects with the signal's reason, not with an `oauth2_error`. */
  signal?: AbortSignal;
}

/**
 * The URL to send the user to for the authorization-code grant (RFC 6749 §4.1.1, with
 * PKCE per RFC 7636 §4.3 when a challenge is given).
 *
 * @example
 * ```ts
 * const pkce = await createPkcePair();
 * const state = randomState();
 * const url = buildAuthorizeUrl(spec, { clientId: 'my-app' }, { redirectUri: 'https://host.example/oauth/callback', state, codeChallenge: pkce.challenge });
 * ```
 */
export function buildAuthorizeUrl(
  spec: OAuth2Spec,
  client: OAuth2Client,
  request: { redirectUri: string; state: string; codeChallenge?: string; scopes?: readonly string[] },
): string {
  if (spec.authorizeUrl === undefined) {
    throw new PipewrightError('oauth2_error', 'The connector has no authorizeUrl: it cannot use the authorization-code grant', { details: { retryable: false } });
  }
  // Query parameters already in authorizeUrl are kept: some providers put fixed ones there.
  const url = new URL(spec.authorizeUrl);
  // Extra parameters go first so the protocol's own (state, redirect_uri, the challenge)
  // always win: a connector definition must not be able to replace them.
  for (const [name, value] of Object.entries(spec.extraAuthorizeParams ?? {})) url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  const scopes = request.scopes ?? spec.scopes;
  if (scopes.length > 0) url.searchParams.set('scope', scopes.join(' '));
  url.searchParams.set('state', request.state);
  if (request.codeChallenge !== undefined) {
    url.searchParams.set('code_challenge', request.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.href;
}

/**
 * Trades the code from the authorization redirect for tokens (RFC 6749 §4.1.3). Pass the
 * PKCE verifier whose challenge went into the authorize URL.
 *
 * @example
 * ```ts
 * const tokens = await exchangeAuthorizationCode(spec, client, { code, redirectUri, codeVerifier: pkce.verifier }, { now: Date.now() });
 * ```
 */
export function exchangeAuthorizationCode(
  spec: OAuth2Spec,
  client: OAuth2Client,
  request: { code: string; redirectUri: string; codeVerifier?: string },
  options: OAuth2RequestOptions,
): Promise<OAuth2Tokens> {
  const params = new URLSearchParams({ grant_type: 'authorization_code', code: request.code, redirect_uri: request.redirectUri });
  if (request.codeVerifier !== undefined) params.set('code_verifier', request.codeVerifier);
  const secrets = [request.code, request.codeVerifier ?? ''];
  return requestTokens(spec, client, 'token exchange', params, secrets, options);
}

/**
 * New tokens from a refresh token (RFC 6749 §6). A server may rotate the refresh token
 * or not; when it sends none, the one passed in is still valid and is kept.
 *
 * @example
 * ```ts
 * const fresh = await refreshAccessToken(spec, client, tokens.refreshToken, { now: Date.now() });
 * ```
 */
export async function refreshAccessToken(spec: OAuth2Spec, client: OAuth2Client, refreshToken: string, options: OAuth2RequestOptions): Promise<OAuth2Tokens> {
  const params = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const tokens = await requestTokens(spec, client, 'token refresh', params, [refreshToken], options);
  return tokens.refreshToken === undefined ? { ...tokens, refreshToken } : tokens;
}

/**
 * A token for the client itself (RFC 6749 §4.4). Scopes default to the spec's.
 *
 * @example
 * ```ts
 * const tokens = await requestClientCredentialsToken(spec, { clientId: 'svc', clientSecret }, { now: Date.now() });
 * ```
 */
export function requestClientCredentialsToken(
  spec: OAuth2Spec,
  client: OAuth2Client,
  options: OAuth2RequestOptions & { scopes?: readonly string[] },
): Promise<OAuth2Tokens> {
  const params = new URLSearchParams({ grant_type: 'client_credentials' });
  const scopes = options.scopes ?? spec.scopes;
  if (scopes.length > 0) params.set('scope', scopes.join(' '));
  return requestTokens(spec, client, 'client credentials', params, [], options);
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice('v='.length);
  // Form encoding leaves only ASCII, so btoa needs no UTF-8 step.
  return `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}

async function requestTokens(
  spec: OAuth2Spec,
  client: OAuth2Client,
  step: OAuth2Step,
  params: URLSearchParams,
  secrets: readonly string[],
  options: OAuth2RequestOptions,
): Promise<OAuth2Tokens> {
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
  if (client.clientSecret !== undefined && spec.clientAuthentication === 'basic') {
    headers.set('authorization', basicCredentials(client.clientId, client.clientSecret));
  } else {
    // client_secret_post. A public client has nothing to authenticate with, but must still
    // name itself in the body (RFC 6749 §3.2.1), whichever method the spec prefers.
    params.set('client_id', client.clientId);
    if (client.clientSecret !== undefined) params.set('client_secret', client.clientSecret);
  }
  const fetchTokens = options.fetch ?? fetch;
  const init: RequestInit = {
    method: 'POST',
    headers,
    body: params,
    // A followed 307/308 would resend the code and client secret to wherever it points.
    redirect: 'manual',
  };
  if (options.signal !== undefined) init.signal = options.signal;
  let answer: TokenEndpointAnswer;
  try {
    const response = await fetchTokens(spec.tokenUrl, init);
    // A browser reports a manual redirect as an opaque response with status 0.
    const status = response.type === 'opaqueredirect' ? 302 : response.status;
    answer = { status, contentType: response.headers.get('content-type'), body: await response.text() };
  } catch (error) {
    // The caller's own abort (a step timeout, a cancelled run) is not a failure of the server.
    if (options.signal?.aborted) throw error;
    throw new PipewrightError('oauth2_error', `OAuth2 ${step} failed: could not reach the token endpoint at ${new URL(spec.tokenUrl).host}`, {
      cause: error,
      details: { retryable: true },
    });
  }
  return readTokenResponse(answer, { step, now: options.now, secrets: [...secrets, client.clientSecret ?? ''] });
}
