import type { ConnectionsCore } from '../connections/connections-core';
import { loadConnection } from '../connections/sealed-credentials';
import { PipewrightError } from '../errors/pipewright-error';
import { asConnectionId, type TenantId } from '../ids';

/** How long a decrypted signing secret is reused: decrypting (and auditing) per request would cost more than verifying. */
const cacheMs = 60_000;
/** A fresh read after a rejection happens at most this often per connection: bad signatures must not cost a decrypt each. */
const freshReadMs = 1_000;

/**
 * The signing secrets of webhook triggers, read from the connections their config
 * names (an API key, a bearer token or a basic password is the secret), decrypted at
 * most once a minute per connection and worker. A change made through this engine
 * drops the cached secret at once (`forget`); for changes made on another worker, a
 * request the cached secrets reject is checked again with freshly read ones
 * (`fresh: true`), so a rotated secret works everywhere at once and the old one lasts
 * at most a minute on workers that had it cached.
 */
export class WebhookSecrets {
  private readonly cache = new Map<string, { secret: string; until: number; loadedAt: number }>();

  constructor(private readonly connections: ConnectionsCore) {}

  /** Drops a connection's cached secret: it was changed or deleted. */
  forget(tenantId: TenantId, connectionId: string): void {
    this.cache.delete(`${tenantId}:${connectionId}`);
  }

  /** Whether every one of these secrets would come from the cache. */
  allCached(tenantId: TenantId, connectionIds: readonly string[]): boolean {
    const now = this.connections.clock.now();
    return connectionIds.every((id) => (this.cache.get(`${tenantId}:${id}`)?.until ?? 0) > now);
  }

  async secretsFor(tenantId: TenantId, connectionIds: readonly string[], options: { fresh?: boolean } = {}): Promise<string[]> {
    const now = this.connections.clock.now();
    const secrets: string[] = [];
    for (const id of connectionIds) {
      const key = `${tenantId}:${id}`;
      const cached = this.cache.get(key);
      if (cached && cached.until > now && !(options.fresh && cached.loadedAt <= now - freshReadMs)) {
        secrets.push(cached.secret);
        continue;
      }
      const { record, credentials } = await loadConnection(this.connections, tenantId, asConnectionId(id));
      const secret = credentials.type === 'apiKey' ? credentials.apiKey : credentials.type === 'bearer' ? credentials.token : credentials.type === 'basic' ? credentials.password : undefined;
      if (secret === undefined) throw new PipewrightError('invalid_credentials', `Connection ${id} holds no secret a webhook can be verified with`);
      await this.connections.audit(tenantId, 'connection.decrypted', record, { type: 'engine' }, { purpose: 'webhook' });
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, { secret, until: now + cacheMs, loadedAt: now });
      secrets.push(secret);
    }
    return secrets;
  }
}
