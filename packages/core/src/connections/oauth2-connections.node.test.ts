import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createMemoryRunStore } from '../ports/memory-run-store';
import type { RunStore } from '../ports/run-store';
import { defineConnector, type ConnectorDefinition } from '../registry/connector-definition';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createEngine, type Engine } from '../runtime/engine';
import type { RunView } from '../runtime/run-view';
import { createLocalKeyRing, generateKeyEncryptionKey } from '../secrets/key-ring';
import { SecretVault } from '../secrets/secret-vault';
import { rejection } from '../testing/rejection';

const oauth = new OAuth2Server();
let resource: Server;
let resourceUrl = '';
/** Access tokens the resource server accepts; others get a 401. */
const accepted = new Set<string>();
/** Tokens the resource server saw, in order. */
const presented: string[] = [];
const grants: string[] = [];
let expiresIn = 3_600;
/** The resource server refuses every token (a service that revoked the app). */
let refuseAll = false;
let issued: string[] = [];

beforeAll(async () => {
  await oauth.issuer.keys.generate('RS256');
  await oauth.start(0, '127.0.0.1');
  // The server names itself `localhost`, which may resolve to ::1 where it does not listen.
  oauth.issuer.url = `http://127.0.0.1:${oauth.address().port}`;
  // Two tokens signed in the same second would otherwise be identical.
  oauth.service.on('beforeTokenSigning', (token) => {
    token.payload.jti = randomUUID();
  });
  oauth.service.on('beforeResponse', (response, request) => {
    grants.push(String((request.body as Record<string, unknown>).grant_type));
    const body = response.body as Record<string, unknown>;
    body.expires_in = expiresIn;
    if (typeof body.access_token === 'string') {
      accepted.add(body.access_token);
      issued.push(body.access_token);
    }
  });
  resource = createServer((request, response) => {
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    presented.push(token);
    if (refuseAll || !accepted.has(token)) {
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, echoedAuthorization: request.headers.authorization }));
  });
  await new Promise<void>((resolve) => resource.listen(0, '127.0.0.1', resolve));
  resourceUrl = `http://127.0.0.1:${(resource.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await oauth.stop();
  await new Promise<void>((resolve) => resource.close(() => resolve()));
});

beforeEach(() => {
  accepted.clear();
  presented.length = 0;
  grants.length = 0;
  issued = [];
  expiresIn = 3_600;
  refuseAll = false;
});

function sheetsConnector(): ConnectorDefinition {
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
        run: async ({ connection }) => {
          if (!connection) throw new PipewrightError('invalid_credentials', 'No connection');
          const response = await connection.fetch(`${resourceUrl}/values`);
          return { status: response.status, body: response.ok ? ((await response.json()) as unknown) : null };
        },
      }),
    ],
    triggers: [],
  });
}

const machineConnector = defineConnector({
  id: 'machine',
  name: 'Machine',
  auth: { type: 'oauth2', grant: 'clientCredentials', tokenUrl: 'http://127.0.0.1:1/token', scopes: [] },
  nodes: [],
  triggers: [],
});

const ctx = { tenantId: 'tenant-a', userId: 'ada' };
const client = { clientId: 'pipewright-app', clientSecret: 'app-secret-0123456789' };

/** Token requests wait a little, so concurrent refreshers really overlap. */
const slowTokenFetch: typeof fetch = async (input, init) => {
  if (String(input).endsWith('/token')) await new Promise((resolve) => setTimeout(resolve, 150));
  return fetch(input, init);
};

function newEngine(store: RunStore, vault: SecretVault): Engine {
  return createEngine({ registry: createRegistry([...coreNodes, sheetsConnector()]), store, vault, oauthClients: { sheets: client }, fetch: slowTokenFetch });
}

/** Walks the user through the provider's consent redirect and returns what the callback receives. */
async function consent(url: string): Promise<{ code: string; state: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  const location = new URL(response.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', state: location.searchParams.get('state') ?? '' };
}

async function connect(engine: Engine): Promise<string> {
  const { url } = await engine.connections.authorize(ctx, { connectorId: 'sheets', name: 'My sheets', redirectUri: 'https://host.example/oauth/callback' });
  return (await engine.connections.completeAuthorization(ctx, await consent(url))).id;
}

const readWorkflow = (connection: string): WorkflowInput => ({
  id: 'read',
  name: 'read',
  nodes: [
    { id: 'start', type: 'core.manual', config: {} },
    { id: 'read', type: 'sheets.read', config: { connection } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'read' }],
});

async function runRead(engine: Engine, connection: string): Promise<RunView> {
  await engine.workflows.save(ctx, readWorkflow(connection));
  await engine.workflows.publish(ctx, 'read');
  const { runId } = await engine.runs.start(ctx, { workflowId: 'read' }, {});
  return settle(engine, runId);
}

async function settle(engine: Engine, runId: string): Promise<RunView> {
  for (let waited = 0; waited < 10_000; waited += 10) {
    const view = await engine.runs.get(ctx, runId);
    if (view.status === 'succeeded' || view.status === 'failed') return view;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('The run did not finish');
}

const newVault = (): SecretVault => new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } }));

describe('OAuth2 connections against a local OAuth2 server', () => {
  it('connects with the authorization-code grant and PKCE; the callback state is single-use and bound to the tenant', async () => {
    const engine = newEngine(createMemoryRunStore(), newVault());
    const { url, state } = await engine.connections.authorize(ctx, { connectorId: 'sheets', name: 'My sheets', redirectUri: 'https://host.example/cb' });
    const authorize = new URL(url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('client_id')).toBe('pipewright-app');
    expect(authorize.searchParams.get('state')).toBe(state);

    const callback = await consent(url);
    expect(callback.state).toBe(state);
    expect(await rejection(engine.connections.completeAuthorization({ tenantId: 'tenant-b' }, callback))).toMatchObject({ code: 'invalid_token' });
    const connection = await engine.connections.completeAuthorization(ctx, callback);
    expect(grants).toEqual(['authorization_code']);
    expect(connection).toMatchObject({ connectorId: 'sheets', name: 'My sheets', authType: 'oauth2', summary: { clientId: 'pipewright-app', refreshToken: 'present' } });
    expect(JSON.stringify(connection)).not.toContain(issued[0]);
    expect(await rejection(engine.connections.completeAuthorization(ctx, callback))).toMatchObject({ code: 'invalid_token' });

    engine.start();
    try {
      const view = await runRead(engine, connection.id);
      expect(view.status).toBe('succeeded');
      expect(presented).toEqual([issued[0]]);
      expect(JSON.stringify(view)).not.toContain(issued[0]);
    } finally {
      await engine.stop();
    }
  });

  it('refreshes a token that is about to expire before the step uses it', async () => {
    const engine = newEngine(createMemoryRunStore(), newVault());
    engine.start();
    try {
      expiresIn = 30; // inside the default 60 s refresh margin
      const connection = await connect(engine);
      const view = await runRead(engine, connection);
      expect(view.status).toBe('succeeded');
      expect(grants).toEqual(['authorization_code', 'refresh_token']);
      expect(presented).toEqual([issued[1]]);
      const audit = (await engine.connections.audit(ctx, { connectionId: connection })).items.map((entry) => entry.action);
      expect(audit).toContain('connection.refreshed');
    } finally {
      await engine.stop();
    }
  });

  it('refreshes once on a 401 and sends the request again; a second 401 is the step’s to handle', async () => {
    const engine = newEngine(createMemoryRunStore(), newVault());
    engine.start();
    try {
      const connection = await connect(engine);
      accepted.delete(issued[0] as string); // the service revoked the token early
      const view = await runRead(engine, connection);
      expect(view.steps.find((step) => step.nodeId === 'read')?.output).toMatchObject({ status: 200 });
      expect(grants).toEqual(['authorization_code', 'refresh_token']);
      expect(presented).toEqual([issued[0], issued[1]]);

      // Every token refused: one refresh, one more try, then the 401 goes to the step.
      refuseAll = true;
      presented.length = 0;
      const refused = await runRead(engine, connection);
      expect(refused.steps.find((step) => step.nodeId === 'read')?.output).toMatchObject({ status: 401 });
      expect(grants.filter((grant) => grant === 'refresh_token')).toHaveLength(2);
      expect(presented).toHaveLength(2);
    } finally {
      await engine.stop();
    }
  });

  it('two workers refreshing the same connection at once make one refresh', async () => {
    const store = createMemoryRunStore();
    const vault = newVault();
    const first = newEngine(store, vault);
    const second = newEngine(store, vault);
    expiresIn = 30;
    const connection = await connect(first);
    expiresIn = 3_600;
    const results = await Promise.all([first, second, first, second].map((engine) => engine.connections.test(ctx, connection)));
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
    expect(grants).toEqual(['authorization_code', 'refresh_token']);

    // The same on a 401: steps on both workers present the revoked token, one worker refreshes.
    const revoked = issued[issued.length - 1] as string;
    accepted.delete(revoked);
    presented.length = 0;
    await first.workflows.save(ctx, readWorkflow(connection));
    await first.workflows.publish(ctx, 'read');
    first.start();
    second.start();
    try {
      const started = await Promise.all([first, second].map((engine) => engine.runs.start(ctx, { workflowId: 'read' }, {})));
      const views = await Promise.all(started.map(({ runId }, index) => settle(index === 0 ? first : second, runId)));
      for (const view of views) expect(view.steps.find((step) => step.nodeId === 'read')?.output).toMatchObject({ status: 200 });
      expect(grants.filter((grant) => grant === 'refresh_token')).toHaveLength(2);
      expect(presented.filter((token) => token === revoked)).toHaveLength(2);
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('client-credentials connections fetch their token on create and fail clearly when the token endpoint is down', async () => {
    const engine = createEngine({ registry: createRegistry([...coreNodes, machineConnector]), vault: newVault() });
    const failure = await rejection(engine.connections.create(ctx, { connectorId: 'machine', name: 'm', credentials: { type: 'oauth2', clientId: 'svc', clientSecret: 'svc-secret-0123456789' } }));
    expect(failure).toMatchObject({ code: 'oauth2_error' });
    expect(JSON.stringify(failure)).not.toContain('svc-secret-0123456789');
  });
});
