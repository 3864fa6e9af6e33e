import { z } from 'zod';
import { defineControlNode } from '../registry/node-definition';

export const terminateConfigSchema = z.object({
  status: z.enum(['succeeded', 'failed']),
  message: z.string().max(10_000).optional(),
});

/** Ends the run at once with the given status; other branches are cancelled. */
export const terminateNode = defineControlNode({
  type: 'core.terminate',
  version: 1,
  title: 'Stop run',
  description: 'Ends the run as succeeded or failed, with a message.',
  category: 'Flow',
  icon: 'stop',
  configSchema: terminateConfigSchema,
  outputs: [],
  sideEffects: false,
});
