/**
 * Checks the pages where partners republished stories (usage_pages, recorded by the pixel) for
 * the credit line, the link back and the pixel, and writes the verdict on the row for the
 * newsroom to see.
 *
 * Politeness and safety: a page is fetched at most once a day. Several nodes may run this against
 * one database, so each page is claimed with a conditional update (its checked_at moves to now
 * only if it was still due) before anything is fetched; the node whose update changed the row
 * does the fetch, the others skip it. A node that dies mid-fetch leaves the page claimed until the
 * next day, which costs one day's delay and never a second fetch.
 */
import { sql, type Kysely } from 'kysely';
import type { CheckStatus, DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { creditLine } from '../license-profiles/license-profiles.service.js';
import type { Services } from '../services.js';
import { assertCan, type Actor } from '../users/permissions.js';
import { checkPage, creditMatcher, type PageCheck } from './checker.js';
import { hostMatches, partnerDomains } from '../partners/domains.js';
import { safeFetch, SafeFetchError, type SafeFetchErrorKind, type SafeFetchOptions } from './safe-fetch.js';

/** The automatic check's period per page. */
export const RECHECK_AFTER_MS = 24 * 3600_000;
/** "Check now" may fetch again sooner, but not in a loop. */
export const MANUAL_RECHECK_AFTER_MS = 10 * 60_000;
const BATCH_SIZE = 20;
const CONCURRENCY = 4;

/** What check_details_json holds (the newsroom's usage pages read it). */
export interface CheckDetails {
  /** The recorded page address. */
  url: string;
  /** Where it led after redirects (absent when it could not be fetched). */
  finalUrl?: string;
  checkedAt: string;
  /** One human-readable sentence (or a few) saying why the page has its status. */
  summary: string;
  /** The three checks; empty when the page could not be fetched. */
  checks: PageCheck[];
  /** Why the page could not be fetched. */
  error: { kind: SafeFetchErrorKind; message: string; status?: number } | null;
}

export interface PageOutcome {
  id: string;
  url: string;
  status: Exclude<CheckStatus, 'unchecked'>;
  details: CheckDetails;
}

/** The part of a pino / Fastify logger the checker uses. */
export interface AttributionLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AttributionChecker {
  /** Checks the pages due now (or waits for the pass in progress) and returns what it checked. */
  runOnce(now?: Date): Promise<PageOutcome[]>;
  /** Stops the timer, cancels fetches in flight (their pages stay due) and waits for the pass to end. */
  stop(): Promise<void>;
}

export interface AttributionCheckerOptions {
  intervalMs?: number;
  /** Overrides for the fetcher (tests shorten the timeouts). */
  fetch?: Partial<SafeFetchOptions>;
}

function fetchOptions(services: Services, overrides: Partial<SafeFetchOptions> = {}): SafeFetchOptions {
  return {
    allowList: services.config.fetchAllowList,
    // Names the product and where to read about it, so a partner who sees it in their logs knows who asks.
    userAgent: `Freewire-AttributionCheck/1.0 (+${services.config.publicUrl}/republish)`,
    ...overrides,
  };
}

/** Moves checked_at to `claimAt` if the page is still due by `cutoff`; true when this caller won. */
async function claim(db: Kysely<DB>, id: string, claimAt: string, cutoff: string): Promise<boolean> {
  const r = await db
    .updateTable('usage_pages')
    .set({ checked_at: claimAt })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('checked_at', 'is', null), eb('checked_at', '<', cutoff)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

interface PageContext {
  id: string;
  url: string;
  storyUrl: string;
  creditLine: string;
  creditPattern: RegExp;
  pixelUrlPrefix: string;
  linkBackRequired: boolean;
  pixelRequired: boolean;
  /** Where the partner publishes (its website's domain and the extra ones); other hosts are never fetched. */
  partnerDomains: string[];
}

async function loadContext(services: Services, id: string): Promise<PageContext | undefined> {
  const { db } = services.database;
  const row = await db
    .selectFrom('usage_pages as up')
    .innerJoin('stories as s', 's.id', 'up.story_id')
    .innerJoin('partners as p', 'p.id', 'up.partner_id')
    .leftJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
    .select(['up.id', 'up.url', 'up.story_id', 'up.partner_id', 's.slug', 's.headline as working_headline', 'v.headline as live_headline', 'p.domain', 'p.extra_domains_json'])
    .where('up.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const authors = await db
    .selectFrom('story_live_authors as la')
    .innerJoin('authors as a', 'a.id', 'la.author_id')
    .select('a.name')
    .where('la.story_id', '=', row.story_id)
    .orderBy('la.position')
    .execute();
  const profile = (await services.licenseProfiles.forStories([row.story_id])).get(row.story_id) ?? (await services.licenseProfiles.defaultProfile());
  const settings = await services.settings.get();
  const token = await services.pixelTokens.tokenFor(row.story_id, row.partner_id);
  const { publicUrl } = services.config;
  const storyUrl = `${publicUrl}/stories/${row.slug}`;
  const headline = row.live_headline ?? row.working_headline;
  const names = authors.map((a) => a.name);
  return {
    id: row.id,
    url: row.url,
    storyUrl,
    creditLine: creditLine(profile, { site: settings.siteName, url: storyUrl, authors: names.length > 0 ? (authorsText(names)) : '', headline }),
    creditPattern: creditMatcher(profile.creditTemplate, { site: settings.siteName, url: storyUrl, authors: names, headline }),
    pixelUrlPrefix: `${publicUrl}/p/${token}.gif`,
    linkBackRequired: profile.linkBackRequired,
    pixelRequired: profile.pixelRequired,
    partnerDomains: partnerDomains(row.domain, row.extra_domains_json),
  };
}

/** The page's host is one of the partner's domains (or under one); false for anything unparseable. */
function onPartnerDomain(ctx: PageContext): boolean {
  try {
    return hostMatches(new URL(ctx.url).hostname, ctx.partnerDomains);
  } catch {
    return false;
  }
}

/** "A", "A and B", "A, B and C": how the credit line names the authors. */
function authorsText(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const CHECK_LABELS: Record<PageCheck['name'], string> = { credit: 'credit line', link: 'link to the original', pixel: 'tracking pixel' };

export function summarize(checks: PageCheck[]): string {
  const failedRequired = checks.filter((c) => c.required && !c.passed);
  if (failedRequired.length > 0) return failedRequired.map((c) => c.detail).join(' ');
  const missingOptional = checks.filter((c) => !c.required && !c.passed).map((c) => CHECK_LABELS[c.name]);
  const base = 'The page carries everything the license asks for.';
  return missingOptional.length > 0 ? `${base} (Not required, and missing: ${missingOptional.join(', ')}.)` : base;
}

/**
 * Fetches and checks one claimed page, and writes the verdict. Never throws for the page's own
 * faults. A check stopped by shutdown gives the claim back (undefined), so the page stays due.
 */
async function checkClaimed(services: Services, ctx: PageContext, claimedAt: string, previous: string | null, overrides: Partial<SafeFetchOptions>): Promise<PageOutcome | undefined> {
  let status: PageOutcome['status'];
  let details: CheckDetails;
  if (!onPartnerDomain(ctx)) {
    // The pixel records only pages on the partner's domains; a row elsewhere predates that rule
    // or sits on a domain the partner has since removed. Fetching it would send our checker to a
    // site the partner does not publish on (whoever forged the Referer chose it).
    status = 'unreachable';
    details = {
      url: ctx.url,
      checkedAt: claimedAt,
      summary: `Not fetched: the page is not on the partner’s domains (${ctx.partnerDomains.join(', ')}). Partners list the domains they publish on in their portal.`,
      checks: [],
      error: null,
    };
    return saveVerdict(services, ctx, claimedAt, status, details);
  }
  try {
    const page = await safeFetch(ctx.url, fetchOptions(services, overrides));
    const result = checkPage(page.html, {
      storyUrl: ctx.storyUrl,
      creditLine: ctx.creditLine,
      creditPattern: ctx.creditPattern,
      pixelUrlPrefix: ctx.pixelUrlPrefix,
      pageUrl: page.finalUrl,
      linkBackRequired: ctx.linkBackRequired,
      pixelRequired: ctx.pixelRequired,
    });
    status = result.compliant ? 'compliant' : 'noncompliant';
    details = { url: ctx.url, finalUrl: page.finalUrl, checkedAt: claimedAt, summary: summarize(result.checks), checks: result.checks, error: null };
  } catch (err) {
    if (!(err instanceof SafeFetchError)) throw err;
    if (err.kind === 'aborted') {
      await services.database.db.updateTable('usage_pages').set({ checked_at: previous }).where('id', '=', ctx.id).where('checked_at', '=', claimedAt).execute();
      return undefined;
    }
    status = 'unreachable';
    details = {
      url: ctx.url,
      checkedAt: claimedAt,
      summary: `The page could not be checked: ${err.message}`,
      checks: [],
      error: { kind: err.kind, message: err.message, ...(err.status !== undefined ? { status: err.status } : {}) },
    };
  }
  return saveVerdict(services, ctx, claimedAt, status, details);
}

async function saveVerdict(services: Services, ctx: PageContext, claimedAt: string, status: PageOutcome['status'], details: CheckDetails): Promise<PageOutcome> {
  await services.database.db
    .updateTable('usage_pages')
    .set({ check_status: status, check_details_json: JSON.stringify(details), checked_at: claimedAt })
    .where('id', '=', ctx.id)
    .execute();
  return { id: ctx.id, url: ctx.url, status, details };
}

/** Claims the page if due by `cutoff`, then checks it; undefined when it was not due (or is gone). */
async function checkIfDue(services: Services, id: string, previous: string | null, now: Date, cutoff: Date, overrides: Partial<SafeFetchOptions>): Promise<PageOutcome | undefined> {
  const claimedAt = now.toISOString();
  if (!(await claim(services.database.db, id, claimedAt, cutoff.toISOString()))) return undefined;
  const ctx = await loadContext(services, id);
  if (!ctx) return undefined;
  return checkClaimed(services, ctx, claimedAt, previous, overrides);
}

/** One pass: the pages due a check, oldest check first, a few fetched at a time. */
export async function checkDuePages(services: Services, now: Date = new Date(), overrides: Partial<SafeFetchOptions> = {}, log?: AttributionLog): Promise<PageOutcome[]> {
  const cutoff = new Date(now.getTime() - RECHECK_AFTER_MS);
  const due = await services.database.db
    .selectFrom('usage_pages')
    .select(['id', 'checked_at'])
    .where((eb) => eb.or([eb('checked_at', 'is', null), eb('checked_at', '<', cutoff.toISOString())]))
    // Never-checked pages first (engines disagree on where NULLs sort), then the longest unchecked.
    .orderBy(sql`case when checked_at is null then 0 else 1 end`)
    .orderBy('checked_at')
    .orderBy('id')
    .limit(BATCH_SIZE)
    .execute();
  const queue = [...due];
  const outcomes: PageOutcome[] = [];
  const worker = async (): Promise<void> => {
    for (let page = queue.shift(); page !== undefined && !overrides.signal?.aborted; page = queue.shift()) {
      try {
        const outcome = await checkIfDue(services, page.id, page.checked_at, now, cutoff, overrides);
        if (outcome) outcomes.push(outcome);
      } catch (err) {
        // One page's trouble (a story deleted mid-check, a database hiccup) must not stop the rest.
        log?.error({ err, usagePageId: page.id }, 'Attribution check of a page failed');
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes;
}

/**
 * "Check now" from the newsroom: fetches again even if the page was checked today, but not
 * within minutes of the last check, so the button cannot be used to hammer a partner's site.
 */
export async function checkPageNow(
  services: Services,
  actor: Actor,
  id: string,
  now: Date = new Date(),
  overrides: Partial<SafeFetchOptions> = {},
): Promise<{ outcome: PageOutcome } | { recentlyCheckedAt: string }> {
  assertCan(actor, 'partners.review');
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) throw new AppError('NOT_FOUND', 'No such republished page.');
  const row = await services.database.db.selectFrom('usage_pages').select(['id', 'checked_at']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'No such republished page.');
  const outcome = await checkIfDue(services, id, row.checked_at, now, new Date(now.getTime() - MANUAL_RECHECK_AFTER_MS), overrides);
  if (outcome) return { outcome };
  const again = await services.database.db.selectFrom('usage_pages').select('checked_at').where('id', '=', id).executeTakeFirst();
  if (!again) throw new AppError('NOT_FOUND', 'No such republished page.');
  return { recentlyCheckedAt: again.checked_at ?? now.toISOString() };
}

export function startAttributionChecker(services: Services, log: AttributionLog, options: AttributionCheckerOptions = {}): AttributionChecker {
  const intervalMs = options.intervalMs ?? services.config.attributionCheckIntervalMs;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PageOutcome[]> | undefined;
  let stopped = false;
  // Shutdown cancels fetches in flight instead of waiting up to a full timeout for each.
  const controller = new AbortController();
  const fetchOverrides: Partial<SafeFetchOptions> = { ...options.fetch, signal: controller.signal };

  const pass = async (now: Date): Promise<PageOutcome[]> => {
    try {
      const outcomes = await checkDuePages(services, now, fetchOverrides, log);
      if (outcomes.length > 0) {
        const count = (s: PageOutcome['status']) => outcomes.filter((o) => o.status === s).length;
        log.info(
          { compliant: count('compliant'), noncompliant: count('noncompliant'), unreachable: count('unreachable') },
          `Checked attribution on ${outcomes.length} republished ${outcomes.length === 1 ? 'page' : 'pages'}`,
        );
      }
      return outcomes;
    } catch (err) {
      // A failed pass (database restarting) must not kill the server; due pages stay due.
      log.error({ err }, 'Attribution check pass failed; retrying on the next pass');
      return [];
    }
  };

  const runOnce = (now: Date = new Date()): Promise<PageOutcome[]> => {
    running ??= pass(now).finally(() => {
      running = undefined;
    });
    return running;
  };

  const loop = (): void => {
    timer = undefined;
    if (stopped) return;
    void runOnce().then(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  // 0 disables the timer; runOnce still works (tests, and "check now" uses checkPageNow).
  if (intervalMs > 0) timer = setTimeout(loop, Math.min(intervalMs, 5_000));

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      controller.abort();
      await running;
    },
  };
}
