import { afterEach, describe, expect, it } from 'vitest';
import { httpConnector } from '../builtin/http-connector';
import { startMockApi, type MockApi } from '../test-support/mock-api';
import { runAction } from '../test-support/run-action';
import { createEgressFetch } from './egress-fetch';

let api: MockApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('an engine with an egress policy', () => {
  it('fails an http.request to a private address at once, as fatal, and the service sees nothing', async () => {
    api = await startMockApi(() => ({ json: { reached: true } }));
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/internal` }, { fetch: createEgressFetch(), retry: { maxAttempts: 3 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatchObject({ code: 'fatal', retryable: false });
    expect(outcome.error?.message).toMatch(/not allowed/);
    expect(api.requests).toHaveLength(0);
  });

  it('lets a host the policy allows through', async () => {
    api = await startMockApi(() => ({ json: { reached: true } }));
    const outcome = await runAction(httpConnector, 'http.request', { url: `${api.url}/internal` }, { fetch: createEgressFetch({ allowHosts: ['127.0.0.1'] }) });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toMatchObject({ status: 200, body: { reached: true } });
    expect(api.requests).toHaveLength(1);
  });
});
