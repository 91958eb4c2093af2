/**
 * Licenses, read side: the shape every part of Freewire sees (access rules, the Admin API, the
 * newsroom's licensing pages, renewals, usage by license) and the queries they share. Creating and
 * changing licenses lives in licenses.service.ts; what a license lets a partner have lives in
 * src/syndication/access.ts.
 *
 * A license's state is a function of the clock, never stored: `scheduled` before `startsAt`,
 * `active` from then, `ending` when it ends within RENEWAL_WINDOW_DAYS, `ended` from `endsAt` on.
 * So access stops at `endsAt` on every node at once, with nothing to run at that moment.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DB, LicenseOnEnd, LicensesTable } from '../db/schema.js';
import { parseStringArray } from '../util/json.js';
import { chunks } from '../util/chunks.js';

export type LicenseState = 'scheduled' | 'active' | 'ending' | 'ended';

/** The status filter of `GET /api/admin/licenses`: active includes ending; ended; ending alone. */
export type LicenseStatusFilter = 'active' | 'ending' | 'ended';
export const LICENSE_STATUS_FILTERS: readonly LicenseStatusFilter[] = ['active', 'ending', 'ended'];

/** A license is "ending" (and its renewal is due) this many days before it ends. */
export const RENEWAL_WINDOW_DAYS = 30;
/** The reminders, days before the end: each sent once. */
export const RENEWAL_REMINDER_DAYS = [30, 7] as const;

export interface License {
  id: string;
  /** What people call it: "LIC-2026-004". */
  reference: string;
  partnerId: string;
  inquiryId: string | null;
  scope: {
    /** License profile ids; null: every profile offered to licensees. */
    profiles: string[] | null;
    /** Desk ids; null: every desk. */
    desks: string[] | null;
  };
  images: boolean;
  startsAt: string;
  /** Null only for licenses recorded before licenses had dates (no end until one is entered). */
  endsAt: string | null;
  onEnd: LicenseOnEnd;
  terms: string;
  fee: string | null;
  revision: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  renewal30SentAt: string | null;
  renewal7SentAt: string | null;
}

export function toLicense(r: Selectable<LicensesTable>): License {
  return {
    id: r.id,
    reference: r.reference,
    partnerId: r.partner_id,
    inquiryId: r.inquiry_id,
    scope: {
      profiles: r.scope_profiles_json === null ? null : parseStringArray(r.scope_profiles_json),
      desks: r.scope_desks_json === null ? null : parseStringArray(r.scope_desks_json),
    },
    images: Number(r.images) === 1,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    onEnd: r.on_end,
    terms: r.terms,
    fee: r.fee,
    revision: Number(r.revision),
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    renewal30SentAt: r.renewal_30_sent_at,
    renewal7SentAt: r.renewal_7_sent_at,
  };
}

export function licenseState(l: Pick<License, 'startsAt' | 'endsAt'>, now: Date): LicenseState {
  const at = now.toISOString();
  if (l.endsAt !== null && l.endsAt <= at) return 'ended';
  if (l.startsAt > at) return 'scheduled';
  if (l.endsAt !== null && Date.parse(l.endsAt) - now.getTime() <= RENEWAL_WINDOW_DAYS * 86_400_000) return 'ending';
  return 'active';
}

/** In force at `now`: started and not ended. */
export function inForce(l: Pick<License, 'startsAt' | 'endsAt'>, now: Date): boolean {
  const at = now.toISOString();
  return l.startsAt <= at && (l.endsAt === null || l.endsAt > at);
}

/** Does the license's scope cover a story of this desk under this (effective) license profile? */
export function scopeCovers(l: Pick<License, 'scope'>, story: { deskId: string; profileId: string }): boolean {
  if (l.scope.profiles !== null && !l.scope.profiles.includes(story.profileId)) return false;
  if (l.scope.desks !== null && !l.scope.desks.includes(story.deskId)) return false;
  return true;
}

/**
 * A license's date as written to the people who signed it, in UTC (the zone dates are stored in):
 * "3 December 2026", or with `weekday` "Thursday, 3 December 2026".
 */
export function licenseDate(iso: string, opts: { weekday?: boolean } = {}): string {
  return new Intl.DateTimeFormat('en-GB', { ...(opts.weekday ? { weekday: 'long' as const } : {}), day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
}

/** Names of the profiles and desks a scope may name, for saying in words what a license covers. */
export interface ScopeNames {
  profiles: Map<string, { slug: string; name: string }>;
  desks: Map<string, { slug: string; name: string }>;
}

const quoteList = (names: string[]) => {
  const q = names.map((n) => `“${n}”`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
};

/**
 * What a license covers, in a sentence for people: "Every story offered to licensees",
 * "Stories of the “Environment” desk under “Licensees only”". Ids that no longer resolve (a desk
 * deleted since) are named as such rather than dropped, so the sentence never claims more.
 */
export function describeScope(l: Pick<License, 'scope'>, names: ScopeNames): string {
  const { profiles, desks } = l.scope;
  if (profiles === null && desks === null) return 'Every story offered to licensees';
  const deskNames = (desks ?? []).map((id) => names.desks.get(id)?.name ?? 'a deleted desk');
  const profileNames = (profiles ?? []).map((id) => names.profiles.get(id)?.name ?? 'a deleted license profile');
  const parts: string[] = [];
  if (desks !== null) parts.push(desks.length === 0 ? 'of no desk' : `of the ${quoteList(deskNames)} desk${desks.length > 1 ? 's' : ''}`);
  if (profiles !== null) parts.push(profiles.length === 0 ? 'under no profile' : `under ${quoteList(profileNames)}`);
  return `Stories ${parts.join(' ')}`;
}

const LICENSE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Read-only queries over licenses, shared by every module that needs them. */
export class LicensesReader {
  constructor(private readonly db: Kysely<DB>) {}

  /** Every license profile and desk by id, for describeScope and the scope pickers. */
  async scopeNames(): Promise<ScopeNames> {
    const [profiles, desks] = await Promise.all([
      this.db.selectFrom('license_profiles').select(['id', 'slug', 'name']).execute(),
      this.db.selectFrom('desks').select(['id', 'slug', 'name']).execute(),
    ]);
    return {
      profiles: new Map(profiles.map((p) => [p.id, { slug: p.slug, name: p.name }])),
      desks: new Map(desks.map((d) => [d.id, { slug: d.slug, name: d.name }])),
    };
  }

  async get(id: string): Promise<License | undefined> {
    if (!LICENSE_ID.test(id)) return undefined;
    const r = await this.db.selectFrom('licenses').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toLicense(r) : undefined;
  }

  /** A partner's licenses, oldest start first. */
  async forPartner(partnerId: string): Promise<License[]> {
    return (await this.forPartners([partnerId])).get(partnerId) ?? [];
  }

  /** Licenses of each of these partners (partners without any are absent from the map). */
  async forPartners(partnerIds: readonly string[]): Promise<Map<string, License[]>> {
    const out = new Map<string, License[]>();
    for (const ids of chunks([...new Set(partnerIds)])) {
      const rows = await this.db.selectFrom('licenses').selectAll().where('partner_id', 'in', ids).orderBy('starts_at').orderBy('id').execute();
      for (const r of rows) {
        const list = out.get(r.partner_id) ?? [];
        list.push(toLicense(r));
        out.set(r.partner_id, list);
      }
    }
    return out;
  }

  /**
   * Licenses by state at `now`: `active` (in force, ending ones included), `ending` (in force and
   * ending within RENEWAL_WINDOW_DAYS), `ended`; without a filter, all (scheduled ones too).
   * Soonest end first for active and ending, latest end first for ended.
   */
  async list(filter: { status?: LicenseStatusFilter; partnerId?: string } = {}, now: Date = new Date()): Promise<License[]> {
    const at = now.toISOString();
    let q = this.db.selectFrom('licenses').selectAll();
    if (filter.partnerId !== undefined) q = q.where('partner_id', '=', filter.partnerId);
    switch (filter.status) {
      case 'active':
        q = q.where('starts_at', '<=', at).where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', at)]));
        break;
      case 'ending': {
        const horizon = new Date(now.getTime() + RENEWAL_WINDOW_DAYS * 86_400_000).toISOString();
        q = q.where('starts_at', '<=', at).where('ends_at', '>', at).where('ends_at', '<=', horizon);
        break;
      }
      case 'ended':
        q = q.where('ends_at', '<=', at);
        break;
      default:
        break;
    }
    const ordered = filter.status === 'ended' ? q.orderBy('ends_at', 'desc') : q.orderBy('ends_at').orderBy('starts_at');
    return (await ordered.orderBy('id').execute()).map(toLicense);
  }
}
