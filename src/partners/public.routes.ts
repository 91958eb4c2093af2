/**
 * The program's public side: `/republish` (terms and application form, thank-you page) and the
 * JSON twin `POST /api/v1/applications`. Both go through submitApplication, so the form and the
 * API validate, judge eligibility and (with manual review off) approve identically.
 *
 * Both share one rate limiter per address: switching from the form to the API does not buy a
 * second allowance.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type {} from '@fastify/rate-limit';
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import { mapError, sendError } from '../http/error-handler.js';
import { sendHtml } from '../http/render.js';
import { loadSiteContext } from '../site/context.js';
import { formFields, param, text } from '../newsroom/http.js';
import { strictJsonScope } from '../api/validation.js';
import { ErrorResponse } from '../api/schemas.js';
import { submitApplication } from './decisions.js';
import { ApplicationBody, ApplicationCreated, type ApplicationBodyT } from './api.schemas.js';
import { EMPTY_APPLICATION, ProgramErrorPage, ProgramPage, ThanksPage, type ApplicationValues } from './pages/program.js';
import type { FieldErrors } from '../errors.js';

const limiters = new WeakMap<Services, onRequestAsyncHookHandler>();

function applicationLimiter(app: FastifyInstance, services: Services): onRequestAsyncHookHandler {
  let limiter = limiters.get(services);
  if (!limiter) {
    limiter = app.rateLimit({ max: services.config.applicationRateLimitPerHour, timeWindow: '1 hour' }) as unknown as onRequestAsyncHookHandler;
    limiters.set(services, limiter);
  }
  return limiter;
}

export async function registerProgramRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const secure = services.config.secureCookies;
  const limit = applicationLimiter(app, services);

  // The outbox's retry loop lives as long as the app (it does nothing without SMTP).
  services.mailer.start();
  app.addHook('onClose', async () => services.mailer.stop());

  async function formPage(request: FastifyRequest, reply: FastifyReply, values: ApplicationValues, opts: { errors?: FieldErrors | undefined; message?: string; status?: number } = {}) {
    const [ctx, standard, all, rules] = await Promise.all([
      loadSiteContext(services),
      services.licenseProfiles.defaultProfile(),
      services.licenseProfiles.list(),
      services.partners.rules(),
    ]);
    const others = all.filter((p) => p.id !== standard.id);
    // The form carries this browser's CSRF token: never let a shared cache keep it.
    reply.header('Cache-Control', 'no-store');
    return sendHtml(
      reply,
      ProgramPage({ ctx, standard, others, rules, csrf: csrfToken(request, reply, secure), values, errors: opts.errors, message: opts.message }),
      opts.status ?? 200,
    );
  }

  await app.register(async (scope) => {
    // Errors on these pages (an expired form, too many applications) render in the site's frame.
    scope.setErrorHandler(async (err, request, reply) => {
      const mapped = mapError(err);
      if (mapped.status >= 500) request.log.error({ err }, 'program page failed');
      try {
        const ctx = await loadSiteContext(services);
        const retryAfter = Number(reply.getHeader('retry-after')) || undefined;
        reply.header('Cache-Control', 'no-store');
        return sendHtml(reply, ProgramErrorPage({ ctx, status: mapped.status, message: mapped.message, retryAfter }), mapped.status);
      } catch {
        return sendError(request, reply, mapped);
      }
    });

    scope.get('/republish', async (request, reply) => formPage(request, reply, EMPTY_APPLICATION));

    scope.post('/republish', { onRequest: [limit], preHandler: [verifyCsrf] }, async (request, reply) => {
      const fields = formFields(request.body);
      const values: ApplicationValues = {
        outlet: text(fields, 'outlet'),
        website: text(fields, 'website'),
        contactName: text(fields, 'contactName'),
        email: text(fields, 'email'),
        audience: text(fields, 'audience'),
        evidence: text(fields, 'evidence'),
        intendedUse: text(fields, 'intendedUse'),
        acceptTerms: text(fields, 'acceptTerms') === 'true',
      };
      let id: string;
      try {
        const partner = await submitApplication(services, {
          ...values,
          // People write "250,000" or "250 000"; the JSON API takes only a number.
          audience: values.audience.replace(/[\s,'_\u00a0\u202f]/g, ''),
        });
        id = partner.id;
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'VALIDATION') throw err;
        return formPage(request, reply, values, { errors: err.details, message: err.message, status: 400 });
      }
      return reply.redirect(`/republish/thanks/${id}`, 303);
    });

    scope.get('/republish/thanks/:id', async (request, reply) => {
      const partner = await services.partners.get(param(request, 'id'));
      const ctx = await loadSiteContext(services);
      reply.header('Cache-Control', 'no-store');
      return sendHtml(reply, ThanksPage({ ctx, id: partner.id, status: partner.status }));
    });
  });
}

/**
 * `POST /api/v1/applications`. Registered after the API docs plugin (see src/app.ts) so it
 * appears in the OpenAPI document, and in its own scope: JSON only, checked strictly.
 */
export async function registerApplicationApi(app: FastifyInstance, services: Services): Promise<void> {
  const limit = applicationLimiter(app, services);
  await app.register(async (scope) => {
    strictJsonScope(scope);

    scope.post<{ Body: ApplicationBodyT }>(
      '/api/v1/applications',
      {
        onRequest: [limit],
        schema: {
          tags: ['Applications'],
          summary: 'Apply to the republishing program',
          description:
            'No authentication. The same application as the form at /republish, with the same checks. The answer carries the id the newsroom and the Admin API know the partner by. Rate-limited per address (429 with Retry-After).',
          security: [],
          body: ApplicationBody,
          response: { 201: ApplicationCreated, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const partner = await submitApplication(services, request.body);
        return reply.code(201).send({ id: partner.id, status: partner.status });
      },
    );
  });
}
