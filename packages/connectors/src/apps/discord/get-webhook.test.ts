import { createEngine, createLocalKeyRing, createRegistry, generateKeyEncryptionKey, SecretVault } from '@pipewright/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { discordConnector } from './index';

const webhookToken = 'Xq7_WebHooKToKeN-abcdefghijklmnopqrstuvwxyz0123456789';
let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

async function testConnection(): Promise<unknown> {
  const engine = createEngine({ registry: createRegistry([discordConnector]), vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })) });
  const ctx = { tenantId: 'test' };
  const connection = await engine.connections.create(ctx, { connectorId: 'discord', name: 'test', credentials: { type: 'bearer', token: `${api.url}/api/webhooks/123/${webhookToken}` } });
  return engine.connections.test(ctx, connection.id);
}

describe('discord testConnection', () => {
  it('reads the webhook with a GET on its URL', async () => {
    api.reply = () => ({ json: { type: 1, id: '123', name: 'CI', avatar: null, channel_id: '1170000000000000000', guild_id: '1160000000000000000', application_id: null, token: webhookToken } });
    expect(await testConnection()).toEqual({ ok: true });
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: `/api/webhooks/123/${webhookToken}` });
    expect(api.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('reports a deleted webhook without its token', async () => {
    api.reply = () => ({ status: 404, json: { message: 'Unknown Webhook', code: 10015 } });
    expect(await testConnection()).toEqual({ ok: false, error: { code: 'fatal', message: `GET ${api.url}/api/webhooks/123/*** answered 404: Unknown Webhook` } });
  });
});
