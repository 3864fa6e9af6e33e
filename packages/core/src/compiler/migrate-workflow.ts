import { z } from 'zod';
import type { Workflow } from '../model/workflow-schema';
import type { Registry } from '../registry/create-registry';
import { migrateNodeConfig } from './migrate-node-config';

/** A node whose config was rewritten for its type's registered version. */
export const migratedNodeSchema = z.object({
  nodeId: z.string(),
  type: z.string(),
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
});

/**
 * Why a node was left as it was. The codes are the compiler's diagnostic codes for the
 * same findings, so a client can treat both alike.
 */
export const migrationIssueCodeSchema = z.enum([
  /** The node's type is not registered. */
  'unknown_node_type',
  /** `typeVersion` is newer than the registered type. */
  'unsupported_node_version',
  /** `typeVersion` is older and the type has no `migrate`. */
  'node_version_outdated',
  /** The type's `migrate` threw. */
  'invalid_node_config',
]);

export const migrationIssueSchema = z.object({
  nodeId: z.string(),
  code: migrationIssueCodeSchema,
  message: z.string(),
});

export type MigratedNode = z.infer<typeof migratedNodeSchema>;
export type MigrationIssueCode = z.infer<typeof migrationIssueCodeSchema>;
export type MigrationIssue = z.infer<typeof migrationIssueSchema>;

export interface MigrateWorkflowResult {
  /** A copy of the input with the migrated nodes rewritten; the input is not changed. */
  workflow: Workflow;
  /** In the order of the workflow's nodes. */
  migrated: MigratedNode[];
  /** In the order of the workflow's nodes. */
  issues: MigrationIssue[];
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Rewrites the config of every node written for an older version of its type with the
 * type's `migrate`, and sets its `typeVersion` to the registered one: what the compiler
 * does on every compile, made permanent, so the builder can save the upgraded draft.
 * Nodes it cannot upgrade stay exactly as they were and are listed in `issues`; nodes
 * without a `typeVersion` are taken as written for the latest version, as the compiler
 * takes them.
 *
 * @example
 * ```ts
 * const { workflow, migrated, issues } = migrateWorkflow(record.draft, engine.registry);
 * if (migrated.length > 0 && issues.length === 0) await engine.workflows.save(ctx, workflow);
 * ```
 */
export function migrateWorkflow(workflow: Workflow, registry: Registry): MigrateWorkflowResult {
  const result: MigrateWorkflowResult = { workflow: structuredClone(workflow), migrated: [], issues: [] };
  const { migrated, issues } = result;
  for (const node of result.workflow.nodes) {
    const definition = registry.get(node.type)?.definition;
    if (!definition) {
      issues.push({ nodeId: node.id, code: 'unknown_node_type', message: `Node "${node.id}" has type "${node.type}", which is not installed` });
      continue;
    }
    const outcome = migrateNodeConfig(node, definition);
    switch (outcome.kind) {
      case 'current':
        break;
      case 'too_new':
        issues.push({
          nodeId: node.id,
          code: 'unsupported_node_version',
          message: `Node "${node.id}" was written for ${node.type} v${outcome.written}, but only v${definition.version} is installed`,
        });
        break;
      case 'no_migration':
        issues.push({
          nodeId: node.id,
          code: 'node_version_outdated',
          message: `Node "${node.id}" was written for ${node.type} v${outcome.written}, and v${definition.version} has no migration`,
        });
        break;
      case 'failed':
        issues.push({
          nodeId: node.id,
          code: 'invalid_node_config',
          message: `Node "${node.id}" config could not be migrated from v${outcome.written}: ${messageOf(outcome.error)}`,
        });
        break;
      case 'migrated':
        node.config = outcome.config;
        node.typeVersion = definition.version;
        migrated.push({ nodeId: node.id, type: node.type, fromVersion: outcome.written, toVersion: definition.version });
        break;
    }
  }
  return result;
}
