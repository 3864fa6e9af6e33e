import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi, type SeenRequest } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { stripeConnector } from './index';

const secretKey = 'sk_live_51MzS7aLkdIwHu7ixLIVESECRETKEY0123456789';
const credentials = { type: 'bearer' as const, token: secretKey };

function customer(n: number) {
  return { id: `cus_${n}`, object: 'customer', created: 1680893993 - n, email: `c${n}@example.com`, name: `Customer ${n}`, livemode: true, metadata: {} };
}

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

/** Five customers, `limit` at a time after `starting_after`, as Stripe pages its lists. */
function paged(request: SeenRequest) {
  const all = [1, 2, 3, 4, 5].map(customer);
  const limit = Number(request.query['limit'] ?? '10');
  const after = request.query['starting_after'];
  const start = after === undefined ? 0 : all.findIndex((entry) => entry.id === after) + 1;
  const data = all.slice(start, start + limit);
  return { json: { object: 'list', url: '/v1/customers', has_more: start + limit < all.length, data } };
}

function listCustomers(config: Record<string, unknown> = {}, retry?: { maxAttempts: number }) {
  return runAction(stripeConnector, 'stripe.listCustomers', { baseUrl: api.url, ...config }, { credentials, ...(retry ? { retry } : {}) });
}

describe('stripe.listCustomers', () => {
  it('follows has_more with starting_after = the last id, with the key as a bearer token', async () => {
    api.reply = paged;
    const outcome = await listCustomers({ limit: 2 });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ customers: [1, 2, 3, 4, 5].map(customer), hasMore: false, lastId: 'cus_5' });
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

  it('stops after maxPages, says more remain, and starts after a given cursor with an email filter', async () => {
    api.reply = paged;
    const outcome = await listCustomers({ limit: 1, maxPages: 2, startingAfter: 'cus_1', email: 'c2@example.com' });
    expect(outcome.output).toEqual({ customers: [customer(2), customer(3)], hasMore: true, lastId: 'cus_3' });
    expect(api.requests[0]?.query).toEqual({ limit: '1', starting_after: 'cus_1', email: 'c2@example.com' });
  });

  it('retries a 429 without Retry-After and then succeeds; without retries it is a retryable error', async () => {
    let calls = 0;
    const rateLimited = { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly.' } };
    api.reply = (request) => (++calls === 1 ? { status: 429, json: rateLimited } : paged(request));
    expect(await listCustomers({}, { maxAttempts: 2 })).toMatchObject({ status: 'succeeded', attempts: 2, output: { hasMore: false, lastId: 'cus_5' } });
    api.reply = () => ({ status: 429, json: rateLimited });
    expect((await listCustomers()).error).toMatchObject({ code: 'retryable', details: { status: 429 } });
  });

  it('fails on Stripe’s error shape with its message', async () => {
    api.reply = () => ({
      status: 404,
      json: { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'starting_after', message: "No such customer: 'cus_gone'" } },
    });
    const outcome = await listCustomers({ startingAfter: 'cus_gone' });
    expect(outcome.error).toMatchObject({ code: 'fatal', details: { status: 404 } });
    expect(outcome.error?.message).toContain("No such customer: 'cus_gone'");
  });

  it('fails clearly on HTML and on JSON that is not a list', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html>maintenance</html>' });
    expect((await listCustomers()).error?.message).toContain('answered HTML where JSON was expected');
    api.reply = () => ({ json: customer(1) });
    expect((await listCustomers()).error?.message).toContain('not a list of customers');
  });

  it('rejects a wrong type or an out-of-range limit, naming the field', async () => {
    await expect(listCustomers({ limit: '10' })).rejects.toThrow(/"limit"/);
    await expect(listCustomers({ limit: 101 })).rejects.toThrow(/"limit"/);
    await expect(listCustomers({ maxPages: 0 })).rejects.toThrow(/"maxPages"/);
  });
});
