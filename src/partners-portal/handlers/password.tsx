/** A partner user changing their own password: other sessions end, this one gets a new token. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { formFields, isFormError, text } from '../../newsroom/http.js';
import { throttledMessage } from '../../newsroom/login-limiter.js';
import type { Services } from '../../services.js';
import { PARTNER_COOKIE, partnerCookieOptions, partnerSession } from '../auth.js';
import { PasswordPage, type PasswordPageProps } from '../pages/password.js';
import { redirectWithPortalFlash, renderPortalPage } from '../render.js';

export function passwordHandlers(services: Services) {
  const { config } = services;
  const secure = config.secureCookies;
  const limiter = services.loginLimiter;

  function page(request: FastifyRequest, reply: FastifyReply, extra: Partial<PasswordPageProps> = {}, status = 200) {
    const s = partnerSession(request);
    return renderPortalPage(services, request, reply, { title: 'Your password', section: 'dashboard', status }, <PasswordPage csrf={s.csrfToken} email={s.user.email} {...extra} />);
  }

  return {
    show(request: FastifyRequest, reply: FastifyReply) {
      return page(request, reply);
    },

    async change(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const fields = formFields(request.body);
      const current = text(fields, 'currentPassword');
      const next = text(fields, 'password');
      let changed: { sessionsEnded: number; kept?: { token: string } } | null;
      try {
        // The login form's (account, address) budget: a stolen session must not become a way
        // to guess the password itself.
        const throttled = await limiter.check('partner', s.user.email, request.ip);
        if (throttled) {
          reply.header('Retry-After', String(throttled.retryAfterSeconds));
          throw new AppError('RATE_LIMITED', throttledMessage(throttled, 'confirm your password'));
        }
        if (next !== '' && next !== text(fields, 'passwordConfirm')) {
          throw new AppError('VALIDATION', 'The two new passwords are not the same.', { details: { passwordConfirm: ['must be the same as the new password'] } });
        }
        changed = await services.partnerAccounts.changePassword(s.user, { current, next }, s.sessionId);
        if (!changed) {
          await limiter.recordFailure('partner', s.user.email, request.ip);
          throw new AppError('VALIDATION', 'Your current password is not correct.', { details: { currentPassword: ['is not correct'] } });
        }
      } catch (err) {
        if (!(err instanceof AppError) || !(err.code === 'RATE_LIMITED' || isFormError(err))) throw err;
        return page(request, reply, { message: err.message, errors: err.details }, err.status);
      }
      await limiter.reset('partner', s.user.email, request.ip);
      // This browser stays signed in under the session's new token.
      if (changed.kept) reply.setCookie(PARTNER_COOKIE, changed.kept.token, partnerCookieOptions(secure, config.sessionTtlHours * 3600));
      const { sessionsEnded } = changed;
      const others = sessionsEnded === 0 ? '' : ` ${sessionsEnded} other ${sessionsEnded === 1 ? 'session was' : 'sessions were'} logged out.`;
      return redirectWithPortalFlash(reply, '/partners', { kind: 'success', text: `Password changed.${others}` }, secure);
    },
  };
}
