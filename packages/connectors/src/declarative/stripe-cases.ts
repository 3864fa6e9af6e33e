import type { ConnectorDefinition } from '@pipewright/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi, type SeenRequest } from '../test-support/mock-api';
import { runAction } from '../test-support/run-action';

const secretKey = 'sk_test_51MzS7aLkdIwHu7ixCASESECRET0123456789abcdef';
const credentials = { type: 'bearer' as const, token: secretKey };

function customer(n: number) {
  return { id: `cus_${n}`, object: 'customer', created: 1680893993 - n, email: `c${n}@example.com`, name: `Customer ${n}`, livemode: false, metadata: {} };
}

/** Five customers, `limit` at a time after `starting_after`, as Stripe pages its lists. */
function paged(request: SeenRequest) {
  const all = [1, 2, 3, 4, 5].map(customer);
  const limit = Number(request.query['limit'] ?? '10');
  const after = request.query['starting_after'];
  const start = after === undefined ? 0 : all.findIndex((entry) => entry.id === after) + 1;
  return { json: { object: 'list', url: '/v1/customers', has_more: start + limit < all.length, data: all.slice(start, start + limit) } };
}

/** Stripe's error body: https://docs.stripe.com/api/errors */
const cardError = {
  error: { type: 'invalid_request_error', code: 'email_invalid', param: 'email', message: 'Invalid email address: not-an-email', doc_url: 'https://stripe.com/docs/error-codes/email-invalid' },
};

/**
 * The behaviour any Stripe connector must have, whether written as code or as a
 * declarative document: the requests Stripe requires, its pagination, its error shape,
 * retries and redaction. Each implementation runs these cases against its connector.
 */
export function stripeCases(makeConnector: () => ConnectorDefinition): void {
  let api: MockApi;
  let connector: ConnectorDefinition;
  beforeAll(async () => {
    api = await startMockApi();
    connector = makeConnector();
  });
  afterAll(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.requests.length = 0;
  });

  const run = (type: string, config: Record<string, unknown>, retry?: { maxAttempts: number }) =>
    runAction(connector, type, { baseUrl: api.url, ...config }, { credentials, ...(retry ? { retry } : {}) });

  describe('stripe.listCustomers', () => {
    it('GETs /v1/customers with the key as a bearer token and follows has_more with the last id', async () => {
      api.reply = paged;
      const outcome = await run('stripe.listCustomers', { limit: 2 });
      expect(outcome.status).toBe('succeeded');
      expect(outcome.output).toMatchObject({ customers: [1, 2, 3, 4, 5].map(customer), hasMore: false, lastId: 'cus_5' });
      expect(api.requests.map((seen) => [seen.method, seen.path, seen.query])).toEqual([
        ['GET', '/v1/customers', { limit: '2' }],
        ['GET', '/v1/customers', { limit: '2', starting_after: 'cus_2' }],
        ['GET', '/v1/customers', { limit: '2', starting_after: 'cus_4' }],
      ]);
      for (const seen of api.requests) {
        expect(seen.headers.authorization).toBe(`Bearer ${secretKey}`);
        expect(seen.headers['idempotency-key']).toBeUndefined();
      }
      expect(JSON.stringify(outcome.view)).not.toContain(secretKey);
    });

    it('starts after a given id, filters by email and stops at maxPages saying more remain', async () => {
      api.reply = paged;
      const outcome = await run('stripe.listCustomers', { limit: 1, maxPages: 2, startingAfter: 'cus_1', email: 'c2@example.com' });
      expect(outcome.output).toMatchObject({ customers: [customer(2), customer(3)], hasMore: true, lastId: 'cus_3' });
      expect(api.requests[0]?.query).toEqual({ limit: '1', starting_after: 'cus_1', email: 'c2@example.com' });
      expect(api.requests).toHaveLength(2);
    });

    it('retries a 5xx and then succeeds', async () => {
      let calls = 0;
      api.reply = (request) => (++calls === 1 ? { status: 500, json: { error: { type: 'api_error', message: 'Something went wrong on Stripe’s end.' } } } : paged(request));
      expect(await run('stripe.listCustomers', {}, { maxAttempts: 2 })).toMatchObject({ status: 'succeeded', attempts: 2, output: { lastId: 'cus_5' } });
    });

    it('waits out a 429 with Retry-After and then succeeds', async () => {
      let calls = 0;
      const rateLimited = { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly.' } };
      api.reply = (request) => (++calls === 1 ? { status: 429, headers: { 'retry-after': '0' }, json: rateLimited } : paged(request));
      expect(await run('stripe.listCustomers', {}, { maxAttempts: 2 })).toMatchObject({ status: 'succeeded', attempts: 2 });
    });

    it('fails clearly on HTML where Stripe sends JSON', async () => {
      api.reply = () => ({ status: 200, headers: { 'content-type': 'text/html' }, text: '<html><body>Bad gateway</body></html>' });
      const outcome = await run('stripe.listCustomers', {});
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.message).toContain('HTML where JSON was expected');
    });

    it('rejects a config of the wrong type, or without a connection, at compile time with the field path', async () => {
      await expect(run('stripe.listCustomers', { limit: 'ten' })).rejects.toThrow(/limit/);
      await expect(runAction(connector, 'stripe.listCustomers', { baseUrl: api.url })).rejects.toThrow(/connection/);
      await expect(run('stripe.listCustomers', { baseUrl: 'not a url' })).rejects.toThrow(/baseUrl/);
    });
  });

  describe('stripe.createCustomer', () => {
    it('POSTs a form with nested metadata and an idempotency key, and returns the customer', async () => {
      api.reply = (request) => ({ json: { ...customer(9), email: 'jenny@example.com', name: 'Jenny Rosen', metadata: { order: '7' }, seen: request.method } });
      const outcome = await run('stripe.createCustomer', { email: 'jenny@example.com', name: 'Jenny Rosen', metadata: { order: '7' } });
      expect(outcome.status).toBe('succeeded');
      expect(outcome.output).toMatchObject({ id: 'cus_9', object: 'customer', email: 'jenny@example.com' });
      const [seen] = api.requests;
      expect(seen?.method).toBe('POST');
      expect(seen?.path).toBe('/v1/customers');
      expect(seen?.headers['content-type']).toContain('application/x-www-form-urlencoded');
      expect(seen?.headers.authorization).toBe(`Bearer ${secretKey}`);
      expect(seen?.headers['idempotency-key']).toEqual(expect.any(String));
      expect(seen?.body).toEqual({ email: 'jenny@example.com', name: 'Jenny Rosen', 'metadata[order]': '7' });
      expect(JSON.stringify(outcome.view)).not.toContain(secretKey);
    });

    it('fails fatally on Stripe’s error shape with Stripe’s message', async () => {
      api.reply = () => ({ status: 400, json: cardError });
      const outcome = await run('stripe.createCustomer', { email: 'not-an-email' });
      expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'fatal', details: { status: 400 } } });
      expect(outcome.error?.message).toContain('Invalid email address: not-an-email');
      expect(JSON.stringify(outcome.view)).not.toContain(secretKey);
    });

    it('retries a 5xx with the same idempotency key', async () => {
      let calls = 0;
      api.reply = () => (++calls === 1 ? { status: 503, text: '' } : { json: customer(9) });
      const outcome = await run('stripe.createCustomer', { email: 'c9@example.com' }, { maxAttempts: 2 });
      expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2, output: { id: 'cus_9' } });
      const keys = api.requests.map((seen) => seen.headers['idempotency-key']);
      expect(keys[0]).toBeDefined();
      expect(keys[1]).toBe(keys[0]);
    });
  });
}
