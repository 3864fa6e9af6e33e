import { PipewrightError } from '@pipewright/core';

/** The error a built-in node throws when it cannot do what its config asks with its input. */
export function stepError(message: string, details: Readonly<Record<string, unknown>>): PipewrightError {
  return new PipewrightError('invalid_input', message, { details });
}
