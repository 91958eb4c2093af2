/**
 * Small shared rules of partner access, apart from access.ts so the change points
 * (change-points.ts), which license profile changes also rewrite, can use them without a cycle.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, EventType, Syndication } from '../db/schema.js';
import type { LicenseProfile } from '../license-profiles/license-profiles.service.js';

/** The events that change a story for partners. */
export const STORY_EVENTS: EventType[] = ['story.published', 'story.updated', 'story.corrected', 'story.withdrawn', 'story.embargo_lifted'];

const AUDIENCE_RANK = { free: 0, licensees: 1, nobody: 2 } as const;
const SYNDICATION_AUDIENCE: Record<Syndication, LicenseProfile['audience']> = { free: 'free', licensees: 'licensees', none: 'nobody' };

/** The profile, narrowed by the story's own syndication switch when that is stricter. */
export function applySyndicationSwitch(profile: LicenseProfile, syndication: Syndication): LicenseProfile {
  const switched = SYNDICATION_AUDIENCE[syndication] ?? 'free';
  return AUDIENCE_RANK[switched] > AUDIENCE_RANK[profile.audience] ? { ...profile, audience: switched } : profile;
}

/**
 * Each of these stories' last story event (up to `horizon` when given), as a subquery to join:
 * the change list's and the change points' notion of when a story last changed.
 */
export function lastStoryEvents(db: Kysely<DB>, storyIds: string[], horizon?: string) {
  const q = db
    .selectFrom('events')
    .select(['story_id', sql<string>`max(created_at)`.as('last_event_at')])
    .where('story_id', 'in', storyIds)
    .where('type', 'in', STORY_EVENTS)
    .groupBy('story_id');
  return horizon ? q.where('created_at', '<=', horizon) : q;
}
