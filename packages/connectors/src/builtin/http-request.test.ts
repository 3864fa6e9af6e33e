import { coreNodes, createEngine, createLocalKeyRing, createRegistry, defineConnector, generateKeyEncryptionKey, SecretVault, type RunView } from '@pipewright/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../test-support/mock-api';
import { runAction } from '../test-support/run-action';
import { httpConnector } from './http-connector';
import { httpRequestNode } from './http-request';

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

function lastRequest(): MockApi['requests'][number] {
  const seen = api.requests.at(-1);
  if (!seen) throw new Error('no request reached the mock API');
  return seen;
}

/**
 * A run of `manual → http.request` whose connection belongs to another connector
 * (`acme`, bearer auth, no nodes of its own): runAction only makes connections of the
 * connector it runs, so this builds the engine itself.
 */
async function runWithAcmeConnection(config: Record<string, unknown>, token: string): Promise<RunView> {
  const acme = defineConnector({ id: 'acme', name: 'Acme', auth: { type: 'bearer' }, nodes: [], triggers: [] });
  const engine = createEngine({
    registry: createRegistry([...coreNodes, httpConnector, acme]),
    vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })),
  });
  const ctx = { tenantId: 'test' };
  const connection = await engine.connections.create(ctx, { connectorId: 'acme', name: 'acme', credentials: { type: 'bearer', token } });
  const { diagnostics } = await engine.workflows.save(ctx, {
    id: 'http',
    name: 'http',
    nodes: [
      { id: 'start', type: 'core.manual', config: {} },
      { id: 'action', type: 'http.request', config: { ...config, connection: connection.id } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'action' }],
  });
  expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  await engine.workflows.publish(ctx, 'http');
  engine.start();
  try {
    const { runId } = await engine.runs.start(ctx, { workflowId: 'http' }, {});
    for (let waited = 0; waited < 10_000; waited += 10) {
      const view = await engine.runs.get(ctx, runId);
      if (view.status === 'succeeded' || view.status === 'failed') return view;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('The run did not finish within 10 s');
  } finally {
    await engine.stop();
  }
}

/** The config paths (under the node's `config`) of the diagnostics a config fails to compile with. */
async function configErrorPaths(config: Record<string, unknown>): Promise<unknown[]> {
  try {
    await runAction(httpConnector, 'http.request', config);
  } catch (error) {
    const diagnostics = (error as { diagnostics?: Array<{ path: unknown[] }> }).diagnostics ?? [];
    return diagnostics.map((diagnostic) => diagnostic.path.slice(3));
  }
  throw new Error('the config compiled');
}

describe('http.request', () => {
  it('sends a GET with query and headers and returns status, headers and the JSON body', async () => {
    api.reply = () => ({ status: 200, headers: { 'x-request-id': 'r1' }, json: { items: [1, 2] } });
    const outcome = await runAction(httpConnector, 'http.request', {
      url: `${api.url}/items?fixed=1`,
      query: { page: 2, active: true, q: 'a b' },
      headers: { 'X-Trace': 't-1' },
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toMatchObject({ status: 200, headers: { 'x-request-id': 'r1', 'content-type': 'application/json' }, body: { items: [1, 2] } });
    const seen = lastRequest();
    expect(seen).toMatchObject({ method: 'GET', path: '/items', query: { fixed: '1', page: '2', active: 'true', q: 'a b' }, text: '' });
    expect(seen.headers['x-trace']).toBe('t-1');
    expect(seen.headers.accept).toBe('application/json');
    expect(seen.headers['idempotency-key']).toBeUndefined();
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'] as const)('sends %s with a JSON body', async (method) => {
    api.reply = () => ({ status: 201, json: { ok: true } });
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/things/1`, method, body: { type: 'json', value: { name: 'a', n: [1] } } });
    expect(outcome.output).toMatchObject({ status: 201, body: { ok: true } });
    const seen = lastRequest();
    expect(seen).toMatchObject({ method, path: '/things/1', body: { name: 'a', n: [1] } });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['idempotency-key']).toEqual(expect.any(String));
  });

  it('sends HEAD and returns a null body', async () => {
    api.reply = () => ({ status: 200, headers: { 'content-type': 'application/json', etag: '"v1"' } });
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/things/1`, method: 'HEAD' });
    expect(outcome.output).toMatchObject({ status: 200, headers: { etag: '"v1"' }, body: null });
    expect(lastRequest().method).toBe('HEAD');
  });

  it('sends a form body', async () => {
    api.reply = () => ({ json: {} });
    await runAction(httpConnector, 'http.request', { url: `${api.url}/form`, method: 'POST', body: { type: 'form', fields: { a: '1 2', b: 'x&y' } } });
    const seen = lastRequest();
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen.text).toBe('a=1+2&b=x%26y');
    expect(seen.body).toEqual({ a: '1 2', b: 'x&y' });
  });

  it('sends a raw body with its content type, unless a header sets one', async () => {
    api.reply = () => ({ json: {} });
    await runAction(httpConnector, 'http.request', { url: `${api.url}/raw`, method: 'PUT', body: { type: 'raw', text: '<a>1</a>', contentType: 'application/xml' } });
    expect(lastRequest()).toMatchObject({ text: '<a>1</a>', headers: { 'content-type': 'application/xml' } });
    await runAction(httpConnector, 'http.request', {
      url: `${api.url}/raw`,
      method: 'PUT',
      headers: { 'Content-Type': 'text/csv' },
      body: { type: 'raw', text: 'a,b', contentType: 'text/plain' },
    });
    expect(lastRequest()).toMatchObject({ text: 'a,b', headers: { 'content-type': 'text/csv' } });
  });

  it('applies the auth of a bearer connection of another connector and redacts its token', async () => {
    const token = 'acme-secret-token-123';
    api.reply = (request) => ({ json: { echoed: request.headers.authorization } });
    const view = await runWithAcmeConnection({ url: `${api.url}/me` }, token);
    expect(view.status).toBe('succeeded');
    expect(lastRequest().headers.authorization).toBe(`Bearer ${token}`);
    // The API echoed the token back: the recorded output must not hold it.
    expect(JSON.stringify(view)).not.toContain(token);
  });

  it('returns a text response as text', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/csv' }, text: 'a,b\n1,2\n' });
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/export.csv`, responseType: 'text' });
    expect(outcome.output).toMatchObject({ status: 200, body: 'a,b\n1,2\n' });
    expect(lastRequest().headers.accept).not.toBe('application/json');
  });

  it('returns a 4xx answer as output with failOnStatus false', async () => {
    api.reply = () => ({ status: 404, json: { error: { message: 'No such thing' } } });
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/missing`, failOnStatus: false });
    expect(outcome).toMatchObject({ status: 'succeeded', output: { status: 404, body: { error: { message: 'No such thing' } } } });
    api.reply = () => ({ status: 502, headers: { 'content-type': 'text/html' }, text: '<html>Bad gateway</html>' });
    const page = await runAction(httpConnector, 'http.request', { url: `${api.url}/down`, failOnStatus: false });
    expect(page).toMatchObject({ status: 'succeeded', output: { status: 502, body: '<html>Bad gateway</html>' } });
  });

  it('fails on a 4xx by default with the service message, without retrying', async () => {
    api.reply = () => ({ status: 404, json: { error: { message: 'No such thing' } } });
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/missing` }, { retry: { maxAttempts: 3 } });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(outcome.error?.message).toContain('answered 404: No such thing');
    expect(outcome.error?.retryable).toBe(false);
  });

  it('retries a 500 and then succeeds', async () => {
    let calls = 0;
    api.reply = () => (++calls === 1 ? { status: 500, json: { message: 'boom' } } : { json: { ok: true } });
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/flaky`, method: 'POST', body: { type: 'json', value: {} } }, { retry: { maxAttempts: 2 } });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2, output: { status: 200, body: { ok: true } } });
    // Both attempts carried the same idempotency key.
    const [first, second] = api.requests.slice(-2);
    expect(first?.headers['idempotency-key']).toBe(second?.headers['idempotency-key']);
  });

  it('fails clearly when HTML comes back where JSON was promised', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<!doctype html><title>Sign in</title>' });
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/api` });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toMatch(/answered HTML where JSON was expected/);
    expect(outcome.error?.retryable).toBe(false);
  });

  it('times out after timeoutMs', async () => {
    api.reply = () => new Promise((resolve) => setTimeout(() => resolve({ json: {} }), 500));
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/slow`, timeoutMs: 50 });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toMatch(/timed out after 50 ms/);
  });

  it('rejects a bad config at compile time with the field paths', async () => {
    expect(await configErrorPaths({})).toEqual([['url']]);
    expect(await configErrorPaths({ url: 'ftp://example.com/x' })).toEqual([['url']]);
    expect(await configErrorPaths({ url: 'not a url' })).toEqual([['url']]);
    expect(await configErrorPaths({ url: 'https://example.com', method: 'FETCH' })).toEqual([['method']]);
    expect(await configErrorPaths({ url: 'https://example.com', headers: { a: 1 } })).toEqual([['headers', 'a']]);
    expect(await configErrorPaths({ url: 'https://example.com', body: { type: 'json', value: 1 } })).toEqual([['body']]);
  });

  it('keys circuit breaker and rate limit by host', () => {
    const config = httpRequestNode.configSchema.parse({ url: 'https://api.example.com:8443/v1/x' });
    expect(httpRequestNode.flowKey?.(config)).toBe('http:api.example.com:8443');
    expect(httpRequestNode.anyConnection).toBe(true);
  });
});
