import type { Engine } from '@pipewright/core';
import { createHttpHandler, type HttpApiOptions } from '@pipewright/core/http';
import { apiBasePath, hooksBasePath, routeRequests, type FetchHandler } from './route-requests';

export interface DemoAppOptions {
  engine: Engine;
  authorize: HttpApiOptions['authorize'];
  /** The server's address as users reach it, e.g. `http://localhost:8080`: webhook URLs the API shows start with it. */
  publicUrl: string;
  /** Where unexpected errors go; the response carries none of their details. */
  onError?: HttpApiOptions['onError'];
}

/**
 * The demo server as one fetch handler: the HTTP API under `/api`, the engine's webhook
 * ingress under `/hooks/`, and the OpenAPI document also at `/openapi.json`. Opens no
 * socket, so a test can call it with a `Request`.
 *
 * @example
 * ```ts
 * const fetch = createDemoApp({ engine, authorize, publicUrl: 'http://localhost:8080' });
 * const response = await fetch(new Request('http://localhost:8080/openapi.json'));
 * ```
 */
export function createDemoApp(options: DemoAppOptions): FetchHandler {
  const api = createHttpHandler({
    engine: options.engine,
    authorize: options.authorize,
    basePath: apiBasePath,
    webhookBaseUrl: `${options.publicUrl.replace(/\/+$/, '')}${hooksBasePath}`,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  return routeRequests({ api, hooks: options.engine.webhookHandler });
}
