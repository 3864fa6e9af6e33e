/** A location inside the checked input: object keys and array indexes. */
export type StorageConfigPath = Array<string | number>;

/** One problem found in a storage option, with where it is. */
export interface StorageConfigIssue {
  path: StorageConfigPath;
  message: string;
  /** zod's issue code, e.g. `invalid_format`, `too_big`. */
  code: string;
}

/**
 * The closed set of codes a {@link StorageConfigError} carries. Codes are stable: hosts
 * match on them.
 */
export type StorageConfigErrorCode = 'invalid_table_prefix' | 'invalid_connection' | 'invalid_queue_options';

/**
 * Marks instances across bundled copies of this package: `instanceof` fails when a host
 * ends up with two copies, a registered symbol does not (the same scheme as core's
 * `PipewrightError`).
 */
const storageConfigErrorMarker = Symbol.for('pipewright.storage-config-error');

/**
 * A storage adapter was configured with an option it cannot use. Raised when the adapter
 * is set up, before any SQL is sent.
 *
 * @example
 * ```ts
 * try {
 *   tableNames('Pw-');
 * } catch (error) {
 *   if (StorageConfigError.is(error)) console.log(error.code, error.issues);
 * }
 * ```
 */
export class StorageConfigError extends Error {
  readonly code: StorageConfigErrorCode;
  /** Every problem found, not only the first. */
  readonly issues: readonly StorageConfigIssue[];

  constructor(code: StorageConfigErrorCode, message: string, issues: readonly StorageConfigIssue[]) {
    super(message);
    this.name = 'StorageConfigError';
    this.code = code;
    this.issues = issues;
    Object.defineProperty(this, storageConfigErrorMarker, { value: true });
  }

  /** True for any StorageConfigError, including one thrown by another copy of this package. */
  static is(value: unknown): value is StorageConfigError {
    return typeof value === 'object' && value !== null && storageConfigErrorMarker in value;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return StorageConfigError.is(value);
  }
}
