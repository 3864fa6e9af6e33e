/**
 * The closed set of error codes Pipewright raises. Codes are stable: hosts match on
 * them, the HTTP API maps them to problem+json types.
 */
export type PipewrightErrorCode =
  | 'invalid_workflow'
  | 'invalid_node_definition'
  | 'duplicate_node_type'
  | 'duplicate_connector'
  | 'unknown_node_type'
  | 'invalid_expression'
  | 'expression_failed'
  /** A step received input it cannot work with (e.g. a list was expected). */
  | 'invalid_input'
  | 'invalid_node_config'
  | 'not_found'
  | 'run_finished'
  | 'invalid_token'
  /** A page cursor that this store did not issue, or that was altered. */
  | 'invalid_cursor'
  /** A job's lease expired or its worker stopped; another worker may hold the job now. */
  | 'lease_lost'
  | 'internal'
  /** Thrown by a node: try again under the node's retry policy. */
  | 'retryable'
  /** Thrown by a node: never retry, whatever the policy says. */
  | 'fatal'
  /** Thrown by a node: retry no sooner than `retryAfterMs`. */
  | 'retry_after'
  /** Raised by the engine: a step ran past its `timeoutMs`. */
  | 'timeout'
  /** Raised by the engine: the run or step was cancelled. */
  | 'cancelled'
  /** Raised by the engine: a circuit breaker is open for the step's key. */
  | 'circuit_open'
  /** Raised by the engine: a step output or run input is over a size limit (`payloads` options). */
  | 'payload_too_large'
  /** A sealed secret failed authentication: its ciphertext, key wrap or context was altered. */
  | 'secret_tampered'
  /** A sealed secret names a key id the key ring does not hold. */
  | 'unknown_key'
  /** Connections need a `vault` in `createEngine`. */
  | 'vault_not_configured'
  /** Credentials that do not fit the connector's auth spec. */
  | 'invalid_credentials'
  /** An OAuth2 server refused an authorization, exchange or refresh. */
  | 'oauth2_error';

/**
 * Marks instances across bundled copies of core: `instanceof` fails when a host ends
 * up with two copies of the package, a registered symbol does not.
 */
const pipewrightErrorMarker = Symbol.for('pipewright.error');

export interface PipewrightErrorOptions {
  cause?: unknown;
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error family of Pipewright.
 *
 * @example
 * ```ts
 * try {
 *   createRegistry([nodeA, nodeA]);
 * } catch (error) {
 *   if (PipewrightError.is(error) && error.code === 'duplicate_node_type') console.log(error.details);
 * }
 * ```
 */
export class PipewrightError extends Error {
  readonly code: PipewrightErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: PipewrightErrorCode, message: string, options: PipewrightErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipewrightError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, pipewrightErrorMarker, { value: true });
  }

  /** True for any PipewrightError, including one thrown by another copy of core. */
  static is(value: unknown): value is PipewrightError {
    return typeof value === 'object' && value !== null && pipewrightErrorMarker in value;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses inherit this method; the marker only says "a PipewrightError", so for a
    // subclass (`x instanceof SomeSubclass`) fall back to the prototype chain.
    if (this !== PipewrightError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return PipewrightError.is(value);
  }
}

/** Wraps anything thrown into a PipewrightError, keeping the original as `cause`. */
export function toPipewrightError(thrown: unknown, code: PipewrightErrorCode = 'internal'): PipewrightError {
  if (PipewrightError.is(thrown)) return thrown;
  const message = thrown instanceof Error ? thrown.message : typeof thrown === 'string' ? thrown : 'Unknown error';
  return new PipewrightError(code, message, { cause: thrown });
}
