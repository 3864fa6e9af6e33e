import { problemDetails } from '@pipewright/core/http';

export type FetchHandler = (request: Request) => Promise<Response>;

/** Where the demo server mounts what. */
export const apiBasePath = '/api';
export const hooksBasePath = '/hooks';

/** Sends each request to the API or the webhook ingress by its path. */
export function routeRequests(handlers: { api: FetchHandler; hooks: FetchHandler }): FetchHandler {
  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === apiBasePath || path.startsWith(`${apiBasePath}/`)) return handlers.api(request);
    // The ingress takes the last path segment as the webhook's path, whatever the prefix.
    if (path.startsWith(`${hooksBasePath}/`)) return handlers.hooks(request);
    if (path === '/openapi.json' && (request.method === 'GET' || request.method === 'HEAD')) {
      url.pathname = `${apiBasePath}/openapi.json`;
      return handlers.api(new Request(url, { method: request.method, headers: request.headers, signal: request.signal }));
    }
    if (path === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
      return Response.json({
        name: 'Pipewright demo',
        api: apiBasePath,
        openapi: '/openapi.json',
        health: `${apiBasePath}/health`,
        webhooks: `${hooksBasePath}/<path>`,
      });
    }
    return notFound(`No route for ${request.method} ${path.slice(0, 200)}: the API is under ${apiBasePath}/, webhooks under ${hooksBasePath}/`);
  };
}

/** A 404 in the shape of the API's own problems (RFC 9457), so clients read one kind. */
function notFound(detail: string): Response {
  return problemDetails(404, 'route_not_found', 'No such route', detail);
}
