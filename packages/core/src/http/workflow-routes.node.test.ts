import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { createEngine } from '../runtime/engine';
import { defineNode } from '../registry/node-definition';
import { signStandardWebhook } from '../triggers/webhook-auth/standard-webhooks';
import { webhookSecretConnector } from '../triggers/webhook-secret-connector';
import type { Client } from './client/create-client';
import { operations, type OperationId } from './contract/operations';
import type { Role } from './contract/operation';
import { echoConnector, echoWorkflow, expectProblem, startApiServer, type ApiServer } from './test-support/api-server.node-fixture';

/**
 * A node type at version 2 whose v1 config called its text `message`: what
 * `migrateWorkflow` upgrades. Registered next to the fixture's usual entries.
 */
const greetNode = defineNode({
  type: 'test.greet',
  version: 2,
  title: 'Greet',
  description: 'v1 called the text "message"',
  category: 'Test',
  sideEffects: false,
  configSchema: z.object({ text: z.string(), loud: z.boolean() }),
  migrate: (config, fromVersion) => {
    if (fromVersion !== 1) throw new Error(`No migration from v${fromVersion}`);
    return { text: config['message'], loud: false };
  },
  run: ({ config }) => ({ greeting: config.loud ? config.text.toUpperCase() : config.text }),
});

let api: ApiServer;
let tenantCount = 0;

/** A fresh tenant per test, so lists and ids of one test never meet another's. */
function newTenant(): string {
  return `tenant-${++tenantCount}`;
}

function clientOf(tenantId: string, role: Role = 'admin'): Client {
  return api.client(tenantId, role);
}

/** A raw JSON request as `tenantId` (admin unless said otherwise). */
function send(tenantId: string, method: string, path: string, body?: unknown, role: Role = 'admin'): Promise<Response> {
  const init: RequestInit & { as: { tenantId: string; role: Role } } = { method, as: { tenantId, role } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  return api.fetch(path, init);
}

/** Asserts an RFC 9457 answer and returns its body. */
async function expectJson(response: Response, status: number): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(text) as Record<string, unknown>;
}

async function waitForRun(client: Client, runId: string): Promise<Awaited<ReturnType<Client['getRun']>>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const run = await client.getRun({ params: { runId } });
    if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') return run;
    if (Date.now() > deadline) throw new Error(`Run ${runId} is still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** echoWorkflow with an edge to a node that does not exist: parses, but does not compile. */
function danglingWorkflow(id: string): Record<string, unknown> {
  const workflow = echoWorkflow(id);
  return { ...workflow, edges: [...(workflow['edges'] as unknown[]), { id: 'e2', source: 'say', target: 'nowhere' }] };
}

function codesOf(diagnostics: ReadonlyArray<{ code: string }>): string[] {
  return diagnostics.map((diagnostic) => diagnostic.code);
}

/** A workflow whose trigger is a webhook that `verify` configures, followed by an echo. */
function webhookWorkflow(id: string, verify: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    name: `Hook ${id}`,
    nodes: [
      { id: 'hook', type: 'core.webhook', config: { verify, rateLimit: false } },
      { id: 'say', type: 'echo.say', config: { text: 'hooked' } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'say' }],
  };
}

function deliver(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return api.engine.webhookHandler(new Request(`http://127.0.0.1/hooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }));
}

async function signedHeaders(secret: string, body: string): Promise<Record<string, string>> {
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = Math.floor(Date.now() / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': await signStandardWebhook(secret, { id, timestamp, body }) };
}

beforeAll(async () => {
  api = await startApiServer({ engine: { registry: createRegistry([...coreNodes, webhookSecretConnector, echoConnector, greetNode]) } });
});

afterAll(async () => {
  await api.close();
});

describe('listWorkflows', () => {
  it('pages through three workflows with limit and nextCursor', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    for (const id of ['wf-a', 'wf-b', 'wf-c']) await client.createWorkflow({ body: { definition: echoWorkflow(id) } });

    const first = await client.listWorkflows({ query: { limit: 2 } });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.listWorkflows({ query: { limit: 2, cursor: first.nextCursor ?? '' } });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeUndefined();

    const ids = [...first.items, ...second.items].map((item) => item.id);
    expect([...ids].sort()).toEqual(['wf-a', 'wf-b', 'wf-c']);
    expect(second.items[0]).toMatchObject({ name: expect.stringMatching(/^Echo wf-/), latestVersion: 0 });
    // Without a limit, one page holds all three.
    expect((await client.listWorkflows()).items).toHaveLength(3);
  });
});

describe('createWorkflow', () => {
  it('answers 201 with the stored workflow and its diagnostics', async () => {
    const tenant = newTenant();
    const created = await expectJson(await send(tenant, 'POST', '/workflows', { definition: echoWorkflow('new-one') }), 201);
    expect(created).toMatchObject({ workflow: { id: 'new-one', name: 'Echo new-one', latestVersion: 0 }, diagnostics: expect.any(Array) });
    expect((created['diagnostics'] as Array<{ severity: string }>).filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    const stored = await clientOf(tenant).getWorkflow({ params: { workflowId: 'new-one' } });
    expect(stored.diagnostics?.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    expect(stored.draft).toMatchObject({ nodes: [{ id: 'start', type: 'core.manual' }, { id: 'say', type: 'echo.say', config: { text: 'hello' } }] });
  });

  it('stores a definition that does not compile, with its error diagnostics', async () => {
    const tenant = newTenant();
    const saved = await clientOf(tenant).createWorkflow({ body: { definition: danglingWorkflow('dangling') } });
    expect(codesOf(saved.diagnostics)).toContain('dangling_edge');
    expect(saved.diagnostics.find((diagnostic) => diagnostic.code === 'dangling_edge')).toMatchObject({ severity: 'error', edgeId: 'e2' });
    const stored = await clientOf(tenant).getWorkflow({ params: { workflowId: 'dangling' } });
    expect(stored.id).toBe('dangling');
    // Reading the workflow back shows the same diagnostics, for the builder to draw.
    expect(codesOf(stored.diagnostics ?? [])).toContain('dangling_edge');
  });

  it('answers 409 for an id that exists, and keeps the first draft', async () => {
    const tenant = newTenant();
    await clientOf(tenant).createWorkflow({ body: { definition: echoWorkflow('taken', 'first') } });
    await expectProblem(await send(tenant, 'POST', '/workflows', { definition: echoWorkflow('taken', 'second') }), 409, 'conflict');
    const stored = await clientOf(tenant).getWorkflow({ params: { workflowId: 'taken' } });
    expect(JSON.stringify(stored.draft)).toContain('first');
    expect(JSON.stringify(stored.draft)).not.toContain('second');
  });

  it('answers 400 invalid_request for a body without a definition', async () => {
    const problem = await expectProblem(await send(newTenant(), 'POST', '/workflows', { workflow: echoWorkflow('x') }), 400, 'invalid_request');
    expect(problem['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('definition') })]));
  });

  it('answers 422 invalid_workflow with the schema issues of a malformed definition, and stores nothing', async () => {
    const tenant = newTenant();
    const definition = { ...echoWorkflow('malformed'), nodes: [{ id: 'bad id!', type: 'core.manual' }] };
    const problem = await expectProblem(await send(tenant, 'POST', '/workflows', { definition }), 422, 'invalid_workflow');
    expect(problem['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ path: '$.nodes[0].id' })]));
    await expectProblem(await send(tenant, 'GET', '/workflows/malformed'), 404, 'not_found');
  });
});

describe('validateWorkflow', () => {
  it('says ok for a definition that compiles, and stores nothing', async () => {
    const tenant = newTenant();
    const result = await clientOf(tenant, 'viewer').validateWorkflow({ body: { definition: echoWorkflow('checked') } });
    expect(result.ok).toBe(true);
    expect(result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    await expectProblem(await send(tenant, 'GET', '/workflows/checked'), 404, 'not_found');
  });

  it('says not ok, with diagnostic codes, for a dangling edge and for an unknown node type', async () => {
    const client = clientOf(newTenant(), 'viewer');
    const dangling = await client.validateWorkflow({ body: { definition: danglingWorkflow('broken') } });
    expect(dangling.ok).toBe(false);
    expect(codesOf(dangling.diagnostics)).toContain('dangling_edge');

    const unknown = await client.validateWorkflow({ body: { definition: { ...echoWorkflow('broken'), nodes: [{ id: 'start', type: 'core.manual' }, { id: 'say', type: 'nope.missing' }] } } });
    expect(unknown.ok).toBe(false);
    expect(codesOf(unknown.diagnostics)).toContain('unknown_node_type');

    const malformed = await client.validateWorkflow({ body: { definition: { id: 'no-nodes' } } });
    expect(malformed.ok).toBe(false);
    expect(malformed.diagnostics.length).toBeGreaterThan(0);
  });
});

describe('exportWorkflow and importWorkflow', () => {
  it('round-trips a workflow under a new id; 409 over an existing id; 200 with overwrite', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    await client.createWorkflow({ body: { definition: echoWorkflow('original', 'exported') } });

    const document = await client.exportWorkflow({ params: { workflowId: 'original' } });
    expect(document).toMatchObject({ format: 'pipewright.workflow', formatVersion: 1, workflow: { id: 'original' } });
    expect(Date.parse(document.exportedAt)).not.toBeNaN();

    const imported = await expectJson(await send(tenant, 'POST', '/workflows/import', { document, id: 'copy' }), 201);
    expect(imported).toMatchObject({ workflow: { id: 'copy', draft: { id: 'copy' } } });
    const copy = await client.getWorkflow({ params: { workflowId: 'copy' } });
    expect(copy.draft['nodes']).toEqual(document.workflow['nodes']);
    expect(copy.draft['edges']).toEqual(document.workflow['edges']);

    await expectProblem(await send(tenant, 'POST', '/workflows/import', { document, id: 'copy' }), 409, 'conflict');
    // Without an id the document's own id is used, and it exists too.
    await expectProblem(await send(tenant, 'POST', '/workflows/import', { document }), 409, 'conflict');

    const changed = { ...document, workflow: echoWorkflow('original', 'replaced') };
    await expectJson(await send(tenant, 'POST', '/workflows/import', { document: changed, id: 'copy', overwrite: true }), 200);
    expect(JSON.stringify((await client.getWorkflow({ params: { workflowId: 'copy' } })).draft)).toContain('replaced');
    // The source workflow is untouched.
    expect(JSON.stringify((await client.getWorkflow({ params: { workflowId: 'original' } })).draft)).toContain('exported');
  });

  it('exports a published version on request, not the draft', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    await client.createWorkflow({ body: { definition: echoWorkflow('versioned', 'v1 text') } });
    await client.publishWorkflow({ params: { workflowId: 'versioned' } });
    await client.saveWorkflowDraft({ params: { workflowId: 'versioned' }, body: { definition: echoWorkflow('versioned', 'draft text') } });
    expect(JSON.stringify((await client.exportWorkflow({ params: { workflowId: 'versioned' }, query: { version: 1 } })).workflow)).toContain('v1 text');
    expect(JSON.stringify((await client.exportWorkflow({ params: { workflowId: 'versioned' } })).workflow)).toContain('draft text');
    await expectProblem(await send(tenant, 'GET', '/workflows/versioned/export?version=2'), 404, 'not_found');
  });

  it('answers 400 invalid_request for a document in another format', async () => {
    const tenant = newTenant();
    const document = { format: 'n8n.workflow', formatVersion: 1, exportedAt: new Date().toISOString(), workflow: echoWorkflow('foreign') };
    const problem = await expectProblem(await send(tenant, 'POST', '/workflows/import', { document }), 400, 'invalid_request');
    expect(problem['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('format') })]));
    await expectProblem(await send(tenant, 'POST', '/workflows/import', { document: { ...document, format: 'pipewright.workflow', formatVersion: 2 } }), 400, 'invalid_request');
    await expectProblem(await send(tenant, 'GET', '/workflows/foreign'), 404, 'not_found');
  });
});

describe('getWorkflow', () => {
  it('answers 404 not_found for an unknown id', async () => {
    await expectProblem(await send(newTenant(), 'GET', '/workflows/never-made', undefined, 'viewer'), 404, 'not_found');
  });
});

describe('saveWorkflowDraft', () => {
  it('answers 201 when it creates the workflow and 200 when it updates the draft', async () => {
    const tenant = newTenant();
    const created = await expectJson(await send(tenant, 'PUT', '/workflows/drafted', { definition: echoWorkflow('drafted', 'one') }), 201);
    expect(created).toMatchObject({ workflow: { id: 'drafted', latestVersion: 0 }, diagnostics: expect.any(Array) });
    const updated = await expectJson(await send(tenant, 'PUT', '/workflows/drafted', { definition: echoWorkflow('drafted', 'two') }), 200);
    expect(updated).toMatchObject({ workflow: { id: 'drafted', draft: { nodes: [{ id: 'start' }, { id: 'say', config: { text: 'two' } }] } } });
    const stored = await clientOf(tenant).getWorkflow({ params: { workflowId: 'drafted' } });
    expect(stored.draft).toMatchObject({ nodes: [{ id: 'start' }, { id: 'say', config: { text: 'two' } }] });
    expect(stored.createdAt).toBe((created['workflow'] as { createdAt: string }).createdAt);
  });

  it('takes the id from the path when the definition has none', async () => {
    const tenant = newTenant();
    const { id: _id, ...withoutId } = echoWorkflow('ignored');
    const saved = await clientOf(tenant).saveWorkflowDraft({ params: { workflowId: 'from-path' }, body: { definition: withoutId } });
    expect(saved.workflow).toMatchObject({ id: 'from-path', draft: { id: 'from-path' } });
  });

  it('answers 400 invalid_request when the definition names another id than the path, and saves nothing', async () => {
    const tenant = newTenant();
    const problem = await expectProblem(await send(tenant, 'PUT', '/workflows/path-id', { definition: echoWorkflow('body-id') }), 400, 'invalid_request');
    expect(problem['errors']).toEqual([expect.objectContaining({ path: '$.body.definition.id' })]);
    await expectProblem(await send(tenant, 'GET', '/workflows/path-id'), 404, 'not_found');
    await expectProblem(await send(tenant, 'GET', '/workflows/body-id'), 404, 'not_found');
  });
});

describe('deleteWorkflow', () => {
  it('answers 204, then 404; runs of its published version stay readable', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    await client.createWorkflow({ body: { definition: echoWorkflow('doomed', 'last words') } });
    await client.publishWorkflow({ params: { workflowId: 'doomed' } });
    const { runId } = await client.startRun({ body: { workflowId: 'doomed', inputs: {} } });
    expect(await waitForRun(client, runId)).toMatchObject({ status: 'succeeded' });

    const deleted = await send(tenant, 'DELETE', '/workflows/doomed');
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    await expectProblem(await send(tenant, 'GET', '/workflows/doomed'), 404, 'not_found');
    await expectProblem(await send(tenant, 'DELETE', '/workflows/doomed'), 404, 'not_found');
    expect((await client.listWorkflows()).items.map((item) => item.id)).not.toContain('doomed');

    const run = await client.getRun({ params: { runId } });
    expect(run).toMatchObject({ id: runId, workflowId: 'doomed', status: 'succeeded', output: { said: 'last words' } });
  });
});

describe('publishWorkflow and listWorkflowVersions', () => {
  it('answers 201 with version 1, then 2; lists them newest first', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    await client.createWorkflow({ body: { definition: echoWorkflow('pub') } });
    const first = await expectJson(await send(tenant, 'POST', '/workflows/pub/publish'), 201);
    expect(first).toMatchObject({ workflowId: 'pub', version: 1, definition: { id: 'pub' } });
    const second = await client.publishWorkflow({ params: { workflowId: 'pub' } });
    expect(second).toMatchObject({ workflowId: 'pub', version: 2 });
    expect(second.id).not.toBe(first['id']);
    expect((await client.getWorkflow({ params: { workflowId: 'pub' } })).latestVersion).toBe(2);

    const versions = await client.listWorkflowVersions({ params: { workflowId: 'pub' } });
    expect(versions.items.map((item) => item.version)).toEqual([2, 1]);
    expect(versions.items.map((item) => item.id)).toEqual([second.id, first['id']]);
  });

  it('answers 422 invalid_workflow with diagnostics for a draft that does not compile, and publishes nothing', async () => {
    const tenant = newTenant();
    await clientOf(tenant).createWorkflow({ body: { definition: danglingWorkflow('unpublishable') } });
    const problem = await expectProblem(await send(tenant, 'POST', '/workflows/unpublishable/publish'), 422, 'invalid_workflow');
    expect(problem['diagnostics']).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'dangling_edge', severity: 'error' })]));
    expect((await clientOf(tenant).listWorkflowVersions({ params: { workflowId: 'unpublishable' } })).items).toEqual([]);
  });

  it('answers 404 for versions and publish of an unknown workflow', async () => {
    const tenant = newTenant();
    await expectProblem(await send(tenant, 'POST', '/workflows/ghost/publish'), 404, 'not_found');
    await expectProblem(await send(tenant, 'GET', '/workflows/ghost/versions'), 404, 'not_found');
  });
});

describe('getWorkflowVersion', () => {
  it('answers 200 with the definition; 404 for a missing number and for a non-numeric version', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    await client.createWorkflow({ body: { definition: echoWorkflow('ver', 'pinned') } });
    await client.publishWorkflow({ params: { workflowId: 'ver' } });
    await client.saveWorkflowDraft({ params: { workflowId: 'ver' }, body: { definition: echoWorkflow('ver', 'later') } });

    const version = await client.getWorkflowVersion({ params: { workflowId: 'ver', version: 1 } });
    expect(version).toMatchObject({ workflowId: 'ver', version: 1, definition: { nodes: [{ id: 'start' }, { id: 'say', config: { text: 'pinned' } }] } });
    await expectProblem(await send(tenant, 'GET', '/workflows/ver/versions/2'), 404, 'not_found');
    await expectProblem(await send(tenant, 'GET', '/workflows/ver/versions/latest'), 404, 'not_found');
    await expectProblem(await send(tenant, 'GET', '/workflows/ver/versions/0'), 404, 'not_found');
  });
});

describe('diffWorkflowVersions', () => {
  it('lists the added node and the changed config between versions; draft equal to the latest is identical', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    await client.createWorkflow({ body: { definition: echoWorkflow('diffed', 'before') } });
    await client.publishWorkflow({ params: { workflowId: 'diffed' } });
    const next = echoWorkflow('diffed', 'after');
    await client.saveWorkflowDraft({
      params: { workflowId: 'diffed' },
      body: {
        definition: {
          ...next,
          nodes: [...(next['nodes'] as unknown[]), { id: 'again', type: 'echo.say', config: { text: 'more' } }],
          edges: [...(next['edges'] as unknown[]), { id: 'e2', source: 'say', target: 'again' }],
        },
      },
    });
    await client.publishWorkflow({ params: { workflowId: 'diffed' } });

    const diff = await client.diffWorkflowVersions({ params: { workflowId: 'diffed' }, query: { from: 1, to: 2 } });
    expect(diff).toMatchObject({ from: 1, to: 2, identical: false, nameChanged: false, settingsChanged: false });
    expect(diff.nodes).toEqual({ added: ['again'], removed: [], changed: [{ nodeId: 'say', fields: ['config'] }] });
    expect(diff.edges).toEqual({ added: [{ id: 'e2', source: 'say', target: 'again' }], removed: [] });

    const unchanged = await client.diffWorkflowVersions({ params: { workflowId: 'diffed' }, query: { from: 2, to: 'draft' } });
    expect(unchanged).toMatchObject({ from: 2, to: 'draft', identical: true, nodes: { added: [], removed: [], changed: [] } });
    // `to` defaults to the latest version.
    expect(await client.diffWorkflowVersions({ params: { workflowId: 'diffed' }, query: { from: 1 } })).toMatchObject({ to: 2, identical: false });
    // The reverse direction removes what was added.
    expect((await client.diffWorkflowVersions({ params: { workflowId: 'diffed' }, query: { from: 2, to: 1 } })).nodes.removed).toEqual(['again']);

    await expectProblem(await send(tenant, 'GET', '/workflows/diffed/diff?from=1&to=9'), 404, 'not_found');
    await expectProblem(await send(tenant, 'GET', '/workflows/diffed/diff?from=first'), 400, 'invalid_request');
  });
});

describe('migrateWorkflow', () => {
  it("upgrades a node written for v1 with its type's migrate and saves the draft", async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    await client.createWorkflow({
      body: {
        definition: {
          id: 'old-nodes',
          name: 'Old nodes',
          nodes: [
            { id: 'start', type: 'core.manual' },
            { id: 'greet', type: 'test.greet', typeVersion: 1, config: { message: 'hi there' } },
          ],
          edges: [{ id: 'e1', source: 'start', target: 'greet' }],
        },
      },
    });

    const result = await client.migrateWorkflow({ params: { workflowId: 'old-nodes' } });
    expect(result.migrated).toEqual([{ nodeId: 'greet', type: 'test.greet', fromVersion: 1, toVersion: 2 }]);
    expect(result.issues).toEqual([]);
    expect(result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);

    const stored = await client.getWorkflow({ params: { workflowId: 'old-nodes' } });
    expect(stored.draft['nodes']).toEqual([
      expect.objectContaining({ id: 'start', type: 'core.manual' }),
      expect.objectContaining({ id: 'greet', type: 'test.greet', typeVersion: 2, config: { text: 'hi there', loud: false } }),
    ]);

    // Nothing is left to migrate the second time.
    const again = await client.migrateWorkflow({ params: { workflowId: 'old-nodes' } });
    expect(again.migrated).toEqual([]);
    expect(again.workflow.draft['nodes']).toEqual(stored.draft['nodes']);

    // The migrated draft publishes and runs with the new config.
    await client.publishWorkflow({ params: { workflowId: 'old-nodes' } });
    const { runId } = await client.startRun({ body: { workflowId: 'old-nodes', inputs: {} } });
    expect(await waitForRun(client, runId)).toMatchObject({ status: 'succeeded', output: { greeting: 'hi there' } });
  });

  it('lists a node type that is not installed as an issue and leaves it as it was', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    const definition = { ...echoWorkflow('unknown-type'), nodes: [{ id: 'start', type: 'core.manual' }, { id: 'say', type: 'gone.away', typeVersion: 1, config: { a: 1 } }] };
    await client.createWorkflow({ body: { definition } });
    const result = await client.migrateWorkflow({ params: { workflowId: 'unknown-type' } });
    expect(result.migrated).toEqual([]);
    expect(result.issues).toEqual([expect.objectContaining({ nodeId: 'say', code: 'unknown_node_type' })]);
    expect(result.workflow.draft['nodes']).toEqual([expect.anything(), expect.objectContaining({ type: 'gone.away', typeVersion: 1, config: { a: 1 } })]);
    await expectProblem(await send(tenant, 'POST', '/workflows/nothing-here/migrate'), 404, 'not_found');
  });
});

describe('enableWorkflow, disableWorkflow and listTriggers', () => {
  it('registers the webhook with its URL, starts runs from it, and unregisters it', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    await client.createWorkflow({ body: { definition: webhookWorkflow('hooked', { scheme: 'none' }) } });
    await client.publishWorkflow({ params: { workflowId: 'hooked' } });

    const enabled = await client.enableWorkflow({ params: { workflowId: 'hooked' } });
    expect(enabled.items).toHaveLength(1);
    const [trigger] = enabled.items;
    const path = trigger?.path ?? '';
    expect(path).not.toBe('');
    expect(trigger).toMatchObject({ workflowId: 'hooked', nodeId: 'hook', nodeType: 'core.webhook', url: `http://127.0.0.1/hooks/${path}` });

    const listed = await clientOf(tenant, 'viewer').listTriggers({ query: { workflowId: 'hooked' } });
    expect(listed.items).toEqual(enabled.items);
    expect((await clientOf(tenant, 'viewer').listTriggers()).items).toEqual(enabled.items);
    expect((await clientOf(newTenant(), 'viewer').listTriggers()).items).toEqual([]);

    const delivery = await deliver(path, JSON.stringify({ order: 7 }));
    expect(delivery.status).toBe(202);
    const { runId } = (await delivery.json()) as { runId: string };
    const run = await waitForRun(client, runId);
    expect(run).toMatchObject({ workflowId: 'hooked', status: 'succeeded', input: { method: 'POST', body: { order: 7 } }, output: { said: 'hooked' } });

    const disabled = await send(tenant, 'POST', '/workflows/hooked/disable');
    expect(disabled.status).toBe(204);
    expect(await disabled.text()).toBe('');
    expect((await client.listTriggers({ query: { workflowId: 'hooked' } })).items).toEqual([]);
    expect((await deliver(path, JSON.stringify({ order: 8 }))).status).toBe(404);
    expect((await client.listRuns({ query: { workflowId: 'hooked' } })).items).toHaveLength(1);
  });

  it('answers 404 for enable and disable of an unknown workflow', async () => {
    const tenant = newTenant();
    await expectProblem(await send(tenant, 'POST', '/workflows/nope/enable'), 404, 'not_found');
    await expectProblem(await send(tenant, 'POST', '/workflows/nope/disable'), 404, 'not_found');
  });
});

describe('rotateWebhookSecret', () => {
  it('replaces the secret with a new whsec_ one that verifies deliveries; the old one no longer does', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    const connection = await client.createConnection({ body: { connectorId: 'webhookSecret', name: 'signing', credentials: { type: 'bearer', token: 'whsec_old' } } });

    const rotated = await client.rotateWebhookSecret({ params: { connectionId: connection.id } });
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/=_-]{20,}$/);
    expect(rotated.connection).toMatchObject({ id: connection.id, connectorId: 'webhookSecret' });
    expect(rotated.connection.version).toBeGreaterThan(connection.version);

    const shown = await send(tenant, 'GET', `/connections/${connection.id}`, undefined, 'viewer');
    const shownText = await shown.text();
    expect(shown.status).toBe(200);
    expect(shownText).not.toContain(rotated.secret);
    expect(shownText).not.toContain(rotated.secret.slice('whsec_'.length));
    expect(shownText).not.toContain('whsec_old');

    // No delivery before this point: the engine's one-minute cache of decrypted
    // secrets holds nothing, so what verifies is what the connection now holds.
    await client.createWorkflow({ body: { definition: webhookWorkflow('signed', { scheme: 'standardWebhooks', secrets: [connection.id] }) } });
    await client.publishWorkflow({ params: { workflowId: 'signed' } });
    const [trigger] = (await client.enableWorkflow({ params: { workflowId: 'signed' } })).items;
    const path = trigger?.path ?? '';
    const body = JSON.stringify({ event: 'paid' });

    const withNew = await deliver(path, body, await signedHeaders(rotated.secret, body));
    expect(withNew.status).toBe(202);
    const { runId } = (await withNew.json()) as { runId: string };
    expect(await waitForRun(client, runId)).toMatchObject({ status: 'succeeded', input: { body: { event: 'paid' } } });

    const withOld = await deliver(path, body, await signedHeaders('whsec_old', body));
    expect(withOld.status).toBe(401);
    expect((await client.listRuns({ query: { workflowId: 'signed' } })).items).toHaveLength(1);

    const again = await client.rotateWebhookSecret({ params: { connectionId: connection.id } });
    expect(again.secret).toMatch(/^whsec_/);
    expect(again.secret).not.toBe(rotated.secret);
  });

  /**
   * The engine caches decrypted signing secrets for a minute; a change through this
   * engine drops the cached one, so the new secret works at once and the old one stops.
   */
  it('a rotation takes effect at once even after a recent delivery', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    const connection = await client.createConnection({ body: { connectorId: 'webhookSecret', name: 'cached', credentials: { type: 'bearer', token: 'whsec_old' } } });
    await client.createWorkflow({ body: { definition: webhookWorkflow('cached', { scheme: 'standardWebhooks', secrets: [connection.id] }) } });
    await client.publishWorkflow({ params: { workflowId: 'cached' } });
    const [trigger] = (await client.enableWorkflow({ params: { workflowId: 'cached' } })).items;
    const path = trigger?.path ?? '';
    const body = JSON.stringify({ event: 'before' });
    expect((await deliver(path, body, await signedHeaders('whsec_old', body))).status).toBe(202);

    const { secret } = await client.rotateWebhookSecret({ params: { connectionId: connection.id } });
    expect((await deliver(path, body, await signedHeaders(secret, body))).status).toBe(202);
    expect((await deliver(path, body, await signedHeaders('whsec_old', body))).status).toBe(401);
  });

  it('a rotation made by another worker is accepted here at once; the old secret lasts at most the cache minute', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    const connection = await client.createConnection({ body: { connectorId: 'webhookSecret', name: 'shared', credentials: { type: 'bearer', token: 'whsec_b2xk' } } });
    await client.createWorkflow({ body: { definition: webhookWorkflow('shared', { scheme: 'standardWebhooks', secrets: [connection.id] }) } });
    await client.publishWorkflow({ params: { workflowId: 'shared' } });
    const [trigger] = (await client.enableWorkflow({ params: { workflowId: 'shared' } })).items;
    const path = trigger?.path ?? '';
    const body = JSON.stringify({ event: 'cached' });
    expect((await deliver(path, body, await signedHeaders('whsec_b2xk', body))).status).toBe(202);

    // Another worker on the same store and vault rotates the secret; this one never hears of it.
    const other = createEngine({ registry: api.engine.registry, store: api.engine.store, vault: api.vault });
    await other.connections.update({ tenantId: tenant }, connection.id, { credentials: { type: 'bearer', token: 'whsec_bmV3' } });
    // A rejection re-reads the secrets at most once a second per connection.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await deliver(path, body, await signedHeaders('whsec_bmV3', body))).status).toBe(202);
    expect((await deliver(path, body, await signedHeaders('whsec_b2xk', body))).status).toBe(401);
  });

  it('makes a secret without prefix on request', async () => {
    const tenant = newTenant();
    const client = clientOf(tenant);
    const connection = await client.createConnection({ body: { connectorId: 'webhookSecret', name: 'plain', credentials: { type: 'bearer', token: 'whsec_old' } } });
    const rotated = await client.rotateWebhookSecret({ params: { connectionId: connection.id }, body: { prefix: 'none' } });
    expect(rotated.secret).not.toMatch(/^whsec_/);
    expect(rotated.secret.length).toBeGreaterThanOrEqual(20);
  });

  it('answers 409 for a connection of another connector and 404 for an unknown one', async () => {
    const tenant = newTenant();
    const echo = await clientOf(tenant).createConnection({ body: { connectorId: 'echo', name: 'not a secret', credentials: { type: 'bearer', token: 'good' } } });
    await expectProblem(await send(tenant, 'POST', `/triggers/secrets/${echo.id}/rotate`), 409, 'conflict');
    // The echo connection keeps its credentials.
    expect(await clientOf(tenant).testConnection({ params: { connectionId: echo.id } })).toEqual({ ok: true });
    await expectProblem(await send(tenant, 'POST', '/triggers/secrets/conn_missing/rotate'), 404, 'not_found');
  });
});

describe('system routes', () => {
  it('getManifest lists the installed node types', async () => {
    const manifest = await clientOf(newTenant(), 'viewer').getManifest();
    const types = (manifest['nodes'] as Array<{ type: string }>).map((node) => node.type);
    expect(types).toContain('echo.say');
    expect(types).toContain('core.webhook');
    expect(types).toContain('test.greet');
  });

  it('getHealth answers 200 without any token', async () => {
    expect(await expectJson(await api.fetch('/health'), 200)).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI 3.1 document without a token: every operation once, every $ref resolving', async () => {
    const document = await expectJson(await api.fetch('/openapi.json'), 200);
    expect(document['openapi']).toBe('3.1.0');

    const paths = document['paths'] as Record<string, Record<string, { operationId?: string }>>;
    const seen: string[] = [];
    for (const item of Object.values(paths)) for (const operation of Object.values(item)) if (operation.operationId !== undefined) seen.push(operation.operationId);
    const expected = Object.keys(operations) as OperationId[];
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(new Set(seen).size).toBe(seen.length);

    const refs: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === '$ref' && typeof inner === 'string') refs.push(inner);
          else collect(inner);
        }
      }
    };
    collect(document);
    expect(refs.length).toBeGreaterThan(0);
    const unresolved = [...new Set(refs)].filter((ref) => {
      if (!ref.startsWith('#/components/')) return true;
      let target: unknown = document;
      for (const segment of ref.slice(2).split('/')) {
        const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
        target = target !== null && typeof target === 'object' && Object.hasOwn(target, key) ? (target as Record<string, unknown>)[key] : undefined;
      }
      return target === undefined;
    });
    expect(unresolved).toEqual([]);
  });
});
