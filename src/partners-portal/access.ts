/**
 * What a partner may do with each of a batch of listed stories. The rules are the shared ones of
 * src/syndication/access.ts (the story's own syndication switch narrowing its profile, then
 * `availability()` for the partner's kind, and an embargo holding the story back); this applies
 * them to a whole page of PublicStories summaries with two queries, and — unlike the content API,
 * which only ever hands out what a partner may have — also reports *when* a story the partner
 * cannot use yet becomes usable, so the list can say "available from".
 *
 * The Republish page itself asks services.partnerAccess.story(), the same door as the API.
 */
import { applySyndicationSwitch } from '../syndication/access.js';
import { availability, type LicenseProfile } from '../license-profiles/license-profiles.service.js';
import type { Partner } from '../partners/partners.service.js';
import type { Services } from '../services.js';

export interface StoryAccess {
  /** May republish now. */
  allowed: boolean;
  /** When it is (or becomes) usable; null when never. */
  availableFrom: string | null;
  /** Why not, in words, when not allowed. */
  reason?: string;
  /** The effective profile, after the story's own syndication switch. */
  profile: LicenseProfile;
}

export async function storyAccess(
  services: Services,
  partner: Pick<Partner, 'kind'>,
  stories: Array<{ id: string; publishedAt: string }>,
  now: Date,
): Promise<Map<string, StoryAccess>> {
  const out = new Map<string, StoryAccess>();
  if (stories.length === 0) return out;
  const ids = stories.map((s) => s.id);
  const [profiles, rows] = await Promise.all([
    services.licenseProfiles.forStories(ids),
    services.database.db.selectFrom('stories').select(['id', 'syndication', 'embargo_until']).where('id', 'in', ids).execute(),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const nowIso = now.toISOString();
  for (const s of stories) {
    const storyProfile = profiles.get(s.id);
    const row = byId.get(s.id);
    if (!storyProfile || !row) continue;
    const profile = applySyndicationSwitch(storyProfile, row.syndication);
    const a = availability(profile, partner.kind, s.publishedAt, now);
    // An embargoed story may be held by partners' systems but not published before it lifts.
    if (a.allowed && row.embargo_until && row.embargo_until > nowIso) {
      out.set(s.id, { allowed: false, availableFrom: row.embargo_until, reason: `embargoed until ${row.embargo_until}`, profile });
    } else if (!a.allowed && a.availableFrom && row.embargo_until && row.embargo_until > a.availableFrom) {
      out.set(s.id, { ...a, availableFrom: row.embargo_until, profile });
    } else {
      out.set(s.id, { ...a, profile });
    }
  }
  return out;
}
