/**
 * Usage that cannot be flooded or planted: the pixel records a page only on the partner's own
 * domains (its website's, the extra ones it lists, and their subdomains), at most
 * MAX_NEW_PAGES_PER_DAY new pages per story × partner × day across flushes and nodes, and other
 * hits count as views without a page, so the attribution checker never fetches a page the
 * partner did not publish on. Also: the domains list in the portal, the newsroom and the Admin
 * API, and its strict validation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import type { DB } from '../../src/db/schema.js';
import { startAttributionChecker } from '../../src/attribution/worker.js';
import { hostMatches, normaliseDomain, parseDomainList, MAX_EXTRA_DOMAINS } from '../../src/partners/domains.js';
import { approvePartner } from '../../src/partners/decisions.js';
import { MAX_NEW_PAGES_PER_DAY, UsageRecorder, type Hit } from '../../src/usage/recorder.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { newId } from '../../src/util/ids.js';
import { buildTestApp, publishStory, seedBasics, type TestApp } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

async function insertPartner(db: Kysely<DB>, domain: string, extraDomains: string[] = []): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await db
    .insertInto('partners')
    .values({
      id, outlet: 'Valley Gazette', website: `https://www.${domain}`, domain, extra_domains_json: JSON.stringify(extraDomains), contact_name: 'Pat', email: `pat@${domain}`,
      audience: 100_000, evidence: 'analytics', intended_use: 'republish', status: 'approved', kind: 'free', eligibility_json: '{}',
      decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

async function storyAndPartner(ta: TestApp, domain = 'gazette.example', extra: string[] = []) {
  const basics = await seedBasics(ta.services);
  const story = await publishStory(ta.services, { headline: 'Dry wells in the valley', desk: basics.desk, authors: [basics.author] });
  const other = await publishStory(ta.services, { headline: 'Second story', desk: basics.desk, authors: [basics.author] });
  const partnerId = await insertPartner(ta.services.database.db, domain, extra);
  return { storyId: story.id, otherStoryId: other.id, partnerId, token: await ta.services.pixelTokens.tokenFor(story.id, partnerId) };
}

let readers = 0;
/** A new reader (address) per hit, so de-duplication never hides one. */
function nextReader(): string {
  readers += 1;
  return `198.51.${Math.floor(readers / 250) % 250}.${(readers % 250) + 1}`;
}

function hit(ta: TestApp, token: string, referer: string | undefined) {
  return ta.app.inject({ method: 'GET', url: `/p/${token}.gif`, remoteAddress: nextReader(), headers: { 'user-agent': UA, ...(referer ? { referer } : {}) } });
}

async function totalViews(db: Kysely<DB>): Promise<number> {
  const rows = await db.selectFrom('usage_daily').select('views').execute();
  return rows.reduce((a, r) => a + Number(r.views), 0);
}

async function pageUrls(db: Kysely<DB>): Promise<string[]> {
  return (await db.selectFrom('usage_pages').select('url').orderBy('url').execute()).map((r) => r.url);
}

/**
 * A database whose transactions do all their work and then wait, uncommitted, until release():
 * a node caught between its writes and its commit.
 */
function gatedDb(db: Kysely<DB>) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const atGate = new Promise<void>((resolve) => (reached = resolve));
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        return () => ({
          execute: <T>(fn: (trx: Transaction<DB>) => Promise<T>) =>
            target.transaction().execute(async (trx) => {
              const result = await fn(trx);
              reached();
              await gate;
              return result;
            }),
        });
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db: proxy, atGate, release };
}

/** Waits until some session of this database waits for a lock (PostgreSQL). */
async function waitForLockWait(db: Kysely<DB>): Promise<void> {
  for (;;) {
    const r = await sql<{ n: number }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    if (Number(r.rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ---- domains: parsing and matching -------------------------------------------------------------

test('domains: strict parsing (plain names, two labels, no IPs, punycode) and matching with subdomains', () => {
  assert.deepEqual(normaliseDomain(' News.Example.ORG. '), { domain: 'news.example.org' });
  assert.deepEqual(normaliseDomain('bücher.example'), { domain: 'xn--bcher-kva.example' });
  assert.deepEqual(normaliseDomain('edition.xn--p1ai'), { domain: 'edition.xn--p1ai' });
  for (const bad of ['https://example.org', 'example.org/path', 'example.org:8080', '*.example.org', 'user@example.org', 'localhost', '127.0.0.1', '10.0.0.1', '-bad.example', 'bad-.example', 'a..b', 'under_score.example', 'a b.example', `${'a'.repeat(64)}.example`, `${'a.'.repeat(130)}example`, 'example.123', '[::1]', '.example']) {
    assert.ok('problem' in normaliseDomain(bad), bad);
  }
  const parsed = parseDomainList('valley-news.example\nEdition.Gazette.example, valley-news.example  gazette.example\n\n', 'gazette.example');
  assert.deepEqual(parsed, { domains: ['valley-news.example', 'edition.gazette.example'], problems: [] }, 'duplicates and the own domain dropped');
  assert.match(parseDomainList(['ok.example', 'not a domain'], 'x.example').problems.join(' '), /not/);
  assert.deepEqual(parseDomainList([1], 'x.example').problems, ['every entry must be a domain name']);
  assert.ok(parseDomainList(Array.from({ length: MAX_EXTRA_DOMAINS + 1 }, (_, i) => `d${i}.example`), 'x.example').problems.length > 0);
  assert.deepEqual(parseDomainList({}, 'x.example').problems, ['must be a list of domains']);

  const domains = ['gazette.example', 'valley-news.example'];
  for (const host of ['gazette.example', 'www.gazette.example', 'a.b.gazette.example', 'valley-news.example', 'm.valley-news.example']) assert.equal(hostMatches(host, domains), true, host);
  for (const host of ['evilgazette.example', 'gazette.example.evil.test', 'example', 'news.example', 'valley-news.example.org', '']) assert.equal(hostMatches(host, domains), false, host);
});

test('domains: any input gives domains that are strict host names, or messages; never an exception', () => {
  const STRICT = /^(?:[a-z0-9-]{1,63}\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.domain(), fc.array(fc.oneof(fc.domain(), fc.string({ maxLength: 80 })), { maxLength: 30 })), (input) => {
      const r = parseDomainList(input, 'own.example');
      for (const d of r.domains) {
        assert.match(d, STRICT);
        assert.ok(d.length <= 253);
        assert.ok(!d.split('.').some((l) => l.startsWith('-') || l.endsWith('-')));
      }
      assert.ok(r.domains.length <= MAX_EXTRA_DOMAINS || r.problems.length > 0);
    }),
    { numRuns: 300 },
  );
});

// ---- the pixel ------------------------------------------------------------------------------------

forEachDialect('pixel: pages on the partner domain, its subdomains and extra domains are recorded; other hosts count as views without a page', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await storyAndPartner(ta, 'gazette.example', ['valley-news.example']);
    const db = ta.services.database.db;
    const theirs = ['https://gazette.example/a', 'https://www.gazette.example/b', 'https://valley-news.example/d', 'https://m.valley-news.example/c'];
    const foreign = ['https://evil.example/planted', 'https://evilgazette.example/x', 'https://gazette.example.evil.test/y', 'http://127.0.0.1:9/z', 'http://localhost/w'];
    for (const url of [...theirs, ...foreign]) assert.equal((await hit(ta, fx.token, url)).statusCode, 200);
    // Twice, so the second round runs against the domains the first flush read (the per-hit check).
    await ta.services.usage.recorder.flush();
    for (const url of [...theirs, ...foreign]) await hit(ta, fx.token, url);
    await ta.services.usage.recorder.flush();
    assert.equal(await totalViews(db), 2 * (theirs.length + foreign.length), 'every hit is a view');
    assert.deepEqual(await pageUrls(db), [...theirs].sort());

    // A domain the partner removes stops recording at once (the flush reads the row), even on a
    // node that still remembers the old list.
    await ta.services.partners.setExtraDomains(null, fx.partnerId, []);
    await hit(ta, fx.token, 'https://valley-news.example/after-removal');
    await ta.services.usage.recorder.flush();
    assert.ok(!(await pageUrls(db)).includes('https://valley-news.example/after-removal'));
    assert.equal(await totalViews(db), 2 * (theirs.length + foreign.length) + 1);
  } finally {
    await ta.close();
  }
});

forEachDialect(`pixel: at most ${MAX_NEW_PAGES_PER_DAY} new pages per story, partner and day, across flushes and nodes; views still count`, async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await storyAndPartner(ta);
    const db = ta.services.database.db;
    let now = Date.parse('2026-12-02T10:00:00.000Z');
    const clock = () => now;
    const a = new UsageRecorder(db, { now: clock });
    const b = new UsageRecorder(db, { now: clock });
    let n = 0;
    const page = (storyId = fx.storyId): Hit => {
      n += 1;
      return { storyId, partnerId: fx.partnerId, ip: `192.0.2.${n % 250}`, userAgent: `${UA} r${n}`, page: `https://gazette.example/planted-${n}` };
    };
    const pagesOf = async (storyId: string) => Number((await db.selectFrom('usage_pages').select((eb) => eb.fn.countAll<number>().as('c')).where('story_id', '=', storyId).executeTakeFirstOrThrow()).c);

    // One flush with more distinct pages than the cap.
    for (let i = 0; i < 80; i++) await a.record(page(fx.otherStoryId));
    await a.flush();
    assert.equal(await pagesOf(fx.otherStoryId), MAX_NEW_PAGES_PER_DAY);

    // Across flushes: 30, then 30 more.
    for (let i = 0; i < 30; i++) await a.record(page());
    await a.flush();
    assert.equal(await pagesOf(fx.storyId), 30);
    // Across nodes: node A has written 15 more but not yet committed when node B flushes 15 of
    // its own. B must count A's pages (it waits for A's lock on the day's row), never 60.
    const gated = gatedDb(db);
    const nodeA = new UsageRecorder(gated.db, { now: clock });
    for (let i = 0; i < 15; i++) {
      await nodeA.record(page());
      await b.record(page());
    }
    const flushA = nodeA.flush();
    await gated.atGate;
    const flushB = b.flush();
    // On PostgreSQL, wait until B really is blocked by A's transaction; SQLite's one connection
    // queues B behind A by itself (and cannot be queried while A holds it).
    if (tdb.dialect === 'postgres') await waitForLockWait(db);
    gated.release();
    await Promise.all([flushA, flushB]);
    assert.equal(await pagesOf(fx.storyId), MAX_NEW_PAGES_PER_DAY);

    // Pages already recorded keep getting their views; new ones wait for tomorrow.
    const known = (await db.selectFrom('usage_pages').select(['url', 'views']).where('story_id', '=', fx.storyId).orderBy('url').executeTakeFirstOrThrow());
    await a.record({ storyId: fx.storyId, partnerId: fx.partnerId, ip: '203.0.113.1', userAgent: UA, page: known.url });
    await b.record(page());
    await Promise.all([a.flush(), b.flush()]);
    assert.equal(await pagesOf(fx.storyId), MAX_NEW_PAGES_PER_DAY);
    const after = await db.selectFrom('usage_pages').select('views').where('story_id', '=', fx.storyId).where('url', '=', known.url).executeTakeFirstOrThrow();
    assert.equal(Number(after.views), Number(known.views) + 1);
    assert.equal(await totalViews(db), 80 + 30 + 30 + 2, 'every hit counted as a view');

    now += 24 * 3600_000;
    await a.record(page());
    await a.flush();
    assert.equal(await pagesOf(fx.storyId), MAX_NEW_PAGES_PER_DAY + 1, 'a new day, a new allowance');
  } finally {
    await ta.close();
  }
});

forEachDialect('pixel: a flood of pages for one story and partner does not crowd out the pages of others', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const fx = await storyAndPartner(ta);
    const db = ta.services.database.db;
    const rec = new UsageRecorder(db);
    // More distinct pages than the recorder keeps between flushes in all (10,000), for one pair…
    for (let i = 0; i < 10_050; i++) {
      await rec.record({ storyId: fx.otherStoryId, partnerId: fx.partnerId, ip: '192.0.2.1', userAgent: `${UA} f${i}`, page: `https://gazette.example/flood-${i}` });
    }
    // …and then a real page for another story.
    await rec.record({ storyId: fx.storyId, partnerId: fx.partnerId, ip: '192.0.2.2', userAgent: UA, page: 'https://gazette.example/real' });
    await rec.flush();
    assert.ok((await pageUrls(db)).includes('https://gazette.example/real'));
    assert.equal(await totalViews(db), 10_051);
  } finally {
    await ta.close();
  }
});

forEachDialect('attribution: the checker never fetches a page from a host the partner does not publish on', async (_t, tdb) => {
  const fetched: string[] = [];
  const server = http.createServer((req, res) => {
    fetched.push(`${req.headers.host}${req.url}`);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>x</title><p>Nothing here.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const ta = await buildTestApp(tdb, { FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1', FREEWIRE_ATTRIBUTION_CHECK_INTERVAL_MS: '0', FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const basics = await seedBasics(ta.services);
    const story = await publishStory(ta.services, { headline: 'The river is rising', desk: basics.desk, authors: [basics.author] });
    // The partner's site is 127.0.0.1:port; "localhost" on the same port is somebody else's host.
    const partner = await ta.services.partners.apply({
      outlet: 'Partner Daily', website: `http://127.0.0.1:${port}`, contactName: 'Pat', email: 'pat@partner.example',
      audience: 250_000, evidence: 'Analytics', intendedUse: 'Republish', acceptTerms: true,
    });
    await ta.services.partners.approve(SYSTEM_ACTOR, partner.id);
    const token = await ta.services.pixelTokens.tokenFor(story.id, partner.id);
    await hit(ta, token, `http://127.0.0.1:${port}/ours`);
    await hit(ta, token, `http://localhost:${port}/planted`);
    await ta.services.usage.recorder.flush();
    assert.equal(await totalViews(ta.services.database.db), 2);

    assert.deepEqual(await pageUrls(ta.services.database.db), [`http://127.0.0.1:${port}/ours`]);
    // A row from before the rule (or on a domain since removed) is judged without being fetched.
    const now = new Date().toISOString();
    const legacy = newId();
    await ta.services.database.db
      .insertInto('usage_pages')
      .values({ id: legacy, story_id: story.id, partner_id: partner.id, url: `http://localhost:${port}/legacy`, views: 1, first_seen: now, last_seen: now, check_status: 'unchecked', check_details_json: '{}', checked_at: null })
      .execute();

    const checker = startAttributionChecker(ta.services, { info: () => undefined, error: () => undefined });
    try {
      const outcomes = await checker.runOnce(new Date());
      assert.deepEqual(outcomes.map((o) => o.url).sort(), [`http://127.0.0.1:${port}/ours`, `http://localhost:${port}/legacy`]);
      const judged = outcomes.find((o) => o.id === legacy)!;
      assert.equal(judged.status, 'unreachable');
      assert.match(judged.details.summary, /Not fetched: the page is not on the partner’s domains \(127\.0\.0\.1\)/);
    } finally {
      await checker.stop();
    }
    assert.deepEqual(fetched, [`127.0.0.1:${port}/ours`]);
  } finally {
    await ta.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

// ---- where domains are set and shown ---------------------------------------------------------------

function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'page has a CSRF field');
  return m[1]!;
}

async function partnerLogin(ta: TestApp): Promise<{ cookie: string; csrf: string; partnerId: string }> {
  const partner = await ta.services.partners.apply({
    outlet: 'Valley Herald', website: 'https://www.valleyherald.example', contactName: 'Pat', email: 'editor@valleyherald.example',
    audience: 250_000, evidence: 'Analytics screenshots.', intendedUse: 'Republish.', acceptTerms: true,
  });
  const decision = await approvePartner(ta.services, SYSTEM_ACTOR, partner.id);
  const password = 'partner-password-123';
  const csrf = randomBytes(24).toString('base64url');
  const res = await ta.app.inject({
    method: 'POST',
    url: new URL(decision.invitationUrl!).pathname,
    remoteAddress: '10.9.0.1',
    headers: { cookie: `fw_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrf, name: 'Pat', password, passwordConfirm: password }).toString(),
  });
  assert.equal(res.statusCode, 303, res.body);
  const cookie = `fw_partner=${res.cookies.find((c) => c.name === 'fw_partner')!.value}`;
  const home = await ta.app.inject({ method: 'GET', url: '/partners/domains', headers: { cookie } });
  assert.equal(home.statusCode, 200);
  return { cookie, csrf: csrfFrom(home.body), partnerId: partner.id };
}

function portalPost(ta: TestApp, who: { cookie: string }, csrf: string | undefined, domains: string): Promise<LightMyRequestResponse> {
  return ta.app.inject({
    method: 'POST',
    url: '/partners/domains',
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...(csrf === undefined ? {} : { _csrf: csrf }), domains }).toString(),
  });
}

forEachDialect('domains: partners list them in the portal (CSRF, strict), the newsroom shows them, the Admin API sets them', async (_t, tdb) => {
  const ta = await buildTestApp(tdb);
  try {
    const p = await partnerLogin(ta);
    const page = await ta.app.inject({ method: 'GET', url: '/partners/domains', headers: { cookie: p.cookie } });
    assert.match(page.body, /<code>valleyherald\.example<\/code>/);
    assert.match(page.body, /href="\/partners\/domains"/, 'in the portal navigation');

    // Without the CSRF token: refused, nothing saved.
    const forged = await portalPost(ta, p, undefined, 'evil.example');
    assert.equal(forged.statusCode, 403);
    assert.deepEqual((await ta.services.partners.get(p.partnerId)).extraDomains, []);

    // A bad entry: the form again, with the field message and what was typed.
    const bad = await portalPost(ta, p, p.csrf, 'herald-edition.example\nhttps://x.example/path');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-domains-error"/);
    assert.match(bad.body, /no https:\/\//);
    assert.match(bad.body, /herald-edition\.example\nhttps:\/\/x\.example\/path<\/textarea>/);
    assert.deepEqual((await ta.services.partners.get(p.partnerId)).extraDomains, []);

    const ok = await portalPost(ta, p, p.csrf, 'Herald-Edition.example\nvalleyherald.example\napp.valleyherald.example');
    assert.equal(ok.statusCode, 303);
    assert.deepEqual((await ta.services.partners.get(p.partnerId)).extraDomains, ['herald-edition.example', 'app.valleyherald.example']);

    // The newsroom's partner view shows them, read-only.
    const detail = await ta.app.inject({ method: 'GET', url: `/newsroom/partners/${p.partnerId}`, headers: { cookie: ta.editor.cookie } });
    assert.equal(detail.statusCode, 200);
    assert.match(detail.body, /<code>herald-edition\.example<\/code>/);
    assert.doesNotMatch(detail.body, /name="domains"/, 'no form in the newsroom view');

    // The Admin API reads and replaces them; reporters may not; bad names are 400 with details.
    const api = (method: 'GET' | 'PUT', url: string, token: string, body?: unknown) =>
      ta.app.inject({ method, url: `/api/admin${url}`, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });
    const got = await api('GET', `/partners/${p.partnerId}`, ta.editor.token);
    assert.deepEqual((got.json() as { extraDomains: string[] }).extraDomains, ['herald-edition.example', 'app.valleyherald.example']);
    const put = await api('PUT', `/partners/${p.partnerId}/domains`, ta.editor.token, { domains: ['print.valleyherald.example', 'herald.example'] });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual((put.json() as { extraDomains: string[] }).extraDomains, ['print.valleyherald.example', 'herald.example']);
    const invalid = await api('PUT', `/partners/${p.partnerId}/domains`, ta.editor.token, { domains: ['10.0.0.1'] });
    assert.equal(invalid.statusCode, 400);
    assert.ok((invalid.json() as { error: { details: Record<string, string[]> } }).error.details.domains);
    assert.equal((await api('PUT', `/partners/${p.partnerId}/domains`, ta.reporter.token, { domains: [] })).statusCode, 403);
    assert.equal((await api('PUT', `/partners/${p.partnerId}/domains`, ta.editor.token, { domains: 'x.example' })).statusCode, 400);
    assert.deepEqual((await ta.services.partners.get(p.partnerId)).extraDomains, ['print.valleyherald.example', 'herald.example']);
  } finally {
    await ta.close();
  }
});
