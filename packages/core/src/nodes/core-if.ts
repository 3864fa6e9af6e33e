import { z } from 'zod';
import { routeTo } from '../registry/node-context';
import { defineNode } from '../registry/node-definition';

export const ifConfigSchema = z.object({
  /** Usually an expression: `{{ trigger.amount > \`100\` }}`. */
  condition: z.boolean(),
});

/** Sends its input down `true` or `false`. */
export const ifNode = defineNode({
  type: 'core.if',
  version: 1,
  title: 'If',
  description: 'Continues on "true" or "false" depending on a condition.',
  category: 'Flow',
  icon: 'split',
  configSchema: ifConfigSchema,
  outputs: [
    { id: 'true', label: 'True' },
    { id: 'false', label: 'False' },
  ],
  exclusiveOutputs: true,
  sideEffects: false,
  run: ({ config, input }) => routeTo(config.condition ? 'true' : 'false', input),
});
