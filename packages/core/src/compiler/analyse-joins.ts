import type { JoinMode } from '../registry/node-definition';
import type { GraphFacts } from './analyse-graph';
import type { DiagnosticList } from './diagnostic';
import type { ResolvedEdge } from './resolve-edges';
import type { ResolvedNode } from './resolve-nodes';

/**
 * Branch choices a node depends on: branching node id → the output handle that must
 * have fired for this node to run. Shared between nodes while unchanged.
 */
type Guards = ReadonlyMap<string, string>;
const noGuards: Guards = new Map();

/** The guard an edge adds: the handle taken, when the source fires only one of its outputs. */
function edgeGuard(source: ResolvedNode | undefined, edge: ResolvedEdge): string | undefined {
  if (!source) return undefined;
  if (source.definition?.exclusiveOutputs) return edge.sourceHandle;
  // A node that routes errors fires either its outputs or `error`, never both.
  if (source.onError === 'route') return edge.sourceHandle === 'error' ? 'error' : 'success';
  return undefined;
}

function joinModeOf(resolved: ResolvedNode): JoinMode {
  const { definition, parsedConfig } = resolved;
  if (!definition?.joinMode || parsedConfig === undefined) return 'all';
  return definition.joinMode(parsedConfig);
}

/**
 * Finds joins that wait for all their inputs although two of them come from
 * different outputs of the same branching node, so at most one can ever arrive.
 * Propagates, in topological order, the branch choices each node depends on.
 */
export function analyseJoins(nodes: ReadonlyMap<string, ResolvedNode>, facts: GraphFacts, diagnostics: DiagnosticList): Map<string, JoinMode> {
  const joins = new Map<string, JoinMode>();
  const guards = new Map<string, Guards>();

  for (const id of facts.order) {
    const incoming = facts.incoming.get(id) ?? [];
    const perEdge = incoming.map((edge): Guards => {
      const base = guards.get(edge.source) ?? noGuards;
      const handle = edgeGuard(nodes.get(edge.source), edge);
      if (handle === undefined) return base;
      const extended = new Map(base);
      extended.set(edge.source, handle);
      return extended;
    });
    if (perEdge.length <= 1) {
      guards.set(id, perEdge[0] ?? noGuards);
      continue;
    }

    const resolved = nodes.get(id);
    const mode = resolved ? joinModeOf(resolved) : 'all';
    joins.set(id, mode);

    if (mode === 'any') {
      // Runs when any input arrives: depends only on the choices all inputs share.
      const [first, ...rest] = perEdge as [Guards, ...Guards[]];
      const shared = new Map<string, string>();
      for (const [branch, handle] of first) if (rest.every((other) => other.get(branch) === handle)) shared.set(branch, handle);
      guards.set(id, shared);
      continue;
    }

    const union = new Map<string, string>();
    const conflicts: Array<{ branch: string; handles: string[] }> = [];
    for (const edgeGuards of perEdge) {
      for (const [branch, handle] of edgeGuards) {
        const known = union.get(branch);
        if (known === undefined) union.set(branch, handle);
        else if (known !== handle && !conflicts.some((conflict) => conflict.branch === branch)) {
          conflicts.push({ branch, handles: [known, handle] });
        }
      }
    }
    guards.set(id, union);
    for (const conflict of conflicts) {
      diagnostics.add({
        code: 'join_unsatisfiable',
        nodeId: id,
        path: ['nodes', resolved?.index ?? 0],
        message:
          `Node "${id}" waits for all its inputs, but they come from outputs "${conflict.handles[0]}" and "${conflict.handles[1]}" ` +
          `of "${conflict.branch}", which never both fire; use a core.merge in "first" mode to continue with whichever arrives`,
        details: { branchNodeId: conflict.branch, handles: conflict.handles },
      });
    }
  }
  return joins;
}
