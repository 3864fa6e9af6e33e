import type { PlanNode } from '../compiler/execution-plan';
import { PipewrightError } from '../errors/pipewright-error';
import { resolveTemplates } from '../expressions/evaluate-template';
import type { ExpressionScope } from '../expressions/expression-scope';
import { hasTemplate } from '../expressions/template';
import { fromZodIssues } from '../model/validation-issue';
import type { NodeDefinition } from '../registry/node-definition';

function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return hasTemplate(value);
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsTemplate);
  return false;
}

interface PreparedConfig {
  templated: boolean;
  /** The parsed config of a node without templates: the same for every run. */
  parsed?: unknown;
}

// Keyed by plan node: plans are cached per workflow version, so this parses each
// template-free config once per version instead of once per step.
const prepared = new WeakMap<PlanNode, PreparedConfig>();

function parseConfig(definition: NodeDefinition, node: PlanNode, config: unknown): unknown {
  const parsed = definition.configSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issues = fromZodIssues(parsed.error.issues);
  throw new PipewrightError('invalid_node_config', `Node "${node.id}" config is invalid: ${issues.map((issue) => issue.message).join('; ')}`, {
    details: { nodeId: node.id, issues },
  });
}

/**
 * The node's config for this step: templates resolved against the scope, then parsed
 * by the node's schema (defaults applied).
 *
 * @throws PipewrightError `invalid_node_config`, `invalid_expression` or `expression_failed`.
 */
export function resolveNodeConfig(definition: NodeDefinition, node: PlanNode, scope: () => ExpressionScope): unknown {
  let entry = prepared.get(node);
  if (!entry) {
    entry = { templated: containsTemplate(node.config) };
    if (!entry.templated) entry.parsed = parseConfig(definition, node, node.config);
    prepared.set(node, entry);
  }
  if (!entry.templated) return entry.parsed;
  return parseConfig(definition, node, resolveTemplates(node.config, scope()));
}
