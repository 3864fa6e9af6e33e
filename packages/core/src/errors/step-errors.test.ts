import { describe, expect, it } from 'vitest';
import { PipewrightError } from './pipewright-error';
import { CancelledError, CircuitOpenError, FatalError, RetryableError, RetryAfterError, TimeoutError } from './step-errors';

const marker = Symbol.for('pipewright.error');

/** What a second bundled copy of core would throw: another class, the same marker and fields. */
function fromAnotherCopy(name: string, code: string, message: string, fields: Record<string, unknown> = {}): Error {
  const error = Object.assign(new Error(message), { code, details: {}, ...fields });
  error.name = name;
  Object.defineProperty(error, marker, { value: true });
  return error;
}

const stepErrorClasses = [RetryableError, FatalError, RetryAfterError, TimeoutError, CancelledError, CircuitOpenError] as const;

describe('step errors', () => {
  it.each([
    ['RetryableError', new RetryableError('flaky upstream'), RetryableError, 'retryable', 'flaky upstream'],
    ['FatalError', new FatalError('bad key'), FatalError, 'fatal', 'bad key'],
    ['RetryAfterError', new RetryAfterError(5_000, 'rate limited'), RetryAfterError, 'retry_after', 'rate limited'],
    ['TimeoutError', new TimeoutError(2_500), TimeoutError, 'timeout', 'Step timed out after 2500 ms'],
    ['CancelledError', new CancelledError('user asked'), CancelledError, 'cancelled', 'Cancelled: user asked'],
    ['CircuitOpenError', new CircuitOpenError('http:api', Date.UTC(2030, 0, 1)), CircuitOpenError, 'circuit_open', 'Circuit "http:api" is open until 2030-01-01T00:00:00.000Z'],
  ] as const)('%s has its code, name and message, and is a PipewrightError', (name, error, ownClass, code, message) => {
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof ownClass).toBe(true);
    expect(error instanceof PipewrightError).toBe(true);
    expect(PipewrightError.is(error)).toBe(true);
    expect(error.stack).toContain(name);
  });

  it('is an instance of its own class only', () => {
    const errors = [new RetryableError('a'), new FatalError('b'), new RetryAfterError(1), new TimeoutError(1), new CancelledError(), new CircuitOpenError('k', 0)];
    errors.forEach((error, index) => {
      stepErrorClasses.forEach((cls, clsIndex) => {
        expect(error instanceof cls, `${error.name} instanceof ${cls.name}`).toBe(index === clsIndex);
      });
    });
    expect(new PipewrightError('internal', 'x') instanceof RetryableError).toBe(false);
    expect(new Error('x') instanceof FatalError).toBe(false);
    const nothing: unknown = null;
    expect(nothing instanceof TimeoutError).toBe(false);
  });

  it('keeps cause and caller details, and adds its own fields to details', () => {
    const cause = new Error('socket closed');
    const retryable = new RetryableError('try again', { cause, details: { host: 'api' } });
    expect(retryable.cause).toBe(cause);
    expect(retryable.details).toEqual({ host: 'api' });

    const retryAfter = new RetryAfterError(30_000, 'slow down', { cause, details: { limit: 10 } });
    expect(retryAfter.retryAfterMs).toBe(30_000);
    expect(retryAfter.cause).toBe(cause);
    expect(retryAfter.details).toEqual({ limit: 10, retryAfterMs: 30_000 });

    const timeout = new TimeoutError(1_000);
    expect(timeout.timeoutMs).toBe(1_000);
    expect(timeout.details).toEqual({ timeoutMs: 1_000 });
    expect('cause' in timeout).toBe(false);

    const circuit = new CircuitOpenError('smtp', 1_700_000_000_000);
    expect(circuit.key).toBe('smtp');
    expect(circuit.retryAt).toBe(1_700_000_000_000);
    expect(circuit.details).toEqual({ key: 'smtp', retryAt: 1_700_000_000_000 });
  });

  it('gives RetryAfterError a default message', () => {
    expect(new RetryAfterError(1_500).message).toBe('Retry after 1500 ms');
  });

  it('CancelledError without a reason', () => {
    const error = new CancelledError();
    expect(error.message).toBe('Cancelled');
    expect(error.reason).toBeUndefined();
    expect(error.details).toEqual({});
    expect(new CancelledError('shutdown').details).toEqual({ reason: 'shutdown' });
  });

  it('CircuitOpenError does not throw for a retryAt that is not a date', () => {
    expect(new CircuitOpenError('k', Number.NaN).message).toBe('Circuit "k" is open until NaN');
    expect(new CircuitOpenError('k', Number.POSITIVE_INFINITY).message).toBe('Circuit "k" is open until Infinity');
  });

  describe('across bundled copies of core', () => {
    it.each([
      ['RetryableError', RetryableError, fromAnotherCopy('RetryableError', 'retryable', 'x')],
      ['FatalError', FatalError, fromAnotherCopy('FatalError', 'fatal', 'x')],
      ['RetryAfterError', RetryAfterError, fromAnotherCopy('RetryAfterError', 'retry_after', 'x', { retryAfterMs: 10 })],
      ['TimeoutError', TimeoutError, fromAnotherCopy('TimeoutError', 'timeout', 'x', { timeoutMs: 10 })],
      ['CancelledError', CancelledError, fromAnotherCopy('CancelledError', 'cancelled', 'x')],
      ['CircuitOpenError', CircuitOpenError, fromAnotherCopy('CircuitOpenError', 'circuit_open', 'x', { key: 'k', retryAt: 1 })],
    ] as const)('recognises a %s by marker and code', (_name, cls, foreign) => {
      expect(foreign instanceof cls).toBe(true);
      expect(foreign instanceof PipewrightError).toBe(true);
      expect(PipewrightError.is(foreign)).toBe(true);
      for (const other of stepErrorClasses) if (other !== cls) expect(foreign instanceof other).toBe(false);
    });

    it('recognises a plain object carrying the marker and the code', () => {
      expect({ code: 'fatal', message: 'x', [marker]: true } instanceof FatalError).toBe(true);
    });

    it('rejects a foreign error whose fields do not match its code', () => {
      expect(fromAnotherCopy('RetryAfterError', 'retry_after', 'x') instanceof RetryAfterError).toBe(false);
      expect(fromAnotherCopy('TimeoutError', 'timeout', 'x', { timeoutMs: '10' }) instanceof TimeoutError).toBe(false);
      expect(fromAnotherCopy('CircuitOpenError', 'circuit_open', 'x', { key: 'k' }) instanceof CircuitOpenError).toBe(false);
    });

    it('rejects the code without the marker, and the marker without the code', () => {
      expect(Object.assign(new Error('x'), { code: 'fatal' }) instanceof FatalError).toBe(false);
      expect(fromAnotherCopy('PipewrightError', 'internal', 'x') instanceof FatalError).toBe(false);
    });

    it("keeps a user's subclass to its own instances", () => {
      class RateLimitedError extends RetryAfterError {
        constructor() {
          super(60_000, 'rate limited');
        }
      }
      const own = new RateLimitedError();
      expect(own instanceof RateLimitedError).toBe(true);
      expect(own instanceof RetryAfterError).toBe(true);
      expect(own instanceof PipewrightError).toBe(true);
      expect(new RetryAfterError(1) instanceof RateLimitedError).toBe(false);
      expect(fromAnotherCopy('RetryAfterError', 'retry_after', 'x', { retryAfterMs: 1 }) instanceof RateLimitedError).toBe(false);
    });
  });
});
