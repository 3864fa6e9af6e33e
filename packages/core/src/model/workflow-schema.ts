import { z } from 'zod';
import { piiKindSchema } from '../secrets/pii-patterns';
import { parseTemplate } from '../expressions/template';

const reservedNodeIds = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Ids are stable keys: the graph, expressions (`steps.<id>`) and run history refer to
 * nodes by id, never by display name, so a rename breaks nothing.
 */
export const nodeIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'Use letters, digits, "_" and "-", starting with a letter or "_"')
  // Node ids are keys of plain objects (`steps.<id>`, the plan's nodes): these would
  // reach the object's prototype instead of a property.
  .refine((id) => !reservedNodeIds.has(id), 'This id is reserved; choose another');

/** `"<connector>.<action>"`, e.g. `http.request`, `core.if`, `slack.postMessage`. */
export const nodeTypeIdSchema = z
  .string()
  .min(3)
  .max(128)
  .regex(/^[a-z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9_-]*)+$/, 'Expected "<connector>.<action>"');

export const handleIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_:-]+$/, 'Use letters, digits, "_", ":" and "-"');

export const positionSchema = z.object({ x: z.number(), y: z.number() });

/**
 * How a failed step is retried. The delay before attempt n + 1 is `initialDelayMs`
 * (`fixed`), `initialDelayMs × n` (`linear`) or `initialDelayMs × factor^(n−1)`
 * (`exponential`), capped at `maxDelayMs`; `full` jitter then picks uniformly below it.
 * `none` turns retries off.
 */
export const retryPolicySchema = z.object({
  /** Total attempts including the first one. */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  backoff: z.enum(['none', 'fixed', 'linear', 'exponential']).default('exponential'),
  initialDelayMs: z.number().int().min(0).max(86_400_000).default(1_000),
  maxDelayMs: z.number().int().min(0).max(86_400_000).default(300_000),
  /** Growth per attempt for `exponential` backoff. */
  factor: z.number().min(1).max(10).default(2),
  /** `full`: a uniformly random delay between 0 and the computed one (AWS "full jitter"), so retries of many runs spread out. */
  jitter: z.enum(['none', 'full']).default('full'),
});

/**
 * What happens when a node fails after its retries: `fail` fails the run, `continue`
 * records the error as the node's output and goes on, `route` sends the error down
 * the node's `error` output handle.
 */
export const onErrorSchema = z.enum(['fail', 'continue', 'route']);

export const workflowNodeSchema = z.object({
  id: nodeIdSchema,
  type: nodeTypeIdSchema,
  /** The node type's version that `config` was written for; defaults to the latest. */
  typeVersion: z.number().int().min(1).optional(),
  name: z.string().max(200).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  position: positionSchema.optional(),
  onError: onErrorSchema.optional(),
  retry: retryPolicySchema.optional(),
  timeoutMs: z.number().int().min(1).max(2_592_000_000).optional(),
  disabled: z.boolean().optional(),
  notes: z.string().max(10_000).optional(),
});

export const workflowEdgeSchema = z.object({
  id: z.string().min(1).max(128),
  source: nodeIdSchema,
  /** Output handle on the source; defaults to the source type's main output. */
  sourceHandle: handleIdSchema.optional(),
  target: nodeIdSchema,
  /** Input handle on the target; defaults to the target type's main input. */
  targetHandle: handleIdSchema.optional(),
});

function templateParses(source: string): boolean {
  try {
    parseTemplate(source);
    return true;
  } catch {
    return false;
  }
}

/**
 * A template evaluated once per start on the run's input, e.g. `{{ trigger.customerId }}`:
 * starts with the same value share a concurrency slot list, a debounce or a batch. It
 * can read `trigger`, `vars` and `run`, not `steps` (nothing has run yet).
 */
export const flowKeySchema = z.string().min(1).max(1_000).refine(templateParses, { message: 'Not a valid template' });

/**
 * Runs that may execute at once. With `key`, the limit holds per value of the key (one
 * run at a time per customer); without, for the whole workflow, like `maxConcurrentRuns`.
 * Runs over the limit are created `queued` and start, oldest first, as slots free up.
 */
export const concurrencySettingsSchema = z.object({
  limit: z.number().int().min(1).max(100_000),
  key: flowKeySchema.optional(),
});

/**
 * Starts within `quietMs` of each other (per value of `key`) collapse into one run,
 * started `quietMs` after the last of them with the last one's input. `maxWaitMs` bounds
 * how long a stream of starts can keep postponing it.
 */
export const debounceSettingsSchema = z.object({
  quietMs: z.number().int().min(1).max(604_800_000),
  maxWaitMs: z.number().int().min(1).max(604_800_000).optional(),
  key: flowKeySchema.optional(),
});

/**
 * Starts are collected (per value of `key`) and one run starts with input
 * `{ items: [input, ...] }` once `maxItems` are in, or `windowMs` after the first one.
 */
export const batchSettingsSchema = z.object({
  maxItems: z.number().int().min(1).max(10_000),
  windowMs: z.number().int().min(1).max(604_800_000),
  key: flowKeySchema.optional(),
});

export const workflowSettingsSchema = z
  .object({
    /** Wall-clock limit for a whole run, counted from its creation (a run queued for a slot uses it up too). */
    timeoutMs: z.number().int().min(1).max(31_536_000_000).optional(),
    /** Runs of this workflow that may execute at once; further runs queue. Shorthand for `concurrency: { limit }`. */
    maxConcurrentRuns: z.number().int().min(1).max(100_000).optional(),
    concurrency: concurrencySettingsSchema.optional(),
    debounce: debounceSettingsSchema.optional(),
    batch: batchSettingsSchema.optional(),
    /** Default error behaviour for nodes that do not set `onError`. */
    onError: onErrorSchema.default('fail'),
    /** Default retry policy for nodes that do not set `retry`. */
    retry: retryPolicySchema.optional(),
    /** Initial values of `vars` in expressions. */
    variables: z.record(z.string(), z.unknown()).default({}),
    /**
     * Personal data to remove from what runs record: step outputs, step logs and
     * errors (so also events and API responses). The run input is kept as given, so
     * steps can use it; a step's redacted output is what the next step gets. Secrets
     * of the run's connections are always removed, whatever this says.
     */
    redact: z.object({ pii: z.array(piiKindSchema).min(1).max(10) }).optional(),
  })
  .refine((settings) => settings.debounce === undefined || settings.batch === undefined, {
    message: 'A workflow either debounces or batches its starts, not both',
    path: ['batch'],
  });

export const workflowSchema = z.object({
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  nodes: z.array(workflowNodeSchema).max(50_000),
  edges: z.array(workflowEdgeSchema).max(200_000),
  settings: workflowSettingsSchema.default({ onError: 'fail', variables: {} }),
  /** Free-form editor state (viewport, groups); the engine never reads it. */
  ui: z.record(z.string(), z.unknown()).optional(),
});

export type Workflow = z.infer<typeof workflowSchema>;
export type WorkflowInput = z.input<typeof workflowSchema>;
export type WorkflowNode = z.infer<typeof workflowNodeSchema>;
export type WorkflowEdge = z.infer<typeof workflowEdgeSchema>;
export type WorkflowSettings = z.infer<typeof workflowSettingsSchema>;
export type ConcurrencySettings = z.infer<typeof concurrencySettingsSchema>;
export type DebounceSettings = z.infer<typeof debounceSettingsSchema>;
export type BatchSettings = z.infer<typeof batchSettingsSchema>;
export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type OnError = z.infer<typeof onErrorSchema>;
export type Position = z.infer<typeof positionSchema>;
