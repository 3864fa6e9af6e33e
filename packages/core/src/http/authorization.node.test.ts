import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationId } from './contract/operations';
import { roleAllows, type OperationSpec, type Role } from './contract/operation';
import { echoWorkflow, expectProblem, startApiServer, type ApiServer } from './test-support/api-server.node-fixture';

const roles: readonly Role[] = ['viewer', 'editor', 'admin'];
const tenantA = 'tenant-a';
const tenantB = 'tenant-b';

let api: ApiServer;
/** Ids that exist in tenant A only. */
const ids = { workflowId: 'only-in-a', runId: '', failedRunId: '', connectionId: '', secretConnectionId: '', resumeToken: '' };

/**
 * One request per operation, naming tenant A's ids, with a body the schema accepts, so
 * that the answer is decided by who asks. A `Record` over every operation id: an
 * operation added without a case here does not typecheck.
 */
function requestFor(id: OperationId): { path: string; body?: unknown } {
  const cases: Record<OperationId, { path: string; body?: unknown }> = {
    getHealth: { path: '/health' },
    getManifest: { path: '/registry/manifest' },
    listWorkflows: { path: '/workflows' },
    createWorkflow: { path: '/workflows', body: { definition: echoWorkflow('created-by-test') } },
    validateWorkflow: { path: '/workflows/validate', body: { definition: echoWorkflow('validated') } },
    importWorkflow: { path: '/workflows/import', body: { document: { format: 'pipewright.workflow', formatVersion: 1, exportedAt: new Date().toISOString(), workflow: echoWorkflow('imported') } } },
    getWorkflow: { path: `/workflows/${ids.workflowId}` },
    saveWorkflowDraft: { path: `/workflows/${ids.workflowId}`, body: { definition: echoWorkflow(ids.workflowId, 'changed') } },
    deleteWorkflow: { path: `/workflows/${ids.workflowId}` },
    publishWorkflow: { path: `/workflows/${ids.workflowId}/publish` },
    listWorkflowVersions: { path: `/workflows/${ids.workflowId}/versions` },
    getWorkflowVersion: { path: `/workflows/${ids.workflowId}/versions/1` },
    diffWorkflowVersions: { path: `/workflows/${ids.workflowId}/diff?from=1&to=draft` },
    exportWorkflow: { path: `/workflows/${ids.workflowId}/export` },
    migrateWorkflow: { path: `/workflows/${ids.workflowId}/migrate` },
    enableWorkflow: { path: `/workflows/${ids.workflowId}/enable` },
    disableWorkflow: { path: `/workflows/${ids.workflowId}/disable` },
    listTriggers: { path: `/triggers?workflowId=${ids.workflowId}` },
    rotateWebhookSecret: { path: `/triggers/secrets/${ids.secretConnectionId}/rotate` },
    startRun: { path: '/runs', body: { workflowId: ids.workflowId, inputs: {} } },
    listRuns: { path: `/runs?workflowId=${ids.workflowId}` },
    dryRun: { path: '/runs/dry-run', body: { workflowId: ids.workflowId } },
    signalRun: { path: '/runs/signal', body: { token: ids.resumeToken, payload: { approved: true } } },
    getRun: { path: `/runs/${ids.runId}` },
    getRunOutput: { path: `/runs/${ids.runId}/output` },
    streamRunEvents: { path: `/runs/${ids.runId}/events` },
    cancelRun: { path: `/runs/${ids.runId}/cancel`, body: {} },
    rerunRun: { path: `/runs/${ids.runId}/rerun`, body: { fromNodeId: 'say' } },
    resumeRun: { path: `/runs/${ids.runId}/resume`, body: { nodeId: 'wait', payload: {} } },
    replayRun: { path: `/runs/${ids.runId}/replay` },
    listDeadLetters: { path: `/dead-letters?workflowId=${ids.workflowId}` },
    redriveDeadLetter: { path: `/dead-letters/${ids.failedRunId}/redrive` },
    listConnections: { path: '/connections' },
    createConnection: { path: '/connections', body: { connectorId: 'echo', name: 'made by test', credentials: { type: 'bearer', token: 'good' } } },
    authorizeConnection: { path: '/connections/oauth2/authorize', body: { connectorId: 'echo', name: 'x', redirectUri: 'http://127.0.0.1/callback' } },
    completeConnectionAuthorization: { path: '/connections/oauth2/callback?state=s&code=c' },
    getConnection: { path: `/connections/${ids.connectionId}` },
    updateConnection: { path: `/connections/${ids.connectionId}`, body: { name: 'renamed by b' } },
    deleteConnection: { path: `/connections/${ids.connectionId}` },
    testConnection: { path: `/connections/${ids.connectionId}/test` },
    listConnectionAudit: { path: `/connections/${ids.connectionId}/audit` },
    testConnectorAction: { path: '/connectors/test-action', body: { type: 'echo.say', config: { text: 'hi', connection: ids.connectionId }, connectionId: ids.connectionId } },
  };
  return cases[id];
}

function send(id: OperationId, as?: { tenantId: string; role: Role }): Promise<Response> {
  const spec: OperationSpec = operations[id];
  const request = requestFor(id);
  const init: RequestInit & { as?: { tenantId: string; role: Role } } = { method: spec.method.toUpperCase() };
  if (as) init.as = as;
  if (request.body !== undefined) {
    init.body = JSON.stringify(request.body);
    init.headers = { 'content-type': 'application/json' };
  }
  return api.fetch(request.path, init);
}

async function waitForRun(runId: string, statuses: readonly string[]): Promise<void> {
  const client = api.client(tenantA, 'viewer');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const run = await client.getRun({ params: { runId } });
    if (statuses.includes(run.status)) return;
    if (Date.now() > deadline) throw new Error(`Run ${runId} is still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  api = await startApiServer();
  const admin = api.client(tenantA, 'admin');
  await admin.createWorkflow({
    body: {
      definition: {
        ...echoWorkflow(ids.workflowId),
        nodes: [
          { id: 'start', type: 'core.manual' },
          { id: 'say', type: 'echo.say', config: { text: 'hello' } },
          { id: 'wait', type: 'core.waitForEvent', config: { timeoutMs: 3_600_000 } },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'say' },
          { id: 'e2', source: 'say', target: 'wait' },
        ],
      },
    },
  });
  await admin.publishWorkflow({ params: { workflowId: ids.workflowId } });
  ids.runId = (await admin.startRun({ body: { workflowId: ids.workflowId, inputs: {} } })).runId;
  await waitForRun(ids.runId, ['waiting', 'running']);
  ids.resumeToken = await api.engine.runs.resumeToken({ tenantId: tenantA }, ids.runId, 'wait');
  await admin.createWorkflow({ body: { definition: echoWorkflow('fails', 'fail') } });
  await admin.publishWorkflow({ params: { workflowId: 'fails' } });
  ids.failedRunId = (await admin.startRun({ body: { workflowId: 'fails', inputs: {} } })).runId;
  await waitForRun(ids.failedRunId, ['failed']);
  ids.connectionId = (await admin.createConnection({ body: { connectorId: 'echo', name: 'echo of a', credentials: { type: 'bearer', token: 'good' } } })).id;
  ids.secretConnectionId = (await admin.createConnection({ body: { connectorId: 'webhookSecret', name: 'signing', credentials: { type: 'bearer', token: 'whsec_c2VjcmV0' } } })).id;
});

afterAll(async () => {
  await api.close();
});

const guarded = (Object.keys(operations) as OperationId[]).filter((id) => operations[id].role !== 'public');

describe('every operation asks the host who calls', () => {
  it.each(guarded)('%s answers 401 problem+json without credentials', async (id) => {
    const response = await send(id);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    await expectProblem(response, 401, 'unauthenticated');
  });

  it.each(guarded)('%s answers 403 to the roles below its own', async (id) => {
    const needed = operations[id].role as Role;
    const below = roles.filter((role) => !roleAllows(role, needed));
    for (const role of below) await expectProblem(await send(id, { tenantId: tenantA, role }), 403, 'forbidden');
    // The lowest allowed role gets past the role check (whatever the operation then says).
    const allowed = roles.find((role) => roleAllows(role, needed)) ?? 'admin';
    const response = await send(id, { tenantId: tenantB, role: allowed });
    expect([401, 403]).not.toContain(response.status);
    await response.body?.cancel();
  });

  it('public operations answer without credentials', async () => {
    expect((await send('getHealth')).status).toBe(200);
    const document = await api.fetch('/openapi.json');
    expect(document.status).toBe(200);
  });
});

/** Operations that name a tenant-A resource: tenant B's admin must get 404, never 403 or data. */
const naming: OperationId[] = [
  'getWorkflow',
  'deleteWorkflow',
  'publishWorkflow',
  'listWorkflowVersions',
  'getWorkflowVersion',
  'diffWorkflowVersions',
  'exportWorkflow',
  'migrateWorkflow',
  'enableWorkflow',
  'disableWorkflow',
  'rotateWebhookSecret',
  'startRun',
  'dryRun',
  'signalRun',
  'getRun',
  'getRunOutput',
  'streamRunEvents',
  'cancelRun',
  'rerunRun',
  'resumeRun',
  'replayRun',
  'redriveDeadLetter',
  'getConnection',
  'updateConnection',
  'deleteConnection',
  'testConnection',
  'listConnectionAudit',
];

describe("tenant B never reaches tenant A's resources", () => {
  it.each(naming)("%s answers 404 for tenant A's id", async (id) => {
    await expectProblem(await send(id, { tenantId: tenantB, role: 'admin' }), 404, 'not_found');
  });

  it("saving a draft under tenant A's workflow id creates tenant B's own workflow", async () => {
    const response = await send('saveWorkflowDraft', { tenantId: tenantB, role: 'admin' });
    expect(response.status).toBe(201);
    const own = await api.client(tenantA, 'viewer').getWorkflow({ params: { workflowId: ids.workflowId } });
    expect(JSON.stringify(own.draft)).not.toContain('changed');
    await api.client(tenantB, 'admin').deleteWorkflow({ params: { workflowId: ids.workflowId } });
  });

  it("lists show tenant B none of tenant A's items", async () => {
    const b = api.client(tenantB, 'admin');
    // Tenant B has workflows of its own by now (the role checks above created some): none of A's.
    const own = (await b.listWorkflows()).items.map((item) => item.id);
    expect(own).not.toContain(ids.workflowId);
    expect(own).not.toContain('fails');
    expect((await b.listRuns({ query: { workflowId: ids.workflowId } })).items).toEqual([]);
    const connections = (await b.listConnections()).items.map((item) => item.id);
    expect(connections).not.toContain(ids.connectionId);
    expect(connections).not.toContain(ids.secretConnectionId);
    expect((await b.listTriggers({ query: { workflowId: ids.workflowId } })).items).toEqual([]);
    expect((await b.listDeadLetters()).items).toEqual([]);
  });

  it("a test action naming tenant A's connection answers 404", async () => {
    await expectProblem(await send('testConnectorAction', { tenantId: tenantB, role: 'editor' }), 404, 'not_found');
  });

  it("tenant A's resources are untouched by all of it", async () => {
    const a = api.client(tenantA, 'admin');
    expect((await a.getWorkflow({ params: { workflowId: ids.workflowId } })).latestVersion).toBe(1);
    expect((await a.getRun({ params: { runId: ids.runId } })).status).toBe('waiting');
    expect((await a.getConnection({ params: { connectionId: ids.connectionId } })).name).toBe('echo of a');
    expect((await a.listDeadLetters()).items.map((item) => item.runId)).toEqual([ids.failedRunId]);
  });
});
