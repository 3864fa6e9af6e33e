import { describe, expect, it } from 'vitest';
import { cloneJson } from './clone-json';

describe('cloneJson', () => {
  it('copies nested objects and arrays deeply', () => {
    const original = { a: [1, { b: 'x' }], c: { d: null, e: true } };
    const copy = cloneJson(original);
    expect(copy).toEqual(original);
    expect(copy).not.toBe(original);
    (copy.a[1] as { b: string }).b = 'changed';
    copy.c.e = false;
    expect(original).toEqual({ a: [1, { b: 'x' }], c: { d: null, e: true } });
  });

  it('returns primitives as they are', () => {
    expect(cloneJson(5)).toBe(5);
    expect(cloneJson('s')).toBe('s');
    expect(cloneJson(null)).toBeNull();
  });

  it('copies own keys only, and "__proto__" as a plain key', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>;
    const copy = cloneJson(parsed);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(copy['ok']).toBe(1);
  });
});
