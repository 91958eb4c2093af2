/**
 * Licensing's public side: `/license` (what can be licensed, the inquiry form, the thank-you
 * page) and the JSON twin `POST /api/v1/license-inquiries`. Both go through submitInquiry.
 *
 * Both share one rate limiter per address: switching from the form to the API does not buy a
 * second allowance. Only the form has the honeypot and the minimum fill time; the API is
 * protected by the limiter alone.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type {} from '@fastify/rate-limit';
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import { AppError, type FieldErrors } from '../errors.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import { mapError, sendError } from '../http/error-handler.js';
import { sendHtml } from '../http/render.js';
import { loadSiteContext } from '../site/context.js';
import { formFields, text } from '../newsroom/http.js';
import { strictJsonScope } from '../api/validation.js';
import { ErrorResponse } from '../api/schemas.js';
import { FORM_TIME_FIELD, HONEYPOT_FIELD, issueFormTime, spamReason, submitInquiry } from './inquiries.service.js';
import { InquiryBody, InquiryCreated, type InquiryBodyT } from './api.schemas.js';
import { EMPTY_INQUIRY, LicenseErrorPage, LicensePage, LicenseThanksPage, type InquiryValues } from './pages/license-page.js';

const limiters = new WeakMap<Services, onRequestAsyncHookHandler>();

function inquiryLimiter(app: FastifyInstance, services: Services): onRequestAsyncHookHandler {
  let limiter = limiters.get(services);
  if (!limiter) {
    limiter = app.rateLimit({ max: services.config.inquiryRateLimitPerHour, timeWindow: '1 hour' }) as unknown as onRequestAsyncHookHandler;
    limiters.set(services, limiter);
  }
  return limiter;
}

export async function registerLicenseRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const secure = services.config.secureCookies;
  const limit = inquiryLimiter(app, services);

  async function formPage(request: FastifyRequest, reply: FastifyReply, values: InquiryValues, opts: { errors?: FieldErrors | undefined; message?: string; status?: number } = {}) {
    const [ctx, profiles, formTime] = await Promise.all([loadSiteContext(services), services.licenseProfiles.list(), issueFormTime(services)]);
    // The form carries this browser's CSRF token: never let a shared cache keep it.
    reply.header('Cache-Control', 'no-store');
    return sendHtml(reply, LicensePage({ ctx, profiles, csrf: csrfToken(request, reply, secure), formTime, values, errors: opts.errors, message: opts.message }), opts.status ?? 200);
  }

  await app.register(async (scope) => {
    // Errors on these pages (an expired form, too many inquiries) render in the site's frame.
    scope.setErrorHandler(async (err, request, reply) => {
      const mapped = mapError(err);
      if (mapped.status >= 500) request.log.error({ err }, 'license page failed');
      try {
        const ctx = await loadSiteContext(services);
        const retryAfter = Number(reply.getHeader('retry-after')) || undefined;
        reply.header('Cache-Control', 'no-store');
        return sendHtml(reply, LicenseErrorPage({ ctx, status: mapped.status, message: mapped.message, retryAfter }), mapped.status);
      } catch {
        return sendError(request, reply, mapped);
      }
    });

    scope.get('/license', async (request, reply) => formPage(request, reply, EMPTY_INQUIRY));
    // The site's footer has long linked here; keep that link working.
    scope.get('/licensing', async (_request, reply) => reply.redirect('/license', 301));

    scope.post('/license', { onRequest: [limit], preHandler: [verifyCsrf] }, async (request, reply) => {
      const fields = formFields(request.body);
      const spam = await spamReason(services, { honeypot: text(fields, HONEYPOT_FIELD), formTime: text(fields, FORM_TIME_FIELD) });
      if (spam && spam !== 'stale') {
        // Answered exactly like a real inquiry so a script learns nothing; counted without
        // anything that identifies the sender.
        request.log.info({ licenseInquiryDiscarded: spam }, 'license inquiry discarded as automated');
        return reply.redirect('/license/thanks', 303);
      }
      const values: InquiryValues = {
        name: text(fields, 'name'),
        organisation: text(fields, 'organisation'),
        email: text(fields, 'email'),
        website: text(fields, 'website'),
        intendedUse: text(fields, 'intendedUse'),
        medium: text(fields, 'medium'),
        territory: text(fields, 'territory'),
        expectedVolume: text(fields, 'expectedVolume'),
        message: text(fields, 'message'),
      };
      if (spam === 'stale') {
        // Probably a person who left the page open: give the form back, filled in, with a fresh time.
        return formPage(request, reply, values, { message: 'This form was opened more than a day ago. Check your details and send it again.', status: 400 });
      }
      try {
        await submitInquiry(services, values);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'VALIDATION') throw err;
        return formPage(request, reply, values, { errors: err.details, message: err.message, status: 400 });
      }
      return reply.redirect('/license/thanks', 303);
    });

    scope.get('/license/thanks', async (_request, reply) => {
      const ctx = await loadSiteContext(services);
      reply.header('Cache-Control', 'no-store');
      return sendHtml(reply, LicenseThanksPage({ ctx }));
    });
  });
}

/**
 * `POST /api/v1/license-inquiries`. Registered after the API docs plugin (see src/app.ts) so it
 * appears in the OpenAPI document, and in its own scope: JSON only, checked strictly.
 */
export async function registerLicenseInquiryApi(app: FastifyInstance, services: Services): Promise<void> {
  const limit = inquiryLimiter(app, services);
  await app.register(async (scope) => {
    strictJsonScope(scope);

    scope.post<{ Body: InquiryBodyT }>(
      '/api/v1/license-inquiries',
      {
        onRequest: [limit],
        schema: {
          tags: ['Licensing'],
          summary: 'Ask about licensing our reporting',
          description: `No authentication. The same inquiry as the form at /license, with the same checks. The form's spam checks (a hidden field, a minimum time to fill it in) do not apply here: API clients are rate-limited instead. The inquirer gets an acknowledgement email and the licensing desk a notification. Rate-limited per address, shared with the form (${services.config.inquiryRateLimitPerHour} an hour; 429 with Retry-After).`,
          security: [],
          body: InquiryBody,
          response: { 201: InquiryCreated, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const created = await submitInquiry(services, request.body);
        return reply.code(201).send(created);
      },
    );
  });
}
