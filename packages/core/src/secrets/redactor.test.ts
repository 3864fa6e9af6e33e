import { describe, expect, it } from 'vitest';
import { Redactor, redactedSecret } from './redactor';

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';

describe('Redactor: secrets', () => {
  const redactor = new Redactor({ secrets: [secret] });

  it('replaces the raw secret in a string', () => {
    expect(redactor.redactString(`calling with ${secret} now; again ${secret}`)).toBe('calling with [REDACTED] now; again [REDACTED]');
  });

  it('replaces secrets inside nested objects, arrays and object keys', () => {
    const value = { headers: [{ name: 'x-key', value: secret }], byToken: { [secret]: { note: `key=${secret}` } }, count: 2 };
    expect(redactor.redactValue(value)).toEqual({
      headers: [{ name: 'x-key', value: redactedSecret }],
      byToken: { [redactedSecret]: { note: 'key=[REDACTED]' } },
      count: 2,
    });
    expect(value.headers[0]?.value).toBe(secret);
  });

  it('replaces the base64 of the secret alone entirely', () => {
    expect(redactor.redactString(`token ${base64(secret)}.`)).toBe('token [REDACTED].');
  });

  it('replaces the secret inside a Basic auth header', () => {
    const header = `Basic ${base64(`user:${secret}`)}`;
    const redacted = redactor.redactString(header);
    // Left: the encoding of "user:" (at most 7 characters, the last shared with the secret) and at most one character plus padding after it.
    expect(redacted).toMatch(/^Basic [A-Za-z0-9+/]{0,7}\[REDACTED\][A-Za-z0-9+/]?=*$/);
  });

  it('replaces the secret at every offset inside longer base64 text', () => {
    for (const prefix of ['', 'a', 'ab', '{"apiKey":"']) {
      const encoded = base64(`${prefix}${secret}","region":"eu-west-1"}`);
      const [before, after, ...rest] = redactor.redactString(encoded).split(redactedSecret);
      expect(rest, prefix).toEqual([]);
      // Nothing but the characters spelling the prefix (plus one shared) before, and the suffix's own length after.
      expect(before?.length, prefix).toBeLessThanOrEqual(Math.ceil((prefix.length * 4) / 3) + 1);
      expect(after?.length, prefix).toBeLessThanOrEqual(base64('","region":"eu-west-1"}').length + 1);
    }
  });

  it('replaces the base64url form', () => {
    const urlSafeSecret = 'tok>>>???~~~>>>';
    const encoded = base64(urlSafeSecret).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    expect(encoded).toMatch(/[-_]/);
    expect(new Redactor({ secrets: [urlSafeSecret] }).redactString(`jwt.${encoded}.sig`)).toBe('jwt.[REDACTED].sig');
  });

  it('replaces the encodeURIComponent form inside a URL query string', () => {
    const urlSecret = 'p@ss/w0rd&key=1?';
    const url = `https://api.example.com/v1?token=${encodeURIComponent(urlSecret)}&page=2`;
    expect(new Redactor({ secrets: [urlSecret] }).redactString(url)).toBe('https://api.example.com/v1?token=[REDACTED]&page=2');
  });

  it('replaces the form-encoded form, with + for spaces', () => {
    const formSecret = "my pass (it's) 100%!";
    const body = new URLSearchParams({ user: 'ann', password: formSecret, remember: 'yes' }).toString();
    expect(body).toContain('+');
    expect(new Redactor({ secrets: [formSecret] }).redactString(body)).toBe('user=ann&password=[REDACTED]&remember=yes');
  });

  it('replaces the JSON-escaped form inside JSON.stringify output', () => {
    const jsonSecret = 'pa"ss\\word';
    const json = JSON.stringify({ auth: { password: jsonSecret }, ok: true });
    expect(new Redactor({ secrets: [jsonSecret] }).redactString(json)).toBe('{"auth":{"password":"[REDACTED]"},"ok":true}');
  });

  it('handles regex special characters in secrets as plain text', () => {
    const special = new Redactor({ secrets: ['a+b*c?(d)[e]$', 'x|y^z\\w{2}.'] });
    expect(special.redactString('1 a+b*c?(d)[e]$ 2 x|y^z\\w{2}. 3')).toBe('1 [REDACTED] 2 [REDACTED] 3');
    expect(special.redactString('aaabbbcd)e$ x y zww.')).toBe('aaabbbcd)e$ x y zww.');
  });

  it('removes both of two overlapping secrets completely', () => {
    const overlapping = new Redactor({ secrets: ['secret', 'supersecret!', 'abcdef12', 'cdef1234'] });
    expect(overlapping.redactString('supersecret! and secret')).toBe('[REDACTED] and [REDACTED]');
    // "abcdef12" ends where "cdef1234" has begun: one span covers both.
    expect(overlapping.redactString('<abcdef1234>')).toBe('<[REDACTED]>');
    expect(overlapping.redactString('<cdef1234abcdef12>')).toBe('<[REDACTED][REDACTED]>');
  });

  it('ignores secrets shorter than 4 characters', () => {
    const short = new Redactor({ secrets: ['abc', 'on', ''] });
    expect(short.active).toBe(false);
    expect(short.redactString('abc is on')).toBe('abc is on');
  });

  it('copies the secrets it is given', () => {
    const secrets = new Set(['first-secret']);
    const copied = new Redactor({ secrets });
    secrets.add('second-secret');
    expect(copied.redactString('first-secret second-secret')).toBe('[REDACTED] second-secret');
    expect(copied.withSecrets([]).redactString('first-secret second-secret')).toBe('[REDACTED] second-secret');
  });
});

describe('Redactor: copy-on-write', () => {
  const redactor = new Redactor({ secrets: [secret], pii: ['email'] });

  it('returns the same reference for clean data', () => {
    const clean = { items: [{ id: 1, name: 'widget', tags: ['a', 'b'] }], at: new Date(0), total: 2.5, paid: true, none: null };
    expect(redactor.redactValue(clean)).toBe(clean);
    expect(redactor.redactValue('nothing here')).toBe('nothing here');
  });

  it('copies only the path to a change and keeps untouched branches and class instances', () => {
    const untouched = { nested: ['x'] };
    const at = new Date(0);
    const value = { untouched, at, list: ['ok', `to ${secret}`] };
    const redacted = redactor.redactValue(value);
    expect(redacted).not.toBe(value);
    expect(redacted.untouched).toBe(untouched);
    expect(redacted.at).toBe(at);
    expect(redacted.list).toEqual(['ok', 'to [REDACTED]']);
    expect(value.list[1]).toBe(`to ${secret}`);
  });

  it('leaves class instances as they are, even with a secret inside', () => {
    class Holder {
      constructor(readonly value: string) {}
    }
    const holder = new Holder(secret);
    const redacted = redactor.redactValue({ holder, note: secret });
    expect(redacted.holder).toBe(holder);
    expect(redacted.note).toBe(redactedSecret);
  });

  it('keeps a "__proto__" key as a plain key', () => {
    const parsed = JSON.parse(`{"__proto__": {"polluted": "${secret}"}, "other": 1}`) as Record<string, unknown>;
    const redacted = redactor.redactValue(parsed);
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.keys(redacted)).toEqual(['__proto__', 'other']);
    expect(redacted['__proto__']).toEqual({ polluted: redactedSecret });
  });
});

describe('Redactor.none and withSecrets', () => {
  it('none is inactive and changes nothing', () => {
    const value = { password: 'hunter2-hunter2', mail: 'ann@example.com' };
    expect(Redactor.none.active).toBe(false);
    expect(Redactor.none.redactValue(value)).toBe(value);
    expect(Redactor.none.redactString('ann@example.com 4111111111111111')).toBe('ann@example.com 4111111111111111');
    expect(new Redactor().active).toBe(false);
  });

  it('withSecrets adds secrets, keeps PII kinds, and leaves the original unchanged', () => {
    const base = new Redactor({ secrets: ['first-secret'], pii: ['email'] });
    const more = base.withSecrets(['second-secret']);
    expect(more.redactString('first-secret second-secret ann@example.com')).toBe('[REDACTED] [REDACTED] [REDACTED:email]');
    expect(base.redactString('first-secret second-secret')).toBe('[REDACTED] second-secret');
    expect(Redactor.none.withSecrets(['some-secret']).active).toBe(true);
    expect(Redactor.none.active).toBe(false);
  });
});

describe('Redactor: PII', () => {
  const pii = new Redactor({ pii: ['email', 'cardNumber'] });

  it('replaces email addresses', () => {
    expect(pii.redactString('Mail ann.lee+news@mail.example.org or BOB@EXAMPLE.COM.')).toBe('Mail [REDACTED:email] or [REDACTED:email].');
  });

  it('replaces Luhn-valid card numbers, plain or with spaces or dashes', () => {
    expect(pii.redactString('cards: 4111111111111111, 5500 0000 0000 0004, 3782-822463-10005.')).toBe(
      'cards: [REDACTED:cardNumber], [REDACTED:cardNumber], [REDACTED:cardNumber].',
    );
  });

  it('leaves Luhn-invalid 16-digit numbers, order ids, timestamps and phone numbers', () => {
    const text = 'card 4111 1111 1111 1112, order 2024-0001-2345-6789, ORD-5500000000000005, at 1718000000006, call +4930123456786';
    expect(pii.redactString(text)).toBe(text);
  });

  it('applies only the kinds asked for', () => {
    const text = 'ann@example.com paid with 4111111111111111';
    expect(new Redactor({ secrets: [secret] }).redactString(text)).toBe(text);
    expect(new Redactor({ pii: ['email'] }).redactString(text)).toBe('[REDACTED:email] paid with 4111111111111111');
    expect(new Redactor({ pii: ['cardNumber'] }).redactString(text)).toBe('ann@example.com paid with [REDACTED:cardNumber]');
  });

  it('redacts secrets and PII in one pass, the secret winning where they overlap', () => {
    const both = new Redactor({ secrets: ['ann.lee'], pii: ['email'] });
    expect(both.redactString('ann.lee@example.com and bob@example.com')).toBe('[REDACTED] and [REDACTED:email]');
  });

  it('finds a secret inside a number that is not a card', () => {
    const digits = new Redactor({ secrets: ['00012345'], pii: ['cardNumber'] });
    expect(digits.redactString('order 4111111111000123456')).toBe('order 4111111111[REDACTED]6');
  });

  it('never loses a secret to a PII candidate at the same position', () => {
    const digits = new Redactor({ secrets: ['4111111111000123'], pii: ['cardNumber'] });
    expect(digits.redactString('ref 4111111111000123456')).toBe('ref [REDACTED]456');
  });

  it('stays linear on long runs of email-like and digit characters', () => {
    const started = performance.now();
    pii.redactString('a'.repeat(500_000));
    pii.redactString('4'.repeat(500_000));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('Redactor: many strings', () => {
  it('redacts thousands of strings with many secrets quickly', () => {
    const secrets = Array.from({ length: 50 }, (_, index) => `secret-value-${index}-${'x'.repeat(index % 7)}`);
    const redactor = new Redactor({ secrets, pii: ['email', 'cardNumber'] });
    const rows = Array.from({ length: 5_000 }, (_, index) => ({ id: index, name: `row ${index}`, note: index % 100 === 0 ? `uses ${secrets[index % 50]}` : 'plain text, nothing to hide' }));
    const started = performance.now();
    const redacted = redactor.redactValue(rows);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(redacted[0]?.note).toBe('uses [REDACTED]');
    expect(redacted[1]).toBe(rows[1]);
  });
});
