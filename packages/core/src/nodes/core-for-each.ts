import { z } from 'zod';
import { defineControlNode } from '../registry/node-definition';

export const forEachConfigSchema = z.object({
  /** The list to iterate, usually an expression: `{{ steps.fetch.output.rows }}`. */
  items: z.array(z.unknown()).max(100_000),
  /** Items processed at once. */
  concurrency: z.number().int().min(1).max(100).default(1),
  /** The workflow run once per item; its trigger receives `{ item, index }`. */
  workflowId: z.string().min(1),
  /** Version of that workflow: a number, or the latest published one. */
  version: z.union([z.number().int().min(1), z.literal('latest')]).default('latest'),
  /** Keep going when an item's run fails (its error becomes that item's result). */
  continueOnItemError: z.boolean().default(false),
});

/** Runs a sub-workflow once per item; its output is the list of results in item order. */
export const forEachNode = defineControlNode({
  type: 'core.forEach',
  version: 1,
  title: 'For each',
  description: 'Runs a workflow for every item of a list and collects the results.',
  category: 'Flow',
  icon: 'repeat',
  configSchema: forEachConfigSchema,
  sideEffects: false,
});
