/**
 * buildApp(deps) assembles the HTTP application. It never listens: tests drive it with
 * app.inject(), and src/main.ts listens.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { Services } from './services.js';
import { mapError, registerErrorHandling, sendError } from './http/error-handler.js';
import { registerSecurityHeaders } from './http/security.js';
import { registerStatic } from './http/static.js';
import { registerSodiumAssets } from './tips/assets.js';
import { registerTipsInboxRoutes } from './tips/inbox.routes.js';
import { trustFunction } from './http/trust-proxy.js';
import { registerSiteRoutes } from './site/routes.js';
import { registerSourceTipRoutes } from './tips/source.routes.js';
import { registerNewsroomRoutes } from './newsroom/routes.js';
import { registerAdminApi } from './api/admin.routes.js';
import { registerApiDocs } from './api/docs.js';
import { loadStaff } from './http/auth.js';
import { SecretPaths } from './http/log-redaction.js';
import { AccessLog, BufferedLog } from './http/access-log.js';
import { registerPartnerReviewRoutes } from './partners/newsroom.routes.js';
import { registerLicenseProfileRoutes } from './license-profiles/newsroom.routes.js';
import { registerUsageNewsroomRoutes } from './usage/newsroom.routes.js';
import { registerAttributionRoutes } from './attribution/routes.js';
import { registerAdminPartnerApi } from './partners/api.routes.js';
import { registerLicensingRoutes } from './licensing/newsroom.routes.js';
import { registerLicensesPageRoutes } from './licensing/licenses-page.routes.js';
import { registerAdminLicensingApi } from './licensing/admin-api.routes.js';
import { registerAdminUsageApi } from './usage/api.routes.js';
import { registerApplicationApi, registerProgramRoutes } from './partners/public.routes.js';
import { registerLicenseInquiryApi, registerLicenseRoutes } from './licensing/public.routes.js';
import { registerContentApi } from './syndication/content-api.routes.js';
import { registerPartnerPortal } from './partners-portal/routes.js';
import { registerPixelRoutes } from './usage/pixel.routes.js';
import { registerPartnerFeeds } from './syndication/partner-feeds.routes.js';
import { registerWebSubHub, registerWebSubNewsroom } from './websub/routes.js';
import { registerMetricsRoutes } from './metrics/routes.js';

export interface AppDeps {
  services: Services;
  /** false silences request logs (tests); otherwise pino at config.logLevel. */
  logger?: boolean;
  /** Where log lines go instead of stdout (tests read them back). */
  logStream?: { write(line: string): void };
}

const logsInfo = (level: string): boolean => level === 'info' || level === 'debug' || level === 'trace';

export async function buildApp({ services, logger = true, logStream }: AppDeps): Promise<FastifyInstance> {
  const { config } = services;
  const secretPaths = new SecretPaths();
  // Tests pass their own sink; a running server writes to stdout through one buffered,
  // asynchronous destination shared by the application log and the access log.
  const destination = logger ? (logStream ?? new BufferedLog()) : undefined;
  const app = Fastify({
    logger: destination
      ? {
          level: config.logLevel,
          stream: destination,
          // Never log secrets or addresses: tokens travel in headers and cookies, and the tip
          // line promises sources that their address is not recorded. Query strings are dropped;
          // secret path segments (feed, invitation and pixel tokens) become [redacted].
          // @fastify/multipart logs every request header (cookies included) at trace as busboyOptions.
          redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'busboyOptions.headers'],
          serializers: {
            req: (req) => ({ method: req.method, url: secretPaths.redactPath(req.url) }),
          },
          // The last word on every line: a secret path quoted in an error message or a stack.
          hooks: { streamWrite: (line: string) => secretPaths.redactText(line) },
        }
      : false,
    // One access line per request instead of Fastify's two (src/http/access-log.ts). Errors are
    // still logged: the error handler writes every 5xx itself (src/http/error-handler.ts).
    logController: new LogController({ disableRequestLogging: true }),
    // FREEWIRE_TRUST_PROXY as a function (see src/http/trust-proxy.ts): request.ip is then the
    // rightmost untrusted address, never the leftmost X-Forwarded-For entry.
    trustProxy: trustFunction(config.trustProxy),
    bodyLimit: 1024 * 1024,
    // Unparseable URLs and over-long params are answered by the router itself; keep their shape ours.
    frameworkErrors: (err, request, reply) => sendError(request, reply, mapError(err)),
    // Story ids, slugs and tokens are short; anything longer is hostile or a mistake.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });

  // Every route, in every scope, passes the secret-path check as it is added.
  app.addHook('onRoute', (route) => secretPaths.checkRoute(route.url, route.config?.secretParams));

  const accessLog = new AccessLog(destination ?? { write: () => undefined }, destination !== undefined && logsInfo(app.log.level), secretPaths);
  app.decorate('accessLog', accessLog);
  // Routes that opt out of the log (logLevel 'silent': the pixel, /metrics) have a silent request logger.
  app.addHook('onResponse', (request, reply, done) => {
    if (accessLog.enabled && logsInfo(request.log.level)) {
      accessLog.write({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime });
    }
    done();
  });

  app.decorateRequest('staff', null);
  app.decorateRequest('apiUser', null);

  // An empty body sent as application/json (clients that always set the header, action
  // endpoints that need no fields) is no body, not malformed JSON. Scopes with their own JSON
  // parser (the Admin API, the application endpoint) do the same.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  // No multipart parser here: only the upload routes accept it, and read it in their handlers
  // after the session and CSRF checks (src/http/multipart.ts); everywhere else it is a 415.
  // Rate limits are opt-in per route (login, later the public APIs); the store is in memory,
  // so with several nodes each enforces its own share.
  await app.register(rateLimit, { global: false });

  registerErrorHandling(app);
  registerMetricsRoutes(app, services);
  registerSecurityHeaders(app);
  registerStatic(app);
  registerSodiumAssets(app);

  app.get('/healthz', async (_request, reply) => {
    try {
      await services.database.db.selectFrom('freewire_migrations').select('name').limit(1).execute();
      return reply.send({ status: 'ok' });
    } catch {
      return reply.code(503).send({ status: 'unavailable', error: 'database unreachable' });
    }
  });

  const staff = loadStaff(services);
  registerSiteRoutes(app, services);
  await registerSourceTipRoutes(app, services);
  // The syndication program's public side: /republish (terms and application form), the pixel,
  // the partner portal (/partners) and partners' full-text feeds.
  await registerProgramRoutes(app, services);
  await registerLicenseRoutes(app, services);
  await registerPixelRoutes(app, services);
  await registerPartnerPortal(app, services);
  await registerPartnerFeeds(app, services);
  await registerWebSubHub(app, services);
  await app.register(async (scope) => {
    scope.addHook('preHandler', staff);
    registerNewsroomRoutes(scope, services);
    await registerPartnerReviewRoutes(scope, services);
    await registerLicenseProfileRoutes(scope, services);
    await registerUsageNewsroomRoutes(scope, services);
    await registerAttributionRoutes(scope, services);
    await registerWebSubNewsroom(scope, services);
    await registerTipsInboxRoutes(scope, services);
    await registerLicensingRoutes(scope, services);
    await registerLicensesPageRoutes(scope, services);
  });
  await registerApiDocs(app, services);
  // After the docs plugin, so the public application endpoint is in the OpenAPI document.
  await registerApplicationApi(app, services);
  await registerLicenseInquiryApi(app, services);
  await app.register(
    async (scope) => {
      await registerAdminApi(scope, services);
      await registerAdminPartnerApi(scope, services);
      await registerAdminUsageApi(scope, services);
      await registerAdminLicensingApi(scope, services);
    },
    { prefix: '/api/admin' },
  );
  // The partners' content API (and the public application endpoint) under /api/v1.
  await app.register(async (scope) => registerContentApi(scope, services), { prefix: '/api/v1' });

  return app;
}
