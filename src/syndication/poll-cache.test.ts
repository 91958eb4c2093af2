import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollCache, type PollAnswer } from './poll-cache.js';

const answer = (text: string): PollAnswer => ({ body: Buffer.from(text), receipts: [] });

test('poll cache: served again within the TTL and the same generation only; shared while being made; failures not kept; bounded', async () => {
  const cache = new PollCache(1000, 100);
  let made = 0;
  const make = (text: string) => async () => {
    made++;
    await new Promise((r) => setImmediate(r));
    return answer(text);
  };
  // Identical requests while the answer is being made share it.
  const [a, b] = await Promise.all([cache.answer('k', 1, 0, make('one')), cache.answer('k', 1, 10, make('two'))]);
  assert.equal(a.body.toString(), 'one');
  assert.equal(b, a);
  assert.equal(made, 1);
  assert.equal((await cache.answer('k', 1, 999, make('x'))).body.toString(), 'one');
  // Too old, another generation, or a clock gone back: made again.
  assert.equal((await cache.answer('k', 1, 1000, make('at 1000'))).body.toString(), 'at 1000');
  assert.equal((await cache.answer('k', 2, 1001, make('gen 2'))).body.toString(), 'gen 2');
  assert.equal((await cache.answer('k', 2, 500, make('earlier'))).body.toString(), 'earlier');
  assert.equal(made, 4);
  // A failed answer is not kept.
  await assert.rejects(cache.answer('f', 1, 0, async () => Promise.reject(new Error('db down'))), /db down/);
  assert.equal((await cache.answer('f', 1, 1, make('recovered'))).body.toString(), 'recovered');
  // Bounded by bytes: the least recently used go first.
  const big = new PollCache(1000, 100);
  await big.answer('a', 1, 0, make('x'.repeat(40)));
  await big.answer('b', 1, 0, make('y'.repeat(40)));
  await big.answer('a', 1, 1, make('unused'));
  await big.answer('c', 1, 2, make('z'.repeat(40)));
  assert.equal(big.size, 2);
  assert.equal((await big.answer('a', 1, 3, make('new a'))).body.toString(), 'x'.repeat(40), 'a was used recently and stays');
  assert.equal((await big.answer('b', 1, 3, make('new b'))).body.toString(), 'new b', 'b was evicted');
});
