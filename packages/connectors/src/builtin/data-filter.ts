import { defineNode, evaluateJmespath, jmespathExpressionSchema } from '@pipewright/core';
import { z } from 'zod';
import { isJmespathTruthy } from './jmespath-truthy';
import { stepError } from './step-error';

export const dataFilterConfigSchema = z.object({
  /** The list to filter, usually an expression: `{{ steps.fetch.output.rows }}`. Defaults to the input. */
  items: z.array(z.unknown()).max(100_000).optional(),
  /** JMESPath evaluated with each item as `@`, e.g. `status == 'active' && amount > \`0\``. */
  condition: jmespathExpressionSchema,
});

/** Keeps the items of a list for which a JMESPath condition is truthy (JMESPath truthiness). */
export const dataFilterNode = defineNode({
  type: 'data.filter',
  version: 1,
  title: 'Filter',
  description: 'Keeps the items of a list that match a JMESPath condition.',
  category: 'Data',
  icon: 'filter',
  configSchema: dataFilterConfigSchema,
  sideEffects: false,
  sampleOutput: [{ id: 1, status: 'active' }],
  run: ({ config, input }) => {
    const items = config.items ?? input;
    if (!Array.isArray(items)) {
      throw stepError('data.filter needs a list: set "items" or send it an array as input', {
        inputType: items === null ? 'null' : typeof items,
      });
    }
    return items.filter((item) => isJmespathTruthy(evaluateJmespath(config.condition, item)));
  },
});
