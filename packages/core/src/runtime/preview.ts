import type { Diagnostic } from '../compiler/diagnostic';
import { parseWorkflow } from '../model/parse-workflow';
import type { StoredRunEvent } from '../ports/run-store';
import { jsonEqual } from '../nodes/json-equal';
import type { DryRunMode } from './run-advancer';
import type { RecordedError, RunEvent } from './run-events';
import { foldRun, isStepDecided, type RunState, type StepStatus } from './run-state';
import { readiness } from './schedule';
import type { RunsApi } from './runs-api';
import type { WorkflowsApi } from './workflows-api';
import type { EngineEventMap } from './engine-events';

/** The slice of an engine a preview drives. */
export interface PreviewEngine {
  workflows: WorkflowsApi;
  runs: RunsApi;
  on(name: 'event', listener: EngineEventMap['event']): () => void;
  start(): void;
  stop(): Promise<void>;
}

export interface PreviewStep {
  nodeId: string;
  type: string;
  status: StepStatus;
  input?: unknown;
  output?: unknown;
  /** The output handle taken, for branching nodes and routed errors. */
  handle?: string;
  error?: RecordedError;
}

export type DryRunResult =
  | { ok: false; diagnostics: Diagnostic[] }
  | { ok: true; status: RunState['status']; output?: unknown; error?: RecordedError; steps: PreviewStep[]; events: RunEvent[] };

const previewTenant = { tenantId: 'preview' };

/**
 * Runs a workflow on a private in-memory engine in dry-run mode and reports, node by
 * node, the input, output and path taken.
 */
export async function previewRun(
  engine: PreviewEngine,
  definition: unknown,
  input: unknown,
  options: { triggerNodeId?: string } = {},
): Promise<DryRunResult> {
  const check = engine.workflows.validate(definition);
  if (!check.ok) return { ok: false, diagnostics: check.diagnostics };
  const parsed = parseWorkflow(definition);
  if (!parsed.ok) return { ok: false, diagnostics: check.diagnostics };
  engine.start();
  try {
    await engine.workflows.save(previewTenant, parsed.workflow);
    const version = await engine.workflows.publish(previewTenant, parsed.workflow.id);
    let runId = '';
    const finished = new Promise<void>((resolve) => {
      engine.on('event', (payload) => {
        if (payload.runId === runId && (payload.event.type === 'run.succeeded' || payload.event.type === 'run.failed' || payload.event.type === 'run.cancelled')) resolve();
      });
    });
    ({ runId } = await engine.runs.start(previewTenant, { versionId: version.id }, input, options));
    const view = await engine.runs.get(previewTenant, runId);
    if (view.status === 'queued' || view.status === 'running' || view.status === 'waiting') await finished;
    const events = (await engine.runs.events(previewTenant, runId)).map((stored: StoredRunEvent) => stored.event);
    const state = foldRun(events);
    const plan = check.plan;
    const steps = plan.order.map((nodeId): PreviewStep => {
      const node = plan.nodes[nodeId];
      const step = state.steps.get(nodeId);
      const preview: PreviewStep = { nodeId, type: node?.type ?? 'unknown', status: step?.status ?? 'pending' };
      if (node && node.kind !== 'trigger' && isStepDecided(step) && step?.status !== 'skipped') {
        const ready = readiness(state, node);
        if (ready.kind === 'ready') preview.input = ready.inputs[0]?.output;
      }
      if (step?.output !== undefined) preview.output = step.output;
      if (step?.handle !== undefined) preview.handle = step.handle;
      if (step?.error !== undefined) preview.error = step.error;
      return preview;
    });
    const result: DryRunResult = { ok: true, status: state.status, steps, events };
    if (state.output !== undefined) result.output = state.output;
    if (state.error !== undefined) result.error = state.error;
    return result;
  } finally {
    await engine.stop();
  }
}

export interface ReplayDivergence {
  nodeId: string;
  recorded: { status: StepStatus; handle?: string; output?: unknown };
  replayed: { status: StepStatus; handle?: string; output?: unknown };
}

export type ReplayResult = { ok: true; state: RunState } | { ok: false; state?: RunState; divergences: ReplayDivergence[]; diagnostics?: Diagnostic[] };

/**
 * What a dry run needs to reproduce a recorded run: the recorded results of every step
 * that is not re-executed (side effects, waits, child runs). Pure steps run again.
 */
export function replayMode(recorded: RunState, sideEffectNodes: ReadonlySet<string>): DryRunMode {
  const mode: Required<DryRunMode> = { pinned: {}, handles: {}, failures: {} };
  for (const [nodeId, step] of recorded.steps) {
    const pin = sideEffectNodes.has(nodeId) || step.wait !== undefined;
    if (!pin || !isStepDecided(step)) continue;
    if (step.status === 'failed' && step.error) mode.failures[nodeId] = step.error;
    else if (step.status === 'succeeded' && !(step.wait?.kind === 'signal' && step.handle === 'timeout')) {
      mode.pinned[nodeId] = step.output;
      if (step.handle !== undefined) mode.handles[nodeId] = step.handle;
    }
  }
  return mode;
}

/** Compares every step the recorded run decided with the replay's. */
export function compareRuns(recorded: RunState, replayed: RunState): ReplayDivergence[] {
  const divergences: ReplayDivergence[] = [];
  const view = (state: RunState, nodeId: string) => {
    const step = state.steps.get(nodeId);
    const shown: ReplayDivergence['recorded'] = { status: step?.status ?? 'pending' };
    if (step?.handle !== undefined) shown.handle = step.handle;
    if (step?.output !== undefined) shown.output = step.output;
    return shown;
  };
  for (const [nodeId, step] of recorded.steps) {
    if (!isStepDecided(step)) continue;
    const expected = view(recorded, nodeId);
    const actual = view(replayed, nodeId);
    if (expected.status !== actual.status || expected.handle !== actual.handle || !jsonEqual(expected.output, actual.output)) {
      divergences.push({ nodeId, recorded: expected, replayed: actual });
    }
  }
  return divergences;
}
