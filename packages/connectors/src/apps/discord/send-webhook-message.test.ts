import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { discordConnector } from './index';

const webhookToken = 'Xq7_WebHooKToKeN-abcdefghijklmnopqrstuvwxyz0123456789';
let api: MockApi;
let webhookUrl: string;
beforeAll(async () => {
  api = await startMockApi();
  webhookUrl = `${api.url}/api/webhooks/123/${webhookToken}`;
});
afterAll(async () => {
  await api.close();
});

// What "Execute Webhook" answers with ?wait=true: the Message object.
const message = {
  id: '1180000000000000000',
  type: 0,
  content: 'Deploy done',
  channel_id: '1170000000000000000',
  author: { id: '123', username: 'CI', avatar: null, discriminator: '0000', bot: true },
  attachments: [],
  embeds: [],
  mentions: [],
  mention_roles: [],
  pinned: false,
  mention_everyone: false,
  tts: false,
  timestamp: '2024-01-01T12:00:00.000000+00:00',
  edited_timestamp: null,
  flags: 0,
  components: [],
  webhook_id: '123',
};

const send = (config: Record<string, unknown>, retry?: { maxAttempts: number }) =>
  runAction(discordConnector, 'discord.sendWebhookMessage', { content: 'Deploy done', ...config }, { credentials: { type: 'bearer', token: webhookUrl }, ...(retry ? { retry } : {}) });

function expectNoToken(outcome: { view: unknown }): void {
  expect(JSON.stringify(outcome.view)).not.toContain(webhookToken);
}

describe('discord.sendWebhookMessage', () => {
  it('posts JSON to the webhook URL with wait=true and returns the message', async () => {
    api.reply = () => ({ json: message });
    const embeds = [{ title: 'Deploy', description: 'v1.2.3 is live', color: 5763719 }];
    const outcome = await send({ username: 'CI', avatarUrl: 'https://example.com/ci.png', embeds, allowedMentions: ['users'], threadId: '1190000000000000000' });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual(message);
    const seen = api.requests.at(-1);
    expect(seen).toMatchObject({
      method: 'POST',
      path: `/api/webhooks/123/${webhookToken}`,
      query: { wait: 'true', thread_id: '1190000000000000000' },
      body: { content: 'Deploy done', username: 'CI', avatar_url: 'https://example.com/ci.png', embeds, allowed_mentions: { parse: ['users'] } },
    });
    expect(seen?.headers['content-type']).toBe('application/json');
    // The URL is the credential: no Authorization header, and no header Discord does not know.
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.headers['idempotency-key']).toBeUndefined();
    expectNoToken(outcome);
  });

  it('pings nobody unless asked, and leaves unset fields out', async () => {
    api.reply = () => ({ json: message });
    await send({});
    expect(api.requests.at(-1)?.body).toEqual({ content: 'Deploy done', allowed_mentions: { parse: [] } });
    expect(api.requests.at(-1)?.query).toEqual({ wait: 'true' });
  });

  it("fails fatally with Discord's code and message on a 400, without the token", async () => {
    api.reply = () => ({ status: 400, json: { code: 50035, message: 'Invalid Form Body', errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } } });
    const outcome = await send({}, { maxAttempts: 3 });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'fatal', message: 'Discord webhook 123 answered 400: Invalid Form Body (code 50035)' } });
    expect(outcome.error?.details).toMatchObject({ status: 400, code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    expectNoToken(outcome);
  });

  it('fails fatally on a deleted webhook', async () => {
    api.reply = () => ({ status: 404, json: { message: 'Unknown Webhook', code: 10015 } });
    const outcome = await send({});
    expect(outcome.error).toMatchObject({ code: 'fatal', message: 'Discord webhook 123 answered 404: Unknown Webhook (code 10015)' });
    expectNoToken(outcome);
  });

  it("waits Discord's retry_after on a 429 and then succeeds", async () => {
    let calls = 0;
    api.reply = () => (++calls === 1 ? { status: 429, headers: { 'retry-after': '1' }, json: { message: 'You are being rate limited.', retry_after: 0.25, global: false } } : { json: message });
    const outcome = await send({}, { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('classifies a 429 as retry_after', async () => {
    api.reply = () => ({ status: 429, headers: { 'retry-after': '2' }, json: { message: 'You are being rate limited.', retry_after: 1.5, global: true } });
    const outcome = await send({});
    expect(outcome.error).toMatchObject({ code: 'retry_after', retryable: true, message: 'Discord webhook 123 answered 429: You are being rate limited.', details: { status: 429, global: true } });
    expectNoToken(outcome);
  });

  it('retries a 5xx and keeps the token out of its message', async () => {
    api.reply = () => ({ status: 503, headers: { 'content-type': 'text/plain' }, text: 'upstream connect error' });
    const outcome = await send({});
    expect(outcome.error).toMatchObject({ code: 'retryable', message: `POST ${api.url}/api/webhooks/123/*** answered 503`, details: { status: 503, body: 'upstream connect error' } });
    expectNoToken(outcome);
  });

  it('fails clearly on HTML where JSON was promised, without the token', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html><body>Cloudflare</body></html>' });
    const outcome = await send({});
    expect(outcome.error?.code).toBe('fatal');
    expect(outcome.error?.message).toBe(`POST ${api.url}/api/webhooks/123/*** answered HTML where JSON was expected`);
    expectNoToken(outcome);
  });

  it('refuses a connection that does not hold a webhook URL, without echoing it', async () => {
    const outcome = await runAction(discordConnector, 'discord.sendWebhookMessage', { content: 'x' }, { credentials: { type: 'bearer', token: 'not-a-url-SECRET' } });
    expect(outcome.error).toMatchObject({ code: 'fatal', message: "The connection's Discord webhook URL is not a URL" });
    const other = await runAction(discordConnector, 'discord.sendWebhookMessage', { content: 'x' }, { credentials: { type: 'bearer', token: `${api.url}/api/other/SECRET` } });
    expect(other.error?.message).toBe("The connection's URL is not a Discord webhook URL (…/api/webhooks/<id>/<token>)");
  });

  it('rejects bad config at compile time with the field path', async () => {
    await expect(send({ content: undefined })).rejects.toThrow(/"content".*Give content, embeds, or both/);
    await expect(send({ content: 7 })).rejects.toThrow(/"content"/);
    await expect(send({ embeds: 'x' })).rejects.toThrow(/"embeds"/);
    await expect(send({ allowedMentions: ['here'] })).rejects.toThrow(/"allowedMentions",0/);
  });
});
