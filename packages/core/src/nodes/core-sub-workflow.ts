import { z } from 'zod';
import { defineControlNode } from '../registry/node-definition';

export const subWorkflowConfigSchema = z.object({
  workflowId: z.string().min(1),
  version: z.union([z.number().int().min(1), z.literal('latest')]).default('latest'),
  /** The child run's trigger payload. */
  input: z.unknown().optional(),
  /** Wait for the child run and output its result, or continue at once with its run id. */
  wait: z.boolean().default(true),
});

/** Starts another workflow as a child run. */
export const subWorkflowNode = defineControlNode({
  type: 'core.subWorkflow',
  version: 1,
  title: 'Run workflow',
  description: 'Runs another workflow and, by default, continues with its result.',
  category: 'Flow',
  icon: 'workflow',
  configSchema: subWorkflowConfigSchema,
  sideEffects: false,
});
