import type { TenantId } from '../ids';
import type { StepResult } from '../runtime/step-runner';
import { payloadNotJson, payloadTooLarge } from './payload-errors';
import type { Payloads } from './payloads';
import type { RunPayloadBudget } from './run-payload-budget';

function failed(result: StepResult, thrown: unknown): StepResult {
  const failure: StepResult = { ok: false, thrown, durationMs: result.durationMs };
  if (result.logs !== undefined) failure.logs = result.logs;
  return failure;
}

/**
 * Applies the payload limits to a finished step and stores an output over the offload
 * threshold as a blob. A small output (the common case) costs one bounded walk and the
 * result comes back synchronously, as it went in; only an output that goes to the blob
 * store makes it asynchronous.
 *
 * The result keeps the value itself: the run's state needs it for the steps after, and
 * the run store writes the blob's reference in its place (`Payloads.refOf`).
 */
export function settleStepOutput(payloads: Payloads, budget: RunPayloadBudget, tenantId: TenantId, nodeId: string, result: StepResult): StepResult | Promise<StepResult> {
  if (!result.ok) return result;
  const { output } = result;
  const { maxStepOutputBytes, maxRunPayloadBytes } = payloads.limits;
  // The common case: a small output, a bounded walk and nothing allocated.
  const bound = payloads.smallBound(output);
  if (bound >= 0) {
    const total = budget.admit(nodeId, output, bound);
    if (total !== undefined) return failed(result, payloadTooLarge('run', nodeId, total, maxRunPayloadBytes));
    payloads.keepInline(output, false);
    return result;
  }
  const size = payloads.measure(output);
  if (size.bytes > maxStepOutputBytes) return failed(result, payloadTooLarge('step', nodeId, size.bytes, maxStepOutputBytes));
  if (size.error !== undefined) return failed(result, payloadNotJson(nodeId, size.error));
  const total = budget.admit(nodeId, output, size.bytes);
  if (total !== undefined) return failed(result, payloadTooLarge('run', nodeId, total, maxRunPayloadBytes));
  if (!payloads.shouldOffload(size)) {
    payloads.keepInline(output, true);
    return result;
  }
  return payloads.put(tenantId, output, size.json).then(
    () => {
      budget.stored(nodeId, size.bytes);
      return result;
    },
    (thrown: unknown) => {
      budget.withdraw(size.bytes);
      return failed(result, thrown);
    },
  );
}
