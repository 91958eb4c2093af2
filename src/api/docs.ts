/**
 * The Admin API's OpenAPI document (GET /api/docs/openapi.json) and a browsable Swagger UI page
 * (/api/docs). Must be registered before the API routes: @fastify/swagger learns routes from
 * the onRoute hook, so only routes added after it can appear — and of those, only /api ones do.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
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

export async function registerApiDocs(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(swagger, {
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
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // BaseLayout: no top bar inviting readers to load some other document.
    uiConfig: { layout: 'BaseLayout', deepLinking: true, persistAuthorization: false, tryItOutEnabled: false },
    uiHooks: { onRequest: docsCsp },
    // The bundled validator badge would send the document to a third-party service.
    validatorUrl: false,
    theme: { title: 'Freewire API' },
  });

  app.get(`${DOCS_PREFIX}/openapi.json`, { schema: { hide: true } }, async (_request, reply) => {
    return reply.type('application/json; charset=utf-8').send(app.swagger());
  });
}
