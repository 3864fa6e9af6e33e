import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { z } from 'zod';
import { PipewrightError } from '../../errors/pipewright-error';
import { coreNodes } from '../../nodes/core-nodes';
import { defineConnector } from '../../registry/connector-definition';
import { createRegistry } from '../../registry/create-registry';
import { defineNode } from '../../registry/node-definition';
import { createEngine, type Engine, type EngineOptions } from '../../runtime/engine';
import { createLocalKeyRing, generateKeyEncryptionKey } from '../../secrets/key-ring';
import { SecretVault } from '../../secrets/secret-vault';
import { webhookSecretConnector } from '../../triggers/webhook-secret-connector';
import { createClient, type Client } from '../client/create-client';
import type { Role } from '../contract/operation';
import { createHttpHandler } from '../server/create-http-handler';
import type { HttpApiOptions, Principal } from '../server/handler-types';

/**
 * A connector whose action echoes its input and whose connection test passes for the
 * token `good` only: enough to drive every connection route without a real service.
 */
export const echoConnector = defineConnector({
  id: 'echo',
  name: 'Echo',
  auth: { type: 'bearer' },
  nodes: [
    defineNode({
      type: 'echo.say',
      version: 1,
      title: 'Say',
      description: 'Returns what it is given',
      category: 'Test',
      sideEffects: true,
      sampleOutput: { said: 'sample' },
      configSchema: z.object({ connection: z.string().optional(), text: z.string() }),
      run: async ({ config, logger }) => {
        logger.info(`saying ${config.text}`);
        if (config.text === 'fail') throw new PipewrightError('fatal', 'Asked to fail');
        return { said: config.text };
      },
    }),
  ],
  triggers: [],
  testConnection: async ({ connection }) => {
    if (connection.credentials.type !== 'bearer' || connection.credentials.token !== 'good') throw new Error('The token is not accepted');
  },
});

/** `Authorization: Bearer <tenant>:<role>[:<user>]`: the test host's whole notion of identity. */
export function tokenFor(tenantId: string, role: Role, userId = 'user'): string {
  return `${tenantId}:${role}:${userId}`;
}

function authorizeFromToken(request: Request): Principal | null {
  const match = /^Bearer ([^:\s]+):(viewer|editor|admin):([^:\s]+)$/.exec(request.headers.get('authorization') ?? '');
  if (!match) return null;
  return { tenantId: match[1] ?? '', role: match[2] as Role, userId: match[3] ?? '' };
}

export interface ApiServer {
  engine: Engine;
  /** The engine's vault, for a second engine on the same store (another worker). */
  vault: SecretVault;
  /** The fetch handler itself, for requests a socket would refuse before the API sees them (URLs over Node's 16 KiB header limit). */
  handler: (request: Request) => Promise<Response>;
  /** `http://127.0.0.1:<port>/api` */
  baseUrl: string;
  /** A typed client calling as `tenantId` with `role`. */
  client(tenantId: string, role: Role): Client;
  /** A raw request with a token for `tenantId` and `role` (or none). */
  fetch(path: string, init?: RequestInit & { as?: { tenantId: string; role: Role } }): Promise<Response>;
  close(): Promise<void>;
}

/** The engine (in memory, with a vault) and its HTTP API on a real socket on 127.0.0.1. */
export async function startApiServer(options: { engine?: Partial<EngineOptions>; api?: Partial<HttpApiOptions> } = {}): Promise<ApiServer> {
  const vault = new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } }));
  const engine = createEngine({ registry: createRegistry([...coreNodes, webhookSecretConnector, echoConnector]), vault, ...options.engine });
  engine.start();
  const errors: unknown[] = [];
  const handler = createHttpHandler({
    engine,
    basePath: '/api',
    authorize: authorizeFromToken,
    webhookBaseUrl: 'http://127.0.0.1/hooks',
    validateResponses: true,
    streamPollMs: 200,
    onError: (_message, error) => errors.push(error),
    ...options.api,
  });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return {
    engine,
    vault,
    handler,
    baseUrl,
    client: (tenantId, role) => createClient({ baseUrl, headers: { authorization: `Bearer ${tokenFor(tenantId, role)}` } }),
    fetch: (path, init = {}) => {
      const { as, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (as) headers.set('authorization', `Bearer ${tokenFor(as.tenantId, as.role)}`);
      return fetch(`${baseUrl}${path}`, { ...rest, headers });
    },
    async close() {
      await engine.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // A 500 in a test is a bug even when the test did not look at that response.
      if (errors.length > 0) throw new Error(`The API reported ${errors.length} unexpected error(s): ${errors.map((error) => String((error as Error).stack ?? error)).join('\n')}`);
    },
  };
}

/** A two-step workflow: a manual trigger, then `echo.say`. */
export function echoWorkflow(id: string, text = 'hello'): Record<string, unknown> {
  return {
    id,
    name: `Echo ${id}`,
    nodes: [
      { id: 'start', type: 'core.manual' },
      { id: 'say', type: 'echo.say', config: { text } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'say' }],
  };
}

/**
 * Asserts an RFC 9457 answer: the status, `application/problem+json`, and a body with
 * that status, the stable `code` and its `urn:pipewright:problem:<code>` type.
 */
export async function expectProblem(response: Response, status: number, code: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  // Status and body together, so a failure shows what the API said.
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `urn:pipewright:problem:${code}` });
  return body;
}
