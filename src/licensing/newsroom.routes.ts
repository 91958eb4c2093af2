/**
 * The licensing desk's pages in the newsroom (editors and admins, 'licensing.manage'): the
 * pipeline, one inquiry with its forms (creating a license among them), and one license with
 * the forms to change or end it (/newsroom/licensing/licenses/{id}; the list of licenses at
 * /newsroom/licensing/licenses is registered with renewals and usage). Registered in the newsroom scope, which has already
 * resolved the session. The service checks every permission again; these routes speak HTTP only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { InquiryStatus } from '../db/schema.js';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { requireStaffPage } from '../http/auth.js';
import { verifyCsrf } from '../http/csrf.js';
import { formFields, isFormError, list, param, query, redirectWithFlash, requirePermission, staff, text, type FormFields } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import { INQUIRY_STATUSES, PipelineService, type Inquiry } from './pipeline.service.js';
import { PipelineDetailPage, PipelineListPage, type EmailValues, type PipelineDetailProps, type UpdateValues } from './pages/pipeline-pages.js';
import { lastDay, LicensesService, startDay, type CreateLicenseInput, type LicenseView } from './licenses.service.js';
import { LicenseDetailPage, type LicenseFormOptions, type LicenseFormValues } from './pages/license-pages.js';

const PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

/** Field messages speak the API's names (startsAt, endNow); the form's labels are words. */
function inFormWords(details: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, msgs] of Object.entries(details ?? {})) {
    out[k] = msgs.map((m) => m.replace(/\bstartsAt\b/g, 'the first day').replace(/\bendNow\b/g, '“End now”'));
  }
  return out;
}

/** The license form as typed: checkbox groups as lists, dates as the date inputs send them. */
function licenseValues(fields: FormFields): LicenseFormValues {
  return {
    profiles: list(fields, 'profiles'),
    desks: list(fields, 'desks'),
    images: text(fields, 'images') !== '',
    startsAt: text(fields, 'startsAt'),
    endsAt: text(fields, 'endsAt'),
    terms: text(fields, 'terms'),
    fee: text(fields, 'fee'),
    onEnd: text(fields, 'onEnd') || 'keep',
    partnerId: text(fields, 'partnerId'),
  };
}

/** No box ticked in a group means "not narrowed by it", which the service takes as the list left out. */
function scopeOf(v: LicenseFormValues): { profiles?: string[]; desks?: string[] } {
  return { ...(v.profiles.length > 0 ? { profiles: v.profiles } : {}), ...(v.desks.length > 0 ? { desks: v.desks } : {}) };
}

/** The form's values for an existing license (dates as the days the date inputs show). */
function valuesOf(l: LicenseView): LicenseFormValues {
  return {
    profiles: l.scope.profiles ?? [],
    desks: l.deskSlugs ?? [],
    images: l.images,
    startsAt: startDay(l.startsAt),
    endsAt: l.endsAt ? lastDay(l.endsAt) : '',
    terms: l.terms,
    fee: l.fee ?? '',
    onEnd: l.onEnd,
    partnerId: l.partnerId,
  };
}

function pageNumber(request: FastifyRequest): number {
  const raw = query(request, 'page');
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

export async function registerLicensingRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const pipeline = new PipelineService(services);
  const licenses = new LicensesService(services);
  const secure = services.config.secureCookies;
  const guard = (...handlers: preHandlerHookHandler[]) => ({ preHandler: handlers });
  const page = guard(requireStaffPage, requirePermission('licensing.manage'));
  const form = guard(requireStaffPage, verifyCsrf, requirePermission('licensing.manage'));

  app.get('/newsroom/licensing', page, async (request, reply) => {
    const raw = query(request, 'status');
    const status = (INQUIRY_STATUSES as readonly string[]).includes(raw) ? (raw as InquiryStatus) : '';
    // Over-long filters are cut rather than refused: this is a search box, not a form to fix.
    const q = query(request, 'q').slice(0, 200);
    const owner = query(request, 'owner').slice(0, 64);
    const n = pageNumber(request);
    const [result, owners] = await Promise.all([
      pipeline.list(staff(request).actor, { status: status || undefined, owner, q, limit: PAGE_SIZE, offset: (n - 1) * PAGE_SIZE }),
      pipeline.owners(),
    ]);
    const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
    return renderPage(
      services,
      request,
      reply,
      { title: 'Licensing', section: 'licensing' },
      PipelineListPage({ status, owner, q, counts: result.counts, inquiries: result.items, owners, page: n, pages }),
    );
  });

  async function detail(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    opts: Partial<Pick<PipelineDetailProps, 'updateErrors' | 'emailErrors' | 'message' | 'conflict'>> & {
      update?: Partial<UpdateValues>;
      email?: EmailValues;
      license?: LicenseFormValues;
      licenseErrors?: PipelineDetailProps['licensing']['errors'];
      status?: number;
    } = {},
  ) {
    const actor = staff(request).actor;
    const inquiry = await pipeline.get(actor, id);
    const owners = await pipeline.owners();
    const userNames = await names(inquiry);
    const greeting = opts.email ?? (await pipeline.greeting(inquiry));
    const [made, options, match] = await Promise.all([licenses.forInquiry(actor, inquiry.id), formOptions(true), licenses.matchingPartner(inquiry)]);
    const today = new Date();
    const licenseForm: LicenseFormValues = opts.license ?? {
      profiles: [],
      desks: [],
      images: true,
      startsAt: today.toISOString().slice(0, 10),
      // A year, through the day before the anniversary.
      endsAt: new Date(Date.UTC(today.getUTCFullYear() + 1, today.getUTCMonth(), today.getUTCDate()) - DAY_MS).toISOString().slice(0, 10),
      terms: '',
      fee: '',
      onEnd: 'keep',
      partnerId: match?.status === 'approved' ? match.id : '',
    };
    return renderPage(
      services,
      request,
      reply,
      { title: inquiry.organisation, section: 'licensing', status: opts.status },
      PipelineDetailPage({
        inquiry,
        history: inquiry.history,
        owners,
        userNames,
        csrf: staff(request).csrfToken,
        // After a conflict the controls show the current state; only the note is kept.
        update: { status: inquiry.status, owner: inquiry.owner ?? '', note: '', ...opts.update },
        email: greeting,
        updateErrors: opts.updateErrors,
        emailErrors: opts.emailErrors,
        message: opts.message,
        conflict: opts.conflict,
        licensing: {
          licenses: made,
          values: licenseForm,
          options: { ...options, newPartnerLabel: `A new licensee partner: ${inquiry.organisation}` },
          errors: opts.licenseErrors,
        },
      }),
    );
  }

  async function formOptions(withPartners: boolean): Promise<LicenseFormOptions> {
    const db = services.database.db;
    const [profiles, desks, partners] = await Promise.all([
      db.selectFrom('license_profiles').select(['id', 'name', 'audience']).orderBy('name').orderBy('id').execute(),
      db.selectFrom('desks').select(['slug', 'name']).orderBy('position').orderBy('name').execute(),
      withPartners ? licenses.partnerOptions() : Promise.resolve([]),
    ]);
    return { profiles, desks, partners };
  }

  async function names(inquiry: Inquiry & { history: Array<{ kind: string; from: string | null; to: string | null }> }): Promise<Map<string, string>> {
    const ids = new Set<string>();
    if (inquiry.owner) ids.add(inquiry.owner);
    for (const e of inquiry.history) {
      if (e.kind !== 'owner') continue;
      if (e.from) ids.add(e.from);
      if (e.to) ids.add(e.to);
    }
    if (ids.size === 0) return new Map();
    const rows = await services.database.db.selectFrom('users').select(['id', 'name']).where('id', 'in', [...ids]).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Forms always carry the revision they were rendered at; without it there is nothing to compare. */
  function formRevision(fields: ReturnType<typeof formFields>): string {
    const r = text(fields, 'revision');
    if (r === '') throw new AppError('VALIDATION', 'The form is out of date; reload the page.', { details: { revision: ['is missing'] } });
    return r;
  }

  app.get('/newsroom/licensing/:id', page, async (request, reply) => detail(request, reply, param(request, 'id')));

  app.post('/newsroom/licensing/:id', form, async (request, reply) => {
    const id = param(request, 'id');
    const fields = formFields(request.body);
    const values: UpdateValues = { status: text(fields, 'status'), owner: text(fields, 'owner'), note: text(fields, 'note') };
    try {
      await pipeline.update(staff(request).actor, id, { status: values.status, owner: values.owner, note: values.note, revision: formRevision(fields) });
    } catch (err) {
      if (!isFormError(err) || err.code === 'NOT_FOUND') throw err;
      if (err.code === 'CONFLICT') return detail(request, reply, id, { update: { note: values.note }, message: err.message, conflict: true, status: 409 });
      return detail(request, reply, id, { update: values, updateErrors: err.details ?? {}, message: err.message, status: err.status });
    }
    return redirectWithFlash(reply, `/newsroom/licensing/${id}`, { kind: 'success', text: 'Saved.' }, secure);
  });

  app.post('/newsroom/licensing/:id/email', form, async (request, reply) => {
    const id = param(request, 'id');
    const fields = formFields(request.body);
    const values: EmailValues = { subject: text(fields, 'subject'), body: text(fields, 'body') };
    try {
      const r = await pipeline.email(staff(request).actor, id, { ...values, revision: formRevision(fields) });
      const how = services.mailer.delivers ? 'is on its way' : 'is held in the outbox (no SMTP configured)';
      return redirectWithFlash(
        reply,
        `/newsroom/licensing/${id}`,
        { kind: 'success', text: `The email to ${r.inquiry.email} ${how}.`, link: { href: `/newsroom/mail/${r.mailId}`, label: 'View the email' } },
        secure,
      );
    } catch (err) {
      if (!isFormError(err) || err.code === 'NOT_FOUND') throw err;
      if (err.code === 'CONFLICT') return detail(request, reply, id, { email: values, message: err.message, conflict: true, status: 409 });
      return detail(request, reply, id, { email: values, emailErrors: err.details ?? {}, message: err.message, status: err.status });
    }
  });

  app.post('/newsroom/licensing/:id/license', form, async (request, reply) => {
    const id = param(request, 'id');
    const fields = formFields(request.body);
    const values = licenseValues(fields);
    const input: CreateLicenseInput = {
      scope: scopeOf(values),
      images: values.images,
      startsAt: values.startsAt,
      endsAt: values.endsAt,
      terms: values.terms,
      fee: values.fee,
      onEnd: values.onEnd,
      partnerId: values.partnerId,
      revision: formRevision(fields),
    };
    try {
      const c = await licenses.createFromInquiry(staff(request).actor, id, input);
      const invited = c.invitationUrl
        ? ` Invitation link for the inquirer (also in the email${services.mailer.delivers ? '' : ', which is held in the outbox without it: pass this on'}; it works once): ${c.invitationUrl}`
        : ' The inquirer already signs in for this partner.';
      return redirectWithFlash(
        reply,
        `/newsroom/licensing/${id}`,
        { kind: 'success', text: `License ${c.reference} is created.${invited}`, link: { href: `/newsroom/licensing/licenses/${c.licenseId}`, label: `Open ${c.reference}` } },
        secure,
      );
    } catch (err) {
      if (!isFormError(err) || err.code === 'NOT_FOUND') throw err;
      if (err.code === 'CONFLICT') return detail(request, reply, id, { license: values, message: err.message, conflict: true, status: 409 });
      return detail(request, reply, id, { license: values, licenseErrors: inFormWords(err.details), message: err.message, status: err.status });
    }
  });

  async function licensePage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    opts: { values?: LicenseFormValues; errors?: Record<string, string[]>; endErrors?: Record<string, string[]>; message?: string; conflict?: boolean; status?: number } = {},
  ) {
    const license = await licenses.get(staff(request).actor, id);
    const options = await formOptions(false);
    const inquiry = license.inquiryId
      ? await services.database.db.selectFrom('license_inquiries').select('organisation').where('id', '=', license.inquiryId).executeTakeFirst()
      : undefined;
    return renderPage(
      services,
      request,
      reply,
      { title: license.reference, section: 'licensing', status: opts.status },
      LicenseDetailPage({
        license,
        inquiryOrganisation: inquiry?.organisation ?? null,
        csrf: staff(request).csrfToken,
        // After a conflict the form shows the license as it now is.
        values: opts.conflict ? valuesOf(license) : (opts.values ?? valuesOf(license)),
        options,
        errors: opts.errors,
        endErrors: opts.endErrors,
        message: opts.message,
        conflict: opts.conflict ?? false,
      }),
    );
  }

  app.get('/newsroom/licensing/licenses/:licenseId', page, async (request, reply) => licensePage(request, reply, param(request, 'licenseId')));

  app.post('/newsroom/licensing/licenses/:licenseId', form, async (request, reply) => {
    const id = param(request, 'licenseId');
    const fields = formFields(request.body);
    const values = licenseValues(fields);
    const current = await licenses.get(staff(request).actor, id);
    const shown = valuesOf(current);
    try {
      const l = await licenses.update(staff(request).actor, id, {
        // A date the editor left as shown keeps its exact time (an end set to the minute by "End now").
        startsAt: values.startsAt === shown.startsAt ? undefined : values.startsAt,
        endsAt: values.endsAt === shown.endsAt ? undefined : values.endsAt,
        terms: values.terms,
        fee: values.fee,
        onEnd: values.onEnd,
        images: values.images,
        scope: scopeOf(values),
        revision: formRevision(fields),
      });
      return redirectWithFlash(reply, `/newsroom/licensing/licenses/${l.id}`, { kind: 'success', text: `${l.reference} is saved.` }, secure);
    } catch (err) {
      if (!isFormError(err) || err.code === 'NOT_FOUND') throw err;
      if (err.code === 'CONFLICT') return licensePage(request, reply, id, { message: err.message, conflict: true, status: 409 });
      return licensePage(request, reply, id, { values, errors: inFormWords(err.details), message: err.message, status: err.status });
    }
  });

  app.post('/newsroom/licensing/licenses/:licenseId/end', form, async (request, reply) => {
    const id = param(request, 'licenseId');
    const fields = formFields(request.body);
    try {
      if (text(fields, 'confirm') !== 'yes') {
        throw new AppError('VALIDATION', 'Tick the box to confirm that access ends now.', { details: { confirm: ['tick the box to confirm'] } });
      }
      const l = await licenses.update(staff(request).actor, id, { endNow: true, revision: formRevision(fields) });
      return redirectWithFlash(reply, `/newsroom/licensing/licenses/${l.id}`, { kind: 'success', text: `${l.reference} has ended; access under it stopped now.` }, secure);
    } catch (err) {
      if (!isFormError(err) || err.code === 'NOT_FOUND') throw err;
      if (err.code === 'CONFLICT') return licensePage(request, reply, id, { message: err.message, conflict: true, status: 409 });
      return licensePage(request, reply, id, { endErrors: inFormWords(err.details), message: err.message, status: err.status });
    }
  });
}
