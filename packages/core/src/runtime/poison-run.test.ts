import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { asTenantId } from '../ids';
import { createMemoryJobQueue } from '../ports/memory-job-queue';
import { createMemoryRunStore } from '../ports/memory-run-store';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createFakeClock } from '../testing/fake-clock';
import { createEngine } from './engine';

const custom = defineNode({
  type: 'vendor.step',
  version: 1,
  title: 'Vendor step',
  description: 'Installed on one worker only',
  category: 'Test',
  configSchema: z.object({}),
  sideEffects: false,
  run: () => 'ran',
});

describe('a run no worker can advance', () => {
  it('is dead-lettered after the job attempts and recorded as failed, not left running', async () => {
    const clock = createFakeClock();
    const store = createMemoryRunStore();
    const queue = createMemoryJobQueue({ clock });
    const ctx = { tenantId: 'acme' };
    // Published where the node type is installed, advanced where it is not.
    const author = createEngine({ registry: createRegistry([...coreNodes, custom]), store, queue, clock });
    await author.workflows.save(ctx, {
      id: 'needs-vendor',
      name: 'Needs a vendor node',
      nodes: [
        { id: 'start', type: 'core.manual' },
        { id: 'v', type: 'vendor.step' },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'v' }],
    });
    await author.workflows.publish(ctx, 'needs-vendor');
    const { runId } = await author.runs.start(ctx, { workflowId: 'needs-vendor' }, {});

    const worker = createEngine({ registry: createRegistry([...coreNodes]), store, queue, clock });
    worker.start();
    for (let i = 0; i < 10; i++) await clock.advance(60_000);

    const view = await worker.runs.get(ctx, runId);
    const record = await store.getRun(asTenantId('acme'), runId as never);
    expect(record).toMatchObject({ status: 'failed' });
    expect(record?.finishedAt).toBeDefined();
    const events = await author.runs.events(ctx, runId);
    expect(events.at(-1)?.event).toMatchObject({ type: 'run.failed', error: { code: 'invalid_workflow', retryable: false } });
    const letters = await store.listDeadLetters(asTenantId('acme'));
    expect(letters.items).toHaveLength(1);
    expect(letters.items[0]).toMatchObject({ jobName: 'advance', attempts: 5, payload: { runId } });
    expect(await queue.countPending()).toBe(0);
    // Shown even where the version no longer compiles.
    expect(view).toMatchObject({ status: 'failed', error: { code: 'invalid_workflow' } });
    expect(view.steps.map((step) => [step.nodeId, step.type, step.status])).toEqual([
      ['start', 'core.manual', 'succeeded'],
      ['v', 'vendor.step', 'pending'],
    ]);
    await worker.stop();
    await queue.close();
  });
});
