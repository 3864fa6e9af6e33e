import { describe, expect, it } from 'vitest';
import { passesLuhn, piiKindSchema, piiPatterns, type PiiKind } from './pii-patterns';

function accepted(kind: PiiKind, text: string): string[] {
  const pattern = piiPatterns[kind];
  return [...text.matchAll(new RegExp(pattern.source, 'g'))].map((match) => match[0]).filter((match) => pattern.accepts(match));
}

describe('piiKindSchema', () => {
  it('accepts the known kinds only', () => {
    expect(piiKindSchema.options).toEqual(['email', 'cardNumber']);
    expect(piiKindSchema.safeParse('phone').success).toBe(false);
  });
});

describe('passesLuhn', () => {
  it.each(['4111111111111111', '5500 0000 0000 0004', '3782-822463-10005', '6011111111111117'])('accepts the test card %s', (card) => {
    expect(passesLuhn(card)).toBe(true);
  });

  it.each(['4111111111111112', '5500000000000005', '1234567812345678'])('rejects %s', (digits) => {
    expect(passesLuhn(digits)).toBe(false);
  });
});

describe('email pattern', () => {
  it('finds addresses with dots, plus tags and subdomains', () => {
    expect(accepted('email', 'to ann.lee+news@mail.example.co.uk, cc bob@example.com.')).toEqual(['ann.lee+news@mail.example.co.uk', 'bob@example.com']);
  });

  it('leaves handles, versions and paths alone', () => {
    expect(accepted('email', '@ann pinged; npm i zod@4.1.0; git@host; user@localhost')).toEqual([]);
  });
});

describe('card number pattern', () => {
  it('finds Luhn-valid numbers written plain, with spaces or with dashes', () => {
    expect(accepted('cardNumber', 'a 4111111111111111 b 5500 0000 0000 0004 c 3782-822463-10005 d')).toEqual([
      '4111111111111111',
      '5500 0000 0000 0004',
      '3782-822463-10005',
    ]);
  });

  it('finds each card in a space-separated list', () => {
    expect(accepted('cardNumber', '4111111111111111 5500000000000004')).toEqual(['4111111111111111', '5500000000000004']);
  });

  it('leaves Luhn-valid digits that are a timestamp, a phone number or decimals', () => {
    // Each of these digit strings passes Luhn; only its shape tells it from a card.
    expect(passesLuhn('1718000000006') && passesLuhn('4930123456786') && passesLuhn('5488135039273242')).toBe(true);
    expect(accepted('cardNumber', 'at 1718000000006 call +4930123456786 p=0.5488135039273242')).toEqual([]);
  });

  it('leaves digits inside longer words and numbers', () => {
    expect(accepted('cardNumber', 'tok_4111111111111111 94111111111111111 4111111111111111x')).toEqual([]);
  });
});
