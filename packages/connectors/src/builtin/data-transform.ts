import { defineNode, evaluateJmespath, jmespathExpressionSchema } from '@pipewright/core';
import { z } from 'zod';

export const dataTransformConfigSchema = z.object({
  /** JMESPath, e.g. `items[?price > \`10\`].{name: name, total: price * qty}`. */
  expression: jmespathExpressionSchema,
});

/** Reshapes its input with a JMESPath expression; the result is the output. */
export const dataTransformNode = defineNode({
  type: 'data.transform',
  version: 1,
  title: 'Transform',
  description: 'Reshapes data with a JMESPath expression.',
  category: 'Data',
  icon: 'shuffle',
  configSchema: dataTransformConfigSchema,
  sideEffects: false,
  sampleOutput: [{ name: 'Widget', total: 36 }],
  run: ({ config, input }) => evaluateJmespath(config.expression, input),
});
