import { formatJsonPath } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import { dataSetConfigSchema, dataSetNode } from './data-set';
import { nodeContext } from './test-context';

function run(rawConfig: unknown, input: unknown): unknown {
  return dataSetNode.run(nodeContext(dataSetConfigSchema.parse(rawConfig), input));
}

/** Issues as `path: message`, the way the compiler reports them. */
function issuesOf(rawConfig: unknown): string[] {
  const parsed = dataSetConfigSchema.safeParse(rawConfig);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${formatJsonPath(issue.path as (string | number)[])}: ${issue.message}`);
}

describe('data.set', () => {
  it('sets a top-level field on a copy of the input', () => {
    expect(run({ operations: [{ op: 'set', path: 'status', value: 'active' }] }, { id: 1 })).toEqual({ id: 1, status: 'active' });
  });

  it('creates intermediate objects and arrays for a nested path', () => {
    const output = run({ operations: [{ op: 'set', path: 'customer.address.lines[1].text', value: 'Flat 2' }] }, { id: 1 });
    expect(output).toEqual({ id: 1, customer: { address: { lines: [null, { text: 'Flat 2' }] } } });
  });

  it('writes into existing nested objects and arrays', () => {
    const input = { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }] };
    expect(run({ operations: [{ op: 'set', path: 'items[1].qty', value: 5 }] }, input)).toEqual({
      items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }],
    });
  });

  it('replaces a scalar that is in the way of a nested path', () => {
    expect(run({ operations: [{ op: 'set', path: 'a.b', value: 1 }] }, { a: 'text' })).toEqual({ a: { b: 1 } });
  });

  it('renames a field, also across levels, and ignores a missing source', () => {
    const config = {
      operations: [
        { op: 'rename', from: 'email', to: 'contact.email' },
        { op: 'rename', from: 'missing', to: 'other' },
      ],
    };
    expect(run(config, { id: 1, email: 'ada@example.com' })).toEqual({ id: 1, contact: { email: 'ada@example.com' } });
  });

  it('removes fields and array elements, and ignores missing paths', () => {
    const config = {
      operations: [
        { op: 'remove', path: 'secret' },
        { op: 'remove', path: 'tags[0]' },
        { op: 'remove', path: 'nope.deeper' },
      ],
    };
    expect(run(config, { id: 1, secret: 'x', tags: ['a', 'b'] })).toEqual({ id: 1, tags: ['b'] });
  });

  it('applies operations in order', () => {
    const config = {
      operations: [
        { op: 'set', path: 'a', value: 1 },
        { op: 'rename', from: 'a', to: 'b' },
        { op: 'set', path: 'a', value: 2 },
        { op: 'remove', path: 'b' },
      ],
    };
    expect(run(config, {})).toEqual({ a: 2 });
  });

  it('starts from {} when keepInput is false or the input is not an object', () => {
    const operations = [{ op: 'set', path: 'x', value: true }];
    expect(run({ operations, keepInput: false }, { id: 1 })).toEqual({ x: true });
    expect(run({ operations }, [1, 2])).toEqual({ x: true });
    expect(run({ operations }, 'text')).toEqual({ x: true });
    expect(run({ operations }, null)).toEqual({ x: true });
  });

  it('defaults keepInput to true', () => {
    expect(dataSetConfigSchema.parse({ operations: [{ op: 'remove', path: 'a' }] }).keepInput).toBe(true);
  });

  it('never mutates the input', () => {
    const input = { id: 1, nested: { keep: true, drop: 1 }, list: [{ n: 1 }] };
    const before = structuredClone(input);
    const output = run(
      {
        operations: [
          { op: 'set', path: 'nested.added', value: 1 },
          { op: 'remove', path: 'nested.drop' },
          { op: 'set', path: 'list[0].n', value: 2 },
          { op: 'rename', from: 'id', to: 'key' },
        ],
      },
      input,
    );
    expect(input).toEqual(before);
    expect(output).toEqual({ key: 1, nested: { keep: true, added: 1 }, list: [{ n: 2 }] });
  });

  it('does not share set values between the output and the config', () => {
    const config = dataSetConfigSchema.parse({ operations: [{ op: 'set', path: 'a', value: { n: 1 } }] });
    const output = dataSetNode.run(nodeContext(config, {})) as { a: { n: number } };
    output.a.n = 2;
    expect(config.operations[0]).toEqual({ op: 'set', path: 'a', value: { n: 1 } });
  });

  it('fails with the path when a key meets an array or an index meets an object', () => {
    expect(() => run({ operations: [{ op: 'set', path: 'list.name', value: 1 }] }, { list: [] })).toThrow(/not an object/);
    expect(() => run({ operations: [{ op: 'set', path: 'obj[0]', value: 1 }] }, { obj: {} })).toThrow(/not an array/);
  });

  it.each(['__proto__', 'prototype', 'constructor'])('rejects the prototype segment %s anywhere in a path', (segment) => {
    expect(
      issuesOf({
        operations: [
          { op: 'set', path: `${segment}.polluted`, value: true },
          { op: 'rename', from: 'a', to: `a.${segment}` },
          { op: 'remove', path: `a[0].${segment}` },
        ],
      }),
    ).toEqual([
      `$.operations[0].path: Path segment "${segment}" is not allowed: it reaches the object prototype`,
      `$.operations[1].to: Path segment "${segment}" is not allowed: it reaches the object prototype`,
      `$.operations[2].path: Path segment "${segment}" is not allowed: it reaches the object prototype`,
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rejects malformed paths, huge indexes and unknown operations with their paths', () => {
    expect(
      issuesOf({
        operations: [
          { op: 'set', path: 'a..b', value: 1 },
          { op: 'set', path: 'a[x]', value: 1 },
          { op: 'remove', path: '' },
          { op: 'set', path: 'a[10000]', value: 1 },
          { op: 'copy', path: 'a' },
        ],
      }),
    ).toEqual([
      '$.operations[0].path: Expected a dot path such as "a.b[0].c"',
      '$.operations[1].path: Expected a dot path such as "a.b[0].c"',
      '$.operations[2].path: Expected a dot path such as "a.b[0].c"',
      '$.operations[3].path: Array index 10000 is above the limit of 9999',
      expect.stringMatching(/^\$\.operations\[4\]\.op: /),
    ]);
  });

  it('requires at least one operation and a value for set', () => {
    expect(issuesOf({ operations: [] })).toEqual([expect.stringMatching(/^\$\.operations: /)]);
    expect(issuesOf({ operations: [{ op: 'set', path: 'a' }] })).toEqual([expect.stringMatching(/^\$\.operations\[0\]\.value: /)]);
  });
});

describe('data.set copies only what it changes', () => {
  it('shares untouched subtrees with the input and copies the containers on a changed path', () => {
    const input = { items: [1, 2, 3], customer: { address: { city: 'Oslo' }, tags: ['a'] }, other: { x: 1 } };
    const snapshot = structuredClone(input);
    const output = run(
      { operations: [{ op: 'set', path: 'customer.address.zip', value: '0150' }, { op: 'remove', path: 'customer.tags[0]' }] },
      input,
    ) as typeof input & { customer: { address: { zip: string } } };
    expect(output.items).toBe(input.items);
    expect(output.other).toBe(input.other);
    expect(output.customer).not.toBe(input.customer);
    expect(output.customer.address).not.toBe(input.customer.address);
    expect(output.customer.address).toEqual({ city: 'Oslo', zip: '0150' });
    expect(output.customer.tags).toEqual([]);
    expect(input).toEqual(snapshot);
  });

  it('copies a container once even when several operations change it', () => {
    const input = { a: { b: 1, c: 2 } };
    const output = run(
      { operations: [{ op: 'set', path: 'a.b', value: 10 }, { op: 'rename', from: 'a.c', to: 'a.d' }] },
      input,
    ) as { a: Record<string, unknown> };
    expect(output.a).toEqual({ b: 10, d: 2 });
    expect(input).toEqual({ a: { b: 1, c: 2 } });
  });
});
