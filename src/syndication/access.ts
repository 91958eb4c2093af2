/**
 * Which stories a partner may have, in which state, and since when. The content API, the partner
 * feeds, the portal, webhooks, notices and WebSub ask this module, so the rules live once.
 *
 * Grants. What a partner gets is the union of its grants: the free program (partners of kind
 * `free`) and each of its licenses (src/licensing/licenses.ts). A `licensee` partner with no
 * license in force gets nothing. Grants are read on every request, never cached, so a license
 * that starts, ends or is extended takes effect on every node at once.
 *
 * - a story is offered under its effective license profile (its own or the default), made
 *   stricter by the story's own syndication switch (an editor who marked a story "not for
 *   syndication" or "licensees only" is obeyed whatever the profile says);
 * - the free grant (`evaluate`): `availability()` decides against the profile: a delayed story
 *   only after publication + delayHours, never `licensees` or `nobody` stories;
 * - a license (`evaluateLicense`) covers the stories its scope names (profiles and desks, judged
 *   on the story's profile before the switch) unless the switch or profile says `nobody`; it
 *   gives them from publication, without the free delay, but not before the license starts:
 *   availableFrom = max(publication, startsAt). From `endsAt` on it gives nothing new; the
 *   stories it gave either stay with the licensee silently (on_end `keep`) or come once more as
 *   `canceled`, version "<live>.2", at `endsAt` (on_end `cancel`), so the licensee's systems take
 *   them down — except a story another of the partner's licenses went on giving after that end,
 *   whose state that license (and in time its own end) decides;
 * - a story with an embargo in the future is delivered as `withheld` (the partner may hold it
 *   but not publish it), then `usable`;
 * - a withdrawn story becomes `canceled`: a new version, never a silent disappearance — but only
 *   for partners who could have had it before it was withdrawn;
 * - the union (`evaluateGrants`) takes the best state any grant gives (usable > withheld >
 *   canceled) and, as its change time, the latest change time of all of them.
 *
 * The change list. A partner polls `GET /api/v1/stories?since=<cursor>` and must miss nothing.
 * Most changes are events (publish, update, correction, withdrawal), but some are not: a delayed
 * free release (publication + 24 h), the end of an embargo, and a license's start or (with
 * on_end `cancel`) its end happen by the clock alone. So each story gets, per partner, a *visible
 * change time*: the latest of its last story event, the time it became available to this
 * partner, the end of its embargo, and the end of a license that cancels it — each only once it
 * has passed. The list is ordered by (visible change time, story id) and the cursor is the last
 * (time, id) delivered.
 *
 * Why a settle lag: an event's time is taken inside its transaction, before commit. On
 * PostgreSQL two transactions can commit out of order, so an event stamped 12:00:00.100 may
 * become visible after one stamped 12:00:00.200 was delivered — and a cursor at .200 would skip
 * it forever. The list therefore only hands out changes older than SETTLE_MS (the horizon);
 * anything newer comes in the next poll. It also absorbs small clock differences between nodes.
 *
 * Why a poll is cheap and exact: a change time only ever takes values that are points of a few
 * streams, each readable in (time, story id) order through an index:
 * - `partner_change_points` of kind `free` (when the partner has the free grant) and of kind
 *   `licensee` (when it has a license; read from its earliest license start, since a license
 *   changes nothing before it starts): per story, max(last event, release to that kind) and a
 *   later embargo end (change-points.ts);
 * - for each boundary B of the partner's licenses (every startsAt, and endsAt of licenses that
 *   cancel), a virtual stream at time B of every story published by then, in id order: a
 *   license's change time max(last event, startsAt) or max(last event, endsAt) equals B exactly
 *   for the stories that had nothing newer.
 * A poll merges the streams after its cursor, a batch at a time, evaluates just those stories,
 * and stops as soon as it holds `limit` + 1 entries whose change time is at or before the last
 * point read: every story whose change time is that early has a point there in some stream, so
 * it has been seen. A poll with nothing new reads no story; the first poll reads about `limit`
 * stories, whatever the archive's size. Change points need no per-partner rows.
 *
 * Everything here reads the live version (its syndication switch, license profile and embargo),
 * never the working copy: an editor's unpublished change reaches partners when it goes live.
 */
import type { Kysely } from 'kysely';
import type { DB, PartnerKind, StoryStatus, Syndication } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import type { SearchIndex } from '../search/search.js';
import type { Partner } from '../partners/partners.service.js';
import { AppError } from '../errors.js';
import { availability, LicenseProfilesService, type LicenseProfile } from '../license-profiles/license-profiles.service.js';
import { chunks } from '../util/chunks.js';
import { parseStringArray } from '../util/json.js';
import { applySyndicationSwitch, lastStoryEvents } from './rules.js';
import { inForce, LicensesReader, scopeCovers, type License } from '../licensing/licenses.js';

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
  /** The grants that give the partner the story in this state. */
  grantedBy: { free: boolean; licenses: Array<Pick<License, 'id' | 'reference' | 'images'>> };
  /** Set when the entry is a cancellation because this license ended (on_end `cancel`). */
  endedLicense: { reference: string; endsAt: string } | null;
}

/** What a partner holds: the free program (partners of kind `free`) and its licenses. */
export interface AccessGrants {
  free: boolean;
  /** Every license of the partner, whatever its state: ended ones may still cancel stories. */
  licenses: License[];
}

/** Who is asking: a partner (its grants are read now) or grants already read. */
export type Grantee = Pick<Partner, 'id' | 'kind'> | AccessGrants;

const isGrants = (g: Grantee): g is AccessGrants => 'licenses' in g;

/**
 * The partner kind whose image rules apply to an entry: a license decides images for what it
 * gives (its `images` flag is in the entry's profile), the free program by the profile.
 */
export function imageKindOf(entry: Pick<AccessEntry, 'grantedBy'>): PartnerKind {
  return entry.grantedBy.licenses.length > 0 ? 'licensee' : 'free';
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
  /** The live version's license profile (null: the default). */
  license_profile_id: string | null;
}

const maxIso = (...xs: Array<string | null | undefined>) => xs.reduce<string>((m, x) => (x && x > m ? x : m), '');

/**
 * The story as the free grant (or, for a partner the ledger brings in, a partner of `kind`) gives
 * it at `at`, or undefined when it does not (yet). `at` is the horizon for the change list, the
 * present for single lookups.
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
    grantedBy: { free: true, licenses: [] },
    endedLicense: null,
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
  return liveEntry(base, row, atIso);
}

type EntryBase = Omit<AccessEntry, 'pubstatus' | 'version' | 'versionCreated' | 'embargoUntil' | 'changedAt'>;

/**
 * A live story as a grant gives it from `base.availableFrom`: withheld while its embargo is ahead
 * of `atIso`, then usable. The same for the free program and for licenses.
 */
function liveEntry(base: EntryBase, row: Row, atIso: string): AccessEntry {
  const live = String(row.live_version);
  const embargo = row.embargo_until;
  if (embargo && embargo > atIso) {
    return { ...base, pubstatus: 'withheld', version: live, versionCreated: row.version_created_at, embargoUntil: embargo, changedAt: maxIso(row.last_event_at, base.availableFrom) };
  }
  // The end of an embargo changes what the partner may do with the same text, so it counts as a
  // version of its own ("3.1" after "3"): a partner's system that skips versions it already has
  // would otherwise keep the story as withheld forever. The suffix sorts between 3 and 4.
  const lifted = embargo && embargo > row.version_created_at && embargo > row.published_at! ? embargo : null;
  return {
    ...base,
    pubstatus: 'usable',
    version: lifted ? `${live}.1` : live,
    versionCreated: lifted ?? row.version_created_at,
    embargoUntil: null,
    changedAt: maxIso(row.last_event_at, base.availableFrom, lifted),
  };
}

/** The story as one license gives it at `at` (see the top of this file), or undefined. */
export function evaluateLicense(row: Row, storyProfile: LicenseProfile, license: License, at: Date): AccessEntry | undefined {
  if (!row.published_at || row.live_version === null) return undefined;
  if (row.status !== 'published' && row.status !== 'withdrawn') return undefined;
  const switched = applySyndicationSwitch(storyProfile, row.syndication);
  if (switched.audience === 'nobody') return undefined;
  // The scope names profiles as the newsroom chose them for the story, before its own switch.
  if (!scopeCovers(license, { deskId: row.desk_id, profileId: storyProfile.id })) return undefined;
  const atIso = at.toISOString();
  const availableFrom = maxIso(row.published_at, license.startsAt);
  if (availableFrom > atIso) return undefined;
  const endsAt = license.endsAt;
  const ended = endsAt !== null && endsAt <= atIso;
  if (ended && availableFrom >= endsAt) return undefined;
  const withdrawnAt = row.status === 'withdrawn' ? (row.withdrawn_at ?? row.last_event_at) : null;
  // Withdrawn before the license reached it: never the licensee's, so no news to it either.
  if (withdrawnAt !== null && withdrawnAt <= availableFrom) return undefined;
  const base = {
    storyId: row.id,
    slug: row.slug,
    status: row.status,
    publishedAt: row.published_at,
    withdrawnAt: row.withdrawn_at,
    withdrawnReason: row.withdrawn_reason,
    availableFrom,
    // The license decides images for what it covers.
    profile: { ...switched, imagesIncluded: license.images },
    liveVersion: row.live_version,
    deskId: row.desk_id,
    tags: parseStringArray(row.tags_json),
    grantedBy: { free: false, licenses: [{ id: license.id, reference: license.reference, images: license.images }] },
    endedLicense: null,
  };
  if (ended) {
    // The licensee keeps what it published, as licenses usually allow: nothing more to say.
    if (license.onEnd === 'keep') return undefined;
    if (withdrawnAt === null || withdrawnAt >= endsAt) {
      // ".2" sorts after the version the licensee holds ("3", or "3.1" after an embargo).
      return {
        ...base,
        pubstatus: 'canceled',
        version: `${row.live_version}.2`,
        versionCreated: endsAt,
        embargoUntil: null,
        changedAt: maxIso(row.last_event_at, endsAt),
        endedLicense: { reference: license.reference, endsAt },
      };
    }
    // Withdrawn while the license was in force: the withdrawal already told the licensee.
  }
  if (withdrawnAt !== null) {
    return {
      ...base,
      pubstatus: 'canceled',
      version: String(row.current_version),
      versionCreated: withdrawnAt,
      embargoUntil: null,
      changedAt: maxIso(row.last_event_at, availableFrom),
    };
  }
  return liveEntry(base, row, atIso);
}

/**
 * Whether, by `at`, the partner had this story under another license than `endedId` after
 * `endedAt` (the end of license `endedId`): one that covers it, reached it by `at`, before its own
 * end and before any withdrawal, and ends (if ever) after `endedAt`.
 */
function coveredAfter(row: Row, storyProfile: LicenseProfile, licenses: readonly License[], endedId: string | undefined, endedAt: string, at: string): boolean {
  if (applySyndicationSwitch(storyProfile, row.syndication).audience === 'nobody') return false;
  const withdrawnAt = row.status === 'withdrawn' ? (row.withdrawn_at ?? row.last_event_at) : null;
  return licenses.some((l) => {
    if (l.id === endedId || (l.endsAt !== null && l.endsAt <= endedAt)) return false;
    if (!scopeCovers(l, { deskId: row.desk_id, profileId: storyProfile.id })) return false;
    const from = maxIso(row.published_at, l.startsAt);
    return from <= at && (l.endsAt === null || from < l.endsAt) && (withdrawnAt === null || from < withdrawnAt);
  });
}

/** Usable beats withheld beats a withdrawal beats a license's end. */
const rankOf = (e: AccessEntry) => (e.pubstatus === 'usable' ? 3 : e.pubstatus === 'withheld' ? 2 : e.endedLicense ? 0 : 1);

/**
 * The story as the union of these grants gives it at `at`: the best state any grant gives, from
 * the earliest of the grants giving that state, with the images any of them allows, at the latest
 * change time of all of them (each is a point of some change stream: see the top of this file).
 */
export function evaluateGrants(row: Row, storyProfile: LicenseProfile, grants: AccessGrants, at: Date): AccessEntry | undefined {
  const candidates: AccessEntry[] = [];
  if (grants.free) {
    const e = evaluate(row, storyProfile, { kind: 'free' }, at);
    if (e) candidates.push(e);
  }
  for (const license of grants.licenses) {
    const e = evaluateLicense(row, storyProfile, license, at);
    if (e) candidates.push(e);
  }
  if (candidates.length === 0) return undefined;
  // A license's end cancels only what no other license went on giving: the partner then held the
  // story under that one, and that one's own end decides (with "keep", nothing more to say).
  // Without this, once the later license ended with "keep", the earlier cancellation — dated
  // before what the partner was last told — would come back as the story's state unsent.
  const atIso = at.toISOString();
  const standing = candidates.filter((c) => !c.endedLicense || !coveredAfter(row, storyProfile, grants.licenses, c.grantedBy.licenses[0]?.id, c.endedLicense.endsAt, atIso));
  if (standing.length === 0) return undefined;
  if (standing.length === 1) return { ...standing[0]!, changedAt: maxIso(...candidates.map((c) => c.changedAt)) };
  const bestRank = Math.max(...standing.map(rankOf));
  const best = standing.filter((c) => rankOf(c) === bestRank);
  const first = best[0]!;
  const availableFrom = best.reduce((m, c) => (c.availableFrom < m ? c.availableFrom : m), first.availableFrom);
  return {
    ...first,
    availableFrom,
    profile: { ...first.profile, imagesIncluded: best.some((c) => c.profile.imagesIncluded) },
    grantedBy: { free: best.some((c) => c.grantedBy.free), licenses: best.flatMap((c) => c.grantedBy.licenses) },
    changedAt: maxIso(...candidates.map((c) => c.changedAt)),
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
        's.current_version', 'v.syndication', 'v.created_at as version_created_at', 'v.desk_id', 'v.tags_json', 'e.last_event_at', 'v.license_profile_id',
      ])
      .where('s.id', 'in', part)
      .execute();
    // Status and publication are checked here, not in SQL: given those conditions, SQLite's
    // planner may read the stories through the status index (every published story) instead of
    // looking up these few ids.
    for (const r of rows) if ((r.status === 'published' || r.status === 'withdrawn') && r.published_at !== null) out.push(r as Row);
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

interface Point {
  t: string;
  id: string;
}

/** Reads a stream's points after `pos`, in (time, id) order, at most `limit`. */
type PointStream = (pos: Point, limit: number) => Promise<Point[]>;

/** How long after a license that cancels has ended its licensee may still read the cancellations. */
export const CANCEL_GRACE_DAYS = 30;

export class PartnerAccess {
  /** The clock; tests replace it to move time (delayed releases, embargoes, license dates). */
  now: () => Date = () => new Date();
  /** Story rows read and evaluated so far: lets tests and benches see what a poll costs. */
  storyRowsRead = 0;
  private readonly profiles: LicenseProfilesService;
  private readonly licenses: LicensesReader;

  constructor(
    private readonly db: Kysely<DB>,
    dialect: DialectHelpers,
    private readonly search: SearchIndex,
  ) {
    this.profiles = new LicenseProfilesService(db, dialect);
    this.licenses = new LicensesReader(db);
  }

  /** The partner's grants, read now (see the top of this file: never cached). */
  async grants(who: Grantee): Promise<AccessGrants> {
    if (isGrants(who)) return who;
    return { free: who.kind === 'free', licenses: await this.licenses.forPartner(who.id) };
  }

  /** Grants of many partners at once (one query per chunk of ids). */
  async grantsOf(partners: ReadonlyArray<Pick<Partner, 'id' | 'kind'>>): Promise<Map<string, AccessGrants>> {
    const licenses = await this.licenses.forPartners(partners.map((p) => p.id));
    return new Map(partners.map((p) => [p.id, { free: p.kind === 'free', licenses: licenses.get(p.id) ?? [] }]));
  }

  private async loadRows(ids: readonly string[], horizon: string | undefined): Promise<Row[]> {
    const out = await loadAccessRows(this.db, ids, horizon);
    this.storyRowsRead += out.length;
    return out;
  }

  private async evaluateRows(rows: Row[], grants: AccessGrants, at: Date): Promise<AccessEntry[]> {
    if (rows.length === 0 || (!grants.free && grants.licenses.length === 0)) return [];
    const profileOf = await this.profiles.resolver();
    const out: AccessEntry[] = [];
    for (const r of rows) {
      const e = evaluateGrants(r, profileOf(r.license_profile_id), grants, at);
      if (e) out.push(e);
    }
    return out;
  }

  /** One story as this partner may have it now; undefined when unknown or not for this partner. */
  async story(who: Grantee, storyId: string): Promise<AccessEntry | undefined> {
    if (!STORY_ID.test(storyId)) return undefined;
    const grants = await this.grants(who);
    return (await this.evaluateRows(await this.loadRows([storyId], undefined), grants, this.now()))[0];
  }

  /** These stories as this partner may have them at `at` (tests compare the change list with it). */
  async storiesAt(who: Grantee, storyIds: readonly string[], at: Date, horizon?: string): Promise<AccessEntry[]> {
    return this.evaluateRows(await this.loadRows(storyIds, horizon), await this.grants(who), at);
  }

  /**
   * A license of the partner, not in force now, whose scope covers this story: why the partner
   * may not have a story it would otherwise get (the content API answers 403 naming it).
   */
  async licenseOutOfForce(who: Grantee, storyId: string): Promise<License | undefined> {
    if (!STORY_ID.test(storyId)) return undefined;
    const now = this.now();
    const idle = (await this.grants(who)).licenses.filter((l) => !inForce(l, now));
    if (idle.length === 0) return undefined;
    const [row] = await this.loadRows([storyId], undefined);
    if (!row) return undefined;
    const profile = (await this.profiles.forStories([storyId])).get(storyId);
    if (!profile || applySyndicationSwitch(profile, row.syndication).audience === 'nobody') return undefined;
    const covering = idle.filter((l) => scopeCovers(l, { deskId: row.desk_id, profileId: profile.id }));
    // The one that ended last, else the one that starts first.
    const ended = covering.filter((l) => l.endsAt !== null && l.endsAt <= now.toISOString()).sort((a, b) => (a.endsAt! < b.endsAt! ? 1 : -1));
    return ended[0] ?? covering.sort((a, b) => a.startsAt.localeCompare(b.startsAt))[0];
  }

  /**
   * Approved partners who may have this story now, for fan-outs (notices, WebSub): `free` when
   * every approved free partner may (the free grant gives it), and the ids of partners with
   * licenses that give it (each evaluated with its own grants).
   */
  async partnersWithStory(storyId: string): Promise<{ free: boolean; partnerIds: string[] }> {
    if (!STORY_ID.test(storyId)) return { free: false, partnerIds: [] };
    const now = this.now();
    const [row] = await this.loadRows([storyId], undefined);
    if (!row) return { free: false, partnerIds: [] };
    const profile = (await this.profiles.forStories([storyId])).get(storyId);
    if (!profile) return { free: false, partnerIds: [] };
    const free = evaluate(row, profile, { kind: 'free' }, now) !== undefined;
    const licensed = await this.db
      .selectFrom('partners as p')
      .select(['p.id', 'p.kind'])
      .where('p.status', '=', 'approved')
      .where('p.id', 'in', this.db.selectFrom('licenses').select('partner_id'))
      .execute();
    const grants = await this.grantsOf(licensed);
    const partnerIds = licensed.filter((p) => evaluateGrants(row, profile, grants.get(p.id)!, now) !== undefined).map((p) => p.id);
    return { free, partnerIds };
  }

  /**
   * The change points of one kind after `pos`, from `from` on: a license's change times are never
   * before its start, so points before the earliest start of a partner's licenses are not read.
   */
  private kindStream(kind: PartnerKind, horizon: string, from = ''): PointStream {
    return async (pos, limit) => {
      const lo = from > pos.t ? { t: from, id: '' } : pos;
      const rows = await this.db
        .selectFrom('partner_change_points')
        .select(['story_id', 'at'])
        .where('kind', '=', kind)
        .where('at', '<=', horizon)
        .where('at', '>=', lo.t)
        .where((eb) => eb.or([eb('at', '>', lo.t), eb('story_id', '>', lo.id)]))
        .orderBy('at')
        .orderBy('story_id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ t: r.at, id: r.story_id }));
    };
  }

  /**
   * The virtual points of a license boundary B: every story published by B, at time B, in id
   * order. (A story's `licensee` point is max(last event, publication), so every story whose
   * license change time is B is among them; stories with later changes are read in vain, once.)
   */
  private boundaryStream(b: string): PointStream {
    return async (pos, limit) => {
      if (b < pos.t) return [];
      let q = this.db
        .selectFrom('stories')
        .select('id')
        .where('status', 'in', ['published', 'withdrawn'])
        .where('published_at', 'is not', null)
        .where('published_at', '<=', b);
      if (b === pos.t) q = q.where('id', '>', pos.id);
      const rows = await q.orderBy('id').limit(limit).execute();
      return rows.map((r) => ({ t: b, id: r.id }));
    };
  }

  /**
   * The partner's change list after `cursor`: each story once, at its latest state, oldest
   * change first, at most `limit`. Reads the change streams after the cursor (see the top of
   * this file) until `limit` + 1 entries are certain, so `more` is exact.
   */
  async changes(who: Grantee, cursor: ChangeCursor, limit: number, filter: ChangeFilter = {}): Promise<ChangePage> {
    const grants = await this.grants(who);
    const horizonDate = new Date(this.now().getTime() - SETTLE_MS);
    const horizon = horizonDate.toISOString();
    const streams: PointStream[] = [];
    if (grants.free) streams.push(this.kindStream('free', horizon));
    if (grants.licenses.length > 0) {
      const earliestStart = grants.licenses.reduce((m, l) => (l.startsAt < m ? l.startsAt : m), grants.licenses[0]!.startsAt);
      streams.push(this.kindStream('licensee', horizon, earliestStart));
      const boundaries = new Set<string>();
      for (const l of grants.licenses) {
        boundaries.add(l.startsAt);
        if (l.onEnd === 'cancel' && l.endsAt !== null) boundaries.add(l.endsAt);
      }
      for (const b of [...boundaries].sort()) if (b >= cursor.t && b <= horizon) streams.push(this.boundaryStream(b));
    }
    const want = limit + 1;
    const found: AccessEntry[] = [];
    const evaluated = new Set<string>();
    let searchHits: Promise<Set<string>> | undefined;
    let pos: Point = { t: cursor.t, id: cursor.id };
    let batch = want;
    let done = streams.length === 0;
    let certain: AccessEntry[] = [];
    while (!done) {
      // Each stream gives its next `batch` points; the first `batch` of all of them, merged, are
      // read. Any point of any stream up to the last of those has then been read: a stream
      // holding `batch` points cannot end before the batch-th smallest of all.
      const merged = (await Promise.all(streams.map((read) => read(pos, batch)))).flat().sort(compareKeys);
      done = merged.length < batch;
      const points = merged.slice(0, batch);
      if (points.length > 0) pos = points[points.length - 1]!;
      const fresh = [...new Set(points.map((p) => p.id))].filter((id) => !evaluated.has(id));
      for (const id of fresh) evaluated.add(id);
      if (fresh.length > 0) {
        let entries = (await this.evaluateRows(await this.loadRows(fresh, horizon), grants, horizonDate)).filter((e) => e.changedAt <= horizon && after(e, cursor));
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
  async latestUsable(who: Grantee, limit: number, scan = 200): Promise<AccessEntry[]> {
    const grants = await this.grants(who);
    if (!grants.free && grants.licenses.length === 0) return [];
    const ids = await this.db
      .selectFrom('stories')
      .select('id')
      .where('status', '=', 'published')
      .where('published_at', 'is not', null)
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(scan)
      .execute();
    const entries = (await this.evaluateRows(await this.loadRows(ids.map((r) => r.id), undefined), grants, this.now())).filter((e) => e.pubstatus === 'usable');
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
 * Same rules as `evaluateGrants` (the story's syndication switch narrowing its profile, the free
 * program's availability(), each license's scope and dates, an embargo holding the story back),
 * applied with two queries: allowed when any grant allows it now, else the earliest time one will.
 */
export interface StoryAccess {
  /** May republish now. */
  allowed: boolean;
  /** When it is (or becomes) usable; null when never. */
  availableFrom: string | null;
  /** Why not, in words, when not allowed. */
  reason?: string;
  /** The effective profile, after the story's own syndication switch (images as the grant says). */
  profile: LicenseProfile;
}

/** One grant's answer for a live story (see storyAccess). */
function grantAccess(profile: LicenseProfile, storyProfileId: string, deskId: string, grant: 'free' | License, publishedAt: string, embargoUntil: string | null, now: Date): StoryAccess | undefined {
  const nowIso = now.toISOString();
  let a: { allowed: boolean; availableFrom: string | null; reason?: string };
  let granted = profile;
  if (grant === 'free') {
    a = availability(profile, 'free', publishedAt, now);
  } else {
    if (profile.audience === 'nobody' || !scopeCovers(grant, { deskId, profileId: storyProfileId })) return undefined;
    const from = maxIso(publishedAt, grant.startsAt);
    if (grant.endsAt !== null && from >= grant.endsAt) return undefined;
    if (grant.endsAt !== null && grant.endsAt <= nowIso) return undefined;
    granted = { ...profile, imagesIncluded: grant.images };
    a = from <= nowIso ? { allowed: true, availableFrom: from } : { allowed: false, availableFrom: from, reason: `license ${grant.reference} starts at ${from}` };
  }
  // An embargoed story may be held by partners' systems but not published before it lifts.
  if (a.allowed && embargoUntil && embargoUntil > nowIso) return { allowed: false, availableFrom: embargoUntil, reason: `embargoed until ${embargoUntil}`, profile: granted };
  if (!a.allowed && a.availableFrom && embargoUntil && embargoUntil > a.availableFrom) return { ...a, availableFrom: embargoUntil, profile: granted };
  return { ...a, profile: granted };
}

export async function storyAccess(
  deps: { db: Kysely<DB>; licenseProfiles: LicenseProfilesService },
  grants: AccessGrants,
  stories: Array<{ id: string; publishedAt: string }>,
  now: Date,
): Promise<Map<string, StoryAccess>> {
  const out = new Map<string, StoryAccess>();
  if (stories.length === 0) return out;
  const ids = [...new Set(stories.map((s) => s.id))];
  const profiles = await deps.licenseProfiles.forStories(ids);
  // The live version's switch, desk and embargo: an unpublished edit changes nothing for partners.
  const byId = new Map<string, { syndication: Syndication; embargo_until: string | null; desk_id: string }>();
  for (const part of chunks(ids)) {
    const rows = await deps.db
      .selectFrom('stories as s')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .select(['s.id', 'v.syndication', 'v.embargo_until', 'v.desk_id'])
      .where('s.id', 'in', part)
      .execute();
    for (const r of rows) byId.set(r.id, r);
  }
  const sources: Array<'free' | License> = [...(grants.free ? (['free'] as const) : []), ...grants.licenses];
  for (const s of stories) {
    const storyProfile = profiles.get(s.id);
    const row = byId.get(s.id);
    if (!storyProfile || !row) continue;
    const profile = applySyndicationSwitch(storyProfile, row.syndication);
    const answers = sources.map((g) => grantAccess(profile, storyProfile.id, row.desk_id, g, s.publishedAt, row.embargo_until, now)).filter((a): a is StoryAccess => a !== undefined);
    const allowed = answers.filter((a) => a.allowed);
    if (allowed.length > 0) {
      out.set(s.id, { ...allowed[0]!, profile: { ...allowed[0]!.profile, imagesIncluded: allowed.some((a) => a.profile.imagesIncluded) } });
      continue;
    }
    const later = answers.filter((a) => a.availableFrom !== null).sort((a, b) => a.availableFrom!.localeCompare(b.availableFrom!));
    // Not for this partner at all: the free program's words say why (licensees only, not for syndication).
    out.set(s.id, later[0] ?? answers[0] ?? { ...availability(profile, 'free', s.publishedAt, now), ...(grants.free ? {} : { allowed: false, availableFrom: null }), profile });
  }
  return out;
}

/** 404 for anything a partner may not see — unknown, not yet released, or never for them — alike. */
export function notAvailable(): AppError {
  return new AppError('STORY_NOT_FOUND', 'No story with this id is available to you.');
}
