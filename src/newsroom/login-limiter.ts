/**
 * Failed sign-ins per account. The per-address limit (@fastify/rate-limit) does not stop an
 * attacker who spreads guesses for one account over many addresses; this does. It counts
 * failures for any email typed, existing or not, so a 429 reveals nothing about accounts.
 *
 * In memory, per node: with several nodes each allows its own share, which still bounds the
 * guessing rate by the number of nodes.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs = 60_000,
    /** Bounds memory when someone sprays random emails. */
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  private key(email: string): string {
    return email.trim().toLowerCase().slice(0, 254);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const times = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }

  /** True when this account has used up its failures for the current window. */
  isBlocked(email: string): boolean {
    return this.recent(this.key(email)).length >= this.maxFailures;
  }

  recordFailure(email: string): void {
    const key = this.key(email);
    const times = this.recent(key);
    times.push(this.now());
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > this.maxKeys) this.prune();
  }

  /** A successful sign-in forgets earlier typos. */
  reset(email: string): void {
    this.failures.delete(this.key(email));
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    for (const [key, times] of this.failures) {
      if (times.every((t) => t <= cutoff)) this.failures.delete(key);
    }
    // Still too many live keys: drop the oldest-touched (Map keeps insertion order).
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }
}
