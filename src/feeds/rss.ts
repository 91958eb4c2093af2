import { lazyRequire } from '../util/lazy-require.js';

const xmlbuilder2 = lazyRequire<typeof import('xmlbuilder2')>('xmlbuilder2');
import type { FeedChannel, FeedItem } from './types.js';
import { cleanText, escapeHtml, rfc822, xmlText } from './text.js';

const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  creativeCommons: 'http://backend.userland.com/creativeCommonsRssModule',
} as const;

type XmlNode = ReturnType<typeof import('xmlbuilder2').create>;

function textEl(parent: XmlNode, name: string, value: string): void {
  parent.ele(name).txt(xmlText(value));
}

/** Enclosure length must be a non-negative integer; 0 is the RSS convention for "unknown". */
function enclosureLength(length: number): string {
  return Number.isFinite(length) && length > 0 ? String(Math.trunc(length)) : '0';
}

function addItem(channel: XmlNode, item: FeedItem): void {
  const el = channel.ele('item');
  textEl(el, 'title', item.title);
  textEl(el, 'link', item.url);
  // RSS readers render <description> as HTML, and our summary is plain text: escape it
  // once here so text like "<script>" is shown rather than interpreted.
  textEl(el, 'description', escapeHtml(cleanText(item.summary)));
  textEl(el, 'content:encoded', item.contentHtml);
  // Story ids are URNs, not fetchable URLs, so readers must not treat them as permalinks.
  el.ele('guid', { isPermaLink: 'false' }).txt(xmlText(item.id));
  textEl(el, 'pubDate', rfc822(item.publishedAt));
  // <author> in RSS must be an e-mail address, which we do not publish; dc:creator takes a name.
  for (const author of item.authors) {
    if (cleanText(author.name).trim()) textEl(el, 'dc:creator', author.name);
  }
  for (const category of item.categories) {
    if (cleanText(category).trim()) textEl(el, 'category', category);
  }
  if (item.image) {
    el.ele('enclosure', {
      url: xmlText(item.image.url),
      length: enclosureLength(item.image.length),
      type: xmlText(item.image.type),
    });
  }
}

export function buildRss(channel: FeedChannel): string {
  const doc = xmlbuilder2().create({ version: '1.0', encoding: 'UTF-8' });
  const rss = doc.ele('rss', {
    version: '2.0',
    'xmlns:atom': NS.atom,
    'xmlns:content': NS.content,
    'xmlns:dc': NS.dc,
    'xmlns:creativeCommons': NS.creativeCommons,
  });
  const ch = rss.ele('channel');
  textEl(ch, 'title', channel.title);
  textEl(ch, 'link', channel.homeUrl);
  textEl(ch, 'description', channel.description);
  if (channel.language) textEl(ch, 'language', channel.language);
  if (channel.rights) textEl(ch, 'copyright', channel.rights);
  textEl(ch, 'lastBuildDate', rfc822(channel.updatedAt));
  textEl(ch, 'generator', 'Freewire');
  // RSS has no self link of its own; the Atom one lets readers and WebSub hubs find the canonical feed URL.
  ch.ele('atom:link', {
    href: xmlText(channel.rssUrl),
    rel: 'self',
    type: 'application/rss+xml',
  });
  // WebSub discovery inside RSS is the Atom link as well (WebSub §4).
  if (channel.hubUrl) ch.ele('atom:link', { href: xmlText(channel.hubUrl), rel: 'hub' });
  if (channel.logoUrl) {
    // The spec requires image title/link and says they should match the channel's.
    const image = ch.ele('image');
    textEl(image, 'url', channel.logoUrl);
    textEl(image, 'title', channel.title);
    textEl(image, 'link', channel.homeUrl);
  }
  if (channel.licenseUrl) textEl(ch, 'creativeCommons:license', channel.licenseUrl);
  for (const item of channel.items) addItem(ch, item);
  // wellFormed makes the serializer throw rather than emit a document no reader can parse,
  // should anything ever slip past xmlText.
  return doc.end({ prettyPrint: true, wellFormed: true });
}
