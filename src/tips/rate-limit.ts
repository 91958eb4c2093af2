/**
 * Rate limits for the tip line that keep no address. A count is kept per HMAC(address) under a
 * random key that lives in memory only and is replaced at the start of every hour, when the
 * previous hour's counts are dropped with it: no address is stored, and after the hour the
 * hashes cannot be tied to an address even by someone who reads the process's memory later.
 * Counts are per node (several nodes each enforce their own share), like the other limits.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

const HOUR_MS = 60 * 60 * 1000;
/**
 * Addresses counted per hour before new ones share one count: a flood from many addresses (an
 * IPv6 block) then spends a single allowance instead of the process's memory.
 */
export const MAX_TRACKED = 100_000;
const OVERFLOW = 'overflow';

export class HourlyLimiter {
  private hour = -1;
  private key: Buffer = randomBytes(32);
  private counts = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one attempt from `address`; throws RATE_LIMITED (with the seconds until the window
   * ends) past `max` in the current hour.
   */
  hit(address: string, message: string): void {
    const now = this.now();
    const hour = Math.floor(now / HOUR_MS);
    if (hour !== this.hour) {
      // A new hour: a new key, and last hour's counts (and the key that made them) are gone.
      this.hour = hour;
      this.key = randomBytes(32);
      this.counts = new Map();
    }
    let id = createHmac('sha256', this.key).update(address).digest('base64url');
    if (!this.counts.has(id) && this.counts.size >= MAX_TRACKED) id = OVERFLOW;
    const n = (this.counts.get(id) ?? 0) + 1;
    this.counts.set(id, n);
    if (n > this.max) {
      const retryAfter = Math.max(1, Math.ceil(((hour + 1) * HOUR_MS - now) / 1000));
      throw new RateLimitedError(message, retryAfter);
    }
  }
}

export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super('RATE_LIMITED', message);
  }
}
