/**
 * A partner's views by license and month: attribution (desk and profile scope, windows cut
 * within a day, overlapping licenses, the free-program and outside-license buckets), the Admin
 * API's `byLicense`, its CSV, the usage dashboard's table, the licenses overview's recent views
 * and the partner page's Licenses section. usage_daily rows are inserted directly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { newId } from '../../src/util/ids.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { attributeViews, licenseCoversDay, monthsBetween, type DailyViews, type StoryScope } from '../../src/licensing/license-usage.js';
import { scopeCovers, type License } from '../../src/licensing/licenses.js';
import { buildTestApp, type TestApp, type TestUser } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';
import { addLicense } from '../helpers/licenses.js';
import { parseCsv } from '../helpers/csv.js';

const RANGE = 'from=2026-10-01&to=2026-12-31';

async function insertPartner(db: Kysely<DB>, outlet: string, kind: 'free' | 'licensee'): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  const host = `${id.slice(-8).toLowerCase()}.example`;
  await db
    .insertInto('partners')
    .values({
      id, outlet, website: `https://${host}`, domain: host, contact_name: 'Pat Partner', email: `pat@${host}`,
      audience: 100_000, evidence: 'analytics', intended_use: 'republish', status: 'approved', kind, eligibility_json: '{}',
      decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

interface World {
  licensee: string;
  free: string;
  bare: string;
  l1: License;
  l2: License;
  l3: License;
  l4: License;
}

/**
 * Desks Environment and Politics, a "Licensees only" profile; s1 Environment, s2 Politics, s3
 * Environment under Licensees only. The licensee holds L1 (Environment desk, 15 Oct noon to
 * 15 Nov), L2 (Licensees only, November and December) and L3 (everything, from 10 Dec); the free
 * partner holds L4 (Politics desk, November).
 */
async function seed(t: TestApp): Promise<World> {
  const s = t.services;
  const db = s.database.db;
  const env = await s.desks.create(SYSTEM_ACTOR, { name: 'Environment', description: 'Air and water' });
  const pol = await s.desks.create(SYSTEM_ACTOR, { name: 'Politics', description: 'Votes' });
  const author = await s.authors.create(SYSTEM_ACTOR, { name: 'Ada Reporter', title: 'Reporter', bio: 'Writes.', links: {} });
  const lp = await s.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
  const story = async (headline: string, desk: string, licenseProfile?: string) => {
    const st = await s.stories.create(SYSTEM_ACTOR, { headline, body: 'Text.', desk, authors: [author.slug], ...(licenseProfile ? { licenseProfile } : {}) });
    await s.stories.publish(SYSTEM_ACTOR, st.id);
    return st.id;
  };
  const s1 = await story('Wells run dry', env.slug);
  const s2 = await story('The vote', pol.slug);
  const s3 = await story('The leak', env.slug, lp.slug);
  const licensee = await insertPartner(db, 'Daily Planet', 'licensee');
  const free = await insertPartner(db, 'Gotham Gazette', 'free');
  const bare = await insertPartner(db, 'Smallville Ledger', 'free');
  const l1 = await addLicense(s, licensee, { desks: [env.id], startsAt: '2026-10-15T12:00:00.000Z', endsAt: '2026-11-15T00:00:00.000Z' });
  const l2 = await addLicense(s, licensee, { profiles: [lp.id], startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2027-01-01T00:00:00.000Z' });
  const l3 = await addLicense(s, licensee, { startsAt: '2026-12-10T00:00:00.000Z', endsAt: '2027-12-10T00:00:00.000Z' });
  const l4 = await addLicense(s, free, { desks: [pol.id], startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2026-12-01T00:00:00.000Z' }, true);
  const views: Array<[string, string, string, number]> = [
    [s1, licensee, '2026-10-14', 5], // before L1: outside
    [s1, licensee, '2026-10-15', 7], // L1 starts at noon that day: L1
    [s1, licensee, '2026-11-14', 3], // L1
    [s1, licensee, '2026-11-15', 4], // L1 ended at midnight: outside
    [s2, licensee, '2026-10-20', 10], // Politics, L1 is Environment: outside
    [s3, licensee, '2026-10-20', 2], // L1 (Environment)
    [s3, licensee, '2026-11-05', 6], // L1 and L2
    [s3, licensee, '2026-12-12', 8], // L2 and L3
    [s2, licensee, '2026-12-12', 1], // L3
    [s2, licensee, '2026-09-30', 50], // outside the range
    [s2, free, '2026-11-10', 9], // L4
    [s1, free, '2026-11-10', 4], // free program
    [s2, free, '2026-12-01', 2], // L4 ended: free program
    [s1, bare, '2026-11-02', 1],
  ];
  await db.insertInto('usage_daily').values(views.map(([story_id, partner_id, day, n]) => ({ story_id, partner_id, day, views: n }))).execute();
  return { licensee, free, bare, l1, l2, l3, l4 };
}

function api(t: TestApp, user: TestUser, url: string) {
  return t.app.inject({ method: 'GET', url: `/api/admin${url}`, headers: { authorization: `Bearer ${user.token}` } });
}

function page(t: TestApp, user: TestUser, url: string) {
  return t.app.inject({ method: 'GET', url, headers: { cookie: user.cookie } });
}

const m = (month: string, views: number, stories: number) => ({ month, views, stories });

forEachDialect('views by license and month: API, CSV and dashboard', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const w = await seed(t);
    const res = await api(t, t.editor, `/usage?partner=${w.licensee}&${RANGE}`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { total: number; byLicense: Array<{ licenseId: string; reference: string; covers: string; views: number; months: unknown[] }>; unlicensed: { kind: string; views: number; months: unknown[] } };
    assert.equal(body.total, 46);
    const by = new Map(body.byLicense.map((l) => [l.licenseId, l]));
    assert.deepEqual([...by.keys()], [w.l1.id, w.l2.id, w.l3.id], 'oldest start first');
    assert.deepEqual(by.get(w.l1.id)!.months, [m('2026-10', 9, 2), m('2026-11', 9, 2)]);
    assert.equal(by.get(w.l1.id)!.covers, 'Stories of the “Environment” desk');
    assert.equal(by.get(w.l1.id)!.views, 18);
    assert.deepEqual(by.get(w.l2.id)!.months, [m('2026-11', 6, 1), m('2026-12', 8, 1)]);
    assert.equal(by.get(w.l2.id)!.covers, 'Stories under “Licensees only”');
    assert.deepEqual(by.get(w.l3.id)!.months, [m('2026-12', 9, 2)]);
    assert.equal(body.unlicensed.kind, 'outside-license');
    assert.deepEqual(body.unlicensed.months, [m('2026-10', 15, 2), m('2026-11', 4, 1), m('2026-12', 0, 0)]);

    const free = (await api(t, t.admin, `/usage?partner=${w.free}&${RANGE}`)).json() as typeof body;
    assert.deepEqual(free.byLicense.map((l) => [l.licenseId, l.months]), [[w.l4.id, [m('2026-11', 9, 1)]]]);
    assert.equal(free.unlicensed.kind, 'free-program');
    assert.deepEqual(free.unlicensed.months, [m('2026-10', 0, 0), m('2026-11', 4, 1), m('2026-12', 2, 1)]);
    // A narrower range cuts the months; no partner: no breakdown.
    const nov = (await api(t, t.editor, `/usage?partner=${w.licensee}&from=2026-11-10&to=2026-11-30`)).json() as typeof body;
    assert.deepEqual(nov.byLicense.map((l) => l.months), [[m('2026-11', 3, 1)], [m('2026-11', 0, 0)]], 'L3 had not started');
    assert.ok(!('byLicense' in (await api(t, t.editor, `/usage?${RANGE}`)).json()));
    // Reporters see the stories they created only: none of these.
    const mine = (await api(t, t.reporter, `/usage?partner=${w.licensee}&${RANGE}`)).json() as typeof body;
    assert.equal(mine.byLicense.reduce((a, l) => a + l.views, 0) + mine.unlicensed.views, 0);

    // Bad input: 4xx with the field, never a 500.
    const unknown = await api(t, t.editor, `/usage?partner=${newId()}&${RANGE}`);
    assert.equal(unknown.statusCode, 404, unknown.body);
    for (const [q, field] of [['partner=a%20b', 'partner'], ['partner=' + 'x'.repeat(65), 'partner'], [`partner=${w.licensee}&from=2026-13-01`, 'from'], [`partner=${w.licensee}&from=2026-12-01&to=2026-11-01`, 'from']] as const) {
      const r = await api(t, t.editor, `/usage?${q}`);
      assert.equal(r.statusCode, 400, `${q}: ${r.body}`);
      assert.ok(JSON.stringify(r.json()).includes(field), q);
    }

    // CSV: one row per license and month, then the unlicensed months; sums match the JSON.
    const csv = await page(t, t.editor, `/newsroom/usage.csv?kind=licenses&partner=${w.licensee}&${RANGE}`);
    assert.equal(csv.statusCode, 200, csv.body);
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(csv.headers['content-disposition'], 'attachment; filename="usage-licenses-2026-10-01-to-2026-12-31.csv"');
    const [header, ...rows] = parseCsv(csv.body);
    assert.deepEqual(header, ['reference', 'license_id', 'covers', 'month', 'views', 'stories']);
    assert.equal(rows.length, 2 + 2 + 1 + 3);
    for (const l of body.byLicense) {
      const mine = rows.filter((r) => r[1] === l.licenseId);
      assert.ok(mine.every((r) => r[0] === l.reference && r[2] === l.covers));
      assert.equal(mine.reduce((a, r) => a + Number(r[4]), 0), l.views, l.reference);
    }
    const outside = rows.filter((r) => r[0] === 'Outside any license');
    assert.equal(outside.reduce((a, r) => a + Number(r[4]), 0), body.unlicensed.views);
    assert.equal((await page(t, t.editor, `/newsroom/usage.csv?kind=licenses&${RANGE}`)).statusCode, 400, 'a partner is required');
    assert.equal((await page(t, t.editor, `/newsroom/usage.csv?kind=licenses&partner=${newId()}`)).statusCode, 404);
    assert.equal((await page(t, t.editor, `/newsroom/usage.csv?kind=bogus`)).statusCode, 400);

    // The dashboard: a table for a partner with licenses, none for one without.
    const dash = await page(t, t.editor, `/newsroom/usage?partner=${w.licensee}&${RANGE}`);
    assert.equal(dash.statusCode, 200);
    assert.match(dash.body, /By license and month/);
    assert.ok(dash.body.includes(`href="/newsroom/licensing/licenses/${w.l1.id}"`));
    assert.match(dash.body, /October 2026/);
    assert.match(dash.body, /Outside any license/);
    assert.ok(dash.body.includes(`/newsroom/usage.csv?partner=${w.licensee}&amp;from=2026-10-01&amp;to=2026-12-31&amp;kind=licenses`));
    assert.doesNotMatch((await page(t, t.editor, `/newsroom/usage?partner=${w.bare}&${RANGE}`)).body, /By license and month/);
    assert.doesNotMatch((await page(t, t.editor, `/newsroom/usage?${RANGE}`)).body, /By license and month/);
    assert.equal((await page(t, t.editor, `/newsroom/usage?partner=${newId()}`)).statusCode, 200, 'a stale partner link shows empty numbers');
  } finally {
    await t.close();
  }
});

forEachDialect('licenses overview: renewals due, states, recent views; partner page section', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const s = t.services;
    const db = s.database.db;
    const empty = await page(t, t.editor, '/newsroom/licensing/licenses');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /No licenses yet/);
    assert.match(empty.body, /comes from an inquiry/);
    assert.equal((await page(t, t.reporter, '/newsroom/licensing/licenses')).statusCode, 403);

    const desk = await s.desks.create(SYSTEM_ACTOR, { name: 'Environment', description: 'Air' });
    const author = await s.authors.create(SYSTEM_ACTOR, { name: 'Ada Reporter', title: 'Reporter', bio: 'Writes.', links: {} });
    const st = await s.stories.create(SYSTEM_ACTOR, { headline: 'Wells', body: 'Text.', desk: desk.slug, authors: [author.slug] });
    await s.stories.publish(SYSTEM_ACTOR, st.id);
    const p = await insertPartner(db, 'Daily Planet', 'licensee');
    const now = Date.now();
    const day = (offset: number) => new Date(now + offset * 86_400_000).toISOString().slice(0, 10);
    const ending = await addLicense(s, p, { startsAt: new Date(now - 100 * 86_400_000).toISOString(), endsAt: new Date(now + 10 * 86_400_000).toISOString() });
    const later = await addLicense(s, p, { desks: [desk.id], startsAt: new Date(now + 5 * 86_400_000).toISOString(), endsAt: new Date(now + 400 * 86_400_000).toISOString() });
    const done = await addLicense(s, p, { startsAt: new Date(now - 400 * 86_400_000).toISOString(), endsAt: new Date(now - 100 * 86_400_000).toISOString() });
    await db.updateTable('licenses').set({ renewal_30_sent_at: new Date(now - 20 * 86_400_000).toISOString() }).where('id', '=', ending.id).execute();
    const rows: Array<[string, number]> = [[day(0), 3], [day(-20), 5], [day(-45), 11]];
    await db.insertInto('usage_daily').values(rows.map(([d, n]) => ({ story_id: st.id, partner_id: p, day: d, views: n }))).execute();
    const monthStart = `${day(0).slice(0, 7)}-01`;
    const thisMonth = rows.filter(([d]) => d >= monthStart).reduce((a, [, n]) => a + n, 0);

    const html = (await page(t, t.editor, '/newsroom/licensing/licenses')).body;
    const renewals = html.slice(html.indexOf('Renewals due'), html.indexOf('id="licenses-heading"'));
    assert.ok(renewals.includes(ending.reference));
    assert.ok(!renewals.includes(later.reference));
    assert.match(renewals, /30-day sent/);
    assert.match(renewals, /7-day not yet/);
    assert.match(renewals, /<td class="num">10<\/td>/, 'days left');
    const list = html.slice(html.indexOf('id="licenses-heading"'));
    assert.ok(list.includes(`href="/newsroom/licensing/licenses/${ending.id}"`));
    assert.ok(list.includes(`href="/newsroom/partners/${p}"`));
    assert.ok(!list.includes(later.reference) && !list.includes(done.reference), 'in force only by default');
    assert.match(list, /Every story offered to licensees/);
    assert.match(list, /Ending soon/);
    assert.ok(list.includes(`<td class="num">${thisMonth}</td><td class="num">8</td>`), 'views this month and in the last 30 days');
    assert.match(html, /In force <span class="count">\(1\)<\/span>/);
    assert.match(html, /All <span class="count">\(3\)<\/span>/);
    const sched = (await page(t, t.editor, '/newsroom/licensing/licenses?state=scheduled')).body;
    assert.ok(sched.includes(later.reference) && sched.includes('Stories of the “Environment” desk'));
    const endedPage = (await page(t, t.editor, '/newsroom/licensing/licenses?state=ended&page=99')).body;
    assert.ok(endedPage.includes(done.reference) && !endedPage.slice(endedPage.indexOf('id="licenses-heading"')).includes(ending.reference));
    assert.equal((await page(t, t.editor, '/newsroom/licensing/licenses?state=%00bogus')).statusCode, 200, 'an unknown state falls back to in force');

    const partnerPage = (await page(t, t.editor, `/newsroom/partners/${p}`)).body;
    assert.match(partnerPage, /<h2 id="licenses-title">Licenses<\/h2>/);
    for (const l of [ending, later, done]) assert.ok(partnerPage.includes(`href="/newsroom/licensing/licenses/${l.id}"`));
    const other = await insertPartner(db, 'Gotham Gazette', 'free');
    assert.doesNotMatch((await page(t, t.editor, `/newsroom/partners/${other}`)).body, /licenses-title/);
  } finally {
    await t.close();
  }
});

test('attribution: each row goes to every license covering it that day, or to the unlicensed bucket', () => {
  const deskIds = ['d1', 'd2', 'd3'];
  const profileIds = ['p1', 'p2'];
  const storyIds = ['s1', 's2', 's3', 's4'];
  const dayArb = fc.integer({ min: 0, max: 90 }).map((n) => new Date(Date.UTC(2026, 9, 1) + n * 86_400_000).toISOString().slice(0, 10));
  const instant = fc.integer({ min: 0, max: 90 * 24 }).map((h) => new Date(Date.UTC(2026, 9, 1) + h * 3_600_000).toISOString());
  const licenseArb = fc.record({
    id: fc.uuid(),
    profiles: fc.option(fc.subarray(profileIds), { nil: null }),
    desks: fc.option(fc.subarray(deskIds), { nil: null }),
    a: instant,
    b: fc.option(instant, { nil: null }),
  });
  fc.assert(
    fc.property(
      fc.array(fc.record({ storyId: fc.constantFrom(...storyIds), day: dayArb, views: fc.integer({ min: 0, max: 50 }) }), { maxLength: 40 }),
      fc.uniqueArray(licenseArb, { selector: (l) => l.id, maxLength: 4 }),
      fc.dictionary(fc.constantFrom(...storyIds), fc.record({ deskId: fc.constantFrom(...deskIds), profileId: fc.constantFrom(...profileIds) })),
      (rows: DailyViews[], raw, scopes: Record<string, StoryScope>) => {
        const licenses = raw.map((r) => {
          const [startsAt, endsAt] = r.b !== null && r.b < r.a ? [r.b, r.a] : [r.a, r.b];
          return { id: r.id, scope: { profiles: r.profiles, desks: r.desks }, startsAt, endsAt } as License;
        });
        const stories = new Map(Object.entries(scopes));
        const { perLicense, unlicensed } = attributeViews(rows, licenses, stories);
        const sum = (map: Map<string, { views: number }> | undefined) => [...(map?.values() ?? [])].reduce((a, t) => a + t.views, 0);
        let coveredTotal = 0;
        for (const l of licenses) {
          const expected = rows.filter((r) => stories.has(r.storyId) && licenseCoversDay(l, r.day) && scopeCovers(l, stories.get(r.storyId)!)).reduce((a, r) => a + r.views, 0);
          assert.equal(sum(perLicense.get(l.id)), expected);
        }
        for (const r of rows) {
          const s = stories.get(r.storyId);
          if (s && licenses.some((l) => licenseCoversDay(l, r.day) && scopeCovers(l, s))) coveredTotal += r.views;
        }
        const total = rows.reduce((a, r) => a + r.views, 0);
        assert.equal(sum(unlicensed) + coveredTotal, total, 'every view is either covered or unlicensed, never both');
        for (const [month, t] of unlicensed) assert.ok(t.stories.size <= storyIds.length && /^\d{4}-\d{2}$/.test(month));
      },
    ),
    { numRuns: 300 },
  );
});

test('months between two days, across a year end', () => {
  assert.deepEqual(monthsBetween('2026-11-30', '2027-02-01'), ['2026-11', '2026-12', '2027-01', '2027-02']);
  assert.deepEqual(monthsBetween('2026-11-01', '2026-11-30'), ['2026-11']);
  assert.ok(licenseCoversDay({ startsAt: '2026-10-15T12:00:00.000Z', endsAt: '2026-11-15T00:00:00.000Z' }, '2026-10-15'));
  assert.ok(!licenseCoversDay({ startsAt: '2026-10-15T12:00:00.000Z', endsAt: '2026-11-15T00:00:00.000Z' }, '2026-11-15'));
  assert.ok(licenseCoversDay({ startsAt: '2026-10-15T12:00:00.000Z', endsAt: '2026-11-15T00:00:00.001Z' }, '2026-11-15'));
});
