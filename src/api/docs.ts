/**
 * The Admin API's OpenAPI document (GET /api/docs/openapi.json) and a browsable Swagger UI page
 * (/api/docs). Must be registered before the API routes: the document lists the routes added
 * after it — and of those, only /api ones.
 *
 * @fastify/swagger, its YAML library and Swagger UI's static file server cost the start over a
 * tenth of a second and are needed only when someone reads the docs. So at start this module only
 * notes the routes as they are added (what @fastify/swagger's own onRoute hook would see); the
 * first docs request loads the plugins into a small Fastify instance of their own, replays the
 * noted routes into it (without handlers or compiled schemas) and answers from it. The document
 * and pages are the same as with the plugins registered on the app itself.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import { DOCS_CONTENT_SECURITY_POLICY } from '../http/security.js';

export const DOCS_PREFIX = '/api/docs';

const DESCRIPTION = `Two APIs.

**Admin API** (\`/api/admin\`): everything an editor does in the newsroom, for scripts and integrations.
**Content API** (\`/api/v1\`): stories as IPTC ninjs for approved partners, with a partner API key;
\`POST /api/v1/applications\` (no key) applies to the republishing program.

Authenticate every request with \`Authorization: Bearer <token>\`. Create a token in the newsroom,
with \`POST /api/admin/tokens\`, or on the command line (\`npx freewire token create --user you@example.org\`).
A token acts as its user: the same role rules apply as in the newsroom (a reporter cannot publish).

Send JSON (\`Content-Type: application/json\`). Errors look like
\`{ "error": { "code": "VALIDATION", "message": "…", "details": { "headline": ["is required"] } } }\`.

Creating requests accept an \`Idempotency-Key\` header: a retry with the same key and body returns the
first response instead of creating twice.`;

/** What the docs need of a route: what @fastify/swagger reads when it builds the document. */
type NotedRoute = Pick<RouteOptions, 'method' | 'url' | 'schema' | 'config' | 'constraints' | 'links'>;

/** Headers of the docs instance's answer that the app's reply sets itself. */
const HOP_HEADERS = new Set(['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'date']);

/** The docs plugins on an instance of their own, with every noted route (no handlers run there). */
async function buildDocsInstance(routes: readonly NotedRoute[], services: Services): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
  const docs = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 } });
  // The replayed routes only describe; nothing validates or serializes with their schemas here.
  docs.setValidatorCompiler(() => () => true);
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await docs.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Freewire API', version: '1', description: DESCRIPTION },
      servers: [{ url: services.config.publicUrl }],
      tags: [
        { name: 'stories', description: 'Drafts, versions and the publishing lifecycle' },
        { name: 'authors', description: 'Bylines' },
        { name: 'desks', description: 'Sections' },
        { name: 'users', description: 'Staff accounts (admins)' },
        { name: 'settings', description: 'Site settings' },
        { name: 'audit', description: 'Who did what' },
        { name: 'tokens', description: 'API tokens' },
      ],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (fw_…)' } },
      },
      security: [{ bearerAuth: [] }],
    },
    hideUntagged: true,
    // Belt and braces: whatever a later route declares, only the API belongs in this document.
    transform: ({ schema, url }) => {
      const hide = !url.startsWith('/api/');
      return { schema: hide ? { ...(schema ?? {}), hide: true } : schema, url };
    },
  });

  // The HTML page runs Swagger UI from its own static files; it needs inline styles (and no
  // inline script: its initializer is a separate file), hence its own, slightly wider CSP.
  const docsCsp = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
  };
  await docs.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // BaseLayout: no top bar inviting readers to load some other document.
    uiConfig: { layout: 'BaseLayout', deepLinking: true, persistAuthorization: false, tryItOutEnabled: false },
    uiHooks: { onRequest: docsCsp },
    // The bundled validator badge would send the document to a third-party service.
    validatorUrl: false,
    theme: { title: 'Freewire API' },
  });
  const handler = async () => undefined;
  for (const route of routes) {
    // HEAD routes Fastify added beside GET ones are not in the document; exposeHeadRoute: false
    // keeps the replayed GET from adding them again.
    if (route.method === 'HEAD') continue;
    // The docs' own routes (hidden from the document either way) are the docs instance's own.
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) continue;
    const { method, url, schema, config, constraints, links } = route;
    docs.route({ method, url, schema, config, constraints, links, exposeHeadRoute: false, handler });
  }
  await docs.ready();
  return docs;
}

export async function registerApiDocs(app: FastifyInstance, services: Services): Promise<void> {
  const routes: NotedRoute[] = [];
  app.addHook('onRoute', (route) => {
    // The same object @fastify/swagger would keep: later hooks may still add to its schema.
    routes.push(route as NotedRoute);
  });

  let docs: Promise<FastifyInstance> | undefined;
  const docsInstance = (): Promise<FastifyInstance> => {
    docs ??= buildDocsInstance(routes, services).catch((err: unknown) => {
      docs = undefined;
      throw err;
    });
    return docs;
  };

  app.get(`${DOCS_PREFIX}/openapi.json`, { schema: { hide: true } }, async (_request, reply) => {
    return reply.type('application/json; charset=utf-8').send((await docsInstance()).swagger());
  });

  // Swagger UI's pages and files, answered by the docs instance (a HEAD is answered as its GET).
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const instance = await docsInstance();
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && name !== 'host' && !HOP_HEADERS.has(name)) headers[name] = value;
    }
    const res = await instance.inject({ method: 'GET', url: request.url, headers });
    // Paths Swagger UI does not serve get the app's own 404.
    if (res.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value);
    }
    // No body (a redirect, a 304) is sent as none, not as an empty binary one.
    return reply.code(res.statusCode).send(res.rawPayload.length > 0 ? res.rawPayload : undefined);
  };
  app.get(DOCS_PREFIX, { schema: { hide: true } }, forward);
  app.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, forward);
}
