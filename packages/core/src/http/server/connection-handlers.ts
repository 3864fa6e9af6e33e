import { PipewrightError } from '../../errors/pipewright-error';
import { encodeBase64 } from '../../secrets/base64';
import { webhookSecretConnector } from '../../triggers/webhook-secret-connector';
import { isoTime, pageRequest } from '../contract/common-schemas';
import { tenantOf, type HandlerContext, type OperationHandlers } from './handler-types';
import { formatJsonPath } from '../../model/validation-issue';
import { problemResponse } from './problem';
import { RequestRejected } from './read-request';
import { auditToWire, connectionToWire, logsToWire } from './wire';

async function requireConnection(context: HandlerContext, connectionId: string) {
  const connection = await context.engine.connections.get(tenantOf(context), connectionId);
  if (!connection) throw new PipewrightError('not_found', `Connection ${connectionId} does not exist`);
  return connection;
}

/** 32 random bytes, in the `whsec_<base64>` form Standard Webhooks senders expect. */
function newWebhookSecret(prefix: 'whsec_' | 'none'): string {
  const secret = encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
  return prefix === 'none' ? secret : `whsec_${secret}`;
}

export const connectionHandlers = {
  async listConnections({ query }, context) {
    const page = await context.engine.connections.list(tenantOf(context), { ...pageRequest(query), ...(query.connectorId === undefined ? {} : { connectorId: query.connectorId }) });
    return { items: page.items.map(connectionToWire), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  },

  async createConnection({ body }, context) {
    return connectionToWire(await context.engine.connections.create(tenantOf(context), body));
  },

  async authorizeConnection({ body }, context) {
    const request: Parameters<typeof context.engine.connections.authorize>[1] = { connectorId: body.connectorId, name: body.name, redirectUri: body.redirectUri };
    if (body.scopes !== undefined) request.scopes = body.scopes;
    if (body.connectionId !== undefined) request.connectionId = body.connectionId;
    const authorization = await context.engine.connections.authorize(tenantOf(context), request);
    return { url: authorization.url, state: authorization.state, expiresAt: isoTime(authorization.expiresAt) };
  },

  async completeConnectionAuthorization({ query }, context) {
    if (query.error !== undefined) {
      throw new RequestRejected(problemResponse(400, 'oauth2_error', `The provider answered ${query.error}${query.error_description === undefined ? '' : `: ${query.error_description}`}`));
    }
    if (query.state === undefined || query.code === undefined) {
      throw new RequestRejected(problemResponse(400, 'invalid_request', 'The callback needs state and code', { errors: [{ path: '$.query', message: 'state and code are required' }] }));
    }
    return connectionToWire(await context.engine.connections.completeAuthorization(tenantOf(context), { state: query.state, code: query.code }));
  },

  async getConnection({ params }, context) {
    return connectionToWire(await requireConnection(context, params.connectionId));
  },

  async updateConnection({ params, body }, context) {
    const patch: Parameters<typeof context.engine.connections.update>[2] = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.credentials !== undefined) patch.credentials = body.credentials;
    return connectionToWire(await context.engine.connections.update(tenantOf(context), params.connectionId, patch));
  },

  async deleteConnection({ params }, context) {
    if (!(await context.engine.connections.delete(tenantOf(context), params.connectionId))) throw new PipewrightError('not_found', `Connection ${params.connectionId} does not exist`);
  },

  async testConnection({ params }, context) {
    return context.engine.connections.test(tenantOf(context), params.connectionId);
  },

  async listConnectionAudit({ params, query }, context) {
    await requireConnection(context, params.connectionId);
    const page = await context.engine.connections.audit(tenantOf(context), { connectionId: params.connectionId, ...pageRequest(query) });
    return { items: page.items.map(auditToWire), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  },

  async rotateWebhookSecret({ params, body }, context) {
    const connection = await requireConnection(context, params.connectionId);
    if (connection.connectorId !== webhookSecretConnector.id) {
      throw new RequestRejected(problemResponse(409, 'conflict', `Connection ${params.connectionId} is not a webhook secret (connector ${webhookSecretConnector.id})`));
    }
    const secret = newWebhookSecret(body?.prefix ?? 'whsec_');
    const updated = await context.engine.connections.update(tenantOf(context), params.connectionId, { credentials: { type: 'bearer', token: secret } });
    return { connection: connectionToWire(updated), secret };
  },

  async testConnectorAction({ body }, context) {
    const request: Parameters<typeof context.engine.connectors.testAction>[1] = { type: body.type, config: body.config };
    if (body.connectionId !== undefined) request.connectionId = body.connectionId;
    if (body.input !== undefined) request.input = body.input;
    if (body.timeoutMs !== undefined) request.timeoutMs = body.timeoutMs;
    const result = await context.engine.connectors.testAction(tenantOf(context), request);
    if ('issues' in result) return { ok: false as const, issues: result.issues.map((issue) => ({ path: formatJsonPath(issue.path), message: issue.message, code: issue.code })) };
    if (result.ok) return { ok: true as const, output: result.output ?? null, ...(result.handle === undefined ? {} : { handle: result.handle }), logs: logsToWire(result.logs), durationMs: result.durationMs };
    return { ok: false as const, error: result.error, logs: logsToWire(result.logs), durationMs: result.durationMs };
  },
} satisfies Partial<OperationHandlers>;
