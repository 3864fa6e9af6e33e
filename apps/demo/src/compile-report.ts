import { formatJsonPath, type CompileResult } from '@pipewright/core';

/** Renders a compile result the way a terminal user reads it. */
export function compileReport(name: string, result: CompileResult): string[] {
  const lines: string[] = [];
  const problems = result.diagnostics.filter((diagnostic) => diagnostic.severity !== 'info');
  if (result.ok) {
    const { plan } = result;
    lines.push(`${name}: compiles (${plan.order.length} nodes)`);
    lines.push(`  order:   ${plan.order.join(' → ')}`);
    lines.push(`  entries: ${plan.entryNodeIds.join(', ')}`);
    const joins = plan.joins.map((id) => `${id} (waits for ${plan.nodes[id]?.join === 'any' ? 'the first input' : 'all inputs'})`);
    lines.push(`  joins:   ${joins.length > 0 ? joins.join(', ') : 'none'}`);
  } else {
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
    lines.push(`${name}: does not compile (${errors} error${errors === 1 ? '' : 's'})`);
  }
  for (const diagnostic of problems) {
    const where = [diagnostic.nodeId && `node ${diagnostic.nodeId}`, diagnostic.edgeId && `edge ${diagnostic.edgeId}`, diagnostic.path && formatJsonPath(diagnostic.path)]
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${diagnostic.severity.padEnd(7)} ${diagnostic.code.padEnd(28)} ${where}`);
    lines.push(`          ${diagnostic.message}`);
  }
  return lines;
}
