import { coreNodes, createEngine, createRegistry } from '@pipewright/core';
import { ApiError, createClient } from '@pipewright/core/client';
import { createHttpHandler } from '@pipewright/core/http';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPalette } from './load-palette';

const engine = createEngine({ registry: createRegistry([...coreNodes]) });
const handler = createHttpHandler({
  engine,
  basePath: '/api',
  authorize: (request) => (request.headers.get('authorization') === 'Bearer viewer' ? { tenantId: 't', userId: 'u', role: 'viewer' } : null),
});

afterAll(() => engine.stop());

describe('loadPalette', () => {
  it("groups the manifest the engine's API serves, triggers first", async () => {
    const client = createClient({ baseUrl: 'http://builder.test/api', fetch: (input, init) => handler(new Request(input, init)), headers: { authorization: 'Bearer viewer' } });
    const groups = await loadPalette(client);
    expect(groups[0]?.category).toBe('Triggers');
    const types = groups.flatMap((group) => group.nodes.map((node) => node.type));
    expect(types).toEqual(expect.arrayContaining(['core.manual', 'core.if', 'core.delay']));
    expect(types).toHaveLength(engine.registry.manifest().nodes.length);
    const filtered = await loadPalette(client, { search: 'delay' });
    expect(filtered.flatMap((group) => group.nodes.map((node) => node.type))).toEqual(['core.delay']);
  });

  it('fails with the API problem when the caller is not let in', async () => {
    const client = createClient({ baseUrl: 'http://builder.test/api', fetch: (input, init) => handler(new Request(input, init)) });
    await expect(loadPalette(client)).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    await expect(loadPalette(client)).rejects.toBeInstanceOf(ApiError);
  });
});
