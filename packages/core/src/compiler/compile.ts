import { parseWorkflow } from '../model/parse-workflow';
import type { ValidationIssue } from '../model/validation-issue';
import type { Workflow } from '../model/workflow-schema';
import type { Registry } from '../registry/create-registry';
import type { JoinMode } from '../registry/node-definition';
import { analyseGraph, type GraphFacts } from './analyse-graph';
import { analyseJoins } from './analyse-joins';
import { checkExpressions } from './check-expressions';
import { DiagnosticList, type Diagnostic } from './diagnostic';
import type { ExecutionPlan, PlanLink, PlanNode } from './execution-plan';
import type { ResolvedEdge } from './resolve-edges';
import { resolveEdges } from './resolve-edges';
import { resolveNodes, type ResolvedNode } from './resolve-nodes';

export type CompileResult =
  | { ok: true; plan: ExecutionPlan; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

function idAt(input: unknown, collection: string, index: unknown): string | undefined {
  if (typeof index !== 'number' || typeof input !== 'object' || input === null) return undefined;
  const list = (input as Record<string, unknown>)[collection];
  const item = Array.isArray(list) ? (list[index] as unknown) : undefined;
  const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'string' ? id : undefined;
}

function reportSchemaIssues(input: unknown, issues: readonly ValidationIssue[], diagnostics: DiagnosticList): void {
  for (const issue of issues) {
    const [collection, index] = issue.path;
    const nodeId = collection === 'nodes' ? idAt(input, 'nodes', index) : undefined;
    const edgeId = collection === 'edges' ? idAt(input, 'edges', index) : undefined;
    diagnostics.add({
      code: 'schema_invalid',
      path: issue.path,
      message: issue.message,
      ...(nodeId === undefined ? {} : { nodeId }),
      ...(edgeId === undefined ? {} : { edgeId }),
      details: { issueCode: issue.code },
    });
  }
}

function link(edge: ResolvedEdge, nodeId: string): PlanLink {
  return { edgeId: edge.id, nodeId, sourceHandle: edge.sourceHandle, targetHandle: edge.targetHandle };
}

function buildPlan(workflow: Workflow, nodes: ReadonlyMap<string, ResolvedNode>, facts: GraphFacts, joins: ReadonlyMap<string, JoinMode>): ExecutionPlan {
  const planNodes: Record<string, PlanNode> = {};
  const entries = new Set(facts.entryNodeIds);
  for (const id of facts.order) {
    const resolved = nodes.get(id) as ResolvedNode;
    const definition = resolved.definition;
    if (!definition) continue;
    const planNode: PlanNode = {
      id,
      type: resolved.node.type,
      typeVersion: definition.version,
      config: resolved.config,
      kind: definition.kind,
      inputs: resolved.inputs,
      outputs: resolved.outputs ?? definition.outputs.map((handle) => handle.id),
      predecessors: (facts.incoming.get(id) ?? []).map((edge) => link(edge, edge.source)),
      successors: (facts.outgoing.get(id) ?? []).map((edge) => link(edge, edge.target)),
      isEntry: entries.has(id),
      reachable: facts.reachable.has(id),
      onError: resolved.onError,
      disabled: resolved.node.disabled ?? false,
    };
    const join = joins.get(id);
    if (join !== undefined) planNode.join = join;
    const retry = resolved.node.retry ?? workflow.settings.retry;
    if (retry !== undefined) planNode.retry = retry;
    if (resolved.node.timeoutMs !== undefined) planNode.timeoutMs = resolved.node.timeoutMs;
    planNodes[id] = planNode;
  }
  return { workflow, order: facts.order, entryNodeIds: facts.entryNodeIds, joins: [...joins.keys()], nodes: planNodes };
}

/**
 * Checks a workflow against the registry and produces the plan the runtime
 * executes. Never throws on user input: every problem is a diagnostic with a
 * stable code and the node, edge and JSON path it is about. Warnings and infos do
 * not stop a plan.
 *
 * @example
 * ```ts
 * const result = compile(JSON.parse(text), registry);
 * if (!result.ok) for (const d of result.diagnostics) console.log(d.code, d.nodeId, d.message);
 * else console.log(result.plan.order);
 * ```
 */
export function compile(input: unknown, registry: Registry): CompileResult {
  const diagnostics = new DiagnosticList();
  const parsed = parseWorkflow(input);
  if (!parsed.ok) {
    reportSchemaIssues(input, parsed.issues, diagnostics);
    return { ok: false, diagnostics: diagnostics.items };
  }
  const workflow = parsed.workflow;
  const nodes = resolveNodes(workflow, registry, diagnostics);
  const edges = resolveEdges(workflow, nodes, diagnostics);
  const facts = analyseGraph(nodes, edges, diagnostics);
  checkExpressions(nodes, facts, diagnostics);
  const joins = facts ? analyseJoins(nodes, facts, diagnostics) : new Map<string, JoinMode>();

  if (diagnostics.hasErrors() || !facts) return { ok: false, diagnostics: diagnostics.items };
  return { ok: true, plan: buildPlan(workflow, nodes, facts, joins), diagnostics: diagnostics.items };
}
