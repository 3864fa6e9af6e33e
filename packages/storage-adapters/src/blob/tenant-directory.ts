import { createHash } from 'node:crypto';

/** Windows device names: a directory called `con` or `nul` cannot be created there. */
const reserved = /^(con|prn|aux|nul|com\d|lpt\d)$/;
const readable = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * The directory name of a tenant's blobs. A tenant id that is already a safe name
 * (lowercase letters, digits, `_` and `-`, up to 64) is used as it is, so an operator
 * can find a tenant's blobs. Any other id (`../x`, `A/B`, `Acme`, one with spaces or
 * accents) becomes `~` and the SHA-256 of the id: nothing a tenant id holds reaches the
 * path, two ids never share a directory (also on a case-insensitive file system, hence
 * no capitals in the readable form), and the two forms never meet (`~` is not readable).
 */
export function tenantDirectory(tenantId: string): string {
  if (readable.test(tenantId) && !reserved.test(tenantId)) return tenantId;
  return `~${createHash('sha256').update(tenantId, 'utf8').digest('hex')}`;
}
