import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { testNotionConnection } from './test-connection';

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

// Without a connection: auth is the same httpRequest path the action tests prove.
const ctx = { signal: new AbortController().signal, idempotencyKey: 'test' };

describe('testNotionConnection', () => {
  it('reads the integration’s bot user with the Notion-Version header', async () => {
    api.reply = () => ({ json: { object: 'user', id: '16d84278-ab0e-484c-9bdd-b35da3bd8905', type: 'bot', bot: { owner: { type: 'workspace', workspace: true } } } });
    await testNotionConnection(ctx, api.url);
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/users/me' });
    expect(api.requests.at(-1)?.headers['notion-version']).toBe('2022-06-28');
  });

  it('throws on a bad token with Notion’s message', async () => {
    api.reply = () => ({ status: 401, json: { object: 'error', status: 401, code: 'unauthorized', message: 'API token is invalid.' } });
    await expect(testNotionConnection(ctx, api.url)).rejects.toThrow(/401: API token is invalid/);
  });
});
