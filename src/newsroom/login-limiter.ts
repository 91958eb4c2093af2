/**
 * Failed logins, counted so that nobody can keep someone else locked out (OWASP ASVS 5.0, V6.3):
 *
 * - per (account, address): an attacker at address A who keeps failing for victim@ slows down
 *   only (victim@, A); the owner at address B logs in as usual. A successful login clears the
 *   pair. Failures are counted for any email typed, existing or not, so a 429 says nothing
 *   about which accounts exist.
 * - per address, across all accounts: credential stuffing (one guess each for many accounts)
 *   never trips a pair, so the address has its own, larger, budget. A success does not clear
 *   it, or one valid account would buy unlimited guesses at the others.
 *
 * Past its free failures a key is slowed, not locked: each further failure doubles the wait
 * before the next attempt (1 s, 2 s, 4 s … up to a cap). A key forgets its failures after a quiet
 * period with none.
 *
 * The wait is answered, not slept: a blocked attempt gets 429 with Retry-After and a "try again
 * in N seconds" message at once, before any password hashing. Sleeping (even asynchronously)
 * would keep each attacker's sockets and requests alive on the server and let them pile up;
 * an immediate answer costs one indexed read.
 *
 * Counters live in the database (login_throttle), so every node sees the same ones. Keys are
 * sha256 hashes: neither typed emails nor addresses are stored.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { sha256Hex } from '../util/ids.js';

/** Staff and partner logins are separate account spaces with separate counters. */
export type LoginScope = 'staff' | 'partner';

export interface LoginThrottled {
  /** Which budget ran out: the message differs (the address one speaks of the network). */
  reason: 'account' | 'address';
  /** Whole seconds until the next attempt is heard, at least 1. */
  retryAfterSeconds: number;
}

export interface LoginLimiterOptions {
  /** Failures per (account, address) before attempts are slowed. */
  freeFailures: number;
  /** Failures per address, across all accounts, before attempts from it are slowed. */
  addressFreeFailures?: number;
  /** Longest wait for one (account, address). */
  maxDelayMs?: number;
  /** Longest wait for a whole address: longer, as it only bites a stuffing address. */
  addressMaxDelayMs?: number;
  /** After this long without a failure, a key starts from zero again. */
  quietPeriodMs?: number;
  now?: () => number;
}

const FIRST_DELAY_MS = 1000;

/** The wait after `failures` failures, or 0 while within the free ones. */
export function delayAfter(failures: number, free: number, maxMs: number): number {
  if (failures < free) return 0;
  // 2^n overflows to Infinity for huge n, which min() turns into the cap.
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - free), maxMs);
}

export class LoginLimiter {
  private readonly freeFailures: number;
  private readonly addressFreeFailures: number;
  private readonly maxDelayMs: number;
  private readonly addressMaxDelayMs: number;
  private readonly quietPeriodMs: number;
  /** The limiter's clock; tests move it instead of sleeping. */
  now: () => number;
  private lastPrune = 0;

  constructor(
    private readonly db: Kysely<DB>,
    opts: LoginLimiterOptions,
  ) {
    this.freeFailures = opts.freeFailures;
    // An office behind one address fails now and then for many people; stuffing fails for
    // hundreds of accounts. Five accounts' worth of free failures keeps the first working.
    this.addressFreeFailures = opts.addressFreeFailures ?? opts.freeFailures * 5;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
    this.addressMaxDelayMs = opts.addressMaxDelayMs ?? 300_000;
    this.quietPeriodMs = opts.quietPeriodMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  private pairKey(scope: LoginScope, email: string, address: string): string {
    return sha256Hex(`${scope}\naccount\n${email.trim().toLowerCase().slice(0, 254)}\n${address}`);
  }

  private addressKey(scope: LoginScope, address: string): string {
    return sha256Hex(`${scope}\naddress\n${address}`);
  }

  /**
   * Whether an attempt for this account from this address must wait; checked before the
   * password, so a throttled attempt costs no hashing. Null means go ahead.
   */
  async check(scope: LoginScope, email: string, address: string): Promise<LoginThrottled | null> {
    const pair = this.pairKey(scope, email, address);
    const addr = this.addressKey(scope, address);
    const rows = await this.db.selectFrom('login_throttle').selectAll().where('key', 'in', [pair, addr]).execute();
    const now = this.now();
    let worst: LoginThrottled | null = null;
    for (const r of rows) {
      const last = Date.parse(r.last_failure_at);
      if (now - last >= this.quietPeriodMs) continue;
      const isPair = r.key === pair;
      const wait = isPair
        ? delayAfter(r.failures, this.freeFailures, this.maxDelayMs)
        : delayAfter(r.failures, this.addressFreeFailures, this.addressMaxDelayMs);
      const left = last + wait - now;
      if (left <= 0) continue;
      const seconds = Math.max(1, Math.ceil(left / 1000));
      if (!worst || seconds > worst.retryAfterSeconds) worst = { reason: isPair ? 'account' : 'address', retryAfterSeconds: seconds };
    }
    return worst;
  }

  /** Counts a failure against the pair and the address (one atomic upsert each). */
  async recordFailure(scope: LoginScope, email: string, address: string): Promise<void> {
    const now = this.now();
    const stamp = new Date(now).toISOString();
    const cutoff = new Date(now - this.quietPeriodMs).toISOString();
    for (const key of [this.pairKey(scope, email, address), this.addressKey(scope, address)]) {
      await this.db
        .insertInto('login_throttle')
        .values({ key, failures: 1, last_failure_at: stamp })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            // A key quiet for the whole period starts again from one.
            failures: sql<number>`case when login_throttle.last_failure_at <= ${cutoff} then 1 else login_throttle.failures + 1 end`,
            last_failure_at: stamp,
          }),
        )
        .execute();
    }
    // Forgotten keys are deleted at most once a minute per node, so a spray of random emails
    // cannot grow the table without bound.
    if (now - this.lastPrune > 60_000) {
      this.lastPrune = now;
      await this.db.deleteFrom('login_throttle').where('last_failure_at', '<', cutoff).execute();
    }
  }

  /** A successful login forgets this pair's failures (not the address's: see above). */
  async reset(scope: LoginScope, email: string, address: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', this.pairKey(scope, email, address)).execute();
  }
}

/** The message on the form for a throttled attempt; `attempt` names what was being tried. */
export function throttledMessage(t: LoginThrottled, attempt = 'log in to this account'): string {
  const wait = t.retryAfterSeconds === 1 ? '1 second' : `${t.retryAfterSeconds} seconds`;
  return t.reason === 'account'
    ? `Too many failed attempts to ${attempt} from here. Try again in ${wait}.`
    : `Too many failed logins from your network. Try again in ${wait}.`;
}
