/**
 * Views over time as a server-rendered SVG area chart: no script, no inline style attributes
 * (the CSP forbids them), so it looks the same in the newsroom, the partner portal and an email.
 * Colours, fonts and strokes are SVG presentation attributes, which a page's CSS may override
 * through the classes (fw-chart-*), but which need no stylesheet at all.
 *
 * Accessibility: the SVG is one image (role="img") named by its <title> and described by a
 * <desc> with the range, total and peak; the exact numbers follow in a table inside <details>,
 * which screen readers and keyboard users can open. Each point also carries a <title>, which
 * browsers show as a tooltip on hover.
 */

export interface ViewsChartProps {
  byDay: Array<{ day: string; views: number }>;
  title: string;
  /** Unique per page when a page has several charts; used for the ids that tie title and desc. */
  id?: string;
}

const WIDTH = 720;
const HEIGHT = 260;
const M = { top: 16, right: 20, bottom: 36, left: 56 };
const PLOT_W = WIDTH - M.left - M.right;
const PLOT_H = HEIGHT - M.top - M.bottom;

const INK = '#374151';
const MUTED = '#566070';
const GRID = '#e5e7eb';
const AXIS = '#6b7280';
const LINE = '#1d4ed8';
const AREA = '#bfdbfe';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "3 Nov" (and the year when the range spans more than one). */
function dayLabel(day: string, withYear: boolean): string {
  const [y, m, d] = day.split('-');
  const label = `${Number(d)} ${MONTHS[Number(m) - 1] ?? m}`;
  return withYear ? `${label} ${y}` : label;
}

/** A round top for the y axis (1, 2, 2.5 or 5 × 10^n) and its step, about four gridlines. */
export function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 4, step: 1 };
  const rough = max / 4;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= rough && Number.isInteger(s)) ?? Math.ceil(rough);
  return { top: Math.ceil(max / step) * step, step };
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export function ViewsChart({ byDay, title, id = 'views-chart' }: ViewsChartProps) {
  const n = byDay.length;
  const total = byDay.reduce((a, d) => a + d.views, 0);
  const peak = byDay.reduce<{ day: string; views: number } | undefined>((best, d) => (best === undefined || d.views > best.views ? d : best), undefined);
  const { top, step } = niceScale(peak?.views ?? 0);
  const withYear = n > 0 && byDay[0]!.day.slice(0, 4) !== byDay[n - 1]!.day.slice(0, 4);

  const x = (i: number) => M.left + (n <= 1 ? PLOT_W / 2 : (i / (n - 1)) * PLOT_W);
  const y = (v: number) => M.top + PLOT_H - (v / top) * PLOT_H;
  const points = byDay.map((d, i) => [round(x(i)), round(y(d.views))] as const);
  const line = points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px} ${py}`).join(' ');
  const baseline = round(y(0));
  const area = n > 1 ? `${line} L${points[n - 1]![0]} ${baseline} L${points[0]![0]} ${baseline} Z` : '';

  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  // At most ~8 date labels, always including the first and last day.
  const every = Math.max(1, Math.ceil(n / 8));
  const labelled = byDay.map((_, i) => i).filter((i) => i % every === 0 && (n - 1 - i >= every / 2 || i === n - 1));
  if (n > 1 && labelled[labelled.length - 1] !== n - 1) labelled.push(n - 1);

  const range = n === 0 ? 'no days' : n === 1 ? dayLabel(byDay[0]!.day, true) : `${dayLabel(byDay[0]!.day, true)} to ${dayLabel(byDay[n - 1]!.day, true)}`;
  const description =
    total === 0
      ? `No views from ${range}.`
      : `${formatCount(total)} views from ${range}; the busiest day was ${dayLabel(peak!.day, true)} with ${formatCount(peak!.views)} views.`;

  return (
    <figure class="fw-chart">
      {/* Focusable so keyboard users can scroll it where a stylesheet makes it scroll (phones). */}
      <div class="fw-chart-scroll" tabIndex={0} role="group" aria-label={title}>
        <svg
          class="fw-chart-svg"
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          width="100%"
          preserveAspectRatio="xMidYMid meet"
          role="img"
          aria-labelledby={`${id}-title ${id}-desc`}
          font-family={FONT}
          font-size="12"
        >
          <title id={`${id}-title`}>{title}</title>
          <desc id={`${id}-desc`}>{description}</desc>
          <g class="fw-chart-grid">
            {ticks.map((v) => (
              <g>
                <line x1={M.left} x2={WIDTH - M.right} y1={round(y(v))} y2={round(y(v))} stroke={v === 0 ? AXIS : GRID} stroke-width="1" />
                <text x={M.left - 8} y={round(y(v))} dy="0.32em" text-anchor="end" fill={MUTED}>
                  {formatCount(v)}
                </text>
              </g>
            ))}
          </g>
          <g class="fw-chart-x">
            {labelled.map((i) => (
              <g>
                <line x1={round(x(i))} x2={round(x(i))} y1={baseline} y2={baseline + 5} stroke={AXIS} stroke-width="1" />
                <text x={round(x(i))} y={baseline + 20} text-anchor={n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle'} fill={MUTED}>
                  {dayLabel(byDay[i]!.day, withYear)}
                </text>
              </g>
            ))}
          </g>
          {area && <path class="fw-chart-area" d={area} fill={AREA} fill-opacity="0.6" stroke="none" />}
          {n > 1 && <path class="fw-chart-line" d={line} fill="none" stroke={LINE} stroke-width="2" stroke-linejoin="round" stroke-linecap="round" />}
          {/* Points only where they stay apart; each has a tooltip. */}
          {(n <= 62 ? byDay : []).map((d, i) => (
            <circle class="fw-chart-point" cx={points[i]![0]} cy={points[i]![1]} r={n <= 31 ? 3.5 : 2.5} fill="#ffffff" stroke={LINE} stroke-width="2">
              <title>{`${dayLabel(d.day, true)}: ${formatCount(d.views)} views`}</title>
            </circle>
          ))}
          {total === 0 && (
            <text x={M.left + PLOT_W / 2} y={M.top + PLOT_H / 2} text-anchor="middle" fill={INK} font-size="14">
              No views in this period
            </text>
          )}
        </svg>
      </div>
      <details class="fw-chart-data">
        <summary>Show the numbers</summary>
        <table class="table fw-chart-table">
          <caption>{title}: views per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Views</th>
            </tr>
          </thead>
          <tbody>
            {byDay.map((d) => (
              <tr>
                <th scope="row">
                  <time datetime={d.day}>{d.day}</time>
                </th>
                <td>{formatCount(d.views)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td>{formatCount(total)}</td>
            </tr>
          </tfoot>
        </table>
      </details>
    </figure>
  );
}
