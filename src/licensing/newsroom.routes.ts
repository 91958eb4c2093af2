/**
 * The licensing desk's pages in the newsroom (editors and admins, 'licensing.manage'): the
 * pipeline and one inquiry with its forms. Registered in the newsroom scope, which has already
 * resolved the session. The service checks every permission again; these routes speak HTTP only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { InquiryStatus } from '../db/schema.js';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { requireStaffPage } from '../http/auth.js';
import { verifyCsrf } from '../http/csrf.js';
import { formFields, isFormError, param, query, redirectWithFlash, requirePermission, staff, text } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import { INQUIRY_STATUSES, PipelineService, type Inquiry } from './pipeline.service.js';
import { PipelineDetailPage, PipelineListPage, type EmailValues, type PipelineDetailProps, type UpdateValues } from './pages/pipeline-pages.js';

const PAGE_SIZE = 50;

function pageNumber(request: FastifyRequest): number {
  const raw = query(request, 'page');
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

export async function registerLicensingRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const pipeline = new PipelineService(services);
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
    opts: Partial<Pick<PipelineDetailProps, 'updateErrors' | 'emailErrors' | 'message' | 'conflict'>> & { update?: Partial<UpdateValues>; email?: EmailValues; status?: number } = {},
  ) {
    const actor = staff(request).actor;
    const inquiry = await pipeline.get(actor, id);
    const owners = await pipeline.owners();
    const userNames = await names(inquiry);
    const greeting = opts.email ?? (await pipeline.greeting(inquiry));
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
      }),
    );
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
}
