/**
 * Every partner-portal URL, in one list. The portal is for outside publishers: its own accounts
 * (partner_users), its own session cookie and CSRF tokens, its own frame and error pages. It is
 * registered in its own scope, so staff sessions are never resolved here and the newsroom's
 * guards never apply.
 *
 * Guards, in the order they run (every route first resolves the portal session):
 *   open      none                                        (login form, invitation page)
 *   preLogin  verifyPartnerCsrf (double-submit cookie)    (login, accepting an invitation)
 *   page      requirePartnerPage                          (any signed-in partner user)
 *   form      requirePartnerPage, verifyPartnerCsrf
 *   approved… the same plus requireApprovedPartner        (stories, keys, feeds, webhooks, usage)
 */
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { Services } from '../services.js';
import { loadPartner, requireApprovedPartner, requirePartnerPage, verifyPartnerCsrf } from './auth.js';
import { accountHandlers } from './handlers/account.js';
import { passwordHandlers } from './handlers/password.js';
import { domainHandlers } from './handlers/domains.js';
import { sessionHandlers } from './handlers/session.js';
import { storyHandlers } from './handlers/stories.js';
import { usageHandlers } from './handlers/usage.js';
import { webhookHandlers } from './handlers/webhooks.js';
import { registerPortalErrors } from './errors.js';
import { noticeHandlers } from '../notices/portal.js';

export async function registerPartnerPortal(app: FastifyInstance, services: Services): Promise<void> {
  app.decorateRequest('partnerSession', null);

  await app.register(async (scope) => {
    scope.addHook('preHandler', loadPartner(services));
    registerPortalErrors(scope, services);

    const session = sessionHandlers(services);
    const account = accountHandlers(services);
    const password = passwordHandlers(services);
    const stories = storyHandlers(services);
    const usage = usageHandlers(services);
    const domains = domainHandlers(services);
    const webhooks = webhookHandlers(services);
    const notices = noticeHandlers(services);

    const guard = (...handlers: preHandlerHookHandler[]) => ({ preHandler: handlers });
    const preLogin = guard(verifyPartnerCsrf);
    const page = guard(requirePartnerPage);
    const form = guard(requirePartnerPage, verifyPartnerCsrf);
    const approvedPage = guard(requirePartnerPage, requireApprovedPartner);
    const approvedForm = guard(requirePartnerPage, verifyPartnerCsrf, requireApprovedPartner);
    // Per address, for accepting invitations. Logins are slowed per (account, address) and per
    // address by services.loginLimiter, inside the handler.
    const loginLimit = { rateLimit: { max: services.config.loginRateLimitPerMinute, timeWindow: '1 minute' } };

    // ---- session and invitations ----------------------------------------------------------------
    scope.get('/partners/login', session.form);
    scope.post('/partners/login', preLogin, session.login);
    scope.post('/partners/logout', form, session.logout);
    scope.get('/partners/invite/:token', session.showInvitation);
    scope.post('/partners/invite/:token', { ...preLogin, config: loginLimit }, session.acceptInvitation);

    // ---- overview, follows and alerts (any partner user, whatever the partner's status) -------------
    scope.get('/partners', page, account.dashboard);
    scope.get('/partners/follows', page, account.follows);
    scope.post('/partners/follows', form, account.addFollow);
    scope.post('/partners/follows/:id/remove', form, account.removeFollow);
    scope.post('/partners/follows/prefs', form, account.savePrefs);
    scope.get('/partners/password', page, password.show);
    scope.post('/partners/password', form, password.change);

    // ---- where the partner publishes (any partner user) ------------------------------------------
    scope.get('/partners/domains', page, domains.page);
    scope.post('/partners/domains', form, domains.save);

    // ---- keys and feed links (approved partners) -------------------------------------------------
    scope.get('/partners/keys', approvedPage, account.keys);
    scope.post('/partners/keys', approvedForm, account.createKey);
    scope.post('/partners/keys/:id/revoke', approvedForm, account.revokeKey);
    scope.post('/partners/feed-link', approvedForm, account.rotateFeed);

    // ---- webhook endpoints (approved partners) ---------------------------------------------------
    scope.get('/partners/webhooks', approvedPage, webhooks.list);
    scope.post('/partners/webhooks', approvedForm, webhooks.create);
    scope.get('/partners/webhooks/:id', approvedPage, webhooks.show);
    scope.post('/partners/webhooks/:id', approvedForm, webhooks.update);
    scope.post('/partners/webhooks/:id/enable', approvedForm, webhooks.enable);
    scope.post('/partners/webhooks/:id/disable', approvedForm, webhooks.disable);
    scope.post('/partners/webhooks/:id/delete', approvedForm, webhooks.remove);
    scope.post('/partners/webhooks/:id/rotate-secret', approvedForm, webhooks.rotate);
    scope.post('/partners/webhooks/:id/test', approvedForm, webhooks.test);
    scope.post('/partners/webhooks/:id/deliveries/:deliveryId/replay', approvedForm, webhooks.replay);

    // ---- stories (approved partners) -------------------------------------------------------------
    scope.get('/partners/stories', approvedPage, stories.list);
    scope.get('/partners/stories/:id/republish', approvedPage, stories.republish);
    scope.post('/partners/stories/:id/acknowledge', form, notices.acknowledge);

    // ---- usage (approved partners; their own numbers only) ---------------------------------------
    scope.get('/partners/usage', approvedPage, usage.page);
    scope.get('/partners/usage.csv', approvedPage, usage.csv);
  });
}
