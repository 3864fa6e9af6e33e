import { migrateWorkflow } from '../../compiler/migrate-workflow';
import { PipewrightError } from '../../errors/pipewright-error';
import { asTenantId, asWorkflowId } from '../../ids';
import { diffWorkflows } from '../../model/workflow-diff';
import type { Workflow } from '../../model/workflow-schema';
import type { WorkflowRecord } from '../../ports/run-store';
import { isoTime, pageRequest } from '../contract/common-schemas';
import { answer, tenantOf, type HandlerContext, type OperationHandlers } from './handler-types';
import { problemResponse } from './problem';
import { RequestRejected } from './read-request';
import { triggerToWire, versionToWire, workflowSummaryToWire, workflowToWire } from './wire';

export function conflict(detail: string): RequestRejected {
  return new RequestRejected(problemResponse(409, 'conflict', detail));
}

export async function requireWorkflow(context: HandlerContext, workflowId: string): Promise<WorkflowRecord> {
  const workflow = await context.engine.workflows.get(tenantOf(context), workflowId);
  if (!workflow) throw new PipewrightError('not_found', `Workflow "${workflowId}" does not exist`);
  return workflow;
}

/** A definition with its id taken from the path when it has none; a different id is a mistake. */
function withPathId(definition: Record<string, unknown>, workflowId: string): Record<string, unknown> {
  if (definition['id'] === undefined) return { ...definition, id: workflowId };
  if (definition['id'] !== workflowId) {
    throw new RequestRejected(
      problemResponse(400, 'invalid_request', `The definition's id "${String(definition['id']).slice(0, 200)}" is not the workflow id in the path`, {
        errors: [{ path: '$.body.definition.id', message: 'Must equal the workflow id in the path' }],
      }),
    );
  }
  return definition;
}

async function definitionAt(context: HandlerContext, workflow: WorkflowRecord, ref: 'draft' | number): Promise<Workflow> {
  if (ref === 'draft') return workflow.draft;
  const version = await context.engine.store.getVersionByNumber(asTenantId(context.principal.tenantId), workflow.id, ref);
  if (!version) throw new PipewrightError('not_found', `Workflow "${workflow.id}" has no version ${ref}`);
  return version.definition;
}

export const workflowHandlers = {
  async listWorkflows({ query }, context) {
    const page = await context.engine.workflows.list(tenantOf(context), pageRequest(query));
    return { items: page.items.map(workflowSummaryToWire), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  },

  async createWorkflow({ body }, context) {
    const id = body.definition['id'];
    if (typeof id === 'string' && (await context.engine.workflows.get(tenantOf(context), id))) throw conflict(`Workflow "${id}" exists; save its draft with PUT /workflows/${id}`);
    const saved = await context.engine.workflows.save(tenantOf(context), body.definition);
    return { workflow: workflowToWire(saved.workflow), diagnostics: saved.diagnostics };
  },

  async validateWorkflow({ body }, context) {
    const result = context.engine.workflows.validate(body.definition);
    return { ok: result.ok, diagnostics: result.diagnostics };
  },

  async importWorkflow({ body }, context) {
    const definition = { ...body.document.workflow, ...(body.id === undefined ? {} : { id: body.id }) };
    const id = definition['id'];
    const existing = typeof id === 'string' ? await context.engine.workflows.get(tenantOf(context), id) : undefined;
    if (existing && body.overwrite !== true) throw conflict(`Workflow "${existing.id}" exists; import with overwrite: true or another id`);
    const saved = await context.engine.workflows.save(tenantOf(context), definition);
    return answer(existing ? 200 : 201, { workflow: workflowToWire(saved.workflow), diagnostics: saved.diagnostics });
  },

  async getWorkflow({ params }, context) {
    const workflow = await requireWorkflow(context, params.workflowId);
    // What the builder shows next to the draft; compiling a draft costs well under a millisecond.
    return { ...workflowToWire(workflow), diagnostics: context.engine.workflows.validate(workflow.draft).diagnostics };
  },

  async saveWorkflowDraft({ params, body }, context) {
    const existing = await context.engine.workflows.get(tenantOf(context), params.workflowId);
    const saved = await context.engine.workflows.save(tenantOf(context), withPathId(body.definition, params.workflowId));
    return answer(existing ? 200 : 201, { workflow: workflowToWire(saved.workflow), diagnostics: saved.diagnostics });
  },

  async deleteWorkflow({ params }, context) {
    if (!(await context.engine.workflows.delete(tenantOf(context), params.workflowId))) throw new PipewrightError('not_found', `Workflow "${params.workflowId}" does not exist`);
  },

  async publishWorkflow({ params }, context) {
    return versionToWire(await context.engine.workflows.publish(tenantOf(context), params.workflowId));
  },

  async listWorkflowVersions({ params }, context) {
    await requireWorkflow(context, params.workflowId);
    const versions = await context.engine.workflows.listVersions(tenantOf(context), params.workflowId);
    const items = versions.map((version) => ({ id: version.id, version: version.version, createdAt: isoTime(version.createdAt) }));
    return { items: items.sort((a, b) => b.version - a.version) };
  },

  async getWorkflowVersion({ params }, context) {
    const version = await context.engine.store.getVersionByNumber(asTenantId(context.principal.tenantId), asWorkflowId(params.workflowId), params.version);
    if (!version) throw new PipewrightError('not_found', `Workflow "${params.workflowId}" has no version ${params.version}`);
    return versionToWire(version);
  },

  async diffWorkflowVersions({ params, query }, context) {
    const workflow = await requireWorkflow(context, params.workflowId);
    const to = query.to ?? (workflow.latestVersion > 0 ? workflow.latestVersion : 'draft');
    const diff = diffWorkflows(await definitionAt(context, workflow, query.from), await definitionAt(context, workflow, to));
    return { from: query.from, to, ...diff };
  },

  async exportWorkflow({ params, query }, context) {
    const workflow = await requireWorkflow(context, params.workflowId);
    const definition = await definitionAt(context, workflow, query.version ?? 'draft');
    return { format: 'pipewright.workflow' as const, formatVersion: 1 as const, exportedAt: isoTime(context.engine.clock.now()), workflow: definition as unknown as Record<string, unknown> };
  },

  async migrateWorkflow({ params }, context) {
    const workflow = await requireWorkflow(context, params.workflowId);
    const migration = migrateWorkflow(workflow.draft, context.engine.registry);
    const saved = migration.migrated.length === 0 ? { workflow, diagnostics: context.engine.workflows.validate(workflow.draft).diagnostics } : await context.engine.workflows.save(tenantOf(context), migration.workflow);
    return { workflow: workflowToWire(saved.workflow), migrated: migration.migrated, issues: migration.issues, diagnostics: saved.diagnostics };
  },

  async enableWorkflow({ params }, context) {
    await requireWorkflow(context, params.workflowId);
    const triggers = await context.engine.triggers.enable(tenantOf(context), params.workflowId);
    return { items: triggers.map((trigger) => triggerToWire(trigger, context.options.webhookBaseUrl)) };
  },

  async disableWorkflow({ params }, context) {
    await requireWorkflow(context, params.workflowId);
    await context.engine.triggers.disable(tenantOf(context), params.workflowId);
  },

  async listTriggers({ query }, context) {
    const triggers = await context.engine.triggers.list(tenantOf(context), query.workflowId);
    return { items: triggers.map((trigger) => triggerToWire(trigger, context.options.webhookBaseUrl)) };
  },
} satisfies Partial<OperationHandlers>;
