/** Signing in and out of the portal, and accepting an invitation (which creates the login). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { CSRF_COOKIE } from '../../http/csrf.js';
import { formFields, param, query, text } from '../../newsroom/http.js';
import { throttledMessage } from '../../newsroom/login-limiter.js';
import type { Services } from '../../services.js';
import { PARTNER_COOKIE, partnerCookieOptions, portalCsrfToken } from '../auth.js';
import { InvitationProblemPage, InvitePage, PortalLoginPage } from '../pages/session.js';
import { redirectWithPortalFlash, renderPortalPage, safePortalNext } from '../render.js';
import type { PartnerUser } from '../accounts.service.js';

export function sessionHandlers(services: Services) {
  const limiter = services.loginLimiter;
  const { config } = services;
  const secure = config.secureCookies;

  async function loginPage(request: FastifyRequest, reply: FastifyReply, opts: { email: string; next: string; message?: string; status?: number }) {
    const settings = await services.settings.get();
    return renderPortalPage(
      services,
      request,
      reply,
      { title: 'Log in', section: 'login', status: opts.status },
      <PortalLoginPage csrf={portalCsrfToken(request, reply, secure)} email={opts.email} next={opts.next} siteName={settings.siteName} message={opts.message} />,
    );
  }

  async function startSession(reply: FastifyReply, user: PartnerUser): Promise<void> {
    const session = await services.partnerAccounts.createSession(user);
    reply.setCookie(PARTNER_COOKIE, session.token, partnerCookieOptions(secure, config.sessionTtlHours * 3600));
    // The pre-login token has done its job; forms now carry the session's own token.
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
  }

  function invitationProblem(request: FastifyRequest, reply: FastifyReply, err: AppError) {
    return renderPortalPage(
      services,
      request,
      reply,
      { title: 'Invitation', section: 'invite', status: err.status },
      <InvitationProblemPage status={err.status} message={err.message} />,
    );
  }

  return {
    async form(request: FastifyRequest, reply: FastifyReply) {
      const next = safePortalNext(query(request, 'next'));
      if (request.partnerSession) return reply.redirect(next, 303);
      return loginPage(request, reply, { email: '', next });
    },

    async login(request: FastifyRequest, reply: FastifyReply) {
      const fields = formFields(request.body);
      const email = text(fields, 'email').trim().slice(0, 254);
      const password = text(fields, 'password');
      const next = safePortalNext(text(fields, 'next'));
      if (email === '' || password === '') {
        return loginPage(request, reply, { email, next, message: 'Enter your email and your password.', status: 400 });
      }
      // Checked before the password, so a throttled attempt costs no hashing and reveals nothing.
      const throttled = await limiter.check('partner', email, request.ip);
      if (throttled) {
        reply.header('Retry-After', String(throttled.retryAfterSeconds));
        return loginPage(request, reply, { email, next, message: throttledMessage(throttled), status: 429 });
      }
      const user = await services.partnerAccounts.authenticate(email, password.slice(0, 1000));
      if (!user) {
        await limiter.recordFailure('partner', email, request.ip);
        request.log.info('partner login failed');
        // One message for unknown email, wrong password and disabled login: no hint which.
        return loginPage(request, reply, { email, next, message: 'That email and password do not match a partner login.', status: 401 });
      }
      await limiter.reset('partner', email, request.ip);
      await startSession(reply, user);
      return reply.redirect(next, 303);
    },

    async logout(request: FastifyRequest, reply: FastifyReply) {
      if (request.partnerSession) await services.partnerAccounts.destroySession(request.partnerSession.sessionId);
      reply.clearCookie(PARTNER_COOKIE, { path: partnerCookieOptions(secure).path });
      return redirectWithPortalFlash(reply, '/partners/login', { kind: 'info', text: 'You are logged out.' }, secure);
    },

    async showInvitation(request: FastifyRequest, reply: FastifyReply) {
      const token = param(request, 'token');
      try {
        const inv = await services.partners.getInvitation(token);
        return await renderPortalPage(
          services,
          request,
          reply,
          { title: `Invitation for ${inv.outlet}`, section: 'invite' },
          <InvitePage csrf={portalCsrfToken(request, reply, secure)} token={token} outlet={inv.outlet} kind={inv.kind} email={inv.email} expiresAt={inv.expiresAt} name="" />,
        );
      } catch (err) {
        if (err instanceof AppError && err.status < 500) return invitationProblem(request, reply, err);
        throw err;
      }
    },

    async acceptInvitation(request: FastifyRequest, reply: FastifyReply) {
      const token = param(request, 'token');
      const fields = formFields(request.body);
      const name = text(fields, 'name');
      const password = text(fields, 'password');
      let inv;
      try {
        inv = await services.partners.getInvitation(token);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) return invitationProblem(request, reply, err);
        throw err;
      }
      const again = (status: number, message: string, errors?: Record<string, string[]>) =>
        renderPortalPage(
          services,
          request,
          reply,
          { title: `Invitation for ${inv.outlet}`, section: 'invite', status },
          <InvitePage
            csrf={portalCsrfToken(request, reply, secure)}
            token={token}
            outlet={inv.outlet}
            kind={inv.kind}
            email={inv.email}
            expiresAt={inv.expiresAt}
            name={name.slice(0, 200)}
            message={message}
            errors={errors}
          />,
        );
      if (password !== '' && password !== text(fields, 'passwordConfirm')) {
        return again(400, 'The two passwords are not the same.', { passwordConfirm: ['must be the same as the password'] });
      }
      let user: PartnerUser;
      try {
        user = await services.partners.acceptInvitation(token, { name, password });
      } catch (err) {
        if (err instanceof AppError && err.code === 'VALIDATION') return again(400, err.message, err.details);
        if (err instanceof AppError && err.status < 500) return invitationProblem(request, reply, err);
        throw err;
      }
      // A browser may still hold another partner's session: replace it.
      if (request.partnerSession) await services.partnerAccounts.destroySession(request.partnerSession.sessionId);
      await startSession(reply, user);
      return redirectWithPortalFlash(reply, '/partners', { kind: 'success', text: `Welcome, ${user.name}. Your login for ${inv.outlet} is ready.` }, secure);
    },
  };
}
