/**
 * Published stories written straight into the tables, thousands a second: for tests and benches
 * that need many stories with chosen times (publication, events, embargoes, withdrawals), which
 * the services would stamp with the real clock. Writes what the partner change list and the site
 * read: the stories row, its live version (and a withdrawal version), the story events, and the
 * partner change points computed from them as the services would.
 */
import type { Kysely } from 'kysely';
import type { DB, EventType, Syndication } from '../../src/db/schema.js';
import type { DialectHelpers } from '../../src/db/dialect.js';
import { refreshChangePoints } from '../../src/syndication/change-points.js';
import { newId } from '../../src/util/ids.js';

export interface BulkStory {
  id?: string;
  publishedAt: string;
  /** Story events after publication (the publish event at publishedAt is always written). */
  events?: Array<{ type: Exclude<EventType, 'site.updated' | 'story.published'>; at: string }>;
  /** Live version time (an update's); defaults to publishedAt. */
  versionAt?: string;
  withdrawnAt?: string | null;
  embargoUntil?: string | null;
  licenseProfileId?: string | null;
  syndication?: Syndication;
}

const CHUNK = 50;

/** Inserts the stories (all in `deskId`) and returns their ids in order. */
export async function bulkInsertStories(db: Kysely<DB>, dialect: DialectHelpers, deskId: string, stories: BulkStory[]): Promise<string[]> {
  const ids = stories.map((s) => s.id ?? newId());
  for (let i = 0; i < stories.length; i += CHUNK) {
    const part = stories.slice(i, i + CHUNK);
    const partIds = ids.slice(i, i + CHUNK);
    const storyRows = part.map((s, j) => {
      const withdrawn = !!s.withdrawnAt;
      return {
        id: partIds[j]!, slug: `bulk-${partIds[j]!.toLowerCase()}`, status: withdrawn ? ('withdrawn' as const) : ('published' as const),
        headline: `Bulk story ${i + j}`, summary: '', body_md: 'Text.', dateline: '', desk_id: deskId,
        syndication: s.syndication ?? ('free' as const), license_profile_id: s.licenseProfileId ?? null, lead_image_id: null,
        lead_image_caption: '', lead_image_credit: '', embargo_until: s.embargoUntil ?? null, scheduled_at: null, published_at: s.publishedAt,
        public_updated_at: s.versionAt && s.versionAt !== s.publishedAt ? s.versionAt : null, withdrawn_at: s.withdrawnAt ?? null,
        withdrawn_reason: withdrawn ? 'Bulk withdrawal' : null, live_version: 1, live_desk_id: withdrawn ? null : deskId,
        current_version: withdrawn ? 2 : 1, created_by: null, created_at: s.publishedAt, updated_at: s.versionAt ?? s.publishedAt,
      };
    });
    await db.insertInto('stories').values(storyRows).execute();
    const versions = part.flatMap((s, j) => {
      const base = {
        story_id: partIds[j]!, headline: `Bulk story ${i + j}`, summary: '', body_md: 'Text.', body_html: '<p>Text.</p>', dateline: '',
        desk_id: deskId, authors_json: '[]', tags_json: '[]', word_count: 1, note: null, created_by: null,
        syndication: s.syndication ?? ('free' as const), license_profile_id: s.licenseProfileId ?? null, embargo_until: s.embargoUntil ?? null,
      };
      const live = { ...base, id: newId(), version: 1, kind: 'publish' as const, created_at: s.versionAt ?? s.publishedAt };
      return s.withdrawnAt ? [live, { ...base, id: newId(), version: 2, kind: 'withdraw' as const, created_at: s.withdrawnAt }] : [live];
    });
    await db.insertInto('story_versions').values(versions).execute();
    const events = part.flatMap((s, j) => [
      { type: 'story.published' as const, story_id: partIds[j]!, version: 1, payload_json: '{}', created_at: s.publishedAt },
      ...(s.events ?? []).map((e) => ({ type: e.type, story_id: partIds[j]!, version: 1, payload_json: '{}', created_at: e.at })),
    ]);
    await db.insertInto('events').values(events).execute();
    await refreshChangePoints(db, dialect, partIds);
  }
  return ids;
}
