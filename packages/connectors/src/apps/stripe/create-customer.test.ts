import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { stripeConnector } from './index';

const secretKey = 'sk_test_51MzS7aLkdIwHu7ix0123456789abcdefSECRET';
const credentials = { type: 'bearer' as const, token: secretKey };

// The customer object as Stripe returns it.
const customer = {
  id: 'cus_NffrFeUfNV2Hib',
  object: 'customer',
  address: null,
  balance: 0,
  created: 1680893993,
  currency: null,
  default_source: null,
  delinquent: false,
  description: 'Founding member',
  email: 'jennyrosen@example.com',
  invoice_prefix: '0759376C',
  invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
  livemode: false,
  metadata: { order_id: '6735', 'plan tier': 'gold' },
  name: 'Jenny Rosen',
  next_invoice_sequence: 1,
  phone: null,
  preferred_locales: [],
  shipping: null,
  tax_exempt: 'none',
  test_clock: null,
};

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.requests.length = 0;
});

function createCustomer(config: Record<string, unknown> = {}, retry?: { maxAttempts: number }) {
  return runAction(stripeConnector, 'stripe.createCustomer', { baseUrl: api.url, email: 'jennyrosen@example.com', ...config }, { credentials, ...(retry ? { retry } : {}) });
}

describe('stripe.createCustomer', () => {
  it('posts a form with nested metadata, the key as a bearer token and an Idempotency-Key', async () => {
    api.reply = () => ({ json: customer });
    const outcome = await createCustomer({ name: 'Jenny Rosen', description: 'Founding member', metadata: { order_id: '6735', 'plan tier': 'gold' } });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual(customer);
    const [seen] = api.requests;
    expect(seen).toMatchObject({ method: 'POST', path: '/v1/customers' });
    expect(seen?.headers.authorization).toBe(`Bearer ${secretKey}`);
    expect(seen?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen?.body).toEqual({ email: 'jennyrosen@example.com', name: 'Jenny Rosen', description: 'Founding member', 'metadata[order_id]': '6735', 'metadata[plan tier]': 'gold' });
    expect(seen?.text).toContain('metadata%5Border_id%5D=6735');
    expect(seen?.headers['idempotency-key']).toMatch(/.+/);
    expect(JSON.stringify(outcome.view)).not.toContain(secretKey);
  });

  it('sends the same Idempotency-Key on a retried attempt', async () => {
    let calls = 0;
    api.reply = () =>
      ++calls === 1 ? { status: 500, json: { error: { type: 'api_error', message: 'An unknown error occurred' } } } : { json: customer };
    const outcome = await createCustomer({}, { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2 });
    const keys = api.requests.map((seen) => seen.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/.+/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('retries a 429 (Stripe sends no Retry-After) and then succeeds', async () => {
    let calls = 0;
    const rateLimited = { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.' } };
    api.reply = () => (++calls === 1 ? { status: 429, json: rateLimited } : { json: customer });
    expect(await createCustomer({}, { maxAttempts: 2 })).toMatchObject({ status: 'succeeded', attempts: 2, output: customer });
    api.reply = () => ({ status: 429, json: rateLimited });
    expect((await createCustomer()).error).toMatchObject({ code: 'retryable', retryable: true, details: { status: 429 } });
  });

  it('fails on Stripe’s errors with its message: 400 invalid parameter, 401 bad key, 402 request failed', async () => {
    api.reply = () => ({
      status: 400,
      json: { error: { type: 'invalid_request_error', code: 'email_invalid', param: 'email', message: 'Invalid email address: not-an-email', doc_url: 'https://stripe.com/docs/error-codes/email-invalid' } },
    });
    const invalid = await createCustomer({ email: 'not-an-email' });
    expect(invalid).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'fatal', details: { status: 400 } } });
    expect(invalid.error?.message).toContain('Invalid email address: not-an-email');
    expect(String(invalid.error?.details?.['body'])).toContain('"param":"email"');

    api.reply = () => ({ status: 401, json: { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${secretKey}` } } });
    const unauthorized = await createCustomer();
    expect(unauthorized.error).toMatchObject({ code: 'fatal', details: { status: 401 } });
    // Stripe echoes the key in the message: the engine redacts it from everything recorded.
    expect(JSON.stringify(unauthorized.view)).not.toContain(secretKey);

    api.reply = () => ({ status: 402, json: { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } } });
    expect((await createCustomer()).error).toMatchObject({ code: 'fatal', details: { status: 402 } });
  });

  it('fails clearly on HTML where Stripe promised JSON', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html><body>502 Bad Gateway</body></html>' });
    const outcome = await createCustomer();
    expect(outcome.error?.message).toContain('answered HTML where JSON was expected');
  });

  it('rejects wrong types and bad metadata keys, naming the field', async () => {
    await expect(createCustomer({ email: 42 })).rejects.toThrow(/"email"/);
    await expect(createCustomer({ metadata: { order: 7 } })).rejects.toThrow(/"metadata"/);
    await expect(createCustomer({ metadata: { 'a[b]': 'x' } })).rejects.toThrow(/"metadata"/);
    await expect(runAction(stripeConnector, 'stripe.createCustomer', { baseUrl: api.url })).rejects.toThrow(/"connection"/);
    expect(api.requests).toHaveLength(0);
  });
});
