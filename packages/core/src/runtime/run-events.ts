import type { RunId, TenantId, WorkflowId, WorkflowVersionId } from '../ids';

/** An error as it is recorded: plain JSON, never a stack with secrets in it. */
export interface RecordedError {
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

export interface StepLogEntry {
  ts: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  data?: Record<string, unknown>;
}

/** Where a child run reports back to. */
export interface ParentLink {
  runId: RunId;
  nodeId: string;
  /** Item index for `core.forEach`, 0 for `core.subWorkflow`. */
  index: number;
}

/**
 * The append-only history of a run. A run's state is a pure fold of these
 * (`foldRun`); nothing else about a run is authoritative.
 */
export type RunEvent =
  | {
      type: 'run.created';
      runId: RunId;
      tenantId: TenantId;
      workflowId: WorkflowId;
      versionId: WorkflowVersionId;
      input: unknown;
      /** The trigger node the run starts from. */
      triggerNodeId: string;
      startedAt: number;
      /** Per-run secret for resume tokens of `core.waitForEvent`. */
      resumeSecret: string;
      variables: Record<string, unknown>;
      /** Run-level deadline from `settings.timeoutMs`. */
      deadline?: number;
      parent?: ParentLink;
      rerunOf?: { runId: RunId; fromNodeId: string };
    }
  | { type: 'step.started'; nodeId: string; attempt: number; idempotencyKey: string }
  | {
      type: 'step.succeeded';
      nodeId: string;
      attempt: number;
      output: unknown;
      /** The only output handle that fired, for branching nodes; all outputs otherwise. */
      handle?: string;
      durationMs: number;
      logs?: StepLogEntry[];
      /** Copied from an earlier run by `rerun`; not executed in this run. */
      reused?: boolean;
    }
  | {
      type: 'step.failed';
      nodeId: string;
      attempt: number;
      error: RecordedError;
      durationMs: number;
      logs?: StepLogEntry[];
      /** What happens next: a retry, the run fails, the error is routed, or ignored. */
      outcome: 'retry' | 'fail' | 'route' | 'continue';
    }
  | { type: 'step.retry_scheduled'; nodeId: string; attempt: number; dueAt: number; delayMs: number }
  | {
      /**
       * Flow control holds the step back before `attempt` starts: its connector's circuit
       * is open, or its rate limit has no call free before `dueAt`. Nothing failed, and no
       * attempt is used up.
       */
      type: 'step.parked';
      nodeId: string;
      attempt: number;
      reason: 'circuit_open' | 'rate_limited';
      /** The breaker or limiter that holds it, e.g. `slack:conn_1` or `http:api.example.com`. */
      key: string;
      dueAt: number;
      /** The rate limiter has set a call aside for the step at `dueAt`: it starts then without asking again. */
      reserved?: boolean;
    }
  | { type: 'step.skipped'; nodeId: string; reason: 'branch_not_taken' | 'disabled' | 'other_trigger' | 'unreachable' }
  | {
      type: 'step.waiting';
      nodeId: string;
      kind: 'timer' | 'signal' | 'children';
      /** When a timer fires, or a wait times out. */
      dueAt?: number;
      /** For `signal`: the token that resumes it (`engine.runs.signal`). */
      token?: string;
      /** For `children`: the inputs of the child runs, in order, and how many run at once. */
      items?: unknown[];
      concurrency?: number;
      /** For `children`: the workflow version the children run. */
      childVersionId?: WorkflowVersionId;
      /** For `children`: a failed child becomes that item's result instead of failing the step. */
      continueOnError?: boolean;
    }
  | { type: 'timer.fired'; nodeId: string }
  | { type: 'signal.received'; nodeId: string; payload: unknown }
  | { type: 'variables.set'; nodeId: string; variables: Record<string, unknown> }
  | { type: 'child.started'; nodeId: string; index: number; childRunId: RunId }
  | { type: 'child.finished'; nodeId: string; index: number; childRunId: RunId; status: 'succeeded' | 'failed' | 'cancelled'; output?: unknown; error?: RecordedError }
  | { type: 'run.cancel_requested'; reason?: string }
  | { type: 'run.succeeded'; output: unknown; message?: string }
  | { type: 'run.failed'; error: RecordedError; nodeId?: string }
  | { type: 'run.cancelled'; reason?: string };

export type RunEventType = RunEvent['type'];
export type RunEventOf<Type extends RunEventType> = Extract<RunEvent, { type: Type }>;
