/**
 * The topics this hub serves: every public feed (site, desk, author; RSS, Atom, JSON Feed) and
 * every partner feed (its token URL). A topic is always the feed's canonical URL exactly as the
 * feed names itself (rel="self"), so what a subscriber discovered is what it subscribes to.
 *
 * The hub never fetches its own feeds over HTTP: it renders them with the same functions that
 * answer the feed URLs, at send time, so a notification carries every change made until then.
 */
import type { Services } from '../services.js';
import type { Partner } from '../partners/partners.service.js';
import { isAppError } from '../errors.js';
import { FEED_CONTENT_TYPES, renderFeed, type FeedFormat, type FeedScope } from '../site/feeds.js';
import { partnerFeedUrl, renderPartnerFeed } from '../syndication/partner-feeds.routes.js';
import { feedPaths } from '../views/site-layout.js';
import { isSlug } from '../util/slug.js';

export type TopicRef =
  | { kind: 'public'; scope: FeedScope; format: FeedFormat }
  | { kind: 'partner'; token: string; format: FeedFormat };

const PUBLIC_FILES = new Map<string, FeedFormat>([['feed.xml', 'rss'], ['atom.xml', 'atom'], ['feed.json', 'json']]);
const PARTNER_FILES = new Map<string, FeedFormat>([['rss.xml', 'rss'], ['atom.xml', 'atom'], ['feed.json', 'json']]);
const TOKEN = /^[A-Za-z0-9_-]{10,200}$/;

function basePath(publicUrl: string): string {
  // config.publicUrl never ends with a slash.
  return publicUrl;
}

/**
 * What a topic URL names, or undefined when it is none of our feed URLs. Only the exact
 * canonical form counts (no query, no fragment, no other host): anything else is not a topic
 * this hub publishes.
 */
export function parseTopic(publicUrl: string, topic: string): TopicRef | undefined {
  const base = basePath(publicUrl);
  if (topic.length > 1000 || !topic.startsWith(`${base}/`)) return undefined;
  const parts = topic.slice(base.length + 1).split('/');
  if (parts.length === 1) {
    const format = PUBLIC_FILES.get(parts[0]!);
    return format ? { kind: 'public', scope: { kind: 'site' }, format } : undefined;
  }
  if (parts.length === 3 && (parts[0] === 'desk' || parts[0] === 'author')) {
    const format = PUBLIC_FILES.get(parts[2]!);
    if (!format || !isSlug(parts[1]!)) return undefined;
    return { kind: 'public', scope: { kind: parts[0], slug: parts[1]! }, format };
  }
  if (parts.length === 4 && parts[0] === 'partners' && parts[1] === 'feed') {
    const format = PARTNER_FILES.get(parts[3]!);
    if (!format || !TOKEN.test(parts[2]!)) return undefined;
    return { kind: 'partner', token: parts[2]!, format };
  }
  return undefined;
}

/** The three public topics of a feed base ('' for the site, `/desk/{slug}`, `/author/{slug}`). */
export function publicTopics(publicUrl: string, base: string): string[] {
  const p = feedPaths(base);
  const root = basePath(publicUrl);
  return [`${root}${p.rss}`, `${root}${p.atom}`, `${root}${p.json}`];
}

/** The topic URL a reference stands for (the inverse of parseTopic). */
export function topicUrl(publicUrl: string, ref: TopicRef): string {
  if (ref.kind === 'partner') return partnerFeedUrl(basePath(publicUrl), ref.token, ref.format);
  const base = ref.scope.kind === 'site' ? '' : `/${ref.scope.kind}/${ref.scope.slug}`;
  const all = publicTopics(publicUrl, base);
  return ref.format === 'rss' ? all[0]! : ref.format === 'atom' ? all[1]! : all[2]!;
}

/** Why a partner may not have its feed (suspended, not approved), or undefined when it may. */
function partnerRefusal(partner: Partner | undefined): string | undefined {
  if (!partner) return 'This partner feed address is not valid (feed addresses change when they are renewed in the partner portal).';
  if (partner.status !== 'approved') return 'This partner feed is paused: the partner account is not approved.';
  return undefined;
}

export type TopicCheck = { ok: true; partnerId: string | null } | { ok: false; reason: string };

/** Whether the topic is a feed this hub publishes now (the desk, author or partner exists). */
export async function checkTopic(services: Services, topic: string): Promise<TopicCheck> {
  const ref = parseTopic(services.config.publicUrl, topic);
  if (!ref) return { ok: false, reason: 'The topic must be the address of one of this site\'s feeds (RSS, Atom or JSON Feed of the site, a desk, an author, or a partner feed), exactly as the feed names itself in rel="self".' };
  if (ref.kind === 'partner') {
    const partner = await services.partners.resolveFeedToken(ref.token);
    const refusal = partnerRefusal(partner);
    return refusal ? { ok: false, reason: refusal } : { ok: true, partnerId: partner!.id };
  }
  if (ref.scope.kind === 'desk' && !(await services.desks.getBySlug(ref.scope.slug))) return { ok: false, reason: 'There is no desk with this feed address.' };
  if (ref.scope.kind === 'author' && !(await services.authors.getBySlug(ref.scope.slug))) return { ok: false, reason: 'There is no author with this feed address.' };
  return { ok: true, partnerId: null };
}

/**
 * `gone`: the feed no longer exists (a renewed partner token, a deleted desk or author) and the
 * subscription ends; otherwise the feed is paused (a suspended partner) and this send is skipped.
 */
export type RenderedTopic = { ok: true; contentType: string; body: string } | { ok: false; gone: boolean; reason: string };

/** The topic's current content, as its URL would answer it now; `ok: false` when the feed is gone. */
export async function renderTopic(services: Services, topic: string): Promise<RenderedTopic> {
  const ref = parseTopic(services.config.publicUrl, topic);
  if (!ref) return { ok: false, gone: true, reason: 'The topic is no longer one of this site\'s feeds.' };
  if (ref.kind === 'partner') {
    const partner = await services.partners.resolveFeedToken(ref.token);
    const refusal = partnerRefusal(partner);
    if (refusal) return { ok: false, gone: !partner, reason: refusal };
    return { ok: true, contentType: FEED_CONTENT_TYPES[ref.format], body: await renderPartnerFeed(services, partner!, ref.token, ref.format) };
  }
  try {
    const r = await renderFeed(services, ref.scope, ref.format);
    return { ok: true, contentType: r.type, body: typeof r.body === 'string' ? r.body : r.body.toString('utf8') };
  } catch (err) {
    if (isAppError(err) && err.status === 404) return { ok: false, gone: true, reason: 'The desk or author of this feed no longer exists.' };
    throw err;
  }
}

/**
 * A topic as the newsroom may see it: a partner feed's token is a credential, so only the
 * partner's name and the format are shown.
 */
export function displayTopic(publicUrl: string, topic: string): string {
  const ref = parseTopic(publicUrl, topic);
  if (ref?.kind === 'partner') return `${basePath(publicUrl)}/partners/feed/…/${topic.slice(topic.lastIndexOf('/') + 1)}`;
  return topic;
}
