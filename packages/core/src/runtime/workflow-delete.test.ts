import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { createTestEngine, type TestEngine } from '../testing/test-engine';

const hooked: WorkflowInput = {
  id: 'orders',
  name: 'Orders',
  nodes: [
    { id: 'hook', type: 'core.webhook', config: { verify: { scheme: 'none' } } },
    { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 60_000 } },
  ],
  edges: [{ id: 'e1', source: 'hook', target: 'wait' }],
};

let engine: TestEngine;

beforeEach(() => {
  engine = createTestEngine({ registry: createRegistry([...coreNodes]) });
});

afterEach(async () => {
  await engine.stop();
});

const post = (path: string): Promise<Response> =>
  engine.webhookHandler(new Request(`http://127.0.0.1/hooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order":42}' }));

describe('workflows.delete', () => {
  it('stops the webhook answering at once, and lets a run started before it finish', async () => {
    await engine.deploy(hooked);
    const [registration] = await engine.triggers.enable(engine.ctx, hooked.id);
    const path = registration?.path ?? '';
    const accepted = await post(path);
    expect(accepted.status).toBe(202);
    const { runId } = (await accepted.json()) as { runId: string };

    expect(await engine.workflows.delete(engine.ctx, hooked.id)).toBe(true);
    // The clock has not moved: the route the request above cached would still be fresh.
    expect((await post(path)).status).toBe(404);
    expect(await engine.triggers.list(engine.ctx, hooked.id)).toEqual([]);
    expect(await engine.workflows.get(engine.ctx, hooked.id)).toBeUndefined();

    const run = await engine.settle(runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((step) => [step.nodeId, step.status])).toContainEqual(['wait', 'succeeded']);
    expect(await engine.workflows.delete(engine.ctx, hooked.id)).toBe(false);
  });

  it('numbers the versions of a workflow saved again after its kept ones', async () => {
    await engine.deploy(hooked);
    const second = await engine.deploy({ ...hooked, name: 'Orders v2' });
    expect(second.version).toBe(2);
    expect(await engine.workflows.delete(engine.ctx, hooked.id)).toBe(true);
    await expect(engine.runs.start(engine.ctx, { workflowId: hooked.id }, {})).rejects.toMatchObject({ code: 'not_found' });

    const { workflow } = await engine.workflows.save(engine.ctx, { ...hooked, name: 'Orders again' });
    expect(workflow.latestVersion).toBe(2);
    const third = await engine.workflows.publish(engine.ctx, hooked.id);
    expect(third.version).toBe(3);
    expect((await engine.workflows.listVersions(engine.ctx, hooked.id)).map((version) => version.version)).toEqual([1, 2, 3]);
    expect((await engine.workflows.getVersion(engine.ctx, second.id))?.definition.name).toBe('Orders v2');
  });

  it('leaves a workflow of the same id in another tenant alone', async () => {
    await engine.deploy(hooked);
    const other = { tenantId: 'other-tenant' };
    await engine.workflows.save(other, hooked);
    await engine.workflows.publish(other, hooked.id);
    const [registration] = await engine.triggers.enable(other, hooked.id);

    expect(await engine.workflows.delete(engine.ctx, hooked.id)).toBe(true);
    expect(await engine.workflows.get(other, hooked.id)).toMatchObject({ id: hooked.id, latestVersion: 1 });
    expect((await post(registration?.path ?? '')).status).toBe(202);
  });
});
