import { describe, expect, it } from 'vitest';
import { MarketplaceError } from './marketplace-error';

describe('MarketplaceError', () => {
  it('carries its code, issues and cause', () => {
    const cause = new TypeError('boom');
    const issues = [{ path: ['a'], reason: 'bigint' as const, message: 'A BigInt is not JSON' }];
    const error = new MarketplaceError('not_json', 'Value is not JSON', { issues, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MarketplaceError');
    expect(error.code).toBe('not_json');
    expect(error.issues).toEqual(issues);
    expect(error.cause).toBe(cause);
    expect(new MarketplaceError('not_json', 'x').issues).toEqual([]);
  });

  it('recognises an instance from another copy of the package by its registered marker', () => {
    const fromOtherCopy = Object.defineProperty(new Error('x'), Symbol.for('pipewright.marketplace-error'), { value: true });
    expect(MarketplaceError.is(fromOtherCopy)).toBe(true);
    expect(fromOtherCopy).toBeInstanceOf(MarketplaceError);
  });

  it('does not claim other errors', () => {
    expect(MarketplaceError.is(new Error('x'))).toBe(false);
    expect(MarketplaceError.is('not_json')).toBe(false);
  });
});
