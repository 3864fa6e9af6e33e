import type { TenantId } from '../ids';
import type { Clock } from '../ports/clock';
import type { AuditAction, AuditActor, ConnectionRecord, RunStore } from '../ports/run-store';
import type { Registry } from '../registry/create-registry';
import type { SecretVault } from '../secrets/secret-vault';
import type { KnownSecrets } from './known-secrets';
import type { OAuth2Client } from './oauth2-client';

/** What the connection parts of the engine share. */
export interface ConnectionsCore {
  store: RunStore;
  /** Undefined when the host configured none: every connection call fails with `vault_not_configured`. */
  vault: SecretVault | undefined;
  registry: Registry;
  clock: Clock;
  /** Used for token requests and `ctx.connection.fetch`. */
  fetch: typeof fetch;
  /** OAuth2 apps the host registered, by connector id, for the authorization-code grant. */
  oauthClients: Readonly<Record<string, OAuth2Client>>;
  /** Every secret this engine decrypted, for redacting the engine's own logs and events. */
  knownSecrets: KnownSecrets;
  /** Refresh an OAuth2 token this long before it expires. */
  refreshSkewMs: number;
  audit(tenantId: TenantId, action: AuditAction, record: Pick<ConnectionRecord, 'id'>, actor: AuditActor, detail?: Record<string, string>): Promise<void>;
}
