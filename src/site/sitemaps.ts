/**
 * sitemap.xml, the Google News sitemap and robots.txt.
 *
 * Up to SITEMAP_MAX_URLS URLs (home, desks, authors, every live story), sitemap.xml is one
 * `<urlset>`. Beyond that it is a sitemap index (sitemaps.org) of /sitemaps/pages.xml (home,
 * desks, authors) and /sitemaps/stories-<n>.xml, each holding at most that many stories in a
 * stable order (publication time, then id), so older files keep their contents as stories are
 * added and only the last one grows. Stories are read in keyset pages through the
 * (status, published_at, id) index: no file ever holds more than one file's worth in memory.
 */
import { sql } from 'kysely';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import type { SitemapEntry } from '../feeds/types.js';
import { buildNewsSitemap, buildRobotsTxt, buildSitemap, buildSitemapIndex, SITEMAP_MAX_URLS } from '../feeds/sitemap.js';
import { absoluteUrl, loadSiteContext, type SiteContext } from './context.js';
import type { Rendered } from './page-cache.js';

const XML = 'application/xml; charset=utf-8';

/** Google News only wants articles from the last two days. */
const NEWS_WINDOW_MS = 2 * 24 * 60 * 60 * 1000;

/** Stories read per query while walking the archive. */
const PAGE = 5000;

function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Which child sitemap a path names: the pages file, a stories file (1-based), or none. */
export type SitemapChild = { kind: 'pages' } | { kind: 'stories'; n: number };

export function parseSitemapChild(file: string): SitemapChild | undefined {
  if (file === 'pages.xml') return { kind: 'pages' };
  const m = file.length <= 30 ? /^stories-([1-9][0-9]{0,5})\.xml$/.exec(file) : null;
  return m ? { kind: 'stories', n: Number(m[1]) } : undefined;
}

async function liveStoryCount(services: Services): Promise<number> {
  const row = await services.database.db
    .selectFrom('stories')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'published')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

interface StoryKey {
  publishedAt: string;
  id: string;
}

/** Live stories in (published_at, id) order after `after`, at most `limit`. */
async function storiesAfter(services: Services, after: StoryKey | undefined, limit: number) {
  let q = services.database.db
    .selectFrom('stories')
    .select(['id', 'slug', 'published_at', 'public_updated_at'])
    .where('status', '=', 'published');
  if (after) {
    // The `>=` bound lets both engines start the index range at the key instead of filtering
    // every earlier entry of the status.
    q = q
      .where('published_at', '>=', after.publishedAt)
      .where((eb) => eb.or([eb('published_at', '>', after.publishedAt), eb('id', '>', after.id)]));
  }
  const rows = await q.orderBy('published_at').orderBy('id').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, slug: r.slug, publishedAt: r.published_at!, updatedAt: r.public_updated_at ?? r.published_at! }));
}

/** The key just before the `skip`-th live story (undefined for the first), through the index alone. */
async function keyBefore(services: Services, skip: number): Promise<StoryKey | undefined> {
  if (skip === 0) return undefined;
  const row = await services.database.db
    .selectFrom('stories')
    .select(['id', 'published_at'])
    .where('status', '=', 'published')
    .orderBy('published_at')
    .orderBy('id')
    .limit(1)
    .offset(skip - 1)
    .executeTakeFirst();
  return row ? { publishedAt: row.published_at!, id: row.id } : undefined;
}

/** Walks `count` live stories from the `skip`-th on, a page at a time. */
async function walkStories(services: Services, skip: number, count: number, visit: (s: { slug: string; updatedAt: string }) => void): Promise<void> {
  let after = await keyBefore(services, skip);
  if (skip > 0 && !after) return;
  let left = count;
  while (left > 0) {
    const rows = await storiesAfter(services, after, Math.min(PAGE, left));
    for (const r of rows) visit(r);
    if (rows.length < Math.min(PAGE, left)) return;
    left -= rows.length;
    const last = rows[rows.length - 1]!;
    after = { publishedAt: last.publishedAt, id: last.id };
  }
}

/** The newest live story's time of last change among `storyIds`' rows (undefined when there is none). */
function lastChange(row: { published_at: string | null; public_updated_at: string | null } | undefined): string | undefined {
  return row ? (row.public_updated_at ?? row.published_at ?? undefined) : undefined;
}

/**
 * Home, and the desk and author pages that have a live story (empty pages are not worth a
 * crawl), each dated by its newest story: one indexed lookup each, whatever the archive's size.
 */
async function pageEntries(services: Services, ctx: SiteContext): Promise<SitemapEntry[]> {
  const db = services.database.db;
  const newest = await db
    .selectFrom('stories')
    .select(['published_at', 'public_updated_at'])
    .where('status', '=', 'published')
    .orderBy('published_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const entries: SitemapEntry[] = [{ url: absoluteUrl(ctx, '/'), lastModified: lastChange(newest) ?? new Date().toISOString() }];
  for (const desk of ctx.desks) {
    const row = await db
      .selectFrom('stories')
      .select(['published_at', 'public_updated_at'])
      .where('live_desk_id', '=', desk.id)
      .where('status', '=', 'published')
      .orderBy('published_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const at = lastChange(row);
    if (at) entries.push({ url: absoluteUrl(ctx, `/desk/${desk.slug}`), lastModified: at });
  }
  for (const author of await services.authors.list()) {
    const row = await db
      .selectFrom('story_live_authors as la')
      .innerJoin('stories as s', 's.id', 'la.story_id')
      .select(['s.published_at', 's.public_updated_at'])
      .where('la.author_id', '=', author.id)
      .where('s.status', '=', 'published')
      .orderBy('s.published_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const at = lastChange(row);
    if (at) entries.push({ url: absoluteUrl(ctx, `/author/${author.slug}`), lastModified: later(at, author.updatedAt) });
  }
  return entries;
}

function newestUpdate(items: Array<{ updatedAt: string }>): string | undefined {
  return items.reduce<string | undefined>((max, s) => (max === undefined || s.updatedAt > max ? s.updatedAt : max), undefined);
}

/** The most recent public change of any live story (an update can be newer than the newest publication). */
async function newestChange(services: Services): Promise<string | undefined> {
  const row = await services.database.db
    .selectFrom('stories')
    .select(sql<string | null>`max(coalesce(public_updated_at, published_at))`.as('at'))
    .where('status', '=', 'published')
    .executeTakeFirst();
  return row?.at ?? undefined;
}

/** /sitemap.xml: one urlset, or an index of child sitemaps when the site has more than `perFile` URLs. */
export async function renderSitemap(services: Services, perFile: number = SITEMAP_MAX_URLS): Promise<Rendered> {
  const ctx = await loadSiteContext(services);
  const pages = await pageEntries(services, ctx);
  const stories = await liveStoryCount(services);
  if (pages.length + stories <= perFile) {
    const entries = [...pages];
    let newest = '';
    await walkStories(services, 0, stories, (s) => {
      entries.push({ url: absoluteUrl(ctx, `/stories/${s.slug}`), lastModified: s.updatedAt });
      if (s.updatedAt > newest) newest = s.updatedAt;
    });
    // Home's lastmod: the latest change of any story, not only the newest one's.
    if (newest > pages[0]!.lastModified) pages[0]!.lastModified = newest;
    return { type: XML, body: buildSitemap(entries) };
  }
  const children: Array<{ url: string; lastModified?: string }> = [
    { url: absoluteUrl(ctx, '/sitemaps/pages.xml'), lastModified: (await newestChange(services)) ?? pages[0]!.lastModified },
  ];
  const files = Math.ceil(stories / perFile);
  for (let n = 1; n <= files; n++) {
    // Each file's lastmod is its latest story change; one walk over the archive, a page at a time.
    let newest = '';
    await walkStories(services, (n - 1) * perFile, perFile, (s) => {
      if (s.updatedAt > newest) newest = s.updatedAt;
    });
    children.push({ url: absoluteUrl(ctx, `/sitemaps/stories-${n}.xml`), lastModified: newest || undefined });
  }
  return { type: XML, body: buildSitemapIndex(children) };
}

/** A child of the sitemap index; 404 for a file the index does not list. */
export async function renderSitemapChild(services: Services, child: SitemapChild | undefined, perFile: number = SITEMAP_MAX_URLS): Promise<Rendered> {
  const notFound = () => new AppError('NOT_FOUND', 'There is no such sitemap.');
  if (!child) throw notFound();
  const ctx = await loadSiteContext(services);
  const pages = await pageEntries(services, ctx);
  const stories = await liveStoryCount(services);
  // Children exist only while sitemap.xml is an index.
  if (pages.length + stories <= perFile) throw notFound();
  if (child.kind === 'pages') {
    const newest = await newestChange(services);
    if (newest && newest > pages[0]!.lastModified) pages[0]!.lastModified = newest;
    return { type: XML, body: buildSitemap(pages) };
  }
  if (child.n > Math.ceil(stories / perFile)) throw notFound();
  const entries: SitemapEntry[] = [];
  await walkStories(services, (child.n - 1) * perFile, perFile, (s) => entries.push({ url: absoluteUrl(ctx, `/stories/${s.slug}`), lastModified: s.updatedAt }));
  return { type: XML, body: buildSitemap(entries) };
}

export async function renderNewsSitemap(services: Services, now: Date = new Date()): Promise<Rendered> {
  const ctx = await loadSiteContext(services);
  const recent = await services.publicStories.publishedSince(new Date(now.getTime() - NEWS_WINDOW_MS));
  const body = buildNewsSitemap(
    recent.map((s) => ({ url: absoluteUrl(ctx, `/stories/${s.slug}`), title: s.headline, publishedAt: s.publishedAt })),
    { name: ctx.settings.siteName, language: ctx.settings.language },
  );
  // Stories age out of the window without any change event, so this entry expires on its own.
  return { type: XML, body, ttlMs: 5 * 60 * 1000 };
}

export function renderRobots(services: Services): Rendered {
  return { type: 'text/plain; charset=utf-8', body: buildRobotsTxt(services.config.publicUrl) };
}
