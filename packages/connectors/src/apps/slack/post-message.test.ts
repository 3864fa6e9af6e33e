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

// What chat.postMessage answers (https://api.slack.com/methods/chat.postMessage).
const posted = {
  ok: true,
  channel: 'C0123456789',
  ts: '1503435956.000247',
  message: { type: 'message', subtype: 'bot_message', text: 'Deploy done', bot_id: 'B0123456789', username: 'ci', ts: '1503435956.000247' },
};

const post = (config: Record<string, unknown>, retry?: { maxAttempts: number }) =>
  runAction(slackConnector, 'slack.postMessage', { baseUrl: api.url, channel: 'C0123456789', ...config }, { credentials, ...(retry ? { retry } : {}) });

describe('slack.postMessage', () => {
  it('posts JSON with the bot token as Bearer and returns the channel, ts and message', async () => {
    api.reply = () => ({ json: posted });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* done' } }];
    const outcome = await post({ text: 'Deploy done', blocks, threadTs: '1503435900.000100' });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ channel: posted.channel, ts: posted.ts, message: posted.message });
    const seen = api.requests.at(-1);
    expect(seen).toMatchObject({ method: 'POST', path: '/chat.postMessage', body: { channel: 'C0123456789', text: 'Deploy done', blocks, thread_ts: '1503435900.000100' } });
    expect(seen?.headers.authorization).toBe(`Bearer ${token}`);
    expect(seen?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(seen?.headers['idempotency-key']).toBeUndefined();
  });

  it('leaves out the fields that are not set', async () => {
    api.reply = () => ({ json: posted });
    await post({ text: 'Hi' });
    expect(api.requests.at(-1)?.body).toEqual({ channel: 'C0123456789', text: 'Hi' });
  });

  it("fails fatally with Slack's error code when Slack answers ok: false", async () => {
    api.reply = () => ({ json: { ok: false, error: 'channel_not_found' } });
    const outcome = await post({ text: 'Hi' }, { maxAttempts: 3 });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'fatal', message: 'Slack chat.postMessage failed: channel_not_found' } });
    expect(outcome.error?.details).toMatchObject({ error: 'channel_not_found', status: 200 });
  });

  it('names the missing scope of a missing_scope error', async () => {
    api.reply = () => ({ json: { ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'channels:read' } });
    const outcome = await post({ text: 'Hi' });
    expect(outcome.error?.details).toMatchObject({ error: 'missing_scope', needed: 'chat:write', provided: 'channels:read' });
  });

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    let calls = 0;
    api.reply = () => (++calls === 1 ? { status: 429, headers: { 'retry-after': '1' }, json: { ok: false, error: 'ratelimited' } } : { json: posted });
    const outcome = await post({ text: 'Hi' }, { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('treats ok: false "ratelimited" as retryable, not fatal', async () => {
    api.reply = () => ({ json: { ok: false, error: 'ratelimited' } });
    const outcome = await post({ text: 'Hi' });
    expect(outcome.error).toMatchObject({ code: 'retryable', retryable: true, message: 'Slack chat.postMessage failed: ratelimited' });
  });

  it('fails clearly on HTML where JSON was promised', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html><body>Slack is down</body></html>' });
    const outcome = await post({ text: 'Hi' });
    expect(outcome.error?.code).toBe('fatal');
    expect(outcome.error?.message).toContain('answered HTML where JSON was expected');
  });

  it('keeps the token out of the run view, even when Slack echoes it', async () => {
    api.reply = () => ({ status: 400, json: { ok: false, error: `invalid_auth for ${token}` } });
    const outcome = await post({ text: 'Hi' });
    expect(outcome.status).toBe('failed');
    expect(JSON.stringify(outcome.view)).not.toContain(token);
  });

  it('rejects bad config at compile time with the field path', async () => {
    await expect(runAction(slackConnector, 'slack.postMessage', { baseUrl: api.url, text: 'Hi' }, { credentials })).rejects.toThrow(/"channel"/);
    await expect(post({ text: 42 })).rejects.toThrow(/"text"/);
    await expect(post({})).rejects.toThrow(/"text".*Give text, blocks, or both/);
    await expect(post({ text: 'Hi', baseUrl: 'not a url' })).rejects.toThrow(/"baseUrl"/);
  });
});
