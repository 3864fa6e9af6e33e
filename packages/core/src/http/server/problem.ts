import { PipewrightError, type PipewrightErrorCode } from '../../errors/pipewright-error';
import { problemDetails } from '../../errors/problem-details';
import { formatJsonPath } from '../../model/validation-issue';

/** Codes the HTTP layer adds to the engine's own. */
export type HttpProblemCode =
  | 'unauthenticated'
  | 'forbidden'
  | 'route_not_found'
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'invalid_request'
  | 'request_too_large'
  | 'conflict'
  | 'internal';

export type ProblemCode = PipewrightErrorCode | HttpProblemCode;

const titles: Partial<Record<ProblemCode, string>> = {
  unauthenticated: 'Authentication required',
  forbidden: 'Not allowed for your role',
  route_not_found: 'No such route',
  malformed_json: 'The body is not valid JSON',
  unsupported_media_type: 'The body must be application/json',
  invalid_request: 'The request does not match the schema',
  request_too_large: 'The request body is too large',
  conflict: 'Conflicts with the current state',
  not_found: 'Not found',
  invalid_workflow: 'The workflow is invalid',
  run_finished: 'The run has finished',
  invalid_token: 'The token is not valid',
  invalid_cursor: 'The cursor is not valid',
  invalid_input: 'The input is invalid',
  invalid_credentials: 'The credentials are invalid',
  invalid_node_config: 'The node config is invalid',
  unknown_node_type: 'Unknown node type',
  payload_too_large: 'The payload is too large',
  oauth2_error: 'The OAuth2 server refused',
  vault_not_configured: 'Connections are not configured on this server',
  internal: 'Internal error',
};

/** HTTP status of each engine error code that a caller can cause; anything else is a 500. */
const statusOfCode: Partial<Record<PipewrightErrorCode, number>> = {
  not_found: 404,
  invalid_workflow: 422,
  invalid_node_config: 422,
  unknown_node_type: 422,
  invalid_expression: 422,
  invalid_input: 400,
  invalid_cursor: 400,
  invalid_token: 400,
  invalid_credentials: 400,
  run_finished: 409,
  payload_too_large: 413,
  oauth2_error: 502,
  vault_not_configured: 501,
};

export function problemResponse(status: number, code: ProblemCode, detail?: string, extra: Record<string, unknown> = {}): Response {
  return problemDetails(status, code, titles[code] ?? code.replaceAll('_', ' '), detail, extra, status === 401 ? { 'www-authenticate': 'Bearer' } : {});
}

/**
 * The problem for a thrown error. Engine errors a caller caused keep their code and
 * message; anything else becomes a bare 500 so no internal detail (a query, a stack,
 * a secret in a driver's message) reaches the response.
 */
export function problemForError(error: unknown, log: (message: string, error: unknown) => void): Response {
  if (PipewrightError.is(error)) {
    const status = statusOfCode[error.code];
    if (status !== undefined) {
      const extra: Record<string, unknown> = {};
      const issues = error.details['issues'];
      const diagnostics = error.details['diagnostics'];
      if (Array.isArray(issues)) extra['errors'] = issues.map(toWireIssue);
      if (Array.isArray(diagnostics)) extra['diagnostics'] = diagnostics;
      return problemResponse(status, error.code, error.message, extra);
    }
  }
  log('An API request failed', error);
  return problemResponse(500, 'internal', 'The server could not complete the request');
}

function toWireIssue(issue: unknown): { path: string; message: string; code?: string } {
  const { path, message, code } = (issue ?? {}) as { path?: unknown; message?: unknown; code?: unknown };
  const wire: { path: string; message: string; code?: string } = {
    path: Array.isArray(path) ? formatJsonPath(path.filter((segment): segment is string | number => typeof segment === 'string' || typeof segment === 'number')) : '$',
    message: typeof message === 'string' ? message : 'Invalid',
  };
  if (typeof code === 'string') wire.code = code;
  return wire;
}
