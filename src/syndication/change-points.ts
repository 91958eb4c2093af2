/**
 * Change points: when each published story changes for partners of each kind, kept in
 * `partner_change_points` so a content API poll reads only the stories that changed after its
 * cursor, through an index, instead of evaluating every story (see PartnerAccess.changes).
 *
 * For one partner kind, a story's place in the change list (its change time, see access.ts
 * `evaluate`) is the latest of its last story event, its release to that kind (publication; for
 * free partners publication + the profile's delay) and, once passed, the end of its embargo.
 * So it only ever takes two values: `first` = max(last event, release), from the moment that has
 * passed, and the embargo's end when that comes later. Both are stored; a story a kind may never
 * have (licensees only, not for syndication, or withdrawn before a free partner's release) has no
 * point for that kind.
 *
 * They depend on the last story event, the live version's syndication switch, license profile
 * and embargo, the profile's audience and delay, and the default profile. So they are rewritten
 * in the same transaction as every story event (StoriesService) and every license profile
 * change (LicenseProfilesService), and nowhere else.
 */
import type { Kysely } from 'kysely';
import type { DB, PartnerKind, StoryStatus, Syndication } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { availability, LicenseProfilesService, type LicenseProfile } from '../license-profiles/license-profiles.service.js';
import { chunks } from '../util/chunks.js';
import { applySyndicationSwitch, lastStoryEvents } from './rules.js';

export const PARTNER_KINDS: readonly PartnerKind[] = ['free', 'licensee'];

/** Availability is judged at this instant for live stories: any release, however delayed, has come. */
const FAR_FUTURE = new Date('9999-12-31T23:59:59.999Z');

export interface PointSource {
  status: StoryStatus;
  published_at: string | null;
  withdrawn_at: string | null;
  /** The live version's switch and embargo. */
  syndication: Syndication;
  embargo_until: string | null;
  last_event_at: string | null;
}

/** The change points of one story under its (live) license profile. */
export function changePointsOf(row: PointSource, storyProfile: LicenseProfile): Array<{ kind: PartnerKind; at: string }> {
  if (!row.published_at || !row.last_event_at || (row.status !== 'published' && row.status !== 'withdrawn')) return [];
  const profile = applySyndicationSwitch(storyProfile, row.syndication);
  const withdrawn = row.status === 'withdrawn';
  const out: Array<{ kind: PartnerKind; at: string }> = [];
  for (const kind of PARTNER_KINDS) {
    // As in evaluate(): a withdrawn story counts only for partners who could have had it before.
    const a = availability(profile, kind, row.published_at, withdrawn && row.withdrawn_at ? new Date(row.withdrawn_at) : FAR_FUTURE);
    if (!a.allowed || !a.availableFrom) continue;
    const first = row.last_event_at > a.availableFrom ? row.last_event_at : a.availableFrom;
    out.push({ kind, at: first });
    if (!withdrawn && row.embargo_until && row.embargo_until > first) out.push({ kind, at: row.embargo_until });
  }
  return out;
}

/** Rewrites the change points of these stories. Call inside the transaction that changed them. */
export async function refreshChangePoints(db: Kysely<DB>, dialect: DialectHelpers, storyIds: readonly string[]): Promise<void> {
  const profiles = new LicenseProfilesService(db, dialect);
  for (const ids of chunks([...new Set(storyIds)])) {
    const last = lastStoryEvents(db, ids);
    const rows = await db
      .selectFrom('stories as s')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .leftJoin(last.as('e'), 'e.story_id', 's.id')
      .select(['s.id', 's.status', 's.published_at', 's.withdrawn_at', 'v.syndication', 'v.embargo_until', 'e.last_event_at'])
      .where('s.id', 'in', ids)
      .execute();
    const byStory = await profiles.forStories(rows.map((r) => r.id));
    const points = rows.flatMap((r) => {
      const profile = byStory.get(r.id);
      return profile ? changePointsOf(r, profile).map((p) => ({ story_id: r.id, ...p })) : [];
    });
    await db.deleteFrom('partner_change_points').where('story_id', 'in', ids).execute();
    // Two transactions refreshing one story at once (say, two amendments on PostgreSQL) may
    // both insert the same point; one copy is enough. A point left over from the other is only a
    // story read once more by a poll: a point may be extra, never missing.
    for (const part of chunks(points, 300)) await db.insertInto('partner_change_points').values(part).onConflict((oc) => oc.doNothing()).execute();
  }
}

/**
 * Rewrites the change points of every published story under one of these profiles (its live
 * version's choice) and, with `orDefault`, of every story under the default profile: for a change
 * of a profile's audience or delay, or of which profile is the default. Walks the stories by id
 * in batches, inside the caller's transaction.
 */
export async function refreshChangePointsForProfiles(db: Kysely<DB>, dialect: DialectHelpers, profileIds: readonly string[], orDefault: boolean): Promise<void> {
  if (profileIds.length === 0 && !orDefault) return;
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('stories as s')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .select('s.id')
      .where('s.published_at', 'is not', null)
      .where('s.id', '>', after)
      .where((eb) => {
        const ors = [];
        if (profileIds.length > 0) ors.push(eb('v.license_profile_id', 'in', [...profileIds]));
        if (orDefault) ors.push(eb('v.license_profile_id', 'is', null));
        return eb.or(ors);
      })
      .orderBy('s.id')
      .limit(500)
      .execute();
    if (rows.length === 0) return;
    await refreshChangePoints(db, dialect, rows.map((r) => r.id));
    after = rows[rows.length - 1]!.id;
  }
}
