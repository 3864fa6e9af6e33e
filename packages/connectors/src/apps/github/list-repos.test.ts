import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi, type SeenRequest } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { githubConnector } from './index';
import { nextLink } from '../../sdk/link-header';

const token = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
const credentials = { type: 'bearer' as const, token };

function repo(id: number) {
  return { id, node_id: `R_${id}`, name: `repo-${id}`, full_name: `octocat/repo-${id}`, private: id % 2 === 0, owner: { login: 'octocat', id: 1 }, html_url: `https://github.com/octocat/repo-${id}` };
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

/** Three pages of two repositories, linked as GitHub links them (absolute URLs carrying the whole query). */
function paged(request: SeenRequest) {
  const page = Number(request.query['page'] ?? '1');
  const link = (n: number) => `<${api.url}/user/repos?per_page=2&sort=updated&visibility=private&page=${n}>`;
  const rels = [page < 3 ? `${link(page + 1)}; rel="next"` : undefined, `${link(3)}; rel="last"`, page > 1 ? `${link(1)}; rel="first"` : undefined].filter(Boolean);
  return { headers: { link: rels.join(', ') }, json: [repo(page * 2 - 1), repo(page * 2)] };
}

function listRepos(config: Record<string, unknown> = {}, retry?: { maxAttempts: number }) {
  return runAction(githubConnector, 'github.listRepos', { baseUrl: api.url, ...config }, { credentials, ...(retry ? { retry } : {}) });
}

describe('github.listRepos', () => {
  it('follows the Link header through every page, with the token and GitHub’s headers', async () => {
    api.reply = paged;
    const outcome = await listRepos({ perPage: 2, sort: 'updated', visibility: 'private' });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ repos: [1, 2, 3, 4, 5, 6].map(repo), hasMore: false });
    expect(api.requests.map((seen) => [seen.method, seen.path, seen.query])).toEqual([
      ['GET', '/user/repos', { per_page: '2', page: '1', sort: 'updated', visibility: 'private' }],
      ['GET', '/user/repos', { per_page: '2', sort: 'updated', visibility: 'private', page: '2' }],
      ['GET', '/user/repos', { per_page: '2', sort: 'updated', visibility: 'private', page: '3' }],
    ]);
    for (const seen of api.requests) {
      expect(seen.headers.authorization).toBe(`Bearer ${token}`);
      expect(seen.headers.accept).toBe('application/vnd.github+json');
      expect(seen.headers['x-github-api-version']).toBe('2022-11-28');
      expect(seen.headers['user-agent']).toBe('pipewright');
    }
    expect(JSON.stringify(outcome.view)).not.toContain(token);
  });

  it('stops after maxPages and says more remain', async () => {
    api.reply = paged;
    const outcome = await listRepos({ perPage: 2, maxPages: 2 });
    expect(outcome.output).toEqual({ repos: [1, 2, 3, 4].map(repo), hasMore: true });
    expect(api.requests).toHaveLength(2);
  });

  it('sends the defaults GitHub documents and reads a single page without a Link header', async () => {
    api.reply = () => ({ json: [repo(1)] });
    const outcome = await listRepos();
    expect(outcome.output).toEqual({ repos: [repo(1)], hasMore: false });
    expect(api.requests[0]?.query).toEqual({ per_page: '30', page: '1', sort: 'full_name', visibility: 'all' });
  });

  it('does not send the token to a next link on another origin', async () => {
    api.reply = () => ({ headers: { link: '<https://evil.example/user/repos?page=2>; rel="next"' }, json: [repo(1)] });
    const outcome = await listRepos();
    expect(outcome.error).toMatchObject({ code: 'fatal' });
    expect(outcome.error?.message).toContain('points away from');
    expect(api.requests).toHaveLength(1);
  });

  it('retries after a 429 with Retry-After and then succeeds', async () => {
    let calls = 0;
    api.reply = () => (++calls === 1 ? { status: 429, headers: { 'retry-after': '1' }, json: { message: 'API rate limit exceeded' } } : { json: [repo(1)] });
    const outcome = await listRepos({}, { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2, output: { repos: [repo(1)] } });
  });

  it('fails on a bad token with GitHub’s message', async () => {
    api.reply = () => ({ status: 401, json: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } });
    const outcome = await listRepos();
    expect(outcome.error).toMatchObject({ code: 'fatal', details: { status: 401 } });
    expect(outcome.error?.message).toContain('Bad credentials');
    expect(JSON.stringify(outcome.view)).not.toContain(token);
  });

  it('fails clearly on HTML, and on JSON that is not a list of repositories', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, text: '<!DOCTYPE html><html>GitHub is down</html>' });
    expect((await listRepos()).error?.message).toContain('answered HTML where JSON was expected');
    api.reply = () => ({ json: { message: 'Moved' } });
    expect((await listRepos()).error?.message).toContain('not a list of repositories');
  });

  it('rejects a wrong type or an out-of-range page size, naming the field', async () => {
    await expect(listRepos({ perPage: 'ten' })).rejects.toThrow(/"perPage"/);
    await expect(listRepos({ perPage: 500 })).rejects.toThrow(/"perPage"/);
    await expect(listRepos({ sort: 'stars' })).rejects.toThrow(/"sort"/);
    await expect(runAction(githubConnector, 'github.listRepos', { baseUrl: api.url })).rejects.toThrow(/"connection"/);
  });
});

describe('nextLink', () => {
  it('finds rel="next" among the links, and nothing when there is none', () => {
    expect(nextLink('<https://api.github.com/user/repos?page=1>; rel="prev", <https://api.github.com/user/repos?page=3>; rel="next"')).toBe('https://api.github.com/user/repos?page=3');
    expect(nextLink('<https://api.github.com/user/repos?page=1>; rel="first"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });
});
