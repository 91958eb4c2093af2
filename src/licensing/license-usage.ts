/**
 * A licensee's pixel views broken down by license and month, for invoicing: the usage dashboard,
 * `GET /api/admin/usage?partner=`, its CSV and the licenses overview all read it from here.
 *
 * How views are attributed:
 * - usage_daily counts views per story × partner × UTC day, so a day is the finest grain. A
 *   license counts a day when it was in force at some moment of it (started before the day ended
 *   and ended after the day began): the views of the day a license starts or ends are its own.
 * - A day's views of a story go to every license that covered the story on that day
 *   (scopeCovers with the story's live desk and effective license profile). Two licenses that
 *   both cover a story both show its views, since each is invoiced on its own terms; the sum of
 *   the per-license numbers can therefore exceed the partner's total.
 * - Views no license covered go to one bucket: "free program" for a partner of kind free (its
 *   free access), "outside any license" for a licensee (it used a copy it may have kept).
 * - A story's desk and profile are today's, not the ones it had on the day: a story that moved
 *   desk is counted where it is now. Stories rarely move, and the history is not kept per day.
 *
 * Queries stay bounded: one read of the partner's usage_daily rows for the range (the
 * (partner_id, day) index), one of its licenses, and the stories' desks and profiles in chunks.
 */
import { sql } from 'kysely';
import type { Services } from '../services.js';
import type { PartnerKind } from '../db/schema.js';
import { AppError } from '../errors.js';
import { chunks } from '../util/chunks.js';
import { csvLine, resolveFilter, type CsvExport, type UsageFilter } from '../usage/usage.service.js';
import { describeScope, scopeCovers, type License, type ScopeNames } from './licenses.js';

const DAY_MS = 86_400_000;

export interface MonthUsage {
  /** YYYY-MM (UTC). */
  month: string;
  views: number;
  /** Distinct stories with views in the month. */
  stories: number;
}

export interface LicenseUsage {
  licenseId: string;
  reference: string;
  /** What the license covers, in words (describeScope). */
  covers: string;
  startsAt: string;
  endsAt: string | null;
  /** Every month of the range in which the license was in force, oldest first (0 when unused). */
  months: MonthUsage[];
  views: number;
}

export type UnlicensedKind = 'free-program' | 'outside-license';

export interface UnlicensedUsage {
  kind: UnlicensedKind;
  /** "Free program" or "Outside any license", for tables and the CSV. */
  label: string;
  /** Every month of the range, oldest first. */
  months: MonthUsage[];
  views: number;
}

export interface PartnerLicenseUsage {
  partnerId: string;
  from: string;
  to: string;
  byLicense: LicenseUsage[];
  unlicensed: UnlicensedUsage;
}

export interface DailyViews {
  storyId: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  views: number;
}

export interface StoryScope {
  deskId: string;
  profileId: string;
}

export const UNLICENSED_LABELS: Record<UnlicensedKind, string> = { 'free-program': 'Free program', 'outside-license': 'Outside any license' };

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString();

/** Was the license in force at some moment of this UTC day? */
export function licenseCoversDay(l: Pick<License, 'startsAt' | 'endsAt'>, day: string): boolean {
  return l.startsAt < nextDay(day) && (l.endsAt === null || l.endsAt > `${day}T00:00:00.000Z`);
}

/** Every month (YYYY-MM) from the one holding `from` to the one holding `to`. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const last = to.slice(0, 7);
  for (;;) {
    const month = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    if (month > last) return out;
    out.push(month);
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
}

interface Tally {
  views: number;
  stories: Set<string>;
}

function tally(map: Map<string, Tally>, month: string, storyId: string, views: number): void {
  let t = map.get(month);
  if (!t) map.set(month, (t = { views: 0, stories: new Set() }));
  t.views += views;
  t.stories.add(storyId);
}

export interface Attribution {
  /** license id → month → views and stories. */
  perLicense: Map<string, Map<string, Tally>>;
  unlicensed: Map<string, Tally>;
}

/**
 * The attribution rule on its own (no database): each row's views go to every license that
 * covered its story on its day, or to the unlicensed bucket when none did. A story whose desk
 * and profile are unknown (deleted since) is covered by no license.
 */
export function attributeViews(rows: readonly DailyViews[], licenses: readonly License[], stories: ReadonlyMap<string, StoryScope>): Attribution {
  const perLicense = new Map<string, Map<string, Tally>>(licenses.map((l) => [l.id, new Map()]));
  const unlicensed = new Map<string, Tally>();
  for (const r of rows) {
    if (r.views <= 0) continue;
    const month = r.day.slice(0, 7);
    const scope = stories.get(r.storyId);
    let covered = false;
    if (scope) {
      for (const l of licenses) {
        if (!licenseCoversDay(l, r.day) || !scopeCovers(l, scope)) continue;
        covered = true;
        tally(perLicense.get(l.id)!, month, r.storyId, r.views);
      }
    }
    if (!covered) tally(unlicensed, month, r.storyId, r.views);
  }
  return { perLicense, unlicensed };
}

function monthRows(months: readonly string[], tallies: Map<string, Tally> | undefined): MonthUsage[] {
  return months.map((month) => {
    const t = tallies?.get(month);
    return { month, views: t?.views ?? 0, stories: t?.stories.size ?? 0 };
  });
}

/** Months of [from, to] in which the license was in force on at least one day. */
function licenseMonths(l: License, from: string, to: string): string[] {
  const start = l.startsAt.slice(0, 10) > from ? l.startsAt.slice(0, 10) : from;
  // The last day in force: the day before endsAt's when it ends at midnight, else endsAt's day.
  let end = to;
  if (l.endsAt !== null) {
    const lastDay = new Date(Date.parse(l.endsAt) - 1).toISOString().slice(0, 10);
    if (lastDay < end) end = lastDay;
  }
  return start > end ? [] : monthsBetween(start, end);
}

/** Each story's live desk and effective license profile, as access sees them. */
export async function storyScopes(services: Services, storyIds: readonly string[]): Promise<Map<string, StoryScope>> {
  const out = new Map<string, StoryScope>();
  const ids = [...new Set(storyIds)];
  if (ids.length === 0) return out;
  const profiles = await services.licenseProfiles.forStories(ids);
  const db = services.database.db;
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('stories')
      .select(['id', sql<string>`coalesce(stories.live_desk_id, stories.desk_id)`.as('desk_id')])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) {
      const profile = profiles.get(r.id);
      if (profile) out.set(r.id, { deskId: r.desk_id, profileId: profile.id });
    }
  }
  return out;
}

/** One partner's views per story and day over [from, to], optionally only stories made by one user. */
async function dailyViews(services: Services, partnerId: string, from: string, to: string, createdBy?: string): Promise<DailyViews[]> {
  const db = services.database.db;
  let q = db
    .selectFrom('usage_daily')
    .select(['story_id', 'day', 'views'])
    .where('partner_id', '=', partnerId)
    .where('day', '>=', from)
    .where('day', '<=', to);
  if (createdBy) q = q.where('story_id', 'in', db.selectFrom('stories').select('stories.id').where('stories.created_by', '=', createdBy));
  return (await q.execute()).map((r) => ({ storyId: r.story_id, day: r.day, views: Number(r.views) }));
}

async function partnerKind(services: Services, partnerId: string): Promise<PartnerKind> {
  const p = await services.database.db.selectFrom('partners').select('kind').where('id', '=', partnerId).executeTakeFirst();
  if (!p) throw new AppError('NOT_FOUND', 'No such partner.');
  return p.kind;
}

/**
 * A partner's views over the filter's range by license and month, plus the views no license
 * covered. Throws NOT_FOUND for an unknown partner and VALIDATION for a bad filter (as
 * UsageService.summary). `names` saves a query when the caller already has them.
 */
export async function partnerUsageByLicense(services: Services, partnerId: string, filter: Omit<UsageFilter, 'partnerId' | 'storyId'> = {}, names?: ScopeNames): Promise<PartnerLicenseUsage> {
  const f = resolveFilter({ ...filter, partnerId });
  const kind = await partnerKind(services, partnerId);
  const all = await services.licenses.forPartner(partnerId);
  const from = f.from;
  const to = f.to;
  // Licenses in force on at least one day of the range.
  const licenses = all.filter((l) => l.startsAt < nextDay(to) && (l.endsAt === null || l.endsAt > `${from}T00:00:00.000Z`));
  const rows = await dailyViews(services, partnerId, from, to, f.createdBy);
  const stories = await storyScopes(services, rows.map((r) => r.storyId));
  const { perLicense, unlicensed } = attributeViews(rows, licenses, stories);
  const scopeNames = names ?? (licenses.length > 0 ? await services.licenses.scopeNames() : { profiles: new Map(), desks: new Map() });
  const byLicense = licenses.map((l): LicenseUsage => {
    const months = monthRows(licenseMonths(l, from, to), perLicense.get(l.id));
    return { licenseId: l.id, reference: l.reference, covers: describeScope(l, scopeNames), startsAt: l.startsAt, endsAt: l.endsAt, months, views: months.reduce((a, m) => a + m.views, 0) };
  });
  const unlicensedKind: UnlicensedKind = kind === 'free' ? 'free-program' : 'outside-license';
  const months = monthRows(monthsBetween(from, to), unlicensed);
  return {
    partnerId,
    from,
    to,
    byLicense,
    unlicensed: { kind: unlicensedKind, label: UNLICENSED_LABELS[unlicensedKind], months, views: months.reduce((a, m) => a + m.views, 0) },
  };
}

/**
 * The same numbers as CSV: one row per license and month (reference, license id, what it covers,
 * month, views, stories), then the unlicensed bucket's months with its label as the reference.
 */
export function licenseUsageCsv(usage: PartnerLicenseUsage): CsvExport {
  async function* rows(): AsyncGenerator<string> {
    yield `\uFEFF${csvLine(['reference', 'license_id', 'covers', 'month', 'views', 'stories'])}`;
    let chunk = '';
    for (const l of usage.byLicense) for (const m of l.months) chunk += csvLine([l.reference, l.licenseId, l.covers, m.month, m.views, m.stories]);
    for (const m of usage.unlicensed.months) chunk += csvLine([usage.unlicensed.label, '', '', m.month, m.views, m.stories]);
    yield chunk;
  }
  return { from: usage.from, to: usage.to, kind: 'licenses', chunks: rows() };
}

export interface LicenseRecentViews {
  /** Views in the current UTC month up to today. */
  thisMonth: number;
  /** Views in the 30 UTC days ending today. */
  last30Days: number;
}

/**
 * Views this month and in the last 30 days for each of these licenses (the licenses overview):
 * one usage_daily read per partner among them, whatever the number of its licenses.
 */
export async function recentViewsByLicense(services: Services, licenses: readonly License[], now: Date = new Date()): Promise<Map<string, LicenseRecentViews>> {
  const out = new Map<string, LicenseRecentViews>(licenses.map((l) => [l.id, { thisMonth: 0, last30Days: 0 }]));
  if (licenses.length === 0) return out;
  const today = now.toISOString().slice(0, 10);
  const monthStart = `${today.slice(0, 7)}-01`;
  const last30From = new Date(Date.parse(`${today}T00:00:00.000Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  const from = monthStart < last30From ? monthStart : last30From;
  const byPartner = new Map<string, License[]>();
  for (const l of licenses) byPartner.set(l.partnerId, [...(byPartner.get(l.partnerId) ?? []), l]);
  const perPartnerRows = new Map<string, DailyViews[]>();
  for (const [partnerId, list] of byPartner) {
    const relevant = list.filter((l) => l.startsAt < nextDay(today) && (l.endsAt === null || l.endsAt > `${from}T00:00:00.000Z`));
    if (relevant.length > 0) perPartnerRows.set(partnerId, await dailyViews(services, partnerId, from, today));
  }
  const stories = await storyScopes(services, [...perPartnerRows.values()].flatMap((rows) => rows.map((r) => r.storyId)));
  for (const [partnerId, rows] of perPartnerRows) {
    const list = byPartner.get(partnerId)!;
    for (const r of rows) {
      const scope = stories.get(r.storyId);
      if (!scope || r.views <= 0) continue;
      for (const l of list) {
        if (!licenseCoversDay(l, r.day) || !scopeCovers(l, scope)) continue;
        const v = out.get(l.id)!;
        if (r.day >= monthStart) v.thisMonth += r.views;
        if (r.day >= last30From) v.last30Days += r.views;
      }
    }
  }
  return out;
}
