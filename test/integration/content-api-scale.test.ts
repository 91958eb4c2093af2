/**
 * The content API's change list at scale: a poll reads only the stories that changed after its
 * cursor (through partner_change_points), and the indexed list is exactly the list a full
 * evaluation of every story gives, across delayed releases, embargoes, withdrawals and updates.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { forEachDialect } from '../helpers/dialects.js';
import { bulkInsertStories, type BulkStory } from '../helpers/bulk-stories.js';
import { createServices, type Services } from '../../src/services.js';
import { loadConfig } from '../../src/config.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { evaluateGrants, SETTLE_MS, START, type AccessEntry, type AccessGrants, type ChangeCursor, type Row } from '../../src/syndication/access.js';
import type { License } from '../../src/licensing/licenses.js';
import { STORY_EVENTS } from '../../src/syndication/rules.js';
import type { PartnerKind } from '../../src/db/schema.js';

const HOUR = 3600_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A license covering everything, from long before the stories, without end. */
const OPEN_LICENSE: License = {
  id: 'open-license', reference: 'LIC-TEST-OPEN', partnerId: 'p', inquiryId: null, scope: { profiles: null, desks: null }, images: true,
  startsAt: '2000-01-01T00:00:00.000Z', endsAt: null, onEnd: 'keep', terms: '', fee: null, revision: 0, createdBy: null,
  createdAt: '2000-01-01T00:00:00.000Z', updatedAt: '2000-01-01T00:00:00.000Z', renewal30SentAt: null, renewal7SentAt: null,
};

/** A free partner's grants, or a licensee's with one license covering everything. */
const grantsOf = (kind: PartnerKind): AccessGrants => (kind === 'free' ? { free: true, licenses: [] } : { free: false, licenses: [OPEN_LICENSE] });

function servicesFor(database: Services['database']): Services {
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'silent' });
  return createServices(config, database);
}

async function deskId(services: Services): Promise<string> {
  const desk = await services.desks.create(SYSTEM_ACTOR, { name: 'News', description: '' });
  return desk.id;
}

/** The whole change list as the content API computed it before change points: every story evaluated. */
async function fullEvaluation(services: Services, kind: PartnerKind, horizon: Date, cursor: ChangeCursor): Promise<AccessEntry[]> {
  const { db } = services.database;
  const h = horizon.toISOString();
  const last = db
    .selectFrom('events')
    .select(['story_id', sql<string>`max(created_at)`.as('last_event_at')])
    .where('story_id', 'is not', null)
    .where('type', 'in', STORY_EVENTS)
    .where('created_at', '<=', h)
    .groupBy('story_id');
  const rows = (await db
    .selectFrom('stories as s')
    .innerJoin(last.as('e'), 'e.story_id', 's.id')
    .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
    .select([
      's.id', 's.slug', 's.status', 's.published_at', 's.withdrawn_at', 's.withdrawn_reason', 'v.embargo_until', 's.live_version',
      's.current_version', 'v.syndication', 'v.created_at as version_created_at', 'v.desk_id', 'v.tags_json', 'e.last_event_at',
    ])
    .where('s.status', 'in', ['published', 'withdrawn'])
    .execute()) as Row[];
  const profiles = await services.licenseProfiles.forStories(rows.map((r) => r.id));
  return rows
    .map((r) => evaluateGrants(r, profiles.get(r.id)!, grantsOf(kind), horizon))
    .filter((e): e is AccessEntry => !!e && e.changedAt <= h && (e.changedAt > cursor.t || (e.changedAt === cursor.t && e.storyId > cursor.id)))
    .sort((a, b) => (a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : a.storyId < b.storyId ? -1 : 1));
}

/** Pages through the indexed change list from `cursor` with page size `limit`. */
async function drain(services: Services, kind: PartnerKind, cursor: ChangeCursor, limit: number): Promise<{ entries: AccessEntry[]; next: ChangeCursor }> {
  const entries: AccessEntry[] = [];
  let next = cursor;
  for (let i = 0; i < 1000; i++) {
    const page = await services.partnerAccess.changes(grantsOf(kind), next, limit);
    assert.ok(page.entries.length <= limit);
    entries.push(...page.entries);
    next = page.next;
    if (!page.more) return { entries, next };
  }
  throw new Error('the change list never ended');
}

const view = (e: AccessEntry) => `${e.storyId} ${e.changedAt} v${e.version} ${e.pubstatus}`;

forEachDialect('content API at scale: a poll reads a bounded number of stories', async (_t, tdb) => {
  const services = servicesFor(tdb.database);
  const desk = await deskId(services);
  const delayed = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Next day', audience: 'free', delayHours: 24 });
  await services.licenseProfiles.setDefault(SYSTEM_ACTOR, delayed.id);
  const stories: BulkStory[] = [];
  for (let i = 0; i < 2000; i++) {
    const at = T0 + i * 60_000;
    stories.push({
      publishedAt: iso(at),
      events: i % 7 === 0 ? [{ type: 'story.updated', at: iso(at + HOUR) }] : [],
      versionAt: i % 7 === 0 ? iso(at + HOUR) : undefined,
      withdrawnAt: i % 50 === 1 ? iso(at + 2 * HOUR) : null,
      embargoUntil: i % 11 === 0 ? iso(at + 30 * HOUR) : null,
    });
  }
  for (const s of stories) if (s.withdrawnAt) s.events = [...(s.events ?? []), { type: 'story.withdrawn', at: s.withdrawnAt }];
  await bulkInsertStories(services.database.db, services.database.dialect, desk, stories);
  const access = services.partnerAccess;
  access.now = () => new Date(T0 + 2000 * 60_000 + 48 * HOUR);

  for (const kind of ['free', 'licensee'] as const) {
    const read = () => access.storyRowsRead;
    let before = read();
    const first = await access.changes(grantsOf(kind),  START, 20);
    assert.equal(first.entries.length, 20);
    // limit + 1 points first, then doubling batches while entries are not yet certain (stories
    // whose embargo ended count at its end, later than where they were first seen).
    assert.ok(read() - before <= 150, `${kind}: the first poll read ${read() - before} of 2000 stories`);

    // Catch up, then a poll with nothing new reads nothing.
    const all = await drain(services, kind, START, 100);
    assert.ok(all.entries.length > 1900, `${kind}: ${all.entries.length}`);
    before = read();
    const idle = await access.changes(grantsOf(kind),  all.next, 100);
    assert.deepEqual(idle.entries, []);
    assert.equal(read() - before, 0, `${kind}: a poll with nothing new reads no story`);

    // One new story: the next poll reads about that one.
    const late = T0 + 2000 * 60_000 + 47 * HOUR;
    await bulkInsertStories(services.database.db, services.database.dialect, desk, [{ publishedAt: iso(late), licenseProfileId: null, syndication: 'free' }]);
    before = read();
    const fresh = await access.changes(grantsOf(kind),  all.next, 100);
    assert.ok(read() - before <= 3, `${kind}: read ${read() - before}`);
    assert.equal(fresh.entries.length, kind === 'licensee' ? 1 : 0, 'free partners get it after the delay');
    await services.database.db.deleteFrom('partner_change_points').where('at', '=', iso(late)).execute();
  }

  // A license that starts halfway through the archive: the stories before its start come at its
  // start (virtual points in id order), and the first poll still reads about `limit` stories.
  const midway: AccessGrants = { free: false, licenses: [{ ...OPEN_LICENSE, startsAt: iso(T0 + 1000 * 60_000 + 30_000) }] };
  const before = access.storyRowsRead;
  const first = await access.changes(midway, START, 20);
  assert.equal(first.entries.length, 20);
  assert.ok(first.entries.every((e) => e.changedAt === midway.licenses[0]!.startsAt));
  assert.ok(access.storyRowsRead - before <= 150, `a license starting midway: the first poll read ${access.storyRowsRead - before} of 2000 stories`);
});

interface StorySpec {
  pubMin: number;
  profile: 0 | 1 | 2 | 3 | 4;
  syndication: 'free' | 'licensees' | 'none';
  updateAfter: number | null;
  withdrawAfter: number | null;
  embargoAfter: number | null;
}

const storySpec: fc.Arbitrary<StorySpec> = fc.record({
  // Half-hour steps, so stories share times and the (time, id) tiebreak matters.
  pubMin: fc.integer({ min: 0, max: 144 }).map((n) => n * 30),
  profile: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const),
  syndication: fc.constantFrom('free' as const, 'free' as const, 'licensees' as const, 'none' as const),
  updateAfter: fc.option(fc.integer({ min: 1, max: 60 }).map((n) => n * 30)),
  withdrawAfter: fc.option(fc.integer({ min: 1, max: 80 }).map((n) => n * 30)),
  embargoAfter: fc.option(fc.integer({ min: -4, max: 80 }).map((n) => n * 30)),
});

forEachDialect('content API: the indexed change list equals a full evaluation (random stories and clocks)', async (_t, tdb) => {
  const services = servicesFor(tdb.database);
  const { db, dialect } = services.database;
  const desk = await deskId(services);
  const free = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Free', audience: 'free' });
  await services.licenseProfiles.setDefault(SYSTEM_ACTOR, free.id);
  const profiles = [
    null,
    free.id,
    (await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Next day', audience: 'free', delayHours: 24 })).id,
    (await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees', audience: 'licensees' })).id,
    (await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Nobody', audience: 'nobody' })).id,
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.array(storySpec, { minLength: 1, maxLength: 25 }),
      fc.constantFrom<PartnerKind>('free', 'licensee'),
      fc.integer({ min: 0, max: 80 }),
      fc.integer({ min: 0, max: 80 }),
      fc.integer({ min: 1, max: 7 }),
      async (specs, kind, firstLagHalfHours, secondLagHalfHours, limit) => {
        await db.deleteFrom('events').where('story_id', 'is not', null).execute();
        await db.deleteFrom('stories').execute();
        let lastEvent = T0;
        const stories = specs.map((sp): BulkStory => {
          const pub = T0 + sp.pubMin * 60_000;
          const update = sp.updateAfter !== null ? pub + sp.updateAfter * 60_000 : null;
          const withdrawn = sp.withdrawAfter !== null ? pub + sp.withdrawAfter * 60_000 + 1 : null;
          const events: NonNullable<BulkStory['events']> = [];
          if (update !== null && (withdrawn === null || update < withdrawn)) events.push({ type: 'story.updated', at: iso(update) });
          if (withdrawn !== null) events.push({ type: 'story.withdrawn', at: iso(withdrawn) });
          lastEvent = Math.max(lastEvent, pub, ...events.map((e) => Date.parse(e.at)));
          return {
            publishedAt: iso(pub),
            events,
            versionAt: events[0]?.type === 'story.updated' ? events[0].at : undefined,
            withdrawnAt: withdrawn !== null ? iso(withdrawn) : null,
            embargoUntil: sp.embargoAfter !== null ? iso(pub + sp.embargoAfter * 60_000) : null,
            licenseProfileId: profiles[sp.profile] ?? null,
            syndication: sp.syndication,
          };
        });
        await bulkInsertStories(db, dialect, desk, stories);
        // Every event has happened by the first poll; releases and embargo ends may still come.
        const h1 = new Date(lastEvent + firstLagHalfHours * 30 * 60_000);
        const h2 = new Date(h1.getTime() + secondLagHalfHours * 30 * 60_000);
        services.partnerAccess.now = () => new Date(h1.getTime() + SETTLE_MS);
        const first = await drain(services, kind, START, limit);
        assert.deepEqual(first.entries.map(view), (await fullEvaluation(services, kind, h1, START)).map(view), 'first catch-up');
        services.partnerAccess.now = () => new Date(h2.getTime() + SETTLE_MS);
        const second = await drain(services, kind, first.next, limit);
        assert.deepEqual(second.entries.map(view), (await fullEvaluation(services, kind, h2, first.next)).map(view), 'the next polls');
      },
    ),
    { numRuns: tdb.dialect === 'postgres' ? 25 : 60 },
  );
});
