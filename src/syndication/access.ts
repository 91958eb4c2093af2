/**
 * Which stories a partner may have, in which state, and since when. The content API, the partner
 * feeds and anything else that hands stories to partners ask this module, so the rules live once:
 *
 * - a story is offered under its effective license profile (its own or the default), made
 *   stricter by the story's own syndication switch (an editor who marked a story "not for
 *   syndication" or "licensees only" is obeyed whatever the profile says);
 * - `availability()` decides the partner's kind against the profile: free partners get a delayed
 *   story only after publication + delayHours, `licensees` profiles only go to licensees,
 *   `nobody` never;
 * - a story with an embargo in the future is delivered as `withheld` (the partner may hold it
 *   but not publish it), then `usable`;
 * - a withdrawn story becomes `canceled`: a new version, never a silent disappearance — but only
 *   for partners who could have had it before it was withdrawn.
 *
 * The change list. A partner polls `GET /api/v1/stories?since=<cursor>` and must miss nothing.
 * Most changes are events (publish, update, correction, withdrawal), but two are not: a delayed
 * free release (publication + 24 h) and the end of an embargo happen by the clock alone. So each
 * story gets, per partner, a *visible change time*: the latest of its last story event, the time
 * it became available to this partner, and the end of its embargo — each only once it has
 * passed. The list is ordered by (visible change time, story id) and the cursor is the last
 * (time, id) delivered.
 *
 * Why a settle lag: an event's time is taken inside its transaction, before commit. On
 * PostgreSQL two transactions can commit out of order, so an event stamped 12:00:00.100 may
 * become visible after one stamped 12:00:00.200 was delivered — and a cursor at .200 would skip
 * it forever. The list therefore only hands out changes older than SETTLE_MS (the horizon);
 * anything newer comes in the next poll. It also absorbs small clock differences between nodes.
 *
 * Why a poll is cheap: the change time only ever takes values stored in partner_change_points
 * (change-points.ts), per partner kind. A poll reads those points after its cursor in (time, id)
 * order, a batch at a time, evaluates just those stories, and stops as soon as it holds `limit`
 * + 1 entries whose change time is at or before the last point read: every story whose change
 * time is that early has a point there, so it has been seen. A poll with nothing new reads
 * nothing; the first poll reads about `limit` stories, whatever the archive's size.
 *
 * Everything here reads the live version (its syndication switch, license profile and embargo),
 * never the working copy: an editor's unpublished change reaches partners when it goes live.
 */
import type { Kysely } from 'kysely';
import type { DB, StoryStatus, Syndication } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import type { SearchIndex } from '../search/search.js';
import type { Partner } from '../partners/partners.service.js';
import { AppError } from '../errors.js';
import { availability, LicenseProfilesService, type LicenseProfile } from '../license-profiles/license-profiles.service.js';
import { chunks } from '../util/chunks.js';
import { parseStringArray } from '../util/json.js';
import { applySyndicationSwitch, lastStoryEvents } from './rules.js';

export { applySyndicationSwitch };

export type PubStatus = 'usable' | 'withheld' | 'canceled';

/** How long a change must be old before the change list hands it out (see above). */
export const SETTLE_MS = 5_000;

/** One story as one partner may have it now. */
export interface AccessEntry {
  storyId: string;
  slug: string;
  status: Extract<StoryStatus, 'published' | 'withdrawn'>;
  pubstatus: PubStatus;
  /** ninjs version: the story's version number, new on every public change (see versionOf). */
  version: string;
  /** When this version (as the partner sees it) came to be. */
  versionCreated: string;
  /** Publication time (ninjs firstcreated). */
  publishedAt: string;
  /** Set while the story is embargoed (withheld). */
  embargoUntil: string | null;
  withdrawnAt: string | null;
  withdrawnReason: string | null;
  /** Position in this partner's change list. */
  changedAt: string;
  /** When this partner could first have it. */
  availableFrom: string;
  /** The story's effective profile, after its own syndication switch. */
  profile: LicenseProfile;
  liveVersion: number;
  deskId: string;
  /** Tag names of the live version (kept on the version, so withdrawn stories have them too). */
  tags: string[];
}

export interface ChangeCursor {
  /** ISO time of the last delivered change, '' for the start. */
  t: string;
  /** Story id of the last delivered change (ties on time are broken by id). */
  id: string;
}

export const START: ChangeCursor = { t: '', id: '' };

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const STORY_ID = /^[0-9A-Za-z-]{1,64}$/;

/** Opaque to partners: `c1.` + base64url of "time|id". The prefix lets the format change later. */
export function encodeCursor(c: ChangeCursor): string {
  return `c1.${Buffer.from(`${c.t}|${c.id}`, 'utf8').toString('base64url')}`;
}

/** Undefined for anything that is not a cursor this server issued (the route answers 400). */
export function decodeCursor(value: string): ChangeCursor | undefined {
  if (typeof value !== 'string' || value.length > 200 || !value.startsWith('c1.')) return undefined;
  const body = value.slice(3);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) return undefined;
  const [t, id, extra] = Buffer.from(body, 'base64url').toString('utf8').split('|');
  if (t === undefined || id === undefined || extra !== undefined) return undefined;
  if (t === '' && id === '') return START;
  if (!ISO_MS.test(t) || Number.isNaN(Date.parse(t)) || !STORY_ID.test(id)) return undefined;
  return { t, id };
}

function after(a: { changedAt: string; storyId: string }, c: ChangeCursor): boolean {
  return a.changedAt > c.t || (a.changedAt === c.t && a.storyId > c.id);
}

/** A story as evaluate() needs it: the stories row's state, and the live version's rights. */
export interface Row {
  id: string;
  slug: string;
  status: StoryStatus;
  published_at: string | null;
  withdrawn_at: string | null;
  withdrawn_reason: string | null;
  embargo_until: string | null;
  live_version: number | null;
  current_version: number;
  syndication: Syndication;
  version_created_at: string;
  desk_id: string;
  tags_json: string;
  last_event_at: string;
}

const maxIso = (...xs: Array<string | null | undefined>) => xs.reduce<string>((m, x) => (x && x > m ? x : m), '');

/**
 * The story as this partner may have it at `at`, or undefined when the partner may not (yet)
 * have it. `at` is the horizon for the change list, the present for single lookups.
 */
export function evaluate(row: Row, storyProfile: LicenseProfile, partner: Pick<Partner, 'kind'>, at: Date): AccessEntry | undefined {
  if (!row.published_at || row.live_version === null) return undefined;
  if (row.status !== 'published' && row.status !== 'withdrawn') return undefined;
  const profile = applySyndicationSwitch(storyProfile, row.syndication);
  const atIso = at.toISOString();
  const withdrawn = row.status === 'withdrawn';
  // A withdrawn story is news only to partners who could have had it before the withdrawal.
  const a = availability(profile, partner.kind, row.published_at, withdrawn && row.withdrawn_at ? new Date(row.withdrawn_at) : at);
  if (!a.allowed || !a.availableFrom) return undefined;
  const base = {
    storyId: row.id,
    slug: row.slug,
    status: row.status,
    publishedAt: row.published_at,
    withdrawnAt: row.withdrawn_at,
    withdrawnReason: row.withdrawn_reason,
    availableFrom: a.availableFrom,
    profile,
    liveVersion: row.live_version,
    deskId: row.desk_id,
    tags: parseStringArray(row.tags_json),
  };
  if (withdrawn) {
    const when = row.withdrawn_at ?? row.last_event_at;
    return {
      ...base,
      pubstatus: 'canceled',
      // The withdrawal itself is a version (story_versions kind 'withdraw'): current_version.
      version: String(row.current_version),
      versionCreated: when,
      embargoUntil: null,
      changedAt: maxIso(row.last_event_at, a.availableFrom <= atIso ? a.availableFrom : null),
    };
  }
  const embargo = row.embargo_until;
  if (embargo && embargo > atIso) {
    return {
      ...base,
      pubstatus: 'withheld',
      version: String(row.live_version),
      versionCreated: row.version_created_at,
      embargoUntil: embargo,
      changedAt: maxIso(row.last_event_at, a.availableFrom),
    };
  }
  // The end of an embargo changes what the partner may do with the same text, so it counts as a
  // version of its own ("3.1" after "3"): a partner's system that skips versions it already has
  // would otherwise keep the story as withheld forever. The suffix sorts between 3 and 4.
  const lifted = embargo && embargo > row.version_created_at && embargo > row.published_at ? embargo : null;
  return {
    ...base,
    pubstatus: 'usable',
    version: lifted ? `${row.live_version}.1` : String(row.live_version),
    versionCreated: lifted ?? row.version_created_at,
    embargoUntil: null,
    changedAt: maxIso(row.last_event_at, a.availableFrom, lifted),
  };
}

/**
 * These stories' rows as evaluate() reads them: their state, their last story-event time (up to
 * `horizon` when given) and the live version's rights. Stories never published are left out.
 */
export async function loadAccessRows(db: Kysely<DB>, ids: readonly string[], horizon?: string): Promise<Row[]> {
  const out: Row[] = [];
  for (const part of chunks([...new Set(ids)])) {
    const last = lastStoryEvents(db, part, horizon);
    const rows = await db
      .selectFrom('stories as s')
      .innerJoin(last.as('e'), 'e.story_id', 's.id')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .select([
        's.id', 's.slug', 's.status', 's.published_at', 's.withdrawn_at', 's.withdrawn_reason', 'v.embargo_until', 's.live_version',
        's.current_version', 'v.syndication', 'v.created_at as version_created_at', 'v.desk_id', 'v.tags_json', 'e.last_event_at',
      ])
      .where('s.id', 'in', part)
      .where('s.status', 'in', ['published', 'withdrawn'])
      .where('s.published_at', 'is not', null)
      .execute();
    out.push(...(rows as Row[]));
  }
  return out;
}

export interface ChangeFilter {
  deskId?: string | undefined;
  /** Tag name (tags are matched on the live version's names). */
  tagName?: string | undefined;
  /** Free-text search; live stories through the search index, withdrawn ones on their last text. */
  q?: string | undefined;
}

export interface ChangePage {
  entries: AccessEntry[];
  next: ChangeCursor;
  more: boolean;
}

/** Live stories matching a search are looked up through the index up to this many hits. */
const MAX_SEARCH_HITS = 5000;

const compareKeys = (a: { t: string; id: string }, b: { t: string; id: string }) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byChange = (a: AccessEntry, b: AccessEntry) => compareKeys({ t: a.changedAt, id: a.storyId }, { t: b.changedAt, id: b.storyId });

/** Change points read per scan step at most (the first step reads limit + 1). */
const MAX_SCAN_BATCH = 500;

export class PartnerAccess {
  /** The clock; tests replace it to move time (delayed releases, embargoes). */
  now: () => Date = () => new Date();
  /** Story rows read and evaluated so far: lets tests and benches see what a poll costs. */
  storyRowsRead = 0;
  private readonly profiles: LicenseProfilesService;

  constructor(
    private readonly db: Kysely<DB>,
    dialect: DialectHelpers,
    private readonly search: SearchIndex,
  ) {
    this.profiles = new LicenseProfilesService(db, dialect);
  }

  private async loadRows(ids: readonly string[], horizon: string | undefined): Promise<Row[]> {
    const out = await loadAccessRows(this.db, ids, horizon);
    this.storyRowsRead += out.length;
    return out;
  }

  private async evaluateRows(rows: Row[], partner: Pick<Partner, 'kind'>, at: Date): Promise<AccessEntry[]> {
    const profiles = await this.profiles.forStories(rows.map((r) => r.id));
    const out: AccessEntry[] = [];
    for (const r of rows) {
      const profile = profiles.get(r.id);
      const e = profile ? evaluate(r, profile, partner, at) : undefined;
      if (e) out.push(e);
    }
    return out;
  }

  /** One story as this partner may have it now; undefined when unknown or not for this partner. */
  async story(partner: Pick<Partner, 'kind'>, storyId: string): Promise<AccessEntry | undefined> {
    if (!STORY_ID.test(storyId)) return undefined;
    return (await this.evaluateRows(await this.loadRows([storyId], undefined), partner, this.now()))[0];
  }

  /**
   * The partner's change list after `cursor`: each story once, at its latest state, oldest
   * change first, at most `limit`. Reads the change points after the cursor (see the top of
   * this file) until `limit` + 1 entries are certain, so `more` is exact.
   */
  async changes(partner: Pick<Partner, 'kind'>, cursor: ChangeCursor, limit: number, filter: ChangeFilter = {}): Promise<ChangePage> {
    const horizonDate = new Date(this.now().getTime() - SETTLE_MS);
    const horizon = horizonDate.toISOString();
    const want = limit + 1;
    const found: AccessEntry[] = [];
    const evaluated = new Set<string>();
    let searchHits: Promise<Set<string>> | undefined;
    let pos = { t: cursor.t, id: cursor.id };
    let batch = want;
    let done = false;
    let certain: AccessEntry[] = [];
    while (!done) {
      const points = await this.db
        .selectFrom('partner_change_points')
        .select(['story_id', 'at'])
        .where('kind', '=', partner.kind)
        .where('at', '<=', horizon)
        .where('at', '>=', pos.t)
        .where((eb) => eb.or([eb('at', '>', pos.t), eb('story_id', '>', pos.id)]))
        .orderBy('at')
        .orderBy('story_id')
        .limit(batch)
        .execute();
      done = points.length < batch;
      if (points.length > 0) {
        const last = points[points.length - 1]!;
        pos = { t: last.at, id: last.story_id };
      }
      const fresh = [...new Set(points.map((p) => p.story_id))].filter((id) => !evaluated.has(id));
      for (const id of fresh) evaluated.add(id);
      if (fresh.length > 0) {
        let entries = (await this.evaluateRows(await this.loadRows(fresh, horizon), partner, horizonDate)).filter((e) => e.changedAt <= horizon && after(e, cursor));
        if (filter.deskId) entries = entries.filter((e) => e.deskId === filter.deskId);
        if (filter.tagName) {
          const name = filter.tagName.toLowerCase();
          entries = entries.filter((e) => e.tags.some((t) => t.toLowerCase() === name));
        }
        if (filter.q !== undefined && entries.length > 0) {
          const q = filter.q;
          searchHits ??= this.search.search(q, MAX_SEARCH_HITS, 0).then((h) => new Set(h.storyIds));
          entries = await this.matchSearch(entries, q, searchHits);
        }
        found.push(...entries);
      }
      // Entries up to the scan position are final: no unread point can come before them.
      certain = done ? found : found.filter((e) => compareKeys({ t: e.changedAt, id: e.storyId }, pos) <= 0);
      if (certain.length >= want) break;
      batch = Math.min(MAX_SCAN_BATCH, batch * 2);
    }
    certain.sort(byChange);
    const page = certain.slice(0, limit);
    const lastEntry = page[page.length - 1];
    return { entries: page, next: lastEntry ? { t: lastEntry.changedAt, id: lastEntry.storyId } : cursor, more: certain.length > limit };
  }

  /** Stories this partner may publish now (usable, not withdrawn), most recently changed first. */
  async latestUsable(partner: Pick<Partner, 'kind'>, limit: number, scan = 200): Promise<AccessEntry[]> {
    const ids = await this.db
      .selectFrom('stories')
      .select('id')
      .where('status', '=', 'published')
      .where('published_at', 'is not', null)
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(scan)
      .execute();
    const entries = (await this.evaluateRows(await this.loadRows(ids.map((r) => r.id), undefined), partner, this.now())).filter((e) => e.pubstatus === 'usable');
    entries.sort((a, b) => byChange(b, a));
    return entries.slice(0, limit);
  }

  /**
   * Live stories match through the search index, like the site's search. Withdrawn stories have
   * left the index, yet a partner following a search must still hear of the withdrawal: they
   * match when every word of the query occurs in their last public text.
   */
  private async matchSearch(entries: AccessEntry[], q: string, liveHits: Promise<Set<string>>): Promise<AccessEntry[]> {
    if (entries.length === 0) return entries;
    const live = entries.filter((e) => e.status === 'published');
    const hits = live.length > 0 ? await liveHits : new Set<string>();
    const withdrawn = entries.filter((e) => e.status === 'withdrawn');
    const words = (q.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 12);
    const texts = new Map<string, string>();
    for (const ids of words.length > 0 ? chunks(withdrawn.map((e) => e.storyId)) : []) {
      const rows = await this.db
        .selectFrom('stories as s')
        .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
        .select(['s.id', 'v.headline', 'v.summary', 'v.body_md', 'v.tags_json'])
        .where('s.id', 'in', ids)
        .execute();
      for (const r of rows) texts.set(r.id, `${r.headline} ${r.summary} ${r.body_md} ${r.tags_json}`.normalize('NFKC').toLowerCase());
    }
    return entries.filter((e) => {
      if (e.status === 'published') return hits.has(e.storyId);
      const text = texts.get(e.storyId);
      return text !== undefined && words.every((w) => text.includes(w));
    });
  }
}

/**
 * For listings (the partner portal): what a partner may do with each of a batch of live stories,
 * including *when* one it cannot use yet becomes usable, so a list can say "available from".
 * Same rules as `evaluate` (the story's syndication switch narrowing its profile, availability()
 * for the partner's kind, an embargo holding the story back), applied with two queries.
 */
export interface StoryAccess {
  /** May republish now. */
  allowed: boolean;
  /** When it is (or becomes) usable; null when never. */
  availableFrom: string | null;
  /** Why not, in words, when not allowed. */
  reason?: string;
  /** The effective profile, after the story's own syndication switch. */
  profile: LicenseProfile;
}

export async function storyAccess(
  deps: { db: Kysely<DB>; licenseProfiles: LicenseProfilesService },
  partner: Pick<Partner, 'kind'>,
  stories: Array<{ id: string; publishedAt: string }>,
  now: Date,
): Promise<Map<string, StoryAccess>> {
  const out = new Map<string, StoryAccess>();
  if (stories.length === 0) return out;
  const ids = [...new Set(stories.map((s) => s.id))];
  const profiles = await deps.licenseProfiles.forStories(ids);
  // The live version's switch and embargo: an unpublished edit changes nothing for partners.
  const byId = new Map<string, { syndication: Syndication; embargo_until: string | null }>();
  for (const part of chunks(ids)) {
    const rows = await deps.db
      .selectFrom('stories as s')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .select(['s.id', 'v.syndication', 'v.embargo_until'])
      .where('s.id', 'in', part)
      .execute();
    for (const r of rows) byId.set(r.id, r);
  }
  const nowIso = now.toISOString();
  for (const s of stories) {
    const storyProfile = profiles.get(s.id);
    const row = byId.get(s.id);
    if (!storyProfile || !row) continue;
    const profile = applySyndicationSwitch(storyProfile, row.syndication);
    const a = availability(profile, partner.kind, s.publishedAt, now);
    // An embargoed story may be held by partners' systems but not published before it lifts.
    if (a.allowed && row.embargo_until && row.embargo_until > nowIso) {
      out.set(s.id, { allowed: false, availableFrom: row.embargo_until, reason: `embargoed until ${row.embargo_until}`, profile });
    } else if (!a.allowed && a.availableFrom && row.embargo_until && row.embargo_until > a.availableFrom) {
      out.set(s.id, { ...a, availableFrom: row.embargo_until, profile });
    } else {
      out.set(s.id, { ...a, profile });
    }
  }
  return out;
}

/** 404 for anything a partner may not see — unknown, not yet released, or never for them — alike. */
export function notAvailable(): AppError {
  return new AppError('STORY_NOT_FOUND', 'No story with this id is available to you.');
}
