import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from '@pipewright/core';
import { compileReport } from './compile-report';
import { exampleRegistry } from './example-registry';

const examplesDir = fileURLToPath(new URL('../examples/', import.meta.url));

const manifest = exampleRegistry.manifest();
console.log(`Pipewright: ${manifest.nodes.length} node types installed (${manifest.connectors.map((connector) => connector.id).join(', ')} and core).`);
console.log('Compiling the example workflows in apps/demo/examples/:\n');

for (const file of (await readdir(examplesDir)).filter((name) => name.endsWith('.json')).sort()) {
  const definition: unknown = JSON.parse(await readFile(`${examplesDir}${file}`, 'utf8'));
  console.log(compileReport(file, compile(definition, exampleRegistry)).join('\n'));
  console.log('');
}
