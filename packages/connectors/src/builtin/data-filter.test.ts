import { describe, expect, it } from 'vitest';
import { dataFilterConfigSchema, dataFilterNode } from './data-filter';
import { nodeContext } from './test-context';

function run(rawConfig: unknown, input: unknown): unknown {
  return dataFilterNode.run(nodeContext(dataFilterConfigSchema.parse(rawConfig), input));
}

const rows = [
  { id: 1, status: 'active', amount: 10 },
  { id: 2, status: 'closed', amount: 0 },
  { id: 3, status: 'active', amount: 0 },
];

describe('data.filter', () => {
  it('keeps the items of the input for which the condition holds', () => {
    expect(run({ condition: "status == 'active'" }, rows)).toEqual([rows[0], rows[2]]);
  });

  it('filters config.items instead of the input when set', () => {
    expect(run({ items: rows, condition: 'amount > `5`' }, { unrelated: true })).toEqual([rows[0]]);
  });

  it('uses JMESPath truthiness: false, null, "", [] and {} drop an item, 0 keeps it', () => {
    const items = [{ v: false }, { v: null }, { v: '' }, { v: [] }, { v: {} }, {}, { v: 0 }, { v: 'x' }, { v: [0] }, { v: { a: null } }, { v: true }];
    expect(run({ items, condition: 'v' }, null)).toEqual([{ v: 0 }, { v: 'x' }, { v: [0] }, { v: { a: null } }, { v: true }]);
  });

  it('evaluates the condition with each item as @, including scalars', () => {
    expect(run({ condition: '@ > `2`' }, [1, 2, 3, 4])).toEqual([3, 4]);
  });

  it('does not mutate the input', () => {
    const before = structuredClone(rows);
    run({ condition: 'amount' }, rows);
    expect(rows).toEqual(before);
  });

  it('fails when there is no list to filter', () => {
    expect(() => run({ condition: 'a' }, { rows })).toThrow(/needs a list/);
  });

  it('rejects an invalid condition and non-array items with their paths', () => {
    const parsed = dataFilterConfigSchema.safeParse({ items: 'rows', condition: 'a ==' });
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([['items'], ['condition']]);
    expect(dataFilterConfigSchema.safeParse({}).error?.issues.map((issue) => issue.path)).toEqual([['condition']]);
  });
});
