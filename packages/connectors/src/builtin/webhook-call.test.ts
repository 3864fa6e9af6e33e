import { generateWebhookSecret, verifyWebhook } from '@pipewright/core';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi, type SeenRequest } from '../test-support/mock-api';
import { runAction } from '../test-support/run-action';
import { signedWebhookConnector } from './webhook-connector';

const secret = generateWebhookSecret();
let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

function headersOf(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) if (typeof value === 'string') headers.set(name, value);
  return headers;
}

/** What a receiver does: checks the Standard Webhooks signature, with a 5 minute replay window. */
async function verdictOf(request: SeenRequest, secrets: readonly string[] = [secret]): Promise<boolean> {
  const verdict = await verifyWebhook(
    { scheme: 'standardWebhooks', toleranceSeconds: 300 },
    { headers: headersOf(request.headers), body: new TextEncoder().encode(request.text) },
    secrets,
    Date.now(),
  );
  return verdict.ok;
}

const config = { url: '', eventType: 'invoice.paid', payload: { invoiceId: 'inv_1', amount: 4200 } };

describe('webhook.call', () => {
  it('POSTs a signed Standard Webhooks event that the receiver verifies', async () => {
    const before = Date.now();
    api.reply = () => ({ status: 204 });
    const outcome = await runAction(signedWebhookConnector, 'webhook.call', { ...config, url: `${api.url}/hooks` }, { credentials: { type: 'bearer', token: secret } });
    expect(outcome.status).toBe('succeeded');
    const seen = api.requests.at(-1);
    if (!seen) throw new Error('no webhook arrived');
    expect(seen).toMatchObject({ method: 'POST', path: '/hooks', body: { type: 'invoice.paid', data: { invoiceId: 'inv_1', amount: 4200 } } });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(Date.parse((seen.body as { timestamp: string }).timestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Number(seen.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(seen.headers['webhook-signature']).toMatch(/^v1,/);
    expect(await verdictOf(seen)).toBe(true);
    expect(await verdictOf(seen, [generateWebhookSecret()])).toBe(false);
    // The secret signs; it never travels, nor does an idempotency header the receiver did not ask for.
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['idempotency-key']).toBeUndefined();
    expect(seen.text).not.toContain(secret);
    expect(outcome.output).toEqual({ id: seen.headers['webhook-id'], status: 204, body: '' });
    expect(JSON.stringify(outcome.view)).not.toContain(secret);
  });

  it('resends the same webhook-id on a retried attempt, freshly signed', async () => {
    let calls = 0;
    api.reply = () => (++calls === 1 ? { status: 503, text: 'busy' } : { status: 200, text: 'ok' });
    const outcome = await runAction(signedWebhookConnector, 'webhook.call', { ...config, url: `${api.url}/hooks` }, { credentials: { type: 'bearer', token: secret }, retry: { maxAttempts: 2 } });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2, output: { status: 200, body: 'ok' } });
    const [first, second] = api.requests.slice(-2);
    if (!first || !second) throw new Error('expected two deliveries');
    expect(first.headers['webhook-id']).toEqual(expect.any(String));
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(await verdictOf(first)).toBe(true);
    expect(await verdictOf(second)).toBe(true);
  });

  it('uses config.id as the webhook-id when set', async () => {
    api.reply = () => ({ status: 200, text: '' });
    await runAction(signedWebhookConnector, 'webhook.call', { ...config, url: `${api.url}/hooks`, id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' }, { credentials: { type: 'bearer', token: secret } });
    const seen = api.requests.at(-1);
    expect(seen?.headers['webhook-id']).toBe('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W');
    expect(seen && (await verdictOf(seen))).toBe(true);
  });

  it('fails without retrying when the receiver rejects the webhook', async () => {
    api.reply = () => ({ status: 401, json: { message: 'Invalid signature' } });
    const outcome = await runAction(signedWebhookConnector, 'webhook.call', { ...config, url: `${api.url}/hooks` }, { credentials: { type: 'bearer', token: secret }, retry: { maxAttempts: 3 } });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(outcome.error?.message).toContain('answered 401: Invalid signature');
  });

  it('fails clearly when the secret is not a signing secret', async () => {
    api.reply = () => ({ status: 200, text: '' });
    const outcome = await runAction(signedWebhookConnector, 'webhook.call', { ...config, url: `${api.url}/hooks` }, { credentials: { type: 'bearer', token: 'whsec_***not base64***' } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toMatch(/base64/);
  });

  it('rejects a bad config at compile time with the field paths', async () => {
    const paths = async (bad: Record<string, unknown>): Promise<unknown[]> => {
      try {
        await runAction(signedWebhookConnector, 'webhook.call', bad, { credentials: { type: 'bearer', token: secret } });
      } catch (error) {
        return ((error as { diagnostics?: Array<{ path: unknown[] }> }).diagnostics ?? []).map((diagnostic) => diagnostic.path.slice(3));
      }
      throw new Error('the config compiled');
    };
    expect(await paths({ url: 'https://example.com/hooks', payload: {} })).toEqual([['eventType']]);
    expect(await paths({ url: 'not a url', eventType: 'a', payload: {} })).toEqual([['url']]);
    expect(await paths({ url: 'https://example.com/hooks', eventType: 7, payload: {} })).toEqual([['eventType']]);
  });
});
