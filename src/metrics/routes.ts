/**
 * Request metrics and `GET /metrics` on the main port.
 *
 * The route exists only when FREEWIRE_METRICS_TOKEN is set, and answers only requests that send
 * it as a bearer token: metrics name routes, queue sizes and traffic, which is operator business.
 * Without the setting /metrics is an ordinary 404. The request hook is added only when metrics
 * are exposed at all (token or separate port), so a newsroom that never scrapes pays nothing.
 *
 * Pixel hits taken by the pixel's fast door (src/usage/pixel.routes.ts) never reach Fastify and so
 * are not in the request series; freewire_pixel_hits_total counts them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';

/** A bearer header longer than this cannot hold a valid token (512 characters at most). */
const MAX_AUTHORIZATION_LENGTH = 600;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * True when the Authorization header carries `token` as a bearer token. Both sides are hashed
 * first so the comparison is constant-time whatever the lengths.
 */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  if (header === undefined || header.length > MAX_AUTHORIZATION_LENGTH) return false;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') return false;
  return timingSafeEqual(digest(header.slice(space + 1).trim()), expected);
}

export function registerMetricsRoutes(app: FastifyInstance, services: Services): void {
  const { metrics, config } = services;
  if (!metrics.enabled) return;

  // Each route gets its own onResponse hook with its pattern captured once, at startup: reading
  // request.routeOptions would build a fresh options object on every request.
  const counted = new WeakSet<object>();
  app.addHook('onRoute', (route) => {
    const pattern = route.url;
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      metrics.observeRequest(request.method, pattern, reply.statusCode, reply.elapsedTime);
      done();
    };
    counted.add(hook);
    const existing = route.onResponse;
    const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    if (list.some((h) => counted.has(h))) return;
    route.onResponse = [...list, hook];
  });
  // Requests no route matched (and those a route handed to callNotFound) run only the app-wide hooks.
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.is404) metrics.observeRequest(request.method, undefined, reply.statusCode, reply.elapsedTime);
    done();
  });

  if (config.metricsToken === undefined) return;
  const expected = digest(config.metricsToken);
  app.get(
    '/metrics',
    // Not in the request log: a scraper every 15 seconds would drown the lines people read.
    { logLevel: 'silent' },
    async (request, reply) => {
      if (!bearerMatches(request.headers.authorization, expected)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError('UNAUTHENTICATED', 'Metrics need the bearer token set in FREEWIRE_METRICS_TOKEN');
      }
      const body = await metrics.scrape();
      return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(body);
    },
  );
}
