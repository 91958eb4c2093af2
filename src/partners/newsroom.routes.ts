/**
 * Staff pages of the program: the review queue and decisions (editors and admins,
 * 'partners.review'), the eligibility rules (admins, 'settings.manage') and the mail outbox.
 * Registered in the newsroom scope, which has already resolved the session and renders errors
 * in the newsroom's frame. The services check every permission again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { MailStatus, PartnerStatus } from '../db/schema.js';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { requireStaffPage } from '../http/auth.js';
import { verifyCsrf } from '../http/csrf.js';
import { formFields, isFormError, list, param, query, redirectWithFlash, requirePermission, staff, text } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import type { Errors } from '../newsroom/pages/components.js';
import { can, type Permission } from '../users/permissions.js';
import { MAIL_STATUSES } from '../mail/mailer.js';
import { PARTNER_STATUSES, type Partner } from './partners.service.js';
import { approvePartner, invitationPath, rejectPartner, suspendPartner } from './decisions.js';
import { MailListPage, MailViewPage, PartnerDetailPage, PartnersListPage, RulesPage, rulesValues, type RulesValues } from './pages/review.js';
import { registerWebhookNewsroomRoutes } from '../webhooks/newsroom.routes.js';
import { partnerLicenseRows } from '../licensing/licenses-page.routes.js';

const PAGE_SIZE = 50;

function pageNumber(request: FastifyRequest): number {
  const raw = query(request, 'page');
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

export async function registerPartnerReviewRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const secure = services.config.secureCookies;
  const guard = (...handlers: preHandlerHookHandler[]) => ({ preHandler: handlers });
  const pageBy = (p: Permission) => guard(requireStaffPage, requirePermission(p));
  const formBy = (p: Permission) => guard(requireStaffPage, verifyCsrf, requirePermission(p));

  async function detailPage(
    request: FastifyRequest,
    reply: FastifyReply,
    partner: Partner,
    opts: {
      rejectErrors?: Errors | undefined;
      rejectReason?: string;
      suspendErrors?: Errors | undefined;
      message?: string;
      status?: number;
      newInvitation?: { url: string; expiresAt: string };
    } = {},
  ) {
    const [users, keys, mail, licenses] = await Promise.all([
      services.partners.listUsers(partner.id),
      services.partners.listKeys(partner.id),
      services.mailer.list({ to: partner.email, limit: 20 }),
      partnerLicenseRows(services, partner.id),
    ]);
    return renderPage(
      services,
      request,
      reply,
      { title: partner.outlet, section: 'partners', status: opts.status },
      PartnerDetailPage({
        partner,
        users,
        keys,
        mail: mail.items,
        csrf: staff(request).csrfToken,
        canInvite: partner.status === 'approved' && users.length === 0 && can(staff(request).actor, 'users.manage'),
        licenses,
        ...opts,
      }),
    );
  }

  function rulesPage(request: FastifyRequest, reply: FastifyReply, values: RulesValues, opts: { errors?: Errors | undefined; message?: string; status?: number } = {}) {
    return renderPage(
      services,
      request,
      reply,
      { title: 'Eligibility rules', section: 'partners', status: opts.status },
      RulesPage({ values, errors: opts.errors, message: opts.message, csrf: staff(request).csrfToken }),
    );
  }

  const partnerId = (request: FastifyRequest) => param(request, 'id');

  // ---- review queue -----------------------------------------------------------------------------

  app.get('/newsroom/partners', pageBy('partners.review'), async (request, reply) => {
    const raw = query(request, 'status');
    const status: PartnerStatus = (PARTNER_STATUSES as readonly string[]).includes(raw) ? (raw as PartnerStatus) : 'pending';
    const page = pageNumber(request);
    const [counts, result] = await Promise.all([
      services.partners.countByStatus(),
      services.partners.list({ status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    ]);
    const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
    return renderPage(
      services,
      request,
      reply,
      { title: 'Partners', section: 'partners' },
      PartnersListPage({ status, counts, partners: result.items, page, pages, canEditRules: can(staff(request).actor, 'settings.manage') }),
    );
  });

  // ---- eligibility rules (admins) ---------------------------------------------------------------

  app.get('/newsroom/partners/rules', pageBy('settings.manage'), async (request, reply) => rulesPage(request, reply, rulesValues(await services.partners.rules())));

  app.post('/newsroom/partners/rules', formBy('settings.manage'), async (request, reply) => {
    const fields = formFields(request.body);
    const values: RulesValues = {
      minAudience: text(fields, 'minAudience').replace(/[\s,_]/g, ''),
      requiredFields: list(fields, 'requiredFields'),
      blockedDomains: text(fields, 'blockedDomains'),
      manualReview: text(fields, 'manualReview') !== 'false',
    };
    try {
      // An empty box would read as 0 (no minimum): make the admin say so.
      if (values.minAudience === '') throw new AppError('VALIDATION', 'The eligibility rules need attention', { details: { minAudience: ['is required (0 for no minimum)'] } });
      // Unticked boxes are absent from a form: send every rule explicitly so "none" means none.
      await services.partners.setRules(staff(request).actor, {
        minAudience: values.minAudience,
        requiredFields: values.requiredFields,
        blockedDomains: values.blockedDomains,
        manualReview: values.manualReview,
      });
    } catch (err) {
      if (!isFormError(err)) throw err;
      return rulesPage(request, reply, values, { errors: err.details, message: err.message, status: err.status });
    }
    return redirectWithFlash(reply, '/newsroom/partners/rules', { kind: 'success', text: 'Eligibility rules saved. New applications are judged by them.' }, secure);
  });

  // ---- one application ----------------------------------------------------------------------------

  app.get('/newsroom/partners/:id', pageBy('partners.review'), async (request, reply) => detailPage(request, reply, await services.partners.get(partnerId(request))));

  app.post('/newsroom/partners/:id/approve', formBy('partners.review'), async (request, reply) => {
    const before = await services.partners.get(partnerId(request));
    try {
      const d = await approvePartner(services, staff(request).actor, before.id);
      const text = d.invitationUrl
        ? `${d.partner.outlet} is approved. The invitation email to ${d.partner.email} ${services.mailer.delivers ? 'is on its way' : 'is held in the outbox without its link (no SMTP configured): an admin can create the link on this page and pass it on'}.`
        : `${d.partner.outlet} has its access back, and has been told by email.`;
      return redirectWithFlash(reply, `/newsroom/partners/${before.id}`, { kind: 'success', text, link: { href: `/newsroom/mail/${d.mailId}`, label: 'View the email' } }, secure);
    } catch (err) {
      if (!isFormError(err)) throw err;
      return detailPage(request, reply, await services.partners.get(before.id), { message: err.message, status: err.status });
    }
  });

  // Admins only: the link is a credential, and editors read the outbox it is kept out of.
  app.post('/newsroom/partners/:id/invitation', formBy('users.manage'), async (request, reply) => {
    const partner = await services.partners.get(partnerId(request));
    try {
      const inv = await services.partners.reissueInvitation(staff(request).actor, partner.id);
      // Rendered, not redirected: the link is shown this once and must not travel in a cookie or URL.
      return await detailPage(request, reply, partner, { newInvitation: { url: `${services.config.publicUrl}${invitationPath(inv.token)}`, expiresAt: inv.expiresAt }, status: 201 });
    } catch (err) {
      if (!isFormError(err)) throw err;
      return detailPage(request, reply, partner, { message: err.message, status: err.status });
    }
  });

  app.post('/newsroom/partners/:id/reject', formBy('partners.review'), async (request, reply) => {
    const before = await services.partners.get(partnerId(request));
    const reason = text(formFields(request.body), 'reason');
    try {
      const d = await rejectPartner(services, staff(request).actor, before.id, reason);
      return redirectWithFlash(
        reply,
        `/newsroom/partners/${before.id}`,
        { kind: 'success', text: `${d.partner.outlet} is rejected; the reason was emailed to ${d.partner.email}.`, link: { href: `/newsroom/mail/${d.mailId}`, label: 'View the email' } },
        secure,
      );
    } catch (err) {
      if (!isFormError(err)) throw err;
      return detailPage(request, reply, await services.partners.get(before.id), { rejectErrors: err.details, rejectReason: reason, message: err.message, status: err.status });
    }
  });

  app.post('/newsroom/partners/:id/suspend', formBy('partners.review'), async (request, reply) => {
    const before = await services.partners.get(partnerId(request));
    const reason = text(formFields(request.body), 'reason');
    try {
      const d = await suspendPartner(services, staff(request).actor, before.id, reason);
      return redirectWithFlash(
        reply,
        `/newsroom/partners/${before.id}`,
        { kind: 'success', text: `${d.partner.outlet} is suspended: its keys and feeds stopped working.`, link: { href: `/newsroom/mail/${d.mailId}`, label: 'View the email' } },
        secure,
      );
    } catch (err) {
      if (!isFormError(err)) throw err;
      return detailPage(request, reply, await services.partners.get(before.id), { suspendErrors: err.details, message: err.message, status: err.status });
    }
  });

  app.post('/newsroom/partners/:id/reevaluate', formBy('partners.review'), async (request, reply) => {
    const before = await services.partners.get(partnerId(request));
    try {
      const p = await services.partners.reevaluate(staff(request).actor, before.id);
      const verdict = p.eligibility.eligible ? 'It meets every rule.' : 'It fails at least one rule.';
      return redirectWithFlash(reply, `/newsroom/partners/${before.id}`, { kind: 'success', text: `Judged again under the current rules. ${verdict}` }, secure);
    } catch (err) {
      if (!isFormError(err)) throw err;
      return detailPage(request, reply, before, { message: err.message, status: err.status });
    }
  });

  // ---- mail outbox --------------------------------------------------------------------------------

  app.get('/newsroom/mail', pageBy('partners.review'), async (request, reply) => {
    const raw = query(request, 'status');
    const status = (MAIL_STATUSES as readonly string[]).includes(raw) ? (raw as MailStatus) : undefined;
    const page = pageNumber(request);
    const [counts, result] = await Promise.all([services.mailer.counts(), services.mailer.list({ status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })]);
    const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
    return renderPage(
      services,
      request,
      reply,
      { title: 'Mail outbox', section: 'partners' },
      MailListPage({ status, counts, messages: result.items, page, pages, delivers: services.mailer.delivers }),
    );
  });

  app.get('/newsroom/mail/:id', pageBy('partners.review'), async (request, reply) => {
    const message = await services.mailer.get(param(request, 'id'));
    return renderPage(services, request, reply, { title: message.subject, section: 'partners' }, MailViewPage({ message }));
  });

  await registerWebhookNewsroomRoutes(app, services);
}
