import { z } from 'zod';
import { defineTrigger } from '../registry/node-definition';
import { scheduleConfigSchema } from './schedule/schedule-config';

/**
 * Starts one run per scheduled time, however many workers run: the run's idempotency
 * key is the trigger and the time. The trigger output is `{ scheduledAt, firedAt }`.
 */
export const scheduleTrigger = defineTrigger({
  type: 'core.schedule',
  version: 1,
  title: 'Schedule',
  description: 'Starts a run on a cron schedule, in a time zone.',
  category: 'Triggers',
  icon: 'clock',
  source: 'schedule',
  configSchema: scheduleConfigSchema,
  sideEffects: false,
});

export const eventTriggerConfigSchema = z.object({
  /** The host event name, as passed to `engine.events.emit`. */
  event: z.string().min(1).max(200),
  /** JMESPath over the event payload; the run starts only when it is truthy. */
  filter: z.string().min(1).max(2_000).optional(),
  sampleInput: z.unknown().optional(),
});

/** Starts a run when the host app emits an event (`engine.events.emit(ctx, name, payload)`). */
export const eventTrigger = defineTrigger({
  type: 'core.event',
  version: 1,
  title: 'App event',
  description: 'Starts a run when the host application emits an event of this name.',
  category: 'Triggers',
  icon: 'bolt',
  source: 'event',
  configSchema: eventTriggerConfigSchema,
  sideEffects: false,
});
