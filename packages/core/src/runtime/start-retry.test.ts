import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JobQueue } from '../ports/job-queue';
import { createMemoryJobQueue } from '../ports/memory-job-queue';
import { createMemoryRunStore } from '../ports/memory-run-store';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createEngine } from './engine';

let executions = 0;
const double = defineNode({
  type: 'test.double',
  version: 1,
  title: 'Double',
  description: 'doubles n',
  category: 'Test',
  configSchema: z.object({}),
  sideEffects: false,
  run: ({ input }) => {
    executions++;
    return { n: (input as { n: number }).n * 2 };
  },
});
const registry = createRegistry([...coreNodes, double]);
const workflow = {
  id: 'wf',
  name: 'Double',
  nodes: [
    { id: 'start', type: 'core.manual' },
    { id: 'd', type: 'test.double' },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'd' }],
};
const tenant = { tenantId: 'acme' };

/** A queue whose first `failures` enqueues fail, as a process that dies after storing a run and before queuing it. */
function queueFailingFirst(failures: number): JobQueue {
  const queue = createMemoryJobQueue();
  let left = failures;
  return {
    ...queue,
    enqueue: (job) => (left-- > 0 ? Promise.reject(new Error('the process died here')) : queue.enqueue(job)),
    process: (handler, options) => queue.process(handler, options),
    deadLetters: () => queue.deadLetters(),
    countPending: () => queue.countPending(),
    close: () => queue.close(),
  };
}

async function finished(engine: ReturnType<typeof createEngine>, runId: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const { status } = await engine.runs.get(tenant, runId);
    if (status !== 'queued' && status !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`run ${runId} did not finish`);
}

describe('starting a run again with its idempotency key', () => {
  it('queues a run that was stored but never queued (the first start died in between), and runs it once', async () => {
    executions = 0;
    const store = createMemoryRunStore();
    const engine = createEngine({ registry, store, queue: queueFailingFirst(1) });
    await engine.workflows.save(tenant, workflow);
    await engine.workflows.publish(tenant, 'wf');
    engine.start();
    try {
      await expect(engine.runs.start(tenant, { workflowId: 'wf' }, { n: 21 }, { idempotencyKey: 'order-1' })).rejects.toThrow('the process died here');
      const [stored] = (await engine.runs.list(tenant)).items;
      expect(stored?.status).toBe('queued');

      const again = await engine.runs.start(tenant, { workflowId: 'wf' }, { n: 21 }, { idempotencyKey: 'order-1' });
      expect(again).toEqual({ runId: stored?.id, created: false });
      expect(await finished(engine, again.runId)).toBe('succeeded');
      expect((await engine.runs.get(tenant, again.runId)).output).toEqual({ n: 42 });

      // A third start of the finished run queues nothing and runs nothing.
      await engine.runs.start(tenant, { workflowId: 'wf' }, { n: 21 }, { idempotencyKey: 'order-1' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(executions).toBe(1);
    } finally {
      await engine.stop();
    }
  });
});
