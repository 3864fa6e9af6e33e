import { z } from 'zod';
import type { ExecutionPlan } from '../compiler/execution-plan';
import { PipewrightError } from '../errors/pipewright-error';
import { asRunId, asWorkflowId, newId, type RunId, type TenantId, type WorkflowVersionId } from '../ids';
import { fromZodIssues } from '../model/validation-issue';
import type { CreateRunResult, RunRecord } from '../ports/run-store';
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
}

const inputSchemas = new WeakMap<object, z.ZodType>();

/** Checks the run input against the manual trigger's `inputSchema` (JSON Schema), if it has one. */
function checkInput(plan: ExecutionPlan, triggerNodeId: string, input: unknown): void {
  const schema = plan.nodes[triggerNodeId]?.config['inputSchema'];
  if (typeof schema !== 'object' || schema === null) return;
  let validator = inputSchemas.get(schema);
  if (!validator) {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    inputSchemas.set(schema, validator);
  }
  const parsed = validator.safeParse(input);
  if (!parsed.success) {
    throw new PipewrightError('invalid_input', 'The run input does not match the trigger\'s input schema', { details: { issues: fromZodIssues(parsed.error.issues) } });
  }
}

/** Stores a new run with its first events and queues it; idempotent by key. */
export async function createRun(core: EngineCore, request: NewRun): Promise<CreateRunResult> {
  const plan = await core.planFor(request.tenantId, request.versionId);
  const triggerNodeId = request.triggerNodeId ?? plan.entryNodeIds.find((id) => plan.nodes[id]?.type === 'core.manual') ?? plan.entryNodeIds[0];
  if (triggerNodeId === undefined || !plan.entryNodeIds.includes(triggerNodeId)) {
    throw new PipewrightError('invalid_input', `"${String(request.triggerNodeId)}" is not a trigger of this workflow`);
  }
  checkInput(plan, triggerNodeId, request.input);

  const now = core.clock.now();
  const runId = asRunId(newId('run'));
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

  const result = await core.store.createRun(record, events);
  if (result.created) {
    emitStored(core, request.tenantId, runId, events, 1, now);
    await core.queue.enqueue({ tenantId: request.tenantId, name: 'advance', payload: { runId }, dedupeKey: `advance:${runId}` });
  }
  return result;
}
