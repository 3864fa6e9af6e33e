import { describe, expect, it } from 'vitest';
import { webhookVerificationSchema } from './verification-scheme';
import { verifyWebhook, type WebhookVerdict } from './verify-webhook';

const bearer = webhookVerificationSchema.parse({ scheme: 'bearer' });
const secret = 'tok_4f1c8e0b9a';

function verify(authorization: string | undefined, secrets: readonly string[] = [secret]): Promise<WebhookVerdict> {
  const headers = new Headers(authorization === undefined ? {} : { authorization });
  return verifyWebhook(bearer, { headers, body: new Uint8Array() }, secrets, 0);
}

describe('verifyWebhook with bearer', () => {
  it('accepts the right token, whatever the case of the scheme name', async () => {
    expect(await verify(`Bearer ${secret}`)).toEqual({ ok: true });
    expect(await verify(`bearer ${secret}`)).toEqual({ ok: true });
  });

  it('rejects a wrong token, a prefix of the token and a longer one with 401', async () => {
    for (const token of ['tok_wrong', secret.slice(0, -1), `${secret}0`]) {
      expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, status: 401, reason: 'bad_token' });
    }
  });

  it('accepts either secret during a rotation', async () => {
    expect(await verify(`Bearer ${secret}`, ['tok_old', secret])).toEqual({ ok: true });
  });

  it('rejects a request without a bearer credential with 400', async () => {
    expect(await verify(undefined)).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
    expect(await verify(`Basic ${btoa(`user:${secret}`)}`)).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
    expect(await verify('Bearer')).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
    expect(await verify(secret)).toEqual({ ok: false, status: 400, reason: 'missing_headers' });
  });

  it('never matches an empty secret', async () => {
    expect(await verify('Bearer ', [''])).toMatchObject({ ok: false });
    expect(await verify('Bearer x', [''])).toEqual({ ok: false, status: 401, reason: 'bad_token' });
  });

  it('answers hostile input with ok: false and never throws', async () => {
    for (const value of [`Bearer ${'a'.repeat(1_000_000)}`, `Bearer ${secret} ${secret}`, `Bearer${' '.repeat(100_000)}x y`, 'Bearer \u00ff\u00fe']) {
      expect(await verify(value)).toMatchObject({ ok: false });
    }
  });
});
