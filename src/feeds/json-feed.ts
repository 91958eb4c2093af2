import type { FeedAuthor, FeedChannel, FeedItem } from './types.js';
import { cleanText, rfc3339 } from './text.js';

interface JsonFeedAuthor {
  name: string;
  url?: string;
}

function author(a: FeedAuthor): JsonFeedAuthor {
  const out: JsonFeedAuthor = { name: cleanText(a.name) };
  if (a.url) out.url = cleanText(a.url);
  return out;
}

function item(it: FeedItem): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: cleanText(it.id),
    url: cleanText(it.url),
    title: cleanText(it.title),
    summary: cleanText(it.summary),
    content_html: cleanText(it.contentHtml),
    date_published: rfc3339(it.publishedAt),
    date_modified: rfc3339(it.updatedAt),
  };
  const authors = it.authors.filter((a) => cleanText(a.name).trim()).map(author);
  // Empty arrays are valid but readers treat "present and empty" differently from absent.
  if (authors.length) out.authors = authors;
  const tags = it.categories.map(cleanText).filter((t) => t.trim());
  if (tags.length) out.tags = tags;
  if (it.image) out.image = cleanText(it.image.url);
  return out;
}

/**
 * JSON Feed 1.1. Text is cleaned the same way as the XML formats so one story reads
 * identically in every format, and readers that re-serialise to XML do not choke.
 */
export function buildJsonFeed(channel: FeedChannel): string {
  const feed: Record<string, unknown> = {
    version: 'https://jsonfeed.org/version/1.1',
    title: cleanText(channel.title),
    home_page_url: cleanText(channel.homeUrl),
    feed_url: cleanText(channel.jsonUrl),
    description: cleanText(channel.description),
  };
  if (channel.language) feed.language = cleanText(channel.language);
  // JSON Feed 1.1 names real-time endpoints in `hubs`; WebSub is the type it documents.
  if (channel.hubUrl) feed.hubs = [{ type: 'WebSub', url: cleanText(channel.hubUrl) }];
  // JSON Feed icons must be square; logoUrl is the wide RSS/Atom logo, so only the
  // (square) iconUrl is used, for both the large icon and the favicon.
  if (channel.iconUrl) {
    feed.icon = cleanText(channel.iconUrl);
    feed.favicon = cleanText(channel.iconUrl);
  }
  // Matches the Atom feed-level author: the publication stands in for unbylined items.
  feed.authors = [author({ name: channel.title, url: channel.homeUrl })];
  feed.items = channel.items.map(item);
  return JSON.stringify(feed, null, 2);
}
