import { workflowSchema, type Workflow } from './workflow-schema';
import { fromZodIssues, type ValidationIssue } from './validation-issue';

export type ParseWorkflowResult = { ok: true; workflow: Workflow } | { ok: false; issues: ValidationIssue[] };

/**
 * Validates unknown JSON as a workflow definition. Never throws: every problem comes
 * back as an issue with its JSON path.
 *
 * @example
 * ```ts
 * const result = parseWorkflow(JSON.parse(text));
 * if (!result.ok) for (const issue of result.issues) console.log(formatJsonPath(issue.path), issue.message);
 * ```
 */
export function parseWorkflow(input: unknown): ParseWorkflowResult {
  const parsed = workflowSchema.safeParse(input);
  if (parsed.success) return { ok: true, workflow: parsed.data };
  return { ok: false, issues: fromZodIssues(parsed.error.issues) };
}
