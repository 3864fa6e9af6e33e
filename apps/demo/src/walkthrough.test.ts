import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asTenantId, asWorkflowId } from '@pipewright/core';
import { createStorage } from '@pipewright/storage-adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const startTimeoutMs = 60_000;

/** A server started the way `npm start` starts it, and everything it printed. */
interface StartedServer {
  child: ChildProcess;
  baseUrl: string;
  token: string;
  output: () => string;
  exited: Promise<number | null>;
}

function startServer(dataDir: string): Promise<StartedServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', PIPEWRIGHT_DATA_DIR: dataDir };
  // The server must make its own database, token and key in the fresh directory.
  for (const name of ['PIPEWRIGHT_DATABASE_URL', 'PIPEWRIGHT_DEMO_TOKEN', 'PIPEWRIGHT_KEYS', 'PIPEWRIGHT_BLOB_DIR']) delete env[name];
  // detached: the child leads a process group (npm, sh, node), so afterAll can end all of it.
  const child = spawn('npm', ['run', 'start', '-w', '@pipewright/demo'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const output = (): string => `${stdout}\n--- stderr ---\n${stderr}`;
  // 'close', not 'exit': npm may exit before the node process it started, and the pipes
  // close only when every process holding them (npm, sh, node) has exited.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the server did not print its token within ${startTimeoutMs} ms:\n${output()}`));
    }, startTimeoutMs);
    const check = (): void => {
      const listening = /^Pipewright listening on (http:\/\/\S+)$/m.exec(stdout);
      const token = /^ {2}export TOKEN=(\S+)$/m.exec(stdout);
      if (listening?.[1] && token?.[1]) {
        clearTimeout(timer);
        resolve({ child, baseUrl: listening[1], token: token[1], output, exited });
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${output()}`));
    });
  });
}

/** Sends SIGTERM to the server's whole process group and waits for it to exit. */
async function stopServer(server: StartedServer | undefined): Promise<void> {
  if (server?.child.pid === undefined) return;
  try {
    process.kill(-server.child.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      if (server.child.pid !== undefined) process.kill(-server.child.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }, 10_000);
  await server.exited;
  clearTimeout(timer);
}

async function walkthroughScript(): Promise<string> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!block?.[1]) throw new Error('README.md has no ```sh block between <!-- walkthrough:start --> and <!-- walkthrough:end -->');
  return block[1];
}

function runBash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start and the README walkthrough', () => {
  let dataDir: string;
  let server: StartedServer | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pipewright-demo-'));
    server = await startServer(dataDir);
  }, startTimeoutMs + 5_000);

  afterAll(async () => {
    await stopServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('keeps its token and key in the data directory, readable by the owner only', async () => {
    expect((await readFile(join(dataDir, 'demo-token'), 'utf8')).trim()).toBe(server!.token);
    for (const file of ['demo-token', 'keys']) expect((await stat(join(dataDir, file))).mode & 0o777, file).toBe(0o600);
  });

  it('prints the URL, the API base, the OpenAPI URL, the token and a curl line', () => {
    const { baseUrl, token } = server!;
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(baseUrl).not.toMatch(/:0$/);
    expect(token).toMatch(/^pw_demo_[0-9a-f]{32}$/);
    const stdout = server!.output();
    expect(stdout).toContain(`${baseUrl}/api`);
    expect(stdout).toContain(`${baseUrl}/openapi.json`);
    expect(stdout).toContain(`curl -H "Authorization: Bearer $TOKEN" ${baseUrl}/api/workflows`);
    expect(stdout).toMatch(/lead-routing\.json: compiles \(7 nodes\): published as version 1$/m);
    expect(stdout).toMatch(/broken-draft\.json: does not compile \(\d+ errors\): kept as a draft;/m);
  });

  it('runs the README walkthrough to a succeeded run', async () => {
    const script = (await walkthroughScript()).replaceAll('http://localhost:8080', server!.baseUrl);
    const result = await runBash(`set -euo pipefail\n${script}`, { ...process.env, TOKEN: server!.token });
    expect(result.code, `${result.stdout}\n--- stderr ---\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/^status: succeeded$/m);
    // The event stream: the run's first event, a step, and the final one, which ends it.
    const streamed = result.stdout.split('\n').filter((line) => line.startsWith('event: '));
    expect(streamed[0]).toBe('event: run.created');
    expect(streamed).toContain('event: step.succeeded');
    expect(streamed.at(-1)).toBe('event: run.succeeded');
    const runId = /^run: (\S+)$/m.exec(result.stdout)?.[1];
    expect(runId).toBeDefined();
    const run = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { id?: string; status: string; steps: Array<{ nodeId: string; status: string }>; logs: Array<{ msg: string }> })
      .find((printed) => printed.id === runId);
    if (run === undefined) throw new Error(`the walkthrough printed no run ${runId}:\n${result.stdout}`);
    expect(run.status).toBe('succeeded');
    expect(run.steps).toEqual(expect.arrayContaining([expect.objectContaining({ nodeId: 'tagSales', status: 'succeeded' }), expect.objectContaining({ nodeId: 'tagNurture', status: 'skipped' })]));
    expect(run.logs).toEqual([expect.objectContaining({ msg: 'Lead ada@example.com routed' })]);
    const draft = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{"id":"broken-draft"'))
      .map((line) => JSON.parse(line) as { diagnostics: Array<{ code: string; nodeId?: string; severity: string }> })[0];
    expect(draft?.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'unknown_handle', nodeId: 'isHot', severity: 'error' })]));
  }, 60_000);

  it('serves the OpenAPI document without a token, at /api/openapi.json and /openapi.json', async () => {
    for (const path of ['/api/openapi.json', '/openapi.json']) {
      const response = await fetch(`${server!.baseUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(await response.json(), path).toMatchObject({ openapi: '3.1.0' });
    }
  });

  it('turns away a request without the token with a 401 problem', async () => {
    for (const headers of [{}, { authorization: 'Bearer pw_demo_not-the-token' }]) {
      const response = await fetch(`${server!.baseUrl}/api/workflows`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 401 });
    }
  });

  it('keeps its token and publishes nothing new when restarted over the same data', async () => {
    const { token } = server!;
    await stopServer(server);
    expect(server!.output()).toContain('Pipewright stopped.');
    server = await startServer(dataDir);
    expect(server.token).toBe(token);
    expect(server.output()).toMatch(/lead-routing\.json: compiles \(7 nodes\): version 1 is live \(unchanged\)$/m);
    expect((await fetch(`${server.baseUrl}/api/workflows`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await stopServer(server);
    const storage = await createStorage({ connection: `sqlite:${join(dataDir, 'pipewright.db')}` });
    try {
      const versions = await storage.store.listVersions(asTenantId('demo'), asWorkflowId('lead-routing'));
      expect(versions.map((version) => version.version)).toEqual([1]);
      expect(await storage.store.listVersions(asTenantId('demo'), asWorkflowId('broken-draft'))).toEqual([]);
    } finally {
      await storage.close();
    }
  }, startTimeoutMs + 30_000);
});
