import { describe, expect, it } from 'vitest';
import { routeRequests } from './route-requests';

const seen: Array<{ to: string; method: string; url: string }> = [];
const route = routeRequests({
  api: async (request) => {
    seen.push({ to: 'api', method: request.method, url: request.url });
    return new Response('api');
  },
  hooks: async (request) => {
    seen.push({ to: 'hooks', method: request.method, url: request.url });
    return new Response('hooks', { status: 202 });
  },
});

async function send(path: string, init?: RequestInit): Promise<{ response: Response; to: string | undefined; url: string | undefined }> {
  seen.length = 0;
  const response = await route(new Request(`http://127.0.0.1:8080${path}`, init));
  return { response, to: seen[0]?.to, url: seen[0]?.url };
}

describe('routeRequests', () => {
  it('sends /api and everything under it to the API, path untouched (the API strips its base path)', async () => {
    expect((await send('/api')).to).toBe('api');
    expect(await send('/api/runs?limit=5')).toMatchObject({ to: 'api', url: 'http://127.0.0.1:8080/api/runs?limit=5' });
    expect((await send('/apix')).to).toBeUndefined();
  });

  it('sends /hooks/<path> to the webhook ingress with its method and body', async () => {
    seen.length = 0;
    const response = await route(new Request('http://127.0.0.1:8080/hooks/new-lead', { method: 'POST', body: '{}' }));
    expect(response.status).toBe(202);
    expect(seen).toEqual([{ to: 'hooks', method: 'POST', url: 'http://127.0.0.1:8080/hooks/new-lead' }]);
  });

  it('serves the OpenAPI document at /openapi.json too, from the API', async () => {
    expect(await send('/openapi.json')).toMatchObject({ to: 'api', url: 'http://127.0.0.1:8080/api/openapi.json' });
    expect((await send('/openapi.json', { method: 'POST' })).response.status).toBe(404);
  });

  it('answers / with where things are and anything else with a 404 problem', async () => {
    expect(await (await send('/')).response.json()).toMatchObject({ api: '/api', openapi: '/openapi.json' });
    const missing = await send('/nothing');
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.response.json()).toMatchObject({ status: 404, code: 'route_not_found' });
  });
});
