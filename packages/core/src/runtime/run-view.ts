import type { ExecutionPlan } from '../compiler/execution-plan';
import type { SlotWait } from '../flow/run-concurrency';
import type { RunRecord } from '../ports/run-store';
import type { RecordedError } from './run-events';
import type { RunState, StepStatus } from './run-state';

export interface StepView {
  nodeId: string;
  type: string;
  status: StepStatus;
  attempts: number;
  durationMs: number;
  output?: unknown;
  handle?: string;
  error?: RecordedError;
  reused?: boolean;
  /** Why a parked step waits (an open circuit, a rate limit), on what, and until when. */
  parked?: { reason: 'circuit_open' | 'rate_limited'; key: string; until: number };
}

export interface RunLogView {
  ts: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  nodeId: string;
}

/** A run as the API shows it: the summary plus every step, folded from the log. */
export interface RunView {
  id: string;
  tenantId: string;
  workflowId: string;
  versionId: string;
  status: RunRecord['status'];
  createdAt: number;
  startedAt: number;
  finishedAt?: number;
  parentRunId?: string;
  input: unknown;
  output?: unknown;
  error?: RecordedError;
  message?: string;
  vars: Record<string, unknown>;
  steps: StepView[];
  logs: RunLogView[];
  /** For a `queued` run that waits for a concurrency slot: the limit it waits under and its place in line. */
  waitingFor?: SlotWait;
}

/** The nodes of a run's workflow, in the order to show them. */
export type RunViewNodes = ReadonlyArray<{ id: string; type: string }>;

/** Nodes in execution order from a plan. */
export function planNodes(plan: ExecutionPlan): RunViewNodes {
  return plan.order.map((id) => ({ id, type: plan.nodes[id]?.type ?? 'unknown' }));
}

export function runView(record: RunRecord, state: RunState, nodes: RunViewNodes): RunView {
  const steps: StepView[] = [];
  const logs: RunLogView[] = [];
  for (const { id: nodeId, type } of nodes) {
    const step = state.steps.get(nodeId);
    const view: StepView = {
      nodeId,
      type,
      status: step?.status ?? 'pending',
      attempts: step?.attempt ?? 0,
      durationMs: step?.durationMs ?? 0,
    };
    if (step?.output !== undefined) view.output = step.output;
    if (step?.handle !== undefined) view.handle = step.handle;
    if (step?.error !== undefined) view.error = step.error;
    if (step?.reused) view.reused = true;
    if (step?.status === 'parked' && step.parked) view.parked = { reason: step.parked.reason, key: step.parked.key, until: step.retryDueAt ?? 0 };
    steps.push(view);
    for (const entry of step?.logs ?? []) logs.push({ ts: entry.ts, level: entry.level, msg: entry.msg, nodeId });
  }
  logs.sort((a, b) => a.ts - b.ts);
  const view: RunView = {
    id: record.id,
    tenantId: record.tenantId,
    workflowId: record.workflowId,
    versionId: record.versionId,
    status: record.status,
    createdAt: record.createdAt,
    startedAt: state.startedAt,
    input: state.input,
    vars: state.vars,
    steps,
    logs,
  };
  if (record.finishedAt !== undefined) view.finishedAt = record.finishedAt;
  if (record.parentRunId !== undefined) view.parentRunId = record.parentRunId;
  if (state.output !== undefined) view.output = state.output;
  if (state.error !== undefined) view.error = state.error;
  if (state.message !== undefined) view.message = state.message;
  return view;
}
