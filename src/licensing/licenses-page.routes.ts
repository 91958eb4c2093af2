/**
 * The licenses overview in the newsroom, `/newsroom/licensing/licenses` (editors and admins,
 * 'licensing.manage'): renewals due, then every license by state with its recent usage.
 * Registered in the newsroom scope, which has already resolved the session.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import { requireStaffPage } from '../http/auth.js';
import { query, requirePermission } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import { describeScope, licenseState, type License } from './licenses.js';
import { recentViewsByLicense } from './license-usage.js';
import { daysLeft } from './renewals.js';
import { LicensesOverviewPage, OVERVIEW_FILTERS, type OverviewFilter, type PartnerLicenseRow } from './pages/licenses-overview.js';

const PAGE_SIZE = 50;

const endKey = (l: License) => l.endsAt ?? '9999';

/** A partner's licenses as the newsroom's partner page lists them, newest start first. */
export async function partnerLicenseRows(services: Services, partnerId: string, now: Date = new Date()): Promise<PartnerLicenseRow[]> {
  const licenses = await services.licenses.forPartner(partnerId);
  if (licenses.length === 0) return [];
  const names = await services.licenses.scopeNames();
  return licenses
    .map((l) => ({ id: l.id, reference: l.reference, covers: describeScope(l, names), images: l.images, startsAt: l.startsAt, endsAt: l.endsAt, state: licenseState(l, now) }))
    .reverse();
}

function matches(filter: OverviewFilter, l: License, now: Date): boolean {
  const state = licenseState(l, now);
  if (filter === 'all') return true;
  // "In force" holds ending licenses too, as the Admin API's status=active does.
  if (filter === 'active') return state === 'active' || state === 'ending';
  return state === filter;
}

export async function registerLicensesPageRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const guard = { preHandler: [requireStaffPage, requirePermission('licensing.manage')] };

  app.get('/newsroom/licensing/licenses', guard, async (request, reply) => {
    const now = new Date();
    const raw = query(request, 'state');
    const filter: OverviewFilter = (OVERVIEW_FILTERS as readonly string[]).includes(raw) ? (raw as OverviewFilter) : 'active';
    const rawPage = query(request, 'page');
    const requested = /^\d{1,6}$/.test(rawPage) ? Math.max(1, Number(rawPage)) : 1;

    // Soonest end first, open-ended last (the same on both engines, which sort NULL differently).
    const all = (await services.licenses.list({}, now)).sort((a, b) => endKey(a).localeCompare(endKey(b)) || a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id));
    const counts = Object.fromEntries(OVERVIEW_FILTERS.map((f) => [f, all.filter((l) => matches(f, l, now)).length])) as Record<OverviewFilter, number>;
    const chosen = all.filter((l) => matches(filter, l, now));
    if (filter === 'ended') chosen.reverse();
    const pages = Math.max(1, Math.ceil(chosen.length / PAGE_SIZE));
    const page = Math.min(requested, pages);
    const shown = chosen.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    const ending = all.filter((l) => licenseState(l, now) === 'ending');

    const partnerIds = [...new Set([...shown, ...ending].map((l) => l.partnerId))];
    const partners =
      partnerIds.length === 0 ? [] : await services.database.db.selectFrom('partners').select(['id', 'outlet']).where('id', 'in', partnerIds).execute();
    const outlet = new Map(partners.map((p) => [p.id, p.outlet]));
    const [names, views] = await Promise.all([services.licenses.scopeNames(), recentViewsByLicense(services, shown, now)]);

    return renderPage(
      services,
      request,
      reply,
      { title: 'Licenses', section: 'licensing' },
      LicensesOverviewPage({
        filter,
        counts,
        page,
        pages,
        renewals: ending.map((l) => ({
          id: l.id,
          reference: l.reference,
          partnerId: l.partnerId,
          partnerName: outlet.get(l.partnerId) ?? l.partnerId,
          endsAt: l.endsAt!,
          daysLeft: daysLeft(l.endsAt!, now),
          renewal30SentAt: l.renewal30SentAt,
          renewal7SentAt: l.renewal7SentAt,
        })),
        licenses: shown.map((l) => ({
          id: l.id,
          reference: l.reference,
          partnerId: l.partnerId,
          partnerName: outlet.get(l.partnerId) ?? l.partnerId,
          covers: describeScope(l, names),
          images: l.images,
          startsAt: l.startsAt,
          endsAt: l.endsAt,
          state: licenseState(l, now),
          views: views.get(l.id) ?? { thisMonth: 0, last30Days: 0 },
        })),
      }),
    );
  });
}
