import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../secrets/base64';
import { webhookVerificationSchema } from './verification-scheme';
import { verifyWebhook } from './verify-webhook';

const encoder = new TextEncoder();

// The worked example of GitHub's "Validating webhook deliveries" documentation.
const githubSecret = "It's a Secret to Everybody";
const githubBody = 'Hello, World!';
const githubSignature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

const github = webhookVerificationSchema.parse({ scheme: 'github' });

function request(headers: Record<string, string>, body: string): { headers: Headers; body: Uint8Array } {
  return { headers: new Headers(headers), body: encoder.encode(body) };
}

/** Derives HMACs with Web Crypto directly, apart from the code under test. */
async function hmac(secret: string, body: string): Promise<Uint8Array> {
  const key = await globalThis.crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, encoder.encode(body)));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

describe('verifyWebhook with github', () => {
  it('accepts GitHub’s documented example', async () => {
    expect(await verifyWebhook(github, request({ 'x-hub-signature-256': githubSignature }, githubBody), [githubSecret], 0)).toEqual({ ok: true });
    expect(await verifyWebhook(github, request({ 'X-Hub-Signature-256': githubSignature.toUpperCase().replace('SHA256=', 'sha256=') }, githubBody), [githubSecret], 0)).toEqual({ ok: true });
  });

  it('rejects a wrong secret, a tampered body and a wrong prefix with 401', async () => {
    expect(await verifyWebhook(github, request({ 'x-hub-signature-256': githubSignature }, githubBody), ['another secret'], 0)).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
    expect(await verifyWebhook(github, request({ 'x-hub-signature-256': githubSignature }, 'Hello, World?'), [githubSecret], 0)).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
    const sha1Style = githubSignature.replace('sha256=', 'sha1=');
    expect(await verifyWebhook(github, request({ 'x-hub-signature-256': sha1Style }, githubBody), [githubSecret], 0)).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
  });

  it('rejects a request without the header with 400, even when the legacy SHA-1 header is there', async () => {
    expect(await verifyWebhook(github, request({ 'x-hub-signature': 'sha1=00' }, githubBody), [githubSecret], 0)).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
  });

  it('accepts either secret during a rotation', async () => {
    expect(await verifyWebhook(github, request({ 'x-hub-signature-256': githubSignature }, githubBody), ['old secret', githubSecret], 0)).toEqual({ ok: true });
  });
});

describe('verifyWebhook with hmacSha256', () => {
  const secret = 'shpss_generic-secret';
  const body = JSON.stringify({ id: 7 });

  it('accepts hex (the default) with no prefix', async () => {
    const scheme = webhookVerificationSchema.parse({ scheme: 'hmacSha256', header: 'x-signature' });
    expect(await verifyWebhook(scheme, request({ 'x-signature': hex(await hmac(secret, body)) }, body), [secret], 0)).toEqual({ ok: true });
  });

  it('accepts base64 after a prefix, as Shopify-style senders write it', async () => {
    const scheme = webhookVerificationSchema.parse({ scheme: 'hmacSha256', header: 'x-shopify-hmac-sha256', encoding: 'base64', prefix: 'v0=' });
    const signature = `v0=${encodeBase64(await hmac(secret, body))}`;
    expect(await verifyWebhook(scheme, request({ 'x-shopify-hmac-sha256': signature }, body), ['rotated', secret], 0)).toEqual({ ok: true });
    expect(await verifyWebhook(scheme, request({ 'x-shopify-hmac-sha256': signature.slice(3) }, body), [secret], 0)).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
    expect(await verifyWebhook(scheme, request({ 'x-shopify-hmac-sha256': signature }, `${body}\n`), [secret], 0)).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
    expect(await verifyWebhook(scheme, request({}, body), [secret], 0)).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
  });

  it('never matches with an empty secret', async () => {
    const scheme = webhookVerificationSchema.parse({ scheme: 'hmacSha256', header: 'x-signature' });
    const signature = hex(await hmac('', body).catch(() => new Uint8Array(32)));
    expect(await verifyWebhook(scheme, request({ 'x-signature': signature }, body), [''], 0)).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
  });

  it('answers hostile input with ok: false and never throws', async () => {
    const hexScheme = webhookVerificationSchema.parse({ scheme: 'hmacSha256', header: 'x-signature' });
    const base64Scheme = webhookVerificationSchema.parse({ scheme: 'hmacSha256', header: 'x-signature', encoding: 'base64' });
    for (const value of ['zz', 'abc', '===', '%%%%', 'A', 'f'.repeat(1_000_000), 'sha256=', ' ']) {
      for (const scheme of [hexScheme, base64Scheme, github]) {
        const headers = { 'x-signature': value, 'x-hub-signature-256': value };
        expect(await verifyWebhook(scheme, request(headers, body), [secret], 0)).toMatchObject({ ok: false });
      }
    }
  });
});
