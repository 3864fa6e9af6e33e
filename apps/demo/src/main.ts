import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile, type WorkflowInput } from '@pipewright/core';
import { compileReport } from './compile-report';
import { exampleRegistry } from './example-registry';
import { runExample, runReport } from './run-example';

const examplesDir = fileURLToPath(new URL('../examples/', import.meta.url));

const manifest = exampleRegistry.manifest();
console.log(`Pipewright: ${manifest.nodes.length} node types installed (${manifest.connectors.map((connector) => connector.id).join(', ')} and core).`);
console.log('Compiling the example workflows in apps/demo/examples/:\n');

const runnable: Array<{ file: string; workflow: WorkflowInput }> = [];
for (const file of (await readdir(examplesDir)).filter((name) => name.endsWith('.json')).sort()) {
  const definition = JSON.parse(await readFile(`${examplesDir}${file}`, 'utf8')) as WorkflowInput & { nodes: Array<{ config?: { sampleInput?: unknown } }> };
  const result = compile(definition, exampleRegistry);
  console.log(compileReport(file, result).join('\n'));
  console.log('');
  if (result.ok) runnable.push({ file, workflow: definition });
}

for (const { file, workflow } of runnable) {
  const trigger = workflow.nodes.find((node) => node.type === 'core.manual');
  const input = (trigger?.config as { sampleInput?: unknown } | undefined)?.sampleInput ?? {};
  console.log(`Running ${file} on the in-memory engine with input ${JSON.stringify(input)}:`);
  console.log(runReport(await runExample(workflow, input)).join('\n'));
  console.log('');
}
