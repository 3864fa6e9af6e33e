import { createEngine, createLocalKeyRing, createRegistry, generateKeyEncryptionKey, SecretVault } from '@pipewright/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { testTelegramConnection } from './get-me';
import { telegramConnector } from './index';

const token = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

/** `connections.test` of a real engine, with the connector's check pointed at the local API. */
async function testConnection(): Promise<unknown> {
  const connector = { ...telegramConnector, testConnection: (ctx: Parameters<typeof testTelegramConnection>[0]) => testTelegramConnection(ctx, api.url) };
  const engine = createEngine({ registry: createRegistry([connector]), vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })) });
  const ctx = { tenantId: 'test' };
  const connection = await engine.connections.create(ctx, { connectorId: 'telegram', name: 'test', credentials: { type: 'bearer', token } });
  return engine.connections.test(ctx, connection.id);
}

describe('telegram testConnection', () => {
  it('calls getMe with the token in the path', async () => {
    api.reply = () => ({ json: { ok: true, result: { id: 7000000001, is_bot: true, first_name: 'Pipewright', username: 'pipewright_bot', can_join_groups: true } } });
    expect(await testConnection()).toEqual({ ok: true });
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: `/bot${token}/getMe` });
  });

  it('reports a rejected token without showing it', async () => {
    api.reply = () => ({ status: 401, json: { ok: false, error_code: 401, description: 'Unauthorized' } });
    expect(await testConnection()).toEqual({ ok: false, error: { code: 'fatal', message: 'Telegram getMe failed (401): Unauthorized' } });
  });
});
