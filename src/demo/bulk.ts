/**
 * Published stories written straight into the tables with set-based inserts, thousands a second,
 * with times chosen by the caller (publication, amendments, events, embargoes, withdrawals) that
 * the services would stamp with the real clock. For the demo generator (`freewire demo`) and for
 * tests and benches that need many stories.
 *
 * Writes everything the services write for such a story, so the site, search, feeds and the
 * partner APIs treat it like any other: the stories row, its versions (publish, an amendment, a
 * withdrawal), the working and live bylines and tags, the story notes, the search entry (live
 * stories only), the story events and the partner change points computed from them.
 *
 * The caller supplies the rendered body (HTML and plain text) and the word count: rendering
 * Markdown is by far the slowest step of publishing, and generated text has no Markdown in it.
 * Run inside a transaction; readers' caches follow the events written here once it commits.
 *
 * The events are history, not news: each carries `history: true`, and the event-log consumers
 * that tell partners about changes (notice emails, webhooks, WebSub) pass over such events (see
 * src/events/consumers.ts), so a generated correction "made" a year ago is never mailed today.
 */
import type { Insertable, Kysely } from 'kysely';
import type {
  DB, EventType, EventsTable, NoteKind, StoriesTable, StoryAuthorsTable, StoryNotesTable, StorySearchTable, StoryTagsTable, StoryVersionsTable, Syndication,
} from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { refreshChangePoints } from '../syndication/change-points.js';
import { chunks } from '../util/chunks.js';
import { freeSearchRowid, searchRowidBase, SEARCH_ROWID_SLOTS } from '../search/search.js';
import { newId } from '../util/ids.js';

export interface BulkStory {
  id?: string;
  slug: string;
  deskId: string;
  headline: string;
  summary: string;
  dateline: string;
  bodyMd: string;
  /** What renderMarkdown(bodyMd) returns. */
  bodyHtml: string;
  /** What htmlToText(bodyHtml) returns: the search index's body. */
  bodyText: string;
  /** What countWords(bodyMd) returns. */
  wordCount: number;
  /** Byline order. */
  authorIds?: string[];
  /** Existing tags. */
  tags?: Array<{ id: string; name: string }>;
  publishedAt: string;
  /**
   * An update or correction published at `at`: version 2 becomes the live version, with a story
   * note and a story.updated / story.corrected event.
   */
  amendment?: { kind: NoteKind; text: string; at: string };
  /** Further story events after publication (the publish and amendment events are always written). */
  events?: Array<{ type: Exclude<EventType, 'site.updated' | 'story.published'>; at: string }>;
  /** Time of the live version when no amendment says otherwise; defaults to publishedAt. */
  versionAt?: string;
  withdrawnAt?: string | null;
  withdrawnReason?: string;
  embargoUntil?: string | null;
  licenseProfileId?: string | null;
  syndication?: Syndication;
}

/** Stories per round of inserts: every statement stays far below both engines' bound-parameter limits. */
const CHUNK = 500;

/** Inserts the stories and returns their ids in order. */
export async function bulkInsertStories(db: Kysely<DB>, dialect: DialectHelpers, stories: readonly BulkStory[]): Promise<string[]> {
  const ids = stories.map((s) => s.id ?? newId());
  for (let i = 0; i < stories.length; i += CHUNK) {
    const part = stories.slice(i, i + CHUNK);
    const partIds = ids.slice(i, i + CHUNK);
    await insertChunk(db, dialect, part, partIds);
    await refreshChangePoints(db, dialect, partIds);
  }
  return ids;
}

/**
 * On SQLite, search rows go at the rowid of their story's publication time, as the search index
 * puts them (src/search/search.ts, SEARCH_ROWID_SLOTS): the next free slot of that millisecond,
 * after any row already there (another run, a real story) and any earlier row of this chunk.
 */
async function withSearchRowids(db: Kysely<DB>, rows: StorySearchTable[], publishedAt: string[]): Promise<Array<StorySearchTable & { rowid?: number }>> {
  const next = new Map<number, number>();
  const out: Array<StorySearchTable & { rowid: number }> = [];
  for (let i = 0; i < rows.length; i++) {
    const base = searchRowidBase(publishedAt[i]!);
    const rowid = next.get(base) ?? (await freeSearchRowid(db, base));
    if (rowid >= base + SEARCH_ROWID_SLOTS) throw new Error(`More than ${SEARCH_ROWID_SLOTS} stories published at ${publishedAt[i]}.`);
    next.set(base, rowid + 1);
    out.push({ ...rows[i]!, rowid });
  }
  return out;
}

async function insertChunk(db: Kysely<DB>, dialect: DialectHelpers, part: readonly BulkStory[], partIds: readonly string[]): Promise<void> {
  const storyRows: Insertable<StoriesTable>[] = [];
  const versions: Insertable<StoryVersionsTable>[] = [];
  const notes: Insertable<StoryNotesTable>[] = [];
  const events: Insertable<EventsTable>[] = [];
  const authorRows: StoryAuthorsTable[] = [];
  const tagRows: StoryTagsTable[] = [];
  const liveAuthorRows: StoryAuthorsTable[] = [];
  const liveTagRows: StoryTagsTable[] = [];
  const searchRows: StorySearchTable[] = [];
  const searchPublishedAt: string[] = [];
  for (let j = 0; j < part.length; j++) {
    const s = part[j]!;
    const id = partIds[j]!;
    const withdrawn = !!s.withdrawnAt;
    const amended = s.amendment;
    const liveVersion = amended ? 2 : 1;
    const liveAt = amended?.at ?? s.versionAt ?? s.publishedAt;
    const authorIds = s.authorIds ?? [];
    const tags = [...(s.tags ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const lastChange = s.withdrawnAt ?? liveAt;
    storyRows.push({
      id, slug: s.slug, status: withdrawn ? ('withdrawn' as const) : ('published' as const), headline: s.headline, summary: s.summary,
      body_md: s.bodyMd, dateline: s.dateline, desk_id: s.deskId, syndication: s.syndication ?? ('free' as const),
      license_profile_id: s.licenseProfileId ?? null, lead_image_id: null, lead_image_caption: '', lead_image_credit: '',
      embargo_until: s.embargoUntil ?? null, scheduled_at: null, published_at: s.publishedAt,
      public_updated_at: liveAt !== s.publishedAt ? liveAt : null, withdrawn_at: s.withdrawnAt ?? null,
      withdrawn_reason: withdrawn ? (s.withdrawnReason ?? 'Withdrawn by the editors.') : null, live_version: liveVersion,
      live_desk_id: withdrawn ? null : s.deskId, current_version: liveVersion + (withdrawn ? 1 : 0), created_by: null,
      created_at: s.publishedAt, updated_at: lastChange,
    });
    const base = {
      story_id: id, headline: s.headline, summary: s.summary, body_md: s.bodyMd, body_html: s.bodyHtml, dateline: s.dateline,
      desk_id: s.deskId, authors_json: JSON.stringify(authorIds), tags_json: JSON.stringify(tags.map((t) => t.name)),
      word_count: s.wordCount, created_by: null, syndication: s.syndication ?? ('free' as const),
      license_profile_id: s.licenseProfileId ?? null, embargo_until: s.embargoUntil ?? null,
    };
    versions.push({ ...base, id: newId(), version: 1, kind: 'publish' as const, note: null, created_at: amended ? s.publishedAt : liveAt });
    events.push({ type: 'story.published' as const, story_id: id, version: 1, payload_json: JSON.stringify({ slug: s.slug, history: true }), created_at: s.publishedAt });
    if (amended) {
      versions.push({ ...base, id: newId(), version: 2, kind: amended.kind, note: amended.text, created_at: amended.at });
      notes.push({ id: newId(), story_id: id, kind: amended.kind, text: amended.text, version: 2, created_by: null, created_at: amended.at });
      const field = amended.kind === 'correction' ? 'text' : 'note';
      events.push({
        type: amended.kind === 'correction' ? ('story.corrected' as const) : ('story.updated' as const),
        story_id: id, version: 2, payload_json: JSON.stringify({ slug: s.slug, [field]: amended.text, history: true }), created_at: amended.at,
      });
    }
    for (const e of s.events ?? []) {
      events.push({ type: e.type, story_id: id, version: e.type === 'story.withdrawn' ? liveVersion + 1 : liveVersion, payload_json: JSON.stringify({ slug: s.slug, history: true }), created_at: e.at });
    }
    if (withdrawn) {
      versions.push({ ...base, id: newId(), version: liveVersion + 1, kind: 'withdraw' as const, note: s.withdrawnReason ?? null, created_at: s.withdrawnAt! });
    }
    authorIds.forEach((author_id, position) => authorRows.push({ story_id: id, author_id, position }));
    for (const t of tags) tagRows.push({ story_id: id, tag_id: t.id });
    if (!withdrawn) {
      authorIds.forEach((author_id, position) => liveAuthorRows.push({ story_id: id, author_id, position }));
      for (const t of tags) liveTagRows.push({ story_id: id, tag_id: t.id });
      searchRows.push({ story_id: id, headline: s.headline, summary: s.summary, body: s.bodyText, tags: tags.map((t) => t.name).join(' ') });
      searchPublishedAt.push(s.publishedAt);
    }
  }
  // Events in time order, so their ids rise with their times as on a real site.
  events.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  await db.insertInto('stories').values(storyRows).execute();
  for (const rows of chunks(versions, 1000)) await db.insertInto('story_versions').values(rows).execute();
  if (notes.length > 0) await db.insertInto('story_notes').values(notes).execute();
  for (const rows of chunks(authorRows, 3000)) await db.insertInto('story_authors').values(rows).execute();
  for (const rows of chunks(tagRows, 3000)) await db.insertInto('story_tags').values(rows).execute();
  for (const rows of chunks(liveAuthorRows, 3000)) await db.insertInto('story_live_authors').values(rows).execute();
  for (const rows of chunks(liveTagRows, 3000)) await db.insertInto('story_live_tags').values(rows).execute();
  const search = dialect.name === 'sqlite' ? await withSearchRowids(db, searchRows, searchPublishedAt) : searchRows;
  // rowid is SQLite's own column, unknown to the table's type.
  for (const rows of chunks(search, 1000)) await db.insertInto('story_search').values(rows as StorySearchTable[]).execute();
  for (const rows of chunks(events, 2000)) await db.insertInto('events').values(rows).execute();
}
