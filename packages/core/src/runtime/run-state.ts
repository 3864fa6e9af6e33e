import type { RunId, TenantId, WorkflowId, WorkflowVersionId } from '../ids';
import type { ParentLink, RecordedError, RunEvent, StepLogEntry } from './run-events';

export type StepStatus = 'pending' | 'running' | 'retrying' | 'parked' | 'waiting' | 'succeeded' | 'failed' | 'skipped';

/** Why a step is held back by flow control, and which attempt starts when it is let go. */
export interface ParkState {
  reason: 'circuit_open' | 'rate_limited';
  key: string;
  attempt: number;
  reserved: boolean;
}

export interface ChildState {
  childRunId: RunId;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  output?: unknown;
  error?: RecordedError;
}

/** What a step waits for, once it waits. */
export interface WaitState {
  kind: 'timer' | 'signal' | 'children';
  /** When a timer fires, or a wait times out. */
  dueAt: number | undefined;
  timerFired: boolean;
  /** For children: their inputs, how many run at once, their version, and the failure policy. */
  items: unknown[] | undefined;
  concurrency: number;
  childVersionId: WorkflowVersionId | undefined;
  continueOnError: boolean;
  token: string | undefined;
}

/**
 * One node's step. Every field exists from the start (no optional or deleted
 * properties): steps are read on every step of every run, and objects that change
 * shape fall off V8's fast paths.
 */
export interface StepState {
  nodeId: string;
  status: StepStatus;
  /** The latest attempt started or finished; 0 before the first. */
  attempt: number;
  output: unknown;
  /** Set when a branching node fired one output only. */
  handle: string | undefined;
  error: RecordedError | undefined;
  /** For a failed step: what its failure did. */
  outcome: 'fail' | 'route' | 'continue' | undefined;
  /** When a retrying or parked step may start its next attempt. */
  retryDueAt: number | undefined;
  parked: ParkState | undefined;
  wait: WaitState | undefined;
  /** A signal for this node; may arrive before the run reaches it. */
  signal: { payload: unknown } | undefined;
  children: Map<number, ChildState> | undefined;
  durationMs: number;
  logs: StepLogEntry[] | undefined;
  reused: boolean;
}

export type RunStateStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunState {
  runId: RunId;
  tenantId: TenantId;
  workflowId: WorkflowId;
  versionId: WorkflowVersionId;
  input: unknown;
  triggerNodeId: string;
  startedAt: number;
  resumeSecret: string;
  deadline: number | undefined;
  parent: ParentLink | undefined;
  rerunOf: { runId: RunId; fromNodeId: string } | undefined;
  status: RunStateStatus;
  cancelRequested: boolean;
  vars: Record<string, unknown>;
  steps: Map<string, StepState>;
  /** `steps.<id>.output` for expressions, kept up to date as steps succeed. */
  outputs: Record<string, { output: unknown }>;
  output: unknown;
  error: RecordedError | undefined;
  message: string | undefined;
  /** Events folded so far. */
  eventCount: number;
}

export function isStepDecided(step: StepState | undefined): boolean {
  return step !== undefined && (step.status === 'succeeded' || step.status === 'failed' || step.status === 'skipped');
}

function stepOf(state: RunState, nodeId: string): StepState {
  let step = state.steps.get(nodeId);
  if (!step) {
    step = {
      nodeId,
      status: 'pending',
      attempt: 0,
      output: undefined,
      handle: undefined,
      error: undefined,
      outcome: undefined,
      retryDueAt: undefined,
      parked: undefined,
      wait: undefined,
      signal: undefined,
      children: undefined,
      durationMs: 0,
      logs: undefined,
      reused: false,
    };
    state.steps.set(nodeId, step);
  }
  return step;
}

function addLogs(step: StepState, logs: readonly StepLogEntry[] | undefined): void {
  if (logs && logs.length > 0) (step.logs ??= []).push(...logs);
}

/**
 * Applies one event to the state. Events after the run finished only record what
 * they say about children and signals; they never change the run's outcome.
 */
export function applyRunEvent(state: RunState, event: RunEvent): void {
  state.eventCount++;
  switch (event.type) {
    case 'run.created':
      return;
    case 'step.started': {
      const step = stepOf(state, event.nodeId);
      step.status = 'running';
      step.attempt = event.attempt;
      step.retryDueAt = undefined;
      step.parked = undefined;
      return;
    }
    case 'step.succeeded': {
      const step = stepOf(state, event.nodeId);
      step.status = 'succeeded';
      step.attempt = event.attempt;
      step.output = event.output;
      step.handle = event.handle;
      step.durationMs += event.durationMs;
      addLogs(step, event.logs);
      if (event.reused) step.reused = true;
      step.retryDueAt = undefined;
      step.parked = undefined;
      state.outputs[event.nodeId] = { output: event.output };
      return;
    }
    case 'step.failed': {
      const step = stepOf(state, event.nodeId);
      step.attempt = event.attempt;
      step.error = event.error;
      step.parked = undefined;
      step.durationMs += event.durationMs;
      addLogs(step, event.logs);
      if (event.outcome === 'retry') {
        step.status = 'retrying';
        return;
      }
      step.status = 'failed';
      step.outcome = event.outcome;
      if (event.outcome === 'continue') {
        step.output = { error: event.error };
        state.outputs[event.nodeId] = { output: step.output };
      } else if (event.outcome === 'route') {
        step.output = { error: event.error };
        step.handle = 'error';
        state.outputs[event.nodeId] = { output: step.output };
      }
      return;
    }
    case 'step.retry_scheduled': {
      const step = stepOf(state, event.nodeId);
      step.status = 'retrying';
      step.retryDueAt = event.dueAt;
      return;
    }
    case 'step.parked': {
      const step = stepOf(state, event.nodeId);
      step.status = 'parked';
      step.retryDueAt = event.dueAt;
      step.parked = { reason: event.reason, key: event.key, attempt: event.attempt, reserved: event.reserved ?? false };
      return;
    }
    case 'step.skipped':
      stepOf(state, event.nodeId).status = 'skipped';
      return;
    case 'step.waiting': {
      const step = stepOf(state, event.nodeId);
      step.status = 'waiting';
      if (step.attempt === 0) step.attempt = 1;
      step.wait = {
        kind: event.kind,
        dueAt: event.dueAt,
        timerFired: false,
        items: event.items,
        concurrency: event.concurrency ?? 1,
        childVersionId: event.childVersionId,
        continueOnError: event.continueOnError ?? false,
        token: event.token,
      };
      return;
    }
    case 'timer.fired': {
      const wait = stepOf(state, event.nodeId).wait;
      if (wait) wait.timerFired = true;
      return;
    }
    case 'signal.received': {
      const step = stepOf(state, event.nodeId);
      step.signal ??= { payload: event.payload };
      return;
    }
    case 'variables.set':
      state.vars = { ...state.vars, ...event.variables };
      return;
    case 'child.started': {
      const step = stepOf(state, event.nodeId);
      const children = (step.children ??= new Map());
      // A fast child can report back before its start is recorded in the parent.
      if (!children.has(event.index)) children.set(event.index, { childRunId: event.childRunId, status: 'running' });
      return;
    }
    case 'child.finished': {
      const step = stepOf(state, event.nodeId);
      const child: ChildState = { childRunId: event.childRunId, status: event.status };
      if (event.output !== undefined) child.output = event.output;
      if (event.error !== undefined) child.error = event.error;
      (step.children ??= new Map()).set(event.index, child);
      return;
    }
    case 'run.cancel_requested':
      state.cancelRequested = true;
      return;
    case 'run.succeeded':
      if (state.status !== 'running') return;
      state.status = 'succeeded';
      state.output = event.output;
      state.message = event.message;
      return;
    case 'run.failed':
      if (state.status !== 'running') return;
      state.status = 'failed';
      state.error = event.error;
      return;
    case 'run.cancelled':
      if (state.status !== 'running') return;
      state.status = 'cancelled';
      state.message = event.reason;
      return;
  }
}

/** A run's state: a pure fold of its events, which must start with `run.created`. */
export function foldRun(events: readonly RunEvent[]): RunState {
  const first = events[0];
  if (!first || first.type !== 'run.created') throw new TypeError('A run history starts with run.created');
  const state: RunState = {
    runId: first.runId,
    tenantId: first.tenantId,
    workflowId: first.workflowId,
    versionId: first.versionId,
    input: first.input,
    triggerNodeId: first.triggerNodeId,
    startedAt: first.startedAt,
    resumeSecret: first.resumeSecret,
    deadline: first.deadline,
    parent: first.parent,
    rerunOf: first.rerunOf,
    status: 'running',
    cancelRequested: false,
    vars: { ...first.variables },
    steps: new Map(),
    outputs: {},
    output: undefined,
    error: undefined,
    message: undefined,
    eventCount: 0,
  };
  for (const event of events) applyRunEvent(state, event);
  return state;
}
