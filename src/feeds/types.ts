/**
 * Plain data the feed builders take. Feed builders are pure functions: no database, no HTTP.
 * All URLs are absolute; all times are ISO-8601 UTC strings.
 */
export interface FeedAuthor {
  name: string;
  url: string;
  title?: string;
}

export interface FeedItem {
  /** Stable identifier, never reused (e.g. `urn:uuid:<story id>` or the canonical URL). */
  id: string;
  url: string;
  title: string;
  summary: string;
  /** Sanitised HTML of the body. */
  contentHtml: string;
  publishedAt: string;
  updatedAt: string;
  authors: FeedAuthor[];
  /** Desk name, then tags. */
  categories: string[];
  image?: { url: string; type: string; length: number; alt: string };
}

export interface FeedChannel {
  title: string;
  description: string;
  /** The HTML page this feed mirrors (site home, desk page, author page). */
  homeUrl: string;
  /** Absolute URLs of this feed in each format, for self links and cross-links. */
  rssUrl: string;
  atomUrl: string;
  jsonUrl: string;
  /** The WebSub hub that pushes this feed to subscribers (rel="hub"), when there is one. */
  hubUrl?: string;
  language: string;
  /** Stable feed id for Atom (e.g. the home URL). */
  id: string;
  /** Newest updatedAt among items, or the site's last change. */
  updatedAt: string;
  logoUrl?: string;
  iconUrl?: string;
  rights?: string;
  /** Creative Commons or other license URL, when the newsroom uses one. */
  licenseUrl?: string;
  items: FeedItem[];
}

export interface SitemapEntry {
  url: string;
  lastModified: string;
}

export interface NewsSitemapEntry {
  url: string;
  title: string;
  publishedAt: string;
}
