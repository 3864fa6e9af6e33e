import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { asTenantId, asWorkflowId, compile, type WorkflowInput } from '@pipewright/core';
import { createFsBlobStore, createStorage } from '@pipewright/storage-adapters';
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

// The embedded default: a SQLite file, created and migrated on first use. Any URL the
// storage adapters take works here (postgres://..., mysql://...).
const databaseUrl = process.env.PIPEWRIGHT_DATABASE_URL ?? 'sqlite:./.data/pipewright.db';
const storage = await createStorage({ connection: databaseUrl });
// Step outputs and inputs over 256 KiB are kept as files beside the database.
const blobs = createFsBlobStore({ directory: process.env.PIPEWRIGHT_BLOB_DIR ?? './.data/blobs' });
try {
  for (const { file, workflow } of runnable) {
    const trigger = workflow.nodes.find((node) => node.type === 'core.manual');
    const input = (trigger?.config as { sampleInput?: unknown } | undefined)?.sampleInput ?? {};
    console.log(`Running ${file} durably on ${databaseUrl} with input ${JSON.stringify(input)}:`);
    console.log(runReport(await runExample(workflow, input, { store: storage.store, queue: storage.queue, blobs })).join('\n'));
    const tenantId = asTenantId('demo');
    const stored = await storage.store.listRuns(tenantId, { workflowId: asWorkflowId(workflow.id) }, { limit: 500 });
    const saved = await storage.store.getWorkflow(tenantId, asWorkflowId(workflow.id));
    const count = `${stored.items.length}${stored.nextCursor === undefined ? '' : '+'}`;
    console.log(`  stored: ${workflow.id} is at version ${saved?.latestVersion ?? 0}; ${count} of its runs are kept in the database (npm start again adds one)`);
    console.log('');
  }
} finally {
  await storage.close();
}
