/**
 * Story lifecycle, versions, events and search through the services, on both engines.
 */
import assert from 'node:assert/strict';
import { forEachDialect } from '../helpers/dialects.js';
import { createServices } from '../../src/services.js';
import { loadConfig } from '../../src/config.js';
import { SYSTEM_ACTOR, type Actor } from '../../src/users/permissions.js';
import { AppError } from '../../src/errors.js';
import { sql } from 'kysely';
import { likeContains } from '../../src/util/like.js';

const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-unused', FREEWIRE_DEMO_CONTENT: 'false' });

async function setup(tdb: Parameters<Parameters<typeof forEachDialect>[1]>[1]) {
  const services = createServices(config, tdb.database);
  const desk = await services.desks.create(SYSTEM_ACTOR, { name: 'Statehouse' });
  const other = await services.desks.create(SYSTEM_ACTOR, { name: 'Health' });
  const ada = await services.authors.create(SYSTEM_ACTOR, { name: 'Ada Lin', title: 'Statehouse Reporter' });
  const bo = await services.authors.create(SYSTEM_ACTOR, { name: 'Bo Kim', title: 'Data Reporter' });
  const reporterUser = await services.users.create(SYSTEM_ACTOR, { email: 'rep@news.test', role: 'reporter' });
  const editorUser = await services.users.create(SYSTEM_ACTOR, { email: 'ed@news.test', role: 'editor' });
  const reporter: Actor = { id: reporterUser.id, role: 'reporter', label: reporterUser.email };
  const editor: Actor = { id: editorUser.id, role: 'editor', label: editorUser.email };
  return { services, desk, other, ada, bo, reporter, editor };
}

async function events(tdb: { database: { db: any } }) {
  return (await tdb.database.db.selectFrom('events').selectAll().orderBy('id').execute()) as Array<{ type: string; story_id: string; version: number }>;
}

async function expectCode(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => err instanceof AppError && err.code === code);
}

forEachDialect('story lifecycle: draft, publish, update, correct, withdraw', async (_t, tdb) => {
  const { services, desk, ada, bo, editor } = await setup(tdb);
  const s = await services.stories.create(editor, {
    headline: 'Budget talks stall', summary: 'Lawmakers leave without a deal', body: 'The **budget** talks stalled on Tuesday.',
    authors: [ada.slug, bo.slug], desk: desk.slug, tags: ['State budget', 'Legislature', 'state budget'],
  });
  assert.equal(s.status, 'draft');
  assert.equal(s.slug, 'budget-talks-stall');
  assert.deepEqual(s.authors.map((a) => a.slug), [ada.slug, bo.slug]);
  assert.deepEqual(s.tags, ['Legislature', 'State budget']);
  assert.equal(s.currentVersion, 1);
  assert.equal((await services.publicStories.bySlug(s.slug)).kind, 'missing', 'drafts are not public');

  const published = await services.stories.publish(editor, s.id);
  assert.equal(published.status, 'published');
  assert.equal(published.liveVersion, 2);
  const live = await services.publicStories.bySlug(s.slug);
  assert.equal(live.kind, 'live');
  if (live.kind === 'live') {
    assert.match(live.story.bodyHtml, /<strong>budget<\/strong>/);
    assert.deepEqual(live.story.authors.map((a) => a.title), ['Statehouse Reporter', 'Data Reporter']);
  }
  await expectCode(services.stories.publish(editor, s.id), 'INVALID_TRANSITION');

  // Saving a published story changes only the working copy.
  await services.stories.save(editor, s.id, { headline: 'Budget talks stall again' });
  const stillLive = await services.publicStories.bySlug(s.slug);
  assert.equal(stillLive.kind === 'live' && stillLive.story.headline, 'Budget talks stall');
  assert.equal((await services.stories.get(s.id)).hasUnpublishedChanges, true);

  await services.stories.amend(editor, s.id, 'update', 'Adds the governor’s response.', 'The budget talks stalled. The governor responded.');
  await services.stories.amend(editor, s.id, 'correction', 'An earlier version misstated the deficit.', undefined);
  const amended = await services.publicStories.bySlug(s.slug);
  assert.equal(amended.kind, 'live');
  if (amended.kind === 'live') {
    assert.equal(amended.story.headline, 'Budget talks stall again');
    assert.match(amended.story.bodyHtml, /governor responded/);
    assert.deepEqual(amended.story.notes.map((n) => n.kind), ['update', 'correction']);
    assert.equal(amended.story.wasUpdated, true);
  }

  const history = await services.stories.getWithHistory(s.id);
  assert.deepEqual(history.versions.map((v) => v.kind), ['correction', 'update', 'save', 'publish', 'create']);
  assert.equal(history.versions[0]!.live, true);

  await services.stories.withdraw(editor, s.id, 'Legal review');
  const gone = await services.publicStories.bySlug(s.slug);
  assert.equal(gone.kind, 'withdrawn');
  assert.equal((await services.publicStories.latest(10)).total, 0);
  assert.equal((await services.publicStories.searchStories('budget', 10, 0)).total, 0);
  await expectCode(services.stories.save(editor, s.id, { headline: 'x' }), 'INVALID_TRANSITION');

  // Every public change wrote an event, in order, with the version it made live.
  const ev = await events(tdb);
  assert.deepEqual(
    ev.filter((e) => e.story_id === s.id).map((e) => [e.type, e.version]),
    [['story.published', 2], ['story.updated', 4], ['story.corrected', 5], ['story.withdrawn', 6]],
  );
});

forEachDialect('roles are enforced by the service', async (_t, tdb) => {
  const { services, desk, ada, reporter, editor } = await setup(tdb);
  const s = await services.stories.create(reporter, { headline: 'Reporter draft', body: 'Text', authors: [ada.slug], desk: desk.slug });
  await expectCode(services.stories.publish(reporter, s.id), 'FORBIDDEN');
  await expectCode(services.stories.withdraw(reporter, s.id, 'no'), 'FORBIDDEN');
  await expectCode(services.stories.schedule(reporter, s.id, new Date(Date.now() + 3600_000).toISOString()), 'FORBIDDEN');
  await expectCode(services.users.create(editor, { email: 'x@news.test', role: 'admin' }), 'FORBIDDEN');
  const other = await services.stories.create(editor, { headline: 'Editor draft', body: 'Text', authors: [ada.slug], desk: desk.slug });
  await expectCode(services.stories.save(reporter, other.id, { headline: 'hijack' }), 'FORBIDDEN');
  await services.stories.save(reporter, s.id, { headline: 'Reporter draft, revised' });
  assert.equal((await services.stories.get(s.id)).status, 'draft');
  const audit = await tdb.database.db.selectFrom('audit_log').select('action').execute();
  assert.ok(audit.some((a) => a.action === 'story.save'));
});

forEachDialect('validation gives field messages', async (_t, tdb) => {
  const { services, desk, editor } = await setup(tdb);
  await assert.rejects(
    services.stories.create(editor, { headline: '', body: 42, authors: ['nobody'], desk: 'no-desk', tags: 'x' }),
    (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.status, 400);
      assert.deepEqual(Object.keys(err.details ?? {}).sort(), ['authors', 'body', 'desk', 'headline', 'tags']);
      return true;
    },
  );
  await expectCode(services.stories.create(editor, { headline: 'x', authors: [], desk: desk.slug }), 'VALIDATION');
});

forEachDialect('scheduling and publishDue', async (_t, tdb) => {
  const { services, desk, ada, editor } = await setup(tdb);
  const s = await services.stories.create(editor, { headline: 'Later', body: 'Text', authors: [ada.slug], desk: desk.slug });
  await expectCode(services.stories.schedule(editor, s.id, '2001-01-01T00:00:00Z'), 'VALIDATION');
  await expectCode(services.stories.schedule(editor, s.id, 'tomorrow'), 'VALIDATION');
  const at = new Date(Date.now() + 3600_000);
  await services.stories.schedule(editor, s.id, at.toISOString());
  assert.deepEqual(await services.stories.publishDue(SYSTEM_ACTOR, new Date()), []);
  assert.deepEqual(await services.stories.publishDue(SYSTEM_ACTOR, new Date(at.getTime() + 1000)), [s.id]);
  assert.equal((await services.stories.get(s.id)).status, 'published');
  assert.deepEqual(await services.stories.publishDue(SYSTEM_ACTOR, new Date(at.getTime() + 2000)), []);
});

forEachDialect('public listings follow the live version, not the working copy', async (_t, tdb) => {
  const { services, desk, other, ada, bo, editor } = await setup(tdb);
  const s = await services.stories.create(editor, { headline: 'Clinic closes', body: 'Text about clinics', authors: [ada.slug], desk: desk.slug, tags: ['Clinics'] });
  await services.stories.publish(editor, s.id);
  await services.stories.save(editor, s.id, { desk: other.slug, authors: [bo.slug], tags: ['Hospitals'] });
  const deskRow = await services.desks.getBySlug(desk.slug);
  assert.equal((await services.publicStories.latest(10, 0, { deskId: deskRow!.id })).total, 1);
  assert.equal((await services.publicStories.latest(10, 0, { authorId: ada.id })).total, 1);
  assert.equal((await services.publicStories.latest(10, 0, { authorId: bo.id })).total, 0);
  await services.stories.amend(editor, s.id, 'update', 'Moved to health desk', undefined);
  assert.equal((await services.publicStories.latest(10, 0, { deskId: deskRow!.id })).total, 0);
  assert.equal((await services.publicStories.latest(10, 0, { authorId: bo.id })).total, 1);
  const tag = await services.publicStories.tagBySlug('hospitals');
  assert.equal((await services.publicStories.latest(10, 0, { tagId: tag!.id })).total, 1);
});

forEachDialect('search finds live stories and never errors on hostile input', async (_t, tdb) => {
  const { services, desk, ada, editor } = await setup(tdb);
  const a = await services.stories.create(editor, { headline: 'Wildfire smoke fills valley', body: 'Air quality alerts for the whole valley.', authors: [ada.slug], desk: desk.slug });
  const b = await services.stories.create(editor, { headline: 'School funding formula', body: 'The formula sends money to districts.', authors: [ada.slug], desk: desk.slug });
  await services.stories.create(editor, { headline: 'Unpublished wildfire draft', body: 'wildfire', authors: [ada.slug], desk: desk.slug });
  await services.stories.publish(editor, a.id);
  await services.stories.publish(editor, b.id);
  const hits = await services.publicStories.searchStories('wildfire', 10, 0);
  assert.deepEqual(hits.items.map((i) => i.id), [a.id]);
  assert.equal((await services.publicStories.searchStories('districts money', 10, 0)).items[0]?.id, b.id);
  assert.equal((await services.publicStories.searchStories('wildf', 10, 0)).total, 1, 'prefix match');
  const hostile = ['"', "'", '*', 'NEAR(', 'AND OR NOT', ')(', 'headline:wildfire', '^', '\u0000', 'a'.repeat(5000), '💥 смог', '-', '""""', '{}[]', '\\'];
  for (const q of hostile) {
    const r = await services.publicStories.searchStories(q, 10, 0);
    assert.ok(r.total >= 0);
  }
});

forEachDialect('listings keep story summaries for one generation of public content', async (_t, tdb) => {
  const { services, desk, ada, editor } = await setup(tdb);
  const s = await services.stories.create(editor, { headline: 'Ferry fares rise', body: 'Fares rise in May.', desk: desk.slug, authors: [ada.slug] });
  await services.stories.publish(editor, s.id);
  const first = (await services.publicStories.latest(10)).items[0]!;
  assert.equal(first.authors[0]!.title, 'Statehouse Reporter');
  // Within one generation a listing and a search give the summary already read.
  assert.equal((await services.publicStories.latest(10)).items[0], first);
  assert.equal((await services.publicStories.searchStories('ferry', 10, 0)).items[0], first);
  // A change readers can see (the reporter's title) starts a new generation: listings read again.
  await services.authors.update(SYSTEM_ACTOR, ada.id, { name: 'Ada Lin', title: 'Transport Reporter' });
  const renamed = (await services.publicStories.latest(10)).items[0]!;
  assert.notEqual(renamed, first);
  assert.equal(renamed.authors[0]!.title, 'Transport Reporter');
  // So does a withdrawal: the story leaves every listing at once.
  await services.stories.withdraw(editor, s.id, 'Published in error.');
  assert.deepEqual((await services.publicStories.latest(10)).items, []);
  assert.deepEqual((await services.publicStories.searchStories('ferry', 10, 0)).items, []);
});

forEachDialect('the newsroom headline filter pages and caps its count the same way at every offset', async (_t, tdb) => {
  const { services, desk, ada } = await setup(tdb);
  // Seven matches and two others, updated in turn: newest first is the reverse of creation.
  const made: string[] = [];
  for (let i = 0; i < 9; i++) {
    const s = await services.stories.create(SYSTEM_ACTOR, { headline: i % 4 === 3 ? `Other news ${i}` : `Water report ${i}`, body: 'Body.', desk: desk.slug, authors: [ada.slug] });
    await tdb.database.db.updateTable('stories').set({ updated_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }).where('id', '=', s.id).execute();
    made.push(s.headline);
  }
  const matching = made.filter((h) => h.startsWith('Water')).reverse();
  assert.equal(matching.length, 7);
  for (const cap of [3, 6, 7, 50]) {
    for (const limit of [1, 2, 5]) {
      // Full pages, pages cut short by the last match, and empty pages past it (on SQLite the
      // first need the count, the second answer it, the third need it again).
      for (let offset = 0; offset <= 8; offset++) {
        const page = await services.stories.list({ q: 'water', searchCountCap: cap, limit, offset });
        const what = `cap ${cap}, limit ${limit}, offset ${offset}`;
        assert.deepEqual(page.items.map((s) => s.headline), matching.slice(offset, offset + limit), what);
        assert.equal(page.total, Math.min(7, cap), what);
        assert.equal(page.totalCapped, 7 > cap, what);
      }
    }
  }
  // No match at all, on the first page and past it.
  for (const offset of [0, 5]) {
    const none = await services.stories.list({ q: 'no such headline', searchCountCap: 3, limit: 2, offset });
    assert.deepEqual([none.items, none.total, none.totalCapped], [[], 0, false]);
  }
  // Without a cap the count is exact.
  const all = await services.stories.list({ q: 'WATER', limit: 2, offset: 6 });
  assert.deepEqual([all.items.map((s) => s.headline), all.total, all.totalCapped], [[matching[6]], 7, false]);
});

forEachDialect('the newsroom headline filter matches %, _ and \\ literally', async (_t, tdb) => {
  const { services, desk, ada } = await setup(tdb);
  for (const headline of ['Rents up 50% in a year', 'Rents up 500 dollars', 'snake_case budget lines', 'snakeXcase budget', 'Path C:\\budget leaked']) {
    await services.stories.create(SYSTEM_ACTOR, { headline, body: 'Body.', desk: desk.slug, authors: [ada.slug] });
  }
  const headlines = async (q: string) => (await services.stories.list({ q, limit: 50, offset: 0 })).items.map((s) => s.headline).sort();
  assert.deepEqual(await headlines('50%'), ['Rents up 50% in a year']);
  assert.deepEqual(await headlines('snake_case'), ['snake_case budget lines']);
  assert.deepEqual(await headlines('c:\\budget'), ['Path C:\\budget leaked']);
  assert.deepEqual(await headlines('RENTS UP'), ['Rents up 50% in a year', 'Rents up 500 dollars']);

  if (tdb.dialect === 'postgres') {
    // The same filter answered through the trigram index alone (migration 2026_12_04_2010), as
    // PostgreSQL does for a rare word in a large newsroom: the answers must not change.
    await tdb.database.db.connection().execute(async (conn) => {
      try {
        await sql`set enable_seqscan = off`.execute(conn);
        await sql`set enable_indexscan = off`.execute(conn);
        await sql`set enable_indexonlyscan = off`.execute(conn);
        const where = (q: string) => likeContains(sql`lower(headline)`, q.toLowerCase());
        const viaIndex = async (q: string) => {
          const plan = await sql<{ 'QUERY PLAN': string }>`explain select headline from stories where ${where(q)}`.execute(conn);
          assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /stories_headline_trgm_idx/, `the plan for ${q} uses the trigram index`);
          const rows = await sql<{ headline: string }>`select headline from stories where ${where(q)} order by headline`.execute(conn);
          return rows.rows.map((r) => r.headline);
        };
        assert.deepEqual(await viaIndex('50%'), ['Rents up 50% in a year']);
        assert.deepEqual(await viaIndex('snake_case'), ['snake_case budget lines']);
        assert.deepEqual(await viaIndex('c:\\budget'), ['Path C:\\budget leaked']);
        assert.deepEqual(await viaIndex('RENTS UP'), ['Rents up 50% in a year', 'Rents up 500 dollars']);
      } finally {
        await sql`reset all`.execute(conn);
      }
    });
  }
});
