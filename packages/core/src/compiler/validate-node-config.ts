import type { z } from 'zod';
import { hasTemplate } from '../expressions/template';
import { fromZodIssues, type ValidationIssue } from '../model/validation-issue';

/** Whether the value at `path`, or a value on the way there, is a string with a template. */
function isTemplatedAt(config: unknown, path: readonly (string | number)[]): boolean {
  let current: unknown = config;
  for (const segment of path) {
    if (typeof current === 'string') return hasTemplate(current);
    if (typeof current !== 'object' || current === null) return false;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return typeof current === 'string' && hasTemplate(current);
}

export interface ConfigValidation {
  issues: ValidationIssue[];
  /** The parsed config when it is fully valid without templates. */
  data?: unknown;
}

/**
 * Validates a node config before its templates are resolved. A field holding
 * `{{ }}` is only known at run time, so issues on such fields are left to the
 * runtime, which validates the resolved config again.
 */
export function validateNodeConfig(schema: z.ZodType, config: Record<string, unknown>): ConfigValidation {
  const parsed = schema.safeParse(config);
  if (parsed.success) return { issues: [], data: parsed.data };
  const issues = fromZodIssues(parsed.error.issues).filter((issue) => !isTemplatedAt(config, issue.path));
  return { issues };
}
