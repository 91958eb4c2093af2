/**
 * RSS, Atom and JSON Feed for the site, each desk and each author: the latest 30 live stories
 * with their full (sanitised) HTML, every URL absolute. The XML and JSON come from the pure
 * builders in src/feeds/.
 */
import type { Services } from '../services.js';
import type { FeedChannel, FeedItem } from '../feeds/types.js';
import type { PublicStorySummary } from '../stories/public.js';
import { buildRss } from '../feeds/rss.js';
import { buildAtom } from '../feeds/atom.js';
import { buildJsonFeed } from '../feeds/json-feed.js';
import { feedPaths } from '../views/site-layout.js';
import { absoluteUrl, loadSiteContext, mediaPath, type SiteContext } from './context.js';
import { findDesk } from './pages/desk.js';
import { findAuthor } from './pages/author.js';
import type { Rendered } from './page-cache.js';
import { hubUrlOf, websubLinkHeader } from '../websub/links.js';

export const FEED_SIZE = 30;

export type FeedFormat = 'rss' | 'atom' | 'json';

export const FEED_CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

export type FeedScope = { kind: 'site' } | { kind: 'desk'; slug: string } | { kind: 'author'; slug: string };

/**
 * Feed readers show content away from our site, where root-relative links and images would
 * point at the reader's own host.
 */
export function absolutiseHtml(html: string, publicUrl: string): string {
  return html.replace(/(\s(?:href|src)=")\/(?!\/)/g, `$1${publicUrl}/`);
}

function toItem(ctx: SiteContext, s: PublicStorySummary, details: { bodyHtml: string; imageType: string | null; imageSize: number | null } | undefined): FeedItem {
  const item: FeedItem = {
    id: `urn:uuid:${s.id}`,
    url: absoluteUrl(ctx, `/stories/${s.slug}`),
    title: s.headline,
    summary: s.summary,
    contentHtml: absolutiseHtml(details?.bodyHtml ?? '', ctx.publicUrl),
    publishedAt: s.publishedAt,
    updatedAt: s.updatedAt,
    authors: s.authors.map((a) => ({ name: a.name, url: absoluteUrl(ctx, `/author/${a.slug}`), title: a.title })),
    categories: [s.desk.name, ...s.tags.map((t) => t.name)],
  };
  if (s.leadImage && details?.imageType) {
    item.image = { url: absoluteUrl(ctx, mediaPath(s.leadImage.id)), type: details.imageType, length: details.imageSize ?? 0, alt: s.leadImage.alt };
  }
  return item;
}

export async function renderFeed(services: Services, scope: FeedScope, format: FeedFormat): Promise<Rendered> {
  // Look the desk or author up first, so an unknown one is a 404 before any other work.
  const desk = scope.kind === 'desk' ? await findDesk(services, scope.slug) : undefined;
  const author = scope.kind === 'author' ? await findAuthor(services, scope.slug) : undefined;
  const ctx = await loadSiteContext(services);
  const { settings } = ctx;
  const filter = desk ? { deskId: desk.id } : author ? { authorId: author.id } : {};
  const items = await services.publicStories.newest(FEED_SIZE, filter);
  const details = await services.publicStories.feedDetails(items.map((s) => s.id));

  const base = desk ? `/desk/${desk.slug}` : author ? `/author/${author.slug}` : '';
  const paths = feedPaths(base);
  const homeUrl = absoluteUrl(ctx, base || '/');
  const title = desk ? `${settings.siteName}: ${desk.name}` : author ? `${settings.siteName}: ${author.name}` : settings.siteName;
  const description = desk
    ? desk.description || `Stories from the ${desk.name} desk`
    : author
      ? `Stories by ${author.name}, ${author.title}`
      : settings.tagline || `Latest stories from ${settings.siteName}`;
  const newest = items.reduce<string | undefined>((max, s) => (max === undefined || s.updatedAt > max ? s.updatedAt : max), undefined);
  const channel: FeedChannel = {
    title,
    description,
    homeUrl,
    rssUrl: absoluteUrl(ctx, paths.rss),
    atomUrl: absoluteUrl(ctx, paths.atom),
    jsonUrl: absoluteUrl(ctx, paths.json),
    hubUrl: hubUrlOf(ctx.publicUrl),
    language: settings.language,
    id: homeUrl,
    // An empty feed has no story time to report; the desk or author record is the next best.
    updatedAt: newest ?? desk?.createdAt ?? author?.updatedAt ?? new Date().toISOString(),
    ...(settings.logoMediaId ? { logoUrl: absoluteUrl(ctx, mediaPath(settings.logoMediaId)) } : {}),
    ...(settings.syndicationNotice ? { rights: settings.syndicationNotice } : {}),
    items: items.map((s) => toItem(ctx, s, details.get(s.id))),
  };
  const body = format === 'rss' ? buildRss(channel) : format === 'atom' ? buildAtom(channel) : buildJsonFeed(channel);
  return { type: FEED_CONTENT_TYPES[format], body, link: websubLinkHeader(channel.hubUrl!, selfUrlOf(channel, format)) };
}

/** The feed's own canonical URL in this format (its rel="self", and its WebSub topic). */
export function selfUrlOf(channel: Pick<FeedChannel, 'rssUrl' | 'atomUrl' | 'jsonUrl'>, format: FeedFormat): string {
  return format === 'rss' ? channel.rssUrl : format === 'atom' ? channel.atomUrl : channel.jsonUrl;
}
