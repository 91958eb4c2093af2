/** The partner's usage page and its CSV, from the usage module's queries (always this partner's own). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { query } from '../../newsroom/http.js';
import type { Services } from '../../services.js';
import { partnerSession } from '../auth.js';
import { UsagePage } from '../pages/usage.js';
import { renderPortalPage } from '../render.js';
import { sendCsv } from '../../usage/csv-reply.js';

function day(request: FastifyRequest, name: string): string {
  const v = query(request, name).trim();
  if (v.length > 10) throw new AppError('VALIDATION', 'The usage filter is not valid.', { details: { [name]: ['must be a date as YYYY-MM-DD'] } });
  return v;
}

export function usageHandlers(services: Services) {
  return {
    async page(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const from = day(request, 'from');
      const to = day(request, 'to');
      const summary = await services.usage.summary({ partnerId: s.partner.id, from: from || undefined, to: to || undefined });
      return renderPortalPage(services, request, reply, { title: 'Your usage', section: 'usage' }, <UsagePage summary={summary} from={from} to={to} />);
    },

    async csv(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const kind = query(request, 'kind') || 'daily';
      if (kind !== 'daily' && kind !== 'pages') throw new AppError('VALIDATION', 'The export kind must be daily or pages.', { details: { kind: ['must be daily or pages'] } });
      const from = day(request, 'from');
      const to = day(request, 'to');
      // Always this partner's own numbers; the range checked now, the rows streamed.
      return sendCsv(reply, services.usage.csvExport({ partnerId: s.partner.id, from: from || undefined, to: to || undefined }, kind));
    },
  };
}
