import type { z } from 'zod';

/** A location inside a JSON document: object keys and array indexes. */
export type JsonPath = Array<string | number>;

/** One problem found while validating input, with where it is. */
export interface ValidationIssue {
  path: JsonPath;
  message: string;
  /** zod's issue code, e.g. `invalid_type`, `too_small`. */
  code: string;
}

/** Renders a path as `$.nodes[2].config.url` for messages. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '$';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix: JsonPath = []): ValidationIssue[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment))],
    message: issue.message,
    code: issue.code,
  }));
}
