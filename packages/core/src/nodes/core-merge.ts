import { z } from 'zod';
import { defineNode } from '../registry/node-definition';

export const mergeConfigSchema = z.object({
  /** `all` waits for every input that can still arrive; `first` continues with the first. */
  mode: z.enum(['all', 'first']).default('all'),
  /**
   * How arrived inputs become the output: `object` keyed by upstream node id,
   * `array` in arrival order, `append` concatenates array outputs.
   */
  combine: z.enum(['object', 'array', 'append']).default('object'),
});

/** Joins branches back together. */
export const mergeNode = defineNode({
  type: 'core.merge',
  version: 1,
  title: 'Merge',
  description: 'Waits for several branches and combines their outputs.',
  category: 'Flow',
  icon: 'merge',
  configSchema: mergeConfigSchema,
  sideEffects: false,
  joinMode: (config) => (config.mode === 'first' ? 'any' : 'all'),
  run: ({ config, inputs }) => {
    if (config.combine === 'array') return inputs.map((item) => item.output);
    if (config.combine === 'append') return inputs.flatMap((item) => (Array.isArray(item.output) ? item.output : [item.output]));
    return Object.fromEntries(inputs.map((item) => [item.nodeId, item.output]));
  },
});
