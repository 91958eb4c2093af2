/**
 * Corrections and withdrawals by email, as each partner chose in the portal (partner_prefs):
 * at once, in a daily digest, or not at all.
 *
 * - The `notices` consumer follows the event log (src/events/consumers.ts). For each correction
 *   and withdrawal it finds the partners concerned — every approved partner who had the story
 *   (the ledger) or may have it now (access.ts) — and, in the transaction that moves its cursor,
 *   writes one notice_sends row per (event, partner). The row's primary key is what makes a
 *   notice impossible to send twice, whichever node or pass gets there. Instant notices go into
 *   the mail outbox in that same transaction; digest ones wait as 'pending'.
 * - The digest job mails each partner, once a UTC day, the entries that were pending before the
 *   day began. Inserting the (partner, day) row claims the day and the entries are taken with a
 *   conditional update from 'pending', both in the transaction that queues the mail, so two
 *   nodes never send a digest twice nor put one entry in two digests.
 * - The newsroom can re-send a partner the latest notice of a story (webhooks and email).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, NoticeEventType, PartnerKind } from '../db/schema.js';
import type { Services } from '../services.js';
import type { BackgroundJob, BackgroundLog } from '../worker/background.js';
import type { MailMessage } from '../mail/mailer.js';
import { EventConsumer, type LoggedEvent } from '../events/consumers.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import type { Actor } from '../users/permissions.js';
import { DEFAULT_PREFS } from '../partners-portal/accounts.service.js';
import { storyUrl } from '../syndication/partner-copy.js';
import { storyUri } from '../syndication/delivery.js';
import { chunks } from '../util/chunks.js';
import { newId } from '../util/ids.js';
import { pendingDelivery } from '../webhooks/deliveries.js';
import { latestNotice, NOTICE_TYPES, partnersWhoHadStory, type NoticeEvent } from './ledger.js';

interface Prefs {
  emailOnCorrection: boolean;
  emailOnKill: boolean;
  dailyDigest: boolean;
}

interface Recipient {
  id: string;
  outlet: string;
  /** Active portal users, or the partner's contact address when it has none. */
  addresses: string[];
  prefs: Prefs;
}

interface StoryInfo {
  id: string;
  slug: string;
  headline: string;
}

export interface NoticeContext {
  siteName: string;
  publicUrl: string;
}

// ---- who hears of a story ---------------------------------------------------------------------

/** Approved partners concerned by a story: who had it, and who may have it now (access.ts). */
async function recipientIds(services: Services, storyId: string): Promise<string[]> {
  const db = services.database.db;
  const ids = await partnersWhoHadStory(db, storyId);
  // Per-partner grants: every free partner when the free program gives the story, and each
  // partner whose licenses give it (those come back approved already).
  const now = await services.partnerAccess.partnersWithStory(storyId);
  const approved = new Set<string>(now.partnerIds);
  if (now.free) {
    const rows = await db.selectFrom('partners').select('id').where('status', '=', 'approved').where('kind', '=', 'free').execute();
    for (const r of rows) approved.add(r.id);
  }
  for (const part of chunks([...ids])) {
    const rows = await db.selectFrom('partners').select('id').where('status', '=', 'approved').where('id', 'in', part).execute();
    for (const r of rows) approved.add(r.id);
  }
  return [...approved].sort();
}

/** Outlets, addresses and preferences of these partners. */
async function loadRecipients(db: Kysely<DB>, ids: readonly string[]): Promise<Map<string, Recipient>> {
  const out = new Map<string, Recipient>();
  for (const part of chunks([...ids])) {
    const [partners, users, prefs] = await Promise.all([
      db.selectFrom('partners').select(['id', 'outlet', 'email']).where('id', 'in', part).execute(),
      db.selectFrom('partner_users').select(['partner_id', 'email']).where('partner_id', 'in', part).where('status', '=', 'active').orderBy('email').orderBy('id').execute(),
      db.selectFrom('partner_prefs').selectAll().where('partner_id', 'in', part).execute(),
    ]);
    const byPartner = new Map<string, string[]>();
    for (const u of users) byPartner.set(u.partner_id, [...(byPartner.get(u.partner_id) ?? []), u.email]);
    const prefsBy = new Map(prefs.map((p) => [p.partner_id, { emailOnCorrection: p.email_on_correction === 1, emailOnKill: p.email_on_kill === 1, dailyDigest: p.daily_digest === 1 }]));
    for (const p of partners) {
      const addresses = byPartner.get(p.id) ?? [p.email];
      out.set(p.id, { id: p.id, outlet: p.outlet, addresses: [...new Set(addresses.map((a) => a.trim().toLowerCase()))], prefs: prefsBy.get(p.id) ?? { ...DEFAULT_PREFS } });
    }
  }
  return out;
}

async function storyInfo(db: Kysely<DB>, storyIds: readonly string[]): Promise<Map<string, StoryInfo>> {
  const out = new Map<string, StoryInfo>();
  for (const part of chunks([...new Set(storyIds)])) {
    const rows = await db
      .selectFrom('stories as s')
      .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
      .select(['s.id', 's.slug', 'v.headline'])
      .where('s.id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

// ---- the mails --------------------------------------------------------------------------------

function links(ctx: NoticeContext, story: StoryInfo) {
  return {
    page: storyUrl(ctx.publicUrl, story.slug),
    api: storyUri(ctx.publicUrl, story.id),
    portal: `${ctx.publicUrl}/partners`,
    prefs: `${ctx.publicUrl}/partners/follows`,
  };
}

/** The lines about one notice, shared by the instant mail and the digest. */
function noticeLines(ctx: NoticeContext, story: StoryInfo, type: NoticeEventType, text: string): string[] {
  const l = links(ctx, story);
  if (type === 'story.withdrawn') {
    return [
      `WITHDRAWN — take it down: “${story.headline}”`,
      `${ctx.siteName} has withdrawn this story. If you republished it, take it down from your site and every other place you ran it, now.`,
      `Reason: ${text || '(none given)'}`,
      `Our page, now marked withdrawn: ${l.page}`,
      `Story id: ${story.id} (content API: ${l.api})`,
    ];
  }
  return [
    `CORRECTION: “${story.headline}”`,
    `${ctx.siteName} has corrected this story. If you republished it, update your copy with the corrected text and the correction note.`,
    `Correction: ${text || '(none given)'}`,
    `Corrected story: ${l.page}`,
    `Content API: ${l.api}`,
  ];
}

function footer(ctx: NoticeContext): string[] {
  return [
    `Acknowledge in the partner portal (${ctx.publicUrl}/partners) once you have acted, or with your API key: POST ${ctx.publicUrl}/api/v1/stories/{id}/acknowledge.`,
    `You receive these emails because of your alert settings: ${ctx.publicUrl}/partners/follows`,
  ];
}

export function instantNotice(ctx: NoticeContext, outlet: string, story: StoryInfo, type: NoticeEventType, text: string): Omit<MailMessage, 'to'> {
  const subject = type === 'story.withdrawn' ? `Withdrawn — take it down: ${story.headline}` : `Correction: ${story.headline}`;
  const lines = [`To ${outlet},`, '', ...noticeLines(ctx, story, type, text), '', ...footer(ctx), '', `— ${ctx.siteName}`];
  return { subject, text: lines.join('\n') };
}

interface DigestEntry {
  eventId: number;
  type: NoticeEventType;
  text: string;
  story: StoryInfo;
}

export function digestNotice(ctx: NoticeContext, outlet: string, entries: DigestEntry[]): Omit<MailMessage, 'to'> {
  const kills = entries.filter((e) => e.type === 'story.withdrawn').length;
  const corrections = entries.length - kills;
  const parts = [kills > 0 ? `${kills} ${kills === 1 ? 'withdrawal' : 'withdrawals'}` : '', corrections > 0 ? `${corrections} ${corrections === 1 ? 'correction' : 'corrections'}` : ''].filter(Boolean);
  const subject = `${ctx.siteName} daily digest: ${parts.join(' and ')}`;
  const lines = [`To ${outlet},`, '', `Since the last digest, ${ctx.siteName} has published ${parts.join(' and ')} to stories you may have republished.`, ''];
  // Withdrawals first: they ask for action.
  for (const e of [...entries].sort((a, b) => (a.type === b.type ? a.eventId - b.eventId : a.type === 'story.withdrawn' ? -1 : 1))) {
    lines.push(...noticeLines(ctx, e.story, e.type, e.text), '');
  }
  lines.push(...footer(ctx), '', `— ${ctx.siteName}`);
  return { subject, text: lines.join('\n') };
}

/** Queues one message per address; an address the outbox refuses is skipped (it would block the batch forever). */
async function enqueueAll(services: Services, trx: Transaction<DB>, addresses: string[], msg: Omit<MailMessage, 'to'>, ids: string[]): Promise<number> {
  let n = 0;
  for (const to of addresses) {
    try {
      ids.push(await services.mailer.enqueue(trx, { ...msg, to }));
      n++;
    } catch (err) {
      // The address check runs before any SQL, so the transaction is untouched.
      if (!(err instanceof AppError)) throw err;
    }
  }
  return n;
}

// ---- the consumer -----------------------------------------------------------------------------

interface PlannedNotice {
  eventId: number;
  storyId: string;
  type: NoticeEventType;
  partnerId: string;
  mode: 'instant' | 'digest';
  addresses: string[];
  message: Omit<MailMessage, 'to'>;
}

function isNotice(e: LoggedEvent): e is LoggedEvent & { storyId: string; type: NoticeEventType } {
  return (NOTICE_TYPES as readonly string[]).includes(e.type) && e.storyId !== null;
}

function payloadText(e: LoggedEvent): string {
  const v = e.type === 'story.withdrawn' ? e.payload.reason : e.payload.text;
  return typeof v === 'string' ? v : '';
}

export async function noticeContext(services: Services): Promise<NoticeContext> {
  const settings = await services.settings.get();
  return { siteName: settings.siteName, publicUrl: services.config.publicUrl };
}

export function createNoticesConsumer(services: Services): EventConsumer<PlannedNotice[]> {
  // Mail ids written by the last batch, sent once it committed (flushing an id that was rolled
  // back finds nothing to claim).
  let written: string[] = [];
  return new EventConsumer<PlannedNotice[]>(services.database.db, {
    name: 'notices',
    async prepare(events) {
      const notices = events.filter(isNotice);
      if (notices.length === 0) return [];
      const db = services.database.db;
      const ctx = await noticeContext(services);
      const stories = await storyInfo(db, notices.map((e) => e.storyId));
      const perStory = new Map<string, string[]>();
      for (const id of new Set(notices.map((e) => e.storyId))) perStory.set(id, await recipientIds(services, id));
      const recipients = await loadRecipients(db, [...new Set([...perStory.values()].flat())]);
      const plan: PlannedNotice[] = [];
      for (const e of notices) {
        const story = stories.get(e.storyId);
        if (!story) continue;
        for (const partnerId of perStory.get(e.storyId) ?? []) {
          const r = recipients.get(partnerId);
          if (!r) continue;
          const instant = e.type === 'story.withdrawn' ? r.prefs.emailOnKill : r.prefs.emailOnCorrection;
          if (!instant && !r.prefs.dailyDigest) continue;
          plan.push({
            eventId: e.id,
            storyId: e.storyId,
            type: e.type,
            partnerId,
            mode: instant ? 'instant' : 'digest',
            addresses: r.addresses,
            message: instantNotice(ctx, r.outlet, story, e.type, payloadText(e)),
          });
        }
      }
      return plan;
    },
    async write(trx, _events, plan) {
      written = [];
      const now = new Date().toISOString();
      for (const n of plan) {
        const inserted = await trx
          .insertInto('notice_sends')
          .values({
            event_id: n.eventId,
            partner_id: n.partnerId,
            story_id: n.storyId,
            type: n.type,
            mode: n.mode,
            status: n.mode === 'instant' ? 'sent' : 'pending',
            digest_day: null,
            created_at: now,
            sent_at: n.mode === 'instant' ? now : null,
            resent_at: null,
          })
          .onConflict((oc) => oc.columns(['event_id', 'partner_id']).doNothing())
          .returning('event_id')
          .execute();
        // Already noticed (another pass, another node, or a re-send got there first).
        if (inserted.length === 0 || n.mode !== 'instant') continue;
        await enqueueAll(services, trx, n.addresses, n.message, written);
      }
    },
    afterCommit() {
      const ids = written;
      written = [];
      services.mailer.flushLater(ids);
    },
  });
}

// ---- the daily digest -------------------------------------------------------------------------

/**
 * Sends every partner with digest entries pending from before `now`'s UTC day its digest for
 * that day, unless one was sent already. Returns how many digests were queued. Safe to run on
 * several nodes at once.
 */
export function sendDigests(services: Services, now: Date = new Date()): Promise<number> {
  // Across nodes (and PostgreSQL connections) the claims below decide. On SQLite, one pass at a
  // time in this process: two connections of one process would block each other synchronously
  // (better-sqlite3 waits for the lock on the only thread, so the transaction holding it could
  // never finish). Separate processes wait for each other's lock as usual.
  if (services.database.dialect.name !== 'sqlite') return digestPass(services, now);
  const run = digestQueue.then(() => digestPass(services, now));
  digestQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

let digestQueue: Promise<void> = Promise.resolve();

async function digestPass(services: Services, now: Date): Promise<number> {
  const db = services.database.db;
  const day = now.toISOString().slice(0, 10);
  const dayStart = `${day}T00:00:00.000Z`;
  const waiting = await db
    .selectFrom('notice_sends')
    .select('partner_id')
    .distinct()
    .where('status', '=', 'pending')
    .where('created_at', '<', dayStart)
    .orderBy('partner_id')
    .limit(1000)
    .execute();
  if (waiting.length === 0) return 0;
  const ctx = await noticeContext(services);
  const recipients = await loadRecipients(db, waiting.map((w) => w.partner_id));
  let sent = 0;
  const mailIds: string[] = [];
  for (const { partner_id: partnerId } of waiting) {
    const r = recipients.get(partnerId);
    if (!r) continue;
    const done = await db.selectFrom('notice_digests').select('day').where('partner_id', '=', partnerId).where('day', '=', day).executeTakeFirst();
    if (done) continue;
    const rows = await db
      .selectFrom('notice_sends as n')
      .innerJoin('events as e', 'e.id', 'n.event_id')
      .select(['n.event_id', 'n.type', 'n.story_id', 'e.payload_json'])
      .where('n.partner_id', '=', partnerId)
      .where('n.status', '=', 'pending')
      .where('n.created_at', '<', dayStart)
      .orderBy('n.event_id')
      .limit(200)
      .execute();
    const stories = await storyInfo(db, rows.map((x) => x.story_id));
    const entries: DigestEntry[] = [];
    for (const x of rows) {
      const story = stories.get(x.story_id);
      if (!story) continue;
      entries.push({ eventId: Number(x.event_id), type: x.type, story, text: textOf(x.type, x.payload_json) });
    }
    if (entries.length === 0) continue;
    const ids: string[] = [];
    const queued = await db
      .transaction()
      .execute(async (trx) => {
        // The claim on the day: a second node's insert waits for this transaction, then finds the row.
        const claimed = await trx
          .insertInto('notice_digests')
          .values({ partner_id: partnerId, day, entries: entries.length, sent_at: now.toISOString() })
          .onConflict((oc) => oc.columns(['partner_id', 'day']).doNothing())
          .returning('day')
          .execute();
        if (claimed.length === 0) return false;
        const taken = await trx
          .updateTable('notice_sends')
          .set({ status: 'sent', sent_at: now.toISOString(), digest_day: day })
          .where('partner_id', '=', partnerId)
          .where('status', '=', 'pending')
          .where('event_id', 'in', entries.map((e) => e.eventId))
          .returning('event_id')
          .execute();
        const takenIds = new Set(taken.map((t) => Number(t.event_id)));
        const mine = entries.filter((e) => takenIds.has(e.eventId));
        if (mine.length === 0) throw new NothingToSend();
        await trx.updateTable('notice_digests').set({ entries: mine.length }).where('partner_id', '=', partnerId).where('day', '=', day).execute();
        await enqueueAll(services, trx, r.addresses, digestNotice(ctx, r.outlet, mine), ids);
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof NothingToSend) return false;
        throw err;
      });
    if (queued) {
      sent++;
      mailIds.push(...ids);
    }
  }
  await services.mailer.flush(mailIds);
  return sent;
}

class NothingToSend extends Error {}

function textOf(type: string, payloadJson: string): string {
  try {
    const p = JSON.parse(payloadJson) as Record<string, unknown>;
    const v = type === 'story.withdrawn' ? p.reason : p.text;
    return typeof v === 'string' ? v : '';
  } catch {
    return '';
  }
}

/** How often the digest job looks for partners whose digest is due. */
export const DIGEST_CHECK_MS = 10 * 60_000;

/** The background job that sends digests (src/worker/background.ts). */
export function startDigestJob(services: Services, log: BackgroundLog, intervalMs = DIGEST_CHECK_MS): BackgroundJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = (): Promise<void> => {
    running ??= sendDigests(services)
      .then(
        () => undefined,
        (err: unknown) => log.error({ err }, 'Sending notice digests failed; the next run tries again'),
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void run().then(schedule), intervalMs);
    timer.unref?.();
  };
  schedule();
  return {
    name: 'notice-digest',
    nudge() {
      // Digests are due once a day; new work is found by the next timed run.
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

// ---- re-sending from the newsroom -------------------------------------------------------------

export interface ResendResult {
  type: NoticeEventType;
  webhooks: number;
  emails: number;
}

/**
 * Re-sends a partner the story's latest correction or withdrawal: a new pending delivery to each
 * of its enabled webhook endpoints (the same body and webhook-id as the partner's last delivery
 * of that event, so receivers can de-duplicate), and a fresh email.
 */
export async function resendNotice(services: Services, actor: Actor, storyId: string, partnerId: string): Promise<ResendResult> {
  const db = services.database.db;
  const notice: NoticeEvent | undefined = await latestNotice(db, storyId);
  if (!notice) throw new AppError('CONFLICT', 'This story has had no correction and has not been withdrawn, so there is nothing to re-send.');
  const recipients = await loadRecipients(db, [partnerId]);
  const r = recipients.get(partnerId);
  if (!r) throw new AppError('NOT_FOUND', 'There is no such partner.');
  const story = (await storyInfo(db, [storyId])).get(storyId);
  if (!story) throw new AppError('STORY_NOT_FOUND', 'There is no such story.');
  const last = await db
    .selectFrom('webhook_deliveries')
    .select(['body', 'message_id', 'type', 'story_version'])
    .where('partner_id', '=', partnerId)
    .where('event_id', '=', notice.eventId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const endpoints = last
    ? await db.selectFrom('webhook_endpoints').select('id').where('partner_id', '=', partnerId).where('status', '=', 'enabled').orderBy('created_at').orderBy('id').execute()
    : [];
  const message = instantNotice(await noticeContext(services), r.outlet, story, notice.type, notice.text);
  const mailIds: string[] = [];
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    if (last) {
      for (const ep of endpoints) {
        await trx
          .insertInto('webhook_deliveries')
          .values(
            pendingDelivery(
              { endpointId: ep.id, partnerId, eventId: null, messageId: last.message_id, type: last.type, storyId, storyVersion: last.story_version, body: last.body },
              now,
            ),
          )
          .execute();
      }
    }
    await enqueueAll(services, trx, r.addresses, message, mailIds);
    await trx
      .insertInto('notice_sends')
      .values({ event_id: notice.eventId, partner_id: partnerId, story_id: storyId, type: notice.type, mode: 'resend', status: 'sent', digest_day: null, created_at: now, sent_at: now, resent_at: now })
      .onConflict((oc) => oc.columns(['event_id', 'partner_id']).doUpdateSet({ resent_at: now }))
      .execute();
    await recordAudit(trx, actor, 'story.notice_resend', { type: 'story', id: storyId }, { partnerId, type: notice.type, webhooks: endpoints.length, emails: mailIds.length });
  });
  if (endpoints.length > 0) services.signals.webhooks.notify();
  services.mailer.flushLater(mailIds);
  return { type: notice.type, webhooks: endpoints.length, emails: mailIds.length };
}
