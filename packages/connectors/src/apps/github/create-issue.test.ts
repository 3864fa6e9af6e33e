import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { githubConnector } from './index';

const token = 'github_pat_11ABCDEFG0123456789_secretsecretsecret';
const credentials = { type: 'bearer' as const, token };

// The issue object as GitHub returns it (trimmed to the usual fields).
const issue = {
  id: 1,
  node_id: 'MDU6SXNzdWUx',
  url: 'https://api.github.com/repos/octocat/Hello-World/issues/1347',
  html_url: 'https://github.com/octocat/Hello-World/issues/1347',
  number: 1347,
  state: 'open',
  title: 'Found a bug',
  body: "I'm having a problem with this.",
  user: { login: 'octocat', id: 1 },
  labels: [{ id: 208045946, name: 'bug', color: 'f29513', default: true }],
  assignees: [{ login: 'octocat', id: 1 }],
  comments: 0,
  created_at: '2011-04-22T13:33:48Z',
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

function createIssue(config: Record<string, unknown> = {}, retry?: { maxAttempts: number }) {
  return runAction(
    githubConnector,
    'github.createIssue',
    { baseUrl: api.url, owner: 'octocat', repo: 'Hello-World', title: 'Found a bug', ...config },
    { credentials, ...(retry ? { retry } : {}) },
  );
}

describe('github.createIssue', () => {
  it('posts the issue with the token and GitHub’s headers, and returns the created issue', async () => {
    api.reply = () => ({ status: 201, json: issue });
    const outcome = await createIssue({ body: "I'm having a problem with this.", labels: ['bug'], assignees: ['octocat'] });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual(issue);
    expect(api.requests).toHaveLength(1);
    const [seen] = api.requests;
    expect(seen).toMatchObject({
      method: 'POST',
      path: '/repos/octocat/Hello-World/issues',
      body: { title: 'Found a bug', body: "I'm having a problem with this.", labels: ['bug'], assignees: ['octocat'] },
    });
    expect(seen?.headers.authorization).toBe(`Bearer ${token}`);
    expect(seen?.headers.accept).toBe('application/vnd.github+json');
    expect(seen?.headers['x-github-api-version']).toBe('2022-11-28');
    expect(seen?.headers['user-agent']).toBe('pipewright');
    expect(seen?.headers['content-type']).toBe('application/json');
    // GitHub does not document Idempotency-Key.
    expect(seen?.headers['idempotency-key']).toBeUndefined();
    expect(JSON.stringify(outcome.view)).not.toContain(token);
  });

  it('leaves the optional fields out of the body', async () => {
    api.reply = () => ({ status: 201, json: issue });
    await createIssue();
    expect(api.requests[0]?.body).toEqual({ title: 'Found a bug' });
  });

  it('fails on a missing repository with GitHub’s message', async () => {
    api.reply = () => ({ status: 404, json: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue', status: '404' } });
    const outcome = await createIssue();
    expect(outcome.status).toBe('failed');
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatchObject({ code: 'fatal', retryable: false, details: { status: 404 } });
    expect(outcome.error?.message).toContain('answered 404: Not Found');
    expect(JSON.stringify(outcome.view)).not.toContain(token);
  });

  it('fails on a validation error and keeps GitHub’s error list', async () => {
    api.reply = () => ({
      status: 422,
      json: {
        message: 'Validation Failed',
        errors: [{ value: 'nobody', resource: 'Issue', field: 'assignees', code: 'invalid' }],
        documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
        status: '422',
      },
    });
    const outcome = await createIssue({ assignees: ['nobody'] });
    expect(outcome.error).toMatchObject({ code: 'fatal', details: { status: 422 } });
    expect(outcome.error?.message).toContain('Validation Failed');
    expect(String(outcome.error?.details?.['body'])).toContain('"field":"assignees"');
  });

  it('waits out a secondary rate limit (403 with retry-after) and then succeeds', async () => {
    let calls = 0;
    api.reply = () =>
      ++calls === 1
        ? {
            status: 403,
            headers: { 'retry-after': '1' },
            json: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' },
          }
        : { status: 201, json: issue };
    const outcome = await createIssue({}, { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2, output: issue });
    expect(api.requests).toHaveLength(2);
  });

  it('classifies the rate limits: 403 with an exhausted primary limit and 429 wait; other 403s are fatal', async () => {
    const reset = Math.floor(Date.now() / 1000) + 60;
    api.reply = () => ({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, json: { message: 'API rate limit exceeded for user ID 1.' } });
    expect((await createIssue()).error).toMatchObject({ code: 'retry_after', retryable: true, details: { status: 403 } });
    api.reply = () => ({ status: 429, headers: { 'retry-after': '30' }, json: { message: 'Too many requests' } });
    expect((await createIssue()).error).toMatchObject({ code: 'retry_after', details: { status: 429, retryAfterMs: 30_000 } });
    api.reply = () => ({ status: 403, json: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue' } });
    const forbidden = await createIssue();
    expect(forbidden.error).toMatchObject({ code: 'fatal', details: { status: 403 } });
    expect(forbidden.error?.message).toContain('Resource not accessible by personal access token');
  });

  it('fails clearly on HTML where GitHub promised JSON', async () => {
    api.reply = () => ({ status: 201, headers: { 'content-type': 'text/html' }, text: '<html><body>Unicorn!</body></html>' });
    const outcome = await createIssue();
    expect(outcome.error).toMatchObject({ code: 'fatal' });
    expect(outcome.error?.message).toContain('answered HTML where JSON was expected');
  });

  it('rejects a config without a title or with a wrong type, naming the field', async () => {
    await expect(runAction(githubConnector, 'github.createIssue', { baseUrl: api.url, owner: 'octocat', repo: 'Hello-World' }, { credentials })).rejects.toThrow(/"title"/);
    await expect(createIssue({ labels: 'bug' })).rejects.toThrow(/"labels"/);
    await expect(createIssue({ repo: 'octocat/Hello-World' })).rejects.toThrow(/"repo"/);
    expect(api.requests).toHaveLength(0);
  });
});
