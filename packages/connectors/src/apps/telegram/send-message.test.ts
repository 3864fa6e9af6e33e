import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { telegramConnector } from './index';

const token = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const credentials = { type: 'bearer' as const, token };
let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

// What sendMessage answers (https://core.telegram.org/bots/api#sendmessage): a Message.
const sent = {
  ok: true,
  result: {
    message_id: 42,
    from: { id: 7000000001, is_bot: true, first_name: 'Pipewright', username: 'pipewright_bot' },
    chat: { id: -1001234567890, title: 'Deploys', type: 'supergroup' },
    date: 1700000000,
    text: 'Deploy done',
  },
};

const send = (config: Record<string, unknown>, retry?: { maxAttempts: number }) =>
  runAction(telegramConnector, 'telegram.sendMessage', { baseUrl: api.url, chatId: -1001234567890, text: 'Deploy done', ...config }, { credentials, ...(retry ? { retry } : {}) });

/** Everything a failed run recorded must be free of the token. */
function expectNoToken(outcome: { view: unknown; error?: { message: string } | undefined }): void {
  expect(JSON.stringify(outcome.view)).not.toContain(token);
  expect(JSON.stringify(outcome.view)).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
}

describe('telegram.sendMessage', () => {
  it('posts JSON to /bot<token>/sendMessage and returns the Message', async () => {
    api.reply = () => ({ json: sent });
    const outcome = await send({ parseMode: 'HTML', disableNotification: true });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual(sent.result);
    const seen = api.requests.at(-1);
    expect(seen).toMatchObject({ method: 'POST', path: `/bot${token}/sendMessage`, body: { chat_id: -1001234567890, text: 'Deploy done', parse_mode: 'HTML', disable_notification: true } });
    expect(seen?.headers['content-type']).toBe('application/json');
    // The token goes in the path only: no Authorization header, no idempotency header.
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.headers['idempotency-key']).toBeUndefined();
    expect(JSON.stringify(outcome.view)).not.toContain(token);
  });

  it('takes a channel username as chat id and leaves unset fields out', async () => {
    api.reply = () => ({ json: sent });
    await send({ chatId: '@deploys' });
    expect(api.requests.at(-1)?.body).toEqual({ chat_id: '@deploys', text: 'Deploy done' });
  });

  it("fails fatally with Telegram's description, without the token in the message", async () => {
    api.reply = () => ({ status: 400, json: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } });
    const outcome = await send({}, { maxAttempts: 3 });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'fatal', message: 'Telegram sendMessage failed (400): Bad Request: chat not found' } });
    expect(outcome.error?.details).toMatchObject({ status: 400, errorCode: 400, description: 'Bad Request: chat not found' });
    expectNoToken(outcome);
  });

  it.each([
    [401, 'Unauthorized'],
    [403, 'Forbidden: bot was blocked by the user'],
  ])('fails fatally on %i', async (status, description) => {
    api.reply = () => ({ status, json: { ok: false, error_code: status, description } });
    const outcome = await send({});
    expect(outcome.error).toMatchObject({ code: 'fatal', message: `Telegram sendMessage failed (${status}): ${description}` });
    expectNoToken(outcome);
  });

  it('hands on the new chat id of a group that became a supergroup', async () => {
    api.reply = () => ({ status: 400, json: { ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: -1009876543210 } } });
    expect((await send({})).error?.details).toMatchObject({ migrateToChatId: -1009876543210 });
  });

  it('waits parameters.retry_after on a 429 and then succeeds', async () => {
    let calls = 0;
    api.reply = () => (++calls === 1 ? { status: 429, json: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } } : { json: sent });
    const outcome = await send({}, { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('classifies a 429 as retry_after with its wait', async () => {
    api.reply = () => ({ status: 429, json: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } } });
    const outcome = await send({});
    expect(outcome.error).toMatchObject({ code: 'retry_after', retryable: true, message: 'Telegram sendMessage failed (429): Too Many Requests: retry after 7' });
    expectNoToken(outcome);
  });

  it('retries a 502 and keeps the token out of its message', async () => {
    api.reply = () => ({ status: 502, headers: { 'content-type': 'text/html' }, text: '<html>Bad Gateway</html>' });
    const outcome = await send({});
    expect(outcome.error).toMatchObject({ code: 'retryable', message: `POST ${api.url}/bot***/sendMessage answered 502` });
    expectNoToken(outcome);
  });

  it('fails clearly on HTML where JSON was promised, without the token', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html><body>Welcome to nginx</body></html>' });
    const outcome = await send({});
    expect(outcome.error?.code).toBe('fatal');
    expect(outcome.error?.message).toBe(`POST ${api.url}/bot***/sendMessage answered HTML where JSON was expected`);
    expectNoToken(outcome);
  });

  it('rejects bad config at compile time with the field path', async () => {
    await expect(send({ text: undefined })).rejects.toThrow(/"text"/);
    await expect(send({ chatId: true })).rejects.toThrow(/"chatId"/);
    await expect(send({ parseMode: 'markdown' })).rejects.toThrow(/"parseMode"/);
    await expect(send({ text: 'x'.repeat(4_097) })).rejects.toThrow(/"text"/);
  });
});
