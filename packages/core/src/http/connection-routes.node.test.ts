import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coreNodes } from '../nodes/core-nodes';
import { defineConnector } from '../registry/connector-definition';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { webhookSecretConnector } from '../triggers/webhook-secret-connector';
import type { Client } from './client/create-client';
import { echoConnector, expectProblem, startApiServer, type ApiServer } from './test-support/api-server.node-fixture';

const oauth = new OAuth2Server();
let api: ApiServer;
let tenantCount = 0;

/** An authorization-code connector whose provider is the local mock OAuth2 server. */
function sheetsConnector() {
  return defineConnector({
    id: 'sheets',
    name: 'Sheets',
    auth: { type: 'oauth2', grant: 'authorizationCode', authorizeUrl: `${oauth.issuer.url}/authorize`, tokenUrl: `${oauth.issuer.url}/token`, scopes: ['sheets.read'] },
    nodes: [
      defineNode({
        type: 'sheets.read',
        version: 1,
        title: 'Read',
        description: 'A test action',
        category: 'Test',
        configSchema: z.object({ connection: z.string() }),
        sideEffects: false,
        run: async () => ({}),
      }),
    ],
    triggers: [],
  });
}

const oauthClient = { clientId: 'pipewright-app', clientSecret: 'app-secret-0123456789' };

beforeAll(async () => {
  await oauth.issuer.keys.generate('RS256');
  await oauth.start(0, '127.0.0.1');
  // The mock server names itself `localhost`, which may resolve to ::1 where it does not listen.
  oauth.issuer.url = `http://127.0.0.1:${oauth.address().port}`;
  api = await startApiServer({
    engine: { registry: createRegistry([...coreNodes, webhookSecretConnector, echoConnector, sheetsConnector()]), oauthClients: { sheets: oauthClient } },
  });
});

afterAll(async () => {
  await oauth.stop();
  await api.close();
});

function newTenant(): { tenantId: string; client: Client } {
  tenantCount += 1;
  const tenantId = `connections-${tenantCount}`;
  return { tenantId, client: api.client(tenantId, 'admin') };
}

function send(tenantId: string, method: string, path: string, body?: unknown): Promise<Response> {
  return api.fetch(path, {
    as: { tenantId, role: 'admin' },
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

const secretToken = 'tok-secret-0123456789abcdefXYZ';

describe('connections CRUD', () => {
  it('creates a connection and answers a masked summary that never contains the token', async () => {
    const { tenantId } = newTenant();
    const response = await send(tenantId, 'POST', '/connections', { connectorId: 'echo', name: 'My echo', credentials: { type: 'bearer', token: secretToken } });
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(text).not.toContain(secretToken);
    expect(text).not.toContain('0123456789abcdef');
    const created = JSON.parse(text) as Record<string, unknown>;
    expect(created).toMatchObject({ connectorId: 'echo', name: 'My echo', authType: 'bearer', version: 1, summary: { token: 'tok…fXYZ' } });
    expect(typeof created['id']).toBe('string');
  });

  it('lists connections filtered by connector, in pages', async () => {
    const { client } = newTenant();
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) ids.push((await client.createConnection({ body: { connectorId: 'echo', name, credentials: { type: 'bearer', token: `token-${name}` } } })).id);
    const secret = await client.createConnection({ body: { connectorId: 'webhookSecret', name: 'hook', credentials: { type: 'bearer', token: 'whsec_abcdefabcdef' } } });

    const all = await client.listConnections();
    expect(all.items.map((connection) => connection.id).sort()).toEqual([...ids, secret.id].sort());
    const echo = await client.listConnections({ query: { connectorId: 'echo' } });
    expect(echo.items.map((connection) => connection.id).sort()).toEqual([...ids].sort());
    expect(echo.items.every((connection) => connection.connectorId === 'echo')).toBe(true);
    expect(await client.listConnections({ query: { connectorId: 'sheets' } })).toEqual({ items: [] });

    const first = await client.listConnections({ query: { limit: 2 } });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeDefined();
    const second = await client.listConnections({ query: { limit: 2, cursor: first.nextCursor ?? '' } });
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeUndefined();
    const paged = [...first.items, ...second.items].map((connection) => connection.id);
    expect(new Set(paged).size).toBe(4);
    expect(paged.sort()).toEqual([...ids, secret.id].sort());
  });

  it('gets, renames and re-keys a connection, bumping its version on new credentials', async () => {
    const { client } = newTenant();
    const created = await client.createConnection({ body: { connectorId: 'echo', name: 'Before', credentials: { type: 'bearer', token: 'first-token-0123456789' } } });
    expect(await client.getConnection({ params: { connectionId: created.id } })).toEqual(created);

    const renamed = await client.updateConnection({ params: { connectionId: created.id }, body: { name: 'After' } });
    expect(renamed).toMatchObject({ id: created.id, name: 'After', summary: created.summary });
    expect(renamed.version).toBeGreaterThanOrEqual(created.version);

    const rekeyed = await client.updateConnection({ params: { connectionId: created.id }, body: { credentials: { type: 'bearer', token: 'second-token-9876543210' } } });
    expect(rekeyed.version).toBeGreaterThan(renamed.version);
    expect(rekeyed.name).toBe('After');
    expect(rekeyed.summary).toEqual({ token: '…3210' });
    expect(await client.getConnection({ params: { connectionId: created.id } })).toEqual(rekeyed);
  });

  it('tests the credentials: ok for the token the service accepts, an error otherwise', async () => {
    const { client } = newTenant();
    const good = await client.createConnection({ body: { connectorId: 'echo', name: 'good', credentials: { type: 'bearer', token: 'good' } } });
    const bad = await client.createConnection({ body: { connectorId: 'echo', name: 'bad', credentials: { type: 'bearer', token: 'bad' } } });
    expect(await client.testConnection({ params: { connectionId: good.id } })).toEqual({ ok: true });
    const refused = await client.testConnection({ params: { connectionId: bad.id } });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.message).toContain('not accepted');
  });

  it('keeps an audit trail, newest first', async () => {
    const { client } = newTenant();
    const created = await client.createConnection({ body: { connectorId: 'echo', name: 'audited', credentials: { type: 'bearer', token: 'good' } } });
    await client.testConnection({ params: { connectionId: created.id } });
    await client.updateConnection({ params: { connectionId: created.id }, body: { name: 'renamed' } });

    const audit = await client.listConnectionAudit({ params: { connectionId: created.id } });
    const actions = audit.items.map((entry) => entry.action);
    expect(actions).toContain('connection.created');
    expect(actions).toContain('connection.tested');
    expect(actions[0]).toBe('connection.updated');
    expect(actions.at(-1)).toBe('connection.created');
    expect(actions.indexOf('connection.tested')).toBeLessThan(actions.indexOf('connection.created'));
    const times = audit.items.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(audit.items.every((entry) => entry.connectionId === created.id)).toBe(true);
    expect(audit.items[0]?.detail).toEqual({ changed: 'name' });
  });

  it('deletes a connection (204), then answers 404 for it', async () => {
    const { tenantId, client } = newTenant();
    const created = await client.createConnection({ body: { connectorId: 'echo', name: 'doomed', credentials: { type: 'bearer', token: 'good' } } });
    const deleted = await send(tenantId, 'DELETE', `/connections/${created.id}`);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    await expectProblem(await send(tenantId, 'GET', `/connections/${created.id}`), 404, 'not_found');
    await expectProblem(await send(tenantId, 'DELETE', `/connections/${created.id}`), 404, 'not_found');
    await expectProblem(await send(tenantId, 'PATCH', `/connections/${created.id}`, { name: 'x' }), 404, 'not_found');
    await expectProblem(await send(tenantId, 'POST', `/connections/${created.id}/test`), 404, 'not_found');
    expect(await client.listConnections()).toEqual({ items: [] });
  });

  it('rejects credentials of the wrong shape (400 invalid_request) and an unknown connector (404 not_found)', async () => {
    const { tenantId } = newTenant();
    const shape = await expectProblem(await send(tenantId, 'POST', '/connections', { connectorId: 'echo', name: 'x', credentials: { type: 'bearer' } }), 400, 'invalid_request');
    expect(shape['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('credentials') })]));
    await expectProblem(await send(tenantId, 'POST', '/connections', { connectorId: 'echo', name: 'x', credentials: { type: 'magic', token: 't' } }), 400, 'invalid_request');
    // A valid shape of the wrong kind for the connector is the engine's to refuse.
    await expectProblem(await send(tenantId, 'POST', '/connections', { connectorId: 'echo', name: 'x', credentials: { type: 'apiKey', apiKey: 'k' } }), 400, 'invalid_credentials');
    const unknown = await expectProblem(await send(tenantId, 'POST', '/connections', { connectorId: 'nope', name: 'x', credentials: { type: 'bearer', token: 't' } }), 404, 'not_found');
    expect(unknown['detail']).toContain('nope');
  });
});

/** Follows the provider's consent redirect the way a browser would, up to our redirect URI. */
async function consent(url: string): Promise<{ code: string; state: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  const location = new URL(response.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', state: location.searchParams.get('state') ?? '' };
}

describe('OAuth2 authorization', () => {
  const redirectUri = 'https://app.example/oauth/callback';

  it('authorizes against the provider and stores the connection from the callback; a reused state is refused', async () => {
    const { tenantId, client } = newTenant();
    const authorization = await client.authorizeConnection({ body: { connectorId: 'sheets', name: 'My sheets', redirectUri } });
    const url = new URL(authorization.url);
    expect(url.origin).toBe(oauth.issuer.url);
    expect(url.pathname).toBe('/authorize');
    expect(url.searchParams.get('state')).toBe(authorization.state);
    expect(url.searchParams.get('client_id')).toBe(oauthClient.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(redirectUri);
    expect(Date.parse(authorization.expiresAt)).toBeGreaterThan(Date.now());

    const { code, state } = await consent(authorization.url);
    expect(state).toBe(authorization.state);
    expect(code).not.toBe('');

    const callback = await send(tenantId, 'GET', `/connections/oauth2/callback?${new URLSearchParams({ state, code }).toString()}`);
    expect(callback.status).toBe(201);
    const connection = (await callback.json()) as Record<string, unknown>;
    expect(connection).toMatchObject({ connectorId: 'sheets', name: 'My sheets', authType: 'oauth2', summary: { clientId: oauthClient.clientId, refreshToken: 'present' } });
    expect(JSON.stringify(connection)).not.toContain(oauthClient.clientSecret);
    expect((await client.listConnections({ query: { connectorId: 'sheets' } })).items.map((item) => item.id)).toEqual([connection['id']]);

    // The state is single-use: replaying the callback cannot create a second connection.
    await expectProblem(await send(tenantId, 'GET', `/connections/oauth2/callback?${new URLSearchParams({ state, code }).toString()}`), 400, 'invalid_token');
    expect((await client.listConnections({ query: { connectorId: 'sheets' } })).items).toHaveLength(1);
  });

  it('answers 400 oauth2_error when the user declined, and 400 invalid_request without state and code', async () => {
    const { tenantId } = newTenant();
    const declined = await expectProblem(await send(tenantId, 'GET', '/connections/oauth2/callback?error=access_denied&error_description=User%20said%20no'), 400, 'oauth2_error');
    expect(declined['detail']).toContain('access_denied');
    await expectProblem(await send(tenantId, 'GET', '/connections/oauth2/callback?state=abc'), 400, 'invalid_request');
    await expectProblem(await send(tenantId, 'GET', '/connections/oauth2/callback?state=never-issued&code=xyz'), 400, 'invalid_token');
  });

  it('refuses to authorize a connector that does not use the authorization-code grant', async () => {
    const { tenantId } = newTenant();
    await expectProblem(await send(tenantId, 'POST', '/connections/oauth2/authorize', { connectorId: 'echo', name: 'x', redirectUri }), 400, 'invalid_credentials');
    await expectProblem(await send(tenantId, 'POST', '/connections/oauth2/authorize', { connectorId: 'sheets', name: 'x', redirectUri: 'ftp://x' }), 400, 'invalid_request');
  });
});
