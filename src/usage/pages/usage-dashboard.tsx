/**
 * The newsroom's usage page: who republished what, how often it was read, and where it ran,
 * with each page's attribution check. Filters are a plain GET form, so every view has a URL
 * that can be shared and a CSV link with the same numbers.
 */
import type { CheckStatus } from '../../db/schema.js';
import type { Errors } from '../../newsroom/pages/components.js';
import { ErrorSummary, PageHeader, Time } from '../../newsroom/pages/components.js';
import { ViewsChart } from '../chart.js';
import type { UsageSummary } from '../usage.service.js';
import type { PartnerLicenseUsage } from '../../licensing/license-usage.js';

export interface UsageFilterValues {
  story: string;
  partner: string;
  from: string;
  to: string;
}

export interface UsageDashboardProps {
  filter: UsageFilterValues;
  /** undefined when the filter was refused (errors says why). */
  summary: UsageSummary | undefined;
  errors?: Errors | undefined;
  options: { stories: Array<{ id: string; headline: string }>; partners: Array<{ id: string; outlet: string }> };
  /** Reporters see only the stories they created; the page says so. */
  ownOnly: boolean;
  /** One partner that holds licenses: its views by license and month. */
  byLicense?: PartnerLicenseUsage | undefined;
}

const CHECK_LABELS: Record<CheckStatus, string> = {
  unchecked: 'Not checked yet',
  compliant: 'Attribution OK',
  noncompliant: 'Breaks the terms',
  unreachable: 'Could not fetch',
};

function words(key: string): string {
  return key
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/**
 * Why a page passed or failed, from the checker's details in whatever shape it records them:
 * a list of problems or reasons, a message, or a flag per requirement.
 */
export function checkReasons(details: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ['problems', 'reasons', 'issues', 'missing', 'failures']) {
    const v = details[key];
    if (Array.isArray(v)) out.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  for (const key of ['message', 'reason', 'error', 'summary']) {
    const v = details[key];
    if (typeof v === 'string' && v.trim() !== '') out.push(v);
  }
  if (out.length === 0) {
    for (const [k, v] of Object.entries(details)) {
      if (typeof v === 'boolean') out.push(`${words(k)}: ${v ? 'found' : 'missing'}`);
    }
  }
  return out.map((s) => (s.length > 200 ? `${s.slice(0, 199)}…` : s)).slice(0, 6);
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function usageQuery(filter: UsageFilterValues, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

function displayUrl(url: string): string {
  const bare = url.replace(/^https?:\/\//, '');
  return bare.length > 90 ? `${bare.slice(0, 89)}…` : bare;
}

export function UsageDashboard({ filter, summary, errors, options, ownOnly, byLicense }: UsageDashboardProps) {
  const applied = summary ? { ...filter, from: summary.from, to: summary.to } : filter;
  const days = summary?.byDay.length ?? 0;
  const storyLabel = filter.story ? options.stories.find((s) => s.id === filter.story)?.headline : undefined;
  const partnerLabel = filter.partner ? options.partners.find((p) => p.id === filter.partner)?.outlet : undefined;
  const scope = [storyLabel && `“${storyLabel}”`, partnerLabel && `at ${partnerLabel}`].filter(Boolean).join(' ');
  return (
    <>
      {/* In the body on purpose: the shared layout loads only newsroom.css, and a body stylesheet is valid HTML. */}
      <link rel="stylesheet" href="/assets/usage.css" />
      <PageHeader title="Usage">
        {summary && (
          <>
            <a class="btn btn-secondary" href={`/newsroom/usage.csv${usageQuery(applied, { kind: 'daily' })}`} download>
              Download views per day (CSV)
            </a>
            <a class="btn btn-secondary" href={`/newsroom/usage.csv${usageQuery(applied, { kind: 'pages' })}`} download>
              Download pages (CSV)
            </a>
          </>
        )}
      </PageHeader>
      <p class="hint usage-intro">
        Views of stories republished by partners, counted by the pixel in each copy. Known bots and repeat views by the same reader within 30 minutes
        are left out; days are UTC.{ownOnly && ' You see the stories you created.'}
      </p>

      <ErrorSummary message={errors ? 'The filter could not be applied.' : undefined} errors={errors} labels={{ story: 'Story', partner: 'Partner', from: 'From', to: 'To' }} />

      <form method="get" action="/newsroom/usage" class="card usage-filters" role="search" aria-label="Filter usage">
        <div class="field usage-filter-story">
          <label for="f-story">Story</label>
          <select id="f-story" name="story" aria-invalid={errors?.story ? 'true' : undefined}>
            <option value="">All stories</option>
            {options.stories.map((s) => (
              <option value={s.id} selected={s.id === filter.story}>
                {s.headline}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-partner">Partner</label>
          <select id="f-partner" name="partner" aria-invalid={errors?.partner ? 'true' : undefined}>
            <option value="">All partners</option>
            {options.partners.map((p) => (
              <option value={p.id} selected={p.id === filter.partner}>
                {p.outlet}
              </option>
            ))}
          </select>
        </div>
        <div class={`field ${errors?.from ? 'field-invalid' : ''}`}>
          <label for="f-from">From</label>
          <input id="f-from" name="from" type="date" value={applied.from} aria-invalid={errors?.from ? 'true' : undefined} />
        </div>
        <div class={`field ${errors?.to ? 'field-invalid' : ''}`}>
          <label for="f-to">To</label>
          <input id="f-to" name="to" type="date" value={applied.to} aria-invalid={errors?.to ? 'true' : undefined} />
        </div>
        <div class="filter-actions">
          <button type="submit" class="btn btn-primary">
            Show
          </button>
          <a href="/newsroom/usage">Reset</a>
        </div>
      </form>

      {summary && (
        <>
          <section class="usage-stats" aria-label="Totals">
            <div class="usage-stat">
              <span class="usage-stat-value">{formatCount(summary.total)}</span>
              <span class="usage-stat-label">views</span>
            </div>
            <div class="usage-stat">
              <span class="usage-stat-value">{formatCount(days > 0 ? Math.round(summary.total / days) : 0)}</span>
              <span class="usage-stat-label">a day on average</span>
            </div>
            <div class="usage-stat">
              <span class="usage-stat-value">{formatCount(summary.storyCount)}</span>
              <span class="usage-stat-label">{summary.storyCount === 1 ? 'story' : 'stories'} read</span>
            </div>
            <div class="usage-stat">
              <span class="usage-stat-value">{formatCount(summary.partnerCount)}</span>
              <span class="usage-stat-label">{summary.partnerCount === 1 ? 'partner' : 'partners'}</span>
            </div>
            <div class="usage-stat">
              <span class="usage-stat-value">{formatCount(summary.pages.length)}</span>
              <span class="usage-stat-label">{summary.pages.length === 1 ? 'page' : 'pages'} where they ran</span>
            </div>
          </section>

          <section class="card usage-chart" aria-labelledby="usage-chart-heading">
            <h2 id="usage-chart-heading">Views over time</h2>
            <ViewsChart
              byDay={summary.byDay}
              id="usage-views"
              title={`Views per day${scope ? ` of ${scope}` : ''}, ${summary.from} to ${summary.to}`}
            />
          </section>

          {byLicense && <ByLicenseTable usage={byLicense} csvHref={`/newsroom/usage.csv${usageQuery(applied, { kind: 'licenses' })}`} />}

          <div class="usage-two">
            <RankTable
              id="top-stories-heading"
              heading="Top stories"
              caption="Stories with the most views"
              label="Story"
              rows={summary.topStories.map((s) => ({ href: `/newsroom/usage${usageQuery({ ...applied, story: s.storyId })}`, text: s.headline, views: s.views }))}
            />
            <RankTable
              id="top-partners-heading"
              heading="Top partners"
              caption="Partners with the most views"
              label="Partner"
              rows={summary.topPartners.map((p) => ({ href: `/newsroom/usage${usageQuery({ ...applied, partner: p.partnerId })}`, text: p.outlet, views: p.views }))}
            />
          </div>

          <section class="usage-pages" aria-labelledby="pages-heading">
            <h2 id="pages-heading">Where stories ran</h2>
            <p class="hint">
              Pages that showed the pixel during this period, from the address the reader’s browser reported. Views are counted since the page was first
              seen. Each page is checked for the credit line, the link back and the pixel.
            </p>
            {summary.pages.length === 0 ? (
              <div class="card empty">
                <p>No pages recorded in this period.</p>
              </div>
            ) : (
              <div class="table-wrap">
                <table class="table">
                  <caption class="visually-hidden">Pages where stories ran, most viewed first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Page</th>
                      <th scope="col">Story and partner</th>
                      <th scope="col" class="num">
                        Views
                      </th>
                      <th scope="col">First seen</th>
                      <th scope="col">Last seen</th>
                      <th scope="col">Attribution</th>
                    </tr>
                  </thead>
                  <tbody>
                    {summary.pages.map((p) => {
                      const reasons = checkReasons(p.checkDetails);
                      return (
                        <tr>
                          <td class="usage-url">
                            <a href={p.url} rel="noopener noreferrer nofollow" target="_blank">
                              {displayUrl(p.url)}
                              <span class="visually-hidden"> (opens in a new tab)</span>
                            </a>
                          </td>
                          <td>
                            {p.headline}
                            <span class="cell-sub">{p.outlet}</span>
                          </td>
                          <td class="num" data-label="Views">{formatCount(p.views)}</td>
                          <td class="nowrap" data-label="First seen">
                            <Time iso={p.firstSeen} />
                          </td>
                          <td class="nowrap" data-label="Last seen">
                            <Time iso={p.lastSeen} />
                          </td>
                          <td data-label="Attribution">
                            <span class={`usage-check usage-check-${p.checkStatus}`}>{CHECK_LABELS[p.checkStatus] ?? p.checkStatus}</span>
                            {reasons.length > 0 && (
                              <ul class="usage-reasons">
                                {reasons.map((r) => (
                                  <li>{r}</li>
                                ))}
                              </ul>
                            )}
                            {p.checkedAt && (
                              <span class="cell-sub">
                                Checked <Time iso={p.checkedAt} />
                              </span>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}

function monthInWords(month: string): string {
  return new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00.000Z`));
}

/**
 * A licensee's views by license and month, for invoicing. A story two licenses cover counts under
 * both, so the rows may add up to more than the total above; the note says so.
 */
function ByLicenseTable({ usage, csvHref }: { usage: PartnerLicenseUsage; csvHref: string }) {
  const unlicensed = usage.unlicensed;
  return (
    <section class="card usage-by-license" aria-labelledby="by-license-heading">
      <h2 id="by-license-heading">By license and month</h2>
      <p class="hint">
        Views of the stories each license covered while it was in force. A story covered by two licenses counts under both. “{unlicensed.label}” holds
        views no license covered.{' '}
        <a href={csvHref} download>
          Download by license and month (CSV)
        </a>
      </p>
      <div class="table-wrap">
        <table class="table">
          <caption class="visually-hidden">Views by license and month</caption>
          <thead>
            <tr>
              <th scope="col">License</th>
              <th scope="col">Month</th>
              <th scope="col" class="num">
                Views
              </th>
              <th scope="col" class="num">
                Stories
              </th>
            </tr>
          </thead>
          <tbody>
            {usage.byLicense.flatMap((l) =>
              (l.months.length === 0 ? [{ month: '', views: 0, stories: 0 }] : l.months).map((m, i) => (
                <tr>
                  <td>
                    {i === 0 ? (
                      <>
                        <a href={`/newsroom/licensing/licenses/${l.licenseId}`}>{l.reference}</a>
                        <span class="cell-sub">{l.covers}</span>
                      </>
                    ) : (
                      <span class="muted">{l.reference}</span>
                    )}
                  </td>
                  <td class="nowrap">{m.month ? monthInWords(m.month) : '—'}</td>
                  <td class="num">{formatCount(m.views)}</td>
                  <td class="num">{formatCount(m.stories)}</td>
                </tr>
              )),
            )}
            {unlicensed.months
              .filter((m) => m.views > 0)
              .map((m) => (
                <tr>
                  <td>{unlicensed.label}</td>
                  <td class="nowrap">{monthInWords(m.month)}</td>
                  <td class="num">{formatCount(m.views)}</td>
                  <td class="num">{formatCount(m.stories)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** A "top N" card: one ranked table of links with their view counts. */
function RankTable(props: { id: string; heading: string; caption: string; label: string; rows: Array<{ href: string; text: string; views: number }> }) {
  return (
    <section class="card" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.heading}</h2>
      {props.rows.length === 0 ? (
        <p class="muted">No views in this period.</p>
      ) : (
        <table class="table usage-rank">
          <caption class="visually-hidden">{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">{props.label}</th>
              <th scope="col" class="num">
                Views
              </th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td class="cell-headline">
                  <a href={r.href}>{r.text}</a>
                </td>
                <td class="num">{formatCount(r.views)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
