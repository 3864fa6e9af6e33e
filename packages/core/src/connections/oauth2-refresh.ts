import { PipewrightError } from '../errors/pipewright-error';
import { newId, type ConnectionId, type TenantId } from '../ids';
import type { AuditActor, ConnectionRecord } from '../ports/run-store';
import { summarizeCredentials } from './credential-summary';
import type { ConnectionsCore } from './connections-core';
import type { OAuth2Credentials, StoredCredentials } from './credentials';
import { refreshAccessToken, requestClientCredentialsToken, type OAuth2Spec, type OAuth2Tokens } from './oauth2-client';
import { loadConnection, sealCredentials } from './sealed-credentials';

/** A refresh that takes longer than this is presumed dead; another worker may take over. */
const refreshLeaseMs = 30_000;
const pollMs = 50;

export interface OpenedConnection {
  record: ConnectionRecord;
  credentials: StoredCredentials;
}

function lockKey(connectionId: ConnectionId): string {
  return `oauth2-refresh:${connectionId}`;
}

function sleep(core: ConnectionsCore, ms: number): Promise<void> {
  return new Promise((resolve) => core.clock.setTimer(ms, resolve));
}

export function isExpiring(core: ConnectionsCore, credentials: StoredCredentials): boolean {
  return credentials.type === 'oauth2' && credentials.expiresAt !== undefined && credentials.expiresAt - core.refreshSkewMs <= core.clock.now();
}

/**
 * New tokens for an OAuth2 connection, fetched by exactly one worker at a time: the
 * first to take the refresh lock (a flow-state row, compare-and-set) asks the token
 * endpoint; the others wait and then read what it stored. `staleAccessToken` is the
 * token a 401 was answered to: when the stored token differs, someone has already
 * refreshed and nothing is asked.
 */
export async function refreshConnection(
  core: ConnectionsCore,
  spec: OAuth2Spec,
  tenantId: TenantId,
  connectionId: ConnectionId,
  actor: AuditActor,
  staleAccessToken?: string,
): Promise<OpenedConnection> {
  const key = lockKey(connectionId);
  const holder = newId('refresh');
  const deadline = core.clock.now() + refreshLeaseMs * 2;
  for (;;) {
    const current = await loadConnection(core, tenantId, connectionId);
    if (!needsRefresh(core, current.credentials, staleAccessToken)) return current;
    const lock = await core.store.getFlowState(tenantId, key);
    const now = core.clock.now();
    const lockUntil = (lock?.value as { until?: unknown } | undefined)?.until;
    const free = lock === undefined || typeof lockUntil !== 'number' || lockUntil <= now;
    if (free) {
      const taken = await core.store.putFlowState(tenantId, key, { holder, until: now + refreshLeaseMs }, lock?.version ?? 0, now);
      if (taken) {
        try {
          return await refreshHoldingLock(core, spec, tenantId, connectionId, actor, staleAccessToken);
        } finally {
          await core.store.deleteFlowState(tenantId, key, taken.version).catch(() => undefined);
        }
      }
    }
    if (core.clock.now() > deadline) {
      throw new PipewrightError('oauth2_error', `Timed out waiting for another worker to refresh connection ${connectionId}`, { details: { retryable: true } });
    }
    await sleep(core, pollMs);
  }
}

function needsRefresh(core: ConnectionsCore, credentials: StoredCredentials, staleAccessToken: string | undefined): boolean {
  if (credentials.type !== 'oauth2') return false;
  if (staleAccessToken !== undefined) return credentials.accessToken === staleAccessToken;
  return isExpiring(core, credentials);
}

async function refreshHoldingLock(
  core: ConnectionsCore,
  spec: OAuth2Spec,
  tenantId: TenantId,
  connectionId: ConnectionId,
  actor: AuditActor,
  staleAccessToken: string | undefined,
): Promise<OpenedConnection> {
  // Read again under the lock: the previous holder may have finished just now.
  let current = await loadConnection(core, tenantId, connectionId);
  if (!needsRefresh(core, current.credentials, staleAccessToken) || current.credentials.type !== 'oauth2') return current;
  const tokens = await fetchTokens(core, spec, current.credentials);
  for (;;) {
    const credentials = withTokens(current.credentials as OAuth2Credentials, tokens);
    const sealed = await sealCredentials(core, tenantId, connectionId, credentials);
    const next: ConnectionRecord = { ...current.record, ...sealed, summary: summarizeCredentials(credentials), updatedAt: core.clock.now() };
    if (credentials.expiresAt === undefined) delete next.expiresAt;
    else next.expiresAt = credentials.expiresAt;
    const stored = await core.store.updateConnection(next, current.record.version);
    if (stored) {
      await core.audit(tenantId, 'connection.refreshed', stored, actor);
      return { record: stored, credentials };
    }
    // A rename or key re-wrap landed meanwhile: keep it, put the new tokens on top.
    current = await loadConnection(core, tenantId, connectionId);
    if (current.credentials.type !== 'oauth2') return current;
  }
}

function fetchTokens(core: ConnectionsCore, spec: OAuth2Spec, credentials: OAuth2Credentials): Promise<OAuth2Tokens> {
  const client = credentials.clientSecret === undefined ? { clientId: credentials.clientId } : { clientId: credentials.clientId, clientSecret: credentials.clientSecret };
  const options = { fetch: core.fetch, now: core.clock.now() };
  if (credentials.refreshToken !== undefined) return refreshAccessToken(spec, client, credentials.refreshToken, options);
  if (spec.grant === 'clientCredentials') return requestClientCredentialsToken(spec, client, { ...options, scopes: spec.scopes });
  throw new PipewrightError('oauth2_error', 'The access token expired and the connection has no refresh token: connect the account again');
}

export function withTokens(credentials: Omit<OAuth2Credentials, 'accessToken' | 'tokenType'>, tokens: OAuth2Tokens): OAuth2Credentials {
  const next: OAuth2Credentials = { ...credentials, accessToken: tokens.accessToken, tokenType: tokens.tokenType };
  if (tokens.refreshToken !== undefined) next.refreshToken = tokens.refreshToken;
  if (tokens.expiresAt !== undefined) next.expiresAt = tokens.expiresAt;
  else delete next.expiresAt;
  if (tokens.scope !== undefined) next.scope = tokens.scope;
  return next;
}
