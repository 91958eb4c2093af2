/**
 * The view pixel and its recorder on both engines: the exact GIF and headers, no cookies,
 * bots and unknown tokens left out, one reader counted once per 30 minutes (with an injected
 * clock), pages from the referrer, one transaction per flush, several nodes adding up, the
 * flush on close, failed flushes retried, bounded memory, and no address stored anywhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import net from 'node:net';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { isBot } from '../../src/usage/bots.js';
import { normaliseReferrer, TRANSPARENT_GIF } from '../../src/usage/pixel.routes.js';
import { UsageRecorder, type Hit } from '../../src/usage/recorder.js';
import { PixelTokens } from '../../src/usage/pixel-tokens.js';
import { newId } from '../../src/util/ids.js';
import type { Services } from '../../src/services.js';
import { buildTestApp, publishStory, seedBasics, type TestApp } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const MIN = 60_000;

/** A partner publishing at https://gazette.example (pages elsewhere are not recorded for it). */
async function insertPartner(db: Kysely<DB>, outlet: string, domain = 'gazette.example', extraDomains: string[] = []): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await db
    .insertInto('partners')
    .values({
      id, outlet, website: `https://${domain}`, domain, extra_domains_json: JSON.stringify(extraDomains), contact_name: 'Pat Partner', email: `pat@${id.slice(0, 8)}.example`,
      audience: 100_000, evidence: 'analytics', intended_use: 'republish', status: 'approved', kind: 'free', eligibility_json: '{}',
      decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

interface Fixture {
  storyId: string;
  otherStoryId: string;
  partnerId: string;
  token: string;
  otherToken: string;
}

async function fixture(services: Services): Promise<Fixture> {
  const basics = await seedBasics(services);
  const story = await publishStory(services, { headline: 'Dry wells in the valley', desk: basics.desk, authors: [basics.author] });
  const other = await publishStory(services, { headline: 'Second story', desk: basics.desk, authors: [basics.author] });
  const partnerId = await insertPartner(services.database.db, 'Valley Gazette');
  return {
    storyId: story.id,
    otherStoryId: other.id,
    partnerId,
    token: await services.pixelTokens.tokenFor(story.id, partnerId),
    otherToken: await services.pixelTokens.tokenFor(other.id, partnerId),
  };
}

function hitPixel(ta: TestApp, token: string, headers: Record<string, string> = {}, remoteAddress = '198.51.100.7') {
  return ta.app.inject({ method: 'GET', url: `/p/${token}.gif`, headers: { 'user-agent': UA, ...headers }, remoteAddress });
}

async function dailyViews(db: Kysely<DB>): Promise<Array<{ story_id: string; partner_id: string; day: string; views: number }>> {
  const rows = await db.selectFrom('usage_daily').selectAll().orderBy('story_id').orderBy('day').execute();
  return rows.map((r) => ({ ...r, views: Number(r.views) }));
}

async function totalViews(db: Kysely<DB>): Promise<number> {
  return (await dailyViews(db)).reduce((a, r) => a + r.views, 0);
}

test('bot list: crawlers, unfurlers, scripts and headless browsers are bots; browsers are not', () => {
  for (const ua of [
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0 Safari/537.36',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36',
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)',
    'python-requests/2.31.0',
    'curl/8.5.0',
    'Twitterbot/1.0',
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    'Newsletter-Archiver bot_v2 (+https://example.org)',
    'Mozilla/5.0',
    '  mozilla/5.0 ',
    '',
    'x',
  ]) {
    assert.equal(isBot(ua), true, ua);
  }
  assert.equal(isBot(undefined), true);
  for (const ua of [
    UA,
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
  ]) {
    assert.equal(isBot(ua), false, ua);
  }
});

test('referrer normalisation keeps the page, drops fragments, credentials, tracking and our own site', () => {
  const own = 'https://news.example';
  assert.equal(
    normaliseReferrer('https://user:pw@Partner.example/a/b?id=7&utm_source=x&UTM_medium=y&fbclid=z#comments', own),
    'https://partner.example/a/b?id=7',
  );
  assert.equal(normaliseReferrer('https://partner.example/a?utm_campaign=x', own), 'https://partner.example/a');
  assert.equal(normaliseReferrer('https://news.example/stories/x', own), undefined);
  assert.equal(normaliseReferrer('javascript:alert(1)', own), undefined);
  assert.equal(normaliseReferrer('ftp://partner.example/file', own), undefined);
  assert.equal(normaliseReferrer('not a url', own), undefined);
  assert.equal(normaliseReferrer(undefined, own), undefined);
  const longQuery = `https://partner.example/page?q=${'x'.repeat(3000)}`;
  assert.equal(normaliseReferrer(longQuery, own), 'https://partner.example/page');
  assert.equal(normaliseReferrer(`https://partner.example/${'p'.repeat(2100)}`, own), undefined);
});

forEachDialect('pixel answers the 43-byte GIF, uncached, without cookies, for any token', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await fixture(ta.services);
    assert.equal(TRANSPARENT_GIF.length, 43);
    assert.equal(TRANSPARENT_GIF.subarray(0, 6).toString('latin1'), 'GIF89a');
    for (const token of [fx.token, 'unknown-token-123456', 'x', '%00%27']) {
      const r = await hitPixel(ta, token);
      assert.equal(r.statusCode, 200, token);
      assert.deepEqual(r.rawPayload, TRANSPARENT_GIF, token);
      assert.equal(r.headers['content-type'], 'image/gif');
      assert.equal(r.headers['content-length'], '43');
      assert.match(String(r.headers['cache-control']), /no-store/);
      assert.equal(r.headers['set-cookie'], undefined, 'no cookie, ever');
    }
    // Even a request carrying cookies (the newsroom's, a flash) gets none back.
    const withCookie = await hitPixel(ta, fx.token, { cookie: 'fw_session=abc; fw_flash=x' }, '198.51.100.99');
    assert.equal(withCookie.headers['set-cookie'], undefined);
    assert.equal((await ta.app.inject({ method: 'GET', url: `/p/${fx.token}.png` })).statusCode, 404);
    // HEAD (link checkers) gets the headers but is not a view.
    const head = await ta.app.inject({ method: 'HEAD', url: `/p/${fx.token}.gif`, headers: { 'user-agent': UA }, remoteAddress: '198.51.100.50' });
    assert.equal(head.statusCode, 200);

    await ta.services.usage.recorder.flush();
    const rows = await dailyViews(ta.services.database.db);
    // The known token from two addresses (the cookie one too); unknown tokens count nothing.
    assert.deepEqual(rows.map((r) => [r.story_id, r.partner_id, r.views]), [[fx.storyId, fx.partnerId, 2]]);
    assert.equal(rows[0]!.day, new Date().toISOString().slice(0, 10));
  } finally {
    await ta.close();
  }
});

forEachDialect('bots are not counted; readers are: same reader once, other agents, addresses and stories apart', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await fixture(ta.services);
    const db = ta.services.database.db;
    for (const ua of ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'Mozilla/5.0 HeadlessChrome/126.0', 'facebookexternalhit/1.1', '']) {
      await hitPixel(ta, fx.token, { 'user-agent': ua });
    }
    await ta.services.usage.recorder.flush();
    assert.equal(await totalViews(db), 0, 'bots count nothing');

    await hitPixel(ta, fx.token);
    await hitPixel(ta, fx.token); // the same reader again, seconds later
    await hitPixel(ta, fx.token, { 'user-agent': `${UA} Edg/126.0` }); // another browser on the same address
    await hitPixel(ta, fx.token, {}, '198.51.100.8'); // the same browser elsewhere
    await hitPixel(ta, fx.otherToken); // the same reader, another story
    await ta.services.usage.recorder.flush();
    const rows = await dailyViews(db);
    const byStory = Object.fromEntries(rows.map((r) => [r.story_id, r.views]));
    assert.deepEqual(byStory, { [fx.storyId]: 3, [fx.otherStoryId]: 1 });
  } finally {
    await ta.close();
  }
});

forEachDialect('one reader counts once within 30 minutes and again after; memory stays bounded', async (_t, tdb) => {
  const db = tdb.database.db;
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await fixture(ta.services);
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const rec = new UsageRecorder(db, { now: () => now });
    const hit: Hit = { storyId: fx.storyId, partnerId: fx.partnerId, ip: '192.0.2.1', userAgent: UA, page: undefined };
    await rec.record(hit);
    now += 29 * MIN;
    await rec.record(hit);
    now += 1 * MIN - 1; // 29:59.999 after the first view
    await rec.record(hit);
    assert.equal(rec.pendingViews, 1, 'repeats within 30 minutes count once');
    now += 1; // exactly 30 minutes
    await rec.record(hit);
    assert.equal(rec.pendingViews, 2, 'counted again after 30 minutes');
    now += 10 * MIN;
    await rec.record(hit);
    assert.equal(rec.pendingViews, 2, 'and the window restarts from the view that counted');
    now += 45 * MIN;
    await rec.record(hit);
    assert.equal(rec.pendingViews, 3);
    await rec.flush();
    assert.deepEqual((await dailyViews(db)).map((r) => [r.day, r.views]), [['2026-12-01', 3]]);

    // Bounded: a flood of distinct readers keeps at most two generations at the cap…
    const small = new UsageRecorder(db, { now: () => now, maxReadersPerGeneration: 100 });
    for (let i = 0; i < 1000; i++) await small.record({ ...hit, userAgent: `${UA} reader-${i}` });
    assert.equal(small.pendingViews, 1000, 'every distinct reader counts');
    assert.ok(small.remembered <= 200, `remembered ${small.remembered}`);
    // …and an hour later, with one new reader, the old ones are gone.
    now += 61 * MIN;
    await small.record({ ...hit, userAgent: `${UA} late` });
    assert.equal(small.remembered, 1);
  } finally {
    await ta.close();
  }
});

forEachDialect('pages come from the referrer, with views and first and last seen', async (_t, tdb) => {
  const db = tdb.database.db;
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await fixture(ta.services);
    const start = Date.parse('2026-12-02T08:00:00.000Z');
    let now = start;
    const rec = new UsageRecorder(db, { now: () => now });
    const page = 'https://gazette.example/2026/12/dry-wells';
    const base: Hit = { storyId: fx.storyId, partnerId: fx.partnerId, ip: '192.0.2.1', userAgent: UA, page };
    await rec.record(base);
    now += 5 * MIN;
    await rec.record({ ...base, ip: '192.0.2.2' });
    await rec.flush();
    now += 60 * MIN;
    await rec.record({ ...base, ip: '192.0.2.3' });
    await rec.record({ ...base, ip: '192.0.2.4', page: undefined });
    await rec.flush();
    const pages = await db.selectFrom('usage_pages').selectAll().execute();
    assert.equal(pages.length, 1);
    assert.equal(pages[0]!.url, page);
    assert.equal(Number(pages[0]!.views), 3);
    assert.equal(pages[0]!.first_seen, new Date(start).toISOString());
    assert.equal(pages[0]!.last_seen, new Date(start + 65 * MIN).toISOString());
    assert.equal(pages[0]!.check_status, 'unchecked');
    assert.equal(await totalViews(db), 4, 'a view without a referrer still counts');

    // A second node that saw the page earlier and later widens first/last seen.
    let other = start - 10 * MIN;
    const node2 = new UsageRecorder(db, { now: () => other });
    await node2.record({ ...base, ip: '192.0.2.9' });
    other = start + 120 * MIN;
    await node2.record({ ...base, ip: '192.0.2.10' });
    await node2.flush();
    const after = await db.selectFrom('usage_pages').selectAll().executeTakeFirstOrThrow();
    assert.equal(Number(after.views), 5);
    assert.equal(after.first_seen, new Date(start - 10 * MIN).toISOString());
    assert.equal(after.last_seen, new Date(start + 120 * MIN).toISOString());

    // Through HTTP: tracking parameters and fragments are dropped, our own pages ignored.
    await hitPixel(ta, fx.token, { referer: 'https://gazette.example/story?id=4&utm_source=newsletter#top' });
    await hitPixel(ta, fx.token, { referer: 'http://news.test/stories/dry-wells' }, '198.51.100.20');
    await ta.services.usage.recorder.flush();
    const urls = (await db.selectFrom('usage_pages').select('url').orderBy('url').execute()).map((r) => r.url);
    assert.deepEqual(urls, ['https://gazette.example/2026/12/dry-wells', 'https://gazette.example/story?id=4']);
  } finally {
    await ta.close();
  }
});

/** Counts transactions and writes made outside a transaction on a Kysely instance. */
function spyDb(db: Kysely<DB>, opts: { failTransactions?: number } = {}) {
  const stats = { transactions: 0, writesOutside: 0 };
  let failures = opts.failTransactions ?? 0;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        return () => {
          stats.transactions += 1;
          if (failures > 0) {
            failures -= 1;
            return { execute: async () => Promise.reject(new Error('database unavailable')) };
          }
          return target.transaction();
        };
      }
      if (prop === 'insertInto' || prop === 'updateTable' || prop === 'deleteFrom') {
        return (...args: unknown[]) => {
          stats.writesOutside += 1;
          return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db: proxy, stats };
}

forEachDialect('views on both sides of midnight between two flushes go to their own days, also after a failed flush', async (_t, tdb) => {
  const db = tdb.database.db;
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await fixture(ta.services);
    let now = Date.parse('2026-12-01T23:59:00.000Z');
    const spy = spyDb(db, { failTransactions: 1 });
    const rec = new UsageRecorder(spy.db, { now: () => now });
    const view = (i: number, page?: string) => rec.record({ storyId: fx.storyId, partnerId: fx.partnerId, ip: '192.0.2.1', userAgent: `${UA} r${i}`, page });
    await view(1, 'https://gazette.example/a');
    await view(2);
    now += 2 * MIN; // 00:01 the next day, no flush in between
    await view(3, 'https://gazette.example/a');
    assert.equal(rec.pendingViews, 3);
    await assert.rejects(rec.flush(), /database unavailable/);
    assert.equal(rec.pendingViews, 3, 'the failed flush put both days back');
    await view(4);
    await rec.flush();
    assert.deepEqual(
      (await dailyViews(db)).map((r) => [r.day, r.views]),
      [
        ['2026-12-01', 2],
        ['2026-12-02', 2],
      ],
    );
    const pages = await db.selectFrom('usage_pages').select(['url', 'views', 'first_seen']).execute();
    assert.deepEqual(
      pages.map((p) => [p.url, Number(p.views), p.first_seen.slice(0, 10)]),
      [['https://gazette.example/a', 2, '2026-12-01']],
    );
  } finally {
    await ta.close();
  }
});

forEachDialect('a flush is one transaction, stores exactly the hits, and a failed flush keeps them', async (_t, tdb) => {
  const db = tdb.database.db;
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await fixture(ta.services);
    const spy = spyDb(db, { failTransactions: 1 });
    const rec = new UsageRecorder(spy.db);
    await rec.prepare(); // loads the day key (its own writes, before any flush)
    let hits = 0;
    for (let i = 0; i < 150; i++) {
      for (const storyId of [fx.storyId, fx.otherStoryId]) {
        await rec.record({ storyId, partnerId: fx.partnerId, ip: '192.0.2.1', userAgent: `${UA} r${i}`, page: `https://gazette.example/p${i % 7}` });
        hits += 1;
      }
    }
    spy.stats.transactions = 0;
    spy.stats.writesOutside = 0;
    await assert.rejects(rec.flush(), /database unavailable/);
    assert.equal(rec.pendingViews, hits, 'a failed flush keeps its counts');
    assert.equal(await totalViews(db), 0);

    spy.stats.transactions = 0;
    const result = await rec.flush();
    assert.equal(spy.stats.transactions, 1, 'one transaction');
    assert.equal(spy.stats.writesOutside, 0, 'no write outside it');
    assert.deepEqual(result, { days: 2, pages: 14 });
    assert.equal(rec.pendingViews, 0);
    assert.equal(await totalViews(db), hits);
    const pageViews = await db.selectFrom('usage_pages').select('views').execute();
    assert.equal(pageViews.reduce((a, r) => a + Number(r.views), 0), hits);
    assert.deepEqual(await rec.flush(), { days: 0, pages: 0 }, 'nothing new: no transaction');
    assert.equal(spy.stats.transactions, 1);

    // Counts for a story deleted since its pixel was cached are dropped, not stuck forever.
    await rec.record({ storyId: fx.storyId, partnerId: fx.partnerId, ip: '192.0.2.77', userAgent: UA, page: undefined });
    await rec.record({ storyId: newId(), partnerId: fx.partnerId, ip: '192.0.2.77', userAgent: UA, page: 'https://gazette.example/gone' });
    await rec.flush();
    assert.equal(await totalViews(db), hits + 1);
    assert.equal(rec.pendingViews, 0);
  } finally {
    await ta.close();
  }
});

forEachDialect('two nodes flushing the same keys at once add up, with one shared day key', async (_t, tdb) => {
  const db = tdb.database.db;
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await fixture(ta.services);
    const a = new UsageRecorder(db);
    const b = new UsageRecorder(db);
    await Promise.all([a.prepare(), b.prepare()]);
    assert.equal((await db.selectFrom('usage_salts').select('day').execute()).length, 1, 'both nodes use the same key');
    const page = 'https://gazette.example/shared';
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) {
        await a.record({ storyId: fx.storyId, partnerId: fx.partnerId, ip: '192.0.2.1', userAgent: `${UA} a${round}-${i}`, page });
        await b.record({ storyId: fx.storyId, partnerId: fx.partnerId, ip: '192.0.2.2', userAgent: `${UA} b${round}-${i}`, page });
      }
      await Promise.all([a.flush(), b.flush()]);
    }
    assert.equal(await totalViews(db), 400);
    const p = await db.selectFrom('usage_pages').selectAll().execute();
    assert.equal(p.length, 1);
    assert.equal(Number(p[0]!.views), 400);

  } finally {
    await ta.close();
  }
});

forEachDialect('closing the app flushes the counts; no address is stored anywhere', async (_t, tdb) => {
  const db = tdb.database.db;
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  const ip = '203.0.113.77';
  let closed = false;
  try {
    const fx = await fixture(ta.services);
    for (let i = 0; i < 5; i++) {
      const r = await hitPixel(ta, fx.token, { 'user-agent': `${UA} n${i}`, referer: 'https://gazette.example/a' }, ip);
      assert.equal(r.statusCode, 200);
    }
    assert.equal(await totalViews(db), 0, 'not yet written: the timer is a minute away');
    await ta.close();
    closed = true;
    assert.equal(await totalViews(db), 5, 'written on close');

    // No table, no column holds the reader's address.
    const tables =
      tdb.dialect === 'sqlite'
        ? (await db.selectFrom('sqlite_master' as never).select('name' as never).where('type' as never, '=', 'table' as never).execute()).map((r) => (r as { name: string }).name)
        : (
            await db
              .selectFrom('information_schema.tables' as never)
              .select('table_name' as never)
              .where('table_schema' as never, '=', 'public' as never)
              .execute()
          ).map((r) => (r as { table_name: string }).table_name);
    assert.ok(tables.includes('usage_daily') && tables.includes('usage_salts'));
    for (const table of tables) {
      const rows = await db.selectFrom(table as never).selectAll().execute();
      for (const row of rows as Array<Record<string, unknown>>) {
        for (const [column, value] of Object.entries(row)) {
          assert.ok(typeof value !== 'string' || !value.includes(ip), `${table}.${column} holds the reader's address`);
        }
      }
    }
  } finally {
    if (!closed) await ta.close();
  }
});

forEachDialect('on a listening server the pixel is answered before Fastify, with the same bytes, headers and counts', async (_t, tdb) => {
  const db = tdb.database.db;
  // trustProxy on (one hop): the reader is the address our proxy appended to X-Forwarded-For, as request.ip would say.
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000', FREEWIRE_TRUST_PROXY: 'true' });
  try {
    const fx = await fixture(ta.services);
    const base = await ta.app.listen({ port: 0, host: '127.0.0.1' });
    const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${base}${url}`, { method, headers: { 'user-agent': UA, ...headers } });

    const r = await get(`/p/${fx.token}.gif?v=2`, { 'x-forwarded-for': '10.0.0.1, 192.0.2.10', referer: 'https://gazette.example/wells?utm_medium=email' });
    assert.equal(r.status, 200);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), TRANSPARENT_GIF);
    const viaInject = await hitPixel(ta, 'someone-elses-token-0000');
    for (const name of ['content-type', 'content-length', 'cache-control', 'x-content-type-options', 'referrer-policy']) {
      assert.equal(r.headers.get(name), String(viaInject.headers[name]), `${name}: same as the Fastify route`);
    }
    assert.equal(r.headers.get('set-cookie'), null);

    await get(`/p/${fx.token}.gif`, { 'x-forwarded-for': '192.0.2.10' }); // the same reader again
    await get(`/p/${fx.token}.gif`, { 'x-forwarded-for': '192.0.2.11' }); // another reader behind the same proxy
    await get(`/p/${fx.token}.gif`, { 'x-forwarded-for': '192.0.2.12', 'user-agent': 'Googlebot/2.1' }); // a bot
    assert.equal((await get(`/p/${fx.token}.gif`, { 'x-forwarded-for': '192.0.2.13' }, 'HEAD')).status, 200); // not a view
    const odd = await get('/p/not%20a%20token.gif', { 'x-forwarded-for': '192.0.2.14' }); // Fastify's door
    assert.equal(odd.status, 200);
    assert.deepEqual(Buffer.from(await odd.arrayBuffer()), TRANSPARENT_GIF);
    assert.equal((await get(`/p/${fx.token}.png`)).status, 404);
    assert.equal((await get('/healthz')).status, 200, 'everything else still reaches Fastify');

    // Header names in any case, and the first of duplicate headers wins, as in request.headers.
    const rawGet = (lines: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(new URL(base).port), '127.0.0.1');
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
        socket.end(`${lines.join('\r\n')}\r\n\r\n`);
      });
    const caps = await rawGet([`GET /p/${fx.token}.gif HTTP/1.1`, 'Host: x', 'X-Forwarded-For: 192.0.2.15', `USER-AGENT: ${UA}`, 'REFERER: https://gazette.example/caps', 'Connection: close']);
    assert.match(caps, /^HTTP\/1\.1 200 /);
    const twice = await rawGet([`GET /p/${fx.token}.gif HTTP/1.1`, 'Host: x', 'X-Forwarded-For: 192.0.2.16', 'User-Agent: Googlebot/2.1', `User-Agent: ${UA}`, 'Connection: close']);
    assert.match(twice, /^HTTP\/1\.1 200 /);

    await ta.services.usage.recorder.flush();
    assert.equal(await totalViews(db), 3, 'the reader in capitals counts; the first user agent of two (a bot) decides');
    assert.deepEqual((await db.selectFrom('usage_pages').select('url').orderBy('url').execute()).map((p) => p.url), ['https://gazette.example/caps', 'https://gazette.example/wells']);
  } finally {
    await ta.close();
  }
});

forEachDialect('pixel tokens: memory holds the latest pairs only; forgotten ones are read again, with the same token', async (_t, tdb) => {
  const ta = await buildTestApp(tdb);
  try {
    const f = await fixture(ta.services);
    const { db, dialect } = tdb.database;
    const tokens = new PixelTokens(db, dialect, 10);
    const stories = [f.storyId, f.otherStoryId];
    for (let i = 0; i < 7; i++) stories.push((await publishStory(ta.services, { headline: `Story ${i}`, desk: 'environment', authors: ['ada-reporter'] })).id);
    const partners = [f.partnerId, await insertPartner(db, 'Ridge Courier', 'courier.example')];
    const first = new Map<string, string>();
    for (const s of stories) for (const p of partners) first.set(`${s} ${p}`, await tokens.tokenFor(s, p));
    assert.ok(tokens.remembered <= 10, `remembered ${tokens.remembered}`);
    assert.equal(new Set(first.values()).size, 18, 'a token per pair');
    // The first pairs were forgotten: peek misses, resolve reads them again, tokenFor gives the same token.
    const oldest = first.get(`${stories[0]} ${partners[0]}`)!;
    assert.equal(tokens.peek(oldest), undefined);
    assert.deepEqual(await tokens.resolve(oldest), { storyId: stories[0], partnerId: partners[0] });
    assert.deepEqual(tokens.peek(oldest), { storyId: stories[0], partnerId: partners[0] });
    for (const s of stories) for (const p of partners) assert.equal(await tokens.tokenFor(s, p), first.get(`${s} ${p}`));
    assert.deepEqual(Object.fromEntries((await tokens.tokensFor(stories[1]!, partners)).entries()), { [partners[0]!]: first.get(`${stories[1]} ${partners[0]}`), [partners[1]!]: first.get(`${stories[1]} ${partners[1]}`) });
    assert.ok(tokens.remembered <= 10, `remembered ${tokens.remembered}`);
  } finally {
    await ta.close();
  }
});
