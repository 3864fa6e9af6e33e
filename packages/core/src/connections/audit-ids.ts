import { newId } from '../ids';

/**
 * Audit entry ids that sort in the order this process wrote them, even within one
 * millisecond: the trail is listed by time, then id, and entries of one request
 * (created, then decrypted) must not come back shuffled.
 */
export class AuditIds {
  private lastAt = -1;
  private sequence = 0;

  next(at: number): string {
    this.sequence = at === this.lastAt ? this.sequence + 1 : 0;
    this.lastAt = at;
    const time = Math.max(0, at).toString(36).padStart(9, '0');
    const sequence = this.sequence.toString(36).padStart(4, '0');
    return `audit_${time}${sequence}_${newId('').slice(1, 9)}`;
  }
}
