import type { ExecutionPlan, PlanNode } from '../compiler/execution-plan';
import { PipewrightError, type PipewrightErrorCode } from '../errors/pipewright-error';
import { CancelledError } from '../errors/step-errors';
import type { ExpressionScope } from '../expressions/expression-scope';
import { asConnectionId, type ConnectionId, type RunId, type TenantId, type WorkflowVersionId } from '../ids';
import type { Clock } from '../ports/clock';
import type { JobQueue } from '../ports/job-queue';
import type { Payloads } from '../payloads/payloads';
import { RunPayloadBudget } from '../payloads/run-payload-budget';
import { settleStepOutput } from '../payloads/step-output';
import type { RunRecord, RunStore, StoredRunEvent } from '../ports/run-store';
import type { Registry } from '../registry/create-registry';
import type { StepInput } from '../registry/node-context';
import type { NodeDefinition } from '../registry/node-definition';
import type { FlowControl, FlowTarget } from '../reliability/flow-control';
import { planRetry } from '../reliability/retry-policy';
import { resolveNodeConfig } from './node-config';
import { createResumeToken } from './resume-token';
import type { RecordedError, RunEvent } from './run-events';
import { applyRunEvent, foldRun, isStepDecided, type RunState, type StepState, type WaitState } from './run-state';
import { RunAbort } from './run-abort';
import { readiness, runOutput } from './schedule';
import type { StepRunner } from './step-hooks';
import { ReplayedFailure, runStep, type StepRequest, type StepResult, type StepSubstitute } from './step-runner';
import { classifyRedacted, RedactedFailure, redactStepResult, redactorFor } from './redact-step-result';
import type { ConnectorDefinition } from '../registry/connector-definition';
import type { OpenStepConnection } from '../connections/step-connection';
import type { AuditActor } from '../ports/run-store';
import { Redactor } from '../secrets/redactor';

/**
 * Dry-run behaviour: nodes with side effects (and pinned nodes) return pinned data or
 * their sample output instead of running; delays end at once; waits take pinned data
 * or their timeout path; no child runs start and nothing is retried.
 */
export interface DryRunMode {
  pinned: Record<string, unknown>;
  /** Output handles for pinned branching nodes. */
  handles?: Record<string, string>;
  /** Recorded failures to reproduce (used by replay). */
  failures?: Record<string, RecordedError>;
}

export interface ChildRunRequest {
  parent: RunState;
  nodeId: string;
  index: number;
  attempt: number;
  versionId: WorkflowVersionId;
  input: unknown;
}

/** What advancing a run needs from the engine. */
export interface AdvanceDeps {
  store: RunStore;
  queue: JobQueue;
  clock: Clock;
  registry: Registry;
  runner: StepRunner;
  fetch: typeof fetch;
  random: () => number;
  dry?: DryRunMode;
  planFor(tenantId: TenantId, versionId: WorkflowVersionId): Promise<ExecutionPlan>;
  /** Resolves the version a child run uses: a number, or the latest published one. */
  childVersion(tenantId: TenantId, workflowId: string, version: number | 'latest'): Promise<WorkflowVersionId>;
  startChild(request: ChildRunRequest): Promise<RunId>;
  cancelRun(tenantId: TenantId, runId: RunId, reason: string): Promise<void>;
  notifyParent(state: RunState): Promise<void>;
  /** Called once a run has finished (and again when a job for a finished run comes back): frees its concurrency slots. */
  runFinished?(state: RunState): Promise<void>;
  emit(tenantId: TenantId, runId: RunId, events: readonly RunEvent[], firstSeq: number, at: number): void;
  /** Runs being advanced in this process, so a cancel can abort their steps at once. */
  activeRuns: Map<string, RunAbort>;
  isStopping(): boolean;
  /** A pending turn of the host's event loop to wait for, when the engine has held it long enough. */
  hostTurn(): Promise<void> | undefined;
  /** Circuit breakers and rate limits of connector steps. */
  flow: FlowControl;
  /** Payload limits, offload to the blob store and reads back from it. */
  payloads: Payloads;
  /** Decrypts the connection a step names, for `ctx.connection`. */
  openConnection(tenantId: TenantId, connector: ConnectorDefinition, connectionId: ConnectionId, actor: AuditActor, anyConnector?: boolean): Promise<OpenStepConnection>;
}

interface Completed {
  nodeId: string;
  attempt: number;
  result: StepResult;
}

interface Launch {
  node: PlanNode;
  definition: NodeDefinition & { kind: 'action' };
  inputs: StepInput[];
  attempt: number;
  /** The breaker and limiter to tell how the call ended. */
  flow?: FlowTarget;
}

interface ChildLaunch {
  nodeId: string;
  index: number;
  attempt: number;
  versionId: WorkflowVersionId;
  input: unknown;
}

/** Events a pass may hold before storing them, bounding what a crash can make redo. */
const maxPendingEvents = 256;

/** Abort reasons, shared: building an Error per run costs a stack trace. */
const advanceEnded = new CancelledError('The run finished or its worker moved on');
const leaseLost = new CancelledError('Another worker took over the run');

/** The reason of the first `run.cancel_requested` in a log (later requests are not appended). */
function cancelReasonOf(stored: readonly StoredRunEvent[]): string | undefined {
  for (const entry of stored) if (entry.event.type === 'run.cancel_requested') return entry.event.reason;
  return undefined;
}

function anySideEffects(launches: readonly Launch[]): boolean {
  for (const launch of launches) if (launch.definition.sideEffects) return true;
  return false;
}

function nodeError(code: string, message: string): RecordedError {
  return { code, message, retryable: false };
}

/**
 * Advances one run while holding its job's lease: folds the event log, runs every
 * ready step (in parallel where the graph allows), appends outcomes guarded by the
 * sequence number, and parks the run on a due job when it has to wait.
 */
export class RunAdvancer {
  private state!: RunState;
  private plan!: ExecutionPlan;
  private lastSeq = 0;
  private undecided = 0;
  private readonly inflight = new Set<string>();
  private readonly completed: Completed[] = [];
  private readonly launches: Launch[] = [];
  private readonly children: ChildLaunch[] = [];
  private candidates: string[] = [];
  private readonly timed = new Set<string>();
  /** Candidates already decided in the current pass (one pass at a time: reused). */
  private readonly seen = new Set<string>();
  private readonly abort = new RunAbort(() => this.wake?.());
  private wake: (() => void) | undefined;
  private runInfo!: { id: string; workflowId: string; startedAt: string };
  /** The reason given to `runs.cancel`, recorded on `run.cancelled`. */
  private cancelReason: string | undefined;
  /** Someone else appended to the log (see `refresh`). */
  private stale = false;
  /** The run's payloads against `maxRunPayloadBytes`. */
  private budget!: RunPayloadBudget;
  /** Personal data the workflow asks to keep out of what the run records. */
  private redactor: Redactor = Redactor.none;

  constructor(
    private readonly deps: AdvanceDeps,
    private readonly tenantId: TenantId,
    private readonly runId: RunId,
    /** The job's lease: once another worker holds it, this one must stop. */
    private readonly lease?: { readonly held: boolean },
  ) {}

  /**
   * Events were appended by someone else (a signal, a cancel request, a child's result)
   * while this advancer runs: read the log again now, instead of at the next append
   * conflict, which may be as late as the end of a slow step.
   */
  refresh(): void {
    this.stale = true;
    this.wake?.();
  }

  private get stopped(): boolean {
    if (this.lease !== undefined && !this.lease.held) this.abort.abort(leaseLost);
    return this.abort.aborted;
  }

  async run(): Promise<void> {
    if (!(await this.load())) return;
    const { activeRuns } = this.deps;
    activeRuns.set(this.runId, this.abort);
    try {
      await this.loop();
    } finally {
      if (activeRuns.get(this.runId) === this.abort) activeRuns.delete(this.runId);
      this.abort.abort(advanceEnded);
    }
    if (this.state.status !== 'running' && this.state.parent) await this.deps.notifyParent(this.state);
  }

  private async load(): Promise<boolean> {
    const stored = await this.deps.store.readEvents(this.tenantId, this.runId);
    if (stored.length === 0) return false;
    // Offloaded payloads are read back here, so expressions and steps see the values.
    const resolved = await this.deps.payloads.resolveEvents(this.tenantId, stored.map((entry) => entry.event));
    this.state = foldRun(resolved.events);
    this.lastSeq = (stored[stored.length - 1] as StoredRunEvent).seq;
    this.plan = await this.deps.planFor(this.tenantId, this.state.versionId);
    this.budget = new RunPayloadBudget(this.deps.payloads.limits, this.plan, this.state, resolved.offloaded);
    this.redactor = redactorFor(this.plan);
    this.runInfo = { id: this.state.runId, workflowId: this.state.workflowId, startedAt: new Date(this.state.startedAt).toISOString() };
    // Only a run with a cancel request pays for the scan.
    this.cancelReason = this.state.cancelRequested ? cancelReasonOf(stored) : undefined;
    this.candidates = [...this.plan.order];
    this.undecided = 0;
    this.timed.clear();
    for (const id of this.plan.order) {
      const step = this.state.steps.get(id);
      if (!isStepDecided(step)) this.undecided++;
      if (step && (step.status === 'retrying' || step.status === 'parked' || step.status === 'waiting')) this.timed.add(id);
    }
    return true;
  }

  /**
   * Decides, stores and launches until the run has to wait. Pure steps whose nodes
   * return synchronously run back to back and their outcomes are stored in one append:
   * re-running a pure step after a crash is harmless. Events are stored before anything
   * that must be durable first: a step with side effects starting, child runs, waiting
   * on a slow step, parking and the end of the run.
   */
  private async loop(): Promise<void> {
    let pending: RunEvent[] = [];
    let pendingResults: Completed[] = [];
    const store = async (): Promise<boolean> => {
      if (pending.length === 0) return true;
      const ok = await this.commit(pending);
      // On a conflict the outcomes go back to be judged against the fresh log.
      if (!ok) this.completed.unshift(...pendingResults);
      pending = [];
      pendingResults = [];
      return ok;
    };
    for (;;) {
      const turn = this.deps.hostTurn();
      if (turn !== undefined) await turn;
      if (this.stopped) return;
      if (this.stale) {
        this.stale = false;
        await store();
        if (!(await this.reload())) return;
      }
      // One pass at a time: the pass's lists are reused rather than made anew for every step.
      const launches = this.launches;
      const children = this.children;
      launches.length = 0;
      children.length = 0;
      const taken = this.completed.length;
      for (let index = 0; index < taken; index++) {
        const done = this.completed[index] as Completed;
        this.recordOutcome(done, pending);
        pendingResults.push(done);
      }
      this.completed.length = 0;
      const stopping = this.deps.isStopping();
      const before = pending.length;
      if (this.state.status === 'running' && !stopping) {
        const deciding = this.decide(pending, launches, children);
        if (deciding !== undefined) await deciding;
      }
      const changed = taken > 0 || pending.length > before || launches.length > 0;

      const durableFirst = this.state.status !== 'running' || children.length > 0 || pending.length >= maxPendingEvents || anySideEffects(launches);
      if (durableFirst && !(await store())) {
        if (!(await this.reload())) return;
        continue;
      }
      if (this.state.status !== 'running') {
        this.abort.abort(advanceEnded);
        await this.afterFinish();
        return;
      }
      // Before the children: a step decided in this pass is not a candidate again, so a launch skipped here would never happen.
      for (const launch of launches) this.launch(launch);
      if (children.length > 0) {
        await this.launchChildren(children);
        continue;
      }
      // Steps that finished synchronously are recorded in the next pass, in the same batch.
      if (this.completed.length > 0 && !this.stale) continue;
      if (!(await store())) {
        if (!(await this.reload())) return;
        continue;
      }

      if (this.inflight.size === 0) {
        if (stopping) {
          await this.deps.queue.enqueue({ tenantId: this.tenantId, name: 'advance', payload: { runId: this.runId }, dedupeKey: `advance:${this.runId}` });
          return;
        }
        if (changed) continue;
        await this.park();
        return;
      }
      // A refresh that came while this pass ran (wake was unset) must not be slept through.
      if (this.completed.length === 0 && !this.stale) {
        // While steps run, timers elsewhere in the run (a delay on a parallel branch,
        // retry backoff, the run's deadline) still fall due: wake for the earliest.
        // While stopping nothing is decided, so a due time already past would only spin.
        const due = stopping ? undefined : this.nextDueAt();
        let cancelTimer: (() => void) | undefined;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (due !== undefined) cancelTimer = this.deps.clock.setTimer(Math.max(0, due - this.now), resolve);
        });
        this.wake = undefined;
        cancelTimer?.();
      }
    }
  }

  /** The earliest time something in the run falls due: a timer, a retry, a wait's timeout, the deadline. */
  private nextDueAt(): number | undefined {
    let dueAt = this.state.deadline;
    for (const id of this.timed) {
      // A retry already running is not due again.
      if (this.inflight.has(id)) continue;
      const step = this.state.steps.get(id);
      const due = step?.status === 'retrying' || step?.status === 'parked' ? step.retryDueAt : step?.status === 'waiting' ? step.wait?.dueAt : undefined;
      if (due !== undefined && (dueAt === undefined || due < dueAt)) dueAt = due;
    }
    return dueAt;
  }

  private get now(): number {
    return this.deps.clock.now();
  }

  private apply(event: RunEvent, batch: RunEvent[]): void {
    const before = 'nodeId' in event ? this.state.steps.get(event.nodeId) : undefined;
    const wasDecided = isStepDecided(before);
    applyRunEvent(this.state, event);
    batch.push(event);
    if (!('nodeId' in event) || event.type === 'run.failed') return;
    const step = this.state.steps.get(event.nodeId);
    if (!wasDecided && isStepDecided(step)) {
      this.undecided--;
      this.timed.delete(event.nodeId);
      const node = this.plan.nodes[event.nodeId];
      if (node) for (const link of node.successors) this.candidates.push(link.nodeId);
    } else if (step && (step.status === 'retrying' || step.status === 'parked' || step.status === 'waiting')) {
      this.timed.add(event.nodeId);
    }
  }

  private scope(input: unknown): () => ExpressionScope {
    return () => ({ trigger: this.state.input, steps: this.state.outputs, vars: this.state.vars, run: this.runInfo, input });
  }

  /** Turns a finished step attempt into events: success, retry, or failure handled by `onError`. */
  private recordOutcome(done: Completed, batch: RunEvent[]): void {
    if (this.state.status !== 'running') return;
    const step = this.state.steps.get(done.nodeId);
    const node = this.plan.nodes[done.nodeId];
    if (!node || isStepDecided(step) || step?.status === 'waiting') return;
    // Only the attempt this worker started counts; another worker may have moved on.
    const expected = step?.status === 'running' ? step.attempt : (step?.attempt ?? 0) + 1;
    if (done.attempt !== expected) return;
    const { result } = done;
    if (result.ok) {
      const event: RunEvent = { type: 'step.succeeded', nodeId: done.nodeId, attempt: done.attempt, output: result.output, durationMs: result.durationMs };
      if (result.handle !== undefined) event.handle = result.handle;
      if (result.logs !== undefined) event.logs = result.logs;
      this.apply(event, batch);
      return;
    }
    this.fail(node, done.attempt, result.thrown, result.durationMs, result.logs, batch, true);
  }

  private fail(
    node: PlanNode,
    attempt: number,
    thrown: unknown,
    durationMs: number,
    logs: StepResult['logs'],
    batch: RunEvent[],
    retryable: boolean,
  ): void {
    const classified =
      thrown instanceof ReplayedFailure
        ? { retryable: false, error: thrown.recorded }
        : thrown instanceof RedactedFailure
          ? thrown.classified
          : classifyRedacted(thrown, this.redactor, this.now);
    const retry = retryable && !this.deps.dry ? planRetry(node.retry, attempt, classified, this.deps.random) : { retry: false as const };
    const outcome = retry.retry ? 'retry' : node.onError;
    const failed: RunEvent = { type: 'step.failed', nodeId: node.id, attempt, error: classified.error, durationMs, outcome };
    if (logs) failed.logs = logs;
    this.apply(failed, batch);
    if (retry.retry) {
      const dueAt = this.now + retry.delayMs;
      this.apply({ type: 'step.retry_scheduled', nodeId: node.id, attempt, dueAt, delayMs: retry.delayMs }, batch);
      this.candidates.push(node.id);
      return;
    }
    if (outcome === 'fail') this.apply({ type: 'run.failed', error: classified.error, nodeId: node.id }, batch);
  }

  private inputOf(node: PlanNode): StepInput[] {
    const ready = readiness(this.state, node);
    return ready.kind === 'ready' ? ready.inputs : [];
  }

  /**
   * Decides every candidate step. Synchronous unless a step's start has to wait (flow
   * control, a control node): pure steps, nearly all, are decided without a promise per
   * step, which the run's hot path would otherwise allocate and wait a microtask for.
   */
  private decide(batch: RunEvent[], launches: Launch[], children: ChildLaunch[]): Promise<void> | undefined {
    // The time matters only to a deadline and to steps that wait for one (retries, parks,
    // waits); a run with neither, nearly every pass, does not read the clock.
    const now = this.state.deadline !== undefined || this.timed.size > 0 ? this.now : undefined;
    if (this.state.cancelRequested) {
      this.apply({ type: 'run.cancelled', reason: this.cancelReason ?? 'Cancelled on request' }, batch);
      return undefined;
    }
    if (this.state.deadline !== undefined && now !== undefined && this.state.deadline <= now) {
      const timeoutMs = this.state.deadline - this.state.startedAt;
      this.apply({ type: 'run.failed', error: { code: 'timeout', message: `Run timed out after ${timeoutMs} ms`, retryable: false, details: { timeoutMs } } }, batch);
      return undefined;
    }
    for (const id of this.timed) this.candidates.push(id);
    const queued = this.candidates;
    this.candidates = [];
    this.seen.clear();
    return this.decideFrom(queued, 0, now, batch, launches, children);
  }

  /** Decides the candidates from `queued[first]` on, and those that deciding them adds. */
  private decideFrom(queued: string[], first: number, now: number | undefined, batch: RunEvent[], launches: Launch[], children: ChildLaunch[]): Promise<void> | undefined {
    for (let i = first; i < queued.length || this.candidates.length > 0; i++) {
      if (i >= queued.length) {
        queued.push(...this.candidates);
        this.candidates = [];
      }
      const id = queued[i] as string;
      if (this.seen.has(id) || this.inflight.has(id)) continue;
      this.seen.add(id);
      const node = this.plan.nodes[id];
      if (!node) continue;
      const starting = this.decideNode(node, now, batch, launches, children);
      if (starting !== undefined) {
        return starting.then(() => (this.state.status === 'running' ? this.decideFrom(queued, i + 1, now, batch, launches, children) : undefined));
      }
      if (this.state.status !== 'running') return undefined;
    }
    if (this.undecided === 0 && this.inflight.size === 0 && launches.length === 0 && children.length === 0) {
      this.apply({ type: 'run.succeeded', output: runOutput(this.plan, this.state) }, batch);
    }
    return undefined;
  }

  private decideNode(node: PlanNode, now: number | undefined, batch: RunEvent[], launches: Launch[], children: ChildLaunch[]): Promise<void> | undefined {
    const step = this.state.steps.get(node.id);
    switch (step?.status ?? 'pending') {
      case 'pending': {
        const ready = readiness(this.state, node);
        if (ready.kind === 'blocked') return undefined;
        if (ready.kind === 'skip') {
          this.apply({ type: 'step.skipped', nodeId: node.id, reason: node.predecessors.length === 0 ? 'unreachable' : 'branch_not_taken' }, batch);
          return undefined;
        }
        if (node.disabled) {
          this.apply({ type: 'step.skipped', nodeId: node.id, reason: 'disabled' }, batch);
          return undefined;
        }
        return this.start(node, ready.inputs, 1, batch, launches, children);
      }
      case 'retrying':
        if ((step as StepState).retryDueAt !== undefined && ((step as StepState).retryDueAt as number) <= (now ?? this.now)) {
          return this.start(node, this.inputOf(node), (step as StepState).attempt + 1, batch, launches, children);
        }
        return undefined;
      case 'parked': {
        const parked = (step as StepState).parked;
        if (parked && ((step as StepState).retryDueAt ?? 0) <= (now ?? this.now)) {
          return this.start(node, this.inputOf(node), parked.attempt, batch, launches, children, parked.reserved);
        }
        return undefined;
      }
      case 'running': {
        // Started by a worker that is gone: run the same attempt again, same idempotency key.
        const definition = this.deps.registry.get(node.type)?.definition;
        if (definition?.kind === 'action') launches.push({ node, definition, inputs: this.inputOf(node), attempt: (step as StepState).attempt });
        return undefined;
      }
      case 'waiting':
        this.continueWaiting(node, step as StepState, now ?? this.now, batch, children);
        return undefined;
      default:
        return undefined;
    }
  }

  /** Starts a step: synchronous for an action node outside flow control, a promise otherwise. */
  private start(
    node: PlanNode,
    inputs: StepInput[],
    attempt: number,
    batch: RunEvent[],
    launches: Launch[],
    children: ChildLaunch[],
    reserved = false,
  ): Promise<void> | undefined {
    const registered = this.deps.registry.get(node.type);
    const definition = registered?.definition;
    if (!definition) {
      this.fail(node, attempt, new PipewrightError('unknown_node_type', `Node type "${node.type}" is not installed`), 0, undefined, batch, false);
      return undefined;
    }
    if (definition.kind === 'action') {
      if (!this.deps.dry && this.deps.flow.appliesTo(definition, registered?.connector)) {
        const flow = this.flowTargetOf(node, definition, registered?.connector, inputs);
        if (flow) return this.admitAndStart(node, definition, flow, inputs, attempt, batch, launches, reserved);
      }
      this.startAction(node, definition, inputs, attempt, batch, launches, undefined);
      return undefined;
    }
    if (definition.kind === 'trigger') {
      this.apply({ type: 'step.skipped', nodeId: node.id, reason: 'other_trigger' }, batch);
      return undefined;
    }
    return this.startControl(node, definition, inputs, attempt, batch, children).catch((thrown: unknown) => this.fail(node, attempt, thrown, 0, undefined, batch, false));
  }

  /** A connector step under a breaker or rate limit: it starts once admitted, else it is parked. */
  private async admitAndStart(
    node: PlanNode,
    definition: NodeDefinition & { kind: 'action' },
    flow: FlowTarget,
    inputs: StepInput[],
    attempt: number,
    batch: RunEvent[],
    launches: Launch[],
    reserved: boolean,
  ): Promise<void> {
    const admission = await this.deps.flow.admit(this.tenantId, flow, { runId: this.runId, nodeId: node.id, attempt }, reserved);
    if (!admission.go) {
      const parked: RunEvent = { type: 'step.parked', nodeId: node.id, attempt, reason: admission.reason, key: flow.key, dueAt: admission.until };
      if (admission.reserved) parked.reserved = true;
      this.apply(parked, batch);
      return;
    }
    this.startAction(node, definition, inputs, attempt, batch, launches, flow);
  }

  private startAction(node: PlanNode, definition: NodeDefinition & { kind: 'action' }, inputs: StepInput[], attempt: number, batch: RunEvent[], launches: Launch[], flow: FlowTarget | undefined): void {
    if (definition.sideEffects && !this.deps.dry) {
      this.apply({ type: 'step.started', nodeId: node.id, attempt, idempotencyKey: this.idempotencyKey(node.id) }, batch);
    }
    launches.push(flow ? { node, definition, inputs, attempt, flow } : { node, definition, inputs, attempt });
  }

  /** The breaker and limiter of a connector step; none when its config does not resolve (the step fails on that when it runs). */
  private flowTargetOf(node: PlanNode, definition: NodeDefinition & { kind: 'action' }, connector: Parameters<FlowControl['targetOf']>[1], inputs: StepInput[]): FlowTarget | undefined {
    try {
      return this.deps.flow.targetOf(definition, connector, resolveNodeConfig(definition, node, this.scope(inputs[0]?.output)));
    } catch {
      return undefined;
    }
  }

  private idempotencyKey(nodeId: string): string {
    return `${this.runId}:${nodeId}`;
  }

  private succeed(node: PlanNode, attempt: number, output: unknown, batch: RunEvent[], handle?: string): void {
    const event: RunEvent = { type: 'step.succeeded', nodeId: node.id, attempt, output, durationMs: 0 };
    if (handle !== undefined) event.handle = handle;
    this.apply(event, batch);
  }

  private async startControl(
    node: PlanNode,
    definition: NodeDefinition,
    inputs: StepInput[],
    attempt: number,
    batch: RunEvent[],
    children: ChildLaunch[],
  ): Promise<void> {
    const input = inputs[0]?.output;
    const config = resolveNodeConfig(definition, node, this.scope(input)) as Record<string, unknown>;
    const dry = this.deps.dry;
    const pinned = dry && node.id in dry.pinned ? { value: dry.pinned[node.id] } : undefined;
    switch (node.type) {
      case 'core.setVariables':
        this.apply({ type: 'variables.set', nodeId: node.id, variables: config['variables'] as Record<string, unknown> }, batch);
        this.succeed(node, attempt, input, batch);
        return;
      case 'core.terminate': {
        this.succeed(node, attempt, input, batch);
        const message = config['message'] as string | undefined;
        if (config['status'] === 'succeeded') {
          this.apply(message === undefined ? { type: 'run.succeeded', output: input } : { type: 'run.succeeded', output: input, message }, batch);
        } else {
          this.apply({ type: 'run.failed', nodeId: node.id, error: nodeError('terminated', message ?? 'The run was stopped by a core.terminate node') }, batch);
        }
        return;
      }
      case 'core.delay': {
        const dueAt = config['mode'] === 'duration' ? this.now + (config['durationMs'] as number) : Date.parse(config['until'] as string);
        if (dry || dueAt <= this.now) this.succeed(node, attempt, input, batch);
        else this.apply({ type: 'step.waiting', nodeId: node.id, kind: 'timer', dueAt }, batch);
        return;
      }
      case 'core.waitForEvent': {
        const step = this.state.steps.get(node.id);
        if (step?.signal) return this.succeed(node, attempt, step.signal.payload, batch, 'event');
        if (dry) return pinned ? this.succeed(node, attempt, pinned.value, batch, 'event') : this.succeed(node, attempt, input, batch, 'timeout');
        // The timeout counts from the step's start, not from when the HMAC (async Web Crypto) is done.
        const waitStart = this.now;
        const token = await createResumeToken(this.state.resumeSecret, this.runId, node.id);
        const timeoutMs = config['timeoutMs'] as number | undefined;
        this.apply(
          timeoutMs === undefined
            ? { type: 'step.waiting', nodeId: node.id, kind: 'signal', token }
            : { type: 'step.waiting', nodeId: node.id, kind: 'signal', token, dueAt: waitStart + timeoutMs },
          batch,
        );
        return;
      }
      case 'core.forEach':
      case 'core.subWorkflow': {
        const forEach = node.type === 'core.forEach';
        if (dry) {
          const failure = dry.failures?.[node.id];
          // Rebuilt with its code and details: a routed `{ error }` output must match the
          // recorded one. A control node's recorded error always came from a PipewrightError.
          if (failure) {
            const options = failure.details === undefined ? {} : { details: failure.details };
            return this.fail(node, attempt, new PipewrightError(failure.code as PipewrightErrorCode, failure.message, options), 0, undefined, batch, false);
          }
          return this.succeed(node, attempt, pinned ? pinned.value : (definition.sampleOutput ?? null), batch);
        }
        const items = forEach ? (config['items'] as unknown[]).map((item, index) => ({ item, index })) : [config['input'] ?? input];
        if (items.length === 0) return this.succeed(node, attempt, [], batch);
        const childVersionId = await this.deps.childVersion(this.tenantId, config['workflowId'] as string, config['version'] as number | 'latest');
        const waiting: RunEvent = {
          type: 'step.waiting',
          nodeId: node.id,
          kind: 'children',
          items,
          concurrency: forEach ? (config['concurrency'] as number) : 1,
          childVersionId,
          continueOnError: forEach ? (config['continueOnItemError'] as boolean) : false,
        };
        this.apply(waiting, batch);
        this.continueWaiting(node, this.state.steps.get(node.id) as StepState, this.now, batch, children);
        return;
      }
      default:
        throw new PipewrightError('unknown_node_type', `The runtime does not know how to carry out "${node.type}"`);
    }
  }

  private continueWaiting(node: PlanNode, step: StepState, now: number, batch: RunEvent[], children: ChildLaunch[]): void {
    const wait = step.wait;
    if (!wait) return;
    if (wait.kind === 'timer') {
      if (wait.timerFired || (wait.dueAt ?? 0) <= now) {
        if (!wait.timerFired) this.apply({ type: 'timer.fired', nodeId: node.id }, batch);
        this.succeed(node, step.attempt, this.inputOf(node)[0]?.output, batch);
      }
      return;
    }
    if (wait.kind === 'signal') {
      if (step.signal) this.succeed(node, step.attempt, step.signal.payload, batch, 'event');
      else if (wait.dueAt !== undefined && wait.dueAt <= now) this.succeed(node, step.attempt, this.inputOf(node)[0]?.output, batch, 'timeout');
      return;
    }
    this.continueChildren(node, step, wait, batch, children);
  }

  private continueChildren(node: PlanNode, step: StepState, wait: WaitState, batch: RunEvent[], children: ChildLaunch[]): void {
    const items = wait.items ?? [];
    const started = step.children ?? new Map();
    const waitsForResult = node.type !== 'core.subWorkflow' || (node.config['wait'] ?? true) !== false;
    if (!waitsForResult && started.size > 0) {
      this.succeed(node, step.attempt, { runId: started.get(0)?.childRunId }, batch);
      return;
    }
    let running = 0;
    let finished = 0;
    let failed = false;
    for (const child of started.values()) {
      if (child.status === 'running') running++;
      else {
        finished++;
        if (child.status !== 'succeeded') failed = true;
      }
    }
    // Without continueOnError the first failed item decides the step: no further item
    // starts, and the step fails once the items already running have reported back.
    const stopping = failed && !wait.continueOnError;
    if (finished === items.length || (stopping && running === 0)) {
      const failures = [...started.entries()].filter(([, child]) => child.status !== 'succeeded');
      if (failures.length > 0 && !wait.continueOnError) {
        const [index, child] = failures.sort(([a], [b]) => a - b)[0] as [number, { childRunId: RunId; error?: RecordedError; status: string }];
        const error = child.error ?? nodeError('child_failed', `Child run ${child.childRunId} ${child.status}`);
        this.fail(node, step.attempt, new PipewrightError('fatal', `Item ${index}: ${error.message}`, { details: { childRunId: child.childRunId, index } }), 0, undefined, batch, false);
        return;
      }
      const results = Array.from({ length: items.length }, (_, index) => {
        const child = started.get(index);
        return child?.status === 'succeeded' ? child.output : { error: child?.error ?? nodeError('child_failed', `Child run ${child?.childRunId} ${child?.status}`) };
      });
      this.succeed(node, step.attempt, node.type === 'core.subWorkflow' ? results[0] : results, batch);
      return;
    }
    if (stopping) return;
    const limit = wait.concurrency;
    for (let index = started.size; index < items.length && running < limit; index++) {
      if (started.has(index)) continue;
      children.push({ nodeId: node.id, index, attempt: step.attempt, versionId: wait.childVersionId as WorkflowVersionId, input: items[index] });
      running++;
    }
  }

  private async launchChildren(launches: ChildLaunch[]): Promise<void> {
    const batch: RunEvent[] = [];
    for (const launch of launches) {
      const childRunId = await this.deps.startChild({ parent: this.state, ...launch });
      batch.push({ type: 'child.started', nodeId: launch.nodeId, index: launch.index, childRunId });
    }
    // Applied only once stored: on a conflict the launches are decided again, and
    // starting a child is idempotent, so nothing runs twice.
    const events: RunEvent[] = [];
    for (const event of batch) this.apply(event, events);
    if (!(await this.commit(events))) await this.reload();
  }

  private launch(launch: Launch): void {
    const { node, definition, inputs, attempt } = launch;
    const substitute = this.substituteFor(node, definition);
    const request = {
      node,
      definition,
      attempt,
      inputs,
      scope: this.scope(inputs[0]?.output),
      run: this.runInfo,
      idempotencyKey: this.idempotencyKey(node.id),
      abort: this.abort,
      clock: this.deps.clock,
      runner: this.deps.runner,
      fetch: this.deps.fetch,
    };
    const connection = substitute ? undefined : this.connectionOf(node, definition, inputs);
    let outcome = connection ? this.runWithConnection(request, connection) : runStep(substitute ? { ...request, substitute } : request);
    const flow = launch.flow;
    if (flow) {
      // The breaker and limiter hear of the outcome before the run moves on, so the
      // next step through them is judged with it.
      const caller = { runId: this.runId, nodeId: node.id, attempt };
      outcome = Promise.resolve(outcome).then(async (result) => {
        await this.deps.flow.record(this.tenantId, flow, caller, result.ok ? { ok: true } : { ok: false, thrown: result.thrown });
        return result;
      });
    }
    outcome = this.redact(outcome);
    outcome = this.settlePayload(node.id, outcome);
    if (!(outcome instanceof Promise)) {
      this.completed.push({ nodeId: node.id, attempt, result: outcome });
      return;
    }
    this.inflight.add(node.id);
    void outcome.then((result) => {
      this.inflight.delete(node.id);
      this.completed.push({ nodeId: node.id, attempt, result });
      this.wake?.();
    });
  }

  /** The connection a step of a connector with auth names in its `connection` config. */
  private connectionOf(node: PlanNode, definition: NodeDefinition & { kind: 'action' }, inputs: StepInput[]): { connector: ConnectorDefinition; id: ConnectionId } | undefined {
    const connector = this.deps.registry.get(node.type)?.connector;
    if (!connector || (connector.auth.type === 'none' && !definition.anyConnection) || node.config['connection'] === undefined) return undefined;
    try {
      const config = resolveNodeConfig(definition, node, this.scope(inputs[0]?.output)) as { connection?: unknown };
      return typeof config.connection === 'string' ? { connector, id: asConnectionId(config.connection) } : undefined;
    } catch {
      // The step fails on its config when it runs.
      return undefined;
    }
  }

  /**
   * Decrypts the step's connection, runs the step with it, and scrubs the result of
   * every secret the connection gave out, before anything else sees it.
   */
  private async runWithConnection(request: StepRequest, target: { connector: ConnectorDefinition; id: ConnectionId }): Promise<StepResult & { secrets?: readonly string[] }> {
    const started = this.deps.clock.now();
    let connection: OpenStepConnection;
    try {
      connection = await this.deps.openConnection(this.tenantId, target.connector, target.id, { type: 'run', runId: this.runId, nodeId: request.node.id }, request.definition.anyConnection === true);
    } catch (thrown) {
      return { ok: false, thrown, durationMs: this.deps.clock.now() - started };
    }
    const result = await runStep({ ...request, connection });
    return { ...result, secrets: connection.secretValues() };
  }

  private redact(outcome: (StepResult & { secrets?: readonly string[] }) | Promise<StepResult & { secrets?: readonly string[] }>): StepResult | Promise<StepResult> {
    const scrub = (result: StepResult & { secrets?: readonly string[] }): StepResult => {
      const { secrets, ...rest } = result as StepResult & { secrets?: readonly string[] };
      const redactor = secrets === undefined || secrets.length === 0 ? this.redactor : this.redactor.withSecrets(secrets);
      return redactStepResult(rest as StepResult, redactor, this.now);
    };
    if (outcome instanceof Promise) return outcome.then(scrub);
    return this.redactor.active || outcome.secrets !== undefined ? scrub(outcome) : outcome;
  }

  /** Payload limits and offload for a step's result; a small output of a synchronous step stays synchronous. */
  private settlePayload(nodeId: string, outcome: StepResult | Promise<StepResult>): StepResult | Promise<StepResult> {
    if (outcome instanceof Promise) return outcome.then((result) => settleStepOutput(this.deps.payloads, this.budget, this.tenantId, nodeId, result));
    return settleStepOutput(this.deps.payloads, this.budget, this.tenantId, nodeId, outcome);
  }

  private substituteFor(node: PlanNode, definition: NodeDefinition): StepSubstitute | undefined {
    const dry = this.deps.dry;
    if (!dry) return undefined;
    const failure = dry.failures?.[node.id];
    if (failure) return { error: failure };
    if (!(node.id in dry.pinned) && !definition.sideEffects) return undefined;
    const output = node.id in dry.pinned ? dry.pinned[node.id] : (definition.sampleOutput ?? null);
    const handle = dry.handles?.[node.id];
    return handle === undefined ? { output } : { output, handle };
  }

  private statusPatch(): Partial<Pick<RunRecord, 'status' | 'finishedAt'>> {
    const status = this.state.status;
    if (status !== 'running') return { status, finishedAt: this.now };
    if (this.inflight.size === 0 && this.timed.size > 0) return { status: 'waiting' };
    return { status: 'running' };
  }

  private async commit(events: RunEvent[]): Promise<boolean> {
    if (this.stopped) return false;
    const at = this.now;
    const result = await this.deps.store.appendEvents(this.tenantId, this.runId, this.lastSeq, events, this.statusPatch(), at);
    if (!result.ok) return false;
    const first = this.lastSeq + 1;
    this.lastSeq = result.lastSeq;
    this.deps.emit(this.tenantId, this.runId, events, first, at);
    return true;
  }

  /** After a conflict: start again from what is stored. */
  private async reload(): Promise<boolean> {
    if (this.stopped) return false;
    return this.load();
  }

  private async park(): Promise<void> {
    const dueAt = this.nextDueAt();
    if (dueAt === undefined) return;
    await this.deps.queue.enqueue({ tenantId: this.tenantId, name: 'advance', payload: { runId: this.runId }, dueAt, dedupeKey: `advance:${this.runId}` });
  }


  private async afterFinish(): Promise<void> {
    await this.deps.runFinished?.(this.state);
    if (this.state.status !== 'cancelled') {
      // Ended while a step still waited for child runs (core.terminate, a failure on
      // another branch): nobody reads their results any more. Children of finished
      // steps (a subWorkflow with wait false) are left alone.
      for (const id of this.timed) {
        for (const child of this.state.steps.get(id)?.children?.values() ?? []) {
          if (child.status === 'running') await this.deps.cancelRun(this.tenantId, child.childRunId, 'Parent run ended');
        }
      }
      return;
    }
    for (const step of this.state.steps.values()) {
      for (const child of step.children?.values() ?? []) {
        if (child.status === 'running') await this.deps.cancelRun(this.tenantId, child.childRunId, 'Parent run cancelled');
      }
    }
  }
}
