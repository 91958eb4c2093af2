/** Every user's own account: password, sessions, API tokens. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { formFields, isFormError, param, redirectWithFlash, staff, text } from '../http.js';
import type { LoginLimiter } from '../login-limiter.js';
import { renderPage } from '../render.js';
import { AccountPage, type AccountPageProps } from '../pages/account.js';

type Extra = Partial<Pick<AccountPageProps, 'passwordErrors' | 'passwordMessage' | 'tokenErrors' | 'tokenName' | 'newToken'>>;

export function accountHandlers(services: Services, limiter: LoginLimiter) {
  const secure = services.config.secureCookies;

  async function page(request: FastifyRequest, reply: FastifyReply, extra: Extra = {}, status = 200) {
    const s = staff(request);
    const [sessions, tokens] = await Promise.all([services.users.listSessions(s.user.id), services.users.listTokens(s.user.id)]);
    return renderPage(
      services,
      request,
      reply,
      { title: 'Your account', section: 'account', status },
      <AccountPage user={s.user} csrf={s.csrfToken} currentSessionId={s.sessionId} sessions={sessions} tokens={tokens} {...extra} />,
    );
  }

  return {
    async show(request: FastifyRequest, reply: FastifyReply) {
      return page(request, reply);
    },

    async changePassword(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const fields = formFields(request.body);
      const current = text(fields, 'currentPassword');
      const next = text(fields, 'password');
      const confirm = text(fields, 'confirmPassword');
      try {
        // The same per-account budget as the login form: a stolen session must not become a
        // way to guess the password itself.
        if (limiter.isBlocked(s.user.email)) {
          reply.header('Retry-After', '60');
          throw new AppError('RATE_LIMITED', 'Too many wrong passwords for this account. Wait a minute, then try again.');
        }
        const details: Record<string, string[]> = {};
        if (current === '') details.currentPassword = ['is required'];
        if (next === '') details.password = ['is required'];
        else if (next !== confirm) details.confirmPassword = ['does not match the new password'];
        if (Object.keys(details).length > 0) throw new AppError('VALIDATION', 'Some fields need attention', { details });
        if (!(await services.users.authenticate(s.user.email, current.slice(0, 1000)))) {
          limiter.recordFailure(s.user.email);
          throw new AppError('VALIDATION', 'Your current password is not correct', { details: { currentPassword: ['is not correct'] } });
        }
        await services.users.setPassword(s.actor, s.user.id, next);
      } catch (err) {
        if (!(err instanceof AppError) || !(err.code === 'RATE_LIMITED' || isFormError(err))) throw err;
        return page(request, reply, { passwordErrors: err.details, passwordMessage: err.message }, err.status);
      }
      limiter.reset(s.user.email);
      return redirectWithFlash(reply, '/newsroom/account', { kind: 'success', text: 'Password changed. To sign out other devices, use “Log out everywhere”.' }, secure);
    },

    async createToken(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const name = text(formFields(request.body), 'name');
      let created: { id: string; token: string };
      try {
        created = await services.users.createToken(s.actor, s.user.id, name);
      } catch (err) {
        if (!isFormError(err)) throw err;
        return page(request, reply, { tokenErrors: err.details, tokenName: name }, err.status);
      }
      // Rendered, not redirected: the token is shown this once and must not travel in a cookie or URL.
      return page(request, reply, { newToken: { name: name.trim(), token: created.token } }, 201);
    },

    async revokeToken(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const id = param(request, 'id');
      const mine = (await services.users.listTokens(s.user.id)).find((t) => t.id === id);
      if (!mine) throw new AppError('NOT_FOUND', 'You have no API token with this id.');
      await services.users.revokeToken(s.actor, mine.id);
      return redirectWithFlash(reply, '/newsroom/account', { kind: 'success', text: `Token “${mine.name}” revoked.` }, secure);
    },
  };
}
