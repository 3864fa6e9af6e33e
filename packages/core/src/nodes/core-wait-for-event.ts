import { z } from 'zod';
import { jmespathExpressionSchema } from '../expressions/jmespath-expression-schema';
import { defineControlNode } from '../registry/node-definition';

export const waitForEventConfigSchema = z.object({
  /**
   * Host event name that resumes the run (`engine.events.emit(tenant, name, payload)`);
   * without one, only the resume token (`engine.runs.signal`) resumes it.
   */
  event: z.string().min(1).max(200).optional(),
  /** JMESPath over the event payload; the run resumes only on a truthy result. */
  match: jmespathExpressionSchema.optional(),
  /** Resumes only on an event whose `correlationKey` equals this, e.g. `{{ trigger.orderId }}`. */
  correlationKey: z.string().min(1).optional(),
  /** Gives up after this long and continues on `timeout`. */
  timeoutMs: z.number().int().min(1).max(31_536_000_000).optional(),
});

/**
 * Parks the run until a matching host event arrives or it is resumed with its token;
 * continues on `event` with the payload, or on `timeout`.
 */
export const waitForEventNode = defineControlNode({
  type: 'core.waitForEvent',
  version: 1,
  title: 'Wait for event',
  description: 'Pauses until an event arrives or the run is resumed, with an optional timeout.',
  category: 'Flow',
  icon: 'hourglass',
  configSchema: waitForEventConfigSchema,
  outputs: [
    { id: 'event', label: 'Event' },
    { id: 'timeout', label: 'Timeout' },
  ],
  exclusiveOutputs: true,
  sideEffects: false,
});
