import { PipewrightError } from '../errors/pipewright-error';
import type { ConnectionId, TenantId } from '../ids';
import type { ConnectionRecord } from '../ports/run-store';
import type { OpenedConnection } from './oauth2-refresh';
import type { SecretVault } from '../secrets/secret-vault';
import type { ConnectionsCore } from './connections-core';
import { secretValuesOf, storedCredentialsSchema, type StoredCredentials } from './credentials';

/**
 * Binds a sealed secret to its row: ciphertext copied into another tenant's or
 * another connection's row fails to open instead of lending its credentials.
 */
export function connectionAssociatedData(tenantId: TenantId | string, connectionId: string): string {
  return `pipewright:connection:${tenantId}:${connectionId}`;
}

export function requireVault(core: ConnectionsCore): SecretVault {
  if (!core.vault) throw new PipewrightError('vault_not_configured', 'Connections need a secret vault: pass `vault` to createEngine');
  return core.vault;
}

export async function sealCredentials(core: ConnectionsCore, tenantId: TenantId, connectionId: string, credentials: StoredCredentials): Promise<{ secret: string; keyId: string }> {
  const sealed = await requireVault(core).seal(JSON.stringify(credentials), connectionAssociatedData(tenantId, connectionId));
  return { secret: sealed.sealed, keyId: sealed.keyId };
}

/** Decrypts a connection's credentials; the values join the engine's known secrets. */
export async function openCredentials(core: ConnectionsCore, record: ConnectionRecord): Promise<StoredCredentials> {
  const text = await requireVault(core).open(record.secret, connectionAssociatedData(record.tenantId, record.id));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const credentials = storedCredentialsSchema.safeParse(parsed);
  // Authenticated ciphertext that is not our JSON was written by something else: same verdict as tampering.
  if (!credentials.success) throw new PipewrightError('secret_tampered', `The credentials of connection ${record.id} are not readable`);
  core.knownSecrets.add(secretValuesOf(credentials.data));
  return credentials.data;
}

/** A tenant's connection with its credentials decrypted; `not_found` for another tenant's id. */
export async function loadConnection(core: ConnectionsCore, tenantId: TenantId, connectionId: ConnectionId): Promise<OpenedConnection> {
  const record = await core.store.getConnection(tenantId, connectionId);
  if (!record) throw new PipewrightError('not_found', `Connection ${connectionId} does not exist`, { details: { connectionId } });
  return { record, credentials: await openCredentials(core, record) };
}
