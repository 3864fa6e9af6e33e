import { PipewrightError } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import { dataTransformConfigSchema, dataTransformNode } from './data-transform';
import { nodeContext } from './test-context';

function run(rawConfig: unknown, input: unknown): unknown {
  return dataTransformNode.run(nodeContext(dataTransformConfigSchema.parse(rawConfig), input));
}

const order = {
  id: 'o-1',
  items: [
    { name: 'Widget', price: 12, qty: 3 },
    { name: 'Gadget', price: 5, qty: 1 },
  ],
};

describe('data.transform', () => {
  it('returns the value of the expression evaluated against the input', () => {
    expect(run({ expression: 'items[?price > `10`].{name: name, qty: qty}' }, order)).toEqual([{ name: 'Widget', qty: 3 }]);
    expect(run({ expression: 'length(items)' }, order)).toBe(2);
    expect(run({ expression: 'missing.field' }, order)).toBeNull();
  });

  it('does not mutate the input', () => {
    const before = structuredClone(order);
    run({ expression: 'sort_by(items, &price)' }, order);
    expect(order).toEqual(before);
  });

  it('rejects an invalid JMESPath expression with its path', () => {
    const parsed = dataTransformConfigSchema.safeParse({ expression: 'items[?price >' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([[['expression'], 'Not a valid JMESPath expression']]);
    expect(dataTransformConfigSchema.safeParse({ expression: '' }).error?.issues[0]?.path).toEqual(['expression']);
  });

  it('fails with expression_failed when evaluation fails', () => {
    const error: unknown = (() => {
      try {
        run({ expression: 'abs(name)' }, { name: 'text' });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(PipewrightError.is(error) && error.code).toBe('expression_failed');
  });

  it('declares a JSON sample output and no side effects', () => {
    expect(dataTransformNode.sideEffects).toBe(false);
    expect(JSON.parse(JSON.stringify(dataTransformNode.sampleOutput))).toEqual(dataTransformNode.sampleOutput);
  });
});
