/**
 * Request rate per webhook path, in this process: a bucket of `requests` tokens that
 * refills over `perMs`. Kept in memory because it is asked on every request, before
 * anything is read or verified; with several API processes each allows the rate.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly maxBuckets = 100_000) {}

  /** 0 when a request may go ahead, else the milliseconds until one may. */
  take(key: string, limit: { requests: number; perMs: number }, now: number): number {
    const ratePerMs = limit.requests / limit.perMs;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: limit.requests, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(limit.requests, bucket.tokens + (now - bucket.at) * ratePerMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / ratePerMs);
  }
}
