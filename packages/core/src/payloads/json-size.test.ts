import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSizeBound } from './json-size';

const encoder = new TextEncoder();
const exactSize = (value: unknown): number => encoder.encode(JSON.stringify(value) ?? '').byteLength;

describe('jsonSizeBound', () => {
  it('is never below the exact UTF-8 size of the JSON', () => {
    const values = fc.oneof(
      fc.jsonValue(),
      fc.object({
        withNullPrototype: true,
        withBoxedValues: false,
        withMap: false,
        withSet: false,
        withTypedArray: true,
        withSparseArray: true,
        withDate: true,
        withObjectString: false,
        withBigInt: false,
      }),
      fc.string({ unit: 'binary' }),
      fc.array(fc.string({ unit: 'grapheme-composite' })),
      // Long enough for the closer look at long strings, with every kind of character around it.
      fc.string({ minLength: 257, maxLength: 400, unit: fc.constantFrom('a', '"', '\\', '\n', '\t', '\r', '\u0001', '\u007f', 'é', '€', '\ud800', '😀') }),
    );
    fc.assert(
      fc.property(values, (value) => {
        expect(jsonSizeBound(value, Number.MAX_SAFE_INTEGER)).toBeGreaterThanOrEqual(exactSize(value));
      }),
      { numRuns: 300 },
    );
  });

  it('counts escapes, lone surrogates and control characters at their worst', () => {
    for (const text of ['\u0000\u0001\u001f', '\ud800', '"\\', '\u2028é😀']) {
      expect(jsonSizeBound(text, 1_000)).toBeGreaterThanOrEqual(exactSize(text));
    }
  });

  it('bounds long plain text at 2 bytes a character, and other long strings at 6', () => {
    const text = 'line "one" \\ two\n\ttab\r'.repeat(2_000);
    expect(jsonSizeBound(text, Number.MAX_SAFE_INTEGER)).toBe(text.length * 2 + 2);
    expect(jsonSizeBound(text, Number.MAX_SAFE_INTEGER)).toBeGreaterThanOrEqual(exactSize(text));
    for (const other of ['\u0001'.repeat(1_000), 'é'.repeat(1_000), '\ud800'.repeat(1_000), `${'x'.repeat(999)}\u2028`]) {
      expect(jsonSizeBound(other, Number.MAX_SAFE_INTEGER)).toBe(other.length * 6 + 2);
      expect(jsonSizeBound(other, Number.MAX_SAFE_INTEGER)).toBeGreaterThanOrEqual(exactSize(other));
    }
  });

  it('follows toJSON as JSON.stringify does', () => {
    const date = new Date(0);
    expect(jsonSizeBound({ at: date }, 1_000)).toBeGreaterThanOrEqual(exactSize({ at: date }));
    expect(jsonSizeBound({ toJSON: () => 'x'.repeat(500) }, 1_000)).toBeGreaterThanOrEqual(502);
  });

  it('stops soon after the limit on a large value', () => {
    const items = Array.from({ length: 200_000 }, (_, index) => ({ index, name: `item ${index}` }));
    let visited = 0;
    const counting = new Proxy(items, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) visited++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    expect(jsonSizeBound(counting, 10_000)).toBeGreaterThan(10_000);
    expect(visited).toBeLessThan(200);
  });

  it('reports a cycle or a very deep value as over the limit instead of looping', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(jsonSizeBound(cycle, 1_000_000)).toBeGreaterThan(1_000_000);
    const object: Record<string, unknown> = {};
    object['self'] = object;
    expect(jsonSizeBound(object, 1_000_000)).toBeGreaterThan(1_000_000);
  });

  it('is small for small values', () => {
    expect(jsonSizeBound({ n: 1 }, 262_144)).toBe(13);
    expect(jsonSizeBound([-12, 999_999, 1_000_000, 0.5], 262_144)).toBe(6 + 3 + 6 + 24 + 24);
    expect(jsonSizeBound(null, 10)).toBe(4);
    expect(jsonSizeBound(undefined, 10)).toBe(4);
  });
});
