import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { asConnectionId, asTenantId, newId, type TenantId } from '../ids';
import { fromZodIssues } from '../model/validation-issue';
import type { AuditActor, AuditEntry, ConnectionRecord, Page } from '../ports/run-store';
import type { ConnectorDefinition } from '../registry/connector-definition';
import { toRecordedError } from '../reliability/classify-error';
import { Redactor } from '../secrets/redactor';
import type { ConnectionsCore } from './connections-core';
import { summarizeCredentials } from './credential-summary';
import { credentialsInputSchema, type CredentialsInput, type StoredCredentials } from './credentials';
import { rotateConnectionKeys, type KeyRotationResult } from './key-rotation';
import { beginAuthorization, completeAuthorization } from './oauth2-authorization';
import { requestClientCredentialsToken, type OAuth2Client } from './oauth2-client';
import { withTokens } from './oauth2-refresh';
import { authSpecOf, oauth2SpecOf } from './parsed-auth-spec';
import { sealCredentials } from './sealed-credentials';
import { openStepConnection } from './step-connection';

/** Who calls: the tenant, and the user for the audit trail. */
export interface ConnectionsContext {
  tenantId: string;
  userId?: string;
}

/** A connection as the API shows it: a masked summary, never the secret. */
export interface ConnectionView {
  id: string;
  connectorId: string;
  name: string;
  authType: string;
  summary: Record<string, string>;
  expiresAt?: number;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export type ConnectionTestResult = { ok: true } | { ok: false; error: { code: string; message: string } };

export interface ConnectionsApi {
  create(ctx: ConnectionsContext, input: { connectorId: string; name: string; credentials: CredentialsInput }): Promise<ConnectionView>;
  /** Renames and/or replaces the credentials. */
  update(ctx: ConnectionsContext, id: string, patch: { name?: string; credentials?: CredentialsInput }): Promise<ConnectionView>;
  delete(ctx: ConnectionsContext, id: string): Promise<boolean>;
  get(ctx: ConnectionsContext, id: string): Promise<ConnectionView | undefined>;
  list(ctx: ConnectionsContext, options?: { connectorId?: string; limit?: number; cursor?: string }): Promise<Page<ConnectionView>>;
  /** Uses the credentials once: the connector's `testConnection`, or for OAuth2 a valid (refreshed if need be) token. */
  test(ctx: ConnectionsContext, id: string): Promise<ConnectionTestResult>;
  /**
   * Starts the OAuth2 authorization-code grant (with PKCE when the connector asks):
   * send the user to `url`; the provider comes back to `redirectUri` with `code` and
   * `state` for `completeAuthorization`. The client is the host's registered app for the
   * connector (`createEngine({ oauthClients })`) unless one is given.
   */
  authorize(
    ctx: ConnectionsContext,
    request: { connectorId: string; name: string; redirectUri: string; scopes?: string[]; client?: OAuth2Client; connectionId?: string },
  ): Promise<{ url: string; state: string; expiresAt: number }>;
  /** Exchanges the callback's code for tokens and creates the connection (or reconnects `connectionId`). */
  completeAuthorization(ctx: ConnectionsContext, callback: { state: string; code: string }): Promise<ConnectionView>;
  /** The tenant's audit trail of secret access, newest first. */
  audit(ctx: ConnectionsContext, options?: { connectionId?: string; limit?: number; cursor?: string }): Promise<Page<AuditEntry>>;
  /**
   * Re-wraps every connection's data key with the vault's active key, in batches, while
   * the engine keeps running: the old key must stay in the key ring until this returns.
   */
  rotateKeys(options?: { batchSize?: number }): Promise<KeyRotationResult>;
}

// 191 characters fit the byte-compared name index of MySQL (764 bytes) in any script.
const nameSchema = z.string().trim().min(1).max(191);
const createSchema = z.object({ connectorId: z.string().min(1), name: nameSchema, credentials: z.unknown() });
const updateSchema = z.object({ name: nameSchema.optional(), credentials: z.unknown().optional() });

export function toConnectionView(record: ConnectionRecord): ConnectionView {
  const view: ConnectionView = {
    id: record.id,
    connectorId: record.connectorId,
    name: record.name,
    authType: record.authType,
    summary: { ...record.summary },
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.expiresAt !== undefined) view.expiresAt = record.expiresAt;
  return view;
}

function userActor(ctx: ConnectionsContext): AuditActor {
  return ctx.userId === undefined ? { type: 'user' } : { type: 'user', userId: ctx.userId };
}

function invalid(message: string, issues: z.core.$ZodIssue[]): PipewrightError {
  // Paths and messages only: zod messages name expected types, never the values given.
  return new PipewrightError('invalid_credentials', message, { details: { issues: fromZodIssues(issues) } });
}

export function createConnectionsApi(core: ConnectionsCore): ConnectionsApi {
  function connectorOf(connectorId: string): ConnectorDefinition {
    const connector = core.registry.connectors().find((entry) => entry.id === connectorId);
    if (!connector) throw new PipewrightError('not_found', `Connector ${connectorId} is not installed`, { details: { connectorId } });
    return connector;
  }

  /** Validates credentials against the connector's auth spec; fetches a client-credentials token. */
  async function credentialsFor(connector: ConnectorDefinition, input: unknown): Promise<StoredCredentials> {
    const parsed = credentialsInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(`Credentials for ${connector.id} are not valid`, parsed.error.issues);
    const credentials = parsed.data;
    const spec = authSpecOf(connector);
    if (credentials.type !== spec.type) {
      throw new PipewrightError('invalid_credentials', `Connector ${connector.id} takes ${spec.type} credentials, not ${credentials.type}`);
    }
    if (credentials.type !== 'oauth2' || spec.type !== 'oauth2') return credentials as StoredCredentials;
    const { accessToken, tokenType, ...client } = credentials;
    if (accessToken !== undefined) return { ...credentials, accessToken, tokenType: tokenType ?? 'Bearer' };
    if (spec.grant !== 'clientCredentials') {
      throw new PipewrightError('invalid_credentials', `Connector ${connector.id} uses the authorization-code grant: connect it with connections.authorize`);
    }
    const oauthClient = client.clientSecret === undefined ? { clientId: client.clientId } : { clientId: client.clientId, clientSecret: client.clientSecret };
    const tokens = await requestClientCredentialsToken(spec, oauthClient, { fetch: core.fetch, now: core.clock.now(), scopes: spec.scopes });
    return withTokens(client, tokens);
  }

  async function insert(tenantId: TenantId, connector: ConnectorDefinition, name: string, credentials: StoredCredentials, actor: AuditActor): Promise<ConnectionView> {
    const id = asConnectionId(newId('conn'));
    const now = core.clock.now();
    const record: ConnectionRecord = {
      tenantId,
      id,
      connectorId: connector.id,
      name,
      authType: credentials.type,
      ...(await sealCredentials(core, tenantId, id, credentials)),
      summary: summarizeCredentials(credentials),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    if (credentials.type === 'oauth2' && credentials.expiresAt !== undefined) record.expiresAt = credentials.expiresAt;
    if (!(await core.store.createConnection(record))) throw new PipewrightError('internal', 'A new connection id was taken');
    await core.audit(tenantId, 'connection.created', record, actor);
    return toConnectionView(record);
  }

  async function replaceCredentials(
    tenantId: TenantId,
    id: string,
    change: (record: ConnectionRecord) => Promise<{ name?: string; credentials?: StoredCredentials }>,
    actor: AuditActor,
  ): Promise<ConnectionView> {
    for (;;) {
      const record = await core.store.getConnection(tenantId, asConnectionId(id));
      if (!record) throw new PipewrightError('not_found', `Connection ${id} does not exist`, { details: { connectionId: id } });
      const patch = await change(record);
      const next: ConnectionRecord = { ...record, updatedAt: core.clock.now() };
      if (patch.name !== undefined) next.name = patch.name;
      if (patch.credentials !== undefined) {
        Object.assign(next, await sealCredentials(core, tenantId, record.id, patch.credentials));
        next.authType = patch.credentials.type;
        next.summary = summarizeCredentials(patch.credentials);
        if (patch.credentials.type === 'oauth2' && patch.credentials.expiresAt !== undefined) next.expiresAt = patch.credentials.expiresAt;
        else delete next.expiresAt;
      }
      const stored = await core.store.updateConnection(next, record.version);
      if (stored) {
        await core.audit(tenantId, 'connection.updated', stored, actor, patch.credentials === undefined ? { changed: 'name' } : { changed: 'credentials' });
        return toConnectionView(stored);
      }
    }
  }

  return {
    async create(ctx, input) {
      const parsed = createSchema.safeParse(input);
      if (!parsed.success) throw invalid('The connection is not valid', parsed.error.issues);
      const connector = connectorOf(parsed.data.connectorId);
      const credentials = await credentialsFor(connector, parsed.data.credentials);
      return insert(asTenantId(ctx.tenantId), connector, parsed.data.name, credentials, userActor(ctx));
    },

    async update(ctx, id, patch) {
      const parsed = updateSchema.safeParse(patch);
      if (!parsed.success) throw invalid('The connection change is not valid', parsed.error.issues);
      const { name, credentials } = parsed.data;
      return replaceCredentials(
        asTenantId(ctx.tenantId),
        id,
        async (record) => {
          const change: { name?: string; credentials?: StoredCredentials } = {};
          if (name !== undefined) change.name = name;
          if (credentials !== undefined) change.credentials = await credentialsFor(connectorOf(record.connectorId), credentials);
          return change;
        },
        userActor(ctx),
      );
    },

    async delete(ctx, id) {
      const tenantId = asTenantId(ctx.tenantId);
      const deleted = await core.store.deleteConnection(tenantId, asConnectionId(id));
      if (deleted) await core.audit(tenantId, 'connection.deleted', { id: asConnectionId(id) }, userActor(ctx));
      return deleted;
    },

    async get(ctx, id) {
      const record = await core.store.getConnection(asTenantId(ctx.tenantId), asConnectionId(id));
      return record && toConnectionView(record);
    },

    async list(ctx, options = {}) {
      const filter = options.connectorId === undefined ? {} : { connectorId: options.connectorId };
      const page: { limit?: number; cursor?: string } = {};
      if (options.limit !== undefined) page.limit = options.limit;
      if (options.cursor !== undefined) page.cursor = options.cursor;
      const result = await core.store.listConnections(asTenantId(ctx.tenantId), filter, page);
      return result.nextCursor === undefined ? { items: result.items.map(toConnectionView) } : { items: result.items.map(toConnectionView), nextCursor: result.nextCursor };
    },

    async test(ctx, id) {
      const tenantId = asTenantId(ctx.tenantId);
      const record = await core.store.getConnection(tenantId, asConnectionId(id));
      if (!record) throw new PipewrightError('not_found', `Connection ${id} does not exist`, { details: { connectionId: id } });
      const connector = connectorOf(record.connectorId);
      const actor = userActor(ctx);
      let secrets: readonly string[] = [];
      try {
        const connection = await openStepConnection(core, connector, tenantId, record.id, actor);
        secrets = connection.secretValues();
        await connector.testConnection?.({ connection, signal: AbortSignal.timeout(30_000) });
        secrets = connection.secretValues();
        await core.audit(tenantId, 'connection.tested', record, actor, { result: 'ok' });
        return { ok: true };
      } catch (error) {
        const recorded = toRecordedError(error, core.clock.now());
        const message = core.knownSecrets.redactor().redactString(new Redactor({ secrets }).redactString(recorded.message));
        await core.audit(tenantId, 'connection.tested', record, actor, { result: 'failed', code: recorded.code });
        return { ok: false, error: { code: recorded.code, message } };
      }
    },

    async authorize(ctx, request) {
      const connector = connectorOf(request.connectorId);
      const spec = oauth2SpecOf(connector);
      if (!spec || spec.grant !== 'authorizationCode') {
        throw new PipewrightError('invalid_credentials', `Connector ${connector.id} does not use the OAuth2 authorization-code grant`);
      }
      const client = request.client ?? core.oauthClients[connector.id];
      if (!client) throw new PipewrightError('invalid_credentials', `No OAuth2 client is registered for ${connector.id}: pass oauthClients to createEngine`);
      if (request.connectionId !== undefined && !(await core.store.getConnection(asTenantId(ctx.tenantId), asConnectionId(request.connectionId)))) {
        throw new PipewrightError('not_found', `Connection ${request.connectionId} does not exist`);
      }
      return beginAuthorization(core, asTenantId(ctx.tenantId), spec, { ...request, name: nameSchema.parse(request.name), client });
    },

    async completeAuthorization(ctx, callback) {
      const tenantId = asTenantId(ctx.tenantId);
      const { pending, client, tokens } = await completeAuthorization(core, tenantId, (connectorId) => {
        const spec = oauth2SpecOf(connectorOf(connectorId));
        if (!spec) throw new PipewrightError('invalid_credentials', `Connector ${connectorId} does not use OAuth2`);
        return spec;
      }, callback);
      const credentials = withTokens(client.clientSecret === undefined ? { type: 'oauth2', clientId: client.clientId } : { type: 'oauth2', ...client }, tokens);
      const connector = connectorOf(pending.connectorId);
      if (pending.connectionId === undefined) return insert(tenantId, connector, pending.name, credentials, userActor(ctx));
      return replaceCredentials(tenantId, pending.connectionId, () => Promise.resolve({ credentials }), userActor(ctx));
    },

    async audit(ctx, options = {}) {
      const filter = options.connectionId === undefined ? {} : { connectionId: asConnectionId(options.connectionId) };
      const page: { limit?: number; cursor?: string } = {};
      if (options.limit !== undefined) page.limit = options.limit;
      if (options.cursor !== undefined) page.cursor = options.cursor;
      return core.store.listAudit(asTenantId(ctx.tenantId), filter, page);
    },

    rotateKeys: (options = {}) => rotateConnectionKeys(core, options.batchSize ?? 100),
  };
}
