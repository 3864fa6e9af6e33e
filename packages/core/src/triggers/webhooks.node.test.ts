import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { createEngine, type Engine } from '../runtime/engine';
import { createLocalKeyRing, generateKeyEncryptionKey } from '../secrets/key-ring';
import { SecretVault } from '../secrets/secret-vault';
import { generateWebhookSecret, signStandardWebhook } from './webhook-auth/standard-webhooks';
import { webhookSecretConnector } from './webhook-secret-connector';

/** Mounts a fetch handler on a node HTTP server, the way a host would. */
async function serve(handler: (request: Request) => Promise<Response>): Promise<{ server: Server; url: string }> {
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
      const body = incoming.method === 'GET' || incoming.method === 'HEAD' ? null : Buffer.concat(chunks);
      void handler(new Request(`http://127.0.0.1${incoming.url ?? '/'}`, { method: incoming.method ?? 'GET', headers, body })).then(async (response) => {
        outgoing.writeHead(response.status, Object.fromEntries(response.headers));
        outgoing.end(Buffer.from(await response.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const ctx = { tenantId: 'acme' };
let engine: Engine;
let server: Server;
let baseUrl = '';

beforeAll(async () => {
  engine = createEngine({ registry: createRegistry([...coreNodes, webhookSecretConnector]), vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })) });
  engine.start();
  ({ server, url: baseUrl } = await serve(engine.webhookHandler));
});

afterAll(async () => {
  await engine.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let workflowCount = 0;

async function secretConnection(secret: string): Promise<string> {
  return (await engine.connections.create(ctx, { connectorId: 'webhookSecret', name: `secret ${workflowCount}`, credentials: { type: 'bearer', token: secret } })).id;
}

/** Publishes and enables a workflow with a webhook trigger; returns its URL. */
async function deploy(webhookConfig: Record<string, unknown>, extraNodes: WorkflowInput['nodes'] = [], extraEdges: WorkflowInput['edges'] = []): Promise<{ id: string; url: string }> {
  const id = `hook-${++workflowCount}`;
  await engine.workflows.save(ctx, {
    id,
    name: id,
    nodes: [{ id: 'hook', type: 'core.webhook', config: webhookConfig }, ...extraNodes],
    edges: extraEdges,
  });
  await engine.workflows.publish(ctx, id);
  const [registration] = await engine.triggers.enable(ctx, id);
  return { id, url: `${baseUrl}/hooks/${registration?.path ?? ''}` };
}

async function runCount(workflowId: string): Promise<number> {
  return (await engine.runs.list(ctx, { workflowId })).items.length;
}

async function signedHeaders(secret: string, body: string, options: { id?: string; timestamp?: number } = {}): Promise<Record<string, string>> {
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': await signStandardWebhook(secret, { id, timestamp, body }),
  };
}

describe('webhook ingress over HTTP', () => {
  let secret: string;
  let hook: { id: string; url: string };
  const body = JSON.stringify({ order: 42, email: 'ada@example.com' });

  beforeEach(async () => {
    secret = generateWebhookSecret();
    hook = await deploy({ verify: { scheme: 'standardWebhooks', secrets: [await secretConnection(secret)] }, rateLimit: { requests: 1000, perMs: 1000 } });
  });

  it('accepts a validly signed request with 202 and a run whose trigger output is the request', async () => {
    const response = await fetch(hook.url, { method: 'POST', headers: await signedHeaders(secret, body), body });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    const view = await engine.runs.get(ctx, runId);
    expect(view.input).toMatchObject({ method: 'POST', body: { order: 42 }, headers: { 'content-type': 'application/json' } });
    expect((view.input as { headers: Record<string, string> }).headers['webhook-signature']).toBeUndefined();
  });

  it.each([
    ['a wrong signature', async () => ({ ...(await signedHeaders(generateWebhookSecret(), body)) }), body, 401],
    ['a stale timestamp', async () => signedHeaders(secret, body, { timestamp: Math.floor(Date.now() / 1000) - 301 }), body, 401],
    ['a future timestamp', async () => signedHeaders(secret, body, { timestamp: Math.floor(Date.now() / 1000) + 301 }), body, 401],
    ['a tampered body', async () => signedHeaders(secret, body), body.replace('42', '43'), 401],
    ['missing headers', async () => ({ 'content-type': 'application/json' }), body, 400],
    ['a missing signature', async () => { const headers = await signedHeaders(secret, body); delete headers['webhook-signature']; return headers; }, body, 400],
  ] as const)('refuses %s and starts no run', async (_case, headers, sent, status) => {
    const response = await fetch(hook.url, { method: 'POST', headers: await headers(), body: sent });
    expect(response.status).toBe(status);
    expect(await runCount(hook.id)).toBe(0);
  });

  it('refuses a replayed delivery id: the first delivery’s run is the only one', async () => {
    const headers = await signedHeaders(secret, body, { id: 'msg_once' });
    expect((await fetch(hook.url, { method: 'POST', headers, body })).status).toBe(202);
    const again = await fetch(hook.url, { method: 'POST', headers: await signedHeaders(secret, body, { id: 'msg_once' }), body });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: 'replayed', status: 400 });
    expect(await runCount(hook.id)).toBe(1);
  });

  it('accepts either secret during a rotation', async () => {
    const next = generateWebhookSecret();
    const rotating = await deploy({ verify: { scheme: 'standardWebhooks', secrets: [await secretConnection(secret), await secretConnection(next)] } });
    expect((await fetch(rotating.url, { method: 'POST', headers: await signedHeaders(next, body), body })).status).toBe(202);
    expect((await fetch(rotating.url, { method: 'POST', headers: await signedHeaders(secret, body), body })).status).toBe(202);
    expect(await runCount(rotating.id)).toBe(2);
  });

  it('refuses an oversize body with 413', async () => {
    const small = await deploy({ verify: { scheme: 'standardWebhooks', secrets: [await secretConnection(secret)] }, maxBodyBytes: 1024 });
    const big = JSON.stringify({ data: 'x'.repeat(4096) });
    const response = await fetch(small.url, { method: 'POST', headers: await signedHeaders(secret, big), body: big });
    expect(response.status).toBe(413);
    expect(await runCount(small.id)).toBe(0);
  });

  it('answers a burst over the limit with 429 and Retry-After', async () => {
    const limited = await deploy({ verify: { scheme: 'none' }, rateLimit: { requests: 5, perMs: 60_000 } });
    const statuses = [];
    for (let index = 0; index < 8; index++) {
      const response = await fetch(limited.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
    expect(await runCount(limited.id)).toBe(5);
  });
});

describe('webhook trigger registration', () => {
  it('answers 404 for unknown paths and after disable; a new publish keeps the path and moves runs to the new version', async () => {
    expect((await fetch(`${baseUrl}/hooks/wh_00000000-0000-4000-8000-000000000000`, { method: 'POST', body: '{}' })).status).toBe(404);
    const hook = await deploy({ verify: { scheme: 'none' } });
    const first = (await (await fetch(hook.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).json()) as { runId: string };
    await engine.workflows.save(ctx, { id: hook.id, name: 'v2', nodes: [{ id: 'hook', type: 'core.webhook', config: { verify: { scheme: 'none' } } }], edges: [] });
    const v2 = await engine.workflows.publish(ctx, hook.id);
    const [registration] = await engine.triggers.list(ctx, hook.id);
    expect(`${baseUrl}/hooks/${registration?.path ?? ''}`).toBe(hook.url);
    expect(registration?.versionId).toBe(v2.id);
    const second = (await (await fetch(hook.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).json()) as { runId: string };
    expect((await engine.runs.get(ctx, second.runId)).versionId).toBe(v2.id);
    expect((await engine.runs.get(ctx, first.runId)).versionId).not.toBe(v2.id);
    await engine.triggers.disable(ctx, hook.id);
    expect((await fetch(hook.url, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('checks the payload against its JSON Schema and says where it fails', async () => {
    const hook = await deploy({ verify: { scheme: 'none' }, payloadSchema: { type: 'object', properties: { order: { type: 'integer' } }, required: ['order'] } });
    const response = await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: 'many' }) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 400, code: 'invalid_payload', type: 'urn:pipewright:problem:invalid_payload', errors: [expect.objectContaining({ path: '$.order' })] });
    expect((await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'not json' })).status).toBe(400);
  });

  it('runs payload patterns on RE2: a pattern that backtracks for ever in RegExp answers 400 with the path', async () => {
    const hook = await deploy({ verify: { scheme: 'none' }, payloadSchema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } } });
    const post = (payload: unknown): Promise<Response> => fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    const refused = await post({ name: `${'a'.repeat(40)}!` });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      type: 'urn:pipewright:problem:invalid_payload',
      title: 'The payload does not match the schema',
      status: 400,
      code: 'invalid_payload',
      detail: 'The payload does not match the schema',
      errors: [{ path: '$.name', message: 'must match pattern "^(a+)+$"', code: 'invalid_format' }],
    });
    expect((await post({ name: 'a'.repeat(40) })).status).toBe(202);
    expect(await runCount(hook.id)).toBe(1);
  });

  it('refuses to publish a payload schema whose pattern RE2 cannot run', async () => {
    const id = `hook-${++workflowCount}`;
    const saved = await engine.workflows.save(ctx, {
      id,
      name: id,
      nodes: [{ id: 'hook', type: 'core.webhook', config: { verify: { scheme: 'none' }, payloadSchema: { properties: { id: { type: 'string', pattern: '^(?!admin)' } } } } }],
      edges: [],
    });
    expect(saved.diagnostics).toEqual([expect.objectContaining({ code: 'invalid_node_config', path: ['nodes', 0, 'config', 'payloadSchema', 'properties', 'id', 'pattern'] })]);
    await expect(engine.workflows.publish(ctx, id)).rejects.toMatchObject({ code: 'invalid_workflow' });
  });

  it('verifies GitHub’s signature header', async () => {
    const secret = 'gh-webhook-secret-0123456789';
    const hook = await deploy({ verify: { scheme: 'github', secrets: [await secretConnection(secret)] }, idempotencyHeader: 'x-github-delivery' });
    const payload = JSON.stringify({ action: 'opened' });
    const signature = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    const headers = { 'content-type': 'application/json', 'x-hub-signature-256': signature, 'x-github-delivery': 'delivery-1' };
    expect((await fetch(hook.url, { method: 'POST', headers, body: payload })).status).toBe(202);
    expect((await fetch(hook.url, { method: 'POST', headers, body: payload })).status).toBe(400);
    expect((await fetch(hook.url, { method: 'POST', headers: { ...headers, 'x-hub-signature-256': 'sha256=00' }, body: payload })).status).toBe(401);
    expect(await runCount(hook.id)).toBe(1);
  });

  it('answers a synchronous webhook with what the run’s core.respond step says', async () => {
    const hook = await deploy(
      { verify: { scheme: 'none' }, respond: { mode: 'respondNode', timeoutMs: 10_000 } },
      [{ id: 'reply', type: 'core.respond', config: { status: 201, headers: { 'x-order': '{{ trigger.body.order }}' }, body: { received: '{{ trigger.body.order }}' } } }],
      [{ id: 'e1', source: 'hook', target: 'reply' }],
    );
    const response = await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: 7 }) });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-order')).toBe('7');
    expect(await response.json()).toEqual({ received: 7 });
  });
});

describe('host events', () => {
  it('starts every enabled workflow listening to the event whose filter holds, once per event id', async () => {
    const deployEventWorkflow = async (id: string, filter?: string): Promise<void> => {
      await engine.workflows.save(ctx, { id, name: id, nodes: [{ id: 'on', type: 'core.event', config: filter === undefined ? { event: 'order.paid' } : { event: 'order.paid', filter } }], edges: [] });
      await engine.workflows.publish(ctx, id);
      await engine.triggers.enable(ctx, id);
    };
    await deployEventWorkflow('paid-all');
    await deployEventWorkflow('paid-big', 'amount > `100`');
    const small = await engine.events.emit(ctx, 'order.paid', { amount: 5 }, { eventId: 'evt-1' });
    expect(small.runs.map((run) => run.workflowId)).toEqual(['paid-all']);
    const big = await engine.events.emit(ctx, 'order.paid', { amount: 500 }, { eventId: 'evt-2' });
    expect(big.runs.map((run) => run.workflowId).sort()).toEqual(['paid-all', 'paid-big']);
    const repeated = await engine.events.emit(ctx, 'order.paid', { amount: 500 }, { eventId: 'evt-2' });
    expect(repeated.runs.every((run) => !run.created)).toBe(true);
    expect((await engine.events.emit({ tenantId: 'other' }, 'order.paid', { amount: 500 })).runs).toEqual([]);
  });
});
