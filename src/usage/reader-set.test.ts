import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReaderSet } from './reader-set.js';

const MAX = 2 ** 48 - 1;

test('reader set: agrees with a Map for any readers, including ones that share their low bits', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: 3 }).map((hi) => hi * 2 ** 32 + 7), fc.constantFrom(0, MAX)), fc.nat()), { maxLength: 200 }),
      (ops) => {
        const set = new ReaderSet(256);
        const map = new Map<number, number>();
        for (const [reader, time] of ops) {
          assert.equal(set.get(reader), map.get(reader));
          set.set(reader, time);
          map.set(reader, time);
        }
        assert.equal(set.size, map.size);
        for (const [reader, time] of map) assert.equal(set.get(reader), time);
        set.clear();
        assert.equal(set.size, 0);
        for (const reader of map.keys()) assert.equal(set.get(reader), undefined);
      },
    ),
  );
});

test('reader set: holds its capacity of distinct readers (uniform, as hashes are)', () => {
  const set = new ReaderSet(100_000);
  assert.equal(set.get(42), undefined);
  const readers = new Set<number>();
  while (readers.size < 100_000) readers.add(Math.floor(Math.random() * 2 ** 48));
  let i = 0;
  for (const r of readers) set.set(r, i++);
  assert.equal(set.size, 100_000);
  i = 0;
  for (const r of readers) assert.equal(set.get(r), i++);
  assert.equal(set.get(2 ** 48), undefined);
});
