import { toPipewrightError } from '../errors/pipewright-error';
import type { ConnectionsCore } from './connections-core';
import { connectionAssociatedData, requireVault } from './sealed-credentials';

/**
 * Moves every connection onto the vault's active key. Only the data keys are
 * re-wrapped: no plaintext is handled and the ciphertext stays. Each row is written
 * with compare-and-set, so a connection updated meanwhile (already sealed with the
 * active key) is left as it is; a row whose old key is missing from the ring is
 * skipped and reported by its failure, not lost.
 */
export interface KeyRotationResult {
  rewrapped: number;
  /** Connections that could not be opened (tampered, or their key is gone); they keep their old envelope. */
  failed: Array<{ tenantId: string; connectionId: string; code: string }>;
}

export async function rotateConnectionKeys(core: ConnectionsCore, batchSize: number): Promise<KeyRotationResult> {
  const vault = requireVault(core);
  const activeKeyId = vault.activeKeyId;
  let rewrapped = 0;
  const failed = new Set<string>();
  const failures: KeyRotationResult['failed'] = [];
  for (;;) {
    const batch = (await core.store.listConnectionsNotWrappedBy(activeKeyId, batchSize + failed.size)).filter((record) => !failed.has(`${record.tenantId}/${record.id}`));
    if (batch.length === 0) return { rewrapped, failed: failures };
    for (const record of batch) {
      try {
        const sealed = await vault.rewrap(record.secret, connectionAssociatedData(record.tenantId, record.id));
        const stored = await core.store.updateConnection({ ...record, secret: sealed.sealed, keyId: sealed.keyId, updatedAt: core.clock.now() }, record.version);
        if (stored) {
          rewrapped++;
          await core.audit(record.tenantId, 'connection.rewrapped', record, { type: 'engine' }, { keyId: sealed.keyId });
        }
      } catch (error) {
        failed.add(`${record.tenantId}/${record.id}`);
        failures.push({ tenantId: record.tenantId, connectionId: record.id, code: toPipewrightError(error).code });
      }
    }
  }
}
