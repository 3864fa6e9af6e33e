const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const month = months.join('|');
const shortDay = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const longDay = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';

// The three HTTP-date forms a recipient must accept (RFC 9110 §5.6.7). They are
// case-sensitive, and Date.parse is not used: it reads asctime as local time and its
// leniency differs between JavaScript engines.
/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const imfFixdate = new RegExp(`^(?:${shortDay}), (\\d{2}) (${month}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const rfc850Date = new RegExp(`^(?:${longDay}), (\\d{2})-(${month})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
/** `Sun Nov  6 08:49:37 1994` */
const asctimeDate = new RegExp(`^(?:${shortDay}) (${month}) (\\d{2}| \\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})$`);

/**
 * How long a `Retry-After` header (RFC 9110 §10.2.3) asks the client to wait, in
 * milliseconds from `now`: delay-seconds (`120`) or an HTTP-date. Returns `undefined`
 * for a value that is neither, and for a date in the past.
 *
 * @example
 * ```ts
 * parseRetryAfter('120', Date.now()); // 120_000
 * parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 7)); // 30_000
 * ```
 */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  const date = parseHttpDate(text, now);
  if (date === undefined) return undefined;
  const delayMs = date - now;
  return delayMs >= 0 ? delayMs : undefined;
}

function parseHttpDate(text: string, now: number): number | undefined {
  let match = imfFixdate.exec(text);
  if (match !== null) {
    const [, day, mon, year, hour, minute, second] = match;
    return utc(Number(year), mon, Number(day), Number(hour), Number(minute), Number(second));
  }
  match = rfc850Date.exec(text);
  if (match !== null) {
    const [, day, mon, year, hour, minute, second] = match;
    return utc(fullYear(Number(year), now), mon, Number(day), Number(hour), Number(minute), Number(second));
  }
  match = asctimeDate.exec(text);
  if (match !== null) {
    const [, mon, day, hour, minute, second, year] = match;
    return utc(Number(year), mon, Number(day), Number(hour), Number(minute), Number(second));
  }
  return undefined;
}

/**
 * A two-digit rfc850 year: RFC 9110 §5.6.7 reads one that appears more than 50 years
 * in the future as the most recent past year with the same last two digits.
 */
function fullYear(twoDigits: number, now: number): number {
  const currentYear = new Date(now).getUTCFullYear();
  const year = currentYear - (currentYear % 100) + twoDigits;
  if (year > currentYear + 50) return year - 100;
  if (year <= currentYear - 50) return year + 100;
  return year;
}

function utc(year: number, monthName: string | undefined, day: number, hour: number, minute: number, second: number): number | undefined {
  const monthIndex = months.findIndex((name) => name === monthName);
  // Second 60 is a leap second, which the grammar allows.
  if (monthIndex < 0 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  // Date.UTC rolls 31 Apr over into May; a day the month does not have is invalid.
  if (new Date(Date.UTC(year, monthIndex, day)).getUTCMonth() !== monthIndex) return undefined;
  return Date.UTC(year, monthIndex, day, hour, minute, second);
}
