import { defineNode } from '@pipewright/core';
import { z } from 'zod';

export const utilLogConfigSchema = z.object({
  level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Usually holds expressions: `Order {{ trigger.id }} received`. */
  message: z.string().min(1).max(10_000),
});

/** Writes a message to the run's log and passes its input on unchanged. */
export const utilLogNode = defineNode({
  type: 'util.log',
  version: 1,
  title: 'Log',
  description: "Writes a message to the run's log and passes its input on.",
  category: 'Utilities',
  icon: 'scroll-text',
  configSchema: utilLogConfigSchema,
  // The run log is Pipewright's own record, not the outside world: dry runs log too.
  sideEffects: false,
  run: ({ config, input, logger }) => {
    logger[config.level](config.message, { input });
    return input;
  },
});
