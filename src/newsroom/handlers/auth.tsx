/** Logging in and out. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfToken, CSRF_COOKIE } from '../../http/csrf.js';
import { SESSION_COOKIE, sessionCookieOptions } from '../../http/auth.js';
import type { Services } from '../../services.js';
import { formFields, query, redirectWithFlash, safeNext, staff, text } from '../http.js';
import { throttledMessage } from '../login-limiter.js';
import { renderPage } from '../render.js';
import { LoginPage } from '../pages/login.js';

export function authHandlers(services: Services) {
  const limiter = services.loginLimiter;
  const { config } = services;
  const secure = config.secureCookies;

  function loginPage(request: FastifyRequest, reply: FastifyReply, opts: { email: string; next: string; message?: string; status?: number }) {
    return renderPage(
      services,
      request,
      reply,
      { title: 'Log in', section: 'login', status: opts.status },
      <LoginPage csrf={csrfToken(request, reply, secure)} email={opts.email} next={opts.next} message={opts.message} />,
    );
  }

  return {
    async form(request: FastifyRequest, reply: FastifyReply) {
      const next = safeNext(query(request, 'next'));
      if (request.staff) return reply.redirect(next, 303);
      return loginPage(request, reply, { email: '', next });
    },

    async login(request: FastifyRequest, reply: FastifyReply) {
      const fields = formFields(request.body);
      const email = text(fields, 'email').trim().slice(0, 254);
      const password = text(fields, 'password');
      const next = safeNext(text(fields, 'next'));
      if (email === '' || password === '') {
        return loginPage(request, reply, { email, next, message: 'Enter your email and your password.', status: 400 });
      }
      // Checked before the password, so a throttled attempt costs no hashing and reveals nothing.
      const throttled = await limiter.check('staff', email, request.ip);
      if (throttled) {
        reply.header('Retry-After', String(throttled.retryAfterSeconds));
        return loginPage(request, reply, { email, next, message: throttledMessage(throttled), status: 429 });
      }
      const user = await services.users.authenticate(email, password.slice(0, 1000));
      if (!user) {
        await limiter.recordFailure('staff', email, request.ip);
        request.log.info('newsroom login failed');
        // One message for unknown email, wrong password and disabled account: no hint which.
        return loginPage(request, reply, { email, next, message: 'That email and password do not match an active account.', status: 401 });
      }
      await limiter.reset('staff', email, request.ip);
      const session = await services.users.createSession(user, request.headers['user-agent']);
      reply.setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(secure, config.sessionTtlHours * 3600));
      // The pre-login token has done its job; forms now carry the session's own token.
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.redirect(next, 303);
    },

    async logout(request: FastifyRequest, reply: FastifyReply) {
      if (request.staff) await services.users.destroySession(request.staff.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return redirectWithFlash(reply, '/newsroom/login', { kind: 'info', text: 'You are logged out.' }, secure);
    },

    async logoutEverywhere(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const n = await services.users.destroyAllSessions(s.actor, s.user.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return redirectWithFlash(reply, '/newsroom/login', { kind: 'info', text: `You are logged out everywhere (${n} ${n === 1 ? 'session' : 'sessions'} ended).` }, secure);
    },
  };
}
