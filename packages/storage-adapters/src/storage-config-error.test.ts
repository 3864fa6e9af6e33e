import { describe, expect, it } from 'vitest';
import { StorageConfigError } from './storage-config-error';

describe('StorageConfigError', () => {
  const issues = [{ path: [], message: 'Table prefix must be a string', code: 'invalid_type' }];

  it('carries its code, message and issues', () => {
    const error = new StorageConfigError('invalid_table_prefix', 'Invalid table prefix', issues);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('StorageConfigError');
    expect(error.code).toBe('invalid_table_prefix');
    expect(error.issues).toEqual(issues);
  });

  it('recognises an instance from another copy of the package by its registered marker', () => {
    const fromOtherCopy = Object.defineProperty(new Error('x'), Symbol.for('pipewright.storage-config-error'), { value: true });
    expect(StorageConfigError.is(fromOtherCopy)).toBe(true);
    expect(fromOtherCopy).toBeInstanceOf(StorageConfigError);
  });

  it('does not claim other errors', () => {
    expect(StorageConfigError.is(new Error('x'))).toBe(false);
    expect(StorageConfigError.is(null)).toBe(false);
    expect(new TypeError('x')).not.toBeInstanceOf(StorageConfigError);
  });
});
