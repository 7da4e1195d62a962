// The simulator's rate limiter: a token bucket refilled continuously at `rate` tokens/s up to `burst`.
// The clock is injected so the refill arithmetic can be tested without sleeping.

/** Milliseconds on a monotonic clock. */
export type Clock = () => number;

const monotonic: Clock = () => performance.now();

// Refill is fractional; a bucket refilled to 0.9999999 by float drift must still count as one token.
const EPSILON = 1e-9;

export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param rate tokens added per second (> 0)
   * @param burst capacity, and the number of tokens at start (>= 1); defaults to `rate`, but at least 1,
   *   since a bucket that can never hold a whole token would refuse everything (e.g. 20/min = 0.33/s)
   * @param now monotonic clock in milliseconds
   */
  constructor(
    readonly rate: number,
    readonly burst: number = Math.max(1, rate),
    private readonly now: Clock = monotonic,
  ) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst must be >= 1, got ${burst}`);
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token if there is one. A refused call takes nothing, so rejected requests cost the client nothing. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens + EPSILON < 1) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Milliseconds until `tryTake()` would succeed; 0 when a token is available now. */
  msUntilToken(): number {
    this.refill();
    if (this.tokens + EPSILON >= 1) return 0;
    return ((1 - this.tokens) * 1000) / this.rate;
  }

  private refill(): void {
    const t = this.now();
    const elapsed = t - this.last;
    this.last = t;
    if (elapsed > 0) this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
  }
}

/** The `Retry-After` value in whole seconds for a wait of `ms`: rounded up, never below 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
