import { z } from 'zod';
import { PipewrightError, type PipewrightErrorCode } from '../errors/pipewright-error';
import { asRunId, asWorkflowVersionId, type RunId, type TenantId, type WorkflowVersionId } from '../ids';
import type { EngineCore } from '../runtime/engine-core';
import { createRun } from '../runtime/run-creation';

/** A start that did not create its run yet: the workflow debounces or batches its starts. */
export type DeferredStart =
  | {
      reason: 'debounce';
      /** When the run is due to start; a later start within the quiet period moves it. */
      runAt: number;
      /** Starts collapsed into this run so far. */
      starts: number;
    }
  | {
      reason: 'batch';
      /** When the batch's window ends; a batch that fills up starts at once. */
      runAt: number;
      /** This start's place in the batch's `items`. */
      index: number;
    };

/** A start of a workflow that debounces or batches its starts, with the settings that say how. */
export interface DeferredStartRequest<Settings> {
  tenantId: TenantId;
  workflowId: string;
  versionId: WorkflowVersionId;
  triggerNodeId: string;
  input: unknown;
  settings: Settings;
  /** The workflow's variables, which a key template may read. */
  variables: Record<string, unknown>;
}

/** What a deferred start needs to create its run later; kept in flow state. */
export const deferredRunSchema = z.object({
  runId: z.string(),
  versionId: z.string(),
  triggerNodeId: z.string(),
  /** When the first start of this run came in. */
  firstAt: z.number(),
  /** When the run is due to start. */
  dueAt: z.number(),
});

/** Errors that will not go away by trying again: the run is dropped rather than retried forever. */
const permanent: ReadonlySet<PipewrightErrorCode> = new Set(['not_found', 'invalid_workflow', 'invalid_input', 'invalid_expression', 'expression_failed', 'unknown_node_type']);

/**
 * Creates the run that a debounce or a batch promised under `runId`. The run's
 * idempotency key makes a second attempt (after a crash, before the pending start was
 * cleared) return the same run instead of a second one.
 */
export async function startDeferredRun(
  core: EngineCore,
  tenantId: TenantId,
  pending: { runId: string; versionId: string; triggerNodeId: string },
  input: unknown,
  kind: 'debounce' | 'batch',
): Promise<RunId | undefined> {
  try {
    const result = await createRun(core, {
      tenantId,
      versionId: asWorkflowVersionId(pending.versionId),
      input,
      triggerNodeId: pending.triggerNodeId,
      runId: asRunId(pending.runId),
      idempotencyKey: `${kind}:${pending.runId}`,
      // Each start's input was checked when it came in; a batch's `{ items }` is not what the trigger describes.
      skipInputCheck: true,
    });
    return result.run.id;
  } catch (error) {
    if (!PipewrightError.is(error) || !permanent.has(error.code)) throw error;
    core.logger.error(`Dropping a ${kind}d start that cannot become a run`, { tenantId, runId: pending.runId, code: error.code, error: error.message });
    return undefined;
  }
}
