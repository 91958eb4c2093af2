import { create } from 'xmlbuilder2';
import type { FeedAuthor, FeedChannel, FeedItem } from './types.js';
import { cleanText, rfc3339 } from './text.js';

const ATOM_NS = 'http://www.w3.org/2005/Atom';

type XmlNode = ReturnType<typeof create>;

function textEl(parent: XmlNode, name: string, value: string, attrs?: Record<string, string>): void {
  parent.ele(name, attrs).txt(cleanText(value));
}

function link(parent: XmlNode, rel: string, href: string, type?: string, extra?: Record<string, string>): void {
  const attrs: Record<string, string> = { rel, href: cleanText(href) };
  if (type) attrs.type = type;
  parent.ele('link', { ...attrs, ...extra });
}

function person(parent: XmlNode, author: FeedAuthor): void {
  const el = parent.ele('author');
  textEl(el, 'name', author.name);
  if (author.url) textEl(el, 'uri', author.url);
}

function addEntry(feed: XmlNode, item: FeedItem): void {
  const entry = feed.ele('entry');
  textEl(entry, 'id', item.id);
  textEl(entry, 'title', item.title);
  textEl(entry, 'updated', rfc3339(item.updatedAt));
  textEl(entry, 'published', rfc3339(item.publishedAt));
  link(entry, 'alternate', item.url, 'text/html');
  if (item.image) {
    const length = Number.isFinite(item.image.length) && item.image.length > 0 ? String(Math.trunc(item.image.length)) : undefined;
    link(entry, 'enclosure', item.image.url, cleanText(item.image.type) || undefined, length ? { length } : undefined);
  }
  for (const author of item.authors) {
    if (cleanText(author.name).trim()) person(entry, author);
  }
  for (const category of item.categories) {
    const term = cleanText(category);
    if (term.trim()) entry.ele('category', { term });
  }
  textEl(entry, 'summary', item.summary, { type: 'text' });
  textEl(entry, 'content', item.contentHtml, { type: 'html' });
}

export function buildAtom(channel: FeedChannel): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const feed = doc.ele(ATOM_NS, 'feed', channel.language ? { 'xml:lang': cleanText(channel.language) } : undefined);
  textEl(feed, 'id', channel.id);
  textEl(feed, 'title', channel.title);
  if (channel.description) textEl(feed, 'subtitle', channel.description);
  textEl(feed, 'updated', rfc3339(channel.updatedAt));
  link(feed, 'self', channel.atomUrl, 'application/atom+xml');
  link(feed, 'alternate', channel.homeUrl, 'text/html');
  // The same feed in other formats; RFC 4287 allows several alternates as long as their types differ.
  link(feed, 'alternate', channel.rssUrl, 'application/rss+xml');
  link(feed, 'alternate', channel.jsonUrl, 'application/feed+json');
  if (channel.licenseUrl) link(feed, 'license', channel.licenseUrl); // RFC 4946
  // RFC 4287 §4.1.1 requires a feed-level author unless every entry has one; wire stories
  // can be unbylined, so the publication itself stands in as the author.
  person(feed, { name: channel.title, url: channel.homeUrl });
  textEl(feed, 'generator', 'Freewire');
  if (channel.iconUrl) textEl(feed, 'icon', channel.iconUrl);
  if (channel.logoUrl) textEl(feed, 'logo', channel.logoUrl);
  if (channel.rights) textEl(feed, 'rights', channel.rights, { type: 'text' });
  for (const item of channel.items) addEntry(feed, item);
  return doc.end({ prettyPrint: true });
}
