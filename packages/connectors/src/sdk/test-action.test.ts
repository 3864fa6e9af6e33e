import { coreNodes, createEngine, createLocalKeyRing, createRegistry, defineConnector, defineNode, generateKeyEncryptionKey, SecretVault } from '@pipewright/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startMockApi, type MockApi } from '../test-support/mock-api';
import { httpRequest } from './http-request';

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi((request) =>
    request.headers.authorization === 'Bearer tok-test-action-0123456789' ? { json: { echoed: request.headers.authorization, id: request.query['id'] } } : { status: 401, json: { message: 'Bad credentials' } },
  );
});
afterAll(async () => {
  await api.close();
});

const shop = defineConnector({
  id: 'shop',
  name: 'Shop',
  auth: { type: 'bearer' },
  nodes: [
    defineNode({
      type: 'shop.getOrder',
      version: 1,
      title: 'Get order',
      description: 'Reads one order',
      category: 'Shop',
      sideEffects: false,
      configSchema: z.object({ connection: z.string().min(1), baseUrl: z.string().url(), id: z.number().int() }),
      run: async (ctx) => {
        ctx.logger.info(`fetching order ${ctx.config.id}`);
        return (await httpRequest(ctx, { url: `${ctx.config.baseUrl}/orders`, query: { id: ctx.config.id } })).body;
      },
    }),
  ],
  triggers: [],
});

function newEngine() {
  return createEngine({ registry: createRegistry([...coreNodes, shop]), vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })) });
}

describe('engine.connectors.testAction', () => {
  it('runs one action for real with the tenant’s connection and redacts what it returns', async () => {
    const engine = newEngine();
    const ctx = { tenantId: 'acme' };
    const connection = await engine.connections.create(ctx, { connectorId: 'shop', name: 'shop', credentials: { type: 'bearer', token: 'tok-test-action-0123456789' } });
    const result = await engine.connectors.testAction(ctx, { type: 'shop.getOrder', config: { baseUrl: api.url, id: 7 }, connectionId: connection.id });
    expect(result).toMatchObject({ ok: true, output: { echoed: 'Bearer [REDACTED]', id: '7' }, logs: [expect.objectContaining({ msg: 'fetching order 7' })] });
    expect(JSON.stringify(result)).not.toContain('tok-test-action-0123456789');
  });

  it('returns config issues with their path, the service’s refusal as an error, and refuses another tenant’s connection', async () => {
    const engine = newEngine();
    const ctx = { tenantId: 'acme' };
    expect(await engine.connectors.testAction(ctx, { type: 'shop.getOrder', config: { baseUrl: api.url, id: 'seven' } })).toMatchObject({
      ok: false,
      issues: expect.arrayContaining([expect.objectContaining({ path: ['config', 'id'] })]),
    });
    const wrong = await engine.connections.create(ctx, { connectorId: 'shop', name: 'wrong', credentials: { type: 'bearer', token: 'tok-wrong-9876543210' } });
    expect(await engine.connectors.testAction(ctx, { type: 'shop.getOrder', config: { baseUrl: api.url, id: 1 }, connectionId: wrong.id })).toMatchObject({
      ok: false,
      error: { code: 'fatal', message: expect.stringContaining('answered 401: Bad credentials'), retryable: false },
    });
    await expect(engine.connectors.testAction({ tenantId: 'other' }, { type: 'shop.getOrder', config: { baseUrl: api.url, id: 1 }, connectionId: wrong.id })).rejects.toMatchObject({ code: 'not_found' });
  });
});
