import { PipewrightError } from '@pipewright/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../test-support/mock-api';
import { httpRequest, type HttpContext } from './http-request';

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

const ctx: HttpContext = { signal: new AbortController().signal, idempotencyKey: 'run-1:send' };

async function failure(promise: Promise<unknown>): Promise<PipewrightError> {
  try {
    await promise;
  } catch (error) {
    if (PipewrightError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('httpRequest', () => {
  it('sends JSON with the step’s idempotency key and reads JSON back', async () => {
    api.reply = () => ({ status: 201, json: { id: 7 } });
    const response = await httpRequest<{ id: number }>(ctx, { method: 'POST', url: `${api.url}/things`, query: { dry: false, skip: undefined }, json: { name: 'a' } });
    expect(response).toMatchObject({ status: 201, body: { id: 7 } });
    const seen = api.requests.at(-1);
    expect(seen).toMatchObject({ method: 'POST', path: '/things', query: { dry: 'false' }, body: { name: 'a' } });
    expect(seen?.headers['idempotency-key']).toBe('run-1:send');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers.accept).toBe('application/json');
  });

  it('sends forms, leaves the idempotency header off GET and when asked, and reads text', async () => {
    api.reply = () => ({ text: 'plain', headers: { 'content-type': 'text/plain' } });
    expect((await httpRequest(ctx, { method: 'POST', url: `${api.url}/f`, form: { a: '1 2' }, responseType: 'text', idempotencyHeader: false })).body).toBe('plain');
    expect(api.requests.at(-1)).toMatchObject({ body: { a: '1 2' } });
    expect(api.requests.at(-1)?.headers['idempotency-key']).toBeUndefined();
    await httpRequest(ctx, { url: `${api.url}/g`, responseType: 'text' });
    expect(api.requests.at(-1)?.headers['idempotency-key']).toBeUndefined();
  });

  it('classifies failures the way the engine retries them', async () => {
    api.reply = () => ({ status: 429, headers: { 'retry-after': '3' }, json: { error: 'slow down' } });
    expect(await failure(httpRequest(ctx, { url: `${api.url}/a` }))).toMatchObject({ code: 'retry_after', retryAfterMs: 3_000, details: { status: 429 } });
    api.reply = () => ({ status: 503, text: 'down' });
    expect(await failure(httpRequest(ctx, { url: `${api.url}/a` }))).toMatchObject({ code: 'retryable', details: { status: 503, body: 'down' } });
    api.reply = () => ({ status: 404, json: { error: { message: 'No such customer' } } });
    const notFound = await failure(httpRequest(ctx, { url: `${api.url}/customers/1` }));
    expect(notFound).toMatchObject({ code: 'fatal', details: { status: 404 } });
    expect(notFound.message).toBe(`GET ${api.url}/customers/1 answered 404: No such customer`);
  });

  it('fails clearly on HTML where JSON was promised, and on an oversize body', async () => {
    api.reply = () => ({ text: '<html><body>Bad gateway page</body></html>', headers: { 'content-type': 'text/html' } });
    const html = await failure(httpRequest(ctx, { url: `${api.url}/json` }));
    expect(html.code).toBe('fatal');
    expect(html.message).toContain('answered HTML where JSON was expected');
    api.reply = () => ({ json: { data: 'x'.repeat(5_000) } });
    expect((await failure(httpRequest(ctx, { url: `${api.url}/big`, maxResponseBytes: 1_000 }))).message).toContain('larger than 1000 bytes');
  });

  it('turns a refused connection into a retryable error', async () => {
    const closed = await startMockApi();
    await closed.close();
    expect(await failure(httpRequest(ctx, { url: `${closed.url}/x` }))).toMatchObject({ code: 'retryable' });
  });
});
