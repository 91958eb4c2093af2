/**
 * The newsroom's usage dashboard (`/newsroom/usage`) and its CSV export (`/newsroom/usage.csv`),
 * for everyone with usage.read. Reporters see the stories they created; editors and admins see
 * all. Registered in the newsroom scope, so the session is already resolved.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { requireStaffPage } from '../http/auth.js';
import { AppError, isAppError } from '../errors.js';
import { requirePermission, query, staff } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import type { Services } from '../services.js';
import { can } from '../users/permissions.js';
import { UsageDashboard, type UsageFilterValues } from './pages/usage-dashboard.js';
import type { CsvKind, UsageSummary } from './usage.service.js';
import { sendCsv } from './csv-reply.js';
import { licenseUsageCsv, partnerUsageByLicense, type PartnerLicenseUsage } from '../licensing/license-usage.js';

export async function registerUsageNewsroomRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const guard = { preHandler: [requireStaffPage, requirePermission('usage.read')] };

  const readFilter = (request: FastifyRequest): UsageFilterValues => ({
    story: query(request, 'story').trim(),
    partner: query(request, 'partner').trim(),
    from: query(request, 'from').trim(),
    to: query(request, 'to').trim(),
  });

  const ownStoriesOf = (request: FastifyRequest): string | undefined => {
    const { actor } = staff(request);
    return can(actor, 'story.edit.any') ? undefined : (actor.id ?? undefined);
  };

  app.get('/newsroom/usage', guard, async (request: FastifyRequest, reply: FastifyReply) => {
    const filter = readFilter(request);
    const createdBy = ownStoriesOf(request);
    let summary: UsageSummary | undefined;
    let errors: Record<string, string[]> | undefined;
    try {
      summary = await services.usage.summary({ storyId: filter.story, partnerId: filter.partner, from: filter.from, to: filter.to, createdBy });
    } catch (err) {
      // A bad date range is the reader's to fix on the same page, next to the fields.
      if (!isAppError(err) || err.code !== 'VALIDATION') throw err;
      errors = err.details ?? { from: [err.message] };
    }
    // For one partner that holds licenses: its views by license and month, for invoicing.
    let byLicense: PartnerLicenseUsage | undefined;
    if (summary && filter.partner && !filter.story) {
      try {
        byLicense = await partnerUsageByLicense(services, filter.partner, { from: summary.from, to: summary.to, createdBy });
      } catch (err) {
        // A partner id from a stale link: the dashboard shows its (empty) numbers without the table.
        if (!isAppError(err) || err.code !== 'NOT_FOUND') throw err;
      }
    }
    const options = await services.usage.filterOptions(createdBy);
    return renderPage(
      services,
      request,
      reply,
      { title: 'Usage', section: 'usage', status: errors ? 400 : 200 },
      h(UsageDashboard, { filter, summary, errors, options, ownOnly: createdBy !== undefined, byLicense: byLicense && byLicense.byLicense.length > 0 ? byLicense : undefined }),
    );
  });

  app.get('/newsroom/usage.csv', guard, async (request: FastifyRequest, reply: FastifyReply) => {
    const filter = readFilter(request);
    const rawKind = query(request, 'kind') || 'daily';
    if (rawKind !== 'daily' && rawKind !== 'pages' && rawKind !== 'licenses') {
      throw new AppError('VALIDATION', 'kind must be daily, pages or licenses.', { details: { kind: ['must be daily, pages or licenses'] } });
    }
    const kind: CsvKind = rawKind;
    const createdBy = ownStoriesOf(request);
    if (kind === 'licenses') {
      if (!filter.partner) throw new AppError('VALIDATION', 'Views by license need a partner.', { details: { partner: ['is required for kind=licenses'] } });
      const usage = await partnerUsageByLicense(services, filter.partner, { from: filter.from, to: filter.to, createdBy });
      return sendCsv(reply, licenseUsageCsv(usage));
    }
    // Checks the filter now (a 400 before any byte); the rows follow as the client reads them.
    const exp = services.usage.csvExport({ storyId: filter.story, partnerId: filter.partner, from: filter.from, to: filter.to, createdBy }, kind);
    return sendCsv(reply, exp);
  });
}
