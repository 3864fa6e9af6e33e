/** What `{{ }}` expressions can read. */
export interface ExpressionScope {
  /** The payload the run started with. */
  trigger: unknown;
  /** Completed steps by node id: `steps.<nodeId>.output`. */
  steps: Record<string, { output: unknown }>;
  /** Workflow variables: `settings.variables` updated by `core.setVariables`. */
  vars: Record<string, unknown>;
  run: { id: string; workflowId: string; startedAt: string };
  /** The output of the step's upstream step. */
  input?: unknown;
}

/** The top-level names an expression may start with. */
export const expressionRoots = ['trigger', 'steps', 'vars', 'run', 'input'] as const;
export type ExpressionRoot = (typeof expressionRoots)[number];
