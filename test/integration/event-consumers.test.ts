/**
 * The event log's consumers: the cursor moves only together with what a batch writes, an open gap
 * in the ids holds a batch back until it is filled or old enough, and a consumer whose lease
 * another node holds does nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contiguousCount, EventConsumer, type LoggedEvent } from '../../src/events/consumers.js';
import { appendEvent } from '../../src/events/events.js';
import { forEachDialect } from '../helpers/dialects.js';

async function addEvents(db: Parameters<typeof appendEvent>[0], n: number): Promise<void> {
  for (let i = 0; i < n; i++) await appendEvent(db, 'site.updated', null, null, { i });
}

forEachDialect('event consumer: the cursor moves only with the rows a batch writes', async (_t, tdb) => {
  const db = tdb.database.db;
  const seen: number[] = [];
  let fail = true;
  const consumer = new EventConsumer(db, {
    name: 'test-consumer',
    startAt: 'beginning',
    async write(trx, events: LoggedEvent[]) {
      for (const e of events) {
        await trx.insertInto('settings').values({ key: `marker-${e.id}`, value_json: '1', updated_at: new Date().toISOString() }).execute();
      }
      if (fail) throw new Error('write failed');
      seen.push(...events.map((e) => e.id));
    },
  });
  await addEvents(db, 3);
  const before = await consumer.cursor();
  await assert.rejects(consumer.runOnce(), /write failed/);
  assert.equal(await consumer.cursor(), before, 'a failed write leaves the cursor');
  assert.equal((await db.selectFrom('settings').select('key').where('key', 'like', 'marker-%').execute()).length, 0, 'and writes nothing');
  fail = false;
  assert.equal(await consumer.runOnce(), 3);
  assert.equal(await consumer.cursor(), seen[seen.length - 1]);
  assert.equal((await db.selectFrom('settings').select('key').where('key', 'like', 'marker-%').execute()).length, 3);
  assert.equal(await consumer.runOnce(), 0, 'nothing new');
});

forEachDialect('event consumer: a lease held by another node means this one does nothing', async (_t, tdb) => {
  const db = tdb.database.db;
  let writes = 0;
  const spec = { name: 'leased', startAt: 'beginning' as const, write: async () => void writes++ };
  const consumer = new EventConsumer(db, spec);
  await consumer.cursor();
  await addEvents(db, 2);
  await db.updateTable('event_consumers').set({ lease_holder: 'node-other', lease_until: new Date(Date.now() + 60_000).toISOString() }).where('name', '=', 'leased').execute();
  assert.equal(await consumer.runOnce(), 0);
  assert.equal(writes, 0);
  // Once the other node's lease has expired, this node carries on from the committed cursor.
  consumer.now = () => new Date(Date.now() + 120_000);
  assert.equal(await consumer.runOnce(), 2);
  assert.equal(writes, 1);
});

forEachDialect('event consumer: a gap in the ids holds the batch back until it is filled or has waited long enough', async (_t, tdb) => {
  const db = tdb.database.db;
  const got: number[] = [];
  const consumer = new EventConsumer(db, { name: 'gaps', startAt: 'beginning', write: async (_trx, events) => void got.push(...events.map((e) => e.id)) }, { gapWaitMs: 5_000 });
  await addEvents(db, 2);
  assert.equal(await consumer.runOnce(), 2);
  const cursor = await consumer.cursor();
  // An id taken by a transaction that has not committed (or rolled back): the next one is here.
  await db.insertInto('events').values({ id: cursor + 2, type: 'site.updated', story_id: null, version: null, payload_json: '{}', created_at: new Date().toISOString() }).execute();
  let now = Date.now();
  consumer.now = () => new Date(now);
  assert.equal(await consumer.runOnce(), 0, 'waits on the missing id');
  now += 1_000;
  assert.equal(await consumer.runOnce(), 0, 'still within the wait');
  now += 5_000;
  assert.equal(await consumer.runOnce(), 1, 'a gap open that long is a rolled-back transaction: passed');
  assert.deepEqual(got.slice(-1), [cursor + 2]);
});

test('contiguousCount: stops at the first missing id, passes it after the wait, and forgets gaps behind', () => {
  const seen = new Map<number, number>();
  assert.equal(contiguousCount(10, [11, 12, 13], seen, 0, 100), 3);
  assert.equal(contiguousCount(10, [11, 13, 14], seen, 0, 100), 1, 'up to the gap at 12');
  assert.deepEqual([...seen], [[12, 0]]);
  assert.equal(contiguousCount(11, [13, 14], seen, 50, 100), 0, 'the gap is young');
  assert.equal(contiguousCount(11, [12, 13, 14], seen, 60, 100), 3, 'filled');
  assert.equal(contiguousCount(14, [16], seen, 70, 100), 0);
  assert.equal(contiguousCount(14, [16], seen, 170, 100), 1, 'old enough: passed');
  assert.equal(seen.size, 0);
  assert.equal(contiguousCount(5, [], seen, 0, 100), 0);
});
