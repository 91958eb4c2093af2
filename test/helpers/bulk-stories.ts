/**
 * Published stories with chosen times (publication, events, embargoes, withdrawals), thousands a
 * second, for tests and benches that care about when things happened rather than what the stories
 * say: a thin layer over src/demo/bulk.ts that fills in a short placeholder text.
 */
import type { Kysely } from 'kysely';
import type { DB, EventType, Syndication } from '../../src/db/schema.js';
import type { DialectHelpers } from '../../src/db/dialect.js';
import { bulkInsertStories as insertStories } from '../../src/demo/bulk.js';
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

let counter = 0;

/** Inserts the stories (all in `deskId`) and returns their ids in order. */
export async function bulkInsertStories(db: Kysely<DB>, dialect: DialectHelpers, deskId: string, stories: BulkStory[]): Promise<string[]> {
  return insertStories(
    db,
    dialect,
    stories.map((s) => {
      const id = s.id ?? newId();
      const n = counter++;
      return {
        ...s,
        id,
        slug: `bulk-${id.toLowerCase()}`,
        deskId,
        headline: `Bulk story ${n}`,
        summary: '',
        dateline: '',
        bodyMd: 'Text.',
        bodyHtml: '<p>Text.</p>\n',
        bodyText: 'Text.',
        wordCount: 1,
        withdrawnReason: 'Bulk withdrawal',
      };
    }),
  );
}
