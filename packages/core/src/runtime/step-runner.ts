import type { PlanNode } from '../compiler/execution-plan';
import { FatalError, TimeoutError } from '../errors/step-errors';
import type { ExpressionScope } from '../expressions/expression-scope';
import type { Clock } from '../ports/clock';
import { isRoutedOutput, type NodeLogger, type StepInput } from '../registry/node-context';
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
}

function stepLogger(logs: StepLogEntry[], clock: Clock): NodeLogger {
  const write = (level: StepLogEntry['level']) => (msg: string, data?: Record<string, unknown>) => {
    logs.push(data === undefined ? { ts: clock.now(), level, msg } : { ts: clock.now(), level, msg, data });
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Executes one attempt of an action node and reports what happened; never throws. */
export async function runStep(request: StepRequest): Promise<StepResult> {
  const { node, definition, clock } = request;
  const started = clock.now();
  const logs: StepLogEntry[] = [];
  const finish = (result: { ok: true; output: unknown; handle?: string } | { ok: false; thrown: unknown }): StepResult => {
    const durationMs = clock.now() - started;
    return logs.length > 0 ? { ...result, durationMs, logs } : { ...result, durationMs };
  };

  let cancelTimer: (() => void) | undefined;
  try {
    const config = resolveNodeConfig(definition, node, request.scope);
    const substitute = request.substitute;
    if (substitute) {
      if ('error' in substitute) return finish({ ok: false, thrown: new FatalError(substitute.error.message, { details: { recorded: substitute.error } }) });
      return finish(substitute.handle === undefined ? { ok: true, output: substitute.output } : { ok: true, output: substitute.output, handle: substitute.handle });
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

    let logger: NodeLogger | undefined;
    const ctx = {
      config,
      input: request.inputs[0]?.output,
      inputs: request.inputs,
      get signal(): AbortSignal {
        return stepSignal ?? request.abort.signal;
      },
      idempotencyKey: request.idempotencyKey,
      // Most steps never log: build the logger on first use.
      get logger(): NodeLogger {
        return (logger ??= stepLogger(logs, clock));
      },
      run: request.run,
      node: { id: node.id, type: node.type },
      attempt: request.attempt,
    };
    // A timed-out node that ignores its signal must not hold the run: race the timeout.
    const running = request.runner(ctx, definition);
    const result = timeout ? await Promise.race([running, timeout]) : await running;
    if (isRoutedOutput(result)) return finish({ ok: true, output: result.output, handle: result.handle });
    return finish({ ok: true, output: result });
  } catch (thrown) {
    return finish({ ok: false, thrown });
  } finally {
    cancelTimer?.();
  }
}
