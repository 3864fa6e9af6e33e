import { z } from 'zod';
import type { ExecutionPlan } from '../compiler/execution-plan';
import { PipewrightError } from '../errors/pipewright-error';
import { asRunId, asWorkflowId, newId, newTimeOrderedId, type RunId, type TenantId, type WorkflowVersionId } from '../ids';
import { fromZodIssues } from '../model/validation-issue';
import { manualTrigger } from '../nodes/core-manual';
import { checkPayloadPatterns, compilePayloadPatterns, type PayloadPatterns } from '../triggers/payload-patterns';
import type { CreateRunResult, RunRecord, StaleVersion } from '../ports/run-store';
import { admitRun, slotScopes } from '../flow/run-concurrency';
import type { EngineCore } from './engine-core';
import { emitStored } from './emit-stored';
import type { ParentLink, RunEvent } from './run-events';

export interface NewRun {
  tenantId: TenantId;
  versionId: WorkflowVersionId;
  input: unknown;
  idempotencyKey?: string;
  triggerNodeId?: string;
  parent?: ParentLink;
  rerunOf?: { runId: RunId; fromNodeId: string };
  /** Events after the trigger's, e.g. outputs reused by a rerun. */
  extraEvents?: (plan: ExecutionPlan) => RunEvent[];
  /** The id the run gets, decided earlier (a debounced or batched start hands it out before the run exists). */
  runId?: RunId;
  /** The input is not what the trigger receives from one start (a batch's `{ items }`): skip the trigger's input schema. */
  skipInputCheck?: boolean;
}

const inputSchemas = new WeakMap<object, { structural: z.ZodType; patterns: PayloadPatterns }>();

/**
 * Checks the run input against the manual trigger's `inputSchema` (JSON Schema), if it
 * has one. Only `core.manual` declares it: a key of that name on another trigger's config
 * is not a schema of ours. Patterns run on RE2, never on JavaScript's backtracking engine.
 */
export function checkInput(plan: ExecutionPlan, triggerNodeId: string, input: unknown): void {
  const node = plan.nodes[triggerNodeId];
  const schema = node?.type === manualTrigger.type ? node.config['inputSchema'] : undefined;
  if (typeof schema !== 'object' || schema === null) return;
  let validator = inputSchemas.get(schema);
  if (!validator) {
    const patterns = compilePayloadPatterns(schema as Record<string, unknown>);
    validator = { structural: z.fromJSONSchema(patterns.structural as Parameters<typeof z.fromJSONSchema>[0]), patterns };
    inputSchemas.set(schema, validator);
  }
  const parsed = validator.structural.safeParse(input);
  const issues = [...(parsed.success ? [] : fromZodIssues(parsed.error.issues)), ...checkPayloadPatterns(validator.patterns, input)];
  if (issues.length > 0) {
    throw new PipewrightError('invalid_input', "The run input does not match the trigger's input schema", { details: { issues } });
  }
}

/** The trigger a run starts from: the one asked for, else the first `core.manual`, else the first entry node. */
export function resolveTrigger(plan: ExecutionPlan, requested: string | undefined): string {
  const triggerNodeId = requested ?? plan.entryNodeIds.find((id) => plan.nodes[id]?.type === 'core.manual') ?? plan.entryNodeIds[0];
  if (triggerNodeId === undefined || !plan.entryNodeIds.includes(triggerNodeId)) {
    throw new PipewrightError('invalid_input', `"${String(requested)}" is not a trigger of this workflow`);
  }
  return triggerNodeId;
}

/**
 * Stores a new run with its first events and queues it; idempotent by key. A run under
 * a concurrency limit with no slot free is stored `queued` and not queued for advancing
 * until a slot is handed to it (see `admitRun`).
 */
export async function createRun(core: EngineCore, request: NewRun): Promise<CreateRunResult> {
  const result = await storeAndQueueRun(core, request, false);
  if ('stale' in result) throw new PipewrightError('internal', 'The store answered a plain run creation as stale');
  return result;
}

/**
 * `createRun` of `request.versionId` while it is the workflow's latest version, with the
 * store's `createRunOfLatest`: `{ stale: true }` when another version was published since.
 * Only for stores that have it.
 */
export function createRunOfLatest(core: EngineCore, request: NewRun): Promise<CreateRunResult | StaleVersion> {
  return storeAndQueueRun(core, request, true);
}

async function storeAndQueueRun(core: EngineCore, request: NewRun, ofLatest: boolean): Promise<CreateRunResult | StaleVersion> {
  const plan = await core.planFor(request.tenantId, request.versionId);
  const triggerNodeId = resolveTrigger(plan, request.triggerNodeId);
  // A rerun's input passed the check when the original run started.
  if (!request.skipInputCheck && !request.rerunOf) checkInput(plan, triggerNodeId, request.input);

  const now = core.clock.now();
  const runId = request.runId ?? asRunId(newTimeOrderedId('run'));
  const version = plan.workflow;
  const created: RunEvent = {
    type: 'run.created',
    runId,
    tenantId: request.tenantId,
    workflowId: asWorkflowId(version.id),
    versionId: request.versionId,
    input: request.input,
    triggerNodeId,
    startedAt: now,
    resumeSecret: newId('rs'),
    variables: version.settings.variables,
  };
  if (version.settings.timeoutMs !== undefined) created.deadline = now + version.settings.timeoutMs;
  if (request.parent) created.parent = request.parent;
  if (request.rerunOf) created.rerunOf = request.rerunOf;
  const events: RunEvent[] = [created, { type: 'step.succeeded', nodeId: triggerNodeId, attempt: 1, output: request.input, durationMs: 0 }];
  for (const id of plan.entryNodeIds) if (id !== triggerNodeId) events.push({ type: 'step.skipped', nodeId: id, reason: 'other_trigger' });
  if (request.extraEvents) events.push(...request.extraEvents(plan));

  const record: RunRecord = {
    tenantId: request.tenantId,
    id: runId,
    workflowId: created.workflowId,
    versionId: request.versionId,
    status: 'queued',
    createdAt: now,
    updatedAt: now,
    lastSeq: 0,
  };
  if (request.parent) record.parentRunId = request.parent.runId;
  if (request.idempotencyKey !== undefined) record.idempotencyKey = request.idempotencyKey;

  // Before storing anything: a key that cannot be evaluated for this input rejects the start.
  const slots = await slotScopes(core, { tenantId: request.tenantId, workflowId: version.id, input: request.input, parent: request.parent }, version.settings);
  const result = ofLatest && core.store.createRunOfLatest !== undefined ? await core.store.createRunOfLatest(record, events) : await core.store.createRun(record, events);
  if ('stale' in result) return result;
  const queueRun = (id: RunId): Promise<unknown> =>
    slots.length > 0 ? admitRun(core, request.tenantId, id, slots) : core.queue.enqueue({ tenantId: request.tenantId, name: 'advance', payload: { runId: id }, dedupeKey: `advance:${id}` });
  if (result.created) {
    emitStored(core, request.tenantId, runId, events, 1, now);
    await queueRun(runId);
  } else if (result.run.status === 'queued') {
    // The same start again (by idempotency key): if the first one died between storing
    // the run and queuing it (or taking its slots), this finishes the job. Both are
    // idempotent: the advance job's dedupe key stands for one that is already waiting,
    // and one that is running finds the run moved on.
    await queueRun(result.run.id);
  }
  return result;
}
