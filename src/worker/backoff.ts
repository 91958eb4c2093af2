/**
 * When to try an outbound delivery (webhook, WebSub notification) again. The schedule follows
 * Standard Webhooks' suggestion — 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then every 10 h — with
 * ±20 % jitter so deliveries that failed together (a receiver's outage) do not all come back in
 * the same second. Delivery gives up once the first failure is GIVE_UP_AFTER_MS old (three
 * days); an endpoint failing that long is disabled.
 */
export const RETRY_DELAYS_MS: readonly number[] = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 5 * 3600_000, 10 * 3600_000];
export const MAX_RETRY_DELAY_MS = 10 * 3600_000;
export const GIVE_UP_AFTER_MS = 3 * 24 * 3600_000;

/** Delay before attempt number `attempts + 1`, after `attempts` failed ones (attempts ≥ 1). */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = RETRY_DELAYS_MS[Math.max(0, attempts - 1)] ?? MAX_RETRY_DELAY_MS;
  const jitter = 1 + (random() * 2 - 1) * 0.2;
  return Math.round(base * jitter);
}
