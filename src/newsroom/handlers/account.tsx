/** Every user's own account: password, sessions, API tokens. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { formFields, isFormError, param, redirectWithFlash, staff, text } from '../http.js';
import { throttledMessage } from '../login-limiter.js';
import { SESSION_COOKIE, sessionCookieOptions } from '../../http/auth.js';
import { renderPage } from '../render.js';
import { AccountPage, type AccountPageProps } from '../pages/account.js';

type Extra = Partial<Pick<AccountPageProps, 'passwordErrors' | 'passwordMessage' | 'tokenErrors' | 'tokenName' | 'newToken'>>;

export function accountHandlers(services: Services) {
  const secure = services.config.secureCookies;
  const limiter = services.loginLimiter;

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
      let changed: { sessionsEnded: number; kept?: { token: string } };
      try {
        // The same (account, address) budget as the login form: a stolen session must not
        // become a way to guess the password itself.
        const throttled = await limiter.check('staff', s.user.email, request.ip);
        if (throttled) {
          reply.header('Retry-After', String(throttled.retryAfterSeconds));
          throw new AppError('RATE_LIMITED', throttledMessage(throttled, 'confirm your password'));
        }
        const details: Record<string, string[]> = {};
        if (current === '') details.currentPassword = ['is required'];
        if (next === '') details.password = ['is required'];
        else if (next !== confirm) details.confirmPassword = ['does not match the new password'];
        if (Object.keys(details).length > 0) throw new AppError('VALIDATION', 'Some fields need attention', { details });
        if (!(await services.users.authenticate(s.user.email, current.slice(0, 1000)))) {
          await limiter.recordFailure('staff', s.user.email, request.ip);
          throw new AppError('VALIDATION', 'Your current password is not correct', { details: { currentPassword: ['is not correct'] } });
        }
        changed = await services.users.setPassword(s.actor, s.user.id, next, { keepSessionId: s.sessionId });
      } catch (err) {
        if (!(err instanceof AppError) || !(err.code === 'RATE_LIMITED' || isFormError(err))) throw err;
        return page(request, reply, { passwordErrors: err.details, passwordMessage: err.message }, err.status);
      }
      await limiter.reset('staff', s.user.email, request.ip);
      // This browser stays signed in, under a new token: the cookie sent alongside the old
      // password is worth nothing now.
      if (changed.kept) reply.setCookie(SESSION_COOKIE, changed.kept.token, sessionCookieOptions(secure, services.config.sessionTtlHours * 3600));
      const { sessionsEnded } = changed;
      const others = sessionsEnded === 0 ? '' : ` ${sessionsEnded} other ${sessionsEnded === 1 ? 'session was' : 'sessions were'} logged out.`;
      return redirectWithFlash(reply, '/newsroom/account', { kind: 'success', text: `Password changed.${others}` }, secure);
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
