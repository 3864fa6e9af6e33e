import { describe, expect, it } from 'vitest';
import { cronPatternProblem, parseCronPattern } from './cron-pattern';

describe('parseCronPattern', () => {
  it('gives a hashed (H) field the same value in every parse, so all workers agree on fire times', () => {
    const first = parseCronPattern('H H * * *').stringify();
    for (let i = 0; i < 5; i++) expect(parseCronPattern('H H * * *').stringify()).toBe(first);
  });

  it('ignores surrounding white space when counting fields', () => {
    expect(cronPatternProblem('  0 9 * * 1-5 ')).toBeUndefined();
  });
});
