import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { slackConnector } from './index';

const token = 'xoxb-1234-5678-SeCrEtBoTtOkEn';
const credentials = { type: 'bearer' as const, token };
let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

const channel = (id: string, name: string) => ({ id, name, is_channel: true, is_private: false, is_archived: false, is_member: true, created: 1449252889, num_members: 4 });

/** conversations.list in three pages, the last one with an empty next_cursor, as Slack marks it. */
function pagedReply(request: { query: Record<string, string> }) {
  const pages: Record<string, { channels: unknown[]; next: string }> = {
    '': { channels: [channel('C1', 'general'), channel('C2', 'random')], next: 'dGVhbTpDMDI=' },
    'dGVhbTpDMDI=': { channels: [channel('C3', 'deploys')], next: 'dGVhbTpDMDM=' },
    'dGVhbTpDMDM=': { channels: [channel('C4', 'support')], next: '' },
  };
  const page = pages[request.query['cursor'] ?? ''];
  if (!page) return { json: { ok: false, error: 'invalid_cursor' } };
  return { json: { ok: true, channels: page.channels, response_metadata: { next_cursor: page.next } } };
}

const list = (config: Record<string, unknown>, retry?: { maxAttempts: number }) =>
  runAction(slackConnector, 'slack.listChannels', { baseUrl: api.url, ...config }, { credentials, ...(retry ? { retry } : {}) });

describe('slack.listChannels', () => {
  it('follows next_cursor to the last page, sending limit, types and the bot token', async () => {
    api.requests.length = 0;
    api.reply = pagedReply;
    const outcome = await list({ types: ['public_channel', 'private_channel'], limit: 2 });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ channels: [channel('C1', 'general'), channel('C2', 'random'), channel('C3', 'deploys'), channel('C4', 'support')], nextCursor: null });
    expect(api.requests.map((request) => [request.method, request.path, request.query])).toEqual([
      ['GET', '/conversations.list', { limit: '2', types: 'public_channel,private_channel', exclude_archived: 'false' }],
      ['GET', '/conversations.list', { limit: '2', types: 'public_channel,private_channel', exclude_archived: 'false', cursor: 'dGVhbTpDMDI=' }],
      ['GET', '/conversations.list', { limit: '2', types: 'public_channel,private_channel', exclude_archived: 'false', cursor: 'dGVhbTpDMDM=' }],
    ]);
    for (const request of api.requests) expect(request.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('stops after maxPages and hands back the cursor to go on from', async () => {
    api.requests.length = 0;
    api.reply = pagedReply;
    const first = await list({ maxPages: 1, excludeArchived: true });
    expect(first.output).toEqual({ channels: [channel('C1', 'general'), channel('C2', 'random')], nextCursor: 'dGVhbTpDMDI=' });
    expect(api.requests[0]?.query).toEqual({ limit: '200', types: 'public_channel', exclude_archived: 'true' });
    const rest = await list({ cursor: 'dGVhbTpDMDI=' });
    expect(rest.output).toEqual({ channels: [channel('C3', 'deploys'), channel('C4', 'support')], nextCursor: null });
  });

  it('treats a page without response_metadata as the last one', async () => {
    api.reply = () => ({ json: { ok: true, channels: [channel('C1', 'general')] } });
    expect((await list({})).output).toEqual({ channels: [channel('C1', 'general')], nextCursor: null });
  });

  it("fails fatally with Slack's error code", async () => {
    api.reply = () => ({ json: { ok: false, error: 'invalid_auth' } });
    const outcome = await list({}, { maxAttempts: 3 });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'fatal', message: 'Slack conversations.list failed: invalid_auth' } });
    expect(JSON.stringify(outcome.view)).not.toContain(token);
  });

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    let calls = 0;
    api.reply = (request) => (++calls === 1 ? { status: 429, headers: { 'retry-after': '1' }, json: { ok: false, error: 'ratelimited' } } : pagedReply(request));
    const outcome = await list({}, { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect((outcome.output as { channels: unknown[] }).channels).toHaveLength(4);
  });

  it('fails clearly on HTML where JSON was promised', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, text: '<!doctype html><title>Maintenance</title>' });
    const outcome = await list({});
    expect(outcome.error).toMatchObject({ code: 'fatal' });
    expect(outcome.error?.message).toContain('answered HTML where JSON was expected');
  });

  it('rejects bad config at compile time with the field path', async () => {
    await expect(list({ types: ['channels'] })).rejects.toThrow(/"types",0/);
    await expect(list({ limit: 5_000 })).rejects.toThrow(/"limit"/);
    await expect(list({ maxPages: '3' })).rejects.toThrow(/"maxPages"/);
  });
});
