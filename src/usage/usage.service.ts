/**
 * Usage numbers for people: totals, views per day, top stories and partners, and the pages
 * where stories ran, for the newsroom dashboard, the partner portal, the Admin API and CSV.
 *
 * The counting itself is the recorder's (./recorder.ts); this service owns it so the app has
 * one `services.usage` to start, stop and query.
 *
 * Ranges are whole UTC days, inclusive, at most 366 of them; the default is the last 30 days.
 * Views per page are the page's lifetime count (pages are not split by day); a page is listed
 * when it was seen during the range.
 */
import { sql, type Kysely } from 'kysely';
import type { CheckStatus, DB } from '../db/schema.js';
import { AppError, type FieldErrors } from '../errors.js';
import { UsageRecorder, type RecorderOptions } from './recorder.js';

export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const TOP = 10;
const MAX_PAGES = 500;

export interface UsageFilter {
  storyId?: string | undefined;
  partnerId?: string | undefined;
  /** YYYY-MM-DD (UTC), inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Only stories created by this user (reporters see their own stories' usage). */
  createdBy?: string | undefined;
}

export interface UsagePage {
  url: string;
  views: number;
  firstSeen: string;
  lastSeen: string;
  storyId: string;
  headline: string;
  partnerId: string;
  outlet: string;
  checkStatus: CheckStatus;
  /** What the attribution checker found (its own shape); {} until the page is checked. */
  checkDetails: Record<string, unknown>;
  checkedAt: string | null;
}

export interface UsageSummary {
  from: string;
  to: string;
  total: number;
  byDay: Array<{ day: string; views: number }>;
  pages: UsagePage[];
  topStories: Array<{ storyId: string; headline: string; views: number }>;
  topPartners: Array<{ partnerId: string; outlet: string; views: number }>;
  /** How many stories and partners had views in the range (the top lists stop at 10). */
  storyCount: number;
  partnerCount: number;
}

/** daily and pages come from this service; licenses (a partner's views by license and month) from src/licensing/license-usage.ts. */
export type CsvKind = 'daily' | 'pages' | 'licenses';

/** Rows in one CSV export; a longer one ends with a note (narrow the range for the rest). */
export const MAX_CSV_ROWS = 100_000;
/** Rows read per query while streaming a CSV export. */
export const CSV_PAGE_SIZE = 1000;

export interface CsvExport {
  /** The range exported (defaults filled in), for the file name. */
  from: string;
  to: string;
  kind: CsvKind;
  /** The file: the byte order mark and header first, then rows in chunks. */
  chunks: AsyncIterable<string>;
}

/** The last line of an export cut at the cap: one cell, so spreadsheets show it in column A. */
function truncationNote(maxRows: number): string {
  return csvLine([`Export stopped after ${maxRows.toLocaleString('en-US')} rows; choose a shorter date range (from/to) to get the rest.`]);
}

interface DailyCsvRow {
  day: string;
  story_id: string;
  headline: string;
  partner_id: string;
  outlet: string;
  views: number;
}

/**
 * A CSV export read `pageSize` rows at a time: `read(after, limit)` returns the rows after the
 * last one sent, in a unique order, so each read is a short query and a slow download never holds
 * a database connection. Stops after `maxRows` with the truncation note.
 */
async function* keysetCsv<R>(
  header: string[],
  read: (after: R | undefined, limit: number) => Promise<R[]>,
  line: (row: R) => CsvCell[],
  maxRows: number,
  pageSize: number,
): AsyncGenerator<string> {
  // The byte order mark makes Excel read the file as UTF-8 (headlines and outlets in any language).
  yield `\uFEFF${csvLine(header)}`;
  let after: R | undefined;
  let written = 0;
  for (;;) {
    const rows = await read(after, pageSize);
    let chunk = '';
    for (const r of rows) {
      if (written === maxRows) {
        yield `${chunk}${truncationNote(maxRows)}`;
        return;
      }
      chunk += csvLine(line(r));
      written += 1;
    }
    if (chunk) yield chunk;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1];
  }
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDay(s: string): boolean {
  const m = DAY_RE.exec(s);
  // Years before 1970 cannot hold views; 10000 and later would not format as YYYY-MM-DD.
  if (!m || Number(m[1]) < 1970) return false;
  const d = new Date(`${s}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function checkId(errors: FieldErrors, field: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > 64 || !/^[A-Za-z0-9_-]+$/.test(value)) (errors[field] ??= []).push('must be an id (letters, digits, - and _; at most 64 characters)');
  return value;
}

/**
 * Checks and completes a filter: from/to default to the last 30 days ending today (UTC).
 * Field names in errors are the query parameters' (story, partner, from, to).
 */
export function resolveFilter(filter: UsageFilter, today: string = new Date().toISOString().slice(0, 10)): Required<Pick<UsageFilter, 'from' | 'to'>> & UsageFilter {
  const errors: FieldErrors = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  const storyId = checkId(errors, 'story', filter.storyId);
  const partnerId = checkId(errors, 'partner', filter.partnerId);
  const from = filter.from || undefined;
  const to = filter.to || undefined;
  if (from !== undefined && !isRealDay(from)) add('from', 'must be a date as YYYY-MM-DD');
  if (to !== undefined && !isRealDay(to)) add('to', 'must be a date as YYYY-MM-DD');
  if (Object.keys(errors).length > 0) throw new AppError('VALIDATION', 'The usage filter is not valid.', { details: errors });
  const end = to ?? (from !== undefined && from > today ? from : today);
  const start = from ?? addDays(end, -(DEFAULT_RANGE_DAYS - 1));
  if (start > end) add('from', 'must be on or before the end date');
  else if ((Date.parse(end) - Date.parse(start)) / DAY_MS + 1 > MAX_RANGE_DAYS) add('to', `the range may cover at most ${MAX_RANGE_DAYS} days`);
  if (Object.keys(errors).length > 0) throw new AppError('VALIDATION', 'The usage filter is not valid.', { details: errors });
  return { storyId, partnerId, from: start, to: end, createdBy: filter.createdBy };
}

/** Every day from `from` to `to` inclusive (counted, not compared as text: see isRealDay). */
export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00.000Z`);
  const n = Math.round((Date.parse(`${to}T00:00:00.000Z`) - start) / DAY_MS) + 1;
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(new Date(start + i * DAY_MS).toISOString().slice(0, 10));
  return out;
}

// ---- CSV ---------------------------------------------------------------------------------------

/**
 * One CSV cell (RFC 4180 quoting). Text that a spreadsheet would run as a formula (= + - @, or a
 * leading tab or carriage return) gets a leading apostrophe: referrer URLs and headlines come
 * from outside and must not become formulas in someone's Excel.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

type CsvCell = string | number | null | undefined;

export function csvLine(cells: CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

// ---- the service -------------------------------------------------------------------------------

function parseDetails(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class UsageService {
  readonly recorder: UsageRecorder;
  /** How CSV exports are read and bounded (tests lower them to exercise the cap). */
  csvLimits: { maxRows: number; pageSize: number } = { maxRows: MAX_CSV_ROWS, pageSize: CSV_PAGE_SIZE };

  constructor(
    private readonly db: Kysely<DB>,
    recorderOptions: RecorderOptions = {},
  ) {
    this.recorder = new UsageRecorder(db, recorderOptions);
  }

  private daily(f: UsageFilter & { from: string; to: string }) {
    let q = this.db.selectFrom('usage_daily').where('usage_daily.day', '>=', f.from).where('usage_daily.day', '<=', f.to);
    if (f.storyId) q = q.where('usage_daily.story_id', '=', f.storyId);
    if (f.partnerId) q = q.where('usage_daily.partner_id', '=', f.partnerId);
    if (f.createdBy) q = q.where('usage_daily.story_id', 'in', this.db.selectFrom('stories').select('stories.id').where('stories.created_by', '=', f.createdBy));
    return q;
  }

  /** The headline readers see (the live version), or the working copy for a story never published. */
  private headline() {
    return sql<string>`coalesce((select sv.headline from story_versions sv where sv.story_id = stories.id and sv.version = stories.live_version), stories.headline)`;
  }

  async summary(filter: UsageFilter): Promise<UsageSummary> {
    const f = resolveFilter(filter);
    const views = sql<number>`sum(usage_daily.views)`;

    const dayRows = await this.daily(f).select(['usage_daily.day', views.as('views')]).groupBy('usage_daily.day').execute();
    const perDay = new Map(dayRows.map((r) => [r.day, Number(r.views)]));
    const byDay = daysBetween(f.from, f.to).map((day) => ({ day, views: perDay.get(day) ?? 0 }));
    const total = byDay.reduce((a, d) => a + d.views, 0);

    const topStories = await this.daily(f)
      .innerJoin('stories', 'stories.id', 'usage_daily.story_id')
      .select(['usage_daily.story_id', this.headline().as('headline'), views.as('views')])
      .groupBy(['usage_daily.story_id', 'stories.id', 'stories.headline', 'stories.live_version'])
      .orderBy(views, 'desc')
      .orderBy('usage_daily.story_id')
      .limit(TOP)
      .execute();

    const topPartners = await this.daily(f)
      .innerJoin('partners', 'partners.id', 'usage_daily.partner_id')
      .select(['usage_daily.partner_id', 'partners.outlet', views.as('views')])
      .groupBy(['usage_daily.partner_id', 'partners.outlet'])
      .orderBy(views, 'desc')
      .orderBy('usage_daily.partner_id')
      .limit(TOP)
      .execute();

    const counts = await this.daily(f)
      .select([sql<number>`count(distinct usage_daily.story_id)`.as('stories'), sql<number>`count(distinct usage_daily.partner_id)`.as('partners')])
      .executeTakeFirst();

    return {
      from: f.from,
      to: f.to,
      total,
      storyCount: Number(counts?.stories ?? 0),
      partnerCount: Number(counts?.partners ?? 0),
      byDay,
      pages: await this.pages(f, MAX_PAGES),
      topStories: topStories.map((r) => ({ storyId: r.story_id, headline: r.headline, views: Number(r.views) })),
      topPartners: topPartners.map((r) => ({ partnerId: r.partner_id, outlet: r.outlet, views: Number(r.views) })),
    };
  }

  /** Pages seen during the range, with their story and partner, for the filter. */
  private pagesQuery(f: UsageFilter & { from: string; to: string }) {
    let q = this.db
      .selectFrom('usage_pages')
      .innerJoin('stories', 'stories.id', 'usage_pages.story_id')
      .innerJoin('partners', 'partners.id', 'usage_pages.partner_id')
      .where('usage_pages.first_seen', '<=', `${f.to}T23:59:59.999Z`)
      .where('usage_pages.last_seen', '>=', `${f.from}T00:00:00.000Z`);
    if (f.storyId) q = q.where('usage_pages.story_id', '=', f.storyId);
    if (f.partnerId) q = q.where('usage_pages.partner_id', '=', f.partnerId);
    if (f.createdBy) q = q.where('stories.created_by', '=', f.createdBy);
    return q;
  }

  /**
   * Page rows most viewed first, then by address and id (a unique order, so `after` — the last
   * row of the previous read — continues exactly where it stopped).
   */
  private pageRows(f: UsageFilter & { from: string; to: string }, limit: number, after?: { views: number; url: string; id: string }) {
    let q = this.pagesQuery(f).select([
      'usage_pages.id',
      'usage_pages.url',
      'usage_pages.views',
      'usage_pages.first_seen',
      'usage_pages.last_seen',
      'usage_pages.story_id',
      'usage_pages.partner_id',
      'usage_pages.check_status',
      'usage_pages.check_details_json',
      'usage_pages.checked_at',
      this.headline().as('headline'),
      'partners.outlet',
    ]);
    if (after) {
      const a = after;
      q = q.where((eb) =>
        eb.or([
          eb('usage_pages.views', '<', a.views),
          eb.and([eb('usage_pages.views', '=', a.views), eb('usage_pages.url', '>', a.url)]),
          eb.and([eb('usage_pages.views', '=', a.views), eb('usage_pages.url', '=', a.url), eb('usage_pages.id', '>', a.id)]),
        ]),
      );
    }
    return q.orderBy('usage_pages.views', 'desc').orderBy('usage_pages.url').orderBy('usage_pages.id').limit(limit).execute();
  }

  private async pages(f: UsageFilter & { from: string; to: string }, limit: number): Promise<UsagePage[]> {
    return (await this.pageRows(f, limit)).map((r) => ({
      url: r.url,
      views: Number(r.views),
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      storyId: r.story_id,
      headline: r.headline,
      partnerId: r.partner_id,
      outlet: r.outlet,
      checkStatus: r.check_status,
      checkDetails: parseDetails(r.check_details_json),
      checkedAt: r.checked_at,
    }));
  }

  /**
   * The same numbers as CSV, as a stream of text chunks for the HTTP response: `daily` has one
   * row per day × story × partner with views (days without views are left out); `pages` has one
   * row per page where a story ran, most viewed first.
   *
   * Rows are read in pages of `csvLimits.pageSize` by keyset (each read a short query, so a slow
   * download never holds a database connection) and stop after `csvLimits.maxRows`; a longer
   * export ends with a line saying so. The filter is checked at once (a bad range throws here,
   * before any byte is sent); the range used, defaults filled in, is returned for the file name.
   */
  csvExport(filter: UsageFilter, kind: Exclude<CsvKind, 'licenses'> = 'daily'): CsvExport {
    const f = resolveFilter(filter);
    const { maxRows, pageSize } = this.csvLimits;
    return { from: f.from, to: f.to, kind, chunks: kind === 'pages' ? this.pagesCsv(f, maxRows, pageSize) : this.dailyCsv(f, maxRows, pageSize) };
  }

  /** The whole export as one string (scripts and tests; the HTTP routes stream csvExport). */
  async csv(filter: UsageFilter, kind: Exclude<CsvKind, 'licenses'> = 'daily'): Promise<string> {
    let out = '';
    for await (const chunk of this.csvExport(filter, kind).chunks) out += chunk;
    return out;
  }

  private dailyCsv(f: UsageFilter & { from: string; to: string }, maxRows: number, pageSize: number): AsyncGenerator<string> {
    return keysetCsv<DailyCsvRow>(
      ['day', 'story_id', 'headline', 'partner_id', 'outlet', 'views'],
      (after, limit) => {
        let q = this.daily(f)
          .innerJoin('stories', 'stories.id', 'usage_daily.story_id')
          .innerJoin('partners', 'partners.id', 'usage_daily.partner_id')
          .select(['usage_daily.day', 'usage_daily.story_id', this.headline().as('headline'), 'usage_daily.partner_id', 'partners.outlet', 'usage_daily.views']);
        if (after) q = q.where(({ eb, refTuple, tuple }) => eb(refTuple('usage_daily.day', 'usage_daily.story_id', 'usage_daily.partner_id'), '>', tuple(after.day, after.story_id, after.partner_id)));
        return q.orderBy('usage_daily.day').orderBy('usage_daily.story_id').orderBy('usage_daily.partner_id').limit(limit).execute();
      },
      (r) => [r.day, r.story_id, r.headline, r.partner_id, r.outlet, Number(r.views)],
      maxRows,
      pageSize,
    );
  }

  private pagesCsv(f: UsageFilter & { from: string; to: string }, maxRows: number, pageSize: number): AsyncGenerator<string> {
    return keysetCsv<Awaited<ReturnType<UsageService['pageRows']>>[number]>(
      ['page_url', 'story_id', 'headline', 'partner_id', 'outlet', 'views', 'first_seen', 'last_seen', 'check_status', 'checked_at'],
      (after, limit) => this.pageRows(f, limit, after && { views: Number(after.views), url: after.url, id: after.id }),
      (r) => [r.url, r.story_id, r.headline, r.partner_id, r.outlet, Number(r.views), r.first_seen, r.last_seen, r.check_status, r.checked_at],
      maxRows,
      pageSize,
    );
  }


  /** Stories and partners that have any recorded views, for the dashboard's filter menus. */
  async filterOptions(createdBy?: string): Promise<{ stories: Array<{ id: string; headline: string }>; partners: Array<{ id: string; outlet: string }> }> {
    let sq = this.db
      .selectFrom('stories')
      .where('stories.id', 'in', this.db.selectFrom('usage_daily').select('usage_daily.story_id').distinct())
      .select(['stories.id', this.headline().as('headline')]);
    if (createdBy) sq = sq.where('stories.created_by', '=', createdBy);
    const stories = await sq.orderBy('stories.published_at', 'desc').orderBy('stories.id').limit(500).execute();
    let pq = this.db.selectFrom('partners').where('partners.id', 'in', this.db.selectFrom('usage_daily').select('usage_daily.partner_id').distinct());
    if (createdBy) {
      pq = pq.where(
        'partners.id',
        'in',
        this.db
          .selectFrom('usage_daily')
          .innerJoin('stories', 'stories.id', 'usage_daily.story_id')
          .where('stories.created_by', '=', createdBy)
          .select('usage_daily.partner_id'),
      );
    }
    const partners = await pq.select(['partners.id', 'partners.outlet']).orderBy('partners.outlet').orderBy('partners.id').limit(500).execute();
    return { stories: stories.map((s) => ({ id: s.id, headline: s.headline })), partners: partners.map((p) => ({ id: p.id, outlet: p.outlet })) };
  }
}
