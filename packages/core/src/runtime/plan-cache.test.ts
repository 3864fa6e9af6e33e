import { describe, expect, it } from 'vitest';
import { asTenantId, asWorkflowId, asWorkflowVersionId } from '../ids';
import { workflowSchema } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createMemoryRunStore } from '../ports/memory-run-store';
import { createRegistry } from '../registry/create-registry';
import { createPlanCache } from './plan-cache';

const registry = createRegistry([...coreNodes]);

function definition(delayMs: number) {
  return workflowSchema.parse({
    id: 'wf',
    name: 'Template',
    nodes: [
      { id: 'start', type: 'core.manual' },
      { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: delayMs } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'wait' }],
  });
}

async function publish(store: ReturnType<typeof createMemoryRunStore>, tenant: string, delayMs: number) {
  const tenantId = asTenantId(tenant);
  const workflowId = asWorkflowId('wf');
  await store.saveWorkflow({ tenantId, id: workflowId, name: 'Template', draft: definition(delayMs), latestVersion: 0, createdAt: 0, updatedAt: 0 });
  const version = await store.publishVersion(tenantId, workflowId, asWorkflowVersionId(`wfv_${tenant}`), definition(delayMs), 0);
  return { tenantId, versionId: version.id };
}

describe('plan cache', () => {
  it('shares one compiled plan between versions of different tenants with the same definition', async () => {
    const store = createMemoryRunStore();
    const planFor = createPlanCache(store, registry);
    const a = await publish(store, 'tenant-a', 1_000);
    const b = await publish(store, 'tenant-b', 1_000);
    const c = await publish(store, 'tenant-c', 2_000);
    const planA = await planFor(a.tenantId, a.versionId);
    expect(await planFor(b.tenantId, b.versionId)).toBe(planA);
    const planC = await planFor(c.tenantId, c.versionId);
    expect(planC).not.toBe(planA);
    expect(planC.nodes['wait']?.config).toMatchObject({ durationMs: 2_000 });
  });

  it('fails for a version that does not exist, and tries again next time', async () => {
    const store = createMemoryRunStore();
    const planFor = createPlanCache(store, registry);
    await expect(planFor(asTenantId('tenant-a'), asWorkflowVersionId('wfv_tenant-a'))).rejects.toMatchObject({ code: 'not_found' });
    const a = await publish(store, 'tenant-a', 1_000);
    expect((await planFor(a.tenantId, a.versionId)).order).toEqual(['start', 'wait']);
  });
});
