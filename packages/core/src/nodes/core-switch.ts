import { z } from 'zod';
import { handleIdSchema } from '../model/workflow-schema';
import { routeTo } from '../registry/node-context';
import { defineNode } from '../registry/node-definition';
import { jsonEqual } from './json-equal';

const caseSchema = z.object({
  /** The output handle this case sends to. */
  handle: handleIdSchema.refine((handle) => handle !== 'default' && handle !== 'error', 'Reserved handle name'),
  label: z.string().optional(),
  /** The case matches when `value` equals this (JSON equality). */
  equals: z.unknown(),
});

export const switchConfigSchema = z.object({
  /** The value to compare, usually an expression: `{{ trigger.plan }}`. */
  value: z.unknown(),
  cases: z
    .array(caseSchema)
    .min(1)
    .refine((cases) => new Set(cases.map((item) => item.handle)).size === cases.length, 'Case handles must be unique'),
});

/** Sends its input down the first case whose value matches, else `default`. */
export const switchNode = defineNode({
  type: 'core.switch',
  version: 1,
  title: 'Switch',
  description: 'Continues on the first case that matches a value, or on "default".',
  category: 'Flow',
  icon: 'route',
  configSchema: switchConfigSchema,
  outputs: [{ id: 'default', label: 'Default' }],
  dynamicOutputs: { configArray: 'cases', idField: 'handle', labelField: 'label' },
  exclusiveOutputs: true,
  sideEffects: false,
  run: ({ config, input }) => {
    const match = config.cases.find((item) => jsonEqual(item.equals, config.value));
    return routeTo(match?.handle ?? 'default', input);
  },
});
