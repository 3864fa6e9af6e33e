import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createMemoryRunStore } from '../ports/memory-run-store';
import type { AuditEntry, RunStore } from '../ports/run-store';
import type { AuthSpec } from '../registry/auth-spec';
import { defineConnector } from '../registry/connector-definition';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createEngine, type Engine } from '../runtime/engine';
import type { RunView } from '../runtime/run-view';
import { createLocalKeyRing, generateKeyEncryptionKey } from '../secrets/key-ring';
import { SecretVault } from '../secrets/secret-vault';
import { rejection } from '../testing/rejection';

/** What the local service saw of one request. */
interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

let server: Server;
let baseUrl = '';
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    if (request.url?.startsWith('/whoami') && request.headers['x-api-key'] !== 'sk-live-0123456789abcdef0123') {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad key', got: request.headers['x-api-key'] }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: request.url, authorization: request.headers.authorization ?? null, apiKey: request.headers['x-api-key'] ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A connector with the given auth whose action calls the local service through `ctx.connection`. */
function serviceConnector(id: string, auth: AuthSpec) {
  return defineConnector({
    id,
    name: id,
    auth,
    nodes: [
      defineNode({
        type: `${id}.call`,
        version: 1,
        title: 'Call',
        description: 'A test action',
        category: 'Test',
        sideEffects: true,
        configSchema: z.object({ connection: z.string(), path: z.string() }),
        run: async ({ config, connection }) => {
          if (!connection) throw new PipewrightError('invalid_credentials', 'No connection');
          const response = await connection.fetch(`${baseUrl}${config.path}`);
          return (await response.json()) as unknown;
        },
      }),
    ],
    triggers: [],
    testConnection: async ({ connection, signal }) => {
      const response = await connection.fetch(`${baseUrl}/whoami`, { signal });
      if (!response.ok) throw new Error(`whoami answered ${response.status}: ${await response.text()}`);
    },
  });
}

const apiKeyConnector = serviceConnector('keyed', { type: 'apiKey', in: 'header', name: 'x-api-key' });
const queryKeyConnector = serviceConnector('queried', { type: 'apiKey', in: 'query', name: 'api_key' });
const bearerConnector = serviceConnector('bearing', { type: 'bearer' });
const basicConnector = serviceConnector('basic', { type: 'basic' });

const tenantA = { tenantId: 'tenant-a', userId: 'ada' };
const tenantB = { tenantId: 'tenant-b', userId: 'bob' };
const apiKey = 'sk-live-0123456789abcdef0123';

function newEngine(store: RunStore = createMemoryRunStore(), vault = new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } }))): Engine {
  const registry = createRegistry([...coreNodes, apiKeyConnector, queryKeyConnector, bearerConnector, basicConnector]);
  return createEngine({ registry, store, vault });
}

function callWorkflow(id: string, type: string, connection: string, path = '/echo'): WorkflowInput {
  return {
    id,
    name: id,
    nodes: [
      { id: 'start', type: 'core.manual', config: {} },
      { id: 'call', type, config: { connection, path } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'call' }],
  };
}

async function runToEnd(engine: Engine, ctx: { tenantId: string }, workflow: WorkflowInput): Promise<RunView> {
  await engine.workflows.save(ctx, workflow);
  await engine.workflows.publish(ctx, workflow.id);
  const { runId } = await engine.runs.start(ctx, { workflowId: workflow.id }, {});
  for (let waited = 0; waited < 10_000; waited += 10) {
    const view = await engine.runs.get(ctx, runId);
    if (view.status === 'succeeded' || view.status === 'failed') return view;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('The run did not finish');
}

describe('connections', () => {
  it('creates a connection that shows a masked summary and stores only ciphertext', async () => {
    const store = createMemoryRunStore();
    const engine = newEngine(store);
    const view = await engine.connections.create(tenantA, { connectorId: 'keyed', name: 'Prod key', credentials: { type: 'apiKey', apiKey } });
    expect(view).toMatchObject({ connectorId: 'keyed', name: 'Prod key', authType: 'apiKey', summary: { apiKey: 'sk-…0123' }, version: 1 });
    expect(JSON.stringify(view)).not.toContain(apiKey);
    expect(JSON.stringify(await engine.connections.list(tenantA))).not.toContain(apiKey);
    const stored = JSON.stringify(await store.getConnection('tenant-a' as never, view.id as never));
    expect(stored).toContain('"keyId":"k1"');
    expect(stored).not.toContain(apiKey);
  });

  it('rejects credentials that do not fit the connector’s auth spec, without echoing them', async () => {
    const engine = newEngine();
    const wrongType = await rejection(engine.connections.create(tenantA, { connectorId: 'keyed', name: 'x', credentials: { type: 'bearer', token: 'tok-secret-value-123' } }));
    expect(wrongType).toMatchObject({ code: 'invalid_credentials' });
    expect(JSON.stringify(wrongType)).not.toContain('tok-secret-value-123');
    const malformed = await rejection(engine.connections.create(tenantA, { connectorId: 'keyed', name: 'x', credentials: { type: 'apiKey', apiKey: 42 } as never }));
    expect(malformed).toMatchObject({ code: 'invalid_credentials', details: { issues: [expect.objectContaining({ path: ['apiKey'] })] } });
    expect(await rejection(engine.connections.create(tenantA, { connectorId: 'nope', name: 'x', credentials: { type: 'none' } }))).toMatchObject({ code: 'not_found' });
  });

  it.each([
    ['keyed', { type: 'apiKey', apiKey }, (body: Record<string, unknown>) => expect(body.apiKey).toBe(apiKey)],
    ['queried', { type: 'apiKey', apiKey }, (body: Record<string, unknown>) => expect(body.url).toContain(`api_key=${apiKey}`)],
    ['bearing', { type: 'bearer', token: 'tok-0123456789abcdef' }, (body: Record<string, unknown>) => expect(body.authorization).toBe('Bearer tok-0123456789abcdef')],
    [
      'basic',
      { type: 'basic', username: 'ada', password: 'pa ss:wörd-123' },
      (body: Record<string, unknown>) => expect(body.authorization).toBe(`Basic ${Buffer.from('ada:pa ss:wörd-123').toString('base64')}`),
    ],
  ] as const)('a %s step gets its credentials applied on the wire, and its recorded output is redacted', async (connectorId, credentials, check) => {
    const engine = newEngine();
    engine.start();
    try {
      const connection = await engine.connections.create(tenantA, { connectorId, name: 'c', credentials });
      seen.length = 0;
      const view = await runToEnd(engine, tenantA, callWorkflow(`wf-${connectorId}`, `${connectorId}.call`, connection.id));
      expect(view.status).toBe('succeeded');
      // The service saw the credentials; the run's record of its echo does not hold them.
      const echoed = { url: seen[0]?.url, authorization: seen[0]?.headers.authorization ?? null, apiKey: seen[0]?.headers['x-api-key'] ?? null };
      check(echoed);
      const output = view.steps.find((step) => step.nodeId === 'call')?.output as Record<string, unknown>;
      expect(JSON.stringify(output)).toContain('[REDACTED]');
      for (const value of Object.values(credentials)) if (value.length > 8) expect(JSON.stringify(view)).not.toContain(value);
    } finally {
      await engine.stop();
    }
  });

  it('records no credentials when a step returns its connection handle or an object holding the token', async () => {
    const engine = createEngine({
      registry: createRegistry([
        ...coreNodes,
        defineConnector({
          id: 'careless',
          name: 'careless',
          auth: { type: 'bearer' },
          nodes: [
            defineNode({
              type: 'careless.call',
              version: 1,
              title: 'Call',
              description: 'Returns what it should not',
              category: 'Test',
              sideEffects: false,
              configSchema: z.object({ connection: z.string(), path: z.string() }),
              run: ({ connection }) => {
                class Holder {
                  constructor(readonly token: string) {}
                }
                return { connection, holder: new Holder(connection?.credentials.type === 'bearer' ? connection.credentials.token : ''), at: new Date(0) };
              },
            }),
          ],
          triggers: [],
        }),
      ]),
      vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })),
    });
    engine.start();
    try {
      const token = 'tok-careless-0123456789abcdef';
      const connection = await engine.connections.create(tenantA, { connectorId: 'careless', name: 'c', credentials: { type: 'bearer', token } });
      const view = await runToEnd(engine, tenantA, callWorkflow('careless', 'careless.call', connection.id));
      expect(view.steps.find((step) => step.nodeId === 'call')?.output).toEqual({
        connection: { id: connection.id, connectorId: 'careless', name: 'c', authType: 'bearer' },
        holder: { token: '[REDACTED]' },
        at: '1970-01-01T00:00:00.000Z',
      });
      expect(JSON.stringify(view)).not.toContain(token);
    } finally {
      await engine.stop();
    }
  });

  it('keeps tenants apart: tenant B can neither read, change, test nor use tenant A’s connection', async () => {
    const engine = newEngine();
    engine.start();
    try {
      const connection = await engine.connections.create(tenantA, { connectorId: 'keyed', name: 'A', credentials: { type: 'apiKey', apiKey } });
      expect(await engine.connections.get(tenantB, connection.id)).toBeUndefined();
      expect((await engine.connections.list(tenantB)).items).toEqual([]);
      expect(await rejection(engine.connections.update(tenantB, connection.id, { name: 'mine' }))).toMatchObject({ code: 'not_found' });
      expect(await rejection(engine.connections.test(tenantB, connection.id))).toMatchObject({ code: 'not_found' });
      expect(await engine.connections.delete(tenantB, connection.id)).toBe(false);
      seen.length = 0;
      const view = await runToEnd(engine, tenantB, callWorkflow('steal', 'keyed.call', connection.id));
      expect(view.status).toBe('failed');
      expect(view.steps.find((step) => step.nodeId === 'call')?.error).toMatchObject({ code: 'not_found' });
      expect(seen).toEqual([]);
      expect((await engine.connections.audit(tenantB)).items).toEqual([]);
      expect(await engine.connections.get(tenantA, connection.id)).toMatchObject({ name: 'A', version: 1 });
    } finally {
      await engine.stop();
    }
  });

  it('tests a connection with the connector’s check, redacting the secret from a failure', async () => {
    const engine = newEngine();
    const good = await engine.connections.create(tenantA, { connectorId: 'keyed', name: 'good', credentials: { type: 'apiKey', apiKey } });
    expect(await engine.connections.test(tenantA, good.id)).toEqual({ ok: true });
    const wrongKey = 'sk-wrong-9876543210fedcba9876';
    const bad = await engine.connections.create(tenantA, { connectorId: 'keyed', name: 'bad', credentials: { type: 'apiKey', apiKey: wrongKey } });
    const result = await engine.connections.test(tenantA, bad.id);
    // The service echoes the wrong key in its error body, which the check puts in its message.
    expect(result).toMatchObject({ ok: false, error: { message: expect.stringContaining('401') } });
    expect(JSON.stringify(result)).not.toContain(wrongKey);
    expect(JSON.stringify(result)).toContain('[REDACTED]');
  });

  it('updates and deletes, and audits who created, decrypted, tested, changed and deleted a connection', async () => {
    const engine = newEngine();
    const audited: AuditEntry[] = [];
    engine.on('audit', (entry) => audited.push(entry));
    engine.start();
    try {
      const connection = await engine.connections.create(tenantA, { connectorId: 'keyed', name: 'k', credentials: { type: 'apiKey', apiKey } });
      const view = await runToEnd(engine, tenantA, callWorkflow('audited', 'keyed.call', connection.id));
      await engine.connections.test(tenantA, connection.id);
      const renamed = await engine.connections.update(tenantA, connection.id, { name: 'renamed', credentials: { type: 'apiKey', apiKey: 'sk-new-abcdefghijklmnop0000' } });
      expect(renamed).toMatchObject({ name: 'renamed', version: 2, summary: { apiKey: 'sk-…0000' } });
      expect(await engine.connections.delete(tenantA, connection.id)).toBe(true);
      expect(await engine.connections.get(tenantA, connection.id)).toBeUndefined();

      const trail = (await engine.connections.audit(tenantA, { connectionId: connection.id })).items;
      expect(trail.map((entry) => entry.action).reverse()).toEqual([
        'connection.created',
        'connection.decrypted',
        'connection.decrypted',
        'connection.tested',
        'connection.updated',
        'connection.deleted',
      ]);
      expect(trail.find((entry) => entry.action === 'connection.created')?.actor).toEqual({ type: 'user', userId: 'ada' });
      expect(trail.filter((entry) => entry.action === 'connection.decrypted').map((entry) => entry.actor)).toContainEqual({ type: 'run', runId: view.id, nodeId: 'call' });
      expect(audited.map((entry) => entry.id).sort()).toEqual(trail.map((entry) => entry.id).sort());
      expect(JSON.stringify(trail)).not.toContain(apiKey);
    } finally {
      await engine.stop();
    }
  });

  it('rotates the master key: old secrets keep working during rotation and are all re-wrapped', async () => {
    const store = createMemoryRunStore();
    const k1 = generateKeyEncryptionKey();
    const before = newEngine(store, new SecretVault(createLocalKeyRing({ keys: { k1 } })));
    const ids = [];
    for (let index = 0; index < 5; index++) ids.push((await before.connections.create(tenantA, { connectorId: 'keyed', name: `k${index}`, credentials: { type: 'apiKey', apiKey } })).id);

    // The new key is active; the old one stays in the ring until rotation is done.
    const during = newEngine(store, new SecretVault(createLocalKeyRing({ keys: { k2: generateKeyEncryptionKey(), k1 }, activeKeyId: 'k2' })));
    for (const id of ids) expect(await during.connections.test(tenantA, id)).toEqual({ ok: true });
    expect(await during.connections.rotateKeys({ batchSize: 2 })).toEqual({ rewrapped: 5, failed: [] });
    for (const id of ids) expect((await store.getConnection('tenant-a' as never, id as never))?.keyId).toBe('k2');
    expect(await during.connections.rotateKeys()).toEqual({ rewrapped: 0, failed: [] });
    expect((await during.connections.audit(tenantA)).items.filter((entry) => entry.action === 'connection.rewrapped')).toHaveLength(5);
  });

  it('fails a step whose connection is missing from the vault’s key ring with a clear error, and an engine without a vault says so', async () => {
    const store = createMemoryRunStore();
    const first = newEngine(store);
    const connection = await first.connections.create(tenantA, { connectorId: 'keyed', name: 'k', credentials: { type: 'apiKey', apiKey } });
    const otherRing = newEngine(store, new SecretVault(createLocalKeyRing({ keys: { k2: generateKeyEncryptionKey() } })));
    otherRing.start();
    try {
      const view = await runToEnd(otherRing, tenantA, callWorkflow('other-ring', 'keyed.call', connection.id));
      expect(view.steps.find((step) => step.nodeId === 'call')?.error).toMatchObject({ code: 'unknown_key', retryable: false });
    } finally {
      await otherRing.stop();
    }
    const noVault = createEngine({ registry: createRegistry([...coreNodes, apiKeyConnector]), store });
    expect(await rejection(noVault.connections.create(tenantA, { connectorId: 'keyed', name: 'k', credentials: { type: 'apiKey', apiKey } }))).toMatchObject({ code: 'vault_not_configured' });
  });
});
