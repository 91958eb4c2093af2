/**
 * The attribution checker end to end, on both engines: partner pages served on loopback (with
 * the allow-list set, as the config documents for tests), usage_pages rows as the pixel records
 * them, and the verdicts, reasons and once-a-day fetching the newsroom relies on.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { startAttributionChecker, type AttributionLog, type CheckDetails } from '../../src/attribution/worker.js';
import { createServices, type Services } from '../../src/services.js';
import { newId } from '../../src/util/ids.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { buildTestApp, publishStory, seedBasics, type TestApp } from '../helpers/app.js';
import { forEachDialect, type TestDb } from '../helpers/dialects.js';

interface Partner {
  server: http.Server;
  base: string;
  /** path+query → times requested */
  hits: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

/** The partner's site. Pages are set per test: path → HTML, a status code, or 'hang' (never answers). */
async function partnerSite(pages: Map<string, string | number>): Promise<Partner> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const key = req.url ?? '/';
    hits.set(key, (hits.get(key) ?? 0) + 1);
    const page = pages.get(new URL(key, 'http://x').pathname);
    if (page === 'hang') return;
    if (typeof page === 'string') {
      // A little latency, so two checkers running at once really overlap.
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(page);
      }, 20);
    } else {
      res.writeHead(page ?? 404, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>Not found</title><p>Not found</p>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    base,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const quietLog: AttributionLog = { info: () => undefined, error: () => undefined };

interface World {
  t: TestApp;
  site: Partner;
  storyId: string;
  partnerId: string;
  storyUrl: string;
  pixel: string;
  credit: string;
  addPage(url: string): Promise<string>;
  row(id: string): Promise<{ check_status: string; check_details_json: string; checked_at: string | null }>;
}

async function world(tdb: TestDb): Promise<World> {
  const t = await buildTestApp(tdb, { FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1', FREEWIRE_ATTRIBUTION_CHECK_INTERVAL_MS: '0' });
  const basics = await seedBasics(t.services);
  const story = await publishStory(t.services, { headline: 'The river is rising', desk: basics.desk, authors: [basics.author] });
  // The partner's website is the loopback server below: the checker fetches only pages on the partner's domains.
  const pages = new Map<string, string | number>();
  const site = await partnerSite(pages);
  const partner = await t.services.partners.apply({
    outlet: 'Partner Daily', website: site.base, contactName: 'Pat Partner', email: 'pat@partner.example',
    audience: 250_000, evidence: 'Analytics screenshot', intendedUse: 'Republish environment stories', acceptTerms: true,
  });
  await t.services.partners.approve(SYSTEM_ACTOR, partner.id);
  const token = await t.services.pixelTokens.tokenFor(story.id, partner.id);
  const storyUrl = `http://news.test/stories/${story.slug}`;
  const pixel = `http://news.test/p/${token}.gif`;
  const settings = await t.services.settings.get();
  const credit = `This story was originally published by ${settings.siteName} and is republished under our republishing terms.`;
  const compliant = `<!doctype html><html><head><title>The river is rising</title></head><body><main><h1>The river is rising</h1><p>Body.</p>
    <p>This story was originally published by <a href="${storyUrl}">${settings.siteName}</a> and is republished under our republishing terms.</p>
    <img src="${pixel}" width="1" height="1" alt=""></main></body></html>`;
  const noLink = compliant.replace(`<a href="${storyUrl}">${settings.siteName}</a>`, settings.siteName);
  for (const [path, page] of [['/compliant', compliant], ['/no-link', noLink], ['/gone', 404], ['/hang', 'hang']] as const) pages.set(path, page);
  const now = new Date().toISOString();
  return {
    t, site, storyId: story.id, partnerId: partner.id, storyUrl, pixel, credit,
    async addPage(url) {
      const id = newId();
      await t.services.database.db
        .insertInto('usage_pages')
        .values({ id, story_id: story.id, partner_id: partner.id, url, views: 3, first_seen: now, last_seen: now, check_status: 'unchecked', check_details_json: '{}', checked_at: null })
        .execute();
      return id;
    },
    row: (id) => t.services.database.db.selectFrom('usage_pages').select(['check_status', 'check_details_json', 'checked_at']).where('id', '=', id).executeTakeFirstOrThrow(),
  };
}

async function withWorld(tdb: TestDb, fn: (w: World) => Promise<void>): Promise<void> {
  const w = await world(tdb);
  try {
    await fn(w);
  } finally {
    await w.site.close();
    await w.t.close();
  }
}

forEachDialect('attribution checker: verdicts, reasons and at most one fetch per page per day', async (_t: TestContext, tdb) => {
  await withWorld(tdb, async (w) => {
    const ok = await w.addPage(`${w.site.base}/compliant`);
    const noLink = await w.addPage(`${w.site.base}/no-link`);
    const gone = await w.addPage(`${w.site.base}/gone`);
    const checker = startAttributionChecker(w.t.services, quietLog);
    try {
      const t0 = new Date();
      const outcomes = await checker.runOnce(t0);
      assert.equal(outcomes.length, 3);
      assert.equal(w.site.total(), 3);

      const a = await w.row(ok);
      assert.equal(a.check_status, 'compliant');
      assert.equal(a.checked_at, t0.toISOString());
      const ad = JSON.parse(a.check_details_json) as CheckDetails;
      assert.equal(ad.error, null);
      assert.deepEqual(ad.checks.map((c) => [c.name, c.passed]), [['credit', true], ['link', true], ['pixel', true]]);
      assert.match(ad.summary, /everything the license asks for/);

      const b = await w.row(noLink);
      assert.equal(b.check_status, 'noncompliant');
      const bd = JSON.parse(b.check_details_json) as CheckDetails;
      assert.deepEqual(bd.checks.map((c) => [c.name, c.passed]), [['credit', true], ['link', false], ['pixel', true]]);
      assert.ok(bd.summary.includes(`No link to the original story (${w.storyUrl})`), bd.summary);

      const c = await w.row(gone);
      assert.equal(c.check_status, 'unreachable');
      const cd = JSON.parse(c.check_details_json) as CheckDetails;
      assert.equal(cd.error?.kind, 'http_status');
      assert.equal(cd.error?.status, 404);
      assert.match(cd.summary, /could not be checked: The page answered HTTP 404/);
      assert.deepEqual(cd.checks, []);

      // The same day: nothing is due, nothing is fetched.
      assert.deepEqual(await checker.runOnce(new Date(t0.getTime() + 3600_000)), []);
      assert.deepEqual(await checker.runOnce(new Date(t0.getTime() + 23 * 3600_000)), []);
      assert.equal(w.site.total(), 3);

      // A day later each page is fetched once more.
      const later = await checker.runOnce(new Date(t0.getTime() + 24 * 3600_000 + 1000));
      assert.equal(later.length, 3);
      assert.equal(w.site.total(), 6);
      for (const path of ['/compliant', '/no-link', '/gone']) assert.equal(w.site.hits.get(path), 2, path);
    } finally {
      await checker.stop();
    }
  });
});

forEachDialect('attribution checker: two nodes on one database fetch each page once', async (_t, tdb) => {
  await withWorld(tdb, async (w) => {
    const paths = ['/compliant', '/no-link', '/gone', '/compliant?a=1', '/compliant?a=2', '/no-link?b=1', '/gone?c=1', '/compliant?a=3'];
    for (const p of paths) await w.addPage(`${w.site.base}${p}`);
    const other: Services = createServices(w.t.config, w.t.services.database);
    const one = startAttributionChecker(w.t.services, quietLog);
    const two = startAttributionChecker(other, quietLog);
    try {
      const now = new Date();
      const [a, b] = await Promise.all([one.runOnce(now), two.runOnce(now)]);
      assert.equal(a.length + b.length, paths.length);
      assert.deepEqual(new Set([...a, ...b].map((o) => o.id)).size, paths.length);
      for (const p of paths) assert.equal(w.site.hits.get(p), 1, `${p} fetched once`);
      const statuses = await w.t.services.database.db.selectFrom('usage_pages').select('check_status').execute();
      assert.ok(statuses.every((s) => s.check_status !== 'unchecked'));
    } finally {
      await one.stop();
      await two.stop();
    }
  });
});

forEachDialect('attribution checker: "Check now" for editors', async (_t, tdb) => {
  await withWorld(tdb, async (w) => {
    const { app, editor, reporter } = w.t;
    const id = await w.addPage(`${w.site.base}/no-link`);
    const post = (who: typeof editor, pageId: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: `/newsroom/usage/pages/${pageId}/check`,
        headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams(body).toString(),
      });

    // Reporters may read usage but not make the server fetch things.
    const forbidden = await post(reporter, id, { _csrf: reporter.csrf });
    assert.equal(forbidden.statusCode, 403);
    const noCsrf = await post(editor, id, {});
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(w.site.total(), 0);

    const res = await post(editor, id, { _csrf: editor.csrf, next: '/newsroom/usage?story=x' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/newsroom/usage?story=x');
    const flash = decodeURIComponent(String(res.headers['set-cookie']).match(/fw_flash=([^;]+)/)![1]!);
    assert.match(flash, /not compliant/);
    assert.match(flash, /No link to the original story/);
    assert.equal((await w.row(id)).check_status, 'noncompliant');
    assert.equal(w.site.total(), 1);

    // At once again: refused politely, nothing fetched.
    const again = await post(editor, id, { _csrf: editor.csrf });
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, '/newsroom/usage');
    assert.match(decodeURIComponent(String(again.headers['set-cookie'])), /checked moments ago/);
    assert.equal(w.site.total(), 1);

    // An open redirect through `next` is not possible.
    const offsite = await post(editor, id, { _csrf: editor.csrf, next: 'https://evil.example/' });
    assert.equal(offsite.headers.location, '/newsroom/stories');

    // JSON callers get the verdict itself.
    const other = await w.addPage(`${w.site.base}/compliant`);
    const json = await app.inject({
      method: 'POST',
      url: `/newsroom/usage/pages/${other}/check`,
      headers: { cookie: editor.cookie, 'x-csrf-token': editor.csrf, accept: 'application/json' },
    });
    assert.equal(json.statusCode, 200);
    const body = json.json() as { checked: boolean; status: string; details: CheckDetails };
    assert.equal(body.checked, true);
    assert.equal(body.status, 'compliant');
    assert.equal(body.details.checks.length, 3);

    const missing = await post(editor, 'no-such-page', { _csrf: editor.csrf });
    assert.equal(missing.statusCode, 404);
    const longId = await post(editor, 'x'.repeat(150), { _csrf: editor.csrf });
    assert.equal(longId.statusCode, 404);
  });
});

forEachDialect('attribution checker: a failing pass is logged, never thrown out of the timer; stop cancels fetches', async (_t, tdb) => {
  await withWorld(tdb, async (w) => {
    // Stopping (server shutdown) mid-fetch returns at once and leaves the page due.
    const slow = await w.addPage(`${w.site.base}/hang`);
    const running = startAttributionChecker(w.t.services, quietLog);
    const pass = running.runOnce();
    while (w.site.total() === 0) await new Promise((r) => setTimeout(r, 10));
    const stopAt = Date.now();
    await running.stop();
    assert.ok(Date.now() - stopAt < 1000, 'stop did not wait for the fetch to time out');
    assert.deepEqual(await pass, []);
    const row = await w.row(slow);
    assert.equal(row.check_status, 'unchecked');
    assert.equal(row.checked_at, null);

    const errors: string[] = [];
    const log: AttributionLog = { info: () => undefined, error: (_o, msg) => errors.push(msg) };
    const broken = new Proxy(w.t.services.database.db, {
      get(target, prop, receiver) {
        if (prop === 'selectFrom') return () => { throw new Error('database is restarting'); };
        return Reflect.get(target, prop, receiver);
      },
    });
    const services: Services = { ...w.t.services, database: { ...w.t.services.database, db: broken } };
    const checker = startAttributionChecker(services, log, { intervalMs: 10 });
    try {
      const deadline = Date.now() + 5000;
      while (errors.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(errors.length >= 2, 'the timer kept going after a failed pass');
      assert.match(errors[0]!, /retrying on the next pass/);
      assert.deepEqual(await checker.runOnce(), []);
    } finally {
      await checker.stop();
    }
  });
});
