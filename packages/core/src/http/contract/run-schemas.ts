import { z } from 'zod';
import { idSchema, isoTimeSchema, jsonValueSchema, pageQuerySchema, recordedErrorSchema } from './common-schemas';
import { diagnosticSchema, workflowDefinitionSchema } from './workflow-schemas';

export const runStatusSchema = z.enum(['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled']);

export const startRunBodySchema = z
  .object({
    workflowId: idSchema.optional().describe("Runs the workflow's latest published version"),
    workflowVersionId: idSchema.optional().describe('Runs this version'),
    inputs: jsonValueSchema.optional().describe("The trigger's input ({} by default)"),
    idempotencyKey: z.string().min(1).max(255).optional().describe('A repeat with the same key returns the first run'),
    triggerNodeId: idSchema.optional().describe('Which trigger the run starts from (the first core.manual by default)'),
  })
  .refine((body) => (body.workflowId === undefined) !== (body.workflowVersionId === undefined), {
    message: 'Give exactly one of workflowId and workflowVersionId',
    path: ['workflowId'],
  });

export const startRunResultSchema = z
  .object({
    runId: z.string(),
    created: z.boolean().describe('false for an idempotent repeat, and for a start a debounce or batch defers'),
    deferred: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'StartedRun' });

export const runParamsSchema = z.object({ runId: idSchema });

export const stepStatusSchema = z.enum(['pending', 'running', 'retrying', 'parked', 'waiting', 'succeeded', 'failed', 'skipped']);

export const runStepSchema = z.object({
  id: z.string().describe('`<runId>:<nodeId>`'),
  nodeId: z.string(),
  type: z.string(),
  status: stepStatusSchema,
  durationMs: z.number().min(0),
  attempts: z.number().int().min(0),
  output: jsonValueSchema.optional(),
  handle: z.string().optional(),
  error: recordedErrorSchema.optional(),
  reused: z.boolean().optional(),
});

export const runLogSchema = z.object({ ts: isoTimeSchema, level: z.enum(['debug', 'info', 'warn', 'error']), msg: z.string(), nodeId: z.string() });

export const runDetailSchema = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    versionId: z.string(),
    status: runStatusSchema,
    createdAt: isoTimeSchema,
    startedAt: isoTimeSchema,
    finishedAt: isoTimeSchema.optional(),
    parentRunId: z.string().optional(),
    input: jsonValueSchema,
    output: jsonValueSchema.optional(),
    error: recordedErrorSchema.optional(),
    message: z.string().optional(),
    steps: z.array(runStepSchema),
    logs: z.array(runLogSchema),
  })
  .meta({ id: 'Run' });

export const runSummarySchema = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    versionId: z.string(),
    status: runStatusSchema,
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
    finishedAt: isoTimeSchema.optional(),
    parentRunId: z.string().optional(),
  })
  .meta({ id: 'RunSummary' });

/** `status` takes one status or several, comma-separated. */
export const listRunsQuerySchema = pageQuerySchema.extend({
  workflowId: idSchema.optional(),
  status: z
    .string()
    .max(200)
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const statuses = value.split(',').map((part) => part.trim());
      const parsed = z.array(runStatusSchema).safeParse(statuses);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `status takes ${runStatusSchema.options.join(', ')}, comma-separated` });
        return z.NEVER;
      }
      return parsed.data;
    })
    .describe('One status, or several comma-separated'),
  parentRunId: idSchema.optional(),
  createdAfter: isoTimeSchema.optional(),
  createdBefore: isoTimeSchema.optional(),
});

export const cancelRunBodySchema = z.object({ reason: z.string().max(1_000).optional() }).optional();
export const cancelRunResultSchema = z.object({ cancelled: z.boolean().describe('false when the run had already finished') });

export const rerunBodySchema = z.object({ fromNodeId: idSchema });
export const newRunSchema = z.object({ runId: z.string() });

export const resumeRunBodySchema = z.object({ nodeId: idSchema.describe('The core.waitForEvent node to resume'), payload: jsonValueSchema.optional() });
export const signalRunBodySchema = z.object({ token: z.string().min(1).max(2_000).describe("A wait's resume token"), payload: jsonValueSchema.optional() });
export const resumedSchema = z.object({ resumed: z.boolean().describe('false when that wait had already finished') });

export const dryRunBodySchema = z
  .object({
    workflow: workflowDefinitionSchema.optional().describe('A definition to preview'),
    workflowId: idSchema.optional().describe("Preview this workflow's draft"),
    inputs: jsonValueSchema.optional(),
    pinned: z.record(z.string(), z.unknown()).optional().describe('Outputs to use for nodes, by node id'),
    triggerNodeId: idSchema.optional(),
  })
  .refine((body) => (body.workflow === undefined) !== (body.workflowId === undefined), { message: 'Give exactly one of workflow and workflowId', path: ['workflow'] });

export const dryRunResultSchema = z
  .union([
    z.object({ ok: z.literal(false), diagnostics: z.array(diagnosticSchema) }),
    z.object({
      ok: z.literal(true),
      status: z.string(),
      output: jsonValueSchema.optional(),
      error: recordedErrorSchema.optional(),
      steps: z.array(
        z.object({ nodeId: z.string(), type: z.string(), status: z.string(), input: jsonValueSchema.optional(), output: jsonValueSchema.optional(), handle: z.string().optional(), error: recordedErrorSchema.optional() }),
      ),
    }),
  ])
  .meta({ id: 'DryRunResult' });

export const replayResultSchema = z
  .object({
    ok: z.boolean(),
    status: z.string().optional().describe('The replayed run status'),
    divergences: z.array(z.record(z.string(), z.unknown())),
    diagnostics: z.array(diagnosticSchema).optional(),
  })
  .meta({ id: 'ReplayResult' });

export const runOutputQuerySchema = z.object({ nodeId: idSchema.optional().describe("A step's output instead of the run's") });
export const runOutputSchema = z.object({ output: jsonValueSchema });

/** One stored run event as the SSE stream sends it (`id:` is `seq`, `event:` is `type`). */
export const runEventSchema = z
  .object({ runId: z.string(), seq: z.number().int().min(1), at: isoTimeSchema, type: z.string(), event: z.record(z.string(), z.unknown()) })
  .meta({ id: 'RunEvent' });

export const deadLetterSchema = z
  .object({
    runId: z.string(),
    workflowId: z.string(),
    versionId: z.string(),
    createdAt: isoTimeSchema,
    failedAt: isoTimeSchema,
    error: recordedErrorSchema,
    nodeId: z.string().optional(),
    redrivenAs: z.string().optional(),
  })
  .meta({ id: 'DeadLetter' });

export const listDeadLettersQuerySchema = pageQuerySchema.extend({
  workflowId: idSchema.optional(),
  includeRedriven: z.enum(['true', 'false']).optional().transform((value) => value === 'true'),
});

export const redriveResultSchema = z.object({ runId: z.string(), created: z.boolean() });
