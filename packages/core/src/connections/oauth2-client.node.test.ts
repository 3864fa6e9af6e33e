import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Server, type MutableResponse, type MutableToken, type TokenRequestIncomingMessage } from 'oauth2-mock-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { authSpecSchema, type AuthSpec } from '../registry/auth-spec';
import { buildAuthorizeUrl, exchangeAuthorizationCode, refreshAccessToken, requestClientCredentialsToken, type OAuth2Client, type OAuth2Spec } from './oauth2-client';
import { createPkcePair, randomState } from './pkce';

const now = 1_700_000_000_000;
/** The mock server redirects here without calling it, so nothing needs to listen. */
const redirectUri = 'http://127.0.0.1:9/oauth/callback';
const client = { clientId: 'pipewright-app', clientSecret: 'app-secret-0123456789' } satisfies OAuth2Client;

function oauth2Spec(input: Omit<Extract<AuthSpec, { type: 'oauth2' }>, 'type'>): OAuth2Spec {
  const spec = authSpecSchema.parse({ type: 'oauth2', ...input });
  if (spec.type !== 'oauth2') throw new Error('expected an oauth2 spec');
  return spec;
}

/** What the mock's token endpoint received. */
interface SeenTokenRequest {
  body: Record<string, unknown>;
  authorization: string | undefined;
  contentType: string | undefined;
  accept: string | undefined;
}

let server: OAuth2Server;
let issuer: string;
let seen: SeenTokenRequest[] = [];

beforeAll(async () => {
  server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  // The mock names itself `localhost`, which may resolve to ::1 where it does not listen.
  server.issuer.url = `http://127.0.0.1:${server.address().port}`;
  issuer = server.issuer.url;
  server.service.on('beforeResponse', (_response: MutableResponse, request: TokenRequestIncomingMessage) => {
    seen.push({
      body: Object.fromEntries(Object.entries(request.body)),
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      accept: request.headers.accept,
    });
  });
  // RS256 signatures are deterministic: two tokens with the same claims in the same
  // second would be equal, and "a new access token" could not be told from the old one.
  server.service.on('beforeTokenSigning', (token: MutableToken) => {
    token.payload.jti = crypto.randomUUID();
  });
});

afterAll(async () => {
  await server.stop();
});

beforeEach(() => {
  seen = [];
});

function mockSpec(overrides: Partial<Omit<Extract<AuthSpec, { type: 'oauth2' }>, 'type'>> = {}): OAuth2Spec {
  return oauth2Spec({ grant: 'authorizationCode', authorizeUrl: `${issuer}/authorize`, tokenUrl: `${issuer}/token`, ...overrides });
}

/** Plays the user's browser: opens the authorize URL and reads where it redirects. */
async function authorize(spec: OAuth2Spec, state: string, codeChallenge: string): Promise<URLSearchParams> {
  const response = await fetch(buildAuthorizeUrl(spec, client, { redirectUri, state, codeChallenge }), { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  return location.searchParams;
}

async function failureOf(promise: Promise<unknown>): Promise<PipewrightError> {
  const outcome = await promise.then(
    () => new Error('expected the request to fail'),
    (error: unknown) => error,
  );
  if (!PipewrightError.is(outcome)) throw outcome;
  return outcome;
}

function decodeBasic(header: string | undefined): string {
  expect(header).toMatch(/^Basic /);
  return atob((header ?? '').slice('Basic '.length));
}

describe('buildAuthorizeUrl', () => {
  it('carries the protocol parameters, the spec scopes and the extra parameters, which cannot replace the protocol ones', () => {
    const spec = mockSpec({ scopes: ['openid', 'email'], extraAuthorizeParams: { access_type: 'offline', state: 'from-the-spec' } });
    const url = new URL(buildAuthorizeUrl(spec, client, { redirectUri, state: 'st-1', codeChallenge: 'challenge-1' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${issuer}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      access_type: 'offline',
      response_type: 'code',
      client_id: 'pipewright-app',
      redirect_uri: redirectUri,
      scope: 'openid email',
      state: 'st-1',
      code_challenge: 'challenge-1',
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.has('client_secret')).toBe(false);
  });

  it('uses the requested scopes over the spec ones, and leaves out what was not given', () => {
    const spec = mockSpec({ scopes: ['openid'] });
    const withScopes = new URL(buildAuthorizeUrl(spec, client, { redirectUri, state: 's', scopes: ['repo', 'user'] }));
    expect(withScopes.searchParams.get('scope')).toBe('repo user');
    expect(withScopes.searchParams.has('code_challenge')).toBe(false);
    expect(withScopes.searchParams.has('code_challenge_method')).toBe(false);
    const noScopes = new URL(buildAuthorizeUrl(mockSpec(), client, { redirectUri, state: 's' }));
    expect(noScopes.searchParams.has('scope')).toBe(false);
  });

  it('throws oauth2_error when the spec has no authorizeUrl', () => {
    const spec = oauth2Spec({ grant: 'clientCredentials', tokenUrl: `${issuer}/token` });
    expect(() => buildAuthorizeUrl(spec, client, { redirectUri, state: 's' })).toThrow(expect.objectContaining({ code: 'oauth2_error' }));
  });
});

describe('authorization code with PKCE', () => {
  it('brings a code and the state back, and exchanges the code with the right verifier for tokens', async () => {
    const spec = mockSpec();
    const pkce = await createPkcePair();
    const state = randomState();
    const callback = await authorize(spec, state, pkce.challenge);
    expect(callback.get('state')).toBe(state);
    const code = callback.get('code');
    expect(code).toBeTruthy();

    const tokens = await exchangeAuthorizationCode(spec, client, { code: code ?? '', redirectUri, codeVerifier: pkce.verifier }, { now });

    expect(tokens.accessToken.split('.')).toHaveLength(3);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.expiresAt).toBe(now + 3_600_000);
    expect(seen).toEqual([
      {
        body: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pkce.verifier, client_id: client.clientId, client_secret: client.clientSecret },
        authorization: undefined,
        contentType: expect.stringMatching(/^application\/x-www-form-urlencoded/),
        accept: 'application/json',
      },
    ]);
  });

  it('fails with oauth2_error on a wrong verifier, and the error holds neither the code nor a verifier', async () => {
    const spec = mockSpec();
    const pkce = await createPkcePair();
    const wrong = await createPkcePair();
    const code = (await authorize(spec, randomState(), pkce.challenge)).get('code') ?? '';

    const error = await failureOf(exchangeAuthorizationCode(spec, client, { code, redirectUri, codeVerifier: wrong.verifier }, { now }));

    expect(error.code).toBe('oauth2_error');
    expect(error.message).toMatch(/^OAuth2 token exchange failed: invalid_request \(code_verifier provided does not match code_challenge\)$/);
    expect(error.details).toEqual({ status: 400, error: 'invalid_request', retryable: false });
    const exposed = `${error.message} ${JSON.stringify(error.details)}`;
    for (const secret of [code, wrong.verifier, pkce.verifier, client.clientSecret]) expect(exposed).not.toContain(secret);
  });
});

describe('refresh', () => {
  async function connect(spec: OAuth2Spec): Promise<{ accessToken: string; refreshToken: string }> {
    const pkce = await createPkcePair();
    const code = (await authorize(spec, randomState(), pkce.challenge)).get('code') ?? '';
    const tokens = await exchangeAuthorizationCode(spec, client, { code, redirectUri, codeVerifier: pkce.verifier }, { now });
    seen = [];
    return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? '' };
  }

  it('makes one refresh_token request and returns a new access token', async () => {
    const spec = mockSpec({ clientAuthentication: 'basic' });
    const old = await connect(spec);

    const tokens = await refreshAccessToken(spec, client, old.refreshToken, { now: now + 60_000 });

    expect(seen.filter((request) => request.body.grant_type === 'refresh_token')).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toEqual({ grant_type: 'refresh_token', refresh_token: old.refreshToken });
    expect(decodeBasic(seen[0]?.authorization)).toBe(`${client.clientId}:${client.clientSecret}`);
    expect(tokens.accessToken).not.toBe(old.accessToken);
    // The mock rotates refresh tokens.
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.refreshToken).not.toBe(old.refreshToken);
    expect(tokens.expiresAt).toBe(now + 60_000 + 3_600_000);
  });

  it('keeps the old refresh token when the response has none', async () => {
    const spec = mockSpec();
    const old = await connect(spec);
    server.service.once('beforeResponse', (response: MutableResponse) => {
      if (typeof response.body === 'object') delete response.body.refresh_token;
    });

    const tokens = await refreshAccessToken(spec, client, old.refreshToken, { now });

    expect(tokens.refreshToken).toBe(old.refreshToken);
    expect(tokens.accessToken).not.toBe(old.accessToken);
  });
});

describe('client credentials', () => {
  const spec = (clientAuthentication: 'body' | 'basic'): OAuth2Spec =>
    oauth2Spec({ grant: 'clientCredentials', tokenUrl: `${issuer}/token`, scopes: ['read', 'write'], clientAuthentication });

  it("with 'body' sends client_id and client_secret as form parameters", async () => {
    const tokens = await requestClientCredentialsToken(spec('body'), client, { now });

    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toEqual({ grant_type: 'client_credentials', scope: 'read write', client_id: client.clientId, client_secret: client.clientSecret });
    expect(seen[0]?.authorization).toBeUndefined();
    expect(tokens).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresAt: now + 3_600_000, scope: 'read write' });
  });

  it("with 'basic' sends the form-urlencoded id and secret in an Authorization header (RFC 6749 §2.3.1)", async () => {
    const awkward = { clientId: 'my app', clientSecret: 'p@ss:w/rd+é' };

    const tokens = await requestClientCredentialsToken(spec('basic'), awkward, { now, scopes: ['admin'] });

    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toEqual({ grant_type: 'client_credentials', scope: 'admin' });
    expect(decodeBasic(seen[0]?.authorization)).toBe('my+app:p%40ss%3Aw%2Frd%2B%C3%A9');
    expect(tokens.scope).toBe('admin');
  });

  it('as a public client sends its client_id in the body, whatever the spec says', async () => {
    await requestClientCredentialsToken(spec('basic'), { clientId: 'public-app' }, { now });

    expect(seen[0]?.body).toEqual({ grant_type: 'client_credentials', scope: 'read write', client_id: 'public-app' });
    expect(seen[0]?.authorization).toBeUndefined();
  });
});

describe('errors from the OAuth2 server', () => {
  it('maps error and error_description to oauth2_error, cutting out secrets the server echoes', async () => {
    server.service.once('beforeResponse', (response: MutableResponse) => {
      response.statusCode = 401;
      response.body = { error: 'invalid_client', error_description: `Client authentication failed for secret ${client.clientSecret}` };
    });

    const error = await failureOf(requestClientCredentialsToken(oauth2Spec({ grant: 'clientCredentials', tokenUrl: `${issuer}/token` }), client, { now }));

    expect(error.code).toBe('oauth2_error');
    expect(error.message).toBe('OAuth2 client credentials failed: invalid_client (Client authentication failed for secret [redacted])');
    expect(error.details).toEqual({ status: 401, error: 'invalid_client', retryable: false });
  });

  it('marks a 5xx error response retryable', async () => {
    server.service.once('beforeResponse', (response: MutableResponse) => {
      response.statusCode = 503;
      response.body = { error: 'temporarily_unavailable' };
    });

    const error = await failureOf(refreshAccessToken(mockSpec(), client, 'some-refresh-token', { now }));

    expect(error.message).toBe('OAuth2 token refresh failed: temporarily_unavailable');
    expect(error.details).toEqual({ status: 503, error: 'temporarily_unavailable', retryable: true });
  });
});

/** A token endpoint that answers however a test needs: what a real server does when it misbehaves. */
describe('odd answers from a token endpoint', () => {
  type Reply = (request: IncomingMessage, response: ServerResponse) => void;
  let stub: Server;
  let reply: Reply;
  let requests = 0;
  let stubUrl = '';

  beforeAll(async () => {
    stub = createServer((request, response) => {
      requests++;
      // Drain the form body before answering.
      request.resume();
      request.on('end', () => reply(request, response));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/token`;
  });

  afterAll(async () => {
    stub.closeAllConnections();
    await new Promise<void>((resolve) => stub.close(() => resolve()));
  });

  beforeEach(() => {
    requests = 0;
  });

  const stubSpec = (): OAuth2Spec => oauth2Spec({ grant: 'clientCredentials', tokenUrl: stubUrl });

  it('turns an HTML 500 page into a retryable oauth2_error', async () => {
    reply = (_request, response) => response.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>Internal Server Error</body></html>');

    const error = await failureOf(requestClientCredentialsToken(stubSpec(), client, { now }));

    expect(error.code).toBe('oauth2_error');
    expect(error.message).toBe('OAuth2 client credentials failed: HTTP 500');
    expect(error.details).toEqual({ status: 500, retryable: true });
  });

  it('turns a 200 that is not JSON into an oauth2_error', async () => {
    reply = (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>');

    const error = await failureOf(requestClientCredentialsToken(stubSpec(), client, { now }));

    expect(error.message).toBe('OAuth2 client credentials failed: the token endpoint answered HTTP 200 with a body that is not JSON');
    expect(error.details).toEqual({ status: 200, retryable: false });
  });

  it('turns a JSON answer without an access token into an oauth2_error that does not repeat its values', async () => {
    reply = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"tok-123","expires_in":"soon"}');

    const error = await failureOf(requestClientCredentialsToken(stubSpec(), client, { now }));

    expect(error.message).toMatch(/^OAuth2 client credentials failed: malformed token response \(.*access_token.*expires_in.*\)$/);
    expect(error.message).not.toContain('tok-123');
    expect(error.message).not.toContain('soon');
    expect(error.details).toEqual({ status: 200, retryable: false });
  });

  it('treats a 200 carrying an error (as GitHub answers a bad code) as an oauth2_error', async () => {
    reply = (_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}');

    const error = await failureOf(exchangeAuthorizationCode(stubSpec(), client, { code: 'the-code', redirectUri }, { now }));

    expect(error.message).toBe('OAuth2 token exchange failed: bad_verification_code (The code passed is incorrect or expired.)');
    expect(error.details).toEqual({ status: 200, error: 'bad_verification_code', retryable: false });
  });

  it('reads a form-encoded answer with a string expires_in', async () => {
    reply = (_request, response) =>
      response.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end('access_token=at-1&token_type=bearer&expires_in=120&scope=repo');

    const tokens = await exchangeAuthorizationCode(stubSpec(), client, { code: 'c', redirectUri }, { now });

    expect(tokens).toEqual({ accessToken: 'at-1', tokenType: 'bearer', expiresAt: now + 120_000, scope: 'repo' });
  });

  it('leaves expiresAt out when the server gives no expires_in, and names the token type Bearer when it gives none', async () => {
    reply = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"at-2","expires_in":null}');

    const tokens = await requestClientCredentialsToken(stubSpec(), client, { now });

    expect(tokens).toEqual({ accessToken: 'at-2', tokenType: 'Bearer' });
  });

  it('does not follow a redirect, so the client secret goes nowhere else', async () => {
    reply = (_request, response) => response.writeHead(307, { location: `${issuer}/token` }).end();

    const error = await failureOf(requestClientCredentialsToken(stubSpec(), client, { now }));

    expect(error.message).toMatch(/^OAuth2 client credentials failed: the token endpoint redirected \(HTTP 307\)/);
    expect(error.details).toEqual({ status: 307, retryable: false });
    expect(requests).toBe(1);
    expect(seen).toEqual([]);
  });

  it('rejects with the abort reason, not an oauth2_error, when the caller aborts', async () => {
    reply = () => undefined; // never answers
    const controller = new AbortController();
    const reason = new Error('step timed out');
    const pending = requestClientCredentialsToken(stubSpec(), client, { now, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);

    await expect(pending).rejects.toBe(reason);
  });
});

describe('network failures', () => {
  it('give a retryable oauth2_error with the cause attached', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await failureOf(requestClientCredentialsToken(oauth2Spec({ grant: 'clientCredentials', tokenUrl: `http://127.0.0.1:${port}/token` }), client, { now }));

    expect(error.code).toBe('oauth2_error');
    expect(error.message).toBe(`OAuth2 client credentials failed: could not reach the token endpoint at 127.0.0.1:${port}`);
    expect(error.details).toEqual({ retryable: true });
    expect(error.cause).toBeInstanceOf(Error);
  });
});
