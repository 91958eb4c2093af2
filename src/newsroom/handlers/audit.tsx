/** The audit log, newest first, paged with an id cursor (ids are time-ordered UUIDv7). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { listAudit } from '../../audit/audit.js';
import type { Services } from '../../services.js';
import { query } from '../http.js';
import { renderPage } from '../render.js';
import { AuditPage } from '../pages/audit.js';

const PAGE_SIZE = 50;

export function auditHandlers(services: Services) {
  return {
    async list(request: FastifyRequest, reply: FastifyReply) {
      const raw = query(request, 'before');
      const before = /^[0-9a-f-]{1,64}$/i.test(raw) ? raw : undefined;
      // One extra row tells whether an older page exists.
      const rows = await listAudit(services.database.db, { limit: PAGE_SIZE + 1, before });
      const entries = rows.slice(0, PAGE_SIZE);
      const olderCursor = rows.length > PAGE_SIZE ? entries[entries.length - 1]!.id : undefined;
      return renderPage(services, request, reply, { title: 'Audit log', section: 'audit' }, <AuditPage entries={entries} olderCursor={olderCursor} isFirstPage={!before} />);
    },
  };
}
