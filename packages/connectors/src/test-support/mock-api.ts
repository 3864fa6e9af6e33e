import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the local API saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The raw body text. */
  text: string;
  /** The body parsed as JSON, or as a form for form bodies; undefined otherwise. */
  body: unknown;
}

/** How the local API answers one request. */
export interface MockReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (set a content type in `headers`). */
  text?: string;
}

export interface MockApi {
  /** `http://127.0.0.1:<port>`: what a test passes as the connector's base URL. */
  url: string;
  requests: SeenRequest[];
  /** Answers every later request; replace it to change the answer. */
  reply: (request: SeenRequest) => MockReply | Promise<MockReply>;
  close(): Promise<void>;
}

function parseBody(headers: IncomingHttpHeaders, text: string): unknown {
  const type = headers['content-type'] ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return undefined;
}

/**
 * A local HTTP server on 127.0.0.1 standing in for a service's API: it records each
 * request (method, path, query, headers, body) and answers with what `reply` returns,
 * so a test can check the request the real API requires and answer with its real shapes.
 */
export async function startMockApi(reply: MockApi['reply'] = () => ({ json: {} })): Promise<MockApi> {
  const api: MockApi = {
    url: '',
    requests: [],
    reply,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      const seen: SeenRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: incoming.headers,
        text,
        body: parseBody(incoming.headers, text),
      };
      api.requests.push(seen);
      void Promise.resolve(api.reply(seen)).then((answer) => {
        const headers: Record<string, string> = { ...(answer.json !== undefined ? { 'content-type': 'application/json' } : {}), ...answer.headers };
        outgoing.writeHead(answer.status ?? 200, headers);
        outgoing.end(answer.json !== undefined ? JSON.stringify(answer.json) : (answer.text ?? ''));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}
