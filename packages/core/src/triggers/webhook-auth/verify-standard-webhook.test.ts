import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../secrets/base64';
import { generateWebhookSecret, signStandardWebhook, standardWebhookHeaders } from './standard-webhooks';
import { webhookVerificationSchema } from './verification-scheme';
import { verifyWebhook, type WebhookVerdict } from './verify-webhook';

const verification = webhookVerificationSchema.parse({ scheme: 'standardWebhooks' });
const encoder = new TextEncoder();
const timestamp = 1_700_000_000;
const now = timestamp * 1000 + 12_345;
const body = JSON.stringify({ type: 'invoice.paid', amount: 4200 });

function verify(headers: Record<string, string>, secrets: readonly string[], options: { body?: string | Uint8Array; at?: number } = {}): Promise<WebhookVerdict> {
  const raw = options.body ?? body;
  return verifyWebhook(verification, { headers: new Headers(headers), body: typeof raw === 'string' ? encoder.encode(raw) : raw }, secrets, options.at ?? now);
}

describe('verifyWebhook with standardWebhooks', () => {
  const secret = generateWebhookSecret();
  const other = generateWebhookSecret();

  async function signed(options: { secrets?: string | string[]; body?: string | Uint8Array } = {}): Promise<Record<string, string>> {
    return { ...(await standardWebhookHeaders(options.secrets ?? secret, { id: 'msg_1', timestamp, body: options.body ?? body })) };
  }

  it('accepts a signed request and returns its id and timestamp', async () => {
    expect(await verify(await signed(), [secret])).toEqual({ ok: true, eventId: 'msg_1', timestamp });
  });

  it('rejects the wrong secret and a tampered body with 401', async () => {
    expect(await verify(await signed(), [other])).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
    expect(await verify(await signed(), [secret], { body: body.replace('4200', '4201') })).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
    expect(await verify(await signed(), [])).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('rejects a request without %s with 400', async (name) => {
    const headers = await signed();
    delete headers[name];
    expect(await verify(headers, [secret])).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
    expect(await verify({ ...headers, [name]: '' }, [secret])).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
  });

  it.each(['-1700000000', '1700000000.5', '1e9', 'yesterday', '17000000000000000000'])('rejects the timestamp %s as malformed (400)', async (value) => {
    expect(await verify({ ...(await signed()), 'webhook-timestamp': value }, [secret])).toEqual({ ok: false, status: 400, reason: 'bad_timestamp' });
  });

  it('rejects a timestamp outside the configured tolerance, either way', async () => {
    const strict = webhookVerificationSchema.parse({ scheme: 'standardWebhooks', toleranceSeconds: 10 });
    const request = { headers: new Headers(await signed()), body: encoder.encode(body) };
    expect(await verifyWebhook(strict, request, [secret], (timestamp + 10) * 1000)).toMatchObject({ ok: true });
    expect(await verifyWebhook(strict, request, [secret], (timestamp + 11) * 1000)).toEqual({ ok: false, status: 401, reason: 'stale_timestamp' });
    expect(await verifyWebhook(strict, request, [secret], (timestamp - 11) * 1000)).toEqual({ ok: false, status: 401, reason: 'future_timestamp' });
    expect(await verifyWebhook(strict, request, [secret], Number.NaN)).toMatchObject({ ok: false, status: 401 });
  });

  it('accepts any secret during a rotation, and any signature the sender lists', async () => {
    expect(await verify(await signed(), [other, secret])).toMatchObject({ ok: true });
    const both = await signed({ secrets: [other, secret] });
    expect(both['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(await verify(both, [secret])).toMatchObject({ ok: true });
    expect(await verify(both, [other])).toMatchObject({ ok: true });
  });

  it('ignores other version tags and entries that are not base64', async () => {
    const headers = await signed();
    const signature = headers['webhook-signature'] ?? '';
    const v1a = `v1a,${signature.slice(3)}`;
    expect(await verify({ ...headers, 'webhook-signature': `${v1a} v1,%%%% v1 ${signature}` }, [secret])).toMatchObject({ ok: true });
    expect(await verify({ ...headers, 'webhook-signature': v1a }, [secret])).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
  });

  it('signs and verifies the raw bytes, even when they are not UTF-8', async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x80]);
    const headers = await signed({ body: bytes });
    expect(await verify(headers, [secret], { body: bytes })).toMatchObject({ ok: true });
    expect(await verify(headers, [secret], { body: new Uint8Array([0xff, 0xfe, 0x00, 0x81]) })).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('round-trips the signer', async () => {
    const signature = await signStandardWebhook(secret, { id: 'msg_2', timestamp, body });
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    expect(await verify(headers, [secret])).toEqual({ ok: true, eventId: 'msg_2', timestamp });
  });

  it('refuses to sign with a secret that is not base64 or a timestamp that is not whole seconds', async () => {
    await expect(signStandardWebhook('whsec_not base64!', { id: 'msg_1', timestamp, body })).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(signStandardWebhook(secret, { id: 'msg_1', timestamp: 1_700_000_000.5, body })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(standardWebhookHeaders([], { id: 'msg_1', timestamp, body })).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const generated = generateWebhookSecret();
    expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(decodeBase64(generated.slice('whsec_'.length))?.length).toBe(32);
    expect(generateWebhookSecret()).not.toBe(generated);
  });

  it('answers hostile input with ok: false and never throws', async () => {
    const headers = await signed();
    const hostile: Record<string, string>[] = [
      { ...headers, 'webhook-signature': 'v1,@@@garbage@@@' },
      { ...headers, 'webhook-signature': 'v1,' },
      { ...headers, 'webhook-signature': ',,,, , v1,,, ' },
      { ...headers, 'webhook-signature': 'v1,A' },
      { ...headers, 'webhook-signature': `v1,${'A'.repeat(1_000_000)}` },
      { ...headers, 'webhook-signature': `${headers['webhook-signature'] ?? ''} ${'v1,AAAA '.repeat(5_000)}` },
      { ...headers, 'webhook-id': 'x'.repeat(100_000) },
      { ...headers, 'webhook-timestamp': '9'.repeat(100_000) },
    ];
    for (const candidate of hostile) expect(await verify(candidate, [secret])).toMatchObject({ ok: false });
    expect(await verify(headers, ['whsec_!!!', '', 'whsec_'])).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
  });
});
