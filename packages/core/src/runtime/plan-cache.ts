import { compile } from '../compiler/compile';
import type { ExecutionPlan } from '../compiler/execution-plan';
import { PipewrightError } from '../errors/pipewright-error';
import type { TenantId, WorkflowVersionId } from '../ids';
import type { RunStore } from '../ports/run-store';
import type { Registry } from '../registry/create-registry';

const limit = 1_000;

/**
 * Compiled plans by version. Versions are immutable, so a plan never goes stale; the
 * cache only bounds memory. Versions with the same definition (many tenants installing
 * one template) share one plan: a plan depends on nothing but the definition and the
 * registry, and one shared plan keeps one set of prepared configs and compiled
 * expressions hot instead of a thousand.
 */
export function createPlanCache(store: RunStore, registry: Registry): (tenantId: TenantId, versionId: WorkflowVersionId) => Promise<ExecutionPlan> {
  const plans = new Map<string, Promise<ExecutionPlan>>();
  const byDefinition = new Map<string, ExecutionPlan>();
  return (tenantId, versionId) => {
    const key = `${tenantId}\u0000${versionId}`;
    let plan = plans.get(key);
    if (!plan) {
      plan = (async () => {
        const version = await store.getVersion(tenantId, versionId);
        if (!version) throw new PipewrightError('not_found', `Workflow version ${versionId} does not exist`);
        const definitionKey = JSON.stringify(version.definition);
        const known = byDefinition.get(definitionKey);
        if (known) return known;
        const result = compile(version.definition, registry);
        if (!result.ok) {
          throw new PipewrightError('invalid_workflow', `Workflow version ${versionId} no longer compiles`, { details: { diagnostics: result.diagnostics } });
        }
        if (byDefinition.size >= limit) byDefinition.delete(byDefinition.keys().next().value as string);
        byDefinition.set(definitionKey, result.plan);
        return result.plan;
      })();
      plan.catch(() => plans.delete(key));
      if (plans.size >= limit) plans.delete(plans.keys().next().value as string);
      plans.set(key, plan);
    }
    return plan;
  };
}
