import { PipewrightError } from '../errors/pipewright-error';

/** Which limit a payload broke: a step's output, the run's total, or the run input at `runs.start`. */
export type PayloadLimitScope = 'step' | 'run' | 'input';

const optionOf: Record<PayloadLimitScope, string> = { step: 'maxStepOutputBytes', run: 'maxRunPayloadBytes', input: 'maxStepOutputBytes' };

/**
 * The error of a payload over a hard limit: `payload_too_large`, which is never
 * retried (the same step would return the same output). `bytes` is infinite for a
 * value too large to serialize at all.
 */
export function payloadTooLarge(scope: PayloadLimitScope, nodeId: string, bytes: number, limit: number): PipewrightError {
  const size = Number.isFinite(bytes) ? `${bytes} bytes` : 'too large to serialize';
  const what =
    scope === 'step'
      ? `The output of step "${nodeId}" is ${size}`
      : scope === 'input'
        ? `The run input is ${size}`
        : `With the output of step "${nodeId}" the run's payloads come to ${size}`;
  const details: Record<string, unknown> = { nodeId, limit, scope, option: optionOf[scope] };
  if (Number.isFinite(bytes)) details['bytes'] = bytes;
  return new PipewrightError('payload_too_large', `${what} of JSON, over the limit of ${limit} bytes (payloads.${optionOf[scope]})`, { details });
}

/** The error of a large step output JSON cannot represent (a cycle, a BigInt): it cannot be stored. */
export function payloadNotJson(nodeId: string, cause: unknown): PipewrightError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new PipewrightError('fatal', `The output of step "${nodeId}" cannot be stored as JSON: ${reason}`, { cause, details: { nodeId } });
}
