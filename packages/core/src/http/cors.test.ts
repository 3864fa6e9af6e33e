import { afterAll, describe, expect, it } from 'vitest';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { createEngine } from '../runtime/engine';
import { createHttpHandler } from './server/create-http-handler';
import type { HttpApiOptions } from './server/handler-types';

const engine = createEngine({ registry: createRegistry([...coreNodes]) });
afterAll(() => engine.stop());

function handler(cors?: HttpApiOptions['cors']) {
  const authorize: HttpApiOptions['authorize'] = (request) => (request.headers.get('authorization') === 'Bearer ok' ? { tenantId: 't', userId: 'u', role: 'viewer' } : null);
  return createHttpHandler({ engine, basePath: '/api', authorize, ...(cors === undefined ? {} : { cors }) });
}

const preflight = (origin: string) =>
  new Request('http://api.test/api/workflows', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });

describe('cross-origin access', () => {
  it('answers a preflight from an allowed origin without asking for credentials, and marks the real answer', async () => {
    const api = handler({ origin: ['https://app.example'], credentials: true });
    const answer = await api(preflight('https://app.example'));
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(answer.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    const list = await api(new Request('http://api.test/api/workflows', { headers: { origin: 'https://app.example', authorization: 'Bearer ok' } }));
    expect(list.status).toBe(200);
    expect(list.headers.get('access-control-allow-origin')).toBe('https://app.example');
    // An error answer carries the header too, or the browser hides the problem from the builder.
    const refused = await api(new Request('http://api.test/api/workflows', { headers: { origin: 'https://app.example' } }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('gives another origin no access, and sends no CORS headers at all when not configured', async () => {
    const answer = await handler({ origin: (origin) => (origin.endsWith('.app.example') ? origin : null) })(preflight('https://evil.example'));
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await handler()(new Request('http://api.test/api/workflows', { headers: { origin: 'https://app.example', authorization: 'Bearer ok' } }));
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });
});
