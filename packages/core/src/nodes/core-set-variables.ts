import { z } from 'zod';
import { defineControlNode } from '../registry/node-definition';

export const setVariablesConfigSchema = z.object({
  /** Values to set in `vars`; later steps read them as `{{ vars.<name> }}`. */
  variables: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Variable names are identifiers'), z.unknown())
    .refine((variables) => Object.keys(variables).length > 0, 'Set at least one variable'),
});

/** Sets run variables; they are recorded in the run's event log, so replays see them. */
export const setVariablesNode = defineControlNode({
  type: 'core.setVariables',
  version: 1,
  title: 'Set variables',
  description: 'Sets workflow variables for the rest of the run and passes its input on.',
  category: 'Flow',
  icon: 'variable',
  configSchema: setVariablesConfigSchema,
  sideEffects: false,
});
