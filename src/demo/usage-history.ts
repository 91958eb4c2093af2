/**
 * A believable history of pixel views for the demo: views per UTC day for one story on one
 * partner's site, highest the day after the partner ran it, halving every few days down to a
 * long tail, lower at weekends, with some day-to-day noise. Pure and deterministic (the noise is
 * seeded by story, partner and day), so a test can predict every number the dashboards show.
 */

export const DAY_MS = 86_400_000;

/** Reading by UTC weekday (Sunday first): news sites read most early in the week, least on Saturday. */
export const WEEKDAY_FACTOR: readonly number[] = [0.62, 1.0, 1.06, 1.0, 0.96, 0.84, 0.55];
/** Share of the peak a story keeps once its news value has gone (search, links from other stories). */
const TAIL = 0.06;
/** Day-to-day noise: each day's views are within ±NOISE of the smooth curve. */
const NOISE = 0.12;

export interface ViewRun {
  /** Distinguishes runs in the noise seed (e.g. story slug and outlet). */
  key: string;
  /** When the partner's copy went up: views start here. */
  start: Date;
  /** When it came down (a withdrawn story taken off the partner's site): views stop here. */
  end?: Date | undefined;
  /** Views on the first full day. */
  peakViews: number;
  halfLifeDays: number;
}

export interface DayViews {
  /** YYYY-MM-DD (UTC) */
  day: string;
  views: number;
}

export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** FNV-1a: a stable 32-bit seed from a string. */
function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One draw in [0, 1) from mulberry32 seeded by `s`. */
function unitNoise(s: string): number {
  let t = (seedOf(s) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

/**
 * Views per day of `run` for the `days` UTC days ending with the day of `now` (today counts the
 * hours so far). Days without a view are left out, as the pixel writes no row for them.
 */
export function dailyViews(run: ViewRun, now: Date, days: number): DayViews[] {
  const out: DayViews[] = [];
  const nowMs = now.getTime();
  const startMs = run.start.getTime();
  const endMs = Math.min(run.end?.getTime() ?? nowMs, nowMs);
  if (endMs <= startMs) return out;
  const firstDay = utcDayStart(startMs);
  const today = utcDayStart(nowMs);
  for (let d = today - (days - 1) * DAY_MS; d <= today; d += DAY_MS) {
    const from = Math.max(d, startMs);
    const to = Math.min(d + DAY_MS, endMs);
    if (to <= from) continue;
    // The share of the day the page was up (the first day, the last, today so far).
    const share = (to - from) / DAY_MS;
    const age = (d - firstDay) / DAY_MS;
    const curve = Math.pow(0.5, age / run.halfLifeDays) * (1 - TAIL) + TAIL;
    const weekday = WEEKDAY_FACTOR[new Date(d).getUTCDay()]!;
    const noise = 1 + NOISE * (2 * unitNoise(`${run.key}|${d}`) - 1);
    const views = Math.round(run.peakViews * curve * weekday * noise * share);
    if (views > 0) out.push({ day: dayString(d), views });
  }
  return out;
}
