/**
 * Demo content: what a new install shows. Three desks, four authors with their links, twelve
 * stories spread over the past weeks (one corrected, one updated, one withdrawn), the live ones
 * searchable, the syndication side on top (partners, licensing, a month of usage), and a second
 * run that changes nothing.
 */
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.js';
import { seedDemoContent } from '../../src/demo/seed.js';
import { demoFreePartner, demoLicenseeRuns, demoStories } from '../../src/demo/content.js';
import { createServices, type Services } from '../../src/services.js';
import { countWords } from '../../src/stories/markdown.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { test } from 'node:test';
import { createDatabase } from '../../src/db/database.js';
import { sql } from 'kysely';
import { searchRowidBase, SEARCH_ROWID_SLOTS } from '../../src/search/search.js';
import { createTestDatabase, forEachDialect, requirePostgres } from '../helpers/dialects.js';

const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_LOG_LEVEL: 'silent', FREEWIRE_DEMO_CONTENT: 'false' });
const HOUR = 3600_000;

async function rowCounts(services: Services): Promise<Record<string, number>> {
  const db = services.database.db;
  const out: Record<string, number> = {};
  for (const table of [
    'stories', 'story_versions', 'story_notes', 'events', 'desks', 'authors', 'tags', 'settings', 'story_search', 'partners', 'partner_users', 'partner_keys',
    'partner_invitations', 'partner_follows', 'license_inquiries', 'license_inquiry_events', 'licenses', 'usage_daily', 'usage_pages', 'story_receipts',
    'story_acknowledgements', 'pixel_tokens', 'mail_outbox', 'audit_log', 'notice_sends', 'event_consumers',
  ] as const) {
    const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

forEachDialect('demo seeding builds a believable newsroom, once', async (_t, tdb) => {
  const services = createServices(config, tdb.database);
  const now = new Date('2026-11-20T12:00:00.000Z');

  const seeded = await seedDemoContent(services, now, 'portal-password-for-tests');
  assert.deepEqual({ ...seeded, activity: undefined }, { desks: 3, authors: 4, stories: 12, activity: undefined });
  assert.deepEqual(seeded.activity, {
    partners: 3,
    inquiries: 2,
    portalLogin: { email: 'ruth.abernathy@valleyherald.example', password: 'portal-password-for-tests', outlet: 'Tamarack Valley Herald' },
  });

  const settings = await services.settings.get();
  assert.equal(settings.siteName, 'Riverbend Public News');
  assert.equal(settings.tipsContact, 'tips@example.org');
  assert.equal(settings.licensingContact, 'licensing@example.org');
  assert.match(settings.syndicationNotice, /free to republish/);

  assert.deepEqual((await services.desks.list()).map((d) => d.slug).sort(), ['environment', 'health', 'statehouse']);
  const authors = await services.authors.list();
  assert.equal(authors.length, 4);
  const okafor = authors.find((a) => a.slug === 'marisol-okafor')!;
  assert.equal(okafor.links.email, 'mokafor@example.org');
  assert.ok(okafor.links.bluesky);
  assert.equal(okafor.tipsContact, 'Signal 555-0147 or environment-tips@example.org');

  const { items, total } = await services.stories.list({ limit: 100, offset: 0 });
  assert.equal(total, 12);
  const notes = [];
  for (const story of items) {
    const withdrawn = demoStories.find((d) => d.slug === story.slug)?.withdrawal;
    assert.equal(story.status, withdrawn ? 'withdrawn' : 'published', `${story.slug} is ${withdrawn ? 'withdrawn' : 'live'}`);
    if (withdrawn) {
      assert.equal(story.withdrawnReason, withdrawn.reason);
      assert.equal(story.withdrawnAt, new Date(now.getTime() - (demoStories.find((d) => d.slug === story.slug)!.publishedHoursAgo - withdrawn.hoursAfterPublish) * HOUR).toISOString());
    } else {
      assert.equal(story.liveVersion, story.currentVersion, `${story.slug}: readers see the latest version`);
    }
    assert.equal(story.hasUnpublishedChanges, false);
    const words = countWords(story.body);
    assert.ok(words >= 500 && words <= 1000, `${story.slug} has ${words} words`);
    const demo = demoStories.find((d) => d.slug === story.slug)!;
    assert.ok(demo, `${story.slug} comes from the demo content`);
    assert.equal(story.publishedAt, new Date(now.getTime() - demo.publishedHoursAgo * HOUR).toISOString(), `${story.slug} published at its place in the timeline`);
    assert.ok(story.createdAt < story.publishedAt!, 'drafted before it was published');
    const history = await services.stories.getWithHistory(story.id);
    // Versions are in publication order on the timeline, never in the future.
    const times = history.versions.map((v) => v.createdAt).reverse();
    assert.deepEqual(times, [...times].sort());
    assert.ok(times.every((t) => t <= now.toISOString()));
    notes.push(...history.notes.map((n) => ({ ...n, story, demo })));
  }

  assert.equal(notes.length, 2);
  const correction = notes.find((n) => n.kind === 'correction')!;
  const update = notes.find((n) => n.kind === 'update')!;
  assert.ok(correction && update, 'one correction and one update');
  assert.equal(correction.text, correction.demo.correction!.text);
  const correctedAt = new Date(Date.parse(correction.story.publishedAt!) + correction.demo.correction!.hoursAfterPublish * HOUR).toISOString();
  assert.equal(correction.createdAt, correctedAt);
  assert.equal(correction.story.publicUpdatedAt, correctedAt);
  assert.equal(update.text, update.demo.update!.note);
  const updatedAt = new Date(Date.parse(update.story.publishedAt!) + update.demo.update!.hoursAfterPublish * HOUR).toISOString();
  assert.equal(update.createdAt, updatedAt);
  assert.equal(update.story.publicUpdatedAt, updatedAt);
  assert.ok(update.story.body.includes(update.demo.update!.addedParagraph), 'the update added its paragraph to the live text');

  // What readers get: the public reader, search and the event log agree with the timeline.
  const live = await services.publicStories.bySlug(correction.story.slug);
  assert.equal(live.kind, 'live', 'the corrected story is public');
  if (live.kind === 'live') assert.deepEqual(live.story.notes.map((n) => n.text), [correction.text], 'readers see the correction');
  assert.ok((await services.search.search('Greyford wells', 10, 0)).storyIds.includes(correction.story.id));
  const events = await services.database.db.selectFrom('events').select(['id', 'type', 'created_at']).where('story_id', 'is not', null).orderBy('id').execute();
  assert.equal(events.filter((e) => e.type === 'story.published').length, 12);
  assert.equal(events.filter((e) => e.type === 'story.corrected').length, 1);
  assert.equal(events.filter((e) => e.type === 'story.updated').length, 1);
  assert.equal(events.filter((e) => e.type === 'story.withdrawn').length, 1);
  const killed = items.find((s) => s.status === 'withdrawn')!;
  const gone = await services.publicStories.bySlug(killed.slug);
  assert.equal(gone.kind, 'withdrawn', 'readers are told the story was withdrawn');
  assert.ok(!(await services.search.search('per diem', 10, 0)).storyIds.includes(killed.id), 'and search no longer finds it');
  if (services.database.dialect.name === 'sqlite') {
    // Search rows sit at their story's (backdated) publication time, where search orders them.
    const rows = await sql<{ rowid: number; published_at: string }>`select ss.rowid, s.published_at from story_search ss join stories s on s.id = ss.story_id`.execute(services.database.db);
    assert.equal(rows.rows.length, 11);
    for (const r of rows.rows) {
      const base = searchRowidBase(r.published_at);
      assert.ok(Number(r.rowid) >= base && Number(r.rowid) < base + SEARCH_ROWID_SLOTS, `search row of the story published at ${r.published_at}`);
    }
  }
  const eventTimes = events.map((e) => e.created_at);
  assert.deepEqual(eventTimes, [...eventTimes].sort(), 'story events are in time order by id');

  // A second run (every restart of a demo install) leaves everything as it was.
  const before = await rowCounts(services);
  assert.ok(before.partners === 3 && before.usage_daily > 0 && before.usage_pages > 0 && before.story_receipts > 0 && before.licenses === 1);
  assert.deepEqual(await seedDemoContent(services, new Date()), { desks: 0, authors: 0, stories: 0 });
  assert.deepEqual(await rowCounts(services), before);
});

forEachDialect('demo seeding leaves a site that already has stories alone', async (_t, tdb) => {
  const services = createServices(config, tdb.database);
  const desk = await services.desks.create(SYSTEM_ACTOR, { name: 'Metro' });
  const author = await services.authors.create(SYSTEM_ACTOR, { name: 'Real Reporter', title: 'Reporter' });
  await services.stories.create(SYSTEM_ACTOR, { headline: 'Our first real story', body: 'Draft.', desk: desk.slug, authors: [author.slug] });
  const before = await rowCounts(services);
  assert.deepEqual(await seedDemoContent(services), { desks: 0, authors: 0, stories: 0 });
  assert.deepEqual(await rowCounts(services), before);
  assert.equal((await services.settings.get()).siteName, 'Freewire Newsroom', 'settings untouched');
});

test('two nodes seeding an empty shared database at once make one demo newsroom [postgres]', async (t) => {
  // Only PostgreSQL serves several nodes; SQLite belongs to one server.
  if (!(await requirePostgres(t))) return;
  const tdb = await createTestDatabase('postgres');
  const second = createDatabase({ databaseUrl: tdb.url!, poolSize: 4 });
  try {
    const nodeA = createServices(config, tdb.database);
    const nodeB = createServices(config, second);
    const now = new Date();
    const [a, b] = await Promise.all([seedDemoContent(nodeA, now), seedDemoContent(nodeB, now)]);
    assert.equal(a.desks + b.desks, 3);
    assert.equal(a.authors + b.authors, 4);
    assert.equal(a.stories + b.stories, 12);
    const counts = await rowCounts(nodeA);
    assert.equal(counts.stories, 12);
    assert.equal(counts.desks, 3);
    assert.equal(counts.authors, 4);
    assert.equal(counts.story_notes, 2, 'one correction and one update, not two of each');
    // The syndication side is built once, by one node, on top of all twelve stories.
    assert.equal([a.activity, b.activity].filter(Boolean).length, 1, 'one node built the activity');
    assert.equal(counts.partners, 3);
    assert.equal(counts.licenses, 1);
    assert.equal(counts.license_inquiries, 2);
    assert.equal(counts.partner_users, 1);
    const runs = demoFreePartner.runs.length + demoLicenseeRuns.length;
    const pairs = await nodeA.database.db.selectFrom('usage_daily').select(['story_id', 'partner_id']).distinct().execute();
    assert.equal(pairs.length, runs, 'usage for every story each partner ran');
    const published = await nodeA.database.db.selectFrom('events').select('story_id').where('type', '=', 'story.published').execute();
    assert.equal(published.length, 12);
    assert.equal(new Set(published.map((e) => e.story_id)).size, 12);
    const { items } = await nodeA.stories.list({ limit: 100, offset: 0 });
    assert.deepEqual(items.map((s) => s.status).sort(), [...Array<string>(11).fill('published'), 'withdrawn']);
  } finally {
    await second.close();
    await tdb.drop();
  }
});
