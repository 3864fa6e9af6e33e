import type { WorkflowNode } from '../model/workflow-schema';
import type { NodeDefinition } from '../registry/node-definition';

/**
 * What upgrading a node's config to its registered type's version came to. The compiler
 * turns it into diagnostics, `migrateWorkflow` into a rewritten node or an issue: both
 * read the same outcome, so they cannot disagree on which configs migrate.
 */
export type ConfigMigration =
  /** Written for the registered version (or for no version, which means the latest). */
  | { kind: 'current'; config: Record<string, unknown> }
  /** Written for a version newer than the registered one: nothing can read it. */
  | { kind: 'too_new'; written: number }
  /** Older, and the type has no `migrate`: the config is all there is. */
  | { kind: 'no_migration'; written: number; config: Record<string, unknown> }
  | { kind: 'migrated'; written: number; config: Record<string, unknown> }
  | { kind: 'failed'; written: number; error: unknown };

/**
 * Upgrades `node.config` to `definition.version` with the definition's `migrate`. Never
 * changes the node: `migrate` gets a copy, since a node author may edit it in place.
 */
export function migrateNodeConfig(node: WorkflowNode, definition: NodeDefinition): ConfigMigration {
  const written = node.typeVersion ?? definition.version;
  if (written > definition.version) return { kind: 'too_new', written };
  if (written === definition.version) return { kind: 'current', config: node.config };
  if (!definition.migrate) return { kind: 'no_migration', written, config: node.config };
  try {
    return { kind: 'migrated', written, config: definition.migrate(structuredClone(node.config), written) };
  } catch (error) {
    return { kind: 'failed', written, error };
  }
}
