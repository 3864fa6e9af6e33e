import type { RunStore, TriggerRecord } from '../ports/run-store';
import type { Clock } from '../ports/clock';

/** How long a worker trusts a path lookup: a swap or disable in another process shows within it. */
const routeTtlMs = 1_000;

/**
 * Webhook path → registration, cached briefly: the lookup is the one query every
 * request makes before it is verified, so a burst on one path should not repeat it.
 * Changes made through this engine clear the cache at once.
 */
export class WebhookRoutes {
  private readonly routes = new Map<string, { record: TriggerRecord | undefined; until: number }>();

  constructor(
    private readonly store: RunStore,
    private readonly clock: Clock,
  ) {}

  async lookup(path: string): Promise<TriggerRecord | undefined> {
    const now = this.clock.now();
    const cached = this.routes.get(path);
    if (cached && cached.until > now) return cached.record;
    const record = await this.store.getTriggerByPath(path);
    if (this.routes.size > 10_000) this.routes.clear();
    this.routes.set(path, { record, until: now + routeTtlMs });
    return record;
  }

  clear(): void {
    this.routes.clear();
  }
}
