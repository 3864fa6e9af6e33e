import { compile, type CompileResult } from '../compiler/compile';
import { PipewrightError } from '../errors/pipewright-error';
import { asTenantId, asWorkflowId, asWorkflowVersionId, newId, type TenantId, type WorkflowId, type WorkflowVersionId } from '../ids';
import { parseWorkflow } from '../model/parse-workflow';
import type { Page, PageRequest, WorkflowRecord, WorkflowVersionRecord } from '../ports/run-store';
import type { EngineCore } from './engine-core';

/** Who is calling: every engine call is scoped to one tenant. */
export interface TenantContext {
  tenantId: string;
}

export interface WorkflowsApi {
  /** Validates and stores a draft; returns it with the compiler's diagnostics. */
  save(ctx: TenantContext, definition: unknown): Promise<{ workflow: WorkflowRecord; diagnostics: CompileResult['diagnostics'] }>;
  get(ctx: TenantContext, workflowId: string): Promise<WorkflowRecord | undefined>;
  list(ctx: TenantContext, page?: PageRequest): Promise<Page<WorkflowRecord>>;
  /** Compiles the draft and stores it as the next immutable, numbered version. */
  publish(ctx: TenantContext, workflowId: string): Promise<WorkflowVersionRecord>;
  /**
   * Deletes the workflow and its trigger registrations; whether it existed. Published
   * versions stay, so runs that pin one go on, and saving the id again numbers the next
   * version after them.
   */
  delete(ctx: TenantContext, workflowId: string): Promise<boolean>;
  getVersion(ctx: TenantContext, versionId: string): Promise<WorkflowVersionRecord | undefined>;
  listVersions(ctx: TenantContext, workflowId: string): Promise<WorkflowVersionRecord[]>;
  validate(definition: unknown): CompileResult;
}

export async function resolveVersionId(core: EngineCore, tenantId: TenantId, workflowId: string, version: number | 'latest'): Promise<WorkflowVersionId> {
  const id =
    version === 'latest'
      ? await core.store.getLatestVersionId(tenantId, asWorkflowId(workflowId))
      : (await core.store.getVersionByNumber(tenantId, asWorkflowId(workflowId), version))?.id;
  if (!id) throw new PipewrightError('not_found', `Workflow "${workflowId}" has no published version ${version}`);
  return id;
}

/**
 * Where a new workflow row starts counting: a deleted workflow's versions are kept and
 * own their numbers, so one saved again under its id continues after them.
 */
async function highestKeptVersion(core: EngineCore, tenantId: TenantId, id: WorkflowId): Promise<number> {
  const versions = await core.store.listVersions(tenantId, id);
  return versions.reduce((highest, version) => Math.max(highest, version.version), 0);
}

export function createWorkflowsApi(core: EngineCore): WorkflowsApi {
  return {
    async save(ctx, definition) {
      const parsed = parseWorkflow(definition);
      if (!parsed.ok) throw new PipewrightError('invalid_workflow', 'The workflow definition is invalid', { details: { issues: parsed.issues } });
      const tenantId = asTenantId(ctx.tenantId);
      const id = asWorkflowId(parsed.workflow.id);
      const existing = await core.store.getWorkflow(tenantId, id);
      const now = core.clock.now();
      const workflow: WorkflowRecord = {
        tenantId,
        id,
        name: parsed.workflow.name,
        draft: parsed.workflow,
        latestVersion: existing?.latestVersion ?? (await highestKeptVersion(core, tenantId, id)),
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await core.store.saveWorkflow(workflow);
      return { workflow, diagnostics: compile(parsed.workflow, core.registry).diagnostics };
    },
    get: (ctx, workflowId) => core.store.getWorkflow(asTenantId(ctx.tenantId), asWorkflowId(workflowId)),
    list: (ctx, page) => core.store.listWorkflows(asTenantId(ctx.tenantId), page),
    async publish(ctx, workflowId) {
      const tenantId = asTenantId(ctx.tenantId);
      const workflow = await core.store.getWorkflow(tenantId, asWorkflowId(workflowId));
      if (!workflow) throw new PipewrightError('not_found', `Workflow "${workflowId}" does not exist`);
      const result = compile(workflow.draft, core.registry);
      if (!result.ok) {
        throw new PipewrightError('invalid_workflow', `Workflow "${workflowId}" does not compile`, { details: { diagnostics: result.diagnostics } });
      }
      const published = await core.store.publishVersion(tenantId, workflow.id, asWorkflowVersionId(newId('wfv')), workflow.draft, core.clock.now());
      // Forgotten rather than set: another process may publish a later one at the same time.
      core.latestVersions.forget(tenantId, workflow.id);
      return published;
    },
    async delete(ctx, workflowId) {
      const tenantId = asTenantId(ctx.tenantId);
      const deleted = await core.store.deleteWorkflow(tenantId, asWorkflowId(workflowId));
      core.latestVersions.forget(tenantId, asWorkflowId(workflowId));
      return deleted;
    },
    getVersion: (ctx, versionId) => core.store.getVersion(asTenantId(ctx.tenantId), asWorkflowVersionId(versionId)),
    listVersions: (ctx, workflowId) => core.store.listVersions(asTenantId(ctx.tenantId), asWorkflowId(workflowId)),
    validate: (definition) => compile(definition, core.registry),
  };
}
