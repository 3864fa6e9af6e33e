import { describe, expect, it } from 'vitest';
import { secretVariants } from './secret-variants';

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function base64Url(text: string): string {
  return base64(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** True when some variant occurs in the text. */
function found(secret: string, text: string): boolean {
  return secretVariants(secret).some((variant) => text.includes(variant));
}

describe('secretVariants', () => {
  it('starts with the secret itself', () => {
    expect(secretVariants('hunter2!')[0]).toBe('hunter2!');
  });

  it('gives nothing for secrets shorter than 4 characters', () => {
    expect(secretVariants('')).toEqual([]);
    expect(secretVariants('abc')).toEqual([]);
    expect(secretVariants('abcd')).toContain('abcd');
  });

  it('has no duplicates', () => {
    const variants = secretVariants('plain-token-1234');
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('includes the whole base64 and base64url encodings', () => {
    const secret = 'tok>>>???~~~';
    expect(base64(secret)).toMatch(/[+/]/);
    expect(secretVariants(secret)).toEqual(expect.arrayContaining([base64(secret), base64Url(secret)]));
  });

  it('finds the secret at every byte offset inside longer base64 text', () => {
    const secret = 'sk_live_51Hx9qZ';
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:', '{"key":"']) {
      for (const suffix of ['', '"', '"}', '\n\n\n']) {
        expect(found(secret, base64(prefix + secret + suffix)), `${prefix}…${suffix}`).toBe(true);
        expect(found(secret, base64Url(prefix + secret + suffix)), `url ${prefix}…${suffix}`).toBe(true);
      }
    }
  });

  it('encodes the secret as UTF-8 bytes for base64', () => {
    expect(found('pässwörd-ü', base64('x:pässwörd-ü'))).toBe(true);
  });

  it('drops base64 fragments shorter than 8 characters', () => {
    // A 4-byte secret spells 5 determined characters at offset 0: too short to keep.
    const variants = secretVariants('abcd');
    expect(variants).toContain(base64('abcd'));
    expect(variants.filter((variant) => /^[A-Za-z0-9+/_-]+=*$/.test(variant) && variant !== 'abcd').every((variant) => variant.length >= 8)).toBe(true);
  });

  it('includes the percent-encoded forms', () => {
    const secret = "p@ss wörd!(x)~'";
    const variants = secretVariants(secret);
    expect(variants).toContain(encodeURIComponent(secret));
    expect(variants).toContain(new URLSearchParams({ k: secret }).toString().slice(2));
    expect(variants).toContain(encodeURIComponent(secret).replaceAll('%20', '+'));
    // Some encoders write the hex digits in lower case.
    expect(variants).toContain(encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  });

  it('includes the JSON-escaped form', () => {
    const secret = 'a"b\\c/d\n';
    const variants = secretVariants(secret);
    expect(variants).toContain(JSON.stringify(secret).slice(1, -1));
    expect(variants).toContain('a\\"b\\\\c\\/d\\n');
  });

  it('skips percent forms of a secret with a lone surrogate instead of throwing', () => {
    expect(secretVariants('abc\uD800def')).toContain('abc\uD800def');
  });
});
