import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { coreNodes, createEngine, createLocalKeyRing, createRegistry, generateKeyEncryptionKey, SecretVault, webhookSecretConnector, type ConnectorDefinition, type Engine } from '@pipewright/core';

/** An engine whose webhook ingress is mounted on a real HTTP server, with a signing secret stored as a connection. */
export interface WebhookEngine {
  engine: Engine;
  /** `http://127.0.0.1:<port>`; webhooks answer under `/hooks/<path>`. */
  baseUrl: string;
  /** The connection id holding the signing secret. */
  secretId: string;
  close(): Promise<void>;
}

/**
 * Starts an engine with `connector`, mounts `engine.webhookHandler` on a node HTTP server
 * the way a host would, and stores `secret` as a `webhookSecret` connection.
 */
export async function startWebhookEngine(connector: ConnectorDefinition, secret: string, tenantId: string): Promise<WebhookEngine> {
  const engine = createEngine({
    registry: createRegistry([...coreNodes, webhookSecretConnector, connector]),
    vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })),
  });
  engine.start();
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
      const body = incoming.method === 'GET' || incoming.method === 'HEAD' ? null : Buffer.concat(chunks);
      void engine.webhookHandler(new Request(`http://127.0.0.1${incoming.url ?? '/'}`, { method: incoming.method ?? 'GET', headers, body })).then(async (response) => {
        outgoing.writeHead(response.status, Object.fromEntries(response.headers));
        outgoing.end(Buffer.from(await response.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const secretId = (await engine.connections.create({ tenantId }, { connectorId: 'webhookSecret', name: 'signing secret', credentials: { type: 'bearer', token: secret } })).id;
  return {
    engine,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secretId,
    async close() {
      await engine.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
