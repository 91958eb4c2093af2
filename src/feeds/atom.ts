import { lazyRequire } from '../util/lazy-require.js';

const xmlbuilder2 = lazyRequire<typeof import('xmlbuilder2')>('xmlbuilder2');
import type { FeedAuthor, FeedChannel, FeedItem } from './types.js';
import { cleanText, rfc3339, xmlText } from './text.js';

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

type XmlNode = ReturnType<typeof import('xmlbuilder2').create>;

function textEl(parent: XmlNode, name: string, value: string, attrs?: Record<string, string>): void {
  parent.ele(name, attrs).txt(xmlText(value));
}

function link(parent: XmlNode, attrs: { rel: string; href: string; type?: string; length?: string }): void {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (value) out[key] = xmlText(value);
  }
  parent.ele('link', out);
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
  link(entry, { rel: 'alternate', href: item.url, type: 'text/html' });
  if (item.image) {
    const { url, type, length } = item.image;
    link(entry, {
      rel: 'enclosure',
      href: url,
      type,
      // length is advisory in Atom; omit it rather than publish a bogus value.
      length: Number.isFinite(length) && length > 0 ? String(Math.trunc(length)) : undefined,
    });
  }
  for (const author of item.authors) {
    if (cleanText(author.name).trim()) person(entry, author);
  }
  for (const category of item.categories) {
    if (cleanText(category).trim()) entry.ele('category', { term: xmlText(category) });
  }
  textEl(entry, 'summary', item.summary, { type: 'text' });
  textEl(entry, 'content', item.contentHtml, { type: 'html' });
}

export function buildAtom(channel: FeedChannel): string {
  const doc = xmlbuilder2().create({ version: '1.0', encoding: 'UTF-8' });
  const feed = doc.ele(ATOM_NS, 'feed');
  // Namespaced explicitly: the serializer's well-formedness check rejects a bare "xml:lang" name.
  if (channel.language) feed.att(XML_NS, 'xml:lang', xmlText(channel.language));
  textEl(feed, 'id', channel.id);
  textEl(feed, 'title', channel.title);
  if (channel.description) textEl(feed, 'subtitle', channel.description);
  textEl(feed, 'updated', rfc3339(channel.updatedAt));
  link(feed, { rel: 'self', href: channel.atomUrl, type: 'application/atom+xml' });
  // WebSub discovery: the hub and the self link together name where and what to subscribe to.
  if (channel.hubUrl) link(feed, { rel: 'hub', href: channel.hubUrl });
  link(feed, { rel: 'alternate', href: channel.homeUrl, type: 'text/html' });
  // The same feed in other formats; RFC 4287 allows several alternates as long as their types differ.
  link(feed, { rel: 'alternate', href: channel.rssUrl, type: 'application/rss+xml' });
  link(feed, { rel: 'alternate', href: channel.jsonUrl, type: 'application/feed+json' });
  if (channel.licenseUrl) link(feed, { rel: 'license', href: channel.licenseUrl }); // RFC 4946
  // RFC 4287 §4.1.1 requires a feed-level author unless every entry has one; wire stories
  // can be unbylined, so the publication itself stands in as the author.
  person(feed, { name: channel.title, url: channel.homeUrl });
  textEl(feed, 'generator', 'Freewire');
  if (channel.iconUrl) textEl(feed, 'icon', channel.iconUrl);
  if (channel.logoUrl) textEl(feed, 'logo', channel.logoUrl);
  if (channel.rights) textEl(feed, 'rights', channel.rights, { type: 'text' });
  for (const item of channel.items) addEntry(feed, item);
  // wellFormed makes the serializer throw rather than emit a document no reader can parse,
  // should anything ever slip past xmlText.
  return doc.end({ prettyPrint: true, wellFormed: true });
}
