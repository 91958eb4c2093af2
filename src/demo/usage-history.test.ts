/**
 * The demo's usage history: views only while a partner's copy was up and only inside the window,
 * the same numbers on every run, a weekly rhythm, and a curve that falls after the first days.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DAY_MS, dailyViews, dayString, utcDayStart, WEEKDAY_FACTOR, type ViewRun } from './usage-history.js';

const NOW = Date.parse('2026-11-20T13:30:00.000Z');

const runArb = fc.record({
  key: fc.string({ maxLength: 40 }),
  startOffsetHours: fc.integer({ min: -24 * 60, max: 24 * 40 }),
  upForHours: fc.option(fc.integer({ min: 1, max: 24 * 60 }), { nil: undefined }),
  peakViews: fc.integer({ min: 0, max: 50_000 }),
  halfLifeDays: fc.double({ min: 0.5, max: 30, noNaN: true }),
  nowOffsetMinutes: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  days: fc.integer({ min: 1, max: 60 }),
});

/** startOffsetHours is how long before now the copy went up (negative: it goes up later). */
function toRun(r: { key: string; startOffsetHours: number; upForHours: number | undefined; peakViews: number; halfLifeDays: number }, now: number): ViewRun {
  const start = new Date(now - r.startOffsetHours * 3600_000);
  return {
    key: r.key,
    start,
    end: r.upForHours === undefined ? undefined : new Date(start.getTime() + r.upForHours * 3600_000),
    peakViews: r.peakViews,
    halfLifeDays: r.halfLifeDays,
  };
}

test('views fall only on days the copy was up, inside the window, and repeat exactly', () => {
  fc.assert(
    fc.property(runArb, (r) => {
      const now = new Date(utcDayStart(NOW) + r.nowOffsetMinutes * 60_000);
      const run = toRun(r, now.getTime());
      const days = dailyViews(run, now, r.days);
      const first = dayString(utcDayStart(now.getTime()) - (r.days - 1) * DAY_MS);
      const today = dayString(now.getTime());
      const startDay = dayString(run.start.getTime());
      const endDay = dayString(Math.min(run.end?.getTime() ?? now.getTime(), now.getTime()));
      for (const d of days) {
        assert.ok(d.day >= first && d.day <= today, `${d.day} inside the window`);
        assert.ok(d.day >= startDay && d.day <= endDay, `${d.day} while the copy was up (${startDay}..${endDay})`);
        assert.ok(Number.isInteger(d.views) && d.views > 0);
        // Never more than the peak with the busiest weekday and the noise on top.
        assert.ok(d.views <= Math.round(r.peakViews * Math.max(...WEEKDAY_FACTOR) * 1.12) + 1);
      }
      assert.deepEqual(days.map((d) => d.day), [...new Set(days.map((d) => d.day))].sort(), 'one entry per day, in order');
      assert.deepEqual(dailyViews(run, now, r.days), days, 'deterministic');
    }),
  );
});

test('a copy that has not gone up yet, or came down before the window, has no views', () => {
  const now = new Date(NOW);
  assert.deepEqual(dailyViews({ key: 'x', start: new Date(NOW + 3600_000), peakViews: 1000, halfLifeDays: 3 }, now, 30), []);
  const longAgo = new Date(NOW - 40 * DAY_MS);
  assert.deepEqual(dailyViews({ key: 'x', start: longAgo, end: new Date(longAgo.getTime() + 2 * DAY_MS), peakViews: 1000, halfLifeDays: 3 }, now, 30), []);
});

test('weekdays are read more than weekends, and the news fades', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: 2000, max: 20_000 }), (key, peak) => {
      // A story that hardly fades shows the rhythm of the week.
      const start = new Date(NOW - 70 * DAY_MS);
      const flat = dailyViews({ key, start, peakViews: peak, halfLifeDays: 10_000 }, new Date(NOW), 63);
      const mean = (days: number[]) => {
        const xs = flat.filter((d) => days.includes(new Date(`${d.day}T00:00:00Z`).getUTCDay())).map((d) => d.views);
        return xs.reduce((a, b) => a + b, 0) / xs.length;
      };
      assert.ok(mean([1, 2, 3]) > mean([0, 6]) * 1.3, 'Monday to Wednesday well above the weekend');
      // A fresh story: the first full week far above the third.
      const fresh = dailyViews({ key, start: new Date(utcDayStart(NOW) - 21 * DAY_MS), peakViews: peak, halfLifeDays: 3 }, new Date(NOW), 30);
      const week = (from: number) => fresh.slice(from, from + 7).reduce((a, d) => a + d.views, 0);
      assert.ok(week(0) > 3 * week(14));
    }),
  );
});
