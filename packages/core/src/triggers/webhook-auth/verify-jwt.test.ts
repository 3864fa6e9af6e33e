import { exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { webhookVerificationSchema } from './verification-scheme';
import { verifyWebhook, type WebhookVerdict } from './verify-webhook';

const encoder = new TextEncoder();
const hsSecret = 'a-shared-hs256-secret-of-32-bytes!';
const nowSeconds = 1_700_000_000;
const now = nowSeconds * 1000;

function verify(scheme: Parameters<typeof webhookVerificationSchema.parse>[0], token: string | undefined, secrets: readonly string[]): Promise<WebhookVerdict> {
  const headers = new Headers(token === undefined ? {} : { authorization: `Bearer ${token}` });
  return verifyWebhook(webhookVerificationSchema.parse(scheme), { headers, body: new Uint8Array() }, secrets, now);
}

function hs256(claims: Record<string, unknown> = {}, secret = hsSecret): Promise<string> {
  // Claims go in the payload, not through setters, so a test can override `exp`.
  return new SignJWT({ event: 'order.created', iat: nowSeconds - 10, exp: nowSeconds + 300, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(encoder.encode(secret));
}

describe('verifyWebhook with jwt (HS256)', () => {
  it('accepts a valid token and returns its claims', async () => {
    const verdict = await verify({ scheme: 'jwt' }, await hs256(), [hsSecret]);
    expect(verdict).toEqual({ ok: true, claims: { event: 'order.created', iat: nowSeconds - 10, exp: nowSeconds + 300 } });
  });

  it('rejects a wrong secret and an altered payload with 401', async () => {
    const token = await hs256();
    expect(await verify({ scheme: 'jwt' }, token, ['another secret'])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${btoa(JSON.stringify({ event: 'order.refunded' })).replace(/=+$/, '')}.${signature}`;
    expect(await verify({ scheme: 'jwt' }, forged, [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
  });

  it('rejects an expired token with 401, allowing 30 s of clock skew', async () => {
    expect(await verify({ scheme: 'jwt' }, await hs256({ exp: nowSeconds - 3600 }), [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    expect(await verify({ scheme: 'jwt' }, await hs256({ exp: nowSeconds - 31 }), [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    expect(await verify({ scheme: 'jwt' }, await hs256({ exp: nowSeconds - 20 }), [hsSecret])).toMatchObject({ ok: true });
    expect(await verify({ scheme: 'jwt' }, await hs256({ nbf: nowSeconds + 3600 }), [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
  });

  it('checks the issuer and audience when configured', async () => {
    const scheme = { scheme: 'jwt', issuer: 'https://sender.example', audience: 'pipewright' } as const;
    expect(await verify(scheme, await hs256({ iss: 'https://sender.example', aud: 'pipewright' }), [hsSecret])).toMatchObject({ ok: true });
    expect(await verify(scheme, await hs256({ iss: 'https://evil.example', aud: 'pipewright' }), [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    expect(await verify(scheme, await hs256({ iss: 'https://sender.example', aud: 'someone-else' }), [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    expect(await verify(scheme, await hs256(), [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
  });

  it('rejects alg none', async () => {
    const unsecured = new UnsecuredJWT({ event: 'order.created' }).setIssuedAt(nowSeconds).encode();
    expect(await verify({ scheme: 'jwt' }, unsecured, [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    expect(await verify({ scheme: 'jwt', algorithms: ['HS256', 'RS256', 'ES256'] }, unsecured, [hsSecret])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
  });

  it('accepts either secret during a rotation', async () => {
    expect(await verify({ scheme: 'jwt' }, await hs256(), ['old secret', hsSecret])).toMatchObject({ ok: true });
  });

  it('rejects a request without a bearer token with 400', async () => {
    expect(await verify({ scheme: 'jwt' }, undefined, [hsSecret])).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
  });

  it('answers hostile input with ok: false and never throws', async () => {
    const tokens = ['garbage', 'a.b.c', '...', '%%%.%%%.%%%', `${btoa('{"alg":"HS256"}')}.e30.`, `eyJhbGciOiJIUzI1NiJ9.${'A'.repeat(1_000_000)}.AAAA`, 'x'.repeat(100_000)];
    for (const token of tokens) expect(await verify({ scheme: 'jwt' }, token, [hsSecret])).toMatchObject({ ok: false, status: 401, reason: 'bad_token' });
    expect(await verify({ scheme: 'jwt', algorithms: ['RS256'] }, await hs256(), ['-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----'])).toMatchObject({ ok: false });
  });
});

describe('verifyWebhook with jwt (RS256, ES256)', () => {
  let rsa: { privateKey: CryptoKey; pem: string };
  let ec: { privateKey: CryptoKey; pem: string };

  beforeAll(async () => {
    const rsaPair = await generateKeyPair('RS256', { extractable: true });
    rsa = { privateKey: rsaPair.privateKey, pem: await exportSPKI(rsaPair.publicKey) };
    const ecPair = await generateKeyPair('ES256', { extractable: true });
    ec = { privateKey: ecPair.privateKey, pem: await exportSPKI(ecPair.publicKey) };
  });

  function sign(alg: 'RS256' | 'ES256', privateKey: CryptoKey, claims: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT({ event: 'order.created', exp: nowSeconds + 60, ...claims }).setProtectedHeader({ alg }).sign(privateKey);
  }

  it('accepts a token signed with the private key of a configured PEM public key', async () => {
    expect(await verify({ scheme: 'jwt', algorithms: ['RS256'] }, await sign('RS256', rsa.privateKey), [rsa.pem])).toEqual({ ok: true, claims: { event: 'order.created', exp: nowSeconds + 60 } });
    expect(await verify({ scheme: 'jwt', algorithms: ['ES256'] }, await sign('ES256', ec.privateKey), [ec.pem])).toMatchObject({ ok: true });
    expect(await verify({ scheme: 'jwt', algorithms: ['RS256', 'ES256'] }, await sign('ES256', ec.privateKey), [rsa.pem, ec.pem])).toMatchObject({ ok: true });
  });

  it('rejects an algorithm that is not configured, another key and an expired token', async () => {
    const token = await sign('RS256', rsa.privateKey);
    expect(await verify({ scheme: 'jwt' }, token, [rsa.pem])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    expect(await verify({ scheme: 'jwt', algorithms: ['RS256'] }, token, [ec.pem])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    const otherPair = await generateKeyPair('RS256', { extractable: true });
    expect(await verify({ scheme: 'jwt', algorithms: ['RS256'] }, token, [await exportSPKI(otherPair.publicKey)])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    expect(await verify({ scheme: 'jwt', algorithms: ['RS256'] }, await sign('RS256', rsa.privateKey, { exp: nowSeconds - 3600 }), [rsa.pem])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
  });

  it('never uses a public key as an HMAC secret (algorithm confusion)', async () => {
    const confused = await new SignJWT({ event: 'order.created' }).setProtectedHeader({ alg: 'HS256' }).sign(encoder.encode(rsa.pem));
    expect(await verify({ scheme: 'jwt', algorithms: ['HS256', 'RS256'] }, confused, [rsa.pem])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
  });
});
