import { PipewrightError } from '../errors/pipewright-error';
import { asTenantId } from '../ids';
import type { EngineCore } from '../runtime/engine-core';
import { loadRun } from '../runtime/runs-api';
import type { TenantContext } from '../runtime/workflows-api';

/**
 * A run's output, or one step's output (the trigger's is the run input), with a blob
 * reference read from the blob store: the value a run view shows as a `BlobRef`.
 * Undefined for a step that has no output (yet).
 */
export async function readRunOutput(core: EngineCore, ctx: TenantContext, runId: string, nodeId?: string): Promise<unknown> {
  const { state } = await loadRun(core, ctx.tenantId, runId);
  let value: unknown;
  if (nodeId === undefined) value = state.output;
  else {
    const step = state.steps.get(nodeId);
    if (step === undefined && !(await core.planFor(state.tenantId, state.versionId)).nodes[nodeId]) {
      throw new PipewrightError('not_found', `Run ${runId} has no node "${nodeId}"`);
    }
    value = step?.output;
  }
  return core.payloads.resolve(asTenantId(ctx.tenantId), value);
}
