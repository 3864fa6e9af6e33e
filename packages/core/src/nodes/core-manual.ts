import { z } from 'zod';
import { defineTrigger } from '../registry/node-definition';
import { payloadPatternIssues } from '../triggers/payload-patterns';

export const manualTriggerConfigSchema = z
  .object({
    /** JSON Schema the run input must match; checked when a run starts (patterns on RE2, in linear time). */
    inputSchema: z.record(z.string(), z.unknown()).optional(),
    /** Input used by dry runs and shown in the builder. */
    sampleInput: z.unknown().optional(),
  })
  .superRefine((config, ctx) => {
    // Refused when the workflow is saved, rather than at the first run.
    if (config.inputSchema === undefined) return;
    for (const issue of payloadPatternIssues(config.inputSchema)) ctx.addIssue({ code: 'custom', message: issue.message, path: ['inputSchema', ...issue.path] });
  });

/** Starts a run from `engine.runs.start(...)`, the API or the builder's Run button. */
export const manualTrigger = defineTrigger({
  type: 'core.manual',
  version: 1,
  title: 'Manual start',
  description: 'Starts a run on demand with the input it is given.',
  category: 'Triggers',
  icon: 'play',
  source: 'manual',
  configSchema: manualTriggerConfigSchema,
  sideEffects: false,
});
