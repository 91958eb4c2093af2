/**
 * The stories a partner sees in the portal: the live stories (through PublicStories) that the
 * partner may use now under each story's license profile, optionally narrowed to a desk, a
 * search, or what the partner follows. Stories a free partner will get later (a delayed free
 * release) are listed apart with their release time; stories the partner may never use
 * (licensees only, not for syndication) are not listed at all.
 *
 * Access is decided per story, so the list is built by walking the newest stories in batches and
 * keeping the usable ones. The walk is bounded (MAX_SCAN): a partner browsing the portal wants
 * recent work; the content API and feeds serve the full history by cursor.
 */
import type { Partner } from '../partners/partners.service.js';
import type { Services } from '../services.js';
import type { PublicStorySummary } from '../stories/public.js';
import { slugify } from '../util/slug.js';
import { storyAccess, type StoryAccess } from '../syndication/access.js';
import type { PartnerFollow } from './accounts.service.js';

export const PAGE_SIZE = 20;
const BATCH = 100;
const MAX_SCAN = 2000;
const MAX_UPCOMING = 10;
/** Hits per saved search when matching "only what I follow". */
const SEARCH_FOLLOW_HITS = 500;

export interface CatalogEntry {
  story: PublicStorySummary;
  access: StoryAccess;
  /** Whether it matches one of the partner's follows (computed only when follows are given). */
  followed: boolean;
}

export interface CatalogQuery {
  page: number;
  deskSlug?: string | undefined;
  q?: string | undefined;
  /** Narrow to what these follows match. */
  following?: PartnerFollow[] | undefined;
}

export interface CatalogPage {
  items: CatalogEntry[];
  hasMore: boolean;
  /** Delayed stories this partner gets later, soonest first (page 1 only). */
  upcoming: CatalogEntry[];
  /** True when the walk stopped at MAX_SCAN before finding a full page. */
  truncated: boolean;
}

/** A predicate over story summaries for the partner's follows (desks by id, tags by name, searches by hits). */
export async function followMatcher(services: Services, follows: PartnerFollow[]): Promise<(s: PublicStorySummary) => boolean> {
  const desks = await services.desks.list();
  const deskSlugs = new Set(follows.filter((f) => f.kind === 'desk').map((f) => desks.find((d) => d.id === f.value)?.slug).filter((s): s is string => !!s));
  const tagKeys = new Set(follows.filter((f) => f.kind === 'tag').flatMap((f) => [f.value.toLowerCase(), slugify(f.value)]));
  const searchHits = new Set<string>();
  for (const f of follows.filter((x) => x.kind === 'search')) {
    const hits = await services.search.search(f.value, SEARCH_FOLLOW_HITS, 0);
    for (const id of hits.storyIds) searchHits.add(id);
  }
  return (s) =>
    deskSlugs.has(s.desk.slug) || s.tags.some((t) => tagKeys.has(t.slug) || tagKeys.has(t.name.toLowerCase())) || searchHits.has(s.id);
}

export async function partnerCatalog(services: Services, partner: Partner, query: CatalogQuery, now: Date = services.partnerAccess.now()): Promise<CatalogPage> {
  const desk = query.deskSlug ? await services.desks.getBySlug(query.deskSlug) : undefined;
  if (query.deskSlug && !desk) return { items: [], hasMore: false, upcoming: [], truncated: false };
  const matches = query.following ? await followMatcher(services, query.following) : undefined;
  const q = query.q?.trim() ?? '';
  const grants = await services.partnerAccess.grants(partner);

  const skip = (query.page - 1) * PAGE_SIZE;
  const items: CatalogEntry[] = [];
  const upcoming: CatalogEntry[] = [];
  let seenAvailable = 0;
  let scanned = 0;
  let hasMore = false;
  let truncated = false;

  for (let offset = 0; ; offset += BATCH) {
    if (scanned >= MAX_SCAN) {
      truncated = true;
      break;
    }
    let batch: PublicStorySummary[];
    let exhausted: boolean;
    if (q !== '') {
      const r = await services.publicStories.searchStories(q, BATCH, offset);
      // Search ranks by relevance and ignores the desk; the desk narrows afterwards.
      batch = desk ? r.items.filter((s) => s.desk.slug === desk.slug) : r.items;
      exhausted = offset + BATCH >= r.total;
    } else {
      const r = await services.publicStories.latest(BATCH, offset, desk ? { deskId: desk.id } : {});
      batch = r.items;
      exhausted = offset + BATCH >= r.total;
    }
    scanned += BATCH;
    const access = await storyAccess({ db: services.database.db, licenseProfiles: services.licenseProfiles }, grants, batch, now);
    for (const story of batch) {
      const a = access.get(story.id);
      if (!a) continue;
      if (matches && !matches(story)) continue;
      const entry: CatalogEntry = { story, access: a, followed: !!matches };
      if (a.allowed) {
        if (seenAvailable >= skip && items.length < PAGE_SIZE) items.push(entry);
        else if (items.length >= PAGE_SIZE) hasMore = true;
        seenAvailable++;
      } else if (a.availableFrom && query.page === 1 && upcoming.length < MAX_UPCOMING) {
        upcoming.push(entry);
      }
    }
    if (hasMore || exhausted) break;
  }
  upcoming.sort((a, b) => (a.access.availableFrom ?? '').localeCompare(b.access.availableFrom ?? ''));
  return { items, hasMore, upcoming, truncated: truncated && !hasMore };
}
