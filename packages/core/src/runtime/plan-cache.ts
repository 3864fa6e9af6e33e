import { compile } from '../compiler/compile';
import type { ExecutionPlan } from '../compiler/execution-plan';
import { PipewrightError } from '../errors/pipewright-error';
import type { TenantId, WorkflowVersionId } from '../ids';
import type { RunStore } from '../ports/run-store';
import type { Registry } from '../registry/create-registry';

const limit = 1_000;

/**
 * Compiled plans by version. Versions are immutable, so a plan never goes stale; the
 * cache only bounds memory.
 */
export function createPlanCache(store: RunStore, registry: Registry): (tenantId: TenantId, versionId: WorkflowVersionId) => Promise<ExecutionPlan> {
  const plans = new Map<string, Promise<ExecutionPlan>>();
  return (tenantId, versionId) => {
    const key = `${tenantId}\u0000${versionId}`;
    let plan = plans.get(key);
    if (!plan) {
      plan = (async () => {
        const version = await store.getVersion(tenantId, versionId);
        if (!version) throw new PipewrightError('not_found', `Workflow version ${versionId} does not exist`);
        const result = compile(version.definition, registry);
        if (!result.ok) {
          throw new PipewrightError('invalid_workflow', `Workflow version ${versionId} no longer compiles`, { details: { diagnostics: result.diagnostics } });
        }
        return result.plan;
      })();
      plan.catch(() => plans.delete(key));
      if (plans.size >= limit) plans.delete(plans.keys().next().value as string);
      plans.set(key, plan);
    }
    return plan;
  };
}
