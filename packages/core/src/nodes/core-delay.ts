import { z } from 'zod';
import { defineControlNode } from '../registry/node-definition';

export const delayConfigSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('duration'),
    durationMs: z.number().int().min(0).max(31_536_000_000),
  }),
  z.object({
    mode: z.literal('until'),
    /** ISO 8601 instant with an offset, e.g. `2026-01-01T09:00:00+01:00`. */
    until: z.iso.datetime({ offset: true }),
  }),
]);

/** Pauses the run durably (a due job, not a sleeping process). */
export const delayNode = defineControlNode({
  type: 'core.delay',
  version: 1,
  title: 'Delay',
  description: 'Waits for a duration or until a point in time, then continues with its input.',
  category: 'Flow',
  icon: 'clock',
  configSchema: delayConfigSchema,
  sideEffects: false,
});
