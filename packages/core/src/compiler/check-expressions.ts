import { PipewrightError } from '../errors/pipewright-error';
import { expressionRoots } from '../expressions/expression-scope';
import { collectScopeReferences } from '../expressions/references';
import { hasTemplate, parseTemplate } from '../expressions/template';
import type { JsonPath } from '../model/validation-issue';
import { isUpstream, type GraphFacts } from './analyse-graph';
import type { DiagnosticList } from './diagnostic';
import type { ResolvedNode } from './resolve-nodes';

const knownRoots = new Set<string>(expressionRoots);

function forEachString(value: unknown, path: JsonPath, visit: (text: string, path: JsonPath) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, index) => forEachString(item, [...path, index], visit));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) forEachString(item, [...path, key], visit);
  }
}

/**
 * Parses every `{{ }}` in node configs and checks what it reads: a known scope root,
 * and for `steps.<id>` a node that exists and runs before the node that reads it.
 */
export function checkExpressions(
  nodes: ReadonlyMap<string, ResolvedNode>,
  facts: GraphFacts | undefined,
  diagnostics: DiagnosticList,
): void {
  for (const [id, resolved] of nodes) {
    if (resolved.node.disabled) continue;
    forEachString(resolved.config, ['nodes', resolved.index, 'config'], (text, path) => {
      if (!hasTemplate(text)) return;
      let template;
      try {
        template = parseTemplate(text);
      } catch (error) {
        if (!PipewrightError.is(error)) throw error;
        diagnostics.add({ code: 'invalid_expression', nodeId: id, path, message: `Node "${id}": ${error.message}` });
        return;
      }
      for (const part of template.parts) {
        if (part.kind !== 'expression') continue;
        for (const reference of collectScopeReferences(part.ast)) {
          if (!knownRoots.has(reference.root)) {
            diagnostics.add({
              code: 'unknown_expression_root',
              nodeId: id,
              path,
              message: `Node "${id}": "${part.source}" reads "${reference.root}", which is not one of ${expressionRoots.join(', ')}`,
              details: { expression: part.source, root: reference.root },
            });
            continue;
          }
          if (reference.root !== 'steps' || reference.key === undefined) continue;
          const referenced = reference.key;
          if (!nodes.has(referenced)) {
            diagnostics.add({
              code: 'unknown_expression_reference',
              nodeId: id,
              path,
              message: `Node "${id}": "${part.source}" refers to node "${referenced}", which does not exist`,
              details: { expression: part.source, referencedNodeId: referenced },
            });
          } else if (facts !== undefined && !isUpstream(facts, referenced, id)) {
            diagnostics.add({
              code: 'expression_not_upstream',
              nodeId: id,
              path,
              message: `Node "${id}": "${part.source}" refers to node "${referenced}", which does not run before it`,
              details: { expression: part.source, referencedNodeId: referenced },
            });
          }
        }
      }
    });
  }
}
