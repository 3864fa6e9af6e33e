import type { StepConnection } from '../connections/step-connection';

/** Structured logging for a step; what it writes is attached to the run. */
export interface NodeLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** The output of one upstream step, as delivered to a step's input. */
export interface StepInput {
  nodeId: string;
  handle: string;
  output: unknown;
}

/** What a node's `run` receives. */
export interface NodeContext<Config> {
  /** The node's config with every `{{ }}` template resolved and validated. */
  config: Config;
  /** The output of the upstream step (the first one, for a join). */
  input: unknown;
  /** Every upstream output that reached this step; more than one for a join. */
  inputs: readonly StepInput[];
  /** Aborts on the step's timeout and when the run is cancelled. */
  signal: AbortSignal;
  /** Stable per run + node + item: a retried attempt sends the same key. */
  idempotencyKey: string;
  logger: NodeLogger;
  run: { id: string; workflowId: string; startedAt: string };
  node: { id: string; type: string };
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * The connection named by the node's `connection` config, decrypted for this step,
   * for nodes of a connector with auth. Whatever the step returns, logs or throws is
   * scrubbed of its secrets before it is recorded.
   */
  connection?: StepConnection;
  /**
   * The engine's `fetch` (`createEngine({ fetch })`): use it for HTTP calls made without a
   * connection, so that the host's egress policy (e.g. no private networks) applies.
   */
  fetch: typeof fetch;
}

const routedOutputMarker = Symbol.for('pipewright.routed-output');

/** A node's output sent down one named output handle. */
export interface RoutedOutput {
  readonly [routedOutputMarker]: true;
  readonly handle: string;
  readonly output: unknown;
}

/**
 * Sends `output` down the output handle `handle` only, e.g. `true` or `false` of
 * `core.if`. A node that returns a plain value emits it on every output.
 *
 * @example
 * ```ts
 * run: ({ config, input }) => routeTo(config.condition ? 'true' : 'false', input)
 * ```
 */
export function routeTo(handle: string, output: unknown): RoutedOutput {
  return { [routedOutputMarker]: true, handle, output };
}

export function isRoutedOutput(value: unknown): value is RoutedOutput {
  return typeof value === 'object' && value !== null && routedOutputMarker in value;
}
