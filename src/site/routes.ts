/**
 * Every public URL of the reader site, in one list. Pages, feeds and sitemaps go through the
 * page cache: a hit is one Map lookup and no database query; any public change (a new
 * generation from ChangeTracker) empties the cache.
 *
 * Cache keys are built from the parsed, validated parameters — never the raw URL — so made-up
 * query strings (`/?utm=…`, `/?x=1`, `/?x=2`, …) all share one entry instead of filling the cache.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { PageCache, sendPage, type Rendered } from './page-cache.js';
import { parsePage, pagePath, queryValue } from './paging.js';
import { renderHome } from './pages/home.js';
import { renderDesk } from './pages/desk.js';
import { renderAuthor } from './pages/author.js';
import { renderTag } from './pages/tag.js';
import { renderStory } from './pages/story.js';
import { normaliseQuery, renderSearch, searchPath } from './pages/search.js';
import { renderFeed, type FeedFormat, type FeedScope } from './feeds.js';
import { parseSitemapChild, renderNewsSitemap, renderRobots, renderSitemap, renderSitemapChild } from './sitemaps.js';
import { SITEMAP_MAX_URLS } from '../feeds/sitemap.js';
import { mediaHandler } from './media.js';

const HTML = 'text/html; charset=utf-8';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, unknown> }>;

export interface SiteRouteOptions {
  /** URLs per sitemap file before sitemap.xml becomes an index (the sitemaps.org limit; tests use less). */
  sitemapUrlsPerFile?: number;
}

export function registerSiteRoutes(app: FastifyInstance, services: Services, options: SiteRouteOptions = {}): void {
  const perSitemap = options.sitemapUrlsPerFile ?? SITEMAP_MAX_URLS;
  const pages = new PageCache({ maxEntries: 2000, maxBytes: 96 * 1024 * 1024, counts: services.metrics.cacheCounts('pages') });
  // Every distinct query is a new entry; a separate small cache keeps popular searches fast
  // without letting random queries push story pages out.
  const searches = new PageCache({ maxEntries: 200, maxBytes: 8 * 1024 * 1024, counts: services.metrics.cacheCounts('search') });

  /**
   * A GET handler answered from `cache` under `keyOf(request)`, rendering on a miss. A hit stays
   * synchronous (no promise, no await): this is the path every cached page view takes.
   */
  function cached(cache: PageCache, keyOf: (request: Req) => string, render: (request: Req) => Promise<Rendered> | Rendered) {
    return (request: Req, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
      const generation = services.changes.current();
      const key = keyOf(request);
      const hit = cache.get(key, generation);
      if (hit) return sendPage(request, reply, hit);
      return cache.getOrRender(key, generation, async () => render(request)).then((page) => sendPage(request, reply, page));
    };
  }

  const html = (body: string, status = 200): Rendered => ({ type: HTML, body, status });
  const page = (request: Req) => parsePage(request.query);
  const slug = (request: Req) => request.params.slug ?? '';

  // ---- pages ----------------------------------------------------------------------------------
  app.get('/', cached(pages, (r) => pagePath('/', page(r)), async (r) => html(await renderHome(services, page(r)))));
  app.get('/desk/:slug', cached(pages, (r) => pagePath(`/desk/${slug(r)}`, page(r)), async (r) => html(await renderDesk(services, slug(r), page(r)))));
  app.get('/author/:slug', cached(pages, (r) => pagePath(`/author/${slug(r)}`, page(r)), async (r) => html(await renderAuthor(services, slug(r), page(r)))));
  app.get('/tag/:slug', cached(pages, (r) => pagePath(`/tag/${slug(r)}`, page(r)), async (r) => html(await renderTag(services, slug(r), page(r)))));
  app.get(
    '/stories/:slug',
    cached(pages, (r) => `/stories/${slug(r)}`, async (r) => {
      const story = await renderStory(services, slug(r));
      return html(story.html, story.status);
    }),
  );
  app.get(
    '/search',
    cached(
      searches,
      (r) => searchPath(normaliseQuery(queryValue(r.query, 'q')), page(r)),
      async (r) => html(await renderSearch(services, normaliseQuery(queryValue(r.query, 'q')), page(r))),
    ),
  );

  // ---- feeds ----------------------------------------------------------------------------------
  const FEEDS: Array<[string, FeedFormat]> = [
    ['feed.xml', 'rss'],
    ['atom.xml', 'atom'],
    ['feed.json', 'json'],
  ];
  for (const [file, format] of FEEDS) {
    const feed = (keyOf: (r: Req) => string, scope: (r: Req) => FeedScope) => cached(pages, keyOf, (r) => renderFeed(services, scope(r), format));
    app.get(`/${file}`, feed(() => `/${file}`, () => ({ kind: 'site' })));
    app.get(`/desk/:slug/${file}`, feed((r) => `/desk/${slug(r)}/${file}`, (r) => ({ kind: 'desk', slug: slug(r) })));
    app.get(`/author/:slug/${file}`, feed((r) => `/author/${slug(r)}/${file}`, (r) => ({ kind: 'author', slug: slug(r) })));
  }

  // ---- crawlers -------------------------------------------------------------------------------
  app.get('/sitemap.xml', cached(pages, () => '/sitemap.xml', () => renderSitemap(services, perSitemap)));
  // Unknown names share one key, so made-up file names cannot fill the cache.
  const sitemapChild = (r: Req) => parseSitemapChild(r.params.file ?? '');
  app.get(
    '/sitemaps/:file',
    cached(
      pages,
      (r) => {
        const child = sitemapChild(r);
        return child ? `/sitemaps/${child.kind === 'pages' ? 'pages' : `stories-${child.n}`}.xml` : '/sitemaps/?';
      },
      (r) => renderSitemapChild(services, sitemapChild(r), perSitemap),
    ),
  );
  app.get('/news-sitemap.xml', cached(pages, () => '/news-sitemap.xml', () => renderNewsSitemap(services)));
  app.get('/robots.txt', cached(pages, () => '/robots.txt', () => renderRobots(services)));

  // ---- files ----------------------------------------------------------------------------------
  app.get('/media/:id', mediaHandler(services));
}
