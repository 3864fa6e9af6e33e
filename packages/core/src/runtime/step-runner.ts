import type { PlanNode } from '../compiler/execution-plan';
import type { StepConnection } from '../connections/step-connection';
import { TimeoutError } from '../errors/step-errors';
import type { ExpressionScope } from '../expressions/expression-scope';
import type { Clock } from '../ports/clock';
import { isRoutedOutput, routeTo, type NodeContext, type NodeLogger, type StepInput } from '../registry/node-context';
import type { ActionNodeDefinition } from '../registry/node-definition';
import { resolveNodeConfig } from './node-config';
import type { RecordedError, StepLogEntry } from './run-events';
import type { RunAbort } from './run-abort';
import type { StepRunner } from './step-hooks';

export type StepResult =
  | { ok: true; output: unknown; handle?: string; durationMs: number; logs?: StepLogEntry[] }
  | { ok: false; thrown: unknown; durationMs: number; logs?: StepLogEntry[] };

export type StepSubstitute = { output: unknown; handle?: string } | { error: RecordedError };

export interface StepRequest {
  node: PlanNode;
  definition: ActionNodeDefinition;
  attempt: number;
  inputs: StepInput[];
  scope: () => ExpressionScope;
  run: { id: string; workflowId: string; startedAt: string };
  idempotencyKey: string;
  /** Aborts on cancel, run end, lease loss; the advancer stops waiting for the step then. */
  abort: RunAbort;
  clock: Clock;
  runner: StepRunner;
  /** Dry run and replay: what the node returns instead of running (pinned data, sample output, a recorded error). */
  substitute?: StepSubstitute;
  /** The step's decrypted connection (`ctx.connection`). */
  connection?: StepConnection;
  /** The engine's `fetch` (`ctx.fetch`). */
  fetch: typeof fetch;
}

/**
 * A failure recorded in an earlier run, reproduced by a replay or dry run exactly as it
 * was recorded (code, message, details), not classified again.
 */
export class ReplayedFailure {
  constructor(readonly recorded: RecordedError) {}
}

/**
 * What a node's `run` receives. A class rather than an object literal: it is built for
 * every step, and the logger, the log list and the signal are only made when a node
 * uses them.
 */
class StepContext implements NodeContext<unknown> {
  private builtLogger: NodeLogger | undefined;
  /** Entries the node logged, if it logged any. */
  logs: StepLogEntry[] | undefined;
  connection?: StepConnection;
  constructor(
    readonly config: unknown,
    readonly inputs: readonly StepInput[],
    readonly idempotencyKey: string,
    readonly run: { id: string; workflowId: string; startedAt: string },
    readonly node: { id: string; type: string },
    readonly attempt: number,
    private readonly clock: Clock,
    private readonly abort: RunAbort,
    private readonly stepSignal: AbortSignal | undefined,
    readonly fetch: typeof globalThis.fetch,
  ) {}
  get input(): unknown {
    return this.inputs[0]?.output;
  }
  get signal(): AbortSignal {
    return this.stepSignal ?? this.abort.signal;
  }
  get logger(): NodeLogger {
    return (this.builtLogger ??= {
      debug: (msg, data) => this.write('debug', msg, data),
      info: (msg, data) => this.write('info', msg, data),
      warn: (msg, data) => this.write('warn', msg, data),
      error: (msg, data) => this.write('error', msg, data),
    });
  }
  private write(level: StepLogEntry['level'], msg: string, data?: Record<string, unknown>): void {
    const ts = this.clock.now();
    (this.logs ??= []).push(data === undefined ? { ts, level, msg } : { ts, level, msg, data });
  }
}

function succeeded(value: unknown, durationMs: number, logs: StepLogEntry[] | undefined): StepResult {
  const result: StepResult = isRoutedOutput(value) ? { ok: true, output: value.output, handle: value.handle, durationMs } : { ok: true, output: value, durationMs };
  if (logs) result.logs = logs;
  return result;
}

function failed(thrown: unknown, durationMs: number, logs: StepLogEntry[] | undefined): StepResult {
  const result: StepResult = { ok: false, thrown, durationMs };
  if (logs) result.logs = logs;
  return result;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Executes one attempt of an action node and reports what happened; never throws.
 * A node that returns synchronously gets its result synchronously, so the advancer can
 * run chains of such steps without a round trip through the event loop.
 */
export function runStep(request: StepRequest): StepResult | Promise<StepResult> {
  const { node, definition, clock } = request;
  const started = clock.now();
  let ctx: StepContext | undefined;
  let cancelTimer: (() => void) | undefined;
  try {
    const config = resolveNodeConfig(definition, node, request.scope);
    const substitute = request.substitute;
    if (substitute) {
      if ('error' in substitute) return failed(new ReplayedFailure(substitute.error), clock.now() - started, undefined);
      return succeeded(substitute.handle === undefined ? substitute.output : routeTo(substitute.handle, substitute.output), clock.now() - started, undefined);
    }

    let stepSignal: AbortSignal | undefined;
    let timeout: Promise<never> | undefined;
    if (node.timeoutMs !== undefined) {
      const controller = new AbortController();
      const runSignal = request.abort.signal;
      const forward = (): void => controller.abort(runSignal.reason);
      if (runSignal.aborted) forward();
      else runSignal.addEventListener('abort', forward, { once: true });
      timeout = new Promise<never>((_, reject) => {
        cancelTimer = clock.setTimer(node.timeoutMs as number, () => {
          const error = new TimeoutError(node.timeoutMs as number);
          controller.abort(error);
          reject(error);
        });
      });
      stepSignal = controller.signal;
    }

    const context = new StepContext(config, request.inputs, request.idempotencyKey, request.run, { id: node.id, type: node.type }, request.attempt, clock, request.abort, stepSignal, request.fetch);
    ctx = context;
    if (request.connection) context.connection = request.connection;
    const value = request.runner(context, definition);
    if (timeout === undefined && !isThenable(value)) return succeeded(value, clock.now() - started, context.logs);
    // A timed-out node that ignores its signal must not hold the run: race the timeout.
    const settled = timeout === undefined ? Promise.resolve(value) : Promise.race([value, timeout]);
    return settled
      .then(
        (output) => succeeded(output, clock.now() - started, context.logs),
        (thrown: unknown) => failed(thrown, clock.now() - started, context.logs),
      )
      .finally(() => cancelTimer?.());
  } catch (thrown) {
    cancelTimer?.();
    return failed(thrown, clock.now() - started, ctx?.logs);
  }
}
