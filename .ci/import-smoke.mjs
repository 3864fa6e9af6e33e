// The built packages as a user's Node loads them: plain ESM, no TypeScript loader. A
// dependency's subpath without its file extension, say, resolves under tsx and vitest
// but fails here.
const entries = [
  '@pipewright/core',
  '@pipewright/core/testing',
  '@pipewright/core/http',
  '@pipewright/core/client',
  '@pipewright/connectors',
  '@pipewright/storage-adapters',
  '@pipewright/react-builder',
  '@pipewright/marketplace',
];
for (const entry of entries) {
  const exported = Object.keys(await import(entry));
  if (exported.length === 0) throw new Error(`${entry} exports nothing`);
  console.log(`${entry}: ${exported.length} exports`);
}
