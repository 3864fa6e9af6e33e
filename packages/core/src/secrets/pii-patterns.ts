import { z } from 'zod';

/** The kinds of personal data a workflow can ask the engine to redact. */
export const piiKindSchema = z.enum(['email', 'cardNumber']);
export type PiiKind = z.infer<typeof piiKindSchema>;

/**
 * How one kind of personal data is found: a RegExp source (no capturing groups, so it can
 * be joined with others into one pattern) and a check a match must pass as well, for
 * what a regular expression cannot say.
 */
export interface PiiPattern {
  readonly source: string;
  accepts(match: string): boolean;
}

// Each pattern may start only where a token starts (the lookbehinds): inside a long run
// of matching characters every later position then fails at once, so a megabyte of
// base64 costs one pass, not one pass per character.

// Practical, not RFC 5322: a dot-atom local part of at most 64 characters and dotted
// domain labels ending in an alphabetic TLD. Labels each end at their dot, so the domain
// part cannot backtrack in more than one way.
const email = String.raw`(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-])`;

// 13 to 19 digits, single spaces or dashes allowed between them. The first digit is a
// payment card's major industry identifier (2 to 6): millisecond timestamps (1…) never
// match, whatever their check digit. Not after "+" (an E.164 phone number) nor after "."
// (the decimals of a float such as Math.random()), not inside a longer word or number.
const cardNumber = String.raw`(?<![0-9A-Za-z_.+])[2-6](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_]|\.[0-9])`;

/** The Luhn (mod 10) check digit test every payment card number passes; separators are skipped. */
export function passesLuhn(text: string): boolean {
  let sum = 0;
  let doubled = false;
  for (let index = text.length - 1; index >= 0; index--) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) continue;
    if (doubled) sum += digit > 4 ? digit * 2 - 9 : digit * 2;
    else sum += digit;
    doubled = !doubled;
  }
  return sum % 10 === 0;
}

/**
 * The pattern of each PII kind. A card number is only redacted when its digits pass the
 * Luhn check: nine in ten order ids, phone numbers and other long numbers fail it.
 *
 * @example
 * ```ts
 * const card = new RegExp(piiPatterns.cardNumber.source).exec('paid with 4111 1111 1111 1111');
 * card !== null && piiPatterns.cardNumber.accepts(card[0]); // true
 * ```
 */
export const piiPatterns: Readonly<Record<PiiKind, PiiPattern>> = {
  email: { source: email, accepts: () => true },
  cardNumber: { source: cardNumber, accepts: passesLuhn },
};
