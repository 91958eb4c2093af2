/**
 * Partner publishers' own accounts in the portal: sign-in, sessions, what they follow and how
 * they want to be told. Kept apart from staff accounts (src/users) on purpose: a partner user
 * can never hold a staff session or role, and a staff cookie means nothing here.
 *
 * Sessions mirror the staff ones: the cookie carries a random token, the table keeps only its
 * sha256 (so a database leak yields no usable sessions), and each session has its own CSRF token.
 */
import type { Kysely } from 'kysely';
import type { DB, FollowKind } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { newId, randomToken, sha256Hex } from '../util/ids.js';
import { Fields } from '../util/validate.js';
import { hashPassword, passwordProblem, verifyPassword } from '../users/passwords.js';
import type { Actor } from '../users/permissions.js';
import { rotateSession } from '../users/users.service.js';
import { toPartner, toPartnerUser, type Partner, type PartnerUser } from '../partners/partners.service.js';

export type { PartnerUser };

export interface PartnerSessionInfo {
  token: string;
  csrfToken: string;
  expiresAt: string;
}

export interface ResolvedPartnerSession {
  user: PartnerUser;
  partner: Partner;
  csrfToken: string;
  sessionId: string;
}

export interface PartnerFollow {
  id: string;
  kind: FollowKind;
  value: string;
  createdAt: string;
}

export interface PartnerPrefs {
  emailOnCorrection: boolean;
  emailOnKill: boolean;
  dailyDigest: boolean;
  updatedAt: string | null;
}

export const FOLLOW_KINDS: readonly FollowKind[] = ['desk', 'tag', 'search'];
/** Enough for any real newsroom's desks and beats; bounds the "only what I follow" filter's work. */
export const MAX_FOLLOWS = 100;

/** The table's defaults: corrections and kills matter to anyone who republished; digests are opt-in. */
export const DEFAULT_PREFS: PartnerPrefs = Object.freeze({ emailOnCorrection: true, emailOnKill: true, dailyDigest: false, updatedAt: null }) as PartnerPrefs;

/**
 * The audit row's actor for partner actions: partners are not staff, so no user id, a readable
 * label. Only for recordAudit — never pass it to a service that checks permissions.
 */
export function partnerAuditActor(user: PartnerUser): Actor {
  return { id: null, role: 'system', label: `partner:${user.email}` };
}

export class PartnerAccountsService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
    private readonly sessionTtlHours: number,
  ) {}

  // ---- users ----------------------------------------------------------------------------------

  async findUserByEmail(email: string): Promise<PartnerUser | undefined> {
    const r = await this.db.selectFrom('partner_users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    return r ? toPartnerUser(r) : undefined;
  }

  /**
   * The user when email and password match an active account. The partner's status is not
   * checked here: a suspended partner's people may still sign in to read why.
   */
  async authenticate(email: string, password: string): Promise<PartnerUser | undefined> {
    if (email.length > 254 || password.length > 1000) return undefined;
    const row = await this.db.selectFrom('partner_users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    const ok = await verifyPassword(row?.password_hash ?? null, password);
    if (!ok || !row || row.status !== 'active') return undefined;
    return toPartnerUser(row);
  }

  // ---- sessions -------------------------------------------------------------------------------

  async createSession(user: PartnerUser): Promise<PartnerSessionInfo> {
    if (user.status !== 'active') throw new AppError('FORBIDDEN', 'This account is disabled.');
    const token = randomToken();
    const csrfToken = randomToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.sessionTtlHours * 3600_000).toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('partner_sessions')
        .values({ id: sha256Hex(token), partner_user_id: user.id, csrf_token: csrfToken, created_at: now.toISOString(), last_seen_at: now.toISOString(), expires_at: expiresAt })
        .execute();
      await recordAudit(trx, partnerAuditActor(user), 'partner_session.login', { type: 'partner', id: user.partnerId }, { partnerUserId: user.id });
    });
    return { token, csrfToken, expiresAt };
  }

  /** Resolves a portal cookie; slides the expiry at most once a minute to spare writes. */
  async resolveSession(token: string): Promise<ResolvedPartnerSession | undefined> {
    if (!token || token.length > 200) return undefined;
    const id = sha256Hex(token);
    const row = await this.db
      .selectFrom('partner_sessions as s')
      .innerJoin('partner_users as u', 'u.id', 's.partner_user_id')
      .innerJoin('partners as p', 'p.id', 'u.partner_id')
      .select([
        's.csrf_token', 's.expires_at as session_expires_at', 's.last_seen_at',
        'u.id as user_id', 'u.partner_id as user_partner_id', 'u.email as user_email', 'u.name as user_name', 'u.status as user_status', 'u.created_at as user_created_at',
      ])
      .selectAll('p')
      .where('s.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const now = new Date();
    if (row.session_expires_at <= now.toISOString()) {
      await this.db.deleteFrom('partner_sessions').where('id', '=', id).execute();
      return undefined;
    }
    if (row.user_status !== 'active') return undefined;
    if (now.getTime() - Date.parse(row.last_seen_at) > 60_000) {
      await this.db
        .updateTable('partner_sessions')
        .set({ last_seen_at: now.toISOString(), expires_at: new Date(now.getTime() + this.sessionTtlHours * 3600_000).toISOString() })
        .where('id', '=', id)
        .execute();
    }
    const {
      csrf_token, session_expires_at, last_seen_at, user_id, user_partner_id, user_email, user_name, user_status, user_created_at, ...partner
    } = row;
    void session_expires_at;
    void last_seen_at;
    return {
      user: { id: user_id, partnerId: user_partner_id, email: user_email, name: user_name, status: user_status, createdAt: user_created_at },
      partner: toPartner(partner),
      csrfToken: csrf_token,
      sessionId: id,
    };
  }

  async destroySession(sessionId: string): Promise<void> {
    await this.db.deleteFrom('partner_sessions').where('id', '=', sessionId).execute();
  }

  /**
   * A partner user changes their own password. Confirms the current one, then ends every other
   * session of this login (ASVS 5.0 V7.4.3): a stolen cookie dies with the old password. The
   * kept session gets a new token and CSRF token (`kept`, for the caller's cookie). Returns how
   * many sessions ended, or null when the current password is wrong (the caller counts that as a
   * failed login).
   */
  async changePassword(
    user: PartnerUser,
    input: { current: string; next: string },
    keepSessionId: string,
  ): Promise<{ sessionsEnded: number; kept?: { token: string; csrfToken: string } } | null> {
    const f = new Fields();
    if (input.current === '') f.add('currentPassword', 'is required');
    const problem = input.next === '' ? 'is required' : passwordProblem(input.next);
    if (problem) f.add('password', problem);
    f.throwIfAny('Some fields need attention');
    const row = await this.db.selectFrom('partner_users').select('password_hash').where('id', '=', user.id).executeTakeFirst();
    if (!(await verifyPassword(row?.password_hash ?? null, input.current.slice(0, 1000)))) return null;
    const hash = await hashPassword(input.next);
    return this.db.transaction().execute(async (trx) => {
      await trx.updateTable('partner_users').set({ password_hash: hash, updated_at: new Date().toISOString() }).where('id', '=', user.id).execute();
      const r = await trx.deleteFrom('partner_sessions').where('partner_user_id', '=', user.id).where('id', '!=', keepSessionId).executeTakeFirst();
      const sessionsEnded = Number(r.numDeletedRows);
      const kept = await rotateSession(trx, 'partner_sessions', keepSessionId);
      await recordAudit(trx, partnerAuditActor(user), 'partner_user.password', { type: 'partner', id: user.partnerId }, { partnerUserId: user.id, sessionsEnded });
      return kept ? { sessionsEnded, kept } : { sessionsEnded };
    });
  }

  /** Whether the partner has a feed link (the token itself is never kept, only its hash). */
  async hasFeedToken(partnerId: string): Promise<boolean> {
    const r = await this.db.selectFrom('partners').select('feed_token_hash').where('id', '=', partnerId).executeTakeFirst();
    return !!r?.feed_token_hash;
  }

  // ---- follows --------------------------------------------------------------------------------

  async follows(partnerId: string): Promise<PartnerFollow[]> {
    const rows = await this.db.selectFrom('partner_follows').selectAll().where('partner_id', '=', partnerId).orderBy('kind').orderBy('value').execute();
    return rows.map((r) => ({ id: r.id, kind: r.kind, value: r.value, createdAt: r.created_at }));
  }

  /**
   * Adds a follow. Desk follows hold the desk id (checked by the caller against the desk list);
   * tags and searches hold the text as typed, trimmed and with runs of spaces collapsed, so
   * "Water " and "water" do not become two follows.
   */
  async follow(user: PartnerUser, kind: unknown, value: unknown): Promise<PartnerFollow> {
    const f = new Fields();
    if (!FOLLOW_KINDS.includes(kind as FollowKind)) f.add('kind', `must be one of ${FOLLOW_KINDS.join(', ')}`);
    const field = kind === 'desk' ? 'desk' : kind === 'tag' ? 'tag' : kind === 'search' ? 'search' : 'value';
    let v = f.text(field, value, { required: true, max: kind === 'search' ? 200 : 100 }).replace(/\s+/g, ' ');
    if (kind === 'tag') v = v.toLowerCase();
    f.throwIfAny('The follow needs attention');
    const existing = await this.db.selectFrom('partner_follows').select((eb) => eb.fn.countAll<number>().as('n')).where('partner_id', '=', user.partnerId).executeTakeFirstOrThrow();
    if (Number(existing.n) >= MAX_FOLLOWS) {
      throw new AppError('CONFLICT', `You can follow at most ${MAX_FOLLOWS} desks, tags and searches; remove some first.`, { details: { [field]: [`at most ${MAX_FOLLOWS} follows`] } });
    }
    const id = newId();
    const now = new Date().toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('partner_follows').values({ id, partner_id: user.partnerId, kind: kind as FollowKind, value: v, created_at: now }).execute();
        await recordAudit(trx, partnerAuditActor(user), 'partner_follow.add', { type: 'partner', id: user.partnerId }, { kind, value: v });
      });
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) throw new AppError('CONFLICT', 'You already follow that.', { details: { [field]: ['is already followed'] } });
      throw err;
    }
    return { id, kind: kind as FollowKind, value: v, createdAt: now };
  }

  async unfollow(user: PartnerUser, followId: string): Promise<void> {
    if (typeof followId !== 'string' || followId.length > 64) throw new AppError('NOT_FOUND', 'No such follow.');
    await this.db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('partner_follows').where('id', '=', followId).where('partner_id', '=', user.partnerId).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) throw new AppError('NOT_FOUND', 'No such follow (it may have been removed already).');
      await recordAudit(trx, partnerAuditActor(user), 'partner_follow.remove', { type: 'partner', id: user.partnerId }, { followId });
    });
  }

  // ---- notification preferences ---------------------------------------------------------------

  async prefs(partnerId: string): Promise<PartnerPrefs> {
    const r = await this.db.selectFrom('partner_prefs').selectAll().where('partner_id', '=', partnerId).executeTakeFirst();
    if (!r) return DEFAULT_PREFS;
    return { emailOnCorrection: r.email_on_correction === 1, emailOnKill: r.email_on_kill === 1, dailyDigest: r.daily_digest === 1, updatedAt: r.updated_at };
  }

  async setPrefs(user: PartnerUser, input: { emailOnCorrection: boolean; emailOnKill: boolean; dailyDigest: boolean }): Promise<PartnerPrefs> {
    const now = new Date().toISOString();
    const values = {
      email_on_correction: input.emailOnCorrection ? 1 : 0,
      email_on_kill: input.emailOnKill ? 1 : 0,
      daily_digest: input.dailyDigest ? 1 : 0,
      updated_at: now,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('partner_prefs')
        .values({ partner_id: user.partnerId, ...values })
        .onConflict((oc) => oc.column('partner_id').doUpdateSet(values))
        .execute();
      await recordAudit(trx, partnerAuditActor(user), 'partner_prefs.update', { type: 'partner', id: user.partnerId }, { ...input });
    });
    return { ...input, updatedAt: now };
  }
}
