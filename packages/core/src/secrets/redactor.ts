import { piiPatterns, type PiiKind } from './pii-patterns';
import { secretVariants } from './secret-variants';

/** What a secret, in any of its encodings, is replaced with. */
export const redactedSecret = '[REDACTED]';

export interface RedactorOptions {
  /** Secret values to remove, with their base64, percent- and JSON-encoded forms. */
  secrets?: Iterable<string>;
  /** Kinds of personal data to remove as well. */
  pii?: readonly PiiKind[];
}

function escapeForRegExp(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * A plain object from this realm or another (a vm context, an iframe): its prototype is
 * null or is some realm's Object.prototype, whose own prototype is null. A Date, a Map
 * or a class instance has a prototype further down the chain.
 */
function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Assigning "__proto__" (a key JSON.parse does create) would replace the prototype instead.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Removes known secret values (and their encodings) and, when asked, personal data from
 * whatever the engine records: step outputs, logs, error messages, events.
 *
 * @example
 * ```ts
 * const redactor = new Redactor({ secrets: ['s3cr3t-token'], pii: ['email'] });
 * redactor.redactString('token=s3cr3t-token for ann@example.com');
 * // 'token=[REDACTED] for [REDACTED:email]'
 * ```
 */
export class Redactor {
  /** Redacts nothing; `active` is false. */
  static readonly none: Redactor = new Redactor();

  private readonly secrets: ReadonlySet<string>;
  private readonly variants: readonly string[];
  private readonly pii: readonly PiiKind[];
  private compiled: RegExp | undefined;
  private compiledSticky: ReadonlyArray<readonly [PiiKind, RegExp]> | undefined;

  constructor(options: RedactorOptions = {}) {
    // Copied now: the caller may go on changing the collection it passed.
    this.secrets = new Set(options.secrets ?? []);
    this.variants = [...new Set([...this.secrets].flatMap(secretVariants))];
    this.pii = [...new Set(options.pii ?? [])];
  }

  /** False when there is nothing to redact: callers skip the walk entirely. */
  get active(): boolean {
    return this.variants.length > 0 || this.pii.length > 0;
  }

  /** A redactor that also removes these secrets (this one is unchanged). */
  withSecrets(secrets: Iterable<string>): Redactor {
    return new Redactor({ secrets: [...this.secrets, ...secrets], pii: this.pii });
  }

  /**
   * One pattern for everything: a named group of all secret variants, then one group per
   * PII kind. Built on first use, as most redactors made per step never see a string.
   */
  private pattern(): RegExp {
    if (this.compiled !== undefined) return this.compiled;
    const alternatives: string[] = [];
    if (this.variants.length > 0) {
      // Longest first: at one position the longer variant wins (the padded base64 over
      // its unpadded prefix), so nothing of it is left behind.
      const literals = [...this.variants].sort((a, b) => b.length - a.length).map(escapeForRegExp);
      alternatives.push(`(?<secret>${literals.join('|')})`);
    }
    for (const kind of this.pii) alternatives.push(`(?<${kind}>${piiPatterns[kind].source})`);
    this.compiled = new RegExp(alternatives.join('|'), 'g');
    return this.compiled;
  }

  /** Each PII pattern on its own, to try at one position (sticky). */
  private stickyPii(): ReadonlyArray<readonly [PiiKind, RegExp]> {
    this.compiledSticky ??= this.pii.map((kind) => [kind, new RegExp(piiPatterns[kind].source, 'y')] as const);
    return this.compiledSticky;
  }

  /** Where a match's redaction ends and what replaces it; undefined when it is no match after all (a card number failing Luhn). */
  private redactionOf(match: RegExpExecArray, text: string): { end: number; replacement: string } | undefined {
    const groups = match.groups ?? {};
    let end = match.index + match[0].length;
    if (groups['secret'] !== undefined) {
      // Alternation stops at the first alternative that matches, so an email starting
      // with the secret would lose only that prefix: each PII kind is tried here as well.
      for (const [kind, sticky] of this.stickyPii()) {
        sticky.lastIndex = match.index;
        const pii = sticky.exec(text);
        if (pii !== null && piiPatterns[kind].accepts(pii[0])) end = Math.max(end, match.index + pii[0].length);
      }
      return { end, replacement: redactedSecret };
    }
    for (const kind of this.pii) {
      const pii = groups[kind];
      if (pii !== undefined) return piiPatterns[kind].accepts(pii) ? { end, replacement: `[REDACTED:${kind}]` } : undefined;
    }
    return undefined;
  }

  redactString(text: string): string {
    if (!this.active) return text;
    const pattern = this.pattern();
    pattern.lastIndex = 0;
    let result = '';
    let copiedUpTo = 0;
    // The span being redacted: overlapping matches join it rather than leaving a tail.
    let spanStart = 0;
    let spanEnd = -1;
    let spanReplacement = '';
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const start = match.index;
      // Search again from the next character, not from the end: a second secret that
      // overlaps this one (its suffix is the other's prefix) must be removed too.
      pattern.lastIndex = start + 1;
      const redaction = this.redactionOf(match, text);
      if (redaction === undefined) continue;
      const { end, replacement } = redaction;
      if (start < spanEnd) {
        spanEnd = Math.max(spanEnd, end);
        if (replacement !== spanReplacement) spanReplacement = redactedSecret;
        continue;
      }
      if (spanEnd >= 0) {
        result += text.slice(copiedUpTo, spanStart) + spanReplacement;
        copiedUpTo = spanEnd;
      }
      spanStart = start;
      spanEnd = end;
      spanReplacement = replacement;
    }
    if (spanEnd < 0) return text;
    return result + text.slice(copiedUpTo, spanStart) + spanReplacement + text.slice(spanEnd);
  }

  /**
   * Deep copy-on-write: strings inside plain objects/arrays (keys too) are redacted;
   * other values kept; returns the SAME reference when nothing changed (so no allocation
   * on clean data). Handles cycle-free JSON-like data; leaves class instances like Date
   * as they are. Should two keys redact to the same key, the later one's value is kept.
   */
  redactValue<T>(value: T): T {
    if (!this.active) return value;
    return this.redactUnknown(value) as T;
  }

  private redactUnknown(value: unknown): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return this.redactArray(value);
    if (isPlainObject(value)) return this.redactObject(value);
    return value;
  }

  private redactArray(array: readonly unknown[]): readonly unknown[] {
    let copy: unknown[] | undefined;
    for (let index = 0; index < array.length; index++) {
      const item: unknown = array[index];
      const redacted = this.redactUnknown(item);
      if (redacted === item) continue;
      copy ??= array.slice();
      copy[index] = redacted;
    }
    return copy ?? array;
  }

  private redactObject(object: Record<string, unknown>): Record<string, unknown> {
    const keys = Object.keys(object);
    let copy: Record<string, unknown> | undefined;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      const item = object[key];
      const redactedKey = this.redactString(key);
      const redacted = this.redactUnknown(item);
      if (copy === undefined) {
        if (redactedKey === key && redacted === item) continue;
        copy = Object.create(Object.getPrototypeOf(object) as object | null) as Record<string, unknown>;
        for (const earlier of keys.slice(0, index)) setOwn(copy, earlier, object[earlier]);
      }
      setOwn(copy, redactedKey, redacted);
    }
    return copy ?? object;
  }
}
