/** Staff accounts: admin only (the route guard and UsersService both check users.manage). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { SESSION_COOKIE, sessionCookieOptions } from '../../http/auth.js';
import type { Services } from '../../services.js';
import { toPublicUser, type PublicUser } from '../../users/users.service.js';
import { formFields, isFormError, param, redirectWithFlash, staff, text } from '../http.js';
import { renderPage } from '../render.js';
import type { Errors } from '../pages/components.js';
import { RevokeTokensConfirmPage, UserEditPage, UsersPage, type NewUserValues } from '../pages/users.js';

export function userHandlers(services: Services) {
  const secure = services.config.secureCookies;

  async function listPage(request: FastifyRequest, reply: FastifyReply, values: NewUserValues, opts: { errors?: Errors | undefined; message?: string; status?: number } = {}) {
    const s = staff(request);
    const users = await services.users.list();
    return renderPage(
      services,
      request,
      reply,
      { title: 'Users', section: 'users', status: opts.status },
      <UsersPage users={users} values={values} errors={opts.errors} message={opts.message} csrf={s.csrfToken} currentUserId={s.user.id} />,
    );
  }

  async function activeTokens(userId: string): Promise<number> {
    return (await services.users.listTokens(userId)).filter((t) => !t.revoked_at).length;
  }

  async function editPage(
    request: FastifyRequest,
    reply: FastifyReply,
    user: PublicUser,
    opts: { values?: { name: string; role: string }; errors?: Errors | undefined; message?: string; passwordErrors?: Errors | undefined; status?: number } = {},
  ) {
    const s = staff(request);
    const tokens = await activeTokens(user.id);
    return renderPage(
      services,
      request,
      reply,
      { title: user.email, section: 'users', status: opts.status },
      <UserEditPage
        user={user}
        isSelf={user.id === s.user.id}
        csrf={s.csrfToken}
        values={opts.values ?? { name: user.name, role: user.role }}
        errors={opts.errors}
        message={opts.message}
        passwordErrors={opts.passwordErrors}
        activeTokens={tokens}
      />,
    );
  }

  async function loadUser(request: FastifyRequest): Promise<PublicUser> {
    const id = param(request, 'id');
    if (id.length > 64) throw new AppError('USER_NOT_FOUND', 'No such user.');
    return toPublicUser(await services.users.get(id));
  }

  return {
    async list(request: FastifyRequest, reply: FastifyReply) {
      return listPage(request, reply, { email: '', name: '', role: 'reporter' });
    },

    async create(request: FastifyRequest, reply: FastifyReply) {
      const fields = formFields(request.body);
      const values = { email: text(fields, 'email'), name: text(fields, 'name'), role: text(fields, 'role') };
      const password = text(fields, 'password');
      let user: PublicUser;
      try {
        // An account without a password could never log in through the newsroom.
        if (password === '') throw new AppError('VALIDATION', 'Set an initial password', { details: { password: ['is required'] } });
        user = await services.users.create(staff(request).actor, { ...values, password });
      } catch (err) {
        if (!isFormError(err)) throw err;
        return listPage(request, reply, values, { errors: err.details, message: err.message, status: err.status });
      }
      return redirectWithFlash(reply, '/newsroom/users', { kind: 'success', text: `${user.email} can now log in as ${user.role}.` }, secure);
    },

    async edit(request: FastifyRequest, reply: FastifyReply) {
      return editPage(request, reply, await loadUser(request));
    },

    async update(request: FastifyRequest, reply: FastifyReply) {
      const user = await loadUser(request);
      const fields = formFields(request.body);
      const values = { name: text(fields, 'name'), role: text(fields, 'role') };
      try {
        await services.users.update(staff(request).actor, user.id, values);
      } catch (err) {
        if (!isFormError(err)) throw err;
        return editPage(request, reply, user, { values, errors: err.details, message: err.message, status: err.status });
      }
      return redirectWithFlash(reply, `/newsroom/users/${user.id}`, { kind: 'success', text: 'Saved.' }, secure);
    },

    async setStatus(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const user = await loadUser(request);
      const status = text(formFields(request.body), 'status');
      try {
        if (status === 'disabled' && user.id === s.user.id) {
          throw new AppError('CONFLICT', 'You cannot disable your own account; ask another admin.');
        }
        await services.users.update(s.actor, user.id, { status });
      } catch (err) {
        if (!isFormError(err)) throw err;
        return editPage(request, reply, user, { errors: err.details, message: err.message, status: err.status });
      }
      const msg = status === 'disabled' ? `${user.email} is disabled: their sessions and API tokens no longer work.` : `${user.email} can log in again.`;
      return redirectWithFlash(reply, `/newsroom/users/${user.id}`, { kind: 'success', text: msg }, secure);
    },

    async resetPassword(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const user = await loadUser(request);
      const password = text(formFields(request.body), 'password');
      const self = user.id === s.user.id;
      let changed: { sessionsEnded: number; kept?: { token: string } };
      try {
        // Everyone signed in as this user is logged out; an admin setting their own password
        // here keeps this browser's session, as on the Account page.
        changed = await services.users.setPassword(s.actor, user.id, password, self ? { keepSessionId: s.sessionId } : {});
      } catch (err) {
        if (!isFormError(err)) throw err;
        return editPage(request, reply, user, { passwordErrors: err.details ?? { password: [err.message] }, status: err.status });
      }
      if (changed.kept) reply.setCookie(SESSION_COOKIE, changed.kept.token, sessionCookieOptions(secure, services.config.sessionTtlHours * 3600));
      const { sessionsEnded } = changed;
      const ended = sessionsEnded === 0 ? '' : ` ${sessionsEnded} ${sessionsEnded === 1 ? 'session' : 'sessions'} logged out.`;
      return redirectWithFlash(reply, `/newsroom/users/${user.id}`, { kind: 'success', text: `New password set for ${user.email}.${ended}` }, secure);
    },

    async setTipsAccess(request: FastifyRequest, reply: FastifyReply) {
      const user = await loadUser(request);
      const value = text(formFields(request.body), 'tipsAccess');
      if (value !== 'yes' && value !== 'no') throw new AppError('VALIDATION', 'tipsAccess must be yes or no.', { details: { tipsAccess: ['must be yes or no'] } });
      await services.users.setTipsAccess(staff(request).actor, user.id, value === 'yes');
      const msg = value === 'yes' ? `${user.email} may now read tips (with the passphrase).` : `${user.email} may no longer read tips.`;
      return redirectWithFlash(reply, `/newsroom/users/${user.id}`, { kind: 'success', text: msg }, secure);
    },

    /** Two steps: the first POST shows what will stop working, the second (confirm=yes) revokes. */
    async revokeTokens(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const user = await loadUser(request);
      if (text(formFields(request.body), 'confirm') !== 'yes') {
        const n = await activeTokens(user.id);
        if (n === 0) return redirectWithFlash(reply, `/newsroom/users/${user.id}`, { kind: 'info', text: `${user.email} has no active API tokens.` }, secure);
        return renderPage(services, request, reply, { title: `Revoke API tokens of ${user.email}`, section: 'users' }, <RevokeTokensConfirmPage user={user} csrf={s.csrfToken} activeTokens={n} />);
      }
      const revoked = await services.users.revokeAllTokens(s.actor, user.id);
      const done = revoked === 0 ? `${user.email} had no active API tokens.` : `Revoked ${revoked} API ${revoked === 1 ? 'token' : 'tokens'} of ${user.email}.`;
      return redirectWithFlash(reply, `/newsroom/users/${user.id}`, { kind: 'success', text: done }, secure);
    },
  };
}
