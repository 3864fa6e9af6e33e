import { Redactor } from '../secrets/redactor';

/**
 * The secrets this engine has decrypted lately. The engine's own log lines and events
 * pass a redactor made of them, a second line behind the per-step redaction: an error
 * raised outside a step (a failed advance, a refresh) never carries a token out.
 */
export class KnownSecrets {
  private readonly values = new Set<string>();
  private cached: Redactor = Redactor.none;
  private dirty = false;

  // A redactor over many secrets is slow to build (about 0.2 s for 1,000): keep the recent ones.
  constructor(private readonly capacity = 1_000) {}

  add(secrets: Iterable<string>): void {
    for (const secret of secrets) {
      if (this.values.has(secret)) continue;
      this.values.add(secret);
      this.dirty = true;
      // Oldest first out: a Set iterates in insertion order.
      if (this.values.size > this.capacity) this.values.delete(this.values.values().next().value as string);
    }
  }

  redactor(): Redactor {
    if (this.dirty) {
      this.cached = new Redactor({ secrets: this.values });
      this.dirty = false;
    }
    return this.cached;
  }
}
