/**
 * The tip line's hourly limiter: counts per address within the hour, forgets everything (counts
 * and key) when the hour turns, says how long to wait, and keeps no address.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HourlyLimiter, MAX_TRACKED, RateLimitedError } from '../../src/tips/rate-limit.js';

const HOUR = 3600_000;

test('the limiter counts per address per hour and starts afresh each hour', () => {
  let now = 10 * HOUR + 59 * 60_000; // 10:59
  const limiter = new HourlyLimiter(2, () => now);
  limiter.hit('203.0.113.1', 'slow down');
  limiter.hit('203.0.113.1', 'slow down');
  limiter.hit('203.0.113.2', 'slow down');
  const err = (() => {
    try {
      limiter.hit('203.0.113.1', 'slow down');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof RateLimitedError);
  assert.equal(err.status, 429);
  assert.equal(err.message, 'slow down');
  assert.equal(err.retryAfter, 60, 'until the hour turns');
  now += 60_000; // 11:00
  limiter.hit('203.0.113.1', 'slow down');
  const state = JSON.stringify(Object.entries(limiter));
  assert.ok(!state.includes('203.0.113'), 'no address is kept');
});

test('a flood from many addresses shares one count once the table is full', () => {
  const limiter = new HourlyLimiter(1, () => 5 * HOUR);
  for (let i = 0; i < MAX_TRACKED; i++) limiter.hit(`a${i}`, 'x');
  limiter.hit('new-1', 'x');
  assert.throws(() => limiter.hit('new-2', 'x'), RateLimitedError);
  assert.throws(() => limiter.hit('a1', 'x'), RateLimitedError, 'known addresses keep their own count');
});
