import { classifyError, type ErrorClassification } from '../reliability/classify-error';
import type { ExecutionPlan } from '../compiler/execution-plan';
import { Redactor } from '../secrets/redactor';
import type { StepResult } from './step-runner';

/**
 * A step failure already classified and scrubbed of secrets: the thrown error itself
 * (its message, its details) never reaches the event log.
 */
export class RedactedFailure {
  constructor(readonly classified: ErrorClassification) {}
}

/**
 * The output as the store will write it. The redactor leaves class instances alone, and
 * an instance's fields (or its `toJSON`) would carry a secret straight past it into the
 * log; as plain JSON every string is in reach.
 */
function asStoredJson(output: unknown): unknown {
  if (typeof output !== 'object' || output === null) return output;
  try {
    return JSON.parse(JSON.stringify(output)) as unknown;
  } catch {
    // Not JSON (a cycle, a BigInt): the store refuses it later with its own error.
    return output;
  }
}

/** The redactor of a run: personal data when its workflow asks (`settings.redact.pii`), nothing otherwise. */
export function redactorFor(plan: ExecutionPlan): Redactor {
  const pii = plan.workflow.settings.redact?.pii;
  return pii === undefined || pii.length === 0 ? Redactor.none : new Redactor({ pii });
}

/** `classifyError` with the recorded error scrubbed (the message before it is cut to length). */
export function classifyRedacted(thrown: unknown, redactor: Redactor, now: number): ErrorClassification {
  if (!redactor.active) return classifyError(thrown, now);
  const classified = classifyError(thrown, now, (message) => redactor.redactString(message));
  return { ...classified, error: redactor.redactValue(classified.error) };
}

/** The step's result with every secret (and, when the workflow asks, personal data) removed from its output, logs and error. */
export function redactStepResult(result: StepResult, redactor: Redactor, now: number): StepResult {
  if (!redactor.active) return result;
  const logs = result.logs === undefined ? undefined : redactor.redactValue(result.logs);
  if (result.ok) {
    const redacted: StepResult = { ...result, output: redactor.redactValue(asStoredJson(result.output)) };
    if (logs !== undefined) redacted.logs = logs;
    return redacted;
  }
  if (result.thrown instanceof RedactedFailure) return result;
  const redacted: StepResult = { ...result, thrown: new RedactedFailure(classifyRedacted(result.thrown, redactor, now)) };
  if (logs !== undefined) redacted.logs = logs;
  return redacted;
}
