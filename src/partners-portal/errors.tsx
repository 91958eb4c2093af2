/** Errors inside the portal render in the portal's own frame, with a way back. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mapError, sendError, wantsJson } from '../http/error-handler.js';
import type { Services } from '../services.js';
import { PortalErrorPage, portalErrorTitle } from './pages/error.js';
import { renderPortalPage } from './render.js';

export function registerPortalErrors(scope: FastifyInstance, services: Services): void {
  scope.setErrorHandler(async (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = mapError(err);
    if (mapped.status >= 500) request.log.error({ err }, 'partner portal request failed');
    else request.log.debug({ code: mapped.code }, 'partner portal request rejected');
    if (mapped.code === 'RATE_LIMITED' && request.url.startsWith('/partners/invite/')) {
      mapped.message = 'Too many attempts from your network. Wait a minute, then try again.';
      mapped.headers = { ...mapped.headers, 'Retry-After': '60' };
    }
    if (wantsJson(request)) return sendError(request, reply, mapped);
    try {
      for (const [k, v] of Object.entries(mapped.headers ?? {})) reply.header(k, v);
      return await renderPortalPage(
        services,
        request,
        reply,
        { title: portalErrorTitle(mapped.status), section: 'none', status: mapped.status },
        <PortalErrorPage status={mapped.status} message={mapped.message} details={mapped.details} loggedIn={!!request.partnerSession} />,
      );
    } catch (renderErr) {
      request.log.error({ err: renderErr }, 'partner portal error page failed');
      return sendError(request, reply, mapped);
    }
  });
}
