import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { openaiConnector } from './index';

const apiKey = 'sk-test-0123456789abcdefghij';
const credentials = { type: 'bearer' as const, token: apiKey };

const completion = {
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I assist you today?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 },
  system_fingerprint: 'fp_06737a9306',
};

function openaiError(status: number, message: string, type: string, code: string | null) {
  return { status, json: { error: { message, type, param: null, code } } };
}

describe('openai.chatCompletion', () => {
  let api: MockApi;
  beforeEach(async () => {
    api = await startMockApi(() => ({ json: completion }));
  });
  afterEach(() => api.close());

  const config = () => ({
    baseUrl: `${api.url}/v1`,
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello' },
    ],
  });

  it('posts the conversation to /chat/completions with the bearer key and returns the first choice', async () => {
    const outcome = await runAction(openaiConnector, 'openai.chatCompletion', { ...config(), temperature: 0.2, maxTokens: 50 }, { credentials });
    expect(outcome.error).toBeUndefined();
    expect(outcome.output).toEqual({
      content: 'Hello! How can I assist you today?',
      message: { role: 'assistant', content: 'Hello! How can I assist you today?' },
      finishReason: 'stop',
      usage: { promptTokens: 19, completionTokens: 10, totalTokens: 29 },
    });
    const [request] = api.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers['authorization']).toBe(`Bearer ${apiKey}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toBeUndefined();
    expect(request?.body).toEqual({ model: 'gpt-4o-mini', messages: config().messages, temperature: 0.2, max_tokens: 50 });
    expect(JSON.stringify(outcome.view)).not.toContain(apiKey);
  });

  it('leaves unset options out of the body, and returns the raw response on request', async () => {
    const outcome = await runAction(openaiConnector, 'openai.chatCompletion', { ...config(), baseUrl: `${api.url}/v1/`, includeRaw: true }, { credentials });
    expect(api.requests[0]?.path).toBe('/v1/chat/completions');
    expect(api.requests[0]?.body).toEqual({ model: 'gpt-4o-mini', messages: config().messages });
    expect(outcome.output).toMatchObject({ raw: completion });
  });

  it('works with a compatible server that sends no usage and a null content', async () => {
    api.reply = () => ({ json: { ...completion, usage: undefined, choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'length' }] } });
    const outcome = await runAction(openaiConnector, 'openai.chatCompletion', config(), { credentials });
    expect(outcome.output).toEqual({ content: '', message: { role: 'assistant', content: null }, finishReason: 'length', usage: null });
  });

  it.each([
    [400, "Invalid value for 'temperature'", 'invalid_request_error', null],
    [401, 'Incorrect API key provided: sk-test-***ghij.', 'invalid_request_error', 'invalid_api_key'],
    [404, 'The model `gpt-9` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found'],
  ])('fails without retrying on %i, with OpenAI\'s message', async (status, message, type, code) => {
    api.reply = () => openaiError(status, message, type, code);
    const outcome = await runAction(openaiConnector, 'openai.chatCompletion', config(), { credentials, retry: { maxAttempts: 3 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatchObject({ code: 'fatal', retryable: false, details: { status } });
    expect(outcome.error?.message).toContain(message);
  });

  it.each([
    ['retry-after', '0'],
    ['x-ratelimit-reset-requests', '20ms'],
  ])('retries a rate-limited 429 after its %s header and then succeeds', async (header, value) => {
    let calls = 0;
    api.reply = () => {
      calls += 1;
      if (calls > 1) return { json: completion };
      return { ...openaiError(429, 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.', 'requests', 'rate_limit_exceeded'), headers: { [header]: value } };
    };
    const outcome = await runAction(openaiConnector, 'openai.chatCompletion', config(), { credentials, retry: { maxAttempts: 2 } });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.attempts).toBe(2);
  });

  it('fails at once on a 429 for an exhausted quota', async () => {
    api.reply = () => openaiError(429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota');
    const outcome = await runAction(openaiConnector, 'openai.chatCompletion', config(), { credentials, retry: { maxAttempts: 3 } });
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatchObject({ code: 'fatal', retryable: false });
    expect(outcome.error?.message).toContain('exceeded your current quota');
  });

  it.each([500, 503])('retries a %i and then succeeds', async (status) => {
    let calls = 0;
    api.reply = () => {
      calls += 1;
      return calls === 1 ? openaiError(status, 'The server had an error while processing your request. Sorry about that!', 'server_error', null) : { json: completion };
    };
    const outcome = await runAction(openaiConnector, 'openai.chatCompletion', config(), { credentials, retry: { maxAttempts: 2 } });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.attempts).toBe(2);
  });

  it('fails clearly on HTML where JSON was promised, and on an unexpected JSON shape', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html><body>502 Bad Gateway</body></html>' });
    const html = await runAction(openaiConnector, 'openai.chatCompletion', config(), { credentials });
    expect(html.error?.message).toContain('HTML where JSON was expected');
    api.reply = () => ({ json: { id: 'x', model: 'm', choices: [] } });
    const shape = await runAction(openaiConnector, 'openai.chatCompletion', config(), { credentials });
    expect(shape.error?.message).toContain('unexpected shape');
  });

  it.each([
    ['a missing model', { model: undefined }, /model/],
    ['no messages', { messages: [] }, /messages/],
    ['an unknown role', { messages: [{ role: 'robot', content: 'x' }] }, /messages.*0.*role/],
    ['a temperature above 2', { temperature: 2.5 }, /temperature/],
    ['a temperature that is not a number', { temperature: 'hot' }, /temperature/],
  ])('rejects %s at compile time, naming the field', async (_, change, path) => {
    const bad: Record<string, unknown> = { ...config(), ...change };
    if (bad['model'] === undefined) delete bad['model'];
    await expect(runAction(openaiConnector, 'openai.chatCompletion', bad, { credentials })).rejects.toThrow(path);
  });
});
