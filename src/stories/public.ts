/**
 * What readers (and feeds) see: live versions of published stories only. Queries here never
 * read the working copy (the lead image, its caption and credit come from the live version too).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { SearchIndex } from '../search/search.js';
import { toAuthor, type Author } from '../authors/authors.service.js';
import type { StoryNote } from './stories.service.js';
import { chunks } from '../util/chunks.js';

/** A page's live bylines and tags, one row per story × author or tag. */
interface Bylines {
  authors: Array<{ story_id: string; slug: string; name: string; title: string }>;
  tags: Array<{ story_id: string; slug: string; name: string }>;
}

export interface PublicStorySummary {
  id: string;
  slug: string;
  headline: string;
  summary: string;
  dateline: string;
  publishedAt: string;
  /** Last public update or correction, else the publication time. */
  updatedAt: string;
  version: number;
  desk: { slug: string; name: string };
  authors: Array<Pick<Author, 'slug' | 'name' | 'title'>>;
  tags: Array<{ slug: string; name: string }>;
  leadImage: { id: string; caption: string; credit: string; alt: string } | null;
}

export interface PublicStory extends PublicStorySummary {
  bodyHtml: string;
  wordCount: number;
  fullAuthors: Author[];
  notes: StoryNote[];
  wasUpdated: boolean;
}

export type StoryLookup =
  | { kind: 'live'; story: PublicStory }
  | { kind: 'withdrawn'; slug: string; headline: string; withdrawnAt: string; reason: string }
  | { kind: 'missing' };

export interface Page<T> {
  items: T[];
  total: number;
  /** Search only: more than `total` stories match (see SearchLimits). */
  more?: boolean;
  /** Search only: ordered by relevance rather than newest first. */
  ranked?: boolean;
}

/** Author and tag pages with at most this many stories sort them rather than walk the archive (see latest). */
const SORT_BELOW = 2000;

/** How long the number of live stories, which only picks a plan in latest(), is reused. */
const LIVE_COUNT_TTL_MS = 60_000;

/** Story summaries kept between pages (see hydrate); the oldest go first past this many. */
const MAX_CACHED_SUMMARIES = 2000;

export class PublicStories {
  private liveCount: { n: number; at: number } | undefined;
  private liveCounting: Promise<number> | undefined;
  /** Summaries read at `summariesGeneration`, by story id (see hydrate). */
  private readonly summaryCache = new Map<string, PublicStorySummary>();
  private summariesGeneration = Number.NaN;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly search: SearchIndex,
    /**
     * The generation of public content (ChangeTracker.current in src/services.ts): summaries
     * are kept for one generation, as the page cache keeps pages. Without it nothing is kept.
     */
    private readonly generation?: () => number,
  ) {}

  /**
   * About how many stories are live, to weigh a walk of the publication index against a sort.
   * Counted at most once a minute: a stale figure only makes a plan a little less apt, never a
   * result different.
   */
  private async liveStories(): Promise<number> {
    if (this.liveCount && Date.now() - this.liveCount.at < LIVE_COUNT_TTL_MS) return this.liveCount.n;
    this.liveCounting ??= this.db
      .selectFrom('stories')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow()
      .then((r) => {
        this.liveCount = { n: Number(r.n), at: Date.now() };
        return this.liveCount.n;
      })
      .finally(() => {
        this.liveCounting = undefined;
      });
    return this.liveCounting;
  }

  private base() {
    return this.db
      .selectFrom('stories as s')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .innerJoin('desks as d', 'd.id', 'v.desk_id')
      .leftJoin('media as m', 'm.id', 'v.lead_image_id')
      .where('s.status', '=', 'published');
  }

  private async summaries(rows: Array<{
    id: string; slug: string; headline: string; summary: string; dateline: string; published_at: string | null;
    public_updated_at: string | null; live_version: number | null; desk_slug: string; desk_name: string;
    lead_image_id: string | null; lead_image_caption: string; lead_image_credit: string; image_alt: string | null;
  }>, known?: Bylines): Promise<PublicStorySummary[]> {
    if (rows.length === 0) return [];
    const { authors, tags } = known ?? (await this.bylines(rows.map((r) => r.id)));
    return rows.map((r) => ({
      id: r.id,
      slug: r.slug,
      headline: r.headline,
      summary: r.summary,
      dateline: r.dateline,
      publishedAt: r.published_at!,
      updatedAt: r.public_updated_at ?? r.published_at!,
      version: r.live_version!,
      desk: { slug: r.desk_slug, name: r.desk_name },
      authors: authors.filter((a) => a.story_id === r.id).map((a) => ({ slug: a.slug, name: a.name, title: a.title })),
      tags: tags.filter((t) => t.story_id === r.id).map((t) => ({ slug: t.slug, name: t.name })),
      leadImage: r.lead_image_id ? { id: r.lead_image_id, caption: r.lead_image_caption, credit: r.lead_image_credit, alt: r.image_alt ?? '' } : null,
    }));
  }

  /**
   * The live bylines and tags of these stories. Both queries at once: on PostgreSQL each is a
   * round trip and a plan of its own (together about half of a page of search results' time),
   * and the pool runs them side by side; on SQLite they run one after the other as before.
   */
  private async bylines(ids: string[]): Promise<Bylines> {
    const [authors, tags] = await Promise.all([
      this.db
        .selectFrom('story_live_authors as la')
        .innerJoin('authors as a', 'a.id', 'la.author_id')
        .select(['la.story_id', 'a.slug', 'a.name', 'a.title'])
        .where('la.story_id', 'in', ids)
        .orderBy('la.position')
        .execute(),
      this.db
        .selectFrom('story_live_tags as lt')
        .innerJoin('tags as t', 't.id', 'lt.tag_id')
        .select(['lt.story_id', 't.slug', 't.name'])
        .where('lt.story_id', 'in', ids)
        .orderBy('t.name')
        .execute(),
    ]);
    return { authors, tags };
  }

  private listColumns() {
    return [
      's.id', 's.slug', 'v.headline', 'v.summary', 'v.dateline', 's.published_at', 's.public_updated_at', 's.live_version',
      'd.slug as desk_slug', 'd.name as desk_name', 'v.lead_image_id', 'v.lead_image_caption', 'v.lead_image_credit', 'm.alt as image_alt',
    ] as const;
  }

  /**
   * Live stories newest first, optionally of one desk, author or tag. Both queries stay cheap at
   * any archive size:
   * - the total counts index entries only (stories by status or desk; the live byline and tag
   *   tables, which hold rows for live stories alone), never the join the page needs;
   * - the page's ids are found first through an index that is already in publication order
   *   (stopping after offset + limit entries, even for page 500), and only those ids are joined
   *   to their versions, desks and images.
   * Author and tag pages walk the publication index and keep the stories that have the byline or
   * tag: a few hundred index probes for an author with a tenth of the archive. For a rare one
   * (SORT_BELOW stories or fewer), or a page so deep that the walk would pass more entries than
   * the byline or tag has stories, its stories are sorted instead: each is looked up in
   * stories_live_lookup_idx (never the story's row), so sorting 2,000 costs a few milliseconds.
   */
  async latest(limit: number, offset = 0, filter: { deskId?: string; authorId?: string; tagId?: string } = {}): Promise<Page<PublicStorySummary>> {
    const db = this.db;
    let total: number;
    let ids: string[];
    if (filter.authorId || filter.tagId) {
      const link = filter.authorId
        ? { table: 'story_live_authors' as const, column: 'author_id' as const, value: filter.authorId }
        : { table: 'story_live_tags' as const, column: 'tag_id' as const, value: filter.tagId! };
      const counted = await db.selectFrom(link.table).select((eb) => eb.fn.countAll<number>().as('n')).where(link.column, '=', link.value).executeTakeFirstOrThrow();
      total = Number(counted.n);
      if (total === 0 || offset >= total) return { items: [], total };
      const table = sql.table(link.table);
      const column = sql.ref(link.column);
      // The walk reads about (offset + limit) × live / total index entries, the sort `total`.
      const sort = total <= SORT_BELOW || ((offset + limit) * (await this.liveStories())) / total > total;
      if (sort) {
        // The tag's or byline's stories, then their page. The inner limit (all of them: a tag
        // has no more live stories than links) keeps PostgreSQL from planning the inner query
        // for the outer one's: its estimate of a tag's size is the average (about 700 at 100,000
        // stories), so for a tag of one story it walked the whole publication index (100,000
        // probes, 0.3-1.6 s) hoping to stop early.
        const rows = await sql<{ id: string }>`
          select id from (
            select s.id, s.published_at from stories s
            where s.status = 'published' and s.id in (select story_id from ${table} where ${column} = ${link.value})
            limit ${total}
          ) m
          order by published_at desc, id desc
          limit ${limit} offset ${offset}`.execute(db);
        ids = rows.rows.map((r) => r.id);
      } else {
        const rows = await db
          .selectFrom('stories as s')
          .select('s.id')
          .where('s.status', '=', 'published')
          .where(sql<boolean>`exists (select 1 from ${table} l where l.story_id = s.id and l.${column} = ${link.value})`)
          .orderBy('s.published_at', 'desc')
          .orderBy('s.id', 'desc')
          .limit(limit)
          .offset(offset)
          .execute();
        ids = rows.map((r) => r.id);
      }
    } else {
      let q = db.selectFrom('stories').where('status', '=', 'published');
      if (filter.deskId) q = q.where('live_desk_id', '=', filter.deskId);
      const counted = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      total = Number(counted.n);
      if (total === 0 || offset >= total) return { items: [], total };
      ids = (await q.select(['id']).orderBy('published_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute()).map((r) => r.id);
    }
    return { items: await this.hydrate(ids), total };
  }

  /**
   * The newest live stories, optionally of one desk, author or tag, without the count a pager
   * needs (feeds show none). Site-wide and desk lists walk their publication index and stop after
   * `limit` entries; counting every live story was most of an uncached site feed's database time
   * (on PostgreSQL 15-20 ms at 100,000 stories). Author and tag lists count their own links only,
   * which is cheap, and need the count to choose their plan (see latest).
   */
  async newest(limit: number, filter: { deskId?: string; authorId?: string; tagId?: string } = {}): Promise<PublicStorySummary[]> {
    if (filter.authorId || filter.tagId) return (await this.latest(limit, 0, filter)).items;
    let q = this.db.selectFrom('stories').select('id').where('status', '=', 'published');
    if (filter.deskId) q = q.where('live_desk_id', '=', filter.deskId);
    const rows = await q.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return this.hydrate(rows.map((r) => r.id));
  }

  /**
   * A desk's newest live stories, without counting them (the home page's desk sections show no
   * count): one walk of the desk index that stops after `limit` entries.
   */
  async newestOfDesk(deskId: string, limit: number): Promise<PublicStorySummary[]> {
    const rows = await this.db
      .selectFrom('stories')
      .select('id')
      .where('live_desk_id', '=', deskId)
      .where('status', '=', 'published')
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return this.hydrate(rows.map((r) => r.id));
  }

  /**
   * The summaries of these stories, in this order; ids of stories not live are left out.
   *
   * Listing pages and search results show the same stories over and over (the newest above
   * all: every broad search's first page, the home page and its desk sections), and a summary
   * changes only with a change to public content. So summaries are kept for one generation of
   * the change tracker, like the page cache's pages, and only the stories not kept are read: on
   * PostgreSQL three statements (rows, bylines and tags) that took about 1.5 ms of a 4 ms page of
   * search results at 100,000 stories.
   */
  private async hydrate(ids: string[]): Promise<PublicStorySummary[]> {
    if (ids.length === 0) return [];
    const generation = this.generation?.() ?? Number.NaN;
    if (generation !== this.summariesGeneration) {
      this.summaryCache.clear();
      this.summariesGeneration = generation;
    }
    // This page's summaries, gathered here: keeping the ones read below may push out kept ones.
    const found = new Map<string, PublicStorySummary>();
    const missing: string[] = [];
    for (const id of ids) {
      const kept = this.summaryCache.get(id);
      if (kept) found.set(id, kept);
      else missing.push(id);
    }
    if (missing.length > 0) {
      // The rows, bylines and tags at once (see bylines()); ids of stories no longer live only
      // fetch a byline or tag that no row asks for.
      const [rows, known] = await Promise.all([this.base().select([...this.listColumns()]).where('s.id', 'in', missing).execute(), this.bylines(missing)]);
      const read = await this.summaries(rows, known);
      // Kept only when no change was made public while they were read (NaN never equals itself:
      // without a generation nothing is kept). A change that lands later clears them on next use.
      const keep = generation === this.generation?.();
      for (const summary of read) {
        found.set(summary.id, summary);
        if (!keep) continue;
        if (this.summaryCache.size >= MAX_CACHED_SUMMARIES) this.summaryCache.delete(this.summaryCache.keys().next().value!);
        this.summaryCache.set(summary.id, summary);
      }
    }
    const out: PublicStorySummary[] = [];
    for (const id of ids) {
      const summary = found.get(id);
      if (summary) out.push(summary);
    }
    return out;
  }

  async bySlug(slug: string): Promise<StoryLookup> {
    if (slug.length > 120) return { kind: 'missing' };
    const row = await this.db
      .selectFrom('stories')
      .select(['id', 'status', 'headline', 'slug', 'withdrawn_at', 'withdrawn_reason'])
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (!row) return { kind: 'missing' };
    if (row.status === 'withdrawn' && row.withdrawn_at) {
      const live = await this.db
        .selectFrom('story_versions')
        .select('headline')
        .where('story_id', '=', row.id)
        .where('kind', '=', 'publish')
        .orderBy('version', 'desc')
        .executeTakeFirst();
      if (!live) return { kind: 'missing' };
      return { kind: 'withdrawn', slug: row.slug, headline: live.headline, withdrawnAt: row.withdrawn_at, reason: row.withdrawn_reason ?? '' };
    }
    if (row.status !== 'published') return { kind: 'missing' };
    const story = (await this.liveByIds([row.id])).get(row.id);
    return story ? { kind: 'live', story } : { kind: 'missing' };
  }

  /**
   * These live stories, whole (body, authors' full records, notes), by id; ids of stories not
   * live are left out. Each part is read once for all of them: the content API renders a page of up to
   * 100 documents at a time, and five queries per story were most of that time.
   */
  async liveByIds(ids: readonly string[]): Promise<Map<string, PublicStory>> {
    const out = new Map<string, PublicStory>();
    for (const part of chunks([...new Set(ids)])) {
      const [rows, known, authorRows, notes] = await Promise.all([
        this.base()
          .select([...this.listColumns(), 'v.body_html', 'v.word_count'])
          .where('s.id', 'in', part)
          .execute(),
        this.bylines(part),
        this.db
          .selectFrom('story_live_authors as la')
          .innerJoin('authors as a', 'a.id', 'la.author_id')
          .selectAll('a')
          .select('la.story_id')
          .where('la.story_id', 'in', part)
          .orderBy('la.position')
          .execute(),
        this.db.selectFrom('story_notes').selectAll().where('story_id', 'in', part).orderBy('created_at').orderBy('id').execute(),
      ]);
      const summaries = await this.summaries(rows, known);
      rows.forEach((full, i) => {
        out.set(full.id, {
          ...summaries[i]!,
          bodyHtml: full.body_html,
          wordCount: full.word_count,
          fullAuthors: authorRows.filter((a) => a.story_id === full.id).map(toAuthor),
          notes: notes.filter((n) => n.story_id === full.id).map((n) => ({ id: n.id, kind: n.kind, text: n.text, version: n.version, createdAt: n.created_at })),
          wasUpdated: full.public_updated_at !== null,
        });
      });
    }
    return out;
  }

  async searchStories(q: string, limit: number, offset: number): Promise<Page<PublicStorySummary>> {
    const hits = await this.search.search(q, limit, offset);
    const about = { total: hits.total, more: hits.more, ranked: hits.ranked };
    return { items: await this.hydrate(hits.storyIds), ...about };
  }

  async tagBySlug(slug: string): Promise<{ id: string; slug: string; name: string } | undefined> {
    if (slug.length > 120) return undefined;
    return this.db.selectFrom('tags').select(['id', 'slug', 'name']).where('slug', '=', slug).executeTakeFirst();
  }

  /** Live bodies and lead-image file details for feed items, which carry full content and an enclosure. */
  async feedDetails(ids: string[]): Promise<Map<string, { bodyHtml: string; imageType: string | null; imageSize: number | null }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.base()
      .select(['s.id', 'v.body_html', 'm.content_type as image_type', 'm.size as image_size'])
      .where('s.id', 'in', ids)
      .execute();
    return new Map(rows.map((r) => [r.id, { bodyHtml: r.body_html, imageType: r.image_type, imageSize: r.image_size === null ? null : Number(r.image_size) }]));
  }

  /** Every live story's URL data for sitemap.xml. */
  async allForSitemap(): Promise<Array<{ slug: string; updatedAt: string }>> {
    const rows = await this.db
      .selectFrom('stories')
      .select(['slug', 'published_at', 'public_updated_at'])
      .where('status', '=', 'published')
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(50_000)
      .execute();
    return rows.map((r) => ({ slug: r.slug, updatedAt: r.public_updated_at ?? r.published_at! }));
  }

  /** Stories published since `since`, for the Google News sitemap (which wants the last 2 days). */
  async publishedSince(since: Date): Promise<Array<{ slug: string; headline: string; publishedAt: string }>> {
    const rows = await this.base()
      .select(['s.slug', 'v.headline', 's.published_at'])
      .where('s.published_at', '>=', since.toISOString())
      .orderBy('s.published_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(1000)
      .execute();
    return rows.map((r) => ({ slug: r.slug, headline: r.headline, publishedAt: r.published_at! }));
  }
}
