import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationId } from './contract/operations';
import type { OperationSpec } from './contract/operation';
import { fuzzOpenApi, type OpenApiDocumentLike } from './fuzz/fuzz-openapi';
import { echoWorkflow, startApiServer, tokenFor, type ApiServer } from './test-support/api-server.node-fixture';

const tenant = 'tenant-fuzz';
let api: ApiServer;
const ids = { runId: '', failedRunId: '', connectionId: '', secretConnectionId: '' };

async function settle(runId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!['succeeded', 'failed'].includes((await api.engine.runs.get({ tenantId: tenant }, runId)).status)) {
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  api = await startApiServer();
  const admin = api.client(tenant, 'admin');
  await admin.createWorkflow({ body: { definition: echoWorkflow('fuzzed') } });
  await admin.publishWorkflow({ params: { workflowId: 'fuzzed' } });
  ids.runId = (await admin.startRun({ body: { workflowId: 'fuzzed', inputs: {} } })).runId;
  await admin.createWorkflow({ body: { definition: echoWorkflow('fails', 'fail') } });
  await admin.publishWorkflow({ params: { workflowId: 'fails' } });
  ids.failedRunId = (await admin.startRun({ body: { workflowId: 'fails', inputs: {} } })).runId;
  await settle(ids.runId);
  await settle(ids.failedRunId);
  ids.connectionId = (await admin.createConnection({ body: { connectorId: 'echo', name: 'echo', credentials: { type: 'bearer', token: 'good' } } })).id;
  ids.secretConnectionId = (await admin.createConnection({ body: { connectorId: 'webhookSecret', name: 'signing', credentials: { type: 'bearer', token: 'whsec_c2VjcmV0' } } })).id;
}, 30_000);

afterAll(async () => {
  // Throws when any request hit an unexpected error, even one no assertion looked at.
  await api.close();
});

describe('the API under generated input', () => {
  it('answers no 5xx to any request generated from its OpenAPI document, and every 4xx is problem+json', { timeout: 240_000 }, async () => {
    const document = (await (await api.fetch('/openapi.json')).json()) as OpenApiDocumentLike;
    const known: Record<string, fc.Arbitrary<string>> = {
      workflowId: fc.constantFrom('fuzzed', 'fails', 'missing'),
      runId: fc.constantFrom(ids.runId, ids.failedRunId, 'run_missing'),
      connectionId: fc.constantFrom(ids.connectionId, ids.secretConnectionId, 'conn_missing'),
      version: fc.constantFrom('1', '2'),
    };
    // Node's HTTP server answers 431 to a request line over 16 KiB before any handler runs;
    // such requests go to the handler directly, so that they still test the API.
    const send = (request: Request) => (request.url.length > 8_000 ? api.handler(request) : fetch(request));
    const summary = await fuzzOpenApi(document, send, {
      baseUrl: api.baseUrl,
      // PW_FUZZ_RUNS and PW_FUZZ_SEED explore further than CI does.
      numRuns: Number(process.env['PW_FUZZ_RUNS'] ?? 40),
      seed: Number(process.env['PW_FUZZ_SEED'] ?? 20261124),
      headers: { authorization: `Bearer ${tokenFor(tenant, 'admin')}` },
      pathParamValues: (name) => known[name] ?? fc.string({ minLength: 1, maxLength: 20 }),
    });
    expect(summary.operations).toBe(Object.keys(operations).length - 1);
    expect(summary.skipped.map((skip) => skip.operationId)).toEqual(['streamRunEvents']);
    const count = (prefix: string) => Object.entries(summary.statusCounts).reduce((sum, [status, n]) => (status.startsWith(prefix) ? sum + n : sum), 0);
    expect(count('5')).toBe(0);
    // Generated input reaches the handlers, not only the validators.
    expect(count('2')).toBeGreaterThan(summary.requests / 10);
    expect(count('4')).toBeGreaterThan(summary.requests / 5);
  });

  const withBody = (Object.keys(operations) as OperationId[]).filter((id) => (operations[id] as OperationSpec).body !== undefined);

  it.each(withBody)('%s answers malformed JSON with a 400 malformed_json problem', async (id) => {
    const spec: OperationSpec = operations[id];
    const path = spec.path.replace(':workflowId', 'fuzzed').replace(':runId', ids.runId).replace(':connectionId', ids.secretConnectionId);
    const response = await api.fetch(path, { method: spec.method.toUpperCase(), body: '{"definition": {"id": ', headers: { 'content-type': 'application/json' }, as: { tenantId: tenant, role: 'admin' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 400, code: 'malformed_json', type: 'urn:pipewright:problem:malformed_json' });
  });

  it('answers a body that is not JSON with 415, and one over the limit with 413', async () => {
    const as = { tenantId: tenant, role: 'admin' } as const;
    const form = await api.fetch('/runs', { method: 'POST', body: 'workflowId=fuzzed', headers: { 'content-type': 'application/x-www-form-urlencoded' }, as });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ code: 'unsupported_media_type' });
    const huge = await api.fetch('/workflows/validate', { method: 'POST', body: JSON.stringify({ definition: { pad: 'x'.repeat(6 * 1024 * 1024) } }), headers: { 'content-type': 'application/json' }, as });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'request_too_large' });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await api.fetch('/no/such/route', { as: { tenantId: tenant, role: 'admin' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'route_not_found' });
  });
});
