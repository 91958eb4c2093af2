/**
 * The syndication side of the demo newsroom, so every dashboard has something to show on first
 * start: a free partner with a portal login and an API key, a pending application, a licensee
 * whose inquiry went through the licensing desk to a license, an open inquiry, thirty days of
 * pixel views with the pages they came from and their attribution verdicts, and the ledger of
 * who had the corrected and the withdrawn stories (with acknowledgements).
 *
 * Whatever has a service goes through it (applications, approvals, invitations, keys, inquiries,
 * licenses, receipts, acknowledgements, partner copies and the attribution checker's parser), so
 * the rows are the ones the product writes. Usage history has no service (the pixel counts live
 * hits), so its rows are inserted in the shapes the recorder writes. Timestamps are then moved
 * into the past, as the story seeding does, so the history reads as a month of work.
 */
import type { Kysely } from 'kysely';
import type { DB, PartnerKind } from '../db/schema.js';
import type { Services } from '../services.js';
import { invitationPath, approvePartner } from '../partners/decisions.js';
import { submitInquiry } from '../licensing/inquiries.service.js';
import { PipelineService } from '../licensing/pipeline.service.js';
import { LicensesService } from '../licensing/licenses.service.js';
import { acknowledgeNotice, latestNotice, recordReceipts } from '../notices/ledger.js';
import { createNoticesConsumer } from '../notices/notices.js';
import { buildPartnerCopy } from '../syndication/partner-copy.js';
import { checkPage, creditMatcher } from '../attribution/checker.js';
import { summarize, type CheckDetails } from '../attribution/worker.js';
import { SafeFetchError } from '../attribution/safe-fetch.js';
import type { CheckStatus } from '../db/schema.js';
import { newId, randomToken } from '../util/ids.js';
import { chunks } from '../util/chunks.js';
import { DAY_MS, dailyViews, utcDayStart } from './usage-history.js';
import {
  demoFreePartner,
  demoLicense,
  demoLicenseeInquiry,
  demoLicenseePathPrefix,
  demoLicenseeRuns,
  demoOpenInquiry,
  demoPendingApplication,
  demoStories,
  type DemoRun,
} from './content.js';
import type { Actor } from '../users/permissions.js';

const HOUR = 3600_000;
const MINUTE = 60_000;
/** The days of usage the newsroom's dashboard shows by default: every one of them has views. */
export const USAGE_DAYS = 30;
/**
 * How far back views are written: a story the partner ran before the dashboard's window has its
 * earlier days too, as a real pixel would have counted them (pages hold lifetime counts).
 */
const HISTORY_DAYS = 60;
/** The settings row that says one node has taken on the demo activity (several may start at once). */
export const ACTIVITY_CLAIM_KEY = 'demo_activity';

export interface ActivityResult {
  partners: number;
  inquiries: number;
  /** The free partner's portal login, to print once like the first admin's. */
  portalLogin: { email: string; password: string; outlet: string };
}

interface StoryRow {
  id: string;
  slug: string;
  published_at: string | null;
  withdrawn_at: string | null;
}

interface PartnerRef {
  id: string;
  kind: PartnerKind;
  outlet: string;
  website: string;
}

/**
 * True when every demo story has been published and amended as the content says. Several nodes
 * seeding one empty database share the stories between them; only once all are done may one of
 * them build the activity on top.
 */
async function storiesComplete(db: Kysely<DB>): Promise<boolean> {
  const expected = demoStories.reduce((n, s) => n + 1 + (s.correction ? 1 : 0) + (s.update ? 1 : 0) + (s.withdrawal ? 1 : 0), 0);
  const r = await db
    .selectFrom('events as e')
    .innerJoin('stories as s', 's.id', 'e.story_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('s.slug', 'in', demoStories.map((s) => s.slug))
    .where('e.type', 'in', ['story.published', 'story.corrected', 'story.updated', 'story.withdrawn'])
    .executeTakeFirstOrThrow();
  return Number(r.n) === expected;
}

/** Takes on the activity for this node; false when another node already has. */
async function claim(services: Services, now: Date): Promise<boolean> {
  try {
    await services.database.db.insertInto('settings').values({ key: ACTIVITY_CLAIM_KEY, value_json: JSON.stringify({ seededAt: now.toISOString() }), updated_at: now.toISOString() }).execute();
    return true;
  } catch (err) {
    if (services.database.dialect.isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * Builds the demo activity once, after the demo stories exist. Undefined when the stories are not
 * all there yet (another node is still seeding; it will do this) or another node already did it.
 */
export async function seedDemoActivity(services: Services, actor: Actor, now: Date, password: string): Promise<ActivityResult | undefined> {
  const db = services.database.db;
  if (!(await storiesComplete(db))) return undefined;
  if (!(await claim(services, now))) return undefined;

  const storyRows = await db.selectFrom('stories').select(['id', 'slug', 'published_at', 'withdrawn_at']).where('slug', 'in', demoStories.map((s) => s.slug)).execute();
  const stories = new Map<string, StoryRow>(storyRows.map((r) => [r.slug, r]));
  const story = (slug: string): StoryRow => {
    const s = stories.get(slug);
    if (!s?.published_at) throw new Error(`demo story ${slug} is missing`);
    return s;
  };

  // ---- the free partner: application, approval, portal login, API key, a followed desk
  const firstRun = Math.min(...demoFreePartner.runs.map((r) => Date.parse(story(r.story).published_at!)));
  const applied = new Date(firstRun - 5 * 24 * HOUR);
  const approved = new Date(applied.getTime() + 26 * HOUR);
  const { outlet, website, contactName, email, audience, evidence, intendedUse } = demoFreePartner;
  const free = await services.partners.apply({ outlet, website, contactName, email, audience, evidence, intendedUse, acceptTerms: true });
  const decision = await approvePartner(services, actor, free.id);
  const token = decision.invitationUrl!.slice(decision.invitationUrl!.lastIndexOf(invitationPath('')) + invitationPath('').length);
  const user = await services.partners.acceptInvitation(token, { name: demoFreePartner.contactName, password }, new Date(approved.getTime() + 3 * HOUR));
  const key = await services.partners.createKey(actor, free.id, 'Newsroom CMS import');
  const environment = await services.desks.getBySlug('environment');
  if (environment) await services.partnerAccounts.follow(user, 'desk', environment.id);
  await backdatePartner(db, free.id, applied, approved);
  await db.updateTable('partner_users').set({ created_at: new Date(approved.getTime() + 3 * HOUR).toISOString() }).where('id', '=', user.id).execute();
  await db.updateTable('partner_keys').set({ created_at: new Date(approved.getTime() + 4 * HOUR).toISOString(), last_used_at: new Date(now.getTime() - 4 * MINUTE).toISOString() }).where('id', '=', key.id).execute();
  await db.updateTable('partner_follows').set({ created_at: new Date(approved.getTime() + 4 * HOUR).toISOString() }).where('partner_id', '=', free.id).execute();

  // ---- the pending application, two days old
  const pending = await services.partners.apply({ ...demoPendingApplication, acceptTerms: true });
  const pendingAt = new Date(now.getTime() - 50 * HOUR).toISOString();
  await db.updateTable('partners').set({ created_at: pendingAt, updated_at: pendingAt }).where('id', '=', pending.id).execute();

  // ---- the licensee: the public form's inquiry, contacted, negotiated, licensed
  const licenseStart = new Date(utcDayStart(now.getTime()) - demoLicense.startedDaysAgo * DAY_MS);
  const pipeline = new PipelineService(services);
  const inquiry = await submitInquiry(services, demoLicenseeInquiry);
  const greeting = await pipeline.greeting(await pipeline.get(actor, inquiry.id));
  await pipeline.email(actor, inquiry.id, {
    subject: greeting.subject,
    body: greeting.body.replace('\n\n\n', `\n\nHealth and statehouse coverage on air and online is something we license regularly. Could we talk on Thursday about the stories you have in mind and your audience?\n\n`),
  });
  await pipeline.update(actor, inquiry.id, { status: 'negotiating', note: 'Call with Tomas: one year, all desks, photos included. Sent our standard terms; their board approves on the 3rd.' });
  const license = await new LicensesService(services).createFromInquiry(
    actor,
    inquiry.id,
    {
      terms: demoLicense.terms,
      fee: demoLicense.fee,
      images: true,
      onEnd: 'keep',
      startsAt: licenseStart.toISOString().slice(0, 10),
      endsAt: new Date(licenseStart.getTime() + demoLicense.termDays * DAY_MS).toISOString().slice(0, 10),
    },
    now,
  );
  const licenseeKey = await services.partners.createKey(actor, license.partnerId, 'Wire importer');
  await backdateLicensing(db, inquiry.id, license.licenseId, license.partnerId, licenseStart);
  await db.updateTable('partner_keys').set({ created_at: new Date(licenseStart.getTime() + 2 * HOUR).toISOString(), last_used_at: new Date(now.getTime() - 11 * MINUTE).toISOString() }).where('id', '=', licenseeKey.id).execute();

  // ---- the open inquiry, from yesterday
  const open = await submitInquiry(services, demoOpenInquiry);
  await backdateInquiryEvents(db, open.id, [new Date(now.getTime() - 19 * HOUR)]);

  const freeRef: PartnerRef = { id: free.id, kind: 'free', outlet: demoFreePartner.outlet, website: demoFreePartner.website };
  const licenseeRef: PartnerRef = { id: license.partnerId, kind: 'licensee', outlet: demoLicenseeInquiry.organisation, website: demoLicenseeInquiry.website };

  // ---- what each partner had, ran and was read for
  await recordRuns(services, freeRef, demoFreePartner.runs, demoFreePartner.pathPrefix, 'api', story, new Date(approved.getTime() + 4 * HOUR), now);
  await recordRuns(services, licenseeRef, demoLicenseeRuns, demoLicenseePathPrefix, 'feed', story, licenseStart, now);

  // ---- the licensee confirmed it acted on the correction and the withdrawal; the free partner has not yet
  for (const s of demoStories) {
    if ((!s.correction && !s.withdrawal) || !demoLicenseeRuns.some((r) => r.story === s.slug)) continue;
    const notice = await latestNotice(db, story(s.slug).id);
    if (!notice) continue;
    await acknowledgeNotice(db, licenseeRef.id, notice, 'api', new Date(Date.parse(notice.createdAt) + 2 * HOUR + 17 * MINUTE));
  }

  await sendNotices(services);

  services.changes.bump();
  return { partners: 3, inquiries: 2, portalLogin: { email: user.email, password, outlet: demoFreePartner.outlet } };
}

/**
 * Lets the notices consumer (whose cursor seedDemoContent set before the first demo event) mail
 * the partners who had the corrected and the withdrawn story, then dates each notice minutes
 * after its event, as a running site would have sent it. A batch held back by a gap in the event
 * ids is left to the running server's consumer.
 */
async function sendNotices(services: Services): Promise<void> {
  const consumer = createNoticesConsumer(services);
  try {
    for (let batch = 0; batch < 100 && (await consumer.runOnce()) > 0; batch++);
  } finally {
    await consumer.release();
  }
  const db = services.database.db;
  const sends = await db
    .selectFrom('notice_sends as n')
    .innerJoin('events as e', 'e.id', 'n.event_id')
    .select(['n.event_id', 'n.partner_id', 'n.sent_at', 'e.created_at'])
    .execute();
  for (const n of sends) {
    const at = new Date(Date.parse(n.created_at) + 4 * MINUTE).toISOString();
    await db
      .updateTable('notice_sends')
      .set({ created_at: at, sent_at: n.sent_at === null ? null : at })
      .where('event_id', '=', n.event_id)
      .where('partner_id', '=', n.partner_id)
      .execute();
  }
}

async function backdatePartner(db: Kysely<DB>, id: string, applied: Date, approved: Date): Promise<void> {
  await db
    .updateTable('partners')
    .set({ created_at: applied.toISOString(), decided_at: approved.toISOString(), updated_at: approved.toISOString() })
    .where('id', '=', id)
    .execute();
  await db.updateTable('partner_invitations').set({ created_at: approved.toISOString(), accepted_at: new Date(approved.getTime() + 3 * HOUR).toISOString() }).where('partner_id', '=', id).execute();
}

/** Spreads an inquiry's history, in the order it was written (ids are time-ordered), over the given times. */
async function backdateInquiryEvents(db: Kysely<DB>, inquiryId: string, times: Date[]): Promise<void> {
  const events = await db.selectFrom('license_inquiry_events').select(['id', 'created_at']).where('inquiry_id', '=', inquiryId).orderBy('id').execute();
  let last = times[0]!;
  for (const [i, e] of events.entries()) {
    const at = times[i] ?? new Date(last.getTime() + 1);
    last = at;
    await db.updateTable('license_inquiry_events').set({ created_at: at.toISOString() }).where('id', '=', e.id).execute();
  }
  await db
    .updateTable('license_inquiries')
    .set({ created_at: times[0]!.toISOString(), updated_at: last.toISOString(), status_changed_at: last.toISOString() })
    .where('id', '=', inquiryId)
    .execute();
}

/** The licensee's month before its license: the inquiry four days before, a reply, a negotiation, the license. */
async function backdateLicensing(db: Kysely<DB>, inquiryId: string, licenseId: string, partnerId: string, licenseStart: Date): Promise<void> {
  const received = new Date(licenseStart.getTime() - 6 * DAY_MS + 9 * HOUR + 12 * MINUTE);
  const contacted = new Date(received.getTime() + 22 * HOUR);
  const negotiating = new Date(contacted.getTime() + 2 * DAY_MS + 3 * HOUR);
  const licensed = new Date(licenseStart.getTime() - DAY_MS + 15 * HOUR);
  // Events in order: received; status contacted + email (one transaction); status negotiating + note; status licensed + license.
  await backdateInquiryEvents(db, inquiryId, [received, contacted, new Date(contacted.getTime() + 1), negotiating, new Date(negotiating.getTime() + 1), licensed, new Date(licensed.getTime() + 1)]);
  await db.updateTable('licenses').set({ created_at: licensed.toISOString(), updated_at: licensed.toISOString() }).where('id', '=', licenseId).execute();
  await db.updateTable('partners').set({ created_at: licensed.toISOString(), decided_at: licensed.toISOString(), updated_at: licensed.toISOString() }).where('id', '=', partnerId).execute();
  await db.updateTable('partner_invitations').set({ created_at: licensed.toISOString() }).where('partner_id', '=', partnerId).execute();
}

/**
 * For each story the partner ran: the receipts of the versions it was handed, the pixel's views
 * per day and pages (views only while the copy was up), and the attribution verdict on each page.
 * The verdicts need the services (partner copies, pixel tokens) and come first; the rows are then
 * written in one transaction.
 */
async function recordRuns(
  services: Services,
  partner: PartnerRef,
  runs: DemoRun[],
  pathPrefix: string,
  channel: 'api' | 'feed',
  story: (slug: string) => StoryRow,
  availableFrom: Date,
  now: Date,
): Promise<void> {
  const db = services.database.db;
  const host = new URL(partner.website).host;
  const receipts: Array<{ storyId: string; version: string; at: Date }> = [];
  const dayRows: Array<{ story_id: string; partner_id: string; day: string; views: number }> = [];
  const pageRows: Array<{
    id: string; story_id: string; partner_id: string; url: string; views: number; first_seen: string; last_seen: string;
    check_status: CheckStatus; check_details_json: string; checked_at: string;
  }> = [];
  for (const run of runs) {
    const s = story(run.story);
    const published = Date.parse(s.published_at!);
    // The partner's systems picked the story up minutes after it was out (or when they could first have it).
    const received = new Date(Math.max(published, availableFrom.getTime()) + 12 * MINUTE);
    const versions = await db
      .selectFrom('story_versions')
      .select(['version', 'created_at'])
      .where('story_id', '=', s.id)
      .where('kind', 'in', ['publish', 'correction', 'update', 'withdraw'])
      .orderBy('version')
      .execute();
    for (const v of versions) {
      const at = Math.max(Date.parse(v.created_at) + 9 * MINUTE, received.getTime());
      if (at <= now.getTime()) receipts.push({ storyId: s.id, version: String(v.version), at: new Date(at) });
    }

    // A withdrawn story came down from the partner's site within hours of the withdrawal.
    const end = s.withdrawn_at ? new Date(Date.parse(s.withdrawn_at) + 3 * HOUR) : undefined;
    const upAt = new Date(received.getTime() + 28 * MINUTE);
    const days = dailyViews({ key: `${run.story}|${partner.outlet}`, start: upAt, end, peakViews: run.peakViews, halfLifeDays: run.halfLifeDays }, now, HISTORY_DAYS);
    if (days.length === 0) continue;
    const total = days.reduce((n, d) => n + d.views, 0);
    for (const d of days) dayRows.push({ story_id: s.id, partner_id: partner.id, day: d.day, views: d.views });
    const lastSeen = new Date(Math.min(now.getTime() - 2 * MINUTE, end?.getTime() ?? Infinity, Date.parse(`${days[days.length - 1]!.day}T21:40:00.000Z`)));
    const firstSeen = new Date(Math.max(upAt.getTime() + 3 * MINUTE, Date.parse(`${days[0]!.day}T00:00:00.000Z`)));
    const slugPath = `${pathPrefix}${run.story}`;
    const main = `https://${host}${slugPath}`;
    const amp = run.ampShare ? `https://amp.${host.replace(/^www\./, '')}${slugPath}` : undefined;
    const ampViews = amp ? Math.round(total * run.ampShare!) : 0;
    const pages = amp ? [{ url: main, views: total - ampViews }, { url: amp, views: ampViews }] : [{ url: main, views: total }];
    // Both editions carry the same copy, so they get the same verdict.
    const verdict = await verdictFor(services, partner, s, main, run.check, now);
    for (const p of pages) {
      pageRows.push({
        id: newId(),
        story_id: s.id,
        partner_id: partner.id,
        url: p.url,
        views: p.views,
        first_seen: firstSeen.toISOString(),
        last_seen: lastSeen.toISOString(),
        check_status: verdict.status,
        check_details_json: JSON.stringify({ ...verdict.details, url: p.url, ...(verdict.details.finalUrl ? { finalUrl: p.url } : {}) }),
        checked_at: verdict.details.checkedAt,
      });
    }
  }
  // recordReceipts reports a failure to its log instead of throwing (it runs beside a partner's
  // answer); here a failure must stop the seeding, so the log throws.
  const log = {
    warn: (_obj: object, msg: string): never => {
      throw new Error(msg);
    },
  };
  await db.transaction().execute(async (trx) => {
    for (const r of receipts) await recordReceipts(trx, log, partner.id, channel, [{ storyId: r.storyId, version: r.version }], r.at);
    for (const part of chunks(dayRows, 200)) await trx.insertInto('usage_daily').values(part).execute();
    for (const part of chunks(pageRows, 200)) await trx.insertInto('usage_pages').values(part).execute();
  });
}

/**
 * What the attribution checker would have written for the partner's page: the partner's copy
 * of the story as the portal gives it (credit line, link back, pixel), with the credit paragraph
 * left out on a page that dropped it, judged by the checker's own parser. A withdrawn story's page
 * is gone from the partner's site, which the checker reports as it reports any 404.
 */
async function verdictFor(
  services: Services,
  partner: PartnerRef,
  s: StoryRow,
  url: string,
  check: DemoRun['check'],
  now: Date,
): Promise<{ status: Exclude<CheckStatus, 'unchecked'>; details: CheckDetails }> {
  // Checked within the last hours, so the running checker's next look is a day away.
  const checkedAt = new Date(now.getTime() - 47 * MINUTE).toISOString();
  if (s.withdrawn_at) {
    const err = new SafeFetchError('http_status', 'The page answered HTTP 404 Not Found.', url, 404);
    return {
      status: 'unreachable',
      details: { url, checkedAt, summary: `The page could not be checked: ${err.message}`, checks: [], error: { kind: err.kind, message: err.message, status: 404 } },
    };
  }
  const lookup = await services.publicStories.bySlug(s.slug);
  if (lookup.kind !== 'live') throw new Error(`demo story ${s.slug} is not live`);
  const live = lookup.story;
  const profile = (await services.licenseProfiles.forStories([s.id])).get(s.id) ?? (await services.licenseProfiles.defaultProfile());
  const copy = await buildPartnerCopy(services, live, partner, profile, now);
  const settings = await services.settings.get();
  const article = check === 'missing-credit' ? copy.html.replace(/<p class="freewire-credit">[\s\S]*?<\/p>/, '') : copy.html;
  const html = `<!doctype html><html lang="en"><head><title>${live.headline} | ${partner.outlet}</title></head><body><header><a href="/">${partner.outlet}</a></header><main>${article}</main><footer>© ${partner.outlet}</footer></body></html>`;
  const token = await services.pixelTokens.tokenFor(s.id, partner.id);
  const result = checkPage(html, {
    storyUrl: copy.canonicalUrl,
    creditLine: copy.creditLine,
    creditPattern: creditMatcher(profile.creditTemplate, { site: settings.siteName, url: copy.canonicalUrl, authors: live.authors.map((a) => a.name), headline: live.headline }),
    pixelUrlPrefix: `${services.config.publicUrl}/p/${token}.gif`,
    pageUrl: url,
    linkBackRequired: profile.linkBackRequired,
    pixelRequired: profile.pixelRequired,
  });
  return {
    status: result.compliant ? 'compliant' : 'noncompliant',
    details: { url, finalUrl: url, checkedAt, summary: summarize(result.checks), checks: result.checks, error: null },
  };
}

/** A password for the demo partner's portal login, shown once in the start output. */
export function demoPortalPassword(): string {
  return randomToken(12);
}
