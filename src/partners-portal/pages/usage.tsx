/** The partner's own numbers: views over time, top stories, and the pages where stories ran. */
import type { UsageSummary } from '../../usage/usage.service.js';
import { ViewsChart } from '../../usage/chart.js';
import { LocalTime, PageHead } from './parts.js';

export interface UsagePageProps {
  summary: UsageSummary;
  /** The range as asked (empty when defaulted), to keep it in the form. */
  from: string;
  to: string;
}

const CHECK_LABELS: Record<string, string> = {
  unchecked: 'Not checked yet',
  compliant: 'Credit, link and pixel found',
  noncompliant: 'Something is missing',
  unreachable: 'Could not be fetched',
};

function csvHref(kind: 'daily' | 'pages', from: string, to: string): string {
  const p = new URLSearchParams({ kind, from, to });
  return `/partners/usage.csv?${p.toString()}`;
}

function missing(details: Record<string, unknown>): string | null {
  const list = Array.isArray(details.missing) ? details.missing.filter((x): x is string => typeof x === 'string') : [];
  return list.length > 0 ? list.join(', ') : typeof details.reason === 'string' ? details.reason : null;
}

const n = (v: number) => v.toLocaleString('en-US');

export function UsagePage({ summary, from, to }: UsagePageProps) {
  return (
    <>
      <PageHead title="Your usage" lede="How many people read our stories on your site, counted by the pixel in each snippet (no cookies, no addresses stored).">
        <a class="pp-btn pp-btn-secondary" href={csvHref('daily', summary.from, summary.to)}>
          Download CSV
        </a>
      </PageHead>

      <form method="get" action="/partners/usage" class="pp-range" aria-label="Date range">
        <div class="field">
          <label for="usage-from">From</label>
          <input id="usage-from" type="date" name="from" value={from || summary.from} />
        </div>
        <div class="field">
          <label for="usage-to">To</label>
          <input id="usage-to" type="date" name="to" value={to || summary.to} />
        </div>
        <button type="submit" class="pp-btn pp-btn-secondary">
          Show
        </button>
      </form>

      <ul class="pp-stats" aria-label="Totals for the period">
        <li class="pp-stat">
          <span class="pp-stat-value">{n(summary.total)}</span>
          <span class="pp-stat-label">views</span>
        </li>
        <li class="pp-stat">
          <span class="pp-stat-value">{n(summary.storyCount)}</span>
          <span class="pp-stat-label">{summary.storyCount === 1 ? 'story read' : 'stories read'}</span>
        </li>
        <li class="pp-stat">
          <span class="pp-stat-value">{n(summary.pages.length)}</span>
          <span class="pp-stat-label">{summary.pages.length === 1 ? 'page where stories ran' : 'pages where stories ran'}</span>
        </li>
      </ul>

      <section class="pp-card pp-chart" aria-labelledby="chart-title">
        <h2 id="chart-title">Views per day</h2>
        <ViewsChart byDay={summary.byDay} title={`Views per day, ${summary.from} to ${summary.to}`} id="partner-views" />
      </section>

      <section class="pp-card" aria-labelledby="top-title">
        <h2 id="top-title">Top stories</h2>
        {summary.topStories.length === 0 ? (
          <p class="pp-empty">No views recorded in this period.</p>
        ) : (
          <div class="pp-table-wrap">
            <table class="pp-table">
              <caption class="pp-visually-hidden">Stories with the most views</caption>
              <thead>
                <tr>
                  <th scope="col">Story</th>
                  <th scope="col" class="pp-num">
                    Views
                  </th>
                </tr>
              </thead>
              <tbody>
                {summary.topStories.map((s) => (
                  <tr>
                    <td>{s.headline}</td>
                    <td class="pp-num">{n(s.views)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="pp-card" aria-labelledby="pages-title">
        <div class="pp-pagehead">
          <h2 id="pages-title">Where the stories ran</h2>
          {summary.pages.length > 0 && <a href={csvHref('pages', summary.from, summary.to)}>Download pages as CSV</a>}
        </div>
        <p class="pp-muted">Pages are found from the address your readers’ browsers report; we check each one for the credit line, the link back and the pixel.</p>
        {summary.pages.length === 0 ? (
          <p class="pp-empty">No pages seen in this period.</p>
        ) : (
          <div class="pp-table-wrap">
            <table class="pp-table">
              <caption class="pp-visually-hidden">Pages where stories ran</caption>
              <thead>
                <tr>
                  <th scope="col">Page</th>
                  <th scope="col">Story</th>
                  <th scope="col" class="pp-num">
                    Views
                  </th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Attribution check</th>
                </tr>
              </thead>
              <tbody>
                {summary.pages.map((p) => {
                  const why = p.checkStatus === 'noncompliant' || p.checkStatus === 'unreachable' ? missing(p.checkDetails) : null;
                  return (
                    <tr>
                      <td class="pp-url">
                        <a href={p.url} rel="noopener noreferrer nofollow">
                          {p.url}
                        </a>
                      </td>
                      <td>{p.headline}</td>
                      <td class="pp-num">{n(p.views)}</td>
                      <td>
                        <LocalTime iso={p.lastSeen} />
                      </td>
                      <td>
                        <span class={`pp-check-status pp-check-${p.checkStatus}`}>{CHECK_LABELS[p.checkStatus] ?? p.checkStatus}</span>
                        {why && <span class="pp-muted pp-small"> ({why})</span>}
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
  );
}
