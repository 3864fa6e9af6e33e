import canonicalize from 'canonicalize';
import { formatJsonPath } from '@pipewright/core';
import { findJsonIssues } from './json-issues';
import { MarketplaceError, type NotJsonIssue } from './marketplace-error';

/** How many issues the error message spells out; `error.issues` always has all of them. */
const issuesInMessage = 5;

function notJsonError(issues: readonly NotJsonIssue[]): MarketplaceError {
  const shown = issues.slice(0, issuesInMessage).map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`);
  const more = issues.length > issuesInMessage ? `; and ${issues.length - issuesInMessage} more` : '';
  return new MarketplaceError('not_json', `Value is not JSON: ${shown.join('; ')}${more}`, { issues });
}

/**
 * Serialises a JSON value in its RFC 8785 (JSON Canonicalization Scheme) form: no
 * whitespace, object keys sorted by UTF-16 code units, numbers and strings written as
 * ECMAScript's `JSON.stringify` writes them. Two values that are equal as JSON give the
 * same text, whatever the key order or formatting they came with.
 *
 * Object properties whose value is `undefined` are left out; everything else without a
 * JSON form is rejected (see {@link contentHash}).
 *
 * @throws {MarketplaceError} with code `not_json` and every offending path in `issues`.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [1e30, -0], a: 'x' }); // '{"a":"x","b":[1e+30,0]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  const issues = findJsonIssues(value);
  if (issues.length > 0) throw notJsonError(issues);
  const text = canonicalize(value);
  // Unreachable after the check above (the library returns undefined only for undefined,
  // functions and symbols); it narrows the library's `string | undefined`.
  if (text === undefined) throw notJsonError([{ path: [], reason: 'undefined', message: 'undefined is not JSON' }]);
  return text;
}
