/**
 * Imported CryptoKeys by an id derived from their secret. Verification runs on every
 * webhook request and importing a key costs more than the HMAC itself; the bound keeps
 * keys of rotated-out secrets from piling up. Promises are cached, so concurrent
 * requests with a new secret import it once.
 */
export class KeyCache {
  readonly #entries = new Map<string, Promise<CryptoKey | undefined>>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** `load` resolves to undefined for a secret that can never verify (e.g. not base64); that answer is cached too. */
  get(id: string, load: () => Promise<CryptoKey | undefined>): Promise<CryptoKey | undefined> {
    const cached = this.#entries.get(id);
    if (cached !== undefined) {
      // Re-inserting moves the entry to the end, so the Map's first key is the least recently used.
      this.#entries.delete(id);
      this.#entries.set(id, cached);
      return cached;
    }
    const loading = (async () => await load())();
    loading.catch(() => {
      // A failed import is not remembered: the next request tries again.
      if (this.#entries.get(id) === loading) this.#entries.delete(id);
    });
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(id, loading);
    return loading;
  }
}

/** Shared by all schemes in this process: room for 10 secrets on each of 100 busy triggers before any key is imported again. */
export const webhookKeys = new KeyCache(1_000);
