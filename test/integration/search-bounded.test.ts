/**
 * Bounded search (src/search/search.ts) with small injected limits, on both engines: exact counts
 * below the cap and "more than N" above it, paging up to and at the cap's edge, ranking only for
 * selective searches, the prefix rule for the last word, and where an updated or withdrawn story
 * goes.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { forEachDialect, type TestDb } from '../helpers/dialects.js';
import { createServices, type Services } from '../../src/services.js';
import { loadConfig } from '../../src/config.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { bulkInsertStories, type BulkStory } from '../../src/demo/bulk.js';
import { createSearchIndex, searchRowidBase, type SearchIndex, type SearchLimits } from '../../src/search/search.js';

const LIMITS: SearchLimits = { countCap: 5, rankCap: 3, termCap: 4 };
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const HOUR = 3600_000;

function servicesFor(database: Services['database']): Services {
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'silent' });
  return createServices(config, database);
}

interface Text {
  headline: string;
  body: string;
}

/**
 * Stories published an hour apart, oldest first (so `ids[i]` is older than `ids[i + 1]`), each
 * with its headline and body as given.
 */
async function publish(services: Services, texts: Text[]): Promise<string[]> {
  const desk = await services.desks.create(SYSTEM_ACTOR, { name: 'News', description: '' });
  const stories: BulkStory[] = texts.map((t, i) => ({
    slug: `story-${i}`,
    deskId: desk.id,
    headline: t.headline,
    summary: '',
    dateline: '',
    bodyMd: t.body,
    bodyHtml: `<p>${t.body}</p>\n`,
    bodyText: t.body,
    wordCount: t.body.split(' ').length,
    publishedAt: new Date(T0 + i * HOUR).toISOString(),
  }));
  const ids = await bulkInsertStories(services.database.db, services.database.dialect, stories);
  // On SQLite a story's search row has the rowid of its publication time (SEARCH_ROWID_SLOTS),
  // as publishing gives it, migration 2026_12_04_1640 gave existing rows and the bulk loader
  // gives generated stories.
  if (services.database.dialect.name === 'sqlite') {
    for (const [i, id] of ids.entries()) {
      const row = await sql<{ rowid: number }>`select rowid from story_search where story_id = ${id}`.execute(services.database.db);
      assert.equal(Number(row.rows[0]!.rowid), searchRowidBase(stories[i]!.publishedAt), 'the bulk loader places search rows by publication time');
    }
  }
  return ids;
}

/** Every result, page by page (`size` a page), until a page comes back empty. */
async function allPages(index: SearchIndex, q: string, size: number): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; offset < 100; offset += size) {
    const page = await index.search(q, size, offset);
    if (page.storyIds.length === 0) return ids;
    ids.push(...page.storyIds);
  }
  throw new Error('paging never ended');
}

/**
 * Twelve stories about the harbour (a word above every cap); "ferry" in the newest four (above
 * rankCap, below countCap), "lighthouse" in three (ranked), "wildfire" in one.
 */
const HARBOUR: Text[] = Array.from({ length: 12 }, (_, i) => ({
  headline: `Harbour report ${i}`,
  body: [
    'The harbour was calm today.',
    i >= 8 ? 'A ferry left late.' : '',
    // The oldest lighthouse story says the word in its headline-weighted summary of events;
    // newer ones only in passing, so relevance and recency disagree.
    i === 1 ? 'Lighthouse lighthouse lighthouse keepers met at the lighthouse.' : '',
    i === 5 || i === 10 ? 'Someone mentioned a lighthouse.' : '',
    i === 3 ? 'A wildfire burned on the hills.' : '',
  ].join(' '),
}));

async function setUp(tdb: TestDb): Promise<{ services: Services; index: SearchIndex; ids: string[] }> {
  const services = servicesFor(tdb.database);
  const ids = await publish(services, HARBOUR);
  // PostgreSQL tells broad searches from selective ones by the planner's estimate, which needs
  // the column's word statistics (autovacuum gathers them on a real site).
  if (tdb.dialect === 'postgres') await sql`analyze story_search`.execute(tdb.database.db);
  return { services, index: createSearchIndex(tdb.database.db, tdb.dialect, LIMITS), ids };
}

forEachDialect('search counts exactly below the cap and says "more than" above it', async (_t, tdb) => {
  const { index, ids } = await setUp(tdb);

  const ferry = await index.search('ferry', 10, 0);
  assert.equal(ferry.total, 4);
  assert.equal(ferry.more, false);
  // Four matches is above rankCap: newest first.
  assert.equal(ferry.ranked, false);
  assert.deepEqual(ferry.storyIds, [ids[11], ids[10], ids[9], ids[8]]);

  const harbour = await index.search('harbour', 10, 0);
  assert.equal(harbour.more, true);
  assert.equal(harbour.ranked, false);
  // Only the first countCap results are ever shown, newest first.
  assert.deepEqual(harbour.storyIds, [ids[11], ids[10], ids[9], ids[8], ids[7]]);
  if (tdb.dialect === 'sqlite') assert.equal(harbour.total, LIMITS.countCap);
  else assert.ok(harbour.total >= harbour.storyIds.length && harbour.total <= LIMITS.countCap, `total ${harbour.total}`);

  const none = await index.search('volcano', 10, 0);
  assert.deepEqual(none, { storyIds: [], total: 0, more: false, ranked: false });
});

forEachDialect('search pages up to and at the edge of the cap', async (_t, tdb) => {
  const { index, ids } = await setUp(tdb);
  const newestFive = [ids[11], ids[10], ids[9], ids[8], ids[7]];

  // Pages of 2 reach exactly the countCap newest matches: 2, 2, then the 1 left before the cap.
  const sizes: number[] = [];
  const seen: string[] = [];
  for (const offset of [0, 2, 4]) {
    const page = await index.search('harbour', 2, offset);
    assert.equal(page.more, true);
    sizes.push(page.storyIds.length);
    seen.push(...page.storyIds);
    // The count always lets a pager reach the page after this one while there is one.
    assert.ok(page.total >= Math.min(offset + page.storyIds.length + (offset + 2 < LIMITS.countCap ? 1 : 0), LIMITS.countCap), `total ${page.total} at ${offset}`);
  }
  assert.deepEqual(sizes, [2, 2, 1]);
  assert.deepEqual(seen, newestFive);
  // At the cap and beyond: nothing, and still "more than countCap".
  for (const offset of [5, 6, 50]) {
    const page = await index.search('harbour', 2, offset);
    assert.deepEqual(page.storyIds, [], `offset ${offset}`);
    assert.equal(page.more, true);
  }
  assert.deepEqual(await allPages(index, 'harbour', 3), newestFive);

  // Below the cap, the last page holds what is left, and the page after it is empty.
  assert.deepEqual((await index.search('ferry', 3, 3)).storyIds, [ids[8]]);
  assert.deepEqual((await index.search('ferry', 3, 4)).storyIds, []);
  assert.equal((await index.search('ferry', 3, 4)).total, 4);
});

forEachDialect('search ranks by relevance only under the thresholds', async (_t, tdb) => {
  const { index, ids } = await setUp(tdb);

  // Three matches (= rankCap), each word in few stories: by relevance, so the oldest story, which
  // is about lighthouses, comes before newer ones that mention one in passing.
  const lighthouse = await index.search('lighthouse', 10, 0);
  assert.equal(lighthouse.ranked, true);
  assert.equal(lighthouse.total, 3);
  assert.equal(lighthouse.storyIds[0], ids[1]);
  assert.deepEqual([...lighthouse.storyIds].sort(), [ids[1], ids[5], ids[10]].sort());
  // Ranked pages are slices of the same order.
  const paged = [...(await index.search('lighthouse', 2, 0)).storyIds, ...(await index.search('lighthouse', 2, 2)).storyIds];
  assert.deepEqual(paged, lighthouse.storyIds);

  // Two matches, but one of the words ("harbour") is in more than termCap stories: on SQLite
  // weighing it would read its whole posting list, so the results are newest first there.
  // PostgreSQL's ts_rank reads only the matching documents and ranks.
  const both = await index.search('lighthouse harbour', 10, 0);
  assert.equal(both.total, 3);
  assert.equal(both.ranked, tdb.dialect === 'postgres');
  if (tdb.dialect === 'sqlite') assert.deepEqual(both.storyIds, [ids[10], ids[5], ids[1]]);
});

forEachDialect('the last word of a search matches as a prefix', async (_t, tdb) => {
  const { index, ids } = await setUp(tdb);
  assert.deepEqual((await index.search('wildf', 10, 0)).storyIds, [ids[3]]);
  assert.deepEqual((await index.search('burned wildf', 10, 0)).storyIds, [ids[3]]);
  // Only the last word: "wildf burned" has no story with the word "wildf".
  assert.deepEqual((await index.search('wildf burned', 10, 0)).storyIds, []);
  // Words of two letters never match as prefixes ("fe" is not "ferry").
  assert.deepEqual((await index.search('fe', 10, 0)).storyIds, []);
  // On SQLite a word that some story contains is searched as itself ("light" is in no story, so
  // it finds the lighthouse stories; "lighthouse" matched exactly above). PostgreSQL always adds
  // the prefix, which its index answers cheaply.
  assert.equal((await index.search('light', 10, 0)).total, 3);
});

forEachDialect('an updated story keeps its place by publication time; a withdrawn one leaves', async (_t, tdb) => {
  const { services, index, ids } = await setUp(tdb);
  // Update the oldest ferry story (published 8 hours after T0): its search entry is rewritten.
  await services.stories.amend(SYSTEM_ACTOR, ids[8]!, 'update', 'Times corrected.', undefined);
  const ferry = await index.search('ferry', 10, 0);
  assert.equal(ferry.total, 4);
  // Both engines order by publication time: an update keeps the story's place (on SQLite its
  // search row keeps the rowid of its publication time).
  assert.deepEqual(ferry.storyIds, [ids[11], ids[10], ids[9], ids[8]]);
  // A broad search too, at the edge of the cap.
  assert.deepEqual(await allPages(index, 'harbour', 2), [ids[11], ids[10], ids[9], ids[8], ids[7]]);

  await services.stories.withdraw(SYSTEM_ACTOR, ids[10]!, 'Legal advice.');
  const after = await index.search('ferry', 10, 0);
  assert.equal(after.total, 3);
  assert.ok(!after.storyIds.includes(ids[10]!));
  // The withdrawn story no longer counts towards the harbour cap either: still the newest five live ones.
  const harbour = await allPages(index, 'harbour', 2);
  assert.equal(harbour.length, LIMITS.countCap);
  assert.ok(!harbour.includes(ids[10]!));
});
