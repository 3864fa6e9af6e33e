import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookVerificationSchema } from './verification-scheme';
import { verifyWebhook, type WebhookVerdict } from './verify-webhook';

const stripe = webhookVerificationSchema.parse({ scheme: 'stripe' });
const secret = 'whsec_stripe_endpoint_secret_1';
const other = 'whsec_stripe_endpoint_secret_2';
const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded' });
const timestamp = 1_700_000_000;
const now = timestamp * 1000;

/** What Stripe's SDKs compute: node:crypto stands apart from the Web Crypto code under test. */
function v1(key: string, t: number | string, payload: string = body): string {
  return createHmac('sha256', key).update(`${t}.${payload}`, 'utf8').digest('hex');
}

function verify(header: string | undefined, options: { payload?: string; secrets?: string[]; at?: number; scheme?: typeof stripe } = {}): Promise<WebhookVerdict> {
  const headers = new Headers(header === undefined ? {} : { 'Stripe-Signature': header });
  return verifyWebhook(options.scheme ?? stripe, { headers, body: new TextEncoder().encode(options.payload ?? body) }, options.secrets ?? [secret], options.at ?? now);
}

describe('verifyWebhook with stripe', () => {
  it('accepts a signed request and returns its timestamp, but no event id', async () => {
    expect(await verify(`t=${timestamp},v1=${v1(secret, timestamp)}`)).toEqual({ ok: true, timestamp });
  });

  it('accepts any of several v1 signatures and ignores v0 and unknown keys', async () => {
    const header = `t=${timestamp},v1=${v1(other, timestamp)},v0=${v1(secret, timestamp)},v1=${v1(secret, timestamp)},x=1`;
    expect(await verify(header)).toMatchObject({ ok: true });
    expect(await verify(`t=${timestamp},v0=${v1(secret, timestamp)}`)).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
  });

  it('rejects the wrong secret and a tampered body with 401', async () => {
    expect(await verify(`t=${timestamp},v1=${v1(secret, timestamp)}`, { secrets: [other] })).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
    expect(await verify(`t=${timestamp},v1=${v1(secret, timestamp)}`, { payload: `${body} ` })).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
    expect(await verify(`t=${timestamp + 1},v1=${v1(secret, timestamp)}`)).toEqual({ ok: false, status: 401, reason: 'bad_signature' });
  });

  it('accepts either secret during a rotation', async () => {
    expect(await verify(`t=${timestamp},v1=${v1(secret, timestamp)}`, { secrets: [other, secret] })).toMatchObject({ ok: true });
  });

  it('applies the tolerance both ways, inclusively', async () => {
    const header = `t=${timestamp},v1=${v1(secret, timestamp)}`;
    expect(await verify(header, { at: (timestamp + 300) * 1000 + 999 })).toMatchObject({ ok: true });
    expect(await verify(header, { at: (timestamp - 300) * 1000 })).toMatchObject({ ok: true });
    expect(await verify(header, { at: (timestamp + 301) * 1000 })).toEqual({ ok: false, status: 401, reason: 'stale_timestamp' });
    expect(await verify(header, { at: (timestamp - 301) * 1000 })).toEqual({ ok: false, status: 401, reason: 'future_timestamp' });
    const strict = webhookVerificationSchema.parse({ scheme: 'stripe', toleranceSeconds: 5 });
    expect(await verify(header, { scheme: strict, at: (timestamp + 6) * 1000 })).toEqual({ ok: false, status: 401, reason: 'stale_timestamp' });
  });

  it('rejects a missing header, or one without a single valid timestamp, with 400', async () => {
    expect(await verify(undefined)).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
    expect(await verify(`v1=${v1(secret, timestamp)}`)).toEqual({ ok: false, status: 400, reason: 'bad_timestamp' });
    expect(await verify(`t=soon,v1=${v1(secret, 'soon')}`)).toEqual({ ok: false, status: 400, reason: 'bad_timestamp' });
    expect(await verify(`t=${timestamp},t=${timestamp + 1},v1=${v1(secret, timestamp)}`)).toEqual({ ok: false, status: 400, reason: 'bad_timestamp' });
  });

  it('answers hostile input with ok: false and never throws', async () => {
    const hostile = [
      '',
      ',,,,',
      '=',
      't=',
      `t=${timestamp},v1=`,
      `t=${timestamp},v1=zz`,
      `t=${timestamp},v1=${'f'.repeat(1_000_000)}`,
      `t=${timestamp}${',v1=00'.repeat(10_000)}`,
      `t=${'9'.repeat(10_000)},v1=${v1(secret, timestamp)}`,
    ];
    for (const header of hostile) expect(await verify(header)).toMatchObject({ ok: false });
  });
});
