import { describe, expect, it } from 'vitest';
import { isBlobRef } from './blob-ref';

const sha = 'a'.repeat(64);

describe('isBlobRef', () => {
  it('accepts exactly the marker the engine writes', () => {
    expect(isBlobRef({ $blob: { id: sha, bytes: 10, sha256: sha } })).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', '$blob'],
    ['an array', [{ $blob: { id: sha, bytes: 10, sha256: sha } }]],
    ['another key beside $blob', { $blob: { id: sha, bytes: 10, sha256: sha }, other: 1 }],
    ['another field inside', { $blob: { id: sha, bytes: 10, sha256: sha, path: '/etc' } }],
    ['a missing field', { $blob: { id: sha, bytes: 10 } }],
    ['an id that is no SHA-256', { $blob: { id: '../etc/passwd', bytes: 10, sha256: sha } }],
    ['a negative size', { $blob: { id: sha, bytes: -1, sha256: sha } }],
    ['a fractional size', { $blob: { id: sha, bytes: 1.5, sha256: sha } }],
    ['user data with a $blob key', { $blob: 'my value' }],
  ])('rejects %s', (_, value) => {
    expect(isBlobRef(value)).toBe(false);
  });
});
