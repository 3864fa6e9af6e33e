import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { MarketplaceError } from './marketplace-error';

/** The IEEE 754 double with the given bit pattern, as RFC 8785 Appendix B lists them. */
function double(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

function rejection(value: unknown): MarketplaceError {
  try {
    canonicalJson(value);
  } catch (error) {
    if (MarketplaceError.is(error)) return error;
    throw error;
  }
  throw new Error('Expected the value to be rejected');
}

describe('canonicalJson: RFC 8785 canonical form', () => {
  it('writes the RFC 8785 section 3.2.4 example exactly', () => {
    const input = JSON.parse(
      '{ "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false] }',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // U+1F600 is the pair D83D DE00, so it sorts before U+FB33 although its code point is larger.
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts integer-like keys as strings, not in JavaScript property order', () => {
    expect(canonicalJson({ b: 1, 10: 2, 9: 3, a: 4, B: 5 })).toBe('{"10":2,"9":3,"B":5,"a":4,"b":1}');
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('writes the double 0x%s as %s (RFC 8785 Appendix B)', (bits, expected) => {
    expect(canonicalJson(double(bits))).toBe(expected);
  });

  it('writes 1e30 as 1e+30 and -0 as 0', () => {
    expect(canonicalJson([1e30, -0, 4.5, 1e-7, 100])).toBe('[1e+30,0,4.5,1e-7,100]');
  });

  it('escapes only what JSON requires, in lower-case hex', () => {
    expect(canonicalJson('\u001f\u007f\t"é/')).toBe('"\\u001f\u007f\\t\\"é/"');
  });

  it('keeps array order and drops no whitespace inside strings', () => {
    expect(canonicalJson({ list: [3, 1, 2], text: ' a  b ' })).toBe('{"list":[3,1,2],"text":" a  b "}');
  });

  it('leaves out object properties whose value is undefined', () => {
    expect(canonicalJson({ a: 1, b: undefined, c: { d: undefined } })).toBe('{"a":1,"c":{}}');
  });

  it('accepts a value shared by two branches, which is not a cycle', () => {
    const shared = { id: 'x' };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"id":"x"},"b":[{"id":"x"}]}');
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { z: 1, a: 2 });
    expect(canonicalJson(bare)).toBe('{"a":2,"z":1}');
  });
});

describe('canonicalJson: values that are not JSON', () => {
  it.each([
    ['undefined', undefined, 'undefined'],
    ['a function', () => 1, 'function'],
    ['a symbol', Symbol('s'), 'symbol'],
    ['a BigInt', 10n, 'bigint'],
    ['NaN', Number.NaN, 'non_finite_number'],
    ['Infinity', Number.POSITIVE_INFINITY, 'non_finite_number'],
    ['-Infinity', Number.NEGATIVE_INFINITY, 'non_finite_number'],
    ['a lone surrogate', 'a\ud800b', 'lone_surrogate'],
    ['a Date', new Date(0), 'not_plain_object'],
    ['a Map', new Map([['a', 1]]), 'not_plain_object'],
    ['a class instance', new (class Point { x = 1 })(), 'not_plain_object'],
    ['an object with toJSON', { toJSON: () => 'x' }, 'to_json_method'],
  ])('rejects %s at the top level', (_label, value, reason) => {
    const error = rejection(value);
    expect(error.code).toBe('not_json');
    expect(error.issues).toEqual([expect.objectContaining({ path: [], reason })]);
    expect(error.message).toMatch(/^Value is not JSON: \$: /);
  });

  it('rejects a cycle and says where it closes', () => {
    const node: { name: string; children: unknown[] } = { name: 'root', children: [] };
    node.children.push({ parent: node });
    const error = rejection(node);
    expect(error.issues).toEqual([{ path: ['children', 0, 'parent'], reason: 'circular', message: 'The value contains itself' }]);
    expect(error.message).toContain('$.children[0].parent');
  });

  it('rejects undefined elements and holes in arrays, which JSON.stringify turns into null', () => {
    // eslint-disable-next-line no-sparse-arrays
    const error = rejection([1, undefined, , 4]);
    expect(error.issues.map((issue) => issue.path)).toEqual([[1], [2]]);
  });

  it('rejects function-valued properties, which JSON.stringify drops silently', () => {
    expect(rejection({ run: () => 1 }).issues).toEqual([expect.objectContaining({ path: ['run'], reason: 'function' })]);
  });

  it('rejects a key with a lone surrogate', () => {
    expect(rejection({ ['\udc00']: 1 }).issues).toEqual([expect.objectContaining({ path: ['\udc00'], reason: 'lone_surrogate' })]);
  });

  it('lists every problem with its path, and names the first five in the message', () => {
    const error = rejection({
      a: Number.NaN,
      b: { c: 1n },
      list: [new Set(), () => 0],
      'odd key': Number.POSITIVE_INFINITY,
      e: Symbol('e'),
      f: undefined,
      g: [undefined],
    });
    expect(error.issues.map((issue) => [issue.path, issue.reason])).toEqual([
      [['a'], 'non_finite_number'],
      [['b', 'c'], 'bigint'],
      [['list', 0], 'not_plain_object'],
      [['list', 1], 'function'],
      [['odd key'], 'non_finite_number'],
      [['e'], 'symbol'],
      [['g', 0], 'undefined'],
    ]);
    expect(error.message).toContain('$.a: NaN is not a JSON number');
    expect(error.message).toContain('$["odd key"]: Infinity is not a JSON number');
    expect(error.message).toContain('$.list[0]: A Set object is not JSON');
    expect(error.message).not.toContain('$.e');
    expect(error.message).toMatch(/; and 2 more$/);
  });
});
