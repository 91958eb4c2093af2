/**
 * "Check now" for one republished page: `POST /newsroom/usage/pages/{id}/check` (editors).
 * A form posts it from the usage pages list and comes back there with the verdict as a flash
 * message; a JSON caller (Accept: application/json, X-CSRF-Token header) gets the verdict as JSON.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireStaffPage } from '../http/auth.js';
import { verifyCsrf } from '../http/csrf.js';
import { wantsJson } from '../http/error-handler.js';
import { formFields, param, redirectWithFlash, requirePermission, safeNext, staff, text, type Flash } from '../newsroom/http.js';
import type { Services } from '../services.js';
import { checkPageNow, MANUAL_RECHECK_AFTER_MS, type PageOutcome } from './worker.js';

const STATUS_WORDS: Record<PageOutcome['status'], string> = {
  compliant: 'compliant',
  noncompliant: 'not compliant',
  unreachable: 'could not be checked',
};

function flashFor(outcome: PageOutcome): Flash {
  const kind: Flash['kind'] = outcome.status === 'compliant' ? 'success' : outcome.status === 'noncompliant' ? 'info' : 'error';
  const textOut = `Checked ${outcome.url}: ${STATUS_WORDS[outcome.status]}. ${outcome.details.summary}`;
  return { kind, text: textOut.length > 480 ? `${textOut.slice(0, 479)}…` : textOut };
}

export async function registerAttributionRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const secure = services.config.secureCookies;

  app.post(
    '/newsroom/usage/pages/:id/check',
    { preHandler: [requireStaffPage, verifyCsrf, requirePermission('partners.review')] },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await checkPageNow(services, staff(request).actor, param(request, 'id'));
      if (wantsJson(request)) {
        if ('outcome' in result) {
          const { outcome } = result;
          return reply.send({ id: outcome.id, checked: true, status: outcome.status, checkedAt: outcome.details.checkedAt, details: outcome.details });
        }
        return reply.send({ id: param(request, 'id'), checked: false, checkedAt: result.recentlyCheckedAt, message: recentMessage(result.recentlyCheckedAt) });
      }
      const next = text(formFields(request.body), 'next');
      const to = next ? safeNext(next) : '/newsroom/usage';
      const flash: Flash = 'outcome' in result ? flashFor(result.outcome) : { kind: 'info', text: recentMessage(result.recentlyCheckedAt) };
      return redirectWithFlash(reply, to, flash, secure);
    },
  );
}

function recentMessage(checkedAt: string): string {
  const minutes = Math.round(MANUAL_RECHECK_AFTER_MS / 60_000);
  const at = new Date(Date.parse(checkedAt) + MANUAL_RECHECK_AFTER_MS);
  return `This page was checked moments ago (${checkedAt.slice(11, 16)} UTC). To spare the partner's site, it can be checked again ${minutes} minutes after that, from ${at.toISOString().slice(11, 16)} UTC.`;
}
