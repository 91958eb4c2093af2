/**
 * Usage CSV exports stream and are bounded: rows are read in keyset pages (every row once, in
 * order, across page boundaries and ties), the response is streamed (no Content-Length), an
 * export stops at the row cap with a closing note, and the range in the file name is the one
 * exported (from the query, defaults filled in). Newsroom and partner portal alike.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { approvePartner } from '../../src/partners/decisions.js';
import { MAX_CSV_ROWS } from '../../src/usage/usage.service.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { newId } from '../../src/util/ids.js';
import { buildTestApp, publishStory, seedBasics, type TestApp } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];
const RANGE = { from: '2026-11-01', to: '2026-11-30' };

/** Data lines of a CSV body (BOM and header dropped), split on CRLF; cells are simple here. */
function lines(body: string): string[] {
  assert.ok(body.startsWith('\uFEFF'), 'BOM first');
  assert.ok(body.endsWith('\r\n'), 'ends with CRLF');
  return body.slice(1, -2).split('\r\n').slice(1);
}

interface Seeded {
  partnerId: string;
  /** Expected daily lines' first four cells (day, story, headline, partner), in export order. */
  daily: string[];
  /** Expected page URLs with their story, in export order. */
  pages: string[];
}

/** Two stories × one partner × four days, and pages with tied views (ids decide). */
async function seed(ta: TestApp, partnerId: string): Promise<Seeded> {
  const db: Kysely<DB> = ta.services.database.db;
  const basics = await seedBasics(ta.services);
  const stories = [
    await publishStory(ta.services, { headline: 'Alpha', desk: basics.desk, authors: [basics.author] }),
    await publishStory(ta.services, { headline: 'Beta', desk: basics.desk, authors: [basics.author] }),
  ].sort((a, b) => (a.id < b.id ? -1 : 1));
  const daily: string[] = [];
  for (const day of DAYS) {
    for (const s of stories) {
      await db.insertInto('usage_daily').values({ story_id: s.id, partner_id: partnerId, day, views: 3 }).execute();
      daily.push(`${day},${s.id}`);
    }
  }
  const pages: Array<{ url: string; views: number; id: string; story: string }> = [];
  const add = async (url: string, views: number, story: string) => {
    const id = newId();
    await db
      .insertInto('usage_pages')
      .values({ id, story_id: story, partner_id: partnerId, url, views, first_seen: '2026-11-02T10:00:00.000Z', last_seen: '2026-11-03T10:00:00.000Z', check_status: 'unchecked', check_details_json: '{}', checked_at: null })
      .execute();
    pages.push({ url, views, id, story });
  };
  // The same address for both stories with the same views: only the id orders them.
  await add('https://gazette.example/b', 5, stories[0]!.id);
  await add('https://gazette.example/b', 5, stories[1]!.id);
  await add('https://gazette.example/a', 5, stories[0]!.id);
  await add('https://gazette.example/c', 9, stories[1]!.id);
  await add('https://gazette.example/d', 1, stories[0]!.id);
  await add('https://gazette.example/e', 1, stories[1]!.id);
  pages.sort((x, y) => y.views - x.views || (x.url < y.url ? -1 : x.url > y.url ? 1 : 0) || (x.id < y.id ? -1 : 1));
  return { partnerId, daily, pages: pages.map((p) => `${p.url},${p.story}`) };
}

async function insertPartner(ta: TestApp): Promise<string> {
  const partner = await ta.services.partners.apply({
    outlet: 'Valley Herald', website: 'https://www.valleyherald.example', contactName: 'Pat', email: 'editor@valleyherald.example',
    audience: 250_000, evidence: 'Analytics screenshots.', intendedUse: 'Republish.', acceptTerms: true,
  });
  return partner.id;
}

forEachDialect('CSV: rows come in keyset pages, each once and in order, and stop at the cap with a note', async (_t, tdb) => {
  const ta = await buildTestApp(tdb);
  try {
    assert.equal(MAX_CSV_ROWS, 100_000);
    const s = await seed(ta, await insertPartner(ta));
    const usage = ta.services.usage;
    // Pages of 3 rows: boundaries fall inside days and inside the tied views.
    usage.csvLimits = { maxRows: 1000, pageSize: 3 };
    const daily = lines(await usage.csv(RANGE, 'daily'));
    assert.deepEqual(daily.map((l) => l.split(',').slice(0, 2).join(',')), s.daily);
    const pages = lines(await usage.csv(RANGE, 'pages'));
    assert.deepEqual(pages.map((l) => l.split(',').slice(0, 2).join(',')), s.pages);

    // Exactly at the cap: everything, no note.
    usage.csvLimits = { maxRows: s.daily.length, pageSize: 3 };
    assert.deepEqual(lines(await usage.csv(RANGE, 'daily')).length, s.daily.length);

    // Over the cap: the first rows, then one line saying the export stopped.
    usage.csvLimits = { maxRows: 5, pageSize: 2 };
    const cut = lines(await usage.csv(RANGE, 'daily'));
    assert.equal(cut.length, 6);
    assert.deepEqual(cut.slice(0, 5).map((l) => l.split(',').slice(0, 2).join(',')), s.daily.slice(0, 5));
    assert.match(cut[5]!, /^Export stopped after 5 rows; choose a shorter date range \(from\/to\) to get the rest\.$/);
    const cutPages = lines(await usage.csv(RANGE, 'pages'));
    assert.equal(cutPages.length, 6);
    assert.match(cutPages[5]!, /Export stopped after 5 rows/);

    // The range is checked before anything is produced.
    assert.throws(() => usage.csvExport({ from: '2026-11-09', to: '2026-11-01' }, 'daily'), /usage filter is not valid/);
  } finally {
    await ta.close();
  }
});

forEachDialect('CSV over HTTP: streamed (no Content-Length), bounded, named by the range exported — newsroom and portal', async (_t, tdb) => {
  const ta = await buildTestApp(tdb);
  try {
    const partnerId = await insertPartner(ta);
    const decision = await approvePartner(ta.services, SYSTEM_ACTOR, partnerId);
    const s = await seed(ta, partnerId);
    ta.services.usage.csvLimits = { maxRows: 5, pageSize: 2 };

    const newsroom = await ta.app.inject({ method: 'GET', url: `/newsroom/usage.csv?from=${RANGE.from}&to=${RANGE.to}&kind=daily`, headers: { cookie: ta.editor.cookie } });
    assert.equal(newsroom.statusCode, 200);
    assert.equal(newsroom.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(newsroom.headers['content-length'], undefined, 'streamed, not built as one string first');
    assert.equal(newsroom.headers['content-disposition'], `attachment; filename="usage-daily-${RANGE.from}-to-${RANGE.to}.csv"`);
    assert.equal(newsroom.headers['cache-control'], 'no-store');
    const rows = lines(newsroom.body);
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.slice(0, 5).map((l) => l.split(',').slice(0, 2).join(',')), s.daily.slice(0, 5));
    assert.match(rows[5]!, /Export stopped after 5 rows/);

    // Without dates: the default range (the last 30 days), named as such; a bad range is a 400 page.
    const today = new Date().toISOString().slice(0, 10);
    const recent = await ta.app.inject({ method: 'GET', url: '/newsroom/usage.csv?kind=pages', headers: { cookie: ta.editor.cookie } });
    assert.equal(recent.statusCode, 200);
    assert.match(String(recent.headers['content-disposition']), new RegExp(`filename="usage-pages-\\d{4}-\\d{2}-\\d{2}-to-${today}\\.csv"`));
    assert.equal((await ta.app.inject({ method: 'GET', url: '/newsroom/usage.csv?from=2026-11-09&to=2026-11-01', headers: { cookie: ta.editor.cookie } })).statusCode, 400);

    // The partner's own CSV in the portal: the same stream and bound.
    const password = 'partner-password-123';
    const csrf = randomBytes(24).toString('base64url');
    const accepted = await ta.app.inject({
      method: 'POST',
      url: new URL(decision.invitationUrl!).pathname,
      remoteAddress: '10.9.0.2',
      headers: { cookie: `fw_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, name: 'Pat', password, passwordConfirm: password }).toString(),
    });
    assert.equal(accepted.statusCode, 303, accepted.body);
    const cookie = `fw_partner=${accepted.cookies.find((c) => c.name === 'fw_partner')!.value}`;
    const portal = await ta.app.inject({ method: 'GET', url: `/partners/usage.csv?from=${RANGE.from}&to=${RANGE.to}&kind=pages`, headers: { cookie } });
    assert.equal(portal.statusCode, 200);
    assert.match(String(portal.headers['content-type']), /^text\/csv/);
    assert.equal(portal.headers['content-length'], undefined);
    assert.equal(portal.headers['content-disposition'], `attachment; filename="usage-pages-${RANGE.from}-to-${RANGE.to}.csv"`);
    const portalRows = lines(portal.body);
    assert.equal(portalRows.length, 6);
    assert.deepEqual(portalRows.slice(0, 5).map((l) => l.split(',').slice(0, 2).join(',')), s.pages.slice(0, 5));
    assert.match(portalRows[5]!, /Export stopped after 5 rows/);
  } finally {
    await ta.close();
  }
});
