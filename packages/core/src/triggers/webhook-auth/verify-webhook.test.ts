import { describe, expect, it } from 'vitest';
import { webhookVerificationSchema, type WebhookVerification } from './verification-scheme';
import { verifyWebhook } from './verify-webhook';

const schemes: WebhookVerification[] = [
  { scheme: 'standardWebhooks' },
  { scheme: 'hmacSha256', header: 'x-signature' },
  { scheme: 'hmacSha256', header: 'x-signature', encoding: 'base64', prefix: 'sha256=' },
  { scheme: 'github' },
  { scheme: 'stripe' },
  { scheme: 'bearer' },
  { scheme: 'jwt', algorithms: ['HS256', 'RS256', 'ES256'] },
].map((scheme) => webhookVerificationSchema.parse(scheme));

const garbage = ['', 'v1,', '=', 'Bearer', 'Bearer .', 't=1,v1=zz', '\u00ff'.repeat(20_000), 'a,'.repeat(50_000)];
const secrets = ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'plain secret', '', 'whsec_!!', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'];

describe('verifyWebhook', () => {
  it('lets everything through with the explicit none scheme', async () => {
    expect(await verifyWebhook({ scheme: 'none' }, { headers: new Headers(), body: new Uint8Array() }, [], 0)).toEqual({ ok: true });
  });

  it.each(schemes.map((scheme) => [JSON.stringify(scheme), scheme] as const))('refuses an empty request under %s with 400', async (_name, scheme) => {
    expect(await verifyWebhook(scheme, { headers: new Headers(), body: new Uint8Array() }, secrets, Date.now())).toMatchObject({ ok: false, status: 400, reason: 'missing_headers' });
  });

  it.each(schemes.map((scheme) => [JSON.stringify(scheme), scheme] as const))('answers garbage under %s with ok: false and never throws', async (_name, scheme) => {
    for (const value of garbage) {
      const headers = new Headers({
        'webhook-id': value || 'x',
        'webhook-timestamp': value || '1',
        'webhook-signature': value || 'v1,',
        'x-signature': value || 'x',
        'x-hub-signature-256': value || 'x',
        'stripe-signature': value || 'x',
        authorization: value || 'x',
      });
      const verdict = await verifyWebhook(scheme, { headers, body: new TextEncoder().encode(value) }, secrets, Date.now());
      expect(verdict.ok).toBe(false);
    }
  });
});
