import type { Workflow, WorkflowNode, OnError } from '../model/workflow-schema';
import type { Registry } from '../registry/create-registry';
import { errorOutput } from '../registry/handles';
import type { NodeDefinition } from '../registry/node-definition';
import { formatJsonPath } from '../model/validation-issue';
import type { DiagnosticList } from './diagnostic';
import { migrateNodeConfig } from './migrate-node-config';
import { validateNodeConfig } from './validate-node-config';

/** A node of the workflow with what the registry says about it. */
export interface ResolvedNode {
  index: number;
  node: WorkflowNode;
  definition?: NodeDefinition;
  /** The config after migration to the registered version. */
  config: Record<string, unknown>;
  /** The parsed config, when it is valid as written (no templates in the way). */
  parsedConfig?: unknown;
  onError: OnError;
  inputs: string[];
  /** Undefined when they cannot be known (unknown type, outputs from a templated config). */
  outputs?: string[];
}

function dynamicOutputIds(definition: NodeDefinition, config: Record<string, unknown>): string[] | undefined {
  const spec = definition.dynamicOutputs;
  if (!spec) return [];
  const list = config[spec.configArray];
  if (!Array.isArray(list)) return undefined;
  const ids: string[] = [];
  for (const item of list) {
    const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[spec.idField] : undefined;
    if (typeof id !== 'string') return undefined;
    ids.push(id);
  }
  return ids;
}

/** The config the compiler goes on with, after reporting how its migration went; undefined stops the node here. */
function migrateConfig(
  resolved: ResolvedNode,
  definition: NodeDefinition,
  diagnostics: DiagnosticList,
): Record<string, unknown> | undefined {
  const { node, index } = resolved;
  const path = ['nodes', index, 'typeVersion'];
  const outcome = migrateNodeConfig(node, definition);
  switch (outcome.kind) {
    case 'current':
      return outcome.config;
    case 'too_new':
      diagnostics.add({
        code: 'unsupported_node_version',
        nodeId: node.id,
        path,
        message: `Node "${node.id}" was written for ${node.type} v${outcome.written}, but only v${definition.version} is installed`,
      });
      return undefined;
    case 'no_migration':
      diagnostics.add({
        code: 'node_version_outdated',
        severity: 'warning',
        nodeId: node.id,
        path,
        message: `Node "${node.id}" was written for ${node.type} v${outcome.written}; v${definition.version} has no migration, the config is used as it is`,
      });
      return outcome.config;
    case 'migrated':
      diagnostics.add({
        code: 'node_config_migrated',
        severity: 'info',
        nodeId: node.id,
        path,
        message: `Node "${node.id}" config migrated from ${node.type} v${outcome.written} to v${definition.version}`,
      });
      return outcome.config;
    case 'failed':
      diagnostics.add({
        code: 'invalid_node_config',
        nodeId: node.id,
        path: ['nodes', index, 'config'],
        message: `Node "${node.id}" config could not be migrated from v${outcome.written}: ${(outcome.error as Error).message}`,
      });
      return undefined;
  }
}

/**
 * Looks up each node's type, migrates and validates its config, and works out its
 * handles. Nodes with a duplicate id are reported and left out.
 */
export function resolveNodes(workflow: Workflow, registry: Registry, diagnostics: DiagnosticList): Map<string, ResolvedNode> {
  const nodes = new Map<string, ResolvedNode>();
  workflow.nodes.forEach((node, index) => {
    if (nodes.has(node.id)) {
      diagnostics.add({
        code: 'duplicate_node_id',
        nodeId: node.id,
        path: ['nodes', index, 'id'],
        message: `Node id "${node.id}" is used more than once`,
      });
      return;
    }
    const resolved: ResolvedNode = {
      index,
      node,
      config: node.config,
      onError: node.onError ?? workflow.settings.onError,
      inputs: ['in'],
    };
    nodes.set(node.id, resolved);

    const definition = registry.get(node.type)?.definition;
    if (!definition) {
      diagnostics.add({
        code: 'unknown_node_type',
        nodeId: node.id,
        path: ['nodes', index, 'type'],
        message: `Node "${node.id}" has type "${node.type}", which is not installed`,
      });
      return;
    }
    resolved.definition = definition;
    resolved.inputs = definition.inputs.map((handle) => handle.id);

    const config = migrateConfig(resolved, definition, diagnostics);
    if (config === undefined) return;
    resolved.config = config;

    if (!node.disabled) {
      const validation = validateNodeConfig(definition.configSchema, config);
      for (const issue of validation.issues) {
        const path = ['nodes', index, 'config', ...issue.path];
        diagnostics.add({
          code: 'invalid_node_config',
          nodeId: node.id,
          path,
          message: `Node "${node.id}": ${issue.message} at ${formatJsonPath(issue.path)}`,
          details: { issueCode: issue.code },
        });
      }
      if (validation.data !== undefined) resolved.parsedConfig = validation.data;
    }

    const dynamic = dynamicOutputIds(definition, config);
    if (dynamic !== undefined) {
      const outputs = [...definition.outputs.map((handle) => handle.id), ...dynamic];
      if (resolved.onError === 'route') outputs.push(errorOutput.id);
      resolved.outputs = outputs;
    }
  });
  return nodes;
}
