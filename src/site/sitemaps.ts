/** sitemap.xml (home, desks, authors, every live story), the Google News sitemap and robots.txt. */
import type { Services } from '../services.js';
import type { SitemapEntry } from '../feeds/types.js';
import { buildNewsSitemap, buildRobotsTxt, buildSitemap } from '../feeds/sitemap.js';
import { absoluteUrl, loadSiteContext } from './context.js';
import type { Rendered } from './page-cache.js';

const XML = 'application/xml; charset=utf-8';

/** Google News only wants articles from the last two days. */
const NEWS_WINDOW_MS = 2 * 24 * 60 * 60 * 1000;

function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

export async function renderSitemap(services: Services): Promise<Rendered> {
  const ctx = await loadSiteContext(services);
  const stories = await services.publicStories.allForSitemap();
  const entries: SitemapEntry[] = [];
  const newest = stories.reduce<string | undefined>((max, s) => (max === undefined || s.updatedAt > max ? s.updatedAt : max), undefined);
  entries.push({ url: absoluteUrl(ctx, '/'), lastModified: newest ?? new Date().toISOString() });
  // Desk and author pages are listed only when they have a live story: empty pages are not worth a crawl.
  for (const desk of ctx.desks) {
    const { items } = await services.publicStories.latest(1, 0, { deskId: desk.id });
    if (items[0]) entries.push({ url: absoluteUrl(ctx, `/desk/${desk.slug}`), lastModified: items[0].updatedAt });
  }
  for (const author of await services.authors.list()) {
    const { items } = await services.publicStories.latest(1, 0, { authorId: author.id });
    if (items[0]) entries.push({ url: absoluteUrl(ctx, `/author/${author.slug}`), lastModified: later(items[0].updatedAt, author.updatedAt) });
  }
  for (const s of stories) entries.push({ url: absoluteUrl(ctx, `/stories/${s.slug}`), lastModified: s.updatedAt });
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
