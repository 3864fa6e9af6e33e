import type { AuthTarget, StepConnection } from '@pipewright/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { testGithubConnection } from './test-connection';

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

/** A connection that applies a bearer token, as the engine's does for GitHub's auth spec. */
function bearerConnection(token: string): StepConnection {
  const authorize = (target: AuthTarget) => target.headers.set('authorization', `Bearer ${token}`);
  return {
    id: 'c1',
    connectorId: 'github',
    name: 'test',
    authType: 'bearer',
    credentials: { type: 'bearer', token },
    authorize,
    fetch: (input, init = {}) => {
      const target = { url: new URL(input), headers: new Headers(init.headers) };
      authorize(target);
      return fetch(target.url, { ...init, headers: target.headers });
    },
    refresh: async () => undefined,
  };
}

const ctx = (token: string) => ({ connection: bearerConnection(token), signal: new AbortController().signal, idempotencyKey: 'test' });

describe('testGithubConnection', () => {
  it('asks GitHub who the token belongs to', async () => {
    api.reply = () => ({ json: { login: 'octocat', id: 1, type: 'User' } });
    await testGithubConnection(ctx('ghp_good'), api.url);
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/user' });
    expect(api.requests.at(-1)?.headers.authorization).toBe('Bearer ghp_good');
    expect(api.requests.at(-1)?.headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('throws on a bad token', async () => {
    api.reply = () => ({ status: 401, json: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } });
    await expect(testGithubConnection(ctx('ghp_bad'), api.url)).rejects.toThrow(/401: Bad credentials/);
  });
});
