import { createEngine, createLocalKeyRing, createRegistry, generateKeyEncryptionKey, SecretVault } from '@pipewright/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { testSlackConnection } from './auth-test';
import { slackConnector } from './index';

const token = 'xoxb-1234-5678-SeCrEtBoTtOkEn';
let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});

/** `connections.test` of a real engine, with the connector's check pointed at the local API. */
async function testConnection(): Promise<unknown> {
  const connector = { ...slackConnector, testConnection: (ctx: Parameters<typeof testSlackConnection>[0]) => testSlackConnection(ctx, api.url) };
  const engine = createEngine({ registry: createRegistry([connector]), vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })) });
  const ctx = { tenantId: 'test' };
  const connection = await engine.connections.create(ctx, { connectorId: 'slack', name: 'test', credentials: { type: 'bearer', token } });
  return engine.connections.test(ctx, connection.id);
}

describe('slack testConnection', () => {
  it('calls auth.test with the bot token', async () => {
    api.reply = () => ({ json: { ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'ci-bot', team_id: 'T12345', user_id: 'U12345', bot_id: 'B12345' } });
    expect(await testConnection()).toEqual({ ok: true });
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: '/auth.test' });
    expect(api.requests.at(-1)?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("reports Slack's error for a revoked token", async () => {
    api.reply = () => ({ json: { ok: false, error: 'token_revoked' } });
    expect(await testConnection()).toEqual({ ok: false, error: { code: 'fatal', message: 'Slack auth.test failed: token_revoked' } });
  });
});
