import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimeSchema } from './contract/common-schemas';
import type { Client } from './client/create-client';
import { ApiError } from './client/api-error';
import { echoWorkflow, expectProblem, startApiServer, type ApiServer } from './test-support/api-server.node-fixture';

let api: ApiServer;
let tenantCount = 0;

beforeAll(async () => {
  api = await startApiServer();
});

afterAll(async () => {
  await api.close();
});

/** Each test gets its own tenant, so listings only see that test's runs. */
function newTenant(): { tenantId: string; client: Client } {
  tenantCount += 1;
  const tenantId = `runs-${tenantCount}`;
  return { tenantId, client: api.client(tenantId, 'admin') };
}

type RunDetail = Awaited<ReturnType<Client['getRun']>>;

const finalStatuses = new Set(['succeeded', 'failed', 'cancelled']);

async function waitForRun(client: Client, runId: string, until: (run: RunDetail) => boolean = (run) => finalStatuses.has(run.status), timeoutMs = 10_000): Promise<RunDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await client.getRun({ params: { runId } });
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`Run ${runId} is still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until `nodeId` of the run is parked in a wait (a delay or a waitForEvent). */
function waitingAt(client: Client, runId: string, nodeId: string): Promise<RunDetail> {
  return waitForRun(client, runId, (run) => run.steps.some((step) => step.nodeId === nodeId && step.status === 'waiting'));
}

async function publish(client: Client, definition: Record<string, unknown>): Promise<{ versionId: string }> {
  await client.createWorkflow({ body: { definition } });
  const version = await client.publishWorkflow({ params: { workflowId: String(definition['id']) } });
  return { versionId: version.id };
}

function waitForEventWorkflow(id: string): Record<string, unknown> {
  return {
    id,
    name: `Wait ${id}`,
    nodes: [
      { id: 'start', type: 'core.manual' },
      { id: 'wait', type: 'core.waitForEvent', config: {} },
      { id: 'say', type: 'echo.say', config: { text: 'resumed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'wait' },
      { id: 'e2', source: 'wait', sourceHandle: 'event', target: 'say' },
    ],
  };
}

function delayWorkflow(id: string): Record<string, unknown> {
  return {
    id,
    name: `Delay ${id}`,
    nodes: [
      { id: 'start', type: 'core.manual' },
      { id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 3_600_000 } },
      { id: 'say', type: 'echo.say', config: { text: 'late' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'pause' },
      { id: 'e2', source: 'pause', target: 'say' },
    ],
  };
}

function post(tenantId: string, path: string, body: unknown): Promise<Response> {
  return api.fetch(path, { as: { tenantId, role: 'admin' }, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function get(tenantId: string, path: string): Promise<Response> {
  return api.fetch(path, { as: { tenantId, role: 'admin' } });
}

describe('startRun', () => {
  it('starts a run (201), answers a repeated idempotency key with the same run (200) and starts by version id', async () => {
    const { tenantId, client } = newTenant();
    const { versionId } = await publish(client, echoWorkflow('greet'));

    const first = await post(tenantId, '/runs', { workflowId: 'greet', inputs: { n: 1 }, idempotencyKey: 'key-1' });
    expect(first.status).toBe(201);
    const started = (await first.json()) as { runId: string; created: boolean };
    expect(started).toEqual({ runId: expect.any(String), created: true });

    const repeat = await post(tenantId, '/runs', { workflowId: 'greet', inputs: { n: 1 }, idempotencyKey: 'key-1' });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ runId: started.runId, created: false });

    const byVersion = await client.startRun({ body: { workflowVersionId: versionId } });
    expect(byVersion.created).toBe(true);
    expect(byVersion.runId).not.toBe(started.runId);
    const run = await waitForRun(client, byVersion.runId);
    expect(run.versionId).toBe(versionId);
    expect(run.workflowId).toBe('greet');
  });

  it('takes exactly one of workflowId and workflowVersionId', async () => {
    const { tenantId, client } = newTenant();
    await publish(client, echoWorkflow('greet'));
    const both = await expectProblem(await post(tenantId, '/runs', { workflowId: 'greet', workflowVersionId: 'v' }), 400, 'invalid_request');
    expect(both['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('workflowId') })]));
    await expectProblem(await post(tenantId, '/runs', { inputs: {} }), 400, 'invalid_request');
  });

  it('answers 404 for a workflow that was never published', async () => {
    const { tenantId, client } = newTenant();
    await client.createWorkflow({ body: { definition: echoWorkflow('draft-only') } });
    await expectProblem(await post(tenantId, '/runs', { workflowId: 'draft-only' }), 404, 'not_found');
    await expectProblem(await post(tenantId, '/runs', { workflowId: 'never-created' }), 404, 'not_found');
  });
});

describe('getRun and getRunOutput', () => {
  it('shows a finished run in the contract shape, with ISO times, steps and logs', async () => {
    const { client } = newTenant();
    await publish(client, echoWorkflow('greet'));
    const { runId } = await client.startRun({ body: { workflowId: 'greet', inputs: { who: 'ada' } } });
    const run = await waitForRun(client, runId);

    expect(run).toMatchObject({ id: runId, status: 'succeeded', workflowId: 'greet', input: { who: 'ada' } });
    expect(isoTimeSchema.safeParse(run.startedAt).success).toBe(true);
    expect(isoTimeSchema.safeParse(run.finishedAt).success).toBe(true);
    expect(Date.parse(run.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    expect(run.steps.map((step) => step.nodeId)).toEqual(['start', 'say']);
    const say = run.steps.find((step) => step.nodeId === 'say');
    expect(say).toMatchObject({ id: `${runId}:say`, nodeId: 'say', type: 'echo.say', status: 'succeeded', attempts: 1, output: { said: 'hello' } });
    expect(say?.durationMs).toBeGreaterThanOrEqual(0);
    const log = run.logs.find((entry) => entry.msg === 'saying hello');
    expect(log).toMatchObject({ level: 'info', nodeId: 'say' });
    expect(isoTimeSchema.safeParse(log?.ts).success).toBe(true);
  });

  it("reads the run's output and a step's output", async () => {
    const { client } = newTenant();
    await publish(client, echoWorkflow('greet', 'out'));
    const { runId } = await client.startRun({ body: { workflowId: 'greet', inputs: { who: 'ada' } } });
    const run = await waitForRun(client, runId);
    expect(run.status).toBe('succeeded');

    const output = await client.getRunOutput({ params: { runId } });
    expect(output.output).toEqual(run.output);
    expect(output.output).toEqual({ said: 'out' });
    expect(await client.getRunOutput({ params: { runId }, query: { nodeId: 'say' } })).toEqual({ output: { said: 'out' } });
    expect(await client.getRunOutput({ params: { runId }, query: { nodeId: 'start' } })).toEqual({ output: { who: 'ada' } });
  });

  it('answers 404 for a run that does not exist', async () => {
    const { tenantId } = newTenant();
    await expectProblem(await get(tenantId, '/runs/no-such-run'), 404, 'not_found');
    await expectProblem(await get(tenantId, '/runs/no-such-run/output'), 404, 'not_found');
  });
});

describe('listRuns', () => {
  it('filters by workflow, status and creation time, and pages without duplicates', async () => {
    const { tenantId, client } = newTenant();
    await publish(client, echoWorkflow('good'));
    await publish(client, echoWorkflow('bad', 'fail'));
    const goodIds: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const { runId } = await client.startRun({ body: { workflowId: 'good' } });
      goodIds.push(runId);
      await waitForRun(client, runId);
    }
    const { runId: badId } = await client.startRun({ body: { workflowId: 'bad' } });
    expect((await waitForRun(client, badId)).status).toBe('failed');
    const allIds = [...goodIds, badId];

    const all = await client.listRuns();
    expect(all.items.map((run) => run.id).sort()).toEqual([...allIds].sort());
    expect(all.nextCursor).toBeUndefined();

    const good = await client.listRuns({ query: { workflowId: 'good' } });
    expect(good.items.map((run) => run.id).sort()).toEqual([...goodIds].sort());

    const failed = await client.listRuns({ query: { status: 'failed' } });
    expect(failed.items.map((run) => run.id)).toEqual([badId]);
    const either = await client.listRuns({ query: { status: 'failed,succeeded' } });
    expect(either.items).toHaveLength(4);
    expect(await client.listRuns({ query: { status: 'running,cancelled' } })).toEqual({ items: [] });

    // createdAfter/createdBefore bound createdAt. Times have ms resolution and two runs may
    // share one, so check the bound itself rather than guess whether it is inclusive.
    const created = new Map(all.items.map((run) => [run.id, Date.parse(run.createdAt)]));
    const lastGood = created.get(goodIds[2] ?? '') ?? 0;
    const after = (await client.listRuns({ query: { createdAfter: new Date(lastGood).toISOString() } })).items.map((run) => run.id);
    expect(after).toContain(badId);
    for (const id of allIds) {
      const at = created.get(id) ?? 0;
      if (at > lastGood) expect(after).toContain(id);
      if (at < lastGood) expect(after).not.toContain(id);
    }
    const firstGood = created.get(goodIds[0] ?? '') ?? 0;
    const before = (await client.listRuns({ query: { createdBefore: new Date(firstGood + 1).toISOString() } })).items.map((run) => run.id);
    expect(before).toContain(goodIds[0]);
    for (const id of allIds) if ((created.get(id) ?? 0) > firstGood + 1) expect(before).not.toContain(id);
    expect(before).not.toContain(badId);
    expect(await client.listRuns({ query: { createdAfter: new Date(Date.now() + 60_000).toISOString() } })).toEqual({ items: [] });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listRuns({ query: cursor === undefined ? { limit: 3 } : { limit: 3, cursor } });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((run) => run.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined && pages < 10);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...allIds].sort());

    const invalid = await expectProblem(await get(tenantId, '/runs?status=finished'), 400, 'invalid_request');
    expect(invalid['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('status') })]));
    await expectProblem(await get(tenantId, '/runs?status=succeeded,nope'), 400, 'invalid_request');
    await expectProblem(await get(tenantId, '/runs?createdAfter=yesterday'), 400, 'invalid_request');
    await expectProblem(await get(tenantId, '/runs?cursor=garbage!!'), 400, 'invalid_cursor');
  });
});

describe('cancelRun', () => {
  it('cancels a run waiting in a one-hour core.delay, once', async () => {
    const { client } = newTenant();
    await publish(client, delayWorkflow('slow'));
    const { runId } = await client.startRun({ body: { workflowId: 'slow' } });
    await waitingAt(client, runId, 'pause');

    expect(await client.cancelRun({ params: { runId }, body: { reason: 'no longer needed' } })).toEqual({ cancelled: true });
    const run = await waitForRun(client, runId);
    expect(run.status).toBe('cancelled');
    expect(run.steps.find((step) => step.nodeId === 'say')?.status).not.toBe('succeeded');
    expect(await client.cancelRun({ params: { runId } })).toEqual({ cancelled: false });
  });

  it('cancels a run waiting in core.waitForEvent', async () => {
    const { client } = newTenant();
    await publish(client, waitForEventWorkflow('waiter'));
    const { runId } = await client.startRun({ body: { workflowId: 'waiter' } });
    await waitingAt(client, runId, 'wait');
    expect(await client.cancelRun({ params: { runId } })).toEqual({ cancelled: true });
    expect((await waitForRun(client, runId)).status).toBe('cancelled');
    expect(await client.cancelRun({ params: { runId } })).toEqual({ cancelled: false });
  });

  it('answers 404 for a run that does not exist', async () => {
    const { tenantId } = newTenant();
    await expectProblem(await post(tenantId, '/runs/nope/cancel', {}), 404, 'not_found');
  });
});

describe('rerunRun', () => {
  it('starts a new run from a node, reusing the steps upstream of it', async () => {
    const { tenantId, client } = newTenant();
    // Three steps: a rerun from `say` reuses `first`. The trigger itself is never marked
    // reused: the new run records its own trigger step with the original input.
    await publish(client, {
      id: 'chain',
      name: 'Chain',
      nodes: [
        { id: 'start', type: 'core.manual' },
        { id: 'first', type: 'echo.say', config: { text: 'one' } },
        { id: 'say', type: 'echo.say', config: { text: 'two' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'first' },
        { id: 'e2', source: 'first', target: 'say' },
      ],
    });
    const { runId } = await client.startRun({ body: { workflowId: 'chain', inputs: { who: 'ada' } } });
    const original = await waitForRun(client, runId);
    expect(original.status).toBe('succeeded');

    const rerun = await post(tenantId, `/runs/${runId}/rerun`, { fromNodeId: 'say' });
    expect(rerun.status).toBe(201);
    const { runId: newRunId } = (await rerun.json()) as { runId: string };
    expect(newRunId).not.toBe(runId);
    const run = await waitForRun(client, newRunId);
    expect(run.status).toBe('succeeded');
    expect(run.input).toEqual({ who: 'ada' });
    const steps = new Map(run.steps.map((step) => [step.nodeId, step]));
    expect(steps.get('start')).toMatchObject({ status: 'succeeded', output: { who: 'ada' } });
    expect(steps.get('start')?.reused).toBeUndefined();
    expect(steps.get('first')).toMatchObject({ status: 'succeeded', reused: true, output: { said: 'one' } });
    expect(steps.get('say')).toMatchObject({ status: 'succeeded', output: { said: 'two' } });
    expect(steps.get('say')?.reused).toBeUndefined();
    // `first` did not run again: its log is the original one, carried over with its output.
    const originalFirstLog = original.logs.find((log) => log.nodeId === 'first');
    expect(run.logs.find((log) => log.nodeId === 'first')).toEqual(originalFirstLog);
    expect(Date.parse(run.logs.find((log) => log.nodeId === 'say')?.ts ?? '')).toBeGreaterThanOrEqual(Date.parse(original.finishedAt ?? ''));

    await expectProblem(await post(tenantId, `/runs/${runId}/rerun`, { fromNodeId: 'missing' }), 400, 'invalid_input');
    await expectProblem(await post(tenantId, `/runs/${runId}/rerun`, { fromNodeId: 'start' }), 400, 'invalid_input');
  });
});

describe('resumeRun and signalRun', () => {
  it('resumes a core.waitForEvent with a payload; a second resume after the run finished is a 409', async () => {
    const { tenantId, client } = newTenant();
    await publish(client, waitForEventWorkflow('waiter'));
    const { runId } = await client.startRun({ body: { workflowId: 'waiter' } });
    await waitingAt(client, runId, 'wait');

    expect(await client.resumeRun({ params: { runId }, body: { nodeId: 'wait', payload: { approved: true } } })).toEqual({ resumed: true });
    const run = await waitForRun(client, runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((step) => step.nodeId === 'wait')).toMatchObject({ status: 'succeeded', output: { approved: true }, handle: 'event' });
    expect(run.steps.find((step) => step.nodeId === 'say')?.output).toEqual({ said: 'resumed' });

    // The engine refuses a signal to a finished run outright rather than answering resumed: false.
    await expectProblem(await post(tenantId, `/runs/${runId}/resume`, { nodeId: 'wait', payload: { approved: false } }), 409, 'run_finished');
    await expectProblem(await post(tenantId, `/runs/${runId}/resume`, { nodeId: 'say' }), 400, 'invalid_input');
  });

  it('resumes with the resume token; a forged token is a 400 invalid_token', async () => {
    const { tenantId, client } = newTenant();
    await publish(client, waitForEventWorkflow('waiter'));
    const { runId } = await client.startRun({ body: { workflowId: 'waiter' } });
    await waitingAt(client, runId, 'wait');
    const token = await api.engine.runs.resumeToken({ tenantId }, runId, 'wait');

    const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    await expectProblem(await post(tenantId, '/runs/signal', { token: forged, payload: {} }), 400, 'invalid_token');
    expect((await client.getRun({ params: { runId } })).status).not.toBe('succeeded');

    expect(await client.signalRun({ body: { token, payload: { via: 'token' } } })).toEqual({ resumed: true });
    const run = await waitForRun(client, runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((step) => step.nodeId === 'wait')?.output).toEqual({ via: 'token' });
  });
});

describe('dryRun', () => {
  it('previews a definition with the sample output of a side-effecting step and stores no run', async () => {
    const { client } = newTenant();
    const preview = await client.dryRun({ body: { workflow: echoWorkflow('preview'), inputs: { who: 'ada' } } });
    expect(preview.ok).toBe(true);
    if (!preview.ok) return;
    expect(preview.status).toBe('succeeded');
    expect(preview.steps.find((step) => step.nodeId === 'say')?.output).toEqual({ said: 'sample' });

    const pinned = await client.dryRun({ body: { workflow: echoWorkflow('preview'), pinned: { say: { said: 'pinned' } } } });
    expect(pinned.ok && pinned.steps.find((step) => step.nodeId === 'say')?.output).toEqual({ said: 'pinned' });

    expect(await client.listRuns()).toEqual({ items: [] });
  });

  it('answers ok: false with diagnostics for a broken definition', async () => {
    const { client } = newTenant();
    const broken = { ...echoWorkflow('broken'), edges: [{ id: 'e1', source: 'start', target: 'ghost' }] };
    const result = await client.dryRun({ body: { workflow: broken } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.some((diagnostic) => diagnostic.severity === 'error')).toBe(true);
  });

  it("previews a workflow's draft by workflowId", async () => {
    const { tenantId, client } = newTenant();
    await client.createWorkflow({ body: { definition: echoWorkflow('drafted', 'draft text') } });
    const result = await client.dryRun({ body: { workflowId: 'drafted', pinned: { say: { said: 'from pin' } } } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.steps.map((step) => step.nodeId)).toEqual(['start', 'say']);
    expect(result.steps.find((step) => step.nodeId === 'say')?.output).toEqual({ said: 'from pin' });
    expect(await client.listRuns()).toEqual({ items: [] });

    await expectProblem(await post(tenantId, '/runs/dry-run', { workflowId: 'missing' }), 404, 'not_found');
    await expectProblem(await post(tenantId, '/runs/dry-run', { workflowId: 'drafted', workflow: echoWorkflow('x') }), 400, 'invalid_request');
  });
});

describe('replayRun', () => {
  it('replays a finished run to the same state', async () => {
    const { client } = newTenant();
    await publish(client, echoWorkflow('greet'));
    const { runId } = await client.startRun({ body: { workflowId: 'greet' } });
    await waitForRun(client, runId);
    expect(await client.replayRun({ params: { runId } })).toEqual({ ok: true, status: 'succeeded', divergences: [] });
  });
});

describe('dead letters', () => {
  it('lists a failed run with its failed node, redrives it once and shows redrivenAs', async () => {
    const { tenantId, client } = newTenant();
    await publish(client, echoWorkflow('doomed', 'fail'));
    const { runId } = await client.startRun({ body: { workflowId: 'doomed' } });
    const failedRun = await waitForRun(client, runId);
    expect(failedRun.status).toBe('failed');
    expect(failedRun.steps.find((step) => step.nodeId === 'say')?.error?.message).toBe('Asked to fail');

    const letters = await client.listDeadLetters();
    expect(letters.items).toHaveLength(1);
    expect(letters.items[0]).toMatchObject({ runId, workflowId: 'doomed', nodeId: 'say', error: { message: 'Asked to fail' } });
    expect(letters.items[0]?.redrivenAs).toBeUndefined();

    const redrive = await post(tenantId, `/dead-letters/${runId}/redrive`, {});
    expect(redrive.status).toBe(201);
    const redriven = (await redrive.json()) as { runId: string; created: boolean };
    expect(redriven.created).toBe(true);
    expect(redriven.runId).not.toBe(runId);
    expect((await waitForRun(client, redriven.runId)).status).toBe('failed');

    const withRedriven = await client.listDeadLetters({ query: { includeRedriven: 'true' } });
    expect(withRedriven.items.find((letter) => letter.runId === runId)?.redrivenAs).toBe(redriven.runId);
    // By default a redriven run leaves the list; the redrive that failed again takes its place.
    const pending = await client.listDeadLetters();
    expect(pending.items.map((letter) => letter.runId)).toEqual([redriven.runId]);

    // A second redrive of the same run returns the first redrive instead of starting another.
    const again = await post(tenantId, `/dead-letters/${runId}/redrive`, {});
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ runId: redriven.runId, created: false });
  });

  it('refuses to redrive a run that did not fail', async () => {
    const { tenantId, client } = newTenant();
    await publish(client, echoWorkflow('greet'));
    const { runId } = await client.startRun({ body: { workflowId: 'greet' } });
    await waitForRun(client, runId);
    await expectProblem(await post(tenantId, `/dead-letters/${runId}/redrive`, {}), 400, 'invalid_input');
  });
});

describe('testConnectorAction', () => {
  it('runs an action for real and returns its output and logs', async () => {
    const { client } = newTenant();
    const result = await client.testConnectorAction({ body: { type: 'echo.say', config: { text: 'hi' } } });
    expect(result).toMatchObject({ ok: true, output: { said: 'hi' } });
    if (!('logs' in result)) throw new Error('expected logs');
    expect(result.logs).toEqual([expect.objectContaining({ level: 'info', msg: 'saying hi' })]);
  });

  it('answers ok: false with issues for an invalid config, and with the error when the action fails', async () => {
    const { client } = newTenant();
    const invalid = await client.testConnectorAction({ body: { type: 'echo.say', config: { text: 42 } } });
    expect(invalid.ok).toBe(false);
    expect('issues' in invalid && invalid.issues).toEqual([expect.objectContaining({ path: '$.config.text', code: 'invalid_type' })]);

    const failing = await client.testConnectorAction({ body: { type: 'echo.say', config: { text: 'fail' } } });
    expect(failing).toMatchObject({ ok: false, error: { code: 'fatal', message: 'Asked to fail', retryable: false } });
    expect('logs' in failing && failing.logs.map((log) => log.msg)).toEqual(['saying fail']);
  });

  it('answers 422 unknown_node_type for an action that is not installed', async () => {
    const { client } = newTenant();
    const error = await client.testConnectorAction({ body: { type: 'echo.shout', config: {} } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).code).toBe('unknown_node_type');
  });
});
