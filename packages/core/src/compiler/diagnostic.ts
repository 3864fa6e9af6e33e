import type { JsonPath } from '../model/validation-issue';

/** Stable codes: the builder, the HTTP API and hosts match on them. */
export type DiagnosticCode =
  /** The document does not match the workflow schema. */
  | 'schema_invalid'
  | 'duplicate_node_id'
  | 'duplicate_edge_id'
  | 'unknown_node_type'
  /** `typeVersion` is newer than the registered node type. */
  | 'unsupported_node_version'
  /** `typeVersion` is older and the node type has no `migrate`. */
  | 'node_version_outdated'
  /** The node's config was upgraded from an older `typeVersion` for this compile. */
  | 'node_config_migrated'
  | 'invalid_node_config'
  /** An edge names a node that does not exist. */
  | 'dangling_edge'
  /** An edge names a handle its node does not have. */
  | 'unknown_handle'
  /** Two edges connect the same handles. */
  | 'duplicate_connection'
  | 'cycle'
  | 'no_entry_node'
  | 'unreachable_node'
  /** A `{{ }}` template that does not parse. */
  | 'invalid_expression'
  /** An expression starts with a name that is not in scope (`trigger`, `steps`, ...). */
  | 'unknown_expression_root'
  /** `steps.<id>` names a node that does not exist. */
  | 'unknown_expression_reference'
  /** `steps.<id>` names a node that does not always run before this one. */
  | 'expression_not_upstream'
  /** A join waits for inputs of which at most one can ever arrive. */
  | 'join_unsatisfiable';

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/** One finding of the compiler, pointing at what it is about. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: DiagnosticSeverity;
  message: string;
  nodeId?: string;
  edgeId?: string;
  /** Location in the workflow document, e.g. `['nodes', 2, 'config', 'url']`. */
  path?: JsonPath;
  /** Extra facts, e.g. the node ids on a cycle. */
  details?: Record<string, unknown>;
}

type DiagnosticInit = Omit<Diagnostic, 'severity'> & { severity?: DiagnosticSeverity };

/** Collects diagnostics; `error` is the default severity. */
export class DiagnosticList {
  readonly items: Diagnostic[] = [];

  add(init: DiagnosticInit): void {
    const diagnostic: Diagnostic = { severity: init.severity ?? 'error', code: init.code, message: init.message };
    if (init.nodeId !== undefined) diagnostic.nodeId = init.nodeId;
    if (init.edgeId !== undefined) diagnostic.edgeId = init.edgeId;
    if (init.path !== undefined) diagnostic.path = init.path;
    if (init.details !== undefined) diagnostic.details = init.details;
    this.items.push(diagnostic);
  }

  hasErrors(): boolean {
    return this.items.some((diagnostic) => diagnostic.severity === 'error');
  }
}
