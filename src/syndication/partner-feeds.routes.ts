/**
 * Full-text feeds per partner, for a partner's CMS to import stories unattended:
 *
 *   /partners/feed/{token}/rss.xml   RSS 2.0 (content:encoded)
 *   /partners/feed/{token}/atom.xml  Atom
 *   /partners/feed/{token}/feed.json JSON Feed (the other two link to it as an alternate)
 *
 * The token is the partner's feed secret (rotated in the portal, stored only as a hash), so the
 * URL itself is the credential: answers are never cached by shared caches, never indexed, and
 * never leak the address onward through a Referer.
 *
 * Content follows the same rules as the content API (access.ts): delayed and licensees-only
 * stories only when this partner may have them; embargoed stories stay out until the embargo
 * ends (a CMS importing unattended could not be trusted to hold them); withdrawn stories drop
 * out; a licensee whose licenses are not in force gets 403 naming the license. Each item's content is the partner copy without its headline and byline (which the feed
 * carries in its own fields): lead image when allowed, body, credit line, link back, pixel.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../services.js';
import type { Partner } from '../partners/partners.service.js';
import type { FeedChannel, FeedItem } from '../feeds/types.js';
import { AppError } from '../errors.js';
import { buildRss } from '../feeds/rss.js';
import { buildAtom } from '../feeds/atom.js';
import { buildJsonFeed } from '../feeds/json-feed.js';
import { FEED_CONTENT_TYPES, selfUrlOf, type FeedFormat } from '../site/feeds.js';
import { hubUrlOf, websubLinkHeader } from '../websub/links.js';
import type { AccessGrants } from './access.js';
import { deliver } from './delivery.js';
import { recordReceipts } from '../notices/ledger.js';
import { licenseRefusal } from './content-api.routes.js';

export const PARTNER_FEED_SIZE = 30;

const FILES = new Map<string, FeedFormat>([['rss.xml', 'rss'], ['atom.xml', 'atom'], ['feed.json', 'json']]);

async function partnerForToken(services: Services, token: string): Promise<Partner> {
  const partner = /^[A-Za-z0-9_-]{10,200}$/.test(token) ? await services.partners.resolveFeedToken(token) : undefined;
  if (!partner) throw new AppError('NOT_FOUND', 'There is no feed at this address. Feed links change when they are renewed in the partner portal.');
  if (partner.status === 'suspended') throw new AppError('FORBIDDEN', 'This partner account is suspended, so its feed is paused. Contact the newsroom.');
  if (partner.status !== 'approved') throw new AppError('FORBIDDEN', 'This feed belongs to a partner account that is not approved.');
  return partner;
}

/** The partner feed's canonical URL in one format (its rel="self" and WebSub topic). */
export function partnerFeedUrl(publicUrl: string, token: string, format: FeedFormat): string {
  const base = `${publicUrl}/partners/feed/${encodeURIComponent(token)}`;
  return selfUrlOf({ rssUrl: `${base}/rss.xml`, atomUrl: `${base}/atom.xml`, jsonUrl: `${base}/feed.json` }, format);
}

/** The Link header a partner feed carries: its hub and itself. */
export function partnerFeedLink(publicUrl: string, token: string, format: FeedFormat): string {
  return websubLinkHeader(hubUrlOf(publicUrl), partnerFeedUrl(publicUrl, token, format));
}

export async function renderPartnerFeed(
  services: Services,
  partner: Partner,
  token: string,
  format: FeedFormat,
  /** Told which stories (and versions) the feed carries: the receipts ledger. */
  delivered?: (items: Array<{ storyId: string; version: string }>) => void,
  /** The partner's grants when the caller has read them already (else they are read here). */
  grants?: AccessGrants,
): Promise<string> {
  const access = services.partnerAccess;
  const now = access.now();
  const entries = await access.latestUsable(grants ?? partner, PARTNER_FEED_SIZE);
  const deliveries = await deliver(services, partner, entries, now);
  const settings = await services.settings.get();
  const { publicUrl } = services.config;
  const items: FeedItem[] = [];
  for (const d of deliveries) {
    if (!d.story || !d.copy) continue;
    const s = d.story;
    const item: FeedItem = {
      id: `urn:uuid:${s.id}`,
      url: d.copy.canonicalUrl,
      title: s.headline,
      summary: s.summary,
      contentHtml: d.copy.bodyHtml,
      publishedAt: s.publishedAt,
      // When the story last changed for this partner (an update, or a delayed release reaching it).
      updatedAt: d.entry.changedAt > s.updatedAt ? d.entry.changedAt : s.updatedAt,
      authors: s.authors.map((a) => ({ name: a.name, url: `${publicUrl}/author/${encodeURIComponent(a.slug)}`, title: a.title })),
      categories: [s.desk.name, ...s.tags.map((t) => t.name)],
    };
    const image = d.ninjs.image;
    if (image) item.image = { url: image.href, type: image.contentType, length: image.sizeInBytes ?? 0, alt: image.alt };
    items.push(item);
  }
  delivered?.(deliveries.filter((d) => d.story && d.copy).map((d) => ({ storyId: d.entry.storyId, version: d.entry.version })));
  const newest = items.reduce<string | undefined>((max, i) => (max === undefined || i.updatedAt > max ? i.updatedAt : max), undefined);
  const channel: FeedChannel = {
    title: `${settings.siteName} — stories for ${partner.outlet}`,
    description: `Full text of the stories ${settings.siteName} offers ${partner.outlet} to republish, with the credit line and link each one requires. Terms: ${publicUrl}/republish`,
    homeUrl: `${publicUrl}/`,
    rssUrl: partnerFeedUrl(publicUrl, token, 'rss'),
    atomUrl: partnerFeedUrl(publicUrl, token, 'atom'),
    jsonUrl: partnerFeedUrl(publicUrl, token, 'json'),
    hubUrl: hubUrlOf(publicUrl),
    language: settings.language,
    // The Atom id must not change when the token is renewed: it names the partner's feed.
    id: `${publicUrl}/partners/feed/partner/${encodeURIComponent(partner.id)}`,
    updatedAt: newest ?? partner.updatedAt,
    rights: `Republish only under ${settings.siteName}'s republishing terms (${publicUrl}/republish), with each story's credit line.`,
    items,
  };
  return format === 'rss' ? buildRss(channel) : format === 'atom' ? buildAtom(channel) : buildJsonFeed(channel);
}

function privateHeaders(reply: FastifyReply): void {
  reply.header('Cache-Control', 'private, no-store');
  reply.header('X-Robots-Tag', 'noindex, nofollow');
  reply.header('Referrer-Policy', 'no-referrer');
}

export async function registerPartnerFeeds(app: FastifyInstance, services: Services): Promise<void> {
  app.get<{ Params: { token: string; file: string } }>('/partners/feed/:token/:file', async (request, reply) => {
    privateHeaders(reply);
    const format = FILES.get(request.params.file);
    if (!format) throw new AppError('NOT_FOUND', 'Partner feeds are rss.xml, atom.xml and feed.json.');
    const partner = await partnerForToken(services, request.params.token);
    // A licensee with no license in force: 403 naming it, as in the content API.
    const grants = await services.partnerAccess.grants(partner);
    const refused = await licenseRefusal(services, partner, grants, services.partnerAccess.now(), false);
    if (refused) throw refused;
    let carried: Array<{ storyId: string; version: string }> = [];
    const body = await renderPartnerFeed(services, partner, request.params.token, format, (items) => (carried = items), grants);
    await recordReceipts(services.database.db, request.log, partner.id, 'feed', carried);
    reply.header('Link', partnerFeedLink(services.config.publicUrl, request.params.token, format));
    return reply.type(FEED_CONTENT_TYPES[format]).send(body);
  });
}
