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
import { PageCache, sendPage, writePage, type Rendered } from './page-cache.js';
import { FrontDoor } from '../http/front-door.js';
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
  function cached(route: string, cache: PageCache, keyOf: (request: Req) => string, render: (request: Req) => Promise<Rendered> | Rendered) {
    return (request: Req, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
      const generation = services.changes.current();
      const key = keyOf(request);
      const hit = cache.get(key, generation);
      if (hit) return sendPage(request, reply, hit);
      return cache.getOrRender(key, generation, async () => ({ ...(await render(request)), route })).then((page) => sendPage(request, reply, page));
    };
  }
  const serve = (route: string, cache: PageCache, keyOf: (request: Req) => string, render: (request: Req) => Promise<Rendered> | Rendered) =>
    app.get(route, cached(route, cache, keyOf, render));

  const html = (body: string, status = 200): Rendered => ({ type: HTML, body, status });
  const page = (request: Req) => parsePage(request.query);
  const slug = (request: Req) => request.params.slug ?? '';

  // ---- pages ----------------------------------------------------------------------------------
  serve('/', pages, (r) => pagePath('/', page(r)), async (r) => html(await renderHome(services, page(r))));
  serve('/desk/:slug', pages, (r) => pagePath(`/desk/${slug(r)}`, page(r)), async (r) => html(await renderDesk(services, slug(r), page(r))));
  serve('/author/:slug', pages, (r) => pagePath(`/author/${slug(r)}`, page(r)), async (r) => html(await renderAuthor(services, slug(r), page(r))));
  serve('/tag/:slug', pages, (r) => pagePath(`/tag/${slug(r)}`, page(r)), async (r) => html(await renderTag(services, slug(r), page(r))));
  serve('/stories/:slug', pages, (r) => `/stories/${slug(r)}`, async (r) => {
    const story = await renderStory(services, slug(r));
    return html(story.html, story.status);
  });
  serve(
    '/search',
    searches,
    (r) => searchPath(normaliseQuery(queryValue(r.query, 'q')), page(r)),
    async (r) => html(await renderSearch(services, normaliseQuery(queryValue(r.query, 'q')), page(r))),
  );

  // ---- feeds ----------------------------------------------------------------------------------
  const FEEDS: Array<[string, FeedFormat]> = [
    ['feed.xml', 'rss'],
    ['atom.xml', 'atom'],
    ['feed.json', 'json'],
  ];
  for (const [file, format] of FEEDS) {
    const feed = (route: string, keyOf: (r: Req) => string, scope: (r: Req) => FeedScope) => serve(route, pages, keyOf, (r) => renderFeed(services, scope(r), format));
    feed(`/${file}`, () => `/${file}`, () => ({ kind: 'site' }));
    feed(`/desk/:slug/${file}`, (r) => `/desk/${slug(r)}/${file}`, (r) => ({ kind: 'desk', slug: slug(r) }));
    feed(`/author/:slug/${file}`, (r) => `/author/${slug(r)}/${file}`, (r) => ({ kind: 'author', slug: slug(r) }));
  }

  // ---- crawlers -------------------------------------------------------------------------------
  serve('/sitemap.xml', pages, () => '/sitemap.xml', () => renderSitemap(services, perSitemap));
  // Unknown names share one key, so made-up file names cannot fill the cache.
  const sitemapChild = (r: Req) => parseSitemapChild(r.params.file ?? '');
  serve(
    '/sitemaps/:file',
    pages,
    (r) => {
      const child = sitemapChild(r);
      return child ? `/sitemaps/${child.kind === 'pages' ? 'pages' : `stories-${child.n}`}.xml` : '/sitemaps/?';
    },
    (r) => renderSitemapChild(services, sitemapChild(r), perSitemap),
  );
  serve('/news-sitemap.xml', pages, () => '/news-sitemap.xml', () => renderNewsSitemap(services));
  serve('/robots.txt', pages, () => '/robots.txt', () => renderRobots(services));

  // ---- the front door ------------------------------------------------------------------------
  // A request whose URL is exactly a cached page's key (no query string, no escapes, no trailing
  // slash: the form the site links to) is answered from the cache before Fastify routes it, with
  // the same headers (src/http/front-door.ts). Anything else takes the routes above, which fill
  // the cache.
  const { metrics } = services;
  const accessLog = app.accessLog;
  FrontDoor.of(app).add((req, res) => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = req.url;
    if (url === undefined || url.includes('?')) return false;
    const started = performance.now();
    const page = pages.get(url, services.changes.current());
    if (!page || page.route === undefined) return false;
    const status = writePage(req, res, page);
    const ms = performance.now() - started;
    if (metrics.enabled) metrics.observeRequest(method, page.route, status, ms);
    // The URL is a public page's cache key: nothing in it to redact.
    page.logPath ??= JSON.stringify(url);
    accessLog.writeLine(method, page.logPath, status, ms);
    return true;
  });

  // ---- files ----------------------------------------------------------------------------------
  app.get('/media/:id', mediaHandler(services));
}
