/** Staff accounts, sessions and API tokens. */
import type { Kysely } from 'kysely';
import type { DB, Role, User } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { newId, randomToken, sha256Hex } from '../util/ids.js';
import { Fields } from '../util/validate.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { assertCan, ROLES, type Actor } from './permissions.js';

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: User['status'];
  /** May read the tip line (granted by an admin). */
  tipsAccess: boolean;
  createdAt: string;
}

export function toPublicUser(u: User): PublicUser {
  return { id: u.id, email: u.email, name: u.name, role: u.role, status: u.status, tipsAccess: Number(u.tips_access) === 1, createdAt: u.created_at };
}

export function actorFor(user: User): Actor {
  return { id: user.id, role: user.role, label: user.email, tips: Number(user.tips_access) === 1 };
}

export interface SessionInfo {
  token: string;
  csrfToken: string;
  expiresAt: string;
}

export class UsersService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
    private readonly sessionTtlHours: number,
  ) {}

  async count(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async list(): Promise<PublicUser[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('email').execute();
    return rows.map(toPublicUser);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  }

  async get(id: string): Promise<User> {
    const u = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!u) throw new AppError('USER_NOT_FOUND', 'No such user.');
    return u;
  }

  async create(actor: Actor, input: { email: unknown; name?: unknown; role: unknown; password?: unknown }): Promise<PublicUser> {
    assertCan(actor, 'users.manage');
    const f = new Fields();
    const email = f.email('email', input.email, { required: true });
    const name = f.text('name', input.name, { max: 120 }) || email.split('@')[0] || email;
    const role = input.role as Role;
    if (!ROLES.includes(role)) f.add('role', `must be one of ${ROLES.join(', ')}`);
    let password: string | undefined;
    if (input.password !== undefined && input.password !== '') {
      if (typeof input.password !== 'string') f.add('password', 'must be text');
      else {
        const problem = passwordProblem(input.password);
        if (problem) f.add('password', problem);
        password = input.password;
      }
    }
    f.throwIfAny();
    const passwordHash = password ? await hashPassword(password) : null;
    const now = new Date().toISOString();
    const id = newId();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({ id, email, name, role, password_hash: passwordHash, status: 'active', created_at: now, updated_at: now })
          .execute();
        await recordAudit(trx, actor, 'user.create', { type: 'user', id }, { email, role });
      });
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) {
        throw new AppError('CONFLICT', `A user with the email ${email} already exists.`, { details: { email: ['is already taken'] } });
      }
      throw err;
    }
    return toPublicUser(await this.get(id));
  }

  /**
   * Grants or revokes the tip line permission. Admins decide who reads tips; no role carries it.
   * The change applies to the user's next request (sessions resolve the user each time).
   */
  async setTipsAccess(actor: Actor, id: string, granted: boolean): Promise<PublicUser> {
    assertCan(actor, 'users.manage');
    await this.get(id);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ tips_access: granted ? 1 : 0, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      await recordAudit(trx, actor, granted ? 'user.tips_granted' : 'user.tips_revoked', { type: 'user', id });
    });
    return toPublicUser(await this.get(id));
  }

  async update(actor: Actor, id: string, input: { name?: unknown; role?: unknown; status?: unknown }): Promise<PublicUser> {
    assertCan(actor, 'users.manage');
    const user = await this.get(id);
    const f = new Fields();
    const patch: Partial<User> = {};
    if (input.name !== undefined) patch.name = f.text('name', input.name, { required: true, max: 120 });
    if (input.role !== undefined) {
      if (!ROLES.includes(input.role as Role)) f.add('role', `must be one of ${ROLES.join(', ')}`);
      else patch.role = input.role as Role;
    }
    if (input.status !== undefined) {
      if (input.status !== 'active' && input.status !== 'disabled') f.add('status', 'must be active or disabled');
      else patch.status = input.status;
    }
    f.throwIfAny();
    const demotesAdmin = user.role === 'admin' && ((patch.role && patch.role !== 'admin') || patch.status === 'disabled');
    if (demotesAdmin) {
      const admins = await this.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow();
      if (Number(admins.n) <= 1) throw new AppError('CONFLICT', 'This is the last active admin; make someone else an admin first.');
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ ...patch, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      if (patch.status === 'disabled') {
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        await trx.updateTable('api_tokens').set({ revoked_at: new Date().toISOString() }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
      }
      await recordAudit(trx, actor, 'user.update', { type: 'user', id }, patch);
    });
    return toPublicUser(await this.get(id));
  }

  /**
   * Sets a password and ends the user's sessions (ASVS 5.0 V7.4.3): whoever knew the old password,
   * or holds a stolen cookie, is out. `keepSessionId` spares the session the user changed their
   * own password from, under a new token and CSRF token (`kept`, for the caller's cookie): the
   * cookie sent alongside the old password is worth nothing afterwards. Returns how many
   * sessions ended. API tokens are left alone: they are separate credentials with their own
   * revocation (`revokeAllTokens`).
   */
  async setPassword(
    actor: Actor,
    id: string,
    password: string,
    opts: { keepSessionId?: string } = {},
  ): Promise<{ sessionsEnded: number; kept?: { token: string; csrfToken: string } }> {
    if (actor.id !== id) assertCan(actor, 'users.manage');
    const problem = passwordProblem(password);
    if (problem) throw new AppError('VALIDATION', `Password ${problem}.`, { details: { password: [problem] } });
    await this.get(id);
    const hash = await hashPassword(password);
    return this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ password_hash: hash, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      let ended = trx.deleteFrom('sessions').where('user_id', '=', id);
      if (opts.keepSessionId !== undefined) ended = ended.where('id', '!=', opts.keepSessionId);
      const sessionsEnded = Number((await ended.executeTakeFirst()).numDeletedRows);
      const kept = opts.keepSessionId === undefined ? undefined : await rotateSession(trx, 'sessions', opts.keepSessionId);
      await recordAudit(trx, actor, 'user.password', { type: 'user', id }, { sessionsEnded });
      return kept ? { sessionsEnded, kept } : { sessionsEnded };
    });
  }

  /** Returns the user when email and password match an active account. */
  async authenticate(email: string, password: string): Promise<User | undefined> {
    const user = await this.findByEmail(email);
    const ok = await verifyPassword(user?.password_hash ?? null, password);
    if (!ok || !user || user.status !== 'active') return undefined;
    return user;
  }

  // ---- sessions -------------------------------------------------------------------------------

  async createSession(user: User, userAgent: string | undefined): Promise<SessionInfo> {
    const token = randomToken();
    const csrfToken = randomToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.sessionTtlHours * 3600_000).toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: sha256Hex(token),
          user_id: user.id,
          csrf_token: csrfToken,
          created_at: now.toISOString(),
          last_seen_at: now.toISOString(),
          expires_at: expiresAt,
          user_agent: userAgent?.slice(0, 300) ?? null,
        })
        .execute();
      await recordAudit(trx, actorFor(user), 'session.login', { type: 'user', id: user.id });
    });
    return { token, csrfToken, expiresAt };
  }

  /** Resolves a session cookie; slides the expiry at most once a minute to spare writes. */
  async resolveSession(token: string): Promise<{ user: User; csrfToken: string; sessionId: string } | undefined> {
    if (!token || token.length > 200) return undefined;
    const id = sha256Hex(token);
    const session = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!session) return undefined;
    const now = new Date();
    if (session.expires_at <= now.toISOString()) {
      await this.db.deleteFrom('sessions').where('id', '=', id).execute();
      return undefined;
    }
    const user = await this.db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirst();
    if (!user || user.status !== 'active') return undefined;
    if (now.getTime() - Date.parse(session.last_seen_at) > 60_000) {
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: now.toISOString(), expires_at: new Date(now.getTime() + this.sessionTtlHours * 3600_000).toISOString() })
        .where('id', '=', id)
        .execute();
    }
    return { user, csrfToken: session.csrf_token, sessionId: id };
  }

  async destroySession(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  }

  /** "Log out everywhere": ends every session of the user. */
  async destroyAllSessions(actor: Actor, userId: string): Promise<number> {
    if (actor.id !== userId) assertCan(actor, 'users.manage');
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      await recordAudit(trx, actor, 'session.logout_everywhere', { type: 'user', id: userId });
      return Number(r.numDeletedRows);
    });
  }

  async listSessions(userId: string): Promise<Array<{ id: string; createdAt: string; lastSeenAt: string; userAgent: string | null }>> {
    const rows = await this.db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('last_seen_at', 'desc').execute();
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, userAgent: r.user_agent }));
  }

  // ---- API tokens -----------------------------------------------------------------------------

  /** Creates a token for a user; the token is returned once and stored only as a hash. */
  async createToken(actor: Actor, userId: string, name: string): Promise<{ id: string; token: string }> {
    if (actor.id !== userId) assertCan(actor, 'users.manage');
    const user = await this.get(userId);
    if (user.status !== 'active') throw new AppError('CONFLICT', 'Cannot create a token for a disabled user.');
    const f = new Fields();
    const cleanName = f.text('name', name, { required: true, max: 100 });
    f.throwIfAny();
    const token = `fw_${randomToken()}`;
    const id = newId();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('api_tokens')
        .values({
          id,
          user_id: userId,
          name: cleanName,
          token_hash: sha256Hex(token),
          prefix: token.slice(0, 10),
          created_at: new Date().toISOString(),
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
      await recordAudit(trx, actor, 'token.create', { type: 'api_token', id }, { userId, name: cleanName });
    });
    return { id, token };
  }

  async listTokens(userId?: string) {
    let q = this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.id', 'api_tokens.name', 'api_tokens.prefix', 'api_tokens.created_at', 'api_tokens.last_used_at', 'api_tokens.revoked_at', 'users.email'])
      .orderBy('api_tokens.created_at', 'desc')
      .orderBy('api_tokens.id');
    if (userId) q = q.where('api_tokens.user_id', '=', userId);
    return q.execute();
  }

  /** Revokes by id or by the token's visible prefix. */
  async revokeToken(actor: Actor, idOrPrefix: string): Promise<void> {
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
      .execute();
    if (row.length === 0) throw new AppError('NOT_FOUND', `No API token matches "${idOrPrefix}".`);
    if (row.length > 1) throw new AppError('CONFLICT', `More than one token matches "${idOrPrefix}"; use the token id.`);
    const token = row[0]!;
    if (actor.id !== token.user_id) assertCan(actor, 'users.manage');
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('api_tokens').set({ revoked_at: new Date().toISOString() }).where('id', '=', token.id).execute();
      await recordAudit(trx, actor, 'token.revoke', { type: 'api_token', id: token.id });
    });
  }

  /** Revokes every active API token of a user at once; returns how many were revoked. */
  async revokeAllTokens(actor: Actor, userId: string): Promise<number> {
    assertCan(actor, 'users.manage');
    await this.get(userId);
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('api_tokens').set({ revoked_at: new Date().toISOString() }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
      const revoked = Number(r.numUpdatedRows);
      await recordAudit(trx, actor, 'token.revoke_all', { type: 'user', id: userId }, { revoked });
      return revoked;
    });
  }

  async resolveToken(token: string): Promise<User | undefined> {
    if (!token || token.length > 200) return undefined;
    const row = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
    if (!row || row.revoked_at) return undefined;
    const user = await this.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
    if (!user || user.status !== 'active') return undefined;
    const now = new Date();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
      await this.db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
    }
    return user;
  }
}

/**
 * Gives a session (staff or partner) a new token and CSRF token in place, keeping its row; only
 * the token's hash is stored, as at login. Undefined when the session is gone.
 */
export async function rotateSession(
  db: Kysely<DB>,
  table: 'sessions' | 'partner_sessions',
  sessionId: string,
): Promise<{ token: string; csrfToken: string } | undefined> {
  const token = randomToken();
  const csrfToken = randomToken();
  const r = await db.updateTable(table).set({ id: sha256Hex(token), csrf_token: csrfToken }).where('id', '=', sessionId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1 ? { token, csrfToken } : undefined;
}
