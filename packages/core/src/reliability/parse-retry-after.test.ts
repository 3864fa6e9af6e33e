import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './parse-retry-after';

/** 1994-11-06T08:49:07Z, 30 s before the RFC's example date. */
const now = Date.UTC(1994, 10, 6, 8, 49, 7);

describe('parseRetryAfter', () => {
  describe('delay-seconds', () => {
    it.each([
      ['120', 120_000],
      ['0', 0],
      ['1', 1_000],
      ['  30 ', 30_000],
      ['007', 7_000],
    ])('%j → %d ms', (value, expected) => {
      expect(parseRetryAfter(value, now)).toBe(expected);
    });

    it('does not depend on now', () => {
      expect(parseRetryAfter('5', 0)).toBe(5_000);
    });

    it('caps an absurdly large value instead of overflowing', () => {
      expect(parseRetryAfter('9'.repeat(400), now)).toBe(Number.MAX_SAFE_INTEGER);
    });
  });

  describe('HTTP-date', () => {
    it('reads IMF-fixdate', () => {
      expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(30_000);
    });

    it('reads the obsolete RFC 850 form', () => {
      expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(30_000);
    });

    it('reads the obsolete asctime form, as UTC', () => {
      expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', now)).toBe(30_000);
      expect(parseRetryAfter('Sun Nov 16 08:49:37 1994', now)).toBe(10 * 86_400_000 + 30_000);
    });

    it('reads an RFC 850 year more than 50 years ahead as the past century (RFC 9110 §5.6.7)', () => {
      const in2030 = Date.UTC(2030, 0, 1);
      // 79 → 2079 is 49 years ahead: kept.
      expect(parseRetryAfter('Monday, 01-Jan-79 00:00:00 GMT', in2030)).toBe(Date.UTC(2079, 0, 1) - in2030);
      // 81 → 2081 is 51 years ahead: 1981, in the past.
      expect(parseRetryAfter('Thursday, 01-Jan-81 00:00:00 GMT', in2030)).toBeUndefined();
      // 31 → 2031 is next year.
      expect(parseRetryAfter('Wednesday, 01-Jan-31 00:00:00 GMT', in2030)).toBe(Date.UTC(2031, 0, 1) - in2030);
    });

    it('returns 0 for a date equal to now', () => {
      expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:07 GMT', now)).toBe(0);
    });

    it('accepts a leap second', () => {
      expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:60 GMT', now)).toBe(53_000);
    });

    it('returns undefined for a date in the past', () => {
      expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:06 GMT', now)).toBeUndefined();
    });
  });

  it.each([
    ['a negative delay', '-5'],
    ['a fraction', '1.5'],
    ['a signed delay', '+5'],
    ['an exponent', '1e3'],
    ['an empty value', ''],
    ['whitespace', '   '],
    ['a word', 'soon'],
    ['a list', '120, 120'],
    ['a lowercase date (HTTP-date is case-sensitive)', 'sun, 06 nov 1994 08:49:37 gmt'],
    ['a date without GMT', 'Sun, 06 Nov 1994 08:49:37'],
    ['a date in another zone', 'Sun, 06 Nov 1994 08:49:37 +0000'],
    ['an ISO timestamp', '1994-11-06T08:49:37Z'],
    ['a day the month does not have', 'Thu, 31 Apr 2099 08:49:37 GMT'],
    ['hour 24', 'Sun, 06 Nov 2099 24:00:00 GMT'],
    ['minute 60', 'Sun, 06 Nov 2099 08:60:00 GMT'],
    ['day 00', 'Sun, 00 Nov 2099 08:00:00 GMT'],
    ['a one-digit day in IMF-fixdate', 'Sun, 6 Nov 2099 08:49:37 GMT'],
    ['an unknown month', 'Sun, 06 Foo 2099 08:49:37 GMT'],
  ])('returns undefined for %s', (_label, value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
