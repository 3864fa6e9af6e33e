import { describe, expect, it } from 'vitest';
import { nextFires } from './next-fire';
import { scheduleConfigSchema } from './schedule-config';

function issuesOf(input: unknown): { path: PropertyKey[]; message: string }[] {
  const result = scheduleConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map(({ path, message }) => ({ path, message }));
}

describe('scheduleConfigSchema', () => {
  it('fills in the defaults: UTC, skip missed fires, one minute of grace', () => {
    expect(scheduleConfigSchema.parse({ cron: '0 * * * *' })).toEqual({
      cron: '0 * * * *',
      timezone: 'UTC',
      missed: { policy: 'skip' },
      graceMs: 60_000,
    });
  });

  it('defaults a catch-up to at most 10 fires', () => {
    expect(scheduleConfigSchema.parse({ cron: '0 * * * *', missed: { policy: 'catchUp' } }).missed).toEqual({ policy: 'catchUp', max: 10 });
  });

  it.each([
    ['60 * * * *', /60.*0-59/],
    ['0 0 30 2 *', /day of month/],
    ['* * *', /5 fields.*6.*has 3/],
    ['* * * * * * *', /has 7/],
    ['@reboot', /@reboot is not a known alias/],
  ])('reports %s at path cron, saying why', (cron, reason) => {
    const issues = issuesOf({ cron });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toEqual(['cron']);
    expect(issues[0]?.message).toMatch(reason);
  });

  it('rejects a zone Intl does not know, at path timezone', () => {
    const issues = issuesOf({ cron: '0 * * * *', timezone: 'Mars/Olympus_Mons' });
    expect(issues).toEqual([{ path: ['timezone'], message: expect.stringMatching(/time zone/) }]);
  });

  it('reports every problem at once, not the first only', () => {
    const paths = issuesOf({ cron: '99 * * * *', timezone: 'Nowhere', missed: { policy: 'catchUp', max: 0 }, graceMs: -1 }).map(({ path }) => path);
    expect(paths).toEqual(expect.arrayContaining([['cron'], ['timezone'], ['missed', 'max'], ['graceMs']]));
  });

  it('accepts a 6-field pattern whose first field is seconds', () => {
    const config = scheduleConfigSchema.parse({ cron: '*/20 * * * * *', timezone: 'Europe/Berlin' });
    expect(nextFires(config, Date.UTC(2025, 0, 1, 0, 0, 50), 3)).toEqual([
      Date.UTC(2025, 0, 1, 0, 1, 0),
      Date.UTC(2025, 0, 1, 0, 1, 20),
      Date.UTC(2025, 0, 1, 0, 1, 40),
    ]);
  });

  it('accepts cron-parser aliases such as @hourly', () => {
    const config = scheduleConfigSchema.parse({ cron: '@hourly' });
    expect(nextFires(config, Date.UTC(2025, 0, 1, 0, 30), 2)).toEqual([Date.UTC(2025, 0, 1, 1), Date.UTC(2025, 0, 1, 2)]);
  });
});
