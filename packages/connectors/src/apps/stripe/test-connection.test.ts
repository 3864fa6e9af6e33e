import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { testStripeConnection } from './test-connection';

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

// Without a connection: auth is the same httpRequest path the action tests prove.
const ctx = { signal: new AbortController().signal, idempotencyKey: 'test' };

describe('testStripeConnection', () => {
  it('reads the account the key belongs to', async () => {
    api.reply = () => ({ json: { id: 'acct_1Nv0FGQ9RKHgCVdK', object: 'account', charges_enabled: true } });
    await testStripeConnection(ctx, api.url);
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/account' });
  });

  it('throws on a bad key with Stripe’s message', async () => {
    api.reply = () => ({ status: 401, json: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****1234' } } });
    await expect(testStripeConnection(ctx, api.url)).rejects.toThrow(/401: Invalid API Key provided/);
  });
});
