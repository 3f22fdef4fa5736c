// Per-user token buckets for one room, in memory. A full bucket refills in BURST/RATE seconds
// (5 s by default), well inside the ~10 s of idleness before a room hibernates, so forgetting
// the buckets on hibernation forgives nothing that wasn't already refilled. A forced eviction (a
// deploy, a runtime restart) can forgive at most one burst per user; storing buckets would cost a
// write per frame, which the hot path can't afford.

interface Bucket {
  tokens: number;
  /** ms since epoch of the last refill */
  at: number;
}

// Buckets that have refilled completely are forgotten now and then, so a room that has seen
// many users doesn't keep one entry per visitor.
const SWEEP_EVERY = 1024;

export class TokenBuckets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, Bucket>();
  #takes = 0;

  /** `rate` tokens per second, at most `burst` saved up. */
  constructor(rate: number, burst: number) {
    this.#rate = rate;
    this.#burst = burst;
  }

  /** Takes one token for `key`: 0 when it had one, otherwise the ms until one is available. */
  take(key: string, now: number): number {
    if (++this.#takes % SWEEP_EVERY === 0) this.#sweep(now);
    const bucket = this.#buckets.get(key);
    if (!bucket) {
      this.#buckets.set(key, { tokens: this.#burst - 1, at: now });
      return 0;
    }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) * this.#rate) / 1000);
    bucket.at = now;
    // The epsilon keeps float rounding from refusing a frame sent exactly retryAfterMs later.
    if (bucket.tokens >= 1 - 1e-9) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / this.#rate);
  }

  #sweep(now: number): void {
    const fullAfterMs = (this.#burst * 1000) / this.#rate;
    for (const [key, bucket] of this.#buckets)
      if (now - bucket.at >= fullAfterMs) this.#buckets.delete(key);
  }
}
