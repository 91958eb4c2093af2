/**
 * Partner rights travel with the live version, and the content API's change list gets indexes.
 *
 * Why the rights columns on story_versions: the syndication switch, the license profile, the
 * embargo and the lead image (with its caption and credit) decide who may have a story and what
 * they receive. They used to be read from the `stories` row, the editors' working copy, so an
 * unpublished edit (a save, even an autosave) changed what partners and readers got at once.
 * Each version now keeps its own copy; everything outside the newsroom reads the live version's.
 * Existing versions are filled from their story's current row: that is what partners and readers
 * were being served, so nothing they see changes with this migration.
 *
 * Why partner_change_points: a content API poll used to evaluate every story to find the few that
 * changed after its cursor. Each published story now has, per partner kind, the times at which it
 * changes for such a partner: when it first reaches them (the later of its last story event and
 * its release to that kind: publication, or publication + the profile's delay for free partners)
 * and, when an embargo ends after that, the embargo's end. A poll reads these points after its
 * cursor in (time, story id) order through the index, so it costs the same at 100 stories as at
 * 100,000. They are rewritten in the transaction of each story event and of each license profile
 * change (src/syndication/change-points.ts); this migration computes them for existing stories
 * with the same rules, written out here so the migration stays as it is when those rules move on.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('story_versions').addColumn('syndication', 'text', (c) => c.notNull().defaultTo('free')).execute();
  await db.schema.alterTable('story_versions').addColumn('license_profile_id', 'text').execute();
  await db.schema.alterTable('story_versions').addColumn('embargo_until', 'text').execute();
  // No foreign key to media: a version is an immutable record of what was live, and the site
  // already treats a lead image that no longer exists as no image.
  await db.schema.alterTable('story_versions').addColumn('lead_image_id', 'text').execute();
  await db.schema.alterTable('story_versions').addColumn('lead_image_caption', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('story_versions').addColumn('lead_image_credit', 'text', (c) => c.notNull().defaultTo('')).execute();
  await sql`update story_versions set
      syndication = (select s.syndication from stories s where s.id = story_versions.story_id),
      license_profile_id = (select s.license_profile_id from stories s where s.id = story_versions.story_id),
      embargo_until = (select s.embargo_until from stories s where s.id = story_versions.story_id),
      lead_image_id = (select s.lead_image_id from stories s where s.id = story_versions.story_id),
      lead_image_caption = (select s.lead_image_caption from stories s where s.id = story_versions.story_id),
      lead_image_credit = (select s.lead_image_credit from stories s where s.id = story_versions.story_id)`.execute(db);

  // Polls compare (at, story_id) in SQL and in JavaScript alike, so on PostgreSQL both columns
  // order bytewise (collation "C"), as SQLite's text does, whatever the database's locale.
  const bytewise = ctx.dialect === 'postgres' ? sql`collate "C"` : sql``;
  await db.schema
    .createTable('partner_change_points')
    .addColumn('story_id', 'text', (c) => c.modifyFront(bytewise).notNull().references('stories.id').onDelete('cascade'))
    // The partner kind the point is for: free | licensee.
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.modifyFront(bytewise).notNull())
    .addPrimaryKeyConstraint('partner_change_points_pk', ['story_id', 'kind', 'at'])
    .execute();
  await db.schema.createIndex('partner_change_points_scan_idx').on('partner_change_points').columns(['kind', 'at', 'story_id']).execute();
  await backfill(db);
}

const STORY_EVENTS = ['story.published', 'story.updated', 'story.corrected', 'story.withdrawn', 'story.embargo_lifted'];
const RANK: Record<string, number> = { free: 0, licensees: 1, nobody: 2 };
const SWITCH: Record<string, string> = { free: 'free', licensees: 'licensees', none: 'nobody' };
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

async function backfill(db: Kysely<any>): Promise<void> {
  const profiles = new Map<string, { audience: string; delay: number }>(
    (await db.selectFrom('license_profiles').select(['id', 'audience', 'delay_hours']).execute()).map((p: any) => [p.id, { audience: p.audience, delay: Number(p.delay_hours) }]),
  );
  // The default profile as LicenseProfilesService.defaultProfile() chose it at this release.
  let fallback: { audience: string; delay: number } = { audience: 'free', delay: 0 };
  const setting = await db.selectFrom('settings').select('value_json').where('key', '=', 'defaultLicenseProfileId').executeTakeFirst();
  const chosen = setting ? (JSON.parse(setting.value_json) as string | null) : null;
  if (chosen && profiles.has(chosen)) fallback = profiles.get(chosen)!;
  else {
    const first = await db.selectFrom('license_profiles').select(['audience', 'delay_hours']).where('audience', '=', 'free').orderBy('created_at').orderBy('id').executeTakeFirst();
    if (first) fallback = { audience: first.audience, delay: Number(first.delay_hours) };
  }
  let after = '';
  for (;;) {
    const rows: any[] = await db
      .selectFrom('stories as s')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .select(['s.id', 's.status', 's.published_at', 's.withdrawn_at', 'v.syndication', 'v.license_profile_id', 'v.embargo_until'])
      .where('s.published_at', 'is not', null)
      .where('s.status', 'in', ['published', 'withdrawn'])
      .where('s.id', '>', after)
      .orderBy('s.id')
      .limit(500)
      .execute();
    if (rows.length === 0) return;
    after = rows[rows.length - 1].id;
    const last = new Map<string, string>(
      (
        await db
          .selectFrom('events')
          .select(['story_id', sql<string>`max(created_at)`.as('at')])
          .where('story_id', 'in', rows.map((r) => r.id))
          .where('type', 'in', STORY_EVENTS)
          .groupBy('story_id')
          .execute()
      ).map((e: any) => [e.story_id, e.at]),
    );
    const points: Array<{ story_id: string; kind: string; at: string }> = [];
    for (const r of rows) {
      const ev = last.get(r.id);
      if (!ev) continue;
      const profile = (r.license_profile_id && profiles.get(r.license_profile_id)) || fallback;
      const switched = SWITCH[r.syndication] ?? 'free';
      const audience = RANK[switched]! > RANK[profile.audience]! ? switched : profile.audience;
      const withdrawn = r.status === 'withdrawn';
      const now = withdrawn && r.withdrawn_at ? r.withdrawn_at : FAR_FUTURE;
      for (const kind of ['free', 'licensee']) {
        if (audience === 'nobody' || (kind === 'free' && audience === 'licensees')) continue;
        const from = kind === 'licensee' ? r.published_at : new Date(Date.parse(r.published_at) + profile.delay * 3600_000).toISOString();
        if (from > now) continue;
        const first = ev > from ? ev : from;
        points.push({ story_id: r.id, kind, at: first });
        if (!withdrawn && r.embargo_until && r.embargo_until > first) points.push({ story_id: r.id, kind, at: r.embargo_until });
      }
    }
    if (points.length > 0) await db.insertInto('partner_change_points').values(points).execute();
  }
}
