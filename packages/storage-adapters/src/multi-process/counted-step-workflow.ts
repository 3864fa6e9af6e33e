import { coreNodes, createRegistry, defineNode, type Registry, type WorkflowInput } from '@pipewright/core';
import { z } from 'zod';
import type { StepExecution } from './step-counter-table';

export const countedStepType = 'test.countedStep';

/** The steps of the workflow, in the order they run. */
export const countedStepIds = ['s1', 's2', 's3', 's4', 's5'] as const;

/** What a counted step returns, so the event log says which execution it records. */
export const countedStepOutputSchema = z.object({
  idempotencyKey: z.string(),
  execution: z.number().int().min(1),
  worker: z.string(),
});

export type CountedStepOutput = z.infer<typeof countedStepOutputSchema>;

/** Counts an execution durably and returns which one it is (1 for the first). */
export type CountExecution = (execution: StepExecution) => Promise<number>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A step with a side effect the test can see: it counts its execution under its
 * idempotency key first, then takes `sleepMs`, so a worker killed while the step is in
 * flight has most likely counted it without recording its success. Declared with side
 * effects, so the engine stores `step.started` before it runs, as for any real connector.
 */
export function countedStepNode(worker: string, count: CountExecution) {
  return defineNode({
    type: countedStepType,
    version: 1,
    title: 'Counted step',
    description: 'Counts its executions under its idempotency key, then waits a little.',
    category: 'Testing',
    configSchema: z.object({ sleepMs: z.number().int().min(0).max(10_000) }),
    sideEffects: true,
    run: async (ctx): Promise<CountedStepOutput> => {
      const execution = await count({ idempotencyKey: ctx.idempotencyKey, runId: ctx.run.id, nodeId: ctx.node.id, worker });
      await sleep(ctx.config.sleepMs);
      return { idempotencyKey: ctx.idempotencyKey, execution, worker };
    },
  });
}

/** The core nodes and the counted step, as every process of a test registers them. */
export function countedStepRegistry(worker: string, count: CountExecution): Registry {
  return createRegistry([...coreNodes, countedStepNode(worker, count)]);
}

/** A manual trigger and five counted steps in a line. */
export function countedStepWorkflow(id: string, sleepMs: number): WorkflowInput {
  const nodes: WorkflowInput['nodes'] = [{ id: 'start', type: 'core.manual', config: {} }];
  const edges: WorkflowInput['edges'] = [];
  let previous = 'start';
  for (const stepId of countedStepIds) {
    nodes.push({ id: stepId, type: countedStepType, config: { sleepMs } });
    edges.push({ id: `${previous}-${stepId}`, source: previous, target: stepId });
    previous = stepId;
  }
  return { id, name: `${countedStepIds.length} counted steps`, nodes, edges };
}
