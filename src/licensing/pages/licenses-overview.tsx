/**
 * `/newsroom/licensing/licenses`: renewals due first (what needs a phone call this month), then
 * every license by state with what it covers and how much it was used, from the pixel counts.
 * Each license links to its own page, where it is extended or ended.
 */
import { PageHeader, Pagination, Time } from '../../newsroom/pages/components.js';
import { LicensingTabs } from './tabs.js';
import type { LicenseState } from '../licenses.js';
import type { LicenseRecentViews } from '../license-usage.js';

export type OverviewFilter = 'active' | 'ending' | 'scheduled' | 'ended' | 'all';
export const OVERVIEW_FILTERS: readonly OverviewFilter[] = ['active', 'ending', 'scheduled', 'ended', 'all'];

const FILTER_LABELS: Record<OverviewFilter, string> = { active: 'In force', ending: 'Ending', scheduled: 'Scheduled', ended: 'Ended', all: 'All' };
const STATE_LABELS: Record<LicenseState, string> = { scheduled: 'Scheduled', active: 'Active', ending: 'Ending soon', ended: 'Ended' };
const STATE_BADGES: Record<LicenseState, string> = { scheduled: 'badge-scheduled', active: 'badge-published', ending: 'badge-changes', ended: 'badge-withdrawn' };

export function LicenseStateBadge({ state }: { state: LicenseState }) {
  return <span class={`badge ${STATE_BADGES[state]}`}>{STATE_LABELS[state]}</span>;
}

export interface OverviewRow {
  id: string;
  reference: string;
  partnerId: string;
  partnerName: string;
  covers: string;
  images: boolean;
  startsAt: string;
  endsAt: string | null;
  state: LicenseState;
  views: LicenseRecentViews;
}

/** One license in the "Licenses" section of the newsroom's partner page. */
export interface PartnerLicenseRow {
  id: string;
  reference: string;
  covers: string;
  images: boolean;
  startsAt: string;
  endsAt: string | null;
  state: LicenseState;
}

/** The partner page's "Licenses" section: each license the partner holds or held, newest first. */
export function PartnerLicensesSection({ partnerId, licenses }: { partnerId: string; licenses: PartnerLicenseRow[] }) {
  return (
    <section class="card" aria-labelledby="licenses-title">
      <h2 id="licenses-title">Licenses</h2>
      <ul class="plain-list">
        {licenses.map((l) => (
          <li>
            <a href={`/newsroom/licensing/licenses/${l.id}`}>{l.reference}</a> <LicenseStateBadge state={l.state} />
            <span class="cell-sub">
              {l.covers}
              {l.images ? ', images included' : ', without images'}
            </span>
            <span class="cell-sub">
              <Time iso={l.startsAt} /> {l.endsAt ? <>to <Time iso={l.endsAt} /></> : '(no end date recorded)'}
            </span>
          </li>
        ))}
      </ul>
      <p>
        <a href={`/newsroom/usage?partner=${encodeURIComponent(partnerId)}`}>Usage by license and month</a>
      </p>
    </section>
  );
}

export interface RenewalRow {
  id: string;
  reference: string;
  partnerId: string;
  partnerName: string;
  endsAt: string;
  daysLeft: number;
  renewal30SentAt: string | null;
  renewal7SentAt: string | null;
}

export interface LicensesOverviewProps {
  filter: OverviewFilter;
  counts: Record<OverviewFilter, number>;
  renewals: RenewalRow[];
  licenses: OverviewRow[];
  page: number;
  pages: number;
}

export function overviewHref(filter: OverviewFilter, page = 1): string {
  const params = new URLSearchParams();
  if (filter !== 'active') params.set('state', filter);
  if (page > 1) params.set('page', String(page));
  const s = params.toString();
  return s ? `/newsroom/licensing/licenses?${s}` : '/newsroom/licensing/licenses';
}

const count = (n: number) => n.toLocaleString('en-US');

function Reminder({ label, at }: { label: string; at: string | null }) {
  return at ? (
    <span class="cell-sub">
      {label} sent <Time iso={at} />
    </span>
  ) : (
    <span class="cell-sub muted">{label} not yet</span>
  );
}

export function LicensesOverviewPage({ filter, counts, renewals, licenses, page, pages }: LicensesOverviewProps) {
  const none = counts.all === 0;
  return (
    <>
      {/* In the body on purpose, as on the usage page: its number columns; a body stylesheet is valid HTML. */}
      <link rel="stylesheet" href="/assets/usage.css" />
      <PageHeader title="Licensing" />
      <LicensingTabs current="licenses" />

      <section class="card" aria-labelledby="renewals-heading">
        <h2 id="renewals-heading">Renewals due</h2>
        {renewals.length === 0 ? (
          <p class="muted">No license ends within the next 30 days.</p>
        ) : (
          <>
            <p class="hint">
              Licenses ending within 30 days, soonest first. The licensee and the licensing contact are emailed 30 and 7 days before the end.
            </p>
            <div class="table-wrap">
              <table class="table">
                <caption class="visually-hidden">Licenses ending within 30 days</caption>
                <thead>
                  <tr>
                    <th scope="col">License</th>
                    <th scope="col">Partner</th>
                    <th scope="col">Ends</th>
                    <th scope="col" class="num">
                      Days left
                    </th>
                    <th scope="col">Reminders</th>
                  </tr>
                </thead>
                <tbody>
                  {renewals.map((r) => (
                    <tr>
                      <td class="nowrap">
                        <a href={`/newsroom/licensing/licenses/${r.id}`}>{r.reference}</a>
                      </td>
                      <td>
                        <a href={`/newsroom/partners/${r.partnerId}`}>{r.partnerName}</a>
                      </td>
                      <td class="nowrap">
                        <Time iso={r.endsAt} />
                      </td>
                      <td class="num">{r.daysLeft}</td>
                      <td>
                        <Reminder label="30-day" at={r.renewal30SentAt} />
                        <Reminder label="7-day" at={r.renewal7SentAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <section class="card" aria-labelledby="licenses-heading">
        <h2 id="licenses-heading">Licenses</h2>
        <nav aria-label="Licenses by state" class="status-tabs">
          <p class="button-row">
            {OVERVIEW_FILTERS.map((f) => (
              <a class={`btn btn-small ${f === filter ? 'btn-primary' : 'btn-secondary'}`} href={overviewHref(f)} aria-current={f === filter ? 'page' : undefined}>
                {FILTER_LABELS[f]} <span class="count">({counts[f]})</span>
              </a>
            ))}
          </p>
        </nav>
        {licenses.length === 0 ? (
          <div class="empty">
            {none ? (
              <>
                <p>No licenses yet.</p>
                <p>
                  A license comes from an inquiry: when the terms are agreed with a publisher, open its inquiry under <a href="/newsroom/licensing">Inquiries</a>{' '}
                  and record the license there. The publisher becomes a licensee and is invited to the partner portal.
                </p>
              </>
            ) : (
              <p>No {FILTER_LABELS[filter].toLowerCase()} licenses. Licenses are recorded from an inquiry under Inquiries.</p>
            )}
          </div>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <caption class="visually-hidden">{FILTER_LABELS[filter]} licenses</caption>
              <thead>
                <tr>
                  <th scope="col">License</th>
                  <th scope="col">Partner</th>
                  <th scope="col">Covers</th>
                  <th scope="col">Dates</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Views <span class="cell-sub">this month</span>
                  </th>
                  <th scope="col" class="num">
                    Views <span class="cell-sub">last 30 days</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {licenses.map((l) => (
                  <tr>
                    <td class="nowrap">
                      <a href={`/newsroom/licensing/licenses/${l.id}`}>{l.reference}</a>
                    </td>
                    <td>
                      <a href={`/newsroom/partners/${l.partnerId}`}>{l.partnerName}</a>
                    </td>
                    <td>
                      {l.covers}
                      <span class="cell-sub">{l.images ? 'Images included' : 'Without images'}</span>
                    </td>
                    <td class="nowrap">
                      <Time iso={l.startsAt} />
                      <span class="cell-sub">{l.endsAt ? <>to <Time iso={l.endsAt} /></> : 'No end date recorded'}</span>
                    </td>
                    <td>
                      <LicenseStateBadge state={l.state} />
                    </td>
                    <td class="num">{count(l.views.thisMonth)}</td>
                    <td class="num">{count(l.views.last30Days)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pagination page={page} pages={pages} href={(n) => overviewHref(filter, n)} />
      </section>
    </>
  );
}
