import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createEngine } from './engine';

/** Runs in the order their first step ran, with the tenant each belongs to. */
const firstSteps: string[] = [];

const registry = createRegistry([
  ...coreNodes,
  defineNode({
    type: 'test.record',
    version: 1,
    title: 'Record',
    description: 'Notes which run got a worker',
    category: 'Test',
    configSchema: z.object({ tenant: z.string() }),
    sideEffects: false,
    run: ({ config }) => {
      firstSteps.push(config.tenant);
      return null;
    },
  }),
]);

function workflow(tenant: string): WorkflowInput {
  return {
    id: 'wf',
    name: 'Fair',
    nodes: [
      { id: 'start', type: 'core.manual' },
      { id: 'record', type: 'test.record', config: { tenant } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'record' }],
  };
}

describe('tenant fairness', () => {
  it('starts a tenant’s single run within the first 1 % of another tenant’s backlog of 10,000', async () => {
    const engine = createEngine({ registry });
    const busy = { tenantId: 'busy' };
    const quiet = { tenantId: 'quiet' };
    for (const [ctx, name] of [
      [busy, 'busy'],
      [quiet, 'quiet'],
    ] as const) {
      await engine.workflows.save(ctx, workflow(name));
      await engine.workflows.publish(ctx, 'wf');
    }
    for (let start = 0; start < 10_000; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, index) => engine.runs.start(busy, { workflowId: 'wf' }, { n: start + index })));
    }
    const { runId } = await engine.runs.start(quiet, { workflowId: 'wf' }, { n: 0 });
    firstSteps.length = 0;
    engine.start();
    for (let turn = 0; turn < 2_000 && (await engine.runs.get(quiet, runId)).status !== 'succeeded'; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
    await engine.stop({ graceful: false });

    const position = firstSteps.indexOf('quiet');
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position, `busy runs started before the quiet tenant's run`).toBeLessThanOrEqual(100);
    expect(firstSteps.slice(0, position).every((tenant) => tenant === 'busy')).toBe(true);
    expect((await engine.runs.get(quiet, runId)).status).toBe('succeeded');
  });
});
