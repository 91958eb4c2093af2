/**
 * Creating and changing licenses. The Admin API and the newsroom's licensing pages both come
 * through here; everything else reads licenses through LicensesReader (licenses.ts).
 *
 * Creating a license from an inquiry is one transaction: the license row, the partner it belongs
 * to (found or created), the inquiry becoming `licensed` with a history event, an invitation to
 * the partner portal for the inquirer, the email telling them, and the audit rows. Either all of
 * it exists or none of it does.
 *
 * Dates: a date alone ("2027-12-31") means 00:00 UTC of that day for a start and 00:00 UTC of the
 * next day for an end, so a license that "ends 2027-12-31" includes that whole day (in UTC).
 * Date-times must carry a zone: a time without one means different moments to different people.
 *
 * Concurrency: changes are conditional UPDATEs on `revision` (like inquiries): of two editors who
 * loaded the same revision, one wins and the other gets a CONFLICT. References ("LIC-2027-004")
 * are the next number of the year under a unique index; two licenses created at the same moment
 * collide on it and the loser's whole transaction is retried (on PostgreSQL a failed statement
 * ends the transaction, so retrying inside it is not an option).
 */
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB, LicenseOnEnd } from '../db/schema.js';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { newId } from '../util/ids.js';
import { Fields } from '../util/validate.js';
import { assertCan, type Actor } from '../users/permissions.js';
import { SECRET_PLACEHOLDER } from '../mail/mailer.js';
import { formatUtc } from '../newsroom/pages/components.js';
import { invitationPath } from '../partners/decisions.js';
import { PipelineService, type Inquiry } from './pipeline.service.js';
import { describeScope, licenseState, RENEWAL_REMINDER_DAYS, toLicense, type License, type LicenseState, type LicenseStatusFilter, type ScopeNames } from './licenses.js';

export const TERMS_MAX = 20_000;
export const FEE_MAX = 200;
export const ON_END_CHOICES: readonly LicenseOnEnd[] = ['keep', 'cancel'];
/** More than any newsroom has profiles or desks; keeps a hostile list from becoming a huge IN (…). */
export const SCOPE_ITEMS_MAX = 200;
const DATE_TEXT_MAX = 40;
const MAX_ATTEMPTS = 5;
const DAY_MS = 86_400_000;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export const STALE_LICENSE_MESSAGE = 'Someone else changed this license; reload to see their change, then make yours again.';

export interface ScopeInput {
  profiles?: unknown;
  desks?: unknown;
}

export interface CreateLicenseInput {
  scope?: unknown;
  images?: unknown;
  startsAt?: unknown;
  endsAt?: unknown;
  terms?: unknown;
  fee?: unknown;
  onEnd?: unknown;
  partnerId?: unknown;
  /** The inquiry's revision the editor started from; a change made meanwhile is a CONFLICT. */
  revision?: unknown;
}

export interface UpdateLicenseInput {
  startsAt?: unknown;
  endsAt?: unknown;
  terms?: unknown;
  fee?: unknown;
  onEnd?: unknown;
  images?: unknown;
  scope?: unknown;
  endNow?: unknown;
  /** The license's revision the editor started from. */
  revision?: unknown;
}

export interface CreatedLicense {
  partnerId: string;
  licenseId: string;
  reference: string;
  /** The one-time link for the inquirer's portal login; null when they already have one. */
  invitationUrl: string | null;
  /** The outbox row of the email telling the inquirer. */
  mailId: string;
}

/** A license as people see it: with its partner's name, what it covers in words and its state now. */
export interface LicenseView extends License {
  outlet: string;
  covers: string;
  state: LicenseState;
  /** The desks of the scope by slug (what the API speaks); an id whose desk was deleted stays an id. */
  deskSlugs: string[] | null;
}

type Scope = License['scope'];

// ---- dates ------------------------------------------------------------------------------------

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// Fixed-width parts and one optional fraction: linear, with one way to match.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
export const DATE_MESSAGE = 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone, e.g. 2027-12-31 or 2027-12-31T17:00:00Z';

function utcDay(y: number, m: number, d: number): number | undefined {
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? t : undefined;
}

/**
 * A start or end as an ISO timestamp (UTC, milliseconds). A date alone is the start of that UTC
 * day for `start`, and the start of the next UTC day for `end` (so the end date is included).
 * Returns undefined (and adds a field message) for anything else.
 */
export function parseLicenseDate(f: Fields, field: string, value: unknown, edge: 'start' | 'end'): string | undefined {
  if (typeof value !== 'string') {
    f.add(field, value === undefined || value === null || value === '' ? 'is required' : DATE_MESSAGE);
    return undefined;
  }
  if (value.length > DATE_TEXT_MAX) {
    f.add(field, DATE_MESSAGE);
    return undefined;
  }
  const v = value.trim();
  if (v === '') {
    f.add(field, 'is required');
    return undefined;
  }
  const d = DATE_ONLY.exec(v);
  if (d) {
    const day = utcDay(Number(d[1]), Number(d[2]), Number(d[3]));
    if (day === undefined) {
      f.add(field, `is not a date on the calendar (${v})`);
      return undefined;
    }
    return new Date(edge === 'end' ? day + DAY_MS : day).toISOString();
  }
  const t = DATE_TIME.exec(v);
  if (!t) {
    f.add(field, DATE_MESSAGE);
    return undefined;
  }
  const day = utcDay(Number(t[1]), Number(t[2]), Number(t[3]));
  const [h, mi, s] = [Number(t[4]), Number(t[5]), Number(t[6] ?? '0')];
  const oh = Number(t[10] ?? '0');
  const om = Number(t[11] ?? '0');
  if (day === undefined || h > 23 || mi > 59 || s > 59 || oh > 14 || om > 59) {
    f.add(field, `is not a time on the calendar (${v})`);
    return undefined;
  }
  const ms = Number((t[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offset = t[8] ? 0 : (t[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  const at = day + ((h * 60 + mi) * 60 + s) * 1000 + ms - offset;
  if (at < 0 || at > Date.UTC(9999, 11, 31)) {
    f.add(field, `is out of range (${v})`);
    return undefined;
  }
  return new Date(at).toISOString();
}

/** The YYYY-MM-DD a date field shows for a start: its UTC day. */
export function startDay(iso: string): string {
  return iso.slice(0, 10);
}

/** The last day a license runs (UTC): the day before an end at midnight, else the end's own day. */
export function lastDay(endsAt: string): string {
  return new Date(Date.parse(endsAt) - 1).toISOString().slice(0, 10);
}

/** "from 1 Jan 2027 to 31 Dec 2027 (UTC)" or with times when they are not whole days. */
export function describePeriod(l: Pick<License, 'startsAt' | 'endsAt'>): string {
  const wholeDay = (iso: string) => iso.slice(11) === '00:00:00.000Z';
  const day = (ymd: string) => formatUtc(`${ymd}T00:00:00.000Z`).replace(/, 00:00 UTC$/, '');
  const from = wholeDay(l.startsAt) ? day(startDay(l.startsAt)) : formatUtc(l.startsAt);
  if (l.endsAt === null) return `from ${from}, with no end date`;
  if (wholeDay(l.startsAt) && wholeDay(l.endsAt)) return `from ${from} to ${day(lastDay(l.endsAt))} inclusive (UTC)`;
  return `from ${from} until ${formatUtc(l.endsAt)}`;
}

// ---- the service ------------------------------------------------------------------------------

function parseRevision(f: Fields, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2_000_000_000) {
    f.add('revision', 'must be the whole-number revision you loaded');
    return undefined;
  }
  return n;
}

function parseBoolean(f: Fields, field: string, value: unknown, required: boolean): boolean | undefined {
  if (value === undefined || value === null) {
    if (required) f.add(field, 'is required (true or false)');
    return undefined;
  }
  if (typeof value !== 'boolean') {
    f.add(field, 'must be true or false');
    return undefined;
  }
  return value;
}

function parseOnEnd(f: Fields, value: unknown): LicenseOnEnd | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !(ON_END_CHOICES as readonly string[]).includes(value)) {
    f.add('onEnd', 'must be keep (the licensee may keep what it published) or cancel (stories it may no longer use are taken down)');
    return undefined;
  }
  return value as LicenseOnEnd;
}

/** Quoted for a message, and cut: the value came from outside. */
const shown = (v: string) => `“${v.length > 64 ? `${v.slice(0, 64)}…` : v}”`;

/** Something that moved between a read and the UPDATE built on it: the transaction runs again. */
class Retry extends Error {}

export class LicensesService {
  private readonly pipeline: PipelineService;

  constructor(private readonly services: Services) {
    this.pipeline = new PipelineService(services);
  }

  private get db() {
    return this.services.database.db;
  }

  // ---- scope ----------------------------------------------------------------------------------

  private scopeList(f: Fields, field: 'profiles' | 'desks', value: unknown): string[] | null | undefined {
    const what = field === 'profiles' ? 'license profile id' : 'desk slug';
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value)) {
      f.add(field, `must be a list of ${what}s`);
      return undefined;
    }
    if (value.length === 0) {
      f.add(field, `must name at least one ${field === 'profiles' ? 'license profile' : 'desk'} or be left out`);
      return undefined;
    }
    if (value.length > SCOPE_ITEMS_MAX) {
      f.add(field, `may name at most ${SCOPE_ITEMS_MAX}`);
      return undefined;
    }
    if (!value.every((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64 && !v.includes('\u0000'))) {
      f.add(field, `must be a list of ${what}s`);
      return undefined;
    }
    return [...new Set(value)];
  }

  /**
   * The scope as stored: profile ids and desk ids, null for a list that is not given. Unknown
   * profiles and desks are field errors, and so are profiles offered to nobody (a license could
   * never deliver them).
   */
  private async parseScope(f: Fields, input: unknown): Promise<Scope | undefined> {
    if (input === undefined || input === null) return { profiles: null, desks: null };
    if (typeof input !== 'object' || Array.isArray(input)) {
      f.add('scope', 'must be an object with optional lists profiles (license profile ids) and desks (desk slugs)');
      return undefined;
    }
    const o = input as Record<string, unknown>;
    const unknownKeys = Object.keys(o).filter((k) => k !== 'profiles' && k !== 'desks');
    if (unknownKeys.length > 0) {
      f.add('scope', `has no field ${shown(unknownKeys[0]!)}; it takes profiles and desks`);
      return undefined;
    }
    const profiles = this.scopeList(f, 'profiles', o.profiles);
    const desks = this.scopeList(f, 'desks', o.desks);
    if (profiles === undefined || desks === undefined) return undefined;
    let ok = true;
    if (profiles) {
      const rows = await this.db.selectFrom('license_profiles').select(['id', 'name', 'audience']).where('id', 'in', profiles).execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const id of profiles) {
        const p = byId.get(id);
        if (!p) {
          f.add('profiles', `no license profile has the id ${shown(id)}`);
          ok = false;
        } else if (p.audience === 'nobody') {
          f.add('profiles', `${shown(p.name)} is offered to nobody; change its audience to licensees first`);
          ok = false;
        }
      }
    }
    let deskIds: string[] | null = null;
    if (desks) {
      const rows = await this.db.selectFrom('desks').select(['id', 'slug']).where('slug', 'in', desks).execute();
      const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
      deskIds = [];
      for (const slug of desks) {
        const id = bySlug.get(slug);
        if (id === undefined) {
          f.add('desks', `no desk has the slug ${shown(slug)}`);
          ok = false;
        } else deskIds.push(id);
      }
    }
    return ok ? { profiles, desks: deskIds } : undefined;
  }

  // ---- reading --------------------------------------------------------------------------------

  private async views(licenses: License[], now: Date): Promise<LicenseView[]> {
    if (licenses.length === 0) return [];
    const names = await this.services.licenses.scopeNames();
    const partnerIds = [...new Set(licenses.map((l) => l.partnerId))];
    const outlets = new Map<string, string>();
    for (let i = 0; i < partnerIds.length; i += 500) {
      const rows = await this.db.selectFrom('partners').select(['id', 'outlet']).where('id', 'in', partnerIds.slice(i, i + 500)).execute();
      for (const r of rows) outlets.set(r.id, r.outlet);
    }
    return licenses.map((l) => this.view(l, names, outlets.get(l.partnerId) ?? 'a deleted partner', now));
  }

  private view(l: License, names: ScopeNames, outlet: string, now: Date): LicenseView {
    return {
      ...l,
      outlet,
      covers: describeScope(l, names),
      state: licenseState(l, now),
      deskSlugs: l.scope.desks === null ? null : l.scope.desks.map((id) => names.desks.get(id)?.slug ?? id),
    };
  }

  async get(actor: Actor, id: unknown, now: Date = new Date()): Promise<LicenseView> {
    assertCan(actor, 'licensing.manage');
    const l = typeof id === 'string' ? await this.services.licenses.get(id) : undefined;
    if (!l) throw new AppError('NOT_FOUND', 'No such license.');
    return (await this.views([l], now))[0]!;
  }

  async list(actor: Actor, filter: { status?: LicenseStatusFilter; partnerId?: string } = {}, now: Date = new Date()): Promise<LicenseView[]> {
    assertCan(actor, 'licensing.manage');
    return this.views(await this.services.licenses.list(filter, now), now);
  }

  /** The licenses created from one inquiry, oldest first. */
  async forInquiry(actor: Actor, inquiryId: string, now: Date = new Date()): Promise<LicenseView[]> {
    assertCan(actor, 'licensing.manage');
    if (!ID.test(inquiryId)) return [];
    const rows = await this.db.selectFrom('licenses').selectAll().where('inquiry_id', '=', inquiryId).orderBy('created_at').orderBy('id').execute();
    return this.views(rows.map(toLicense), now);
  }

  /** Approved partners a license may be attached to, by outlet, for the form's select. */
  async partnerOptions(): Promise<Array<{ id: string; outlet: string; email: string; kind: string }>> {
    return this.db.selectFrom('partners').select(['id', 'outlet', 'email', 'kind']).where('status', '=', 'approved').orderBy('outlet').orderBy('id').execute();
  }

  /**
   * The partner a license for this inquiry goes to when none is named: the inquiry's own (a
   * license was made for it before), else the approved partner the inquirer already signs in
   * for, else the approved partner whose contact address is the inquirer's. Undefined: a new
   * partner will be created.
   */
  async matchingPartner(inquiry: Pick<Inquiry, 'partnerId' | 'email'>): Promise<{ id: string; outlet: string; status: string } | undefined> {
    if (inquiry.partnerId) {
      const p = await this.db.selectFrom('partners').select(['id', 'outlet', 'status']).where('id', '=', inquiry.partnerId).executeTakeFirst();
      if (p) return p;
    }
    const email = inquiry.email.toLowerCase();
    const byLogin = await this.db
      .selectFrom('partner_users as u')
      .innerJoin('partners as p', 'p.id', 'u.partner_id')
      .select(['p.id', 'p.outlet', 'p.status'])
      .where(sql<boolean>`lower(u.email) = ${email}`)
      .where('p.status', 'in', ['approved', 'suspended'])
      .executeTakeFirst();
    if (byLogin) return byLogin;
    // Pending and rejected applicants never had a login or access: a license starts afresh.
    return this.db
      .selectFrom('partners')
      .select(['id', 'outlet', 'status'])
      .where(sql<boolean>`lower(email) = ${email}`)
      .where('status', 'in', ['approved', 'suspended'])
      .orderBy(sql`case when status = 'approved' then 0 else 1 end`)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .executeTakeFirst();
  }

  // ---- creating -------------------------------------------------------------------------------

  private async nextReference(trx: Transaction<DB>, now: Date): Promise<string> {
    const year = now.getUTCFullYear();
    const prefix = `LIC-${year}-`;
    const rows = await trx.selectFrom('licenses').select('reference').where('reference', 'like', `${prefix}%`).execute();
    let max = 0;
    for (const r of rows) {
      const tail = r.reference.slice(prefix.length);
      // Only plain numbers count: references recorded by the migration carry an R.
      if (/^\d{1,9}$/.test(tail)) max = Math.max(max, Number(tail));
    }
    return `${prefix}${String(max + 1).padStart(3, '0')}`;
  }

  async createFromInquiry(actor: Actor, inquiryId: unknown, input: CreateLicenseInput, now: Date = new Date()): Promise<CreatedLicense> {
    assertCan(actor, 'licensing.manage');
    const inquiry = await this.pipeline.get(actor, inquiryId);
    if (inquiry.status === 'declined') {
      throw new AppError('INVALID_TRANSITION', 'This inquiry is declined; reopen it (status Negotiating) before licensing it.', { details: { status: ['is declined'] } });
    }
    const f = new Fields();
    const scope = await this.parseScope(f, input.scope);
    const images = parseBoolean(f, 'images', input.images, true);
    const startsAt = parseLicenseDate(f, 'startsAt', input.startsAt, 'start');
    const endsAt = parseLicenseDate(f, 'endsAt', input.endsAt, 'end');
    if (startsAt && endsAt) {
      if (endsAt <= startsAt) f.add('endsAt', 'must be after startsAt');
      else if (endsAt <= now.toISOString()) f.add('endsAt', 'is in the past; a new license must end in the future');
    }
    const terms = f.text('terms', input.terms, { required: true, max: TERMS_MAX });
    const fee = f.text('fee', input.fee, { max: FEE_MAX }) || null;
    if (fee && /[\r\n]/.test(fee)) f.add('fee', 'must be one line, e.g. USD 1,200 a year');
    const onEnd = parseOnEnd(f, input.onEnd) ?? 'keep';
    const revision = parseRevision(f, input.revision);
    let partner: { id: string; outlet: string; status: string } | undefined;
    if (input.partnerId !== undefined && input.partnerId !== null && input.partnerId !== '') {
      if (typeof input.partnerId !== 'string' || !ID.test(input.partnerId)) f.add('partnerId', 'must be the id of an approved partner');
      else {
        partner = await this.db.selectFrom('partners').select(['id', 'outlet', 'status']).where('id', '=', input.partnerId).executeTakeFirst();
        if (!partner) f.add('partnerId', `no partner has the id ${shown(input.partnerId)}`);
        else if (partner.status !== 'approved') f.add('partnerId', `${partner.outlet} is ${partner.status}; only approved partners hold licenses`);
      }
    } else {
      partner = await this.matchingPartner(inquiry);
      if (partner && partner.status !== 'approved') {
        f.add('partnerId', `${partner.outlet}, the partner of ${inquiry.email}, is ${partner.status}; reinstate it first or choose another partner`);
      }
    }
    f.throwIfAny('The license needs attention');
    const valid = { scope: scope!, images: images!, startsAt: startsAt!, endsAt: endsAt!, terms, fee, onEnd };

    const [settings, names] = await Promise.all([this.services.settings.get(), this.services.licenses.scopeNames()]);
    const base = this.services.config.publicUrl;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        const created = await this.db.transaction().execute(async (trx) => {
          const stamp = now.toISOString();
          const reference = await this.nextReference(trx, now);
          const partnerId =
            partner?.id ??
            (await this.services.partners.createLicensee(trx, actor, {
              outlet: inquiry.organisation,
              website: inquiry.website,
              contactName: inquiry.name,
              email: inquiry.email,
              intendedUse: inquiry.intendedUse,
              reason: `Licensed: ${reference}`,
              now: stamp,
            }));
          const licenseId = newId();
          await trx
            .insertInto('licenses')
            .values({
              id: licenseId,
              reference,
              partner_id: partnerId,
              inquiry_id: inquiry.id,
              scope_profiles_json: valid.scope.profiles === null ? null : JSON.stringify(valid.scope.profiles),
              scope_desks_json: valid.scope.desks === null ? null : JSON.stringify(valid.scope.desks),
              images: valid.images ? 1 : 0,
              starts_at: valid.startsAt,
              ends_at: valid.endsAt,
              on_end: valid.onEnd,
              terms: valid.terms,
              fee: valid.fee,
              revision: 0,
              created_by: actor.id,
              created_at: stamp,
              updated_at: stamp,
              renewal_30_sent_at: null,
              renewal_7_sent_at: null,
            })
            .execute();
          if (!(await this.pipeline.markLicensed(trx, actor, inquiry.id, { reference, partnerId, expected: revision, now: stamp }))) throw new Retry();
          const hasLogin = await trx
            .selectFrom('partner_users')
            .select('id')
            .where('partner_id', '=', partnerId)
            .where(sql<boolean>`lower(email) = ${inquiry.email.toLowerCase()}`)
            .executeTakeFirst();
          const invitation = hasLogin ? null : await this.services.partners.createInvitation(partnerId, trx, inquiry.email);
          const invitationUrl = invitation ? `${base}${invitationPath(invitation.token)}` : null;
          const license = { scope: valid.scope, startsAt: valid.startsAt, endsAt: valid.endsAt };
          const outlet = partner?.outlet ?? inquiry.organisation;
          const mailId = await this.services.mailer.enqueue(trx, {
            to: inquiry.email,
            subject: `Your license to ${settings.siteName} reporting (${reference})`,
            text: [
              `Hello ${inquiry.name},`,
              '',
              `${outlet} is licensed to republish ${settings.siteName} reporting. The license, ${reference}:`,
              '',
              `What it covers: ${describeScope(license, names)}${valid.images ? ', with their images' : ', without images'}.`,
              `When: ${describePeriod(license)}.`,
              valid.onEnd === 'cancel'
                ? 'At the end: stories it covered must be taken down; your systems receive them as canceled.'
                : 'At the end: you may keep what you have already published.',
              ...(valid.fee ? [`Fee: ${valid.fee}`] : []),
              '',
              'Terms:',
              valid.terms,
              '',
              ...(invitation
                ? [`Set up your partner login with this link. It works once, and until ${formatUtc(invitation.expiresAt)}:`, SECRET_PLACEHOLDER, '']
                : []),
              `Your partner dashboard, with API keys, feeds and a ready-to-paste snippet for every story you may use: ${base}/partners`,
              ...(settings.licensingContact ? ['', `Questions about the license: ${settings.licensingContact}`] : []),
              '',
              `—\n${settings.siteName}`,
            ].join('\n'),
            // Editors read the outbox; the link is a credential for the inquirer alone.
            secret: invitationUrl ?? undefined,
          });
          await recordAudit(trx, actor, 'license.create', { type: 'license', id: licenseId }, {
            reference,
            partnerId,
            newPartner: partner === undefined,
            inquiryId: inquiry.id,
            scope: valid.scope,
            images: valid.images,
            startsAt: valid.startsAt,
            endsAt: valid.endsAt,
            onEnd: valid.onEnd,
            invitationId: invitation?.id ?? null,
          });
          return { partnerId, licenseId, reference, invitationUrl, mailId };
        });
        this.services.mailer.flushLater([created.mailId]);
        return created;
      } catch (err) {
        if (err instanceof Retry || this.services.database.dialect.isUniqueViolation(err)) continue;
        throw err;
      }
    }
    throw new AppError('CONFLICT', 'Licenses are being created too quickly to number this one; try again.');
  }

  // ---- changing -------------------------------------------------------------------------------

  /**
   * Changes dates, terms, fee, what happens at the end, images or scope, or ends the license now
   * (`endNow: true`). With `revision`, a change made meanwhile is a CONFLICT; without it the
   * change is applied to the current row (last write wins, every write whole).
   */
  async update(actor: Actor, id: unknown, input: UpdateLicenseInput, now: Date = new Date()): Promise<LicenseView> {
    assertCan(actor, 'licensing.manage');
    const first = typeof id === 'string' ? await this.services.licenses.get(id) : undefined;
    if (!first) throw new AppError('NOT_FOUND', 'No such license.');
    const f = new Fields();
    const startsAt = input.startsAt === undefined ? undefined : parseLicenseDate(f, 'startsAt', input.startsAt, 'start');
    const endsAt = input.endsAt === undefined ? undefined : parseLicenseDate(f, 'endsAt', input.endsAt, 'end');
    const terms = input.terms === undefined ? undefined : f.text('terms', input.terms, { required: true, max: TERMS_MAX });
    let fee: string | null | undefined;
    if (input.fee === null) fee = null;
    else if (input.fee !== undefined) {
      fee = f.text('fee', input.fee, { max: FEE_MAX }) || null;
      if (fee && /[\r\n]/.test(fee)) f.add('fee', 'must be one line, e.g. USD 1,200 a year');
    }
    const onEnd = input.onEnd === undefined ? undefined : parseOnEnd(f, input.onEnd);
    if (input.onEnd !== undefined && onEnd === undefined && !f.errors.onEnd) f.add('onEnd', 'must be keep or cancel');
    const images = parseBoolean(f, 'images', input.images, false);
    const scope = input.scope === undefined ? undefined : await this.parseScope(f, input.scope);
    let endNow = false;
    if (input.endNow !== undefined && input.endNow !== null) {
      if (input.endNow !== true) f.add('endNow', 'must be true, or left out');
      else if (input.endsAt !== undefined) f.add('endsAt', 'must be left out when ending the license now');
      else endNow = true;
    }
    if (endsAt !== undefined && endsAt <= now.toISOString()) f.add('endsAt', 'is in the past; to end the license now, use endNow');
    const revision = parseRevision(f, input.revision);
    f.throwIfAny('The change needs attention');

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = attempt === 0 ? first : await this.services.licenses.get(first.id);
      if (!current) throw new AppError('NOT_FOUND', 'No such license.');
      if (revision !== undefined && current.revision !== revision) {
        throw new AppError('CONFLICT', STALE_LICENSE_MESSAGE, { details: { revision: [`is ${revision}; the license is now at revision ${current.revision}`] } });
      }
      const stamp = now.toISOString();
      const set: Record<string, unknown> = {};
      const changes: Array<{ field: string; from: unknown; to: unknown }> = [];
      const change = (field: string, column: string, from: unknown, to: unknown) => {
        if (to === undefined || JSON.stringify(from) === JSON.stringify(to)) return;
        set[column] = to;
        changes.push({ field, from, to });
      };
      let nextStart = startsAt ?? current.startsAt;
      let nextEnd = endsAt ?? current.endsAt;
      if (endNow) {
        if (licenseState(current, now) === 'ended') {
          throw new AppError('INVALID_TRANSITION', `${current.reference} already ended (${formatUtc(current.endsAt!)}).`, { details: { endNow: ['the license has already ended'] } });
        }
        nextEnd = stamp;
        // A license ended before it began never comes into force: it starts and ends now.
        if (nextStart > stamp) nextStart = stamp;
      } else if (nextEnd !== null && nextEnd <= nextStart && (startsAt !== undefined || endsAt !== undefined)) {
        throw new AppError('VALIDATION', 'The change needs attention', { details: { endsAt: ['must be after startsAt'] } });
      }
      change('startsAt', 'starts_at', current.startsAt, nextStart === current.startsAt ? undefined : nextStart);
      change('endsAt', 'ends_at', current.endsAt, nextEnd === current.endsAt ? undefined : nextEnd);
      // Terms are long: the audit says that they changed, not what they say.
      if (terms !== undefined && terms !== current.terms) {
        set.terms = terms;
        changes.push({ field: 'terms', from: `${current.terms.length} characters`, to: `${terms.length} characters` });
      }
      change('fee', 'fee', current.fee, fee);
      change('onEnd', 'on_end', current.onEnd, onEnd);
      if (images !== undefined && images !== current.images) {
        set.images = images ? 1 : 0;
        changes.push({ field: 'images', from: current.images, to: images });
      }
      if (scope !== undefined) {
        change('scope.profiles', 'scope_profiles_json', current.scope.profiles, scope.profiles);
        change('scope.desks', 'scope_desks_json', current.scope.desks, scope.desks);
        if ('scope_profiles_json' in set) set.scope_profiles_json = scope.profiles === null ? null : JSON.stringify(scope.profiles);
        if ('scope_desks_json' in set) set.scope_desks_json = scope.desks === null ? null : JSON.stringify(scope.desks);
      }
      if (changes.length === 0) return this.get(actor, current.id, now);
      // A later end: reminders sent for the old end are due again when the new end comes close.
      if ('ends_at' in set && nextEnd !== null && !endNow) {
        for (const days of RENEWAL_REMINDER_DAYS) {
          const column = days === 30 ? 'renewal_30_sent_at' : 'renewal_7_sent_at';
          const sent = days === 30 ? current.renewal30SentAt : current.renewal7SentAt;
          if (sent !== null && Date.parse(nextEnd) - now.getTime() > days * DAY_MS) {
            set[column] = null;
            changes.push({ field: `renewal${days}SentAt`, from: sent, to: null });
          }
        }
      }
      const won = await this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('licenses')
          .set({ ...set, updated_at: stamp, revision: current.revision + 1 })
          .where('id', '=', current.id)
          .where('revision', '=', current.revision)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        await recordAudit(trx, actor, endNow ? 'license.end' : 'license.update', { type: 'license', id: current.id }, { reference: current.reference, revision: current.revision + 1, changes });
        return true;
      });
      if (won) return this.get(actor, current.id, now);
      if (revision !== undefined) {
        const fresh = await this.services.licenses.get(current.id);
        throw new AppError('CONFLICT', STALE_LICENSE_MESSAGE, { details: { revision: [`is ${revision}; the license is now at revision ${fresh?.revision ?? '?'}`] } });
      }
    }
    throw new AppError('CONFLICT', 'The license is changing too often to apply this change; reload and try again.');
  }
}
