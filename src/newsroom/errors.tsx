/**
 * Errors inside the newsroom render in the newsroom's own frame (navigation, a way back)
 * instead of the reader site's error page. JSON calls from the editor script still get the
 * shared `{ error: { code, message, details } }` shape.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mapError, sendError, wantsJson } from '../http/error-handler.js';
import type { Services } from '../services.js';
import { formatBytes } from './pages/components.js';
import { errorTitle, NewsroomErrorPage } from './pages/error.js';
import { renderPage } from './render.js';

export function registerNewsroomErrors(app: FastifyInstance, services: Services): void {
  app.setErrorHandler(async (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = mapError(err);
    if (mapped.status >= 500) request.log.error({ err }, 'newsroom request failed');
    else request.log.debug({ code: mapped.code }, 'newsroom request rejected');
    if (mapped.code === 'PAYLOAD_TOO_LARGE') {
      mapped.message = `The upload is too large: the limit is ${formatBytes(services.config.maxUploadBytes)}.`;
    }
    if (wantsJson(request)) return sendError(request, reply, mapped);
    try {
      for (const [k, v] of Object.entries(mapped.headers ?? {})) reply.header(k, v);
      return await renderPage(
        services,
        request,
        reply,
        { title: errorTitle(mapped.status), section: 'none', status: mapped.status },
        <NewsroomErrorPage status={mapped.status} message={mapped.message} details={mapped.details} loggedIn={!!request.staff} />,
      );
    } catch (renderErr) {
      // The frame needs the settings (database); when that fails too, fall back to the bare page.
      request.log.error({ err: renderErr }, 'newsroom error page failed');
      return sendError(request, reply, mapped);
    }
  });
}
