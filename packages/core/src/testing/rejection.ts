import { PipewrightError } from '../errors/pipewright-error';

/** What `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('Expected the call to reject, but it resolved');
    },
    (error: unknown) => error,
  );
}

/** The PipewrightError `promise` rejects with; anything else it rejects with is rethrown. */
export async function pipewrightRejection(promise: Promise<unknown>): Promise<PipewrightError> {
  const error = await rejection(promise);
  if (PipewrightError.is(error)) return error;
  throw error;
}
