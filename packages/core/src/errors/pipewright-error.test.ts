import { describe, expect, it } from 'vitest';
import { PipewrightError, toPipewrightError } from './pipewright-error';

/**
 * An error built by a second bundled copy of core: a different class, but carrying the
 * same registered symbol marker.
 */
function errorFromAnotherCopy(): Error & { code: string; details: Record<string, unknown> } {
  const error = Object.assign(new Error('from the other copy'), { code: 'invalid_workflow', details: { copy: 2 } });
  error.name = 'PipewrightError';
  Object.defineProperty(error, Symbol.for('pipewright.error'), { value: true });
  return error;
}

describe('PipewrightError', () => {
  it('carries code, message, details and name', () => {
    const error = new PipewrightError('duplicate_node_type', 'Node type "a" is registered twice', { details: { type: 'a' } });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PipewrightError');
    expect(error.code).toBe('duplicate_node_type');
    expect(error.message).toBe('Node type "a" is registered twice');
    expect(error.details).toEqual({ type: 'a' });
    expect(error.stack).toContain('PipewrightError');
  });

  it('defaults details to an empty object and sets no cause', () => {
    const error = new PipewrightError('internal', 'boom');
    expect(error.details).toEqual({});
    expect('cause' in error).toBe(false);
  });

  it('keeps the cause it is given, even a falsy one', () => {
    const cause = new TypeError('inner');
    expect(new PipewrightError('internal', 'outer', { cause }).cause).toBe(cause);
    const falsy = new PipewrightError('internal', 'outer', { cause: 0 });
    expect('cause' in falsy).toBe(true);
    expect(falsy.cause).toBe(0);
  });

  it('marks instances with a non-enumerable registered symbol', () => {
    const error = new PipewrightError('internal', 'boom');
    const marker = Symbol.for('pipewright.error');
    expect(Object.getOwnPropertyDescriptor(error, marker)).toEqual({ value: true, writable: false, enumerable: false, configurable: false });
    expect(Object.keys(error)).not.toContain(marker);
  });

  describe('is / instanceof', () => {
    it('recognises its own instances', () => {
      const error = new PipewrightError('invalid_expression', 'bad');
      expect(PipewrightError.is(error)).toBe(true);
      expect(error instanceof PipewrightError).toBe(true);
    });

    it('recognises an error from a second bundled copy of core', () => {
      const foreign = errorFromAnotherCopy();
      expect(PipewrightError.is(foreign)).toBe(true);
      expect(foreign instanceof PipewrightError).toBe(true);
      if (PipewrightError.is(foreign)) expect(foreign.code).toBe('invalid_workflow');
    });

    it('recognises a plain object carrying the marker', () => {
      const value = { code: 'internal', [Symbol.for('pipewright.error')]: true };
      expect(PipewrightError.is(value)).toBe(true);
    });

    it('keeps instanceof of a subclass to its own instances', () => {
      class QuotaError extends PipewrightError {
        constructor() {
          super('internal', 'quota exceeded');
        }
      }
      const quota = new QuotaError();
      expect(quota instanceof QuotaError).toBe(true);
      expect(quota instanceof PipewrightError).toBe(true);
      expect(new PipewrightError('internal', 'other') instanceof QuotaError).toBe(false);
      expect(errorFromAnotherCopy() instanceof QuotaError).toBe(false);
    });

    it.each([
      ['a plain Error', new Error('x')],
      ['an Error subclass', new TypeError('x')],
      ['an object that only looks alike', { name: 'PipewrightError', code: 'internal', message: 'x' }],
      ['an object with a local (unregistered) symbol', { [Symbol('pipewright.error')]: true }],
      ['a string', 'PipewrightError'],
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
    ])('rejects %s', (_label, value) => {
      expect(PipewrightError.is(value)).toBe(false);
      expect(value instanceof PipewrightError).toBe(false);
    });
  });
});

describe('toPipewrightError', () => {
  it('returns a PipewrightError unchanged, whatever code is asked for', () => {
    const error = new PipewrightError('invalid_expression', 'bad');
    expect(toPipewrightError(error)).toBe(error);
    expect(toPipewrightError(error, 'expression_failed')).toBe(error);
    expect(toPipewrightError(error).code).toBe('invalid_expression');
  });

  it('returns an error from another copy of core unchanged', () => {
    const foreign = errorFromAnotherCopy();
    expect(toPipewrightError(foreign)).toBe(foreign);
  });

  it('wraps an Error, keeping its message and the original as cause', () => {
    const original = new RangeError('out of range');
    const wrapped = toPipewrightError(original);
    expect(wrapped).toBeInstanceOf(PipewrightError);
    expect(wrapped.code).toBe('internal');
    expect(wrapped.message).toBe('out of range');
    expect(wrapped.cause).toBe(original);
    expect(wrapped.details).toEqual({});
  });

  it('uses the code it is given', () => {
    expect(toPipewrightError(new Error('x'), 'expression_failed').code).toBe('expression_failed');
  });

  it('wraps a thrown string as the message', () => {
    const wrapped = toPipewrightError('something broke');
    expect(wrapped.code).toBe('internal');
    expect(wrapped.message).toBe('something broke');
    expect(wrapped.cause).toBe('something broke');
  });

  it.each([
    ['a number', 42],
    ['an object', { reason: 'x' }],
    ['null', null],
  ])('wraps %s as "Unknown error" with it as cause', (_label, thrown) => {
    const wrapped = toPipewrightError(thrown);
    expect(wrapped.code).toBe('internal');
    expect(wrapped.message).toBe('Unknown error');
    expect(wrapped.cause).toBe(thrown);
  });

  it('wraps undefined without a cause', () => {
    const wrapped = toPipewrightError(undefined);
    expect(wrapped.message).toBe('Unknown error');
    expect('cause' in wrapped).toBe(false);
  });
});
