/**
 * Usage numbers for people, on both engines: the summary (zero-filled days, top lists, pages
 * seen in the range, reporters limited to their own stories), CSV quoting and the formula guard,
 * the Admin API's shape and its 400s, the newsroom dashboard and CSV export, the chart's markup,
 * and a property-based run over the query parameters that must never produce a 5xx.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { h } from 'preact';
import { render } from 'preact-render-to-string';
import { Value } from '@sinclair/typebox/value';
import type { DB } from '../../src/db/schema.js';
import { AppError } from '../../src/errors.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { newId } from '../../src/util/ids.js';
import { UsageReport } from '../../src/usage/api.routes.js';
import { niceScale, ViewsChart } from '../../src/usage/chart.js';
import { checkReasons } from '../../src/usage/pages/usage-dashboard.js';
import { csvCell, daysBetween, resolveFilter } from '../../src/usage/usage.service.js';
import { buildTestApp, seedBasics, type TestApp, type TestUser } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';
import { parseCsv } from '../helpers/csv.js';

async function insertPartner(db: Kysely<DB>, outlet: string): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await db
    .insertInto('partners')
    .values({
      id, outlet, website: `https://${id.slice(-8)}.example`, domain: `${id.slice(-8)}.example`, contact_name: 'Pat Partner', email: `pat@${id.slice(-8)}.example`,
      audience: 100_000, evidence: 'analytics', intended_use: 'republish', status: 'approved', kind: 'free', eligibility_json: '{}',
      decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

interface Seed {
  s1: string;
  s2: string;
  p1: string;
  p2: string;
}

const HEADLINE_1 = 'Wells run dry, "again", in the valley';
const HEADLINE_2 = 'A reporter’s own story';
const EVIL_OUTLET = '=HYPERLINK("http://evil.example","click")';
const PAGE_1 = 'https://gazette.example/2026/11/wells?id=3';

/**
 * s1 (an editor's) and s2 (the reporter's); p1 and p2 (whose name is a spreadsheet formula).
 * Views 1–5 Nov 2026: 1 Nov 5, 3 Nov 2+8; 15 Oct 100 (outside the range).
 */
async function seed(ta: TestApp): Promise<Seed> {
  const { services } = ta;
  const db = services.database.db;
  const basics = await seedBasics(services);
  const a = await services.stories.create(SYSTEM_ACTOR, { headline: HEADLINE_1, body: 'Text.', desk: basics.desk, authors: [basics.author] });
  await services.stories.publish(SYSTEM_ACTOR, a.id);
  const reporter = { id: ta.reporter.id, role: 'reporter' as const, label: ta.reporter.email };
  const b = await services.stories.create(reporter, { headline: HEADLINE_2, body: 'Text.', desk: basics.desk, authors: [basics.author] });
  await services.stories.publish(SYSTEM_ACTOR, b.id);
  const p1 = await insertPartner(db, 'Valley Gazette');
  const p2 = await insertPartner(db, EVIL_OUTLET);
  await db
    .insertInto('usage_daily')
    .values([
      { story_id: a.id, partner_id: p1, day: '2026-11-01', views: 5 },
      { story_id: a.id, partner_id: p2, day: '2026-11-03', views: 2 },
      { story_id: b.id, partner_id: p1, day: '2026-11-03', views: 8 },
      { story_id: a.id, partner_id: p1, day: '2026-10-15', views: 100 },
    ])
    .execute();
  await db
    .insertInto('usage_pages')
    .values([
      {
        id: newId(), story_id: a.id, partner_id: p1, url: PAGE_1, views: 6, first_seen: '2026-11-01T09:00:00.000Z', last_seen: '2026-11-04T18:30:00.000Z',
        check_status: 'noncompliant', check_details_json: JSON.stringify({ problems: ['No link back to the original story'] }), checked_at: '2026-11-04T19:00:00.000Z',
      },
      {
        id: newId(), story_id: b.id, partner_id: p1, url: 'https://gazette.example/reporter-story', views: 8, first_seen: '2026-11-03T07:00:00.000Z', last_seen: '2026-11-03T23:00:00.000Z',
        check_status: 'unchecked', check_details_json: '{}', checked_at: null,
      },
      {
        id: newId(), story_id: a.id, partner_id: p2, url: 'https://old.example/gone', views: 100, first_seen: '2026-10-01T00:00:00.000Z', last_seen: '2026-10-20T00:00:00.000Z',
        check_status: 'compliant', check_details_json: '{}', checked_at: null,
      },
    ])
    .execute();
  return { s1: a.id, s2: b.id, p1, p2 };
}

const RANGE = { from: '2026-11-01', to: '2026-11-05' };

test('filters: dates are real YYYY-MM-DD days, from ≤ to, at most 366 days; default the last 30 days', () => {
  const d = resolveFilter({}, '2026-11-30');
  assert.deepEqual([d.from, d.to], ['2026-11-01', '2026-11-30']);
  assert.deepEqual([resolveFilter({ to: '2026-03-01' }).from], ['2026-01-31']);
  assert.deepEqual([resolveFilter({ from: '2024-01-01', to: '2024-12-31' }).to], ['2024-12-31'], '366 days in a leap year');
  // The last possible day once hung the zero-filling loop ('+010000-01-01' sorts before '9999…').
  const last = resolveFilter({ from: '9999-12-31' }, '2026-11-30');
  assert.deepEqual(daysBetween(last.from, last.to), ['9999-12-31']);
  assert.equal(daysBetween('2026-10-24', '2026-11-02').length, 10);
  const bad: Array<[Record<string, string>, string]> = [
    [{ from: '2026-13-01' }, 'from'],
    [{ from: '2026-02-30' }, 'from'],
    [{ to: '26-01-01' }, 'to'],
    [{ from: '0000-01-01' }, 'from'],
    [{ from: '2026-11-05', to: '2026-11-01' }, 'from'],
    [{ from: '2025-01-01', to: '2026-01-02' }, 'to'],
    [{ storyId: '../etc' }, 'story'],
    [{ partnerId: 'x'.repeat(65) }, 'partner'],
  ];
  for (const [input, field] of bad) {
    assert.throws(
      () => resolveFilter(input, '2026-11-30'),
      (err: unknown) => err instanceof AppError && err.code === 'VALIDATION' && Array.isArray(err.details?.[field]),
      JSON.stringify(input),
    );
  }
});

test('CSV cells: RFC 4180 quoting and no formulas', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('=1+2'), "'=1+2");
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('-1'), "'-1");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('=HYPERLINK("x","y")'), '"\'=HYPERLINK(""x"",""y"")"');
  assert.equal(csvCell('\tcmd'), "'\tcmd");
  assert.equal(csvCell(42), '42');
  assert.equal(csvCell(null), '');
});

test('chart: an accessible SVG with axes, gridlines and a table of the numbers; no inline styles', () => {
  const byDay = [
    { day: '2026-11-01', views: 5 },
    { day: '2026-11-02', views: 0 },
    { day: '2026-11-03', views: 1234 },
  ];
  const html = render(h(ViewsChart, { byDay, title: 'Views per day', id: 'c1' }));
  assert.match(html, /<svg[^>]*role="img"[^>]*aria-labelledby="c1-title c1-desc"/);
  assert.match(html, /<title id="c1-title">Views per day<\/title>/);
  assert.match(html, /<desc id="c1-desc">1,239 views from 1 Nov 2026 to 3 Nov 2026; the busiest day was 3 Nov 2026 with 1,234 views\.<\/desc>/);
  assert.match(html, />1,500<\/text>/, 'a round top for the y axis');
  assert.match(html, />3 Nov<\/text>/, 'date labels');
  assert.match(html, /<details[^>]*><summary>Show the numbers<\/summary>/);
  assert.match(html, /<th scope="row"><time datetime="2026-11-02">2026-11-02<\/time><\/th><td>0<\/td>/);
  assert.doesNotMatch(html, /\sstyle=/);
  assert.doesNotMatch(html, /<script/);
  const empty = render(h(ViewsChart, { byDay: [{ day: '2026-11-01', views: 0 }], title: 'Nothing' }));
  assert.match(empty, /No views in this period/);
  assert.match(empty, /<desc id="views-chart-desc">No views from 1 Nov 2026\.<\/desc>/);
  assert.deepEqual(niceScale(0), { top: 4, step: 1 });
  assert.deepEqual(niceScale(1), { top: 1, step: 1 });
  assert.deepEqual(niceScale(7), { top: 8, step: 2 });
  assert.deepEqual(niceScale(1234), { top: 1500, step: 500 });
});

test('attribution reasons are read from the checker’s details in any of its shapes', () => {
  assert.deepEqual(checkReasons({ problems: ['No credit line'], message: 'Fetched fine' }), ['No credit line', 'Fetched fine']);
  assert.deepEqual(checkReasons({ creditLine: true, linkBack: false }), ['credit line: found', 'link back: missing']);
  assert.deepEqual(checkReasons({ error: 'timeout after 10 s' }), ['timeout after 10 s']);
  assert.deepEqual(checkReasons({}), []);
});

forEachDialect('summary: zero-filled days, totals, top lists, pages in range; reporters see their own stories', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const ids = await seed(ta);
    const usage = ta.services.usage;
    const all = await usage.summary(RANGE);
    assert.deepEqual(all.byDay, [
      { day: '2026-11-01', views: 5 },
      { day: '2026-11-02', views: 0 },
      { day: '2026-11-03', views: 10 },
      { day: '2026-11-04', views: 0 },
      { day: '2026-11-05', views: 0 },
    ]);
    assert.equal(all.total, 15);
    assert.deepEqual(all.topStories, [
      { storyId: ids.s2, headline: HEADLINE_2, views: 8 },
      { storyId: ids.s1, headline: HEADLINE_1, views: 7 },
    ]);
    assert.deepEqual(all.topPartners, [
      { partnerId: ids.p1, outlet: 'Valley Gazette', views: 13 },
      { partnerId: ids.p2, outlet: EVIL_OUTLET, views: 2 },
    ]);
    assert.equal(all.storyCount, 2);
    assert.equal(all.partnerCount, 2);
    assert.deepEqual(
      all.pages.map((p) => [p.url, p.views, p.checkStatus]),
      [
        ['https://gazette.example/reporter-story', 8, 'unchecked'],
        [PAGE_1, 6, 'noncompliant'],
      ],
      'pages seen in the range, most viewed first; the October page is left out',
    );
    assert.deepEqual(all.pages[1]!.checkDetails, { problems: ['No link back to the original story'] });

    assert.equal((await usage.summary({ ...RANGE, partnerId: ids.p2 })).total, 2);
    assert.equal((await usage.summary({ ...RANGE, storyId: ids.s1 })).total, 7);
    assert.equal((await usage.summary({ from: '2026-10-01', to: '2026-11-30', storyId: ids.s1 })).total, 107);
    assert.equal((await usage.summary({ ...RANGE, storyId: newId() })).total, 0, 'an unknown story has no views');
    const own = await usage.summary({ ...RANGE, createdBy: ta.reporter.id });
    assert.equal(own.total, 8);
    assert.deepEqual(own.pages.map((p) => p.storyId), [ids.s2]);
    const options = await usage.filterOptions(ta.reporter.id);
    assert.deepEqual(options.stories.map((s) => s.id), [ids.s2]);
    assert.deepEqual(options.partners.map((p) => p.id), [ids.p1]);
  } finally {
    await ta.close();
  }
});

forEachDialect('CSV: the same numbers, quoted, with formulas defused', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const ids = await seed(ta);
    const daily = await ta.services.usage.csv(RANGE, 'daily');
    assert.ok(daily.startsWith('\uFEFF'), 'BOM for spreadsheets');
    const rows = parseCsv(daily.slice(1));
    assert.deepEqual(rows, [
      ['day', 'story_id', 'headline', 'partner_id', 'outlet', 'views'],
      ['2026-11-01', ids.s1, HEADLINE_1, ids.p1, 'Valley Gazette', '5'],
      ...[
        ['2026-11-03', ids.s1, HEADLINE_1, ids.p2, `'${EVIL_OUTLET}`, '2'],
        ['2026-11-03', ids.s2, HEADLINE_2, ids.p1, 'Valley Gazette', '8'],
      ].sort((x, y) => (x[1]! < y[1]! ? -1 : 1)),
    ]);
    const summary = await ta.services.usage.summary(RANGE);
    assert.equal(rows.slice(1).reduce((a, r) => a + Number(r[5]), 0), summary.total, 'same total as the dashboard');
    assert.ok(!/(^|,)=/m.test(daily), 'no cell starts with =');

    const pages = parseCsv((await ta.services.usage.csv(RANGE, 'pages')).slice(1));
    assert.deepEqual(pages[0], ['page_url', 'story_id', 'headline', 'partner_id', 'outlet', 'views', 'first_seen', 'last_seen', 'check_status', 'checked_at']);
    assert.deepEqual(pages.slice(1).map((r) => [r[0], r[5], r[8]]), [
      ['https://gazette.example/reporter-story', '8', 'unchecked'],
      [PAGE_1, '6', 'noncompliant'],
    ]);
  } finally {
    await ta.close();
  }
});

async function api(ta: TestApp, url: string, as: TestUser | null) {
  const r = await ta.app.inject({ method: 'GET', url: `/api/admin${url}`, headers: as ? { authorization: `Bearer ${as.token}` } : {} });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined, raw: r.body };
}

forEachDialect('Admin API: GET /api/admin/usage shape, filters, roles and 400s', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const ids = await seed(ta);
    const r = await api(ta, `/usage?from=${RANGE.from}&to=${RANGE.to}`, ta.editor);
    assert.equal(r.status, 200, r.raw);
    assert.deepEqual(Object.keys(r.body).sort(), ['byDay', 'from', 'pages', 'to', 'total']);
    assert.ok(Value.Check(UsageReport, r.body), 'matches the documented schema');
    assert.equal(r.body.total, 15);
    assert.equal(r.body.byDay.length, 5);
    assert.deepEqual(r.body.pages[1], { url: PAGE_1, views: 6, firstSeen: '2026-11-01T09:00:00.000Z', lastSeen: '2026-11-04T18:30:00.000Z' });

    assert.equal((await api(ta, `/usage?story=${ids.s1}&partner=${ids.p1}&from=2026-10-01&to=2026-11-30`, ta.admin)).body.total, 105);
    const own = await api(ta, `/usage?from=${RANGE.from}&to=${RANGE.to}`, ta.reporter);
    assert.equal(own.status, 200);
    assert.equal(own.body.total, 8, 'reporters see the stories they created');
    const defaults = await api(ta, '/usage', ta.editor);
    assert.equal(defaults.status, 200);
    assert.equal(defaults.body.byDay.length, 30);
    assert.equal(defaults.body.to, new Date().toISOString().slice(0, 10));

    assert.equal((await api(ta, '/usage', null)).status, 401);
    for (const [qs, field] of [
      ['from=2026-02-30', 'from'],
      ['from=yesterday', 'from'],
      ['from=2026-11-05&to=2026-11-01', 'from'],
      ['from=2020-01-01&to=2026-01-01', 'to'],
      ['story=%3Cscript%3E', 'story'],
      ['partner=a%00b', 'partner'],
      ['limit=5', 'limit'],
      [`to=${'9'.repeat(11)}`, 'to'],
    ] as const) {
      const bad = await api(ta, `/usage?${qs}`, ta.editor);
      assert.equal(bad.status, 400, `${qs}: ${bad.raw}`);
      assert.equal(bad.body.error.code, 'VALIDATION', qs);
      assert.ok(bad.body.error.details?.[field], `${qs}: details name ${field}: ${bad.raw}`);
    }
  } finally {
    await ta.close();
  }
});

async function page(ta: TestApp, url: string, as: TestUser | null) {
  return ta.app.inject({ method: 'GET', url, headers: as ? { cookie: as.cookie } : {} });
}

forEachDialect('newsroom: the usage dashboard, its 400 for bad dates, and the CSV download', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const ids = await seed(ta);
    const r = await page(ta, `/newsroom/usage?from=${RANGE.from}&to=${RANGE.to}`, ta.editor);
    assert.equal(r.statusCode, 200, r.body.slice(0, 500));
    assert.equal(r.headers['cache-control'], 'no-store');
    const html = r.body;
    assert.match(html, /<svg[^>]*role="img"/);
    assert.ok(html.includes('Wells run dry, &quot;again&quot;, in the valley'), 'headline, escaped');
    assert.ok(html.includes('=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)'), 'outlet, escaped');
    assert.ok(html.includes(`href="${PAGE_1}"`), 'the page where it ran');
    assert.match(html, /Breaks the terms/);
    assert.match(html, /No link back to the original story/);
    assert.match(html, /href="\/newsroom\/usage.csv\?from=2026-11-01&amp;to=2026-11-05&amp;kind=daily"/);
    assert.match(html, /<span class="usage-stat-value">15<\/span>/);
    assert.doesNotMatch(html, /\sstyle=/);

    const filtered = await page(ta, `/newsroom/usage?partner=${ids.p2}&from=${RANGE.from}&to=${RANGE.to}`, ta.editor);
    assert.match(filtered.body, /<span class="usage-stat-value">2<\/span>/);

    const reporter = await page(ta, `/newsroom/usage?from=${RANGE.from}&to=${RANGE.to}`, ta.reporter);
    assert.equal(reporter.statusCode, 200);
    assert.ok(reporter.body.includes('A reporter’s own story'));
    assert.ok(!reporter.body.includes('Wells run dry'), 'not other people’s stories');
    assert.match(reporter.body, /You see the stories you created/);

    const bad = await page(ta, '/newsroom/usage?from=2026-11-09&to=2026-11-01', ta.editor);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /There is a problem/);
    assert.match(bad.body, /must be on or before the end date/);

    const csv = await page(ta, `/newsroom/usage.csv?from=${RANGE.from}&to=${RANGE.to}&kind=pages`, ta.editor);
    assert.equal(csv.statusCode, 200);
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(csv.headers['content-disposition'], 'attachment; filename="usage-pages-2026-11-01-to-2026-11-05.csv"');
    assert.ok(csv.body.includes(PAGE_1));
    assert.equal((await page(ta, '/newsroom/usage.csv?kind=everything', ta.editor)).statusCode, 400);
    assert.equal((await page(ta, '/newsroom/usage.csv?from=nope', ta.editor)).statusCode, 400);

    const anon = await page(ta, '/newsroom/usage', null);
    assert.ok([302, 303].includes(anon.statusCode), `anonymous: ${anon.statusCode}`);
    assert.match(String(anon.headers.location), /\/newsroom\/login/);
  } finally {
    await ta.close();
  }
});

const queryValue = fc.oneof(
  fc.constantFrom('', '2026-11-01', '2026-02-29', '2024-02-29', '0000-01-01', '9999-12-31', '2026-1-1', '-1', 'null', '[]', '%00', '%', '%E0%A4%A', '..%2F..%2F', '😀'),
  fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
  fc.integer({ min: 100, max: 5000 }).map((n) => 'x'.repeat(n)),
);
const queryKey = fc.constantFrom('story', 'partner', 'from', 'to', 'kind', 'limit', '__proto__', 'constructor', 'from[]', 'to[0]');
const queryString = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));

forEachDialect('property: no query string makes the usage API, page or CSV answer 5xx', async (_t, tdb) => {
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    await seed(ta);
    await fc.assert(
      fc.asyncProperty(queryString, fc.constantFrom('/api/admin/usage', '/newsroom/usage', '/newsroom/usage.csv'), async (qs, path) => {
        const headers = path.startsWith('/api') ? { authorization: `Bearer ${ta.editor.token}` } : { cookie: ta.editor.cookie };
        const r = await ta.app.inject({ method: 'GET', url: `${path}?${qs}`, headers });
        assert.ok(r.statusCode < 500, `${path}?${qs} answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
        if (r.statusCode >= 400 && path.startsWith('/api')) assert.equal(typeof JSON.parse(r.body).error?.code, 'string');
      }),
      { numRuns: tdb.dialect === 'sqlite' ? 150 : 60 },
    );
  } finally {
    await ta.close();
  }
});
