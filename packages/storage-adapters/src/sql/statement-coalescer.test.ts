import { describe, expect, it } from 'vitest';
import { ItemFailure, StatementCoalescer } from './statement-coalescer';

/** A lane whose statements take until `release()`; it records what each statement held. */
function recordingLane(options: { maxBatch?: number; failBatch?: (inputs: readonly number[]) => boolean; failItem?: (input: number) => boolean } = {}) {
  const statements: number[][] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const statement = async (inputs: readonly number[]): Promise<void> => {
    statements.push([...inputs]);
    await gate;
  };
  const lane = new StatementCoalescer<number, number>({
    maxBatch: options.maxBatch ?? 64,
    writeOne: async (input) => {
      await statement([input]);
      if (options.failItem?.(input)) throw new Error(`item ${input}`);
      return input * 10;
    },
    writeBatch: async (inputs) => {
      await statement(inputs);
      if (options.failBatch?.(inputs)) throw new Error('batch');
      return inputs.map((input) => (options.failItem?.(input) ? new ItemFailure(new Error(`item ${input}`)) : input * 10));
    },
  });
  return {
    lane,
    statements,
    open: () => {
      release();
      gate = Promise.resolve();
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('StatementCoalescer', () => {
  it('writes an input at once when idle, and gathers what arrives meanwhile into the next statement', async () => {
    const { lane, statements, open } = recordingLane();
    const first = lane.submit('a', 1);
    await tick();
    const rest = [2, 3, 4].map((n) => lane.submit(String(n), n));
    await tick();
    expect(statements).toEqual([[1]]);
    open();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(statements).toEqual([[1], [2, 3, 4]]);
  });

  it('never puts two inputs with one key in a statement, and keeps their order', async () => {
    const { lane, statements, open } = recordingLane();
    const results = [lane.submit('run', 1), lane.submit('run', 2), lane.submit('other', 3), lane.submit(undefined, 4), lane.submit(undefined, 5)];
    open();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(statements).toEqual([[1, 3, 4, 5], [2]]);
  });

  it('holds at most maxBatch inputs per statement', async () => {
    const { lane, statements, open } = recordingLane({ maxBatch: 2 });
    const results = [1, 2, 3, 4, 5].map((n) => lane.submit(undefined, n));
    open();
    await Promise.all(results);
    expect(statements).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('writes each input of a failed batch alone, so that only the bad one fails', async () => {
    const { lane, statements, open } = recordingLane({ failBatch: () => true, failItem: (n) => n === 2 });
    open();
    const results = await Promise.allSettled([1, 2, 3].map((n) => lane.submit(undefined, n)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(statements).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('rejects only the input a batch answers with an ItemFailure', async () => {
    const { lane, open } = recordingLane({ failItem: (n) => n === 3 });
    open();
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => lane.submit(undefined, n)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('item 3'));
  });

  it('starts again after going idle', async () => {
    const { lane, statements, open } = recordingLane();
    open();
    expect(await lane.submit(undefined, 1)).toBe(10);
    expect(await lane.submit(undefined, 2)).toBe(20);
    expect(statements).toEqual([[1], [2]]);
  });
});
