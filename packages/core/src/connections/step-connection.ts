import { PipewrightError } from '../errors/pipewright-error';
import type { ConnectionId, TenantId } from '../ids';
import type { AuditActor } from '../ports/run-store';
import type { ConnectorDefinition } from '../registry/connector-definition';
import { applyAuth, type AuthTarget } from './apply-auth';
import type { ConnectionsCore } from './connections-core';
import { secretValuesOf, type StoredCredentials } from './credentials';
import { isExpiring, refreshConnection, type OpenedConnection } from './oauth2-refresh';
import { loadConnection } from './sealed-credentials';
import { authSpecOf, oauth2SpecOf } from './parsed-auth-spec';

/**
 * A connection as a running step sees it (`ctx.connection`). The credentials live
 * only here and in the vault: whatever a step returns, logs or throws is redacted of
 * every secret value this handle gave out, refreshed tokens included.
 */
export interface StepConnection {
  readonly id: string;
  readonly connectorId: string;
  readonly name: string;
  readonly authType: StoredCredentials['type'];
  /** The decrypted credentials (for OAuth2, the current token); for clients other than fetch, e.g. SMTP. */
  readonly credentials: StoredCredentials;
  /** Puts the credentials on a request's URL and headers as the connector's auth spec says. */
  authorize(target: AuthTarget): void;
  /**
   * `fetch` with the credentials applied. For OAuth2, a 401 refreshes the token once
   * (one refresh across all workers) and sends the request again; a body that is a
   * stream cannot be sent twice, so the 401 is returned as is then.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** Refreshes an OAuth2 token now, e.g. when a service reports an invalid token with a status other than 401. */
  refresh(): Promise<void>;
}

export class OpenStepConnection implements StepConnection {
  private readonly given = new Set<string>();

  constructor(
    private readonly core: ConnectionsCore,
    private readonly connector: ConnectorDefinition,
    private readonly tenantId: TenantId,
    private readonly actor: AuditActor,
    private opened: OpenedConnection,
  ) {
    this.remember();
  }

  get id(): string {
    return this.opened.record.id;
  }
  get connectorId(): string {
    return this.opened.record.connectorId;
  }
  get name(): string {
    return this.opened.record.name;
  }
  get authType(): StoredCredentials['type'] {
    return this.opened.credentials.type;
  }
  get credentials(): StoredCredentials {
    return this.opened.credentials;
  }

  /** What a step that returns or logs the handle itself records: no credentials. */
  toJSON(): { id: string; connectorId: string; name: string; authType: string } {
    return { id: this.id, connectorId: this.connectorId, name: this.name, authType: this.authType };
  }

  /** Every secret value this handle has held: what the step's results are redacted of. */
  secretValues(): readonly string[] {
    return [...this.given];
  }

  authorize(target: AuthTarget): void {
    applyAuth(authSpecOf(this.connector), this.opened.credentials, target);
  }

  async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const send = (): Promise<Response> => {
      const target = { url: new URL(input), headers: new Headers(init.headers) };
      this.authorize(target);
      return this.core.fetch(target.url, { ...init, headers: target.headers });
    };
    const usedToken = this.opened.credentials.type === 'oauth2' ? this.opened.credentials.accessToken : undefined;
    const response = await send();
    if (response.status !== 401 || usedToken === undefined || !canResend(init.body)) return response;
    await response.body?.cancel().catch(() => undefined);
    await this.refreshFrom(usedToken);
    return send();
  }

  async refresh(): Promise<void> {
    if (this.opened.credentials.type !== 'oauth2') return;
    await this.refreshFrom(this.opened.credentials.accessToken);
  }

  private async refreshFrom(staleAccessToken: string): Promise<void> {
    const spec = oauth2SpecOf(this.connector);
    if (!spec) return;
    this.opened = await refreshConnection(this.core, spec, this.tenantId, this.opened.record.id, this.actor, staleAccessToken);
    this.remember();
  }

  private remember(): void {
    for (const value of secretValuesOf(this.opened.credentials)) this.given.add(value);
  }
}

function canResend(body: RequestInit['body']): boolean {
  return body === undefined || body === null || !(body instanceof ReadableStream);
}

/**
 * Decrypts a connection for a step of a run, refreshing an OAuth2 token that is about
 * to expire, and records who decrypted it.
 */
export async function openStepConnection(
  core: ConnectionsCore,
  connector: ConnectorDefinition,
  tenantId: TenantId,
  connectionId: ConnectionId,
  actor: AuditActor,
  anyConnector = false,
): Promise<OpenStepConnection> {
  let opened = await loadConnection(core, tenantId, connectionId);
  if (opened.record.connectorId !== connector.id) {
    const own = anyConnector ? core.registry.connectors().find((entry) => entry.id === opened.record.connectorId) : undefined;
    if (!own) throw new PipewrightError('invalid_credentials', `Connection ${connectionId} belongs to connector ${opened.record.connectorId}, not ${connector.id}`);
    // A generic node (an HTTP request) uses the connection as its own connector defines it.
    connector = own;
  }
  const spec = oauth2SpecOf(connector);
  if (spec && isExpiring(core, opened.credentials)) opened = await refreshConnection(core, spec, tenantId, connectionId, actor);
  await core.audit(tenantId, 'connection.decrypted', opened.record, actor, actor.type === 'run' ? { purpose: 'step' } : { purpose: 'test' });
  return new OpenStepConnection(core, connector, tenantId, actor, opened);
}
