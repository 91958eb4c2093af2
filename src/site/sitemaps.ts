/**
 * sitemap.xml, the Google News sitemap and robots.txt.
 *
 * Up to SITEMAP_MAX_URLS URLs (home, desks, authors, every live story), sitemap.xml is one
 * `<urlset>`. Beyond that it is a sitemap index (sitemaps.org) of /sitemaps/pages.xml (home,
 * desks, authors) and /sitemaps/stories-<n>.xml, each holding at most that many stories in a
 * stable order (publication time, then id), so older files keep their contents as stories are
 * added and only the last one grows. Stories are read through the covering
 * (status, published_at, id, slug, public_updated_at) index: a file is one index-only read of
 * its stories (its start found by counting index entries), and each file's date in the index one
 * index-only aggregate, so neither grows with the archive beyond skipping index entries.
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

/** Authors with at most this many live stories have them sorted rather than found by walking the archive. */
const AUTHOR_SORT_BELOW = 2000;

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

interface StoryKey {
  publishedAt: string;
  id: string;
}

/** Live stories in (published_at, id) order after `after` (from the first when undefined). */
function liveAfter(services: Services, after: StoryKey | undefined) {
  let q = services.database.db.selectFrom('stories').where('status', '=', 'published');
  if (after) {
    // The `>=` bound lets both engines start the index range at the key instead of filtering
    // every earlier entry of the status.
    q = q
      .where('published_at', '>=', after.publishedAt)
      .where((eb) => eb.or([eb('published_at', '>', after.publishedAt), eb('id', '>', after.id)]));
  }
  return q.orderBy('published_at').orderBy('id');
}

/** The key of the `n`-th live story after `after` (1-based), through the index alone. */
async function keyAt(services: Services, after: StoryKey | undefined, n: number): Promise<StoryKey | undefined> {
  const row = await liveAfter(services, after).select(['id', 'published_at']).limit(1).offset(n - 1).executeTakeFirst();
  return row ? { publishedAt: row.published_at!, id: row.id } : undefined;
}

/** One file's stories: `count` from the one after `after`, with their URL slug and last change, in one index-only read. */
async function fileStories(services: Services, after: StoryKey | undefined, count: number): Promise<Array<{ slug: string; at: string }>> {
  return liveAfter(services, after)
    .select(['slug', sql<string>`coalesce(public_updated_at, published_at)`.as('at')])
    .limit(count)
    .execute();
}

/** The latest change (publication or public update) of the `count` live stories after `after`. */
async function newestChangeIn(services: Services, after: StoryKey | undefined, count: number): Promise<string | undefined> {
  const file = liveAfter(services, after).select(['published_at', 'public_updated_at']).limit(count).as('f');
  const row = await services.database.db
    .selectFrom(file)
    .select(sql<string | null>`max(coalesce(f.public_updated_at, f.published_at))`.as('at'))
    .executeTakeFirst();
  return row?.at ?? undefined;
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
    // Through the publication index, the newest of an author's stories is a few probes away when
    // they write often; for one with few (or no) live stories that walk could cross the archive,
    // so their stories are sorted instead (as on their page, see PublicStories.latest).
    const some = db.selectFrom('story_live_authors').select('story_id').where('author_id', '=', author.id).limit(AUTHOR_SORT_BELOW + 1).as('a');
    const counted = await db.selectFrom(some).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const n = Number(counted.n);
    if (n === 0) continue;
    const row = await db
      .selectFrom('stories as s')
      .select(['s.published_at', 's.public_updated_at'])
      .where('s.status', '=', 'published')
      .where(
        n <= AUTHOR_SORT_BELOW
          ? sql<boolean>`s.id in (select story_id from story_live_authors where author_id = ${author.id})`
          : sql<boolean>`exists (select 1 from story_live_authors l where l.story_id = s.id and l.author_id = ${author.id})`,
      )
      .orderBy('s.published_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const at = lastChange(row);
    if (at) entries.push({ url: absoluteUrl(ctx, `/author/${author.slug}`), lastModified: later(at, author.updatedAt) });
  }
  return entries;
}

/** The most recent public change of any live story (an update can be newer than the newest publication). */
async function newestChange(services: Services): Promise<string | undefined> {
  // Two ends of two indexes rather than a pass over every story: the newest publication, and the
  // newest public update of a live story.
  const db = services.database.db;
  const published = await db.selectFrom('stories').select('published_at as at').where('status', '=', 'published').orderBy('published_at', 'desc').limit(1).executeTakeFirst();
  const updated = await db
    .selectFrom('stories')
    .select('public_updated_at as at')
    .where('status', '=', 'published')
    .where('public_updated_at', 'is not', null)
    .orderBy('public_updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const at = [published?.at, updated?.at].filter((x): x is string => !!x).sort();
  return at[at.length - 1];
}

/** Whether the site has more than `perFile` URLs (so sitemap.xml is an index): counts at most that many index entries. */
async function isIndex(services: Services, pages: number, perFile: number): Promise<boolean> {
  return (await keyAt(services, undefined, Math.max(1, perFile - pages + 1))) !== undefined;
}

/** /sitemap.xml: one urlset, or an index of child sitemaps when the site has more than `perFile` URLs. */
export async function renderSitemap(services: Services, perFile: number = SITEMAP_MAX_URLS): Promise<Rendered> {
  const ctx = await loadSiteContext(services);
  const pages = await pageEntries(services, ctx);
  if (!(await isIndex(services, pages.length, perFile))) {
    const entries = [...pages];
    let newest = '';
    for (const s of await fileStories(services, undefined, perFile)) {
      entries.push({ url: absoluteUrl(ctx, `/stories/${s.slug}`), lastModified: s.at });
      if (s.at > newest) newest = s.at;
    }
    // Home's lastmod: the latest change of any story, not only the newest one's.
    if (newest > pages[0]!.lastModified) pages[0]!.lastModified = newest;
    return { type: XML, body: buildSitemap(entries) };
  }
  const files: Array<{ url: string; lastModified?: string }> = [];
  // Each file's lastmod is its latest story change. Each file starts where the one before ended,
  // found by counting that file's entries of the index (never the whole archive again).
  let after: StoryKey | undefined;
  for (let n = 1; ; n++) {
    const newest = await newestChangeIn(services, after, perFile);
    if (!newest) break;
    files.push({ url: absoluteUrl(ctx, `/sitemaps/stories-${n}.xml`), lastModified: newest });
    after = await keyAt(services, after, perFile);
    if (!after) break;
  }
  // The pages file changes with any story (home lists them all): its lastmod is the latest of the files'.
  const newest = files.reduce<string | undefined>((max, f) => (f.lastModified && (!max || f.lastModified > max) ? f.lastModified : max), undefined);
  const children = [{ url: absoluteUrl(ctx, '/sitemaps/pages.xml'), lastModified: newest ?? pages[0]!.lastModified }, ...files];
  return { type: XML, body: buildSitemapIndex(children) };
}

/** A child of the sitemap index; 404 for a file the index does not list. */
export async function renderSitemapChild(services: Services, child: SitemapChild | undefined, perFile: number = SITEMAP_MAX_URLS): Promise<Rendered> {
  const notFound = () => new AppError('NOT_FOUND', 'There is no such sitemap.');
  if (!child) throw notFound();
  const ctx = await loadSiteContext(services);
  const pages = await pageEntries(services, ctx);
  // Children exist only while sitemap.xml is an index.
  if (!(await isIndex(services, pages.length, perFile))) throw notFound();
  if (child.kind === 'pages') {
    const newest = await newestChange(services);
    if (newest && newest > pages[0]!.lastModified) pages[0]!.lastModified = newest;
    return { type: XML, body: buildSitemap(pages) };
  }
  const skip = (child.n - 1) * perFile;
  const after = skip === 0 ? undefined : await keyAt(services, undefined, skip);
  if (skip > 0 && !after) throw notFound();
  const base = absoluteUrl(ctx, '/stories/');
  const entries = (await fileStories(services, after, perFile)).map((s) => ({ url: `${base}${s.slug}`, lastModified: s.at }));
  // A file past the last story is not in the index.
  if (entries.length === 0) throw notFound();
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
