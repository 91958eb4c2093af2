/**
 * Partners of the syndication program: an application becomes a partner row (pending), which an
 * editor approves, rejects or suspends. Approved partners hold API keys and a feed token; both are
 * stored only as sha256 hashes and checked on every request, so revocation and suspension take
 * effect at once.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB, PartnerKind, PartnersTable, PartnerStatus, PartnerUsersTable, UserStatus } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { newId, randomToken, sha256Hex } from '../util/ids.js';
import { Fields } from '../util/validate.js';
import { assertCan, type Actor } from '../users/permissions.js';
import { hashPassword, passwordProblem } from '../users/passwords.js';
import { parseDomainList, parseStoredDomains } from './domains.js';
import { evaluateEligibility, type EligibilityReport, type EligibilityRules, DEFAULT_ELIGIBILITY_RULES, parseEligibilityRules } from './eligibility.js';

export interface Partner {
  id: string;
  outlet: string;
  website: string;
  /** The website's domain (without www.). */
  domain: string;
  /** Further domains where the partner publishes (see ./domains.ts); pages elsewhere are not recorded. */
  extraDomains: string[];
  contactName: string;
  email: string;
  audience: number;
  evidence: string;
  intendedUse: string;
  status: PartnerStatus;
  kind: PartnerKind;
  eligibility: EligibilityReport;
  decisionReason: string | null;
  decidedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ApplicationInput {
  outlet?: unknown;
  website?: unknown;
  contactName?: unknown;
  email?: unknown;
  audience?: unknown;
  evidence?: unknown;
  intendedUse?: unknown;
  acceptTerms?: unknown;
}

export interface PartnerKeyInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface PartnerUser {
  id: string;
  partnerId: string;
  email: string;
  name: string;
  status: UserStatus;
  createdAt: string;
}

export function toPartnerUser(r: Selectable<PartnerUsersTable>): PartnerUser {
  return { id: r.id, partnerId: r.partner_id, email: r.email, name: r.name, status: r.status, createdAt: r.created_at };
}

/** An invitation as the accept page may show it (never the token or its hash). */
export interface InvitationInfo {
  id: string;
  partnerId: string;
  outlet: string;
  /** A licensee's invitation says so; a free partner's speaks of the program. */
  kind: PartnerKind;
  email: string;
  expiresAt: string;
}

/** Work that must commit (or roll back) together with a status change, e.g. the mail reporting it. */
export type WithinTransition = (trx: Transaction<DB>, partner: Partner) => Promise<void>;

export const INVITATION_TTL_DAYS = 14;

export function toPartner(r: Selectable<PartnersTable>): Partner {
  return {
    id: r.id,
    outlet: r.outlet,
    website: r.website,
    domain: r.domain,
    extraDomains: parseStoredDomains(r.extra_domains_json),
    contactName: r.contact_name,
    email: r.email,
    audience: r.audience,
    evidence: r.evidence,
    intendedUse: r.intended_use,
    status: r.status,
    kind: r.kind,
    eligibility: JSON.parse(r.eligibility_json) as EligibilityReport,
    decisionReason: r.decision_reason,
    decidedAt: r.decided_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const PARTNER_STATUSES: readonly PartnerStatus[] = ['pending', 'approved', 'rejected', 'suspended'];
// The column is a 32-bit integer on PostgreSQL; no outlet has two billion monthly readers.
export const MAX_AUDIENCE = 2_000_000_000;

export class PartnersService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
  ) {}

  // ---- eligibility rules ----------------------------------------------------------------------

  async rules(): Promise<EligibilityRules> {
    const r = await this.db.selectFrom('settings').select('value_json').where('key', '=', 'eligibility').executeTakeFirst();
    return r ? parseEligibilityRules(JSON.parse(r.value_json)) : DEFAULT_ELIGIBILITY_RULES;
  }

  async setRules(actor: Actor, input: unknown): Promise<EligibilityRules> {
    assertCan(actor, 'settings.manage');
    const rules = parseEligibilityRules(input, true);
    const now = new Date().toISOString();
    const json = JSON.stringify(rules);
    await this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('settings').set({ value_json: json, updated_at: now }).where('key', '=', 'eligibility').executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) await trx.insertInto('settings').values({ key: 'eligibility', value_json: json, updated_at: now }).execute();
      await recordAudit(trx, actor, 'eligibility.update', { type: 'settings', id: 'eligibility' }, rules as unknown as Record<string, unknown>);
    });
    return rules;
  }

  // ---- applications ---------------------------------------------------------------------------

  /** Validates and files an application. Public: no actor. */
  async apply(input: ApplicationInput): Promise<Partner> {
    const f = new Fields();
    const outlet = f.text('outlet', input.outlet, { required: true, max: 200 });
    const website = f.url('website', input.website, { required: true, max: 500 });
    const contactName = f.text('contactName', input.contactName, { required: true, max: 200 });
    const email = f.email('email', input.email, { required: true });
    let audience = 0;
    if (input.audience === undefined || input.audience === null || input.audience === '') f.add('audience', 'is required (monthly unique visitors)');
    else {
      const n = typeof input.audience === 'string' && /^\d{1,11}$/.test(input.audience.trim()) ? Number(input.audience.trim()) : input.audience;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_AUDIENCE) f.add('audience', 'must be a whole number of monthly unique visitors');
      else audience = n;
    }
    const evidence = f.text('evidence', input.evidence, { required: true, max: 5000 });
    const intendedUse = f.text('intendedUse', input.intendedUse, { required: true, max: 5000 });
    if (input.acceptTerms !== true && input.acceptTerms !== 'true' && input.acceptTerms !== 'on') f.add('acceptTerms', 'you must accept the republishing terms');
    f.throwIfAny('The application needs attention');
    const domain = new URL(website).hostname.toLowerCase().replace(/^www\./, '');
    const report = evaluateEligibility(await this.rules(), { outlet, website, domain, contactName, email, audience, evidence, intendedUse });
    const id = newId();
    const now = new Date().toISOString();
    await this.db
      .insertInto('partners')
      .values({
        id, outlet, website, domain, contact_name: contactName, email, audience, evidence, intended_use: intendedUse,
        status: 'pending', kind: 'free', eligibility_json: JSON.stringify(report), decision_reason: null, decided_by: null, decided_at: null,
        feed_token_hash: null, created_at: now, updated_at: now,
      })
      .execute();
    return this.get(id);
  }

  /**
   * A partner that comes from a license rather than an application: approved at once, kind
   * licensee, judged by no eligibility rule (the free program's rules do not apply to a paid
   * license). Inside the caller's transaction, so the partner never exists without its license.
   */
  async createLicensee(
    trx: Transaction<DB>,
    actor: Actor,
    facts: { outlet: string; website: string; contactName: string; email: string; intendedUse: string; reason: string; now: string },
  ): Promise<string> {
    const id = newId();
    let domain = '';
    try {
      domain = new URL(facts.website).hostname.toLowerCase().replace(/^www\./, '');
    } catch {
      // An inquiry's website was checked when it was filed; a partner without one has no domain.
    }
    const report: EligibilityReport = {
      eligible: true,
      results: [{ rule: 'license', passed: true, reason: `${facts.reason}: a licensee, not judged by the free program's rules` }],
      manualReview: false,
      evaluatedAt: facts.now,
    };
    await trx
      .insertInto('partners')
      .values({
        id, outlet: facts.outlet, website: facts.website, domain, contact_name: facts.contactName, email: facts.email, audience: 0, evidence: '',
        intended_use: facts.intendedUse, status: 'approved', kind: 'licensee', eligibility_json: JSON.stringify(report), decision_reason: facts.reason,
        decided_by: actor.id, decided_at: facts.now, feed_token_hash: null, created_at: facts.now, updated_at: facts.now,
      })
      .execute();
    await recordAudit(trx, actor, 'partner.approved', { type: 'partner', id }, { reason: facts.reason, kind: 'licensee' });
    return id;
  }

  async get(id: string): Promise<Partner> {
    if (typeof id !== 'string' || id.length > 64) throw new AppError('NOT_FOUND', 'No such partner.');
    const r = await this.db.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', 'No such partner.');
    return toPartner(r);
  }

  async list(filter: { status?: PartnerStatus; limit?: number; offset?: number } = {}): Promise<{ items: Partner[]; total: number }> {
    let q = this.db.selectFrom('partners');
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100).offset(filter.offset ?? 0).execute();
    return { items: rows.map(toPartner), total: Number(total.n) };
  }

  private async transition(actor: Actor, id: string, from: PartnerStatus[], to: PartnerStatus, reason: string | null, within?: WithinTransition): Promise<Partner> {
    assertCan(actor, 'partners.review');
    const p = await this.get(id);
    if (!from.includes(p.status)) throw new AppError('INVALID_TRANSITION', `A ${p.status} partner cannot be ${to}.`);
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('partners')
        .set({ status: to, decision_reason: reason, decided_by: actor.id, decided_at: now, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', p.status)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'The partner changed meanwhile; reload and try again.');
      await recordAudit(trx, actor, `partner.${to}`, { type: 'partner', id }, { reason });
      if (within) await within(trx, { ...p, status: to, decisionReason: reason, decidedAt: now, updatedAt: now });
    });
    return this.get(id);
  }

  approve(actor: Actor, id: string, within?: WithinTransition): Promise<Partner> {
    return this.transition(actor, id, ['pending', 'rejected', 'suspended'], 'approved', null, within);
  }

  reject(actor: Actor, id: string, reason: unknown, within?: WithinTransition): Promise<Partner> {
    const f = new Fields();
    const why = f.text('reason', reason, { required: true, max: 2000 });
    f.throwIfAny('Give the applicant a reason');
    return this.transition(actor, id, ['pending'], 'rejected', why, within);
  }

  suspend(actor: Actor, id: string, reason?: unknown, within?: WithinTransition): Promise<Partner> {
    const f = new Fields();
    const why = f.text('reason', reason, { max: 2000 }) || null;
    f.throwIfAny();
    return this.transition(actor, id, ['approved'], 'suspended', why, within);
  }

  /** Judges a pending application again under the current rules (after the admin changed them). */
  async reevaluate(actor: Actor, id: string): Promise<Partner> {
    assertCan(actor, 'partners.review');
    const p = await this.get(id);
    if (p.status !== 'pending') throw new AppError('INVALID_TRANSITION', 'Only pending applications are re-evaluated; decided ones keep the verdict they were judged by.');
    const report = evaluateEligibility(await this.rules(), p);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('partners').set({ eligibility_json: JSON.stringify(report), updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'partner.reevaluate', { type: 'partner', id }, { eligible: report.eligible });
    });
    return this.get(id);
  }

  async countByStatus(): Promise<Record<PartnerStatus, number>> {
    const rows = await this.db.selectFrom('partners').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    const out: Record<PartnerStatus, number> = { pending: 0, approved: 0, rejected: 0, suspended: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  // ---- domains ---------------------------------------------------------------------------------

  /**
   * Replaces the partner's extra domains (see ./domains.ts). Staff (partners.review) or the
   * partner itself (actor null, from its portal). Field errors are under `domains`.
   */
  async setExtraDomains(actor: Actor | null, partnerId: string, input: unknown): Promise<Partner> {
    if (actor) assertCan(actor, 'partners.review');
    const p = await this.get(partnerId);
    const { domains, problems } = parseDomainList(input, p.domain);
    if (problems.length > 0) throw new AppError('VALIDATION', 'The domains need attention', { details: { domains: problems } });
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('partners').set({ extra_domains_json: JSON.stringify(domains), updated_at: new Date().toISOString() }).where('id', '=', partnerId).execute();
      await recordAudit(trx, actor ?? { id: null, role: 'system', label: `partner:${p.email}` }, 'partner.domains', { type: 'partner', id: partnerId }, { before: p.extraDomains, after: domains });
    });
    return this.get(partnerId);
  }

  // ---- invitations and partner users ----------------------------------------------------------

  async listUsers(partnerId: string): Promise<PartnerUser[]> {
    const rows = await this.db.selectFrom('partner_users').selectAll().where('partner_id', '=', partnerId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPartnerUser);
  }

  /**
   * A one-time link for the partner's contact to set up their login. The token is returned once;
   * only its sha256 is stored. Pass `trx` to create it in the same transaction as the approval,
   * and `email` to invite someone other than the partner's contact (the person a license was
   * negotiated with).
   */
  async createInvitation(partnerId: string, trx?: Transaction<DB>, email?: string): Promise<{ id: string; token: string; email: string; expiresAt: string }> {
    const db = trx ?? this.db;
    const p = await db.selectFrom('partners').select(['id', 'email', 'status']).where('id', '=', partnerId).executeTakeFirst();
    if (!p) throw new AppError('NOT_FOUND', 'No such partner.');
    if (p.status !== 'approved') throw new AppError('INVALID_TRANSITION', 'Only approved partners are invited.');
    const token = randomToken();
    const id = newId();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000).toISOString();
    await db
      .insertInto('partner_invitations')
      .values({ id, partner_id: partnerId, email: email ?? p.email, token_hash: sha256Hex(token), expires_at: expiresAt, accepted_at: null, created_at: now.toISOString() })
      .execute();
    return { id, token, email: email ?? p.email, expiresAt };
  }

  /**
   * A fresh invitation link for an approved partner nobody has accepted one for yet, for an admin
   * to pass on by hand: without SMTP the outbox keeps only a placeholder for the link, and an
   * email can be lost. Earlier unused links stop working, so at most one is live. Admins only
   * (the link is a credential), audit-logged; the token is returned once and stored as a hash.
   */
  async reissueInvitation(actor: Actor, partnerId: string): Promise<{ id: string; token: string; email: string; expiresAt: string }> {
    assertCan(actor, 'users.manage');
    const partner = await this.get(partnerId);
    return this.db.transaction().execute(async (trx) => {
      const hasLogin = await trx.selectFrom('partner_users').select('id').where('partner_id', '=', partner.id).executeTakeFirst();
      if (hasLogin) throw new AppError('CONFLICT', `${partner.outlet} already has a partner login; they sign in at /partners.`);
      const now = new Date().toISOString();
      await trx.updateTable('partner_invitations').set({ expires_at: now }).where('partner_id', '=', partner.id).where('accepted_at', 'is', null).where('expires_at', '>', now).execute();
      const inv = await this.createInvitation(partner.id, trx);
      await recordAudit(trx, actor, 'partner.invitation_link', { type: 'partner', id: partner.id }, { invitationId: inv.id });
      return inv;
    });
  }

  private async usableInvitation(token: unknown, now: Date) {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) throw new AppError('NOT_FOUND', 'This invitation link is not valid. Check that you copied all of it.');
    const inv = await this.db.selectFrom('partner_invitations').selectAll().where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
    if (!inv) throw new AppError('NOT_FOUND', 'This invitation link is not valid. Check that you copied all of it.');
    if (inv.accepted_at) throw new AppError('GONE', 'This invitation has already been used. Log in at /partners instead, or ask the newsroom for a new invitation.');
    if (Date.parse(inv.expires_at) <= now.getTime()) throw new AppError('GONE', 'This invitation has expired. Ask the newsroom to send a new one.');
    const partner = await this.get(inv.partner_id);
    if (partner.status !== 'approved') throw new AppError('GONE', 'This partnership is no longer active, so the invitation cannot be used.');
    return { inv, partner };
  }

  /** What the accept page shows before the form is filled in; throws like acceptInvitation. */
  async getInvitation(token: unknown, now: Date = new Date()): Promise<InvitationInfo> {
    const { inv, partner } = await this.usableInvitation(token, now);
    return { id: inv.id, partnerId: partner.id, outlet: partner.outlet, kind: partner.kind, email: inv.email, expiresAt: inv.expires_at };
  }

  /**
   * Turns an invitation into a partner login (email = the invited address). Works once: the
   * invitation is claimed atomically, so two submissions of the same link cannot both succeed.
   */
  async acceptInvitation(token: unknown, input: { name?: unknown; password?: unknown }, now: Date = new Date()): Promise<PartnerUser> {
    const { inv, partner } = await this.usableInvitation(token, now);
    const f = new Fields();
    const name = f.text('name', input.name, { required: true, max: 200 });
    if (typeof input.password !== 'string' || input.password === '') f.add('password', 'is required');
    else {
      const problem = passwordProblem(input.password);
      if (problem) f.add('password', problem);
    }
    f.throwIfAny('Choose your name and a password');
    const existing = await this.db.selectFrom('partner_users').select('id').where('email', '=', inv.email).executeTakeFirst();
    if (existing) throw new AppError('CONFLICT', `There is already a partner login for ${inv.email}. Log in at /partners instead.`);
    // Hashing is slow (on purpose): do it before the transaction holds any lock.
    const passwordHash = await hashPassword(input.password as string);
    const id = newId();
    const stamp = now.toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        const claimed = await trx
          .updateTable('partner_invitations')
          .set({ accepted_at: stamp })
          .where('id', '=', inv.id)
          .where('accepted_at', 'is', null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw new AppError('GONE', 'This invitation has already been used. Log in at /partners instead.');
        await trx
          .insertInto('partner_users')
          .values({ id, partner_id: partner.id, email: inv.email, name, password_hash: passwordHash, status: 'active', created_at: stamp, updated_at: stamp })
          .execute();
        await recordAudit(trx, { id: null, role: 'system', label: `partner:${inv.email}` }, 'partner_user.create', { type: 'partner', id: partner.id }, { partnerUserId: id, invitationId: inv.id });
      });
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) throw new AppError('CONFLICT', `There is already a partner login for ${inv.email}. Log in at /partners instead.`);
      throw err;
    }
    const row = await this.db.selectFrom('partner_users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return toPartnerUser(row);
  }

  // ---- API keys -------------------------------------------------------------------------------

  /** Staff (partners.review) or the partner itself (actor null, partnerSelf true) may create keys. */
  async createKey(actor: Actor | null, partnerId: string, name: unknown): Promise<{ id: string; key: string; name: string }> {
    if (actor) assertCan(actor, 'partners.review');
    const p = await this.get(partnerId);
    if (p.status !== 'approved') throw new AppError('INVALID_TRANSITION', 'Only approved partners can have API keys.');
    const f = new Fields();
    const keyName = f.text('name', name, { required: true, max: 100 });
    f.throwIfAny();
    const key = `fwp_${randomToken()}`;
    const id = newId();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('partner_keys')
        .values({ id, partner_id: partnerId, name: keyName, key_hash: sha256Hex(key), prefix: key.slice(0, 12), created_at: new Date().toISOString(), last_used_at: null, revoked_at: null })
        .execute();
      await recordAudit(trx, actor ?? { id: null, role: 'system', label: `partner:${p.email}` }, 'partner_key.create', { type: 'partner', id: partnerId }, { keyId: id, name: keyName });
    });
    return { id, key, name: keyName };
  }

  async listKeys(partnerId: string): Promise<PartnerKeyInfo[]> {
    const rows = await this.db.selectFrom('partner_keys').selectAll().where('partner_id', '=', partnerId).orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
  }

  async revokeKey(actor: Actor | null, partnerId: string, keyId: string): Promise<void> {
    if (actor) assertCan(actor, 'partners.review');
    const r = await this.db
      .updateTable('partner_keys')
      .set({ revoked_at: new Date().toISOString() })
      .where('id', '=', keyId)
      .where('partner_id', '=', partnerId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new AppError('NOT_FOUND', 'No such active key for this partner.');
  }

  /**
   * Resolves a content-API key. Returns the partner (any status) so the caller can tell a
   * suspended partner (403) from an unknown or revoked key (undefined → 401).
   */
  async resolveApiKey(key: string): Promise<{ partner: Partner; keyId: string } | undefined> {
    if (!key || key.length > 200) return undefined;
    const row = await this.db.selectFrom('partner_keys').selectAll().where('key_hash', '=', sha256Hex(key)).executeTakeFirst();
    if (!row || row.revoked_at) return undefined;
    const partner = await this.get(row.partner_id);
    const now = new Date();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
      await this.db.updateTable('partner_keys').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
    }
    return { partner, keyId: row.id };
  }

  // ---- feed token -----------------------------------------------------------------------------

  /** Issues a new feed token (the old one stops working). Returned once. */
  async rotateFeedToken(partnerId: string): Promise<string> {
    const p = await this.get(partnerId);
    if (p.status !== 'approved') throw new AppError('INVALID_TRANSITION', 'Only approved partners have feeds.');
    const token = randomToken(24);
    await this.db.updateTable('partners').set({ feed_token_hash: sha256Hex(token), updated_at: new Date().toISOString() }).where('id', '=', partnerId).execute();
    return token;
  }

  async resolveFeedToken(token: string): Promise<Partner | undefined> {
    if (!token || token.length > 200) return undefined;
    const r = await this.db.selectFrom('partners').selectAll().where('feed_token_hash', '=', sha256Hex(token)).executeTakeFirst();
    return r ? toPartner(r) : undefined;
  }
}
