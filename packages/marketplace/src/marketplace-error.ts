import type { JsonPath } from '@pipewright/core';

/**
 * The closed set of codes a {@link MarketplaceError} carries. Codes are stable: hosts
 * match on them.
 */
export type MarketplaceErrorCode = 'not_json';

/** Why a value has no JSON form. */
export type NotJsonReason =
  | 'undefined'
  | 'function'
  | 'symbol'
  | 'bigint'
  | 'non_finite_number'
  | 'lone_surrogate'
  | 'not_plain_object'
  | 'to_json_method'
  | 'circular';

/** One place in a value that has no JSON form. */
export interface NotJsonIssue {
  /** Where the problem is; `[]` is the value itself. */
  path: JsonPath;
  reason: NotJsonReason;
  message: string;
}

export interface MarketplaceErrorOptions {
  cause?: unknown;
  issues?: readonly NotJsonIssue[];
}

/**
 * Marks instances across bundled copies of this package: `instanceof` fails when a host
 * ends up with two copies, a registered symbol does not (the same scheme as core's
 * `PipewrightError`).
 */
const marketplaceErrorMarker = Symbol.for('pipewright.marketplace-error');

/**
 * An error raised by the marketplace.
 *
 * @example
 * ```ts
 * try {
 *   await contentHash({ publishedAt: new Date() });
 * } catch (error) {
 *   if (MarketplaceError.is(error) && error.code === 'not_json') console.log(error.issues);
 * }
 * ```
 */
export class MarketplaceError extends Error {
  readonly code: MarketplaceErrorCode;
  /** Every problem found, not only the first; empty when the code has no issue list. */
  readonly issues: readonly NotJsonIssue[];

  constructor(code: MarketplaceErrorCode, message: string, options: MarketplaceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MarketplaceError';
    this.code = code;
    this.issues = options.issues ?? [];
    Object.defineProperty(this, marketplaceErrorMarker, { value: true });
  }

  /** True for any MarketplaceError, including one thrown by another copy of this package. */
  static is(value: unknown): value is MarketplaceError {
    return typeof value === 'object' && value !== null && marketplaceErrorMarker in value;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return MarketplaceError.is(value);
  }
}
