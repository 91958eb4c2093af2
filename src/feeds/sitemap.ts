import { lazyRequire } from '../util/lazy-require.js';
import type { NewsSitemapEntry, SitemapEntry } from './types.js';
import { cleanText, rfc3339, xmlText } from './text.js';

const xmlbuilder2 = lazyRequire<typeof import('xmlbuilder2')>('xmlbuilder2');

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';

/** Google News rejects a news sitemap with more than 1000 <news:news> entries. */
export const NEWS_SITEMAP_MAX_ENTRIES = 1000;

/** Text content for XML built by hand: the same escaping xmlbuilder2 applies to xmlText. */
function xmlContent(value: string): string {
  return xmlText(value).replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** URL characters that need no escaping in XML text (no `&`, `<`, `>`, control or non-ASCII characters). */
const PLAIN_URL = /^[A-Za-z0-9\-._~:/?#[\]@!$'()*+,;=%]*$/;
/** A UTC time as toISOString() writes it: RFC 3339 already once the fraction is cut. */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/;

function locText(url: string): string {
  return PLAIN_URL.test(url) ? url : xmlContent(url);
}

function lastmodText(iso: string): string {
  if (!ISO_UTC.test(iso)) return xmlContent(rfc3339(iso));
  const dot = iso.indexOf('.');
  return dot < 0 ? iso : `${iso.slice(0, dot)}Z`;
}

/**
 * sitemaps.org 0.9 `<urlset>` with `loc` and `lastmod`. Built as a string rather than a document
 * tree: a file may hold tens of thousands of URLs, and the tree took seconds to build for 50,000.
 * Story URLs and stored times almost never need escaping or reformatting, so two anchored tests
 * spare each entry the escaping and date parsing (a tenth of a file's render at 50,000).
 */
export function buildSitemap(entries: SitemapEntry[]): string {
  if (entries.length === 0) return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="${SITEMAP_NS}"/>`;
  const parts = [`<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="${SITEMAP_NS}">`];
  for (const entry of entries) {
    parts.push(`  <url>\n    <loc>${locText(entry.url)}</loc>\n    <lastmod>${lastmodText(entry.lastModified)}</lastmod>\n  </url>`);
  }
  parts.push('</urlset>');
  return parts.join('\n');
}

/**
 * URLs per sitemap file, past which sitemap.xml becomes an index of files of at most this many.
 * sitemaps.org allows 50,000 a file; 10,000 keeps a file's uncached render (read, then built as
 * text) to a fifth of that, tens of milliseconds at any archive size, at the price of more files
 * in the index (ten at 100,000 stories; crawlers read them all the same).
 */
export const SITEMAP_MAX_URLS = 10_000;

/** sitemaps.org 0.9 `<sitemapindex>`: the child sitemaps, with `lastmod` when known. */
export function buildSitemapIndex(children: Array<{ url: string; lastModified?: string }>): string {
  const doc = xmlbuilder2().create({ version: '1.0', encoding: 'UTF-8' });
  const index = doc.ele(SITEMAP_NS, 'sitemapindex');
  for (const child of children) {
    const sitemap = index.ele('sitemap');
    sitemap.ele('loc').txt(xmlText(child.url));
    if (child.lastModified) sitemap.ele('lastmod').txt(xmlText(rfc3339(child.lastModified)));
  }
  return doc.end({ prettyPrint: true, wellFormed: true });
}

/**
 * Google News wants an ISO 639 code, not a BCP 47 tag ("en", not "en-US"), except that
 * Chinese must say which script: zh-cn (Simplified) or zh-tw (Traditional).
 */
function newsLanguage(tag: string): string {
  const lower = cleanText(tag).trim().toLowerCase().replace(/_/g, '-');
  if (lower === 'zh' || lower.startsWith('zh-')) {
    return /^zh-(tw|hk|mo|hant)\b/.test(lower) ? 'zh-tw' : 'zh-cn';
  }
  return lower.split('-')[0] ?? lower;
}

/**
 * Google News sitemap. The caller picks the stories from the last two days; this keeps
 * the newest {@link NEWS_SITEMAP_MAX_ENTRIES} whatever order they arrive in, since those
 * are the ones Google News still wants to discover.
 */
export function buildNewsSitemap(
  entries: NewsSitemapEntry[],
  publication: { name: string; language: string },
): string {
  const newest = entries
    .map((entry) => ({ entry, published: rfc3339(entry.publishedAt) }))
    // RFC 3339 UTC strings of equal shape sort chronologically as plain strings.
    .sort((a, b) => (a.published < b.published ? 1 : a.published > b.published ? -1 : 0))
    .slice(0, NEWS_SITEMAP_MAX_ENTRIES);

  const name = xmlText(publication.name);
  const language = newsLanguage(publication.language);
  const doc = xmlbuilder2().create({ version: '1.0', encoding: 'UTF-8' });
  const urlset = doc.ele(SITEMAP_NS, 'urlset', { 'xmlns:news': NEWS_NS });
  for (const { entry, published } of newest) {
    const url = urlset.ele('url');
    url.ele('loc').txt(xmlText(entry.url));
    const news = url.ele(NEWS_NS, 'news:news');
    const pub = news.ele(NEWS_NS, 'news:publication');
    pub.ele(NEWS_NS, 'news:name').txt(name);
    pub.ele(NEWS_NS, 'news:language').txt(xmlText(language));
    news.ele(NEWS_NS, 'news:publication_date').txt(xmlText(published));
    news.ele(NEWS_NS, 'news:title').txt(xmlText(entry.title));
  }
  return doc.end({ prettyPrint: true, wellFormed: true });
}

/** robots.txt that lets crawlers in everywhere public and points them at both sitemaps. */
export function buildRobotsTxt(publicUrl: string): string {
  // Parsing rejects garbage and drops embedded tabs/newlines, so a bad config value
  // cannot inject extra robots.txt directives.
  const base = new URL(publicUrl).href.replace(/(?<!\/)\/+$/, '');
  return [
    'User-agent: *',
    'Allow: /',
    // The newsroom and admin API sit behind login; listing them keeps crawlers from
    // wasting requests on redirects and login pages.
    'Disallow: /newsroom',
    'Disallow: /api/admin',
    '',
    `Sitemap: ${base}/sitemap.xml`,
    `Sitemap: ${base}/news-sitemap.xml`,
    '',
  ].join('\n');
}
