/**
 * The ledger of who had which story, and of corrections and withdrawals acknowledged.
 *
 * "Had" means any trace that a story reached a partner: the content API or a partner feed handed
 * it out (story_receipts, written here), a webhook about it was delivered (webhook_deliveries),
 * or a pixel on the partner's pages counted a view of it (usage_daily). A withdrawal or a
 * correction has to reach every one of those partners, whatever the story's terms say today.
 *
 * Recording a receipt is bookkeeping beside an answer that already succeeded: one batched upsert
 * per response, and a failure is logged, never turned into an error for the partner.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, NoticeEventType } from '../db/schema.js';
import { chunks } from '../util/chunks.js';

export type ReceiptChannel = 'api' | 'feed';
export type RecipientChannel = 'api' | 'feed' | 'webhook' | 'pixel';
export const NOTICE_TYPES: readonly NoticeEventType[] = ['story.corrected', 'story.withdrawn'];

export interface ReceiptLog {
  warn(obj: object, msg: string): void;
}

/**
 * Notes that these stories (at these versions) were handed to the partner through `channel`:
 * first_at stays, last_at and version move on. Never throws.
 */
export async function recordReceipts(
  db: Kysely<DB>,
  log: ReceiptLog,
  partnerId: string,
  channel: ReceiptChannel,
  items: ReadonlyArray<{ storyId: string; version: string }>,
  now: Date = new Date(),
): Promise<void> {
  if (items.length === 0) return;
  // One row per story: PostgreSQL refuses an upsert that touches the same row twice.
  const byStory = new Map<string, string>();
  for (const i of items) byStory.set(i.storyId, i.version);
  const at = now.toISOString();
  try {
    for (const part of chunks([...byStory], 200)) {
      await db
        .insertInto('story_receipts')
        .values(part.map(([storyId, version]) => ({ story_id: storyId, partner_id: partnerId, channel, first_at: at, last_at: at, version })))
        .onConflict((oc) =>
          oc.columns(['story_id', 'partner_id', 'channel']).doUpdateSet((eb) => ({ last_at: eb.ref('excluded.last_at'), version: eb.ref('excluded.version') })),
        )
        .execute();
    }
  } catch (err) {
    log.warn({ err, partnerId, channel, stories: byStory.size }, 'Could not record story receipts; the answer was sent anyway');
  }
}

/** SQL: the partner had the story in column `storyCol` (any channel of the ledger). */
export function hadStorySql(partnerId: string, storyCol: string): RawBuilder<boolean> {
  const story = sql.ref(storyCol);
  return sql<boolean>`(exists (select 1 from story_receipts r where r.story_id = ${story} and r.partner_id = ${partnerId})
    or exists (select 1 from webhook_deliveries d where d.story_id = ${story} and d.partner_id = ${partnerId} and d.status = 'delivered')
    or exists (select 1 from usage_daily u where u.story_id = ${story} and u.partner_id = ${partnerId}))`;
}

/** SQL: the event in column `eventCol` is the latest correction or withdrawal of its story. */
function latestNoticeSql(eventCol: string, storyCol: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(eventCol)} = (select max(e2.id) from events e2 where e2.story_id = ${sql.ref(storyCol)} and e2.type in ('story.corrected', 'story.withdrawn'))`;
}

/** Ids of every partner who had the story, through any channel of the ledger. */
export async function partnersWhoHadStory(db: Kysely<DB>, storyId: string): Promise<Set<string>> {
  return (await partnersWhoHadStories(db, [storyId], 'delivered')).get(storyId) ?? new Set();
}

/**
 * story id → partners the ledger says had it: receipts (API, feed), pixel hits, and webhook
 * deliveries — only those delivered (`'delivered'`: who had it, for notices and the ledger
 * view), or also those still being tried (`'queued'`: who has or will have it, so a correction
 * follows a publication that is still on its way).
 */
export async function partnersWhoHadStories(db: Kysely<DB>, storyIds: readonly string[], webhooks: 'delivered' | 'queued'): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const statuses = webhooks === 'delivered' ? (['delivered'] as const) : (['delivered', 'pending'] as const);
  for (const part of chunks([...new Set(storyIds)])) {
    const [receipts, deliveries, pixels] = await Promise.all([
      db.selectFrom('story_receipts').select(['story_id', 'partner_id']).distinct().where('story_id', 'in', part).execute(),
      db.selectFrom('webhook_deliveries').select(['story_id', 'partner_id']).distinct().where('story_id', 'in', part).where('status', 'in', [...statuses]).execute(),
      db.selectFrom('usage_daily').select(['story_id', 'partner_id']).distinct().where('story_id', 'in', part).execute(),
    ]);
    for (const r of [...receipts, ...deliveries, ...pixels]) {
      if (!r.story_id) continue;
      let set = out.get(r.story_id);
      if (!set) out.set(r.story_id, (set = new Set()));
      set.add(r.partner_id);
    }
  }
  return out;
}

export async function partnerHadStory(db: Kysely<DB>, partnerId: string, storyId: string): Promise<boolean> {
  const r = await db
    .selectFrom('stories as s')
    .select('s.id')
    .where('s.id', '=', storyId)
    .where(hadStorySql(partnerId, 's.id'))
    .executeTakeFirst();
  return r !== undefined;
}

export interface NoticeEvent {
  eventId: number;
  type: NoticeEventType;
  storyId: string;
  version: number | null;
  /** Correction text or withdrawal reason. */
  text: string;
  createdAt: string;
}

function noticeText(type: string, payloadJson: string): string {
  try {
    const p = JSON.parse(payloadJson) as Record<string, unknown>;
    const v = type === 'story.withdrawn' ? p.reason : p.text;
    return typeof v === 'string' ? v : '';
  } catch {
    return '';
  }
}

/** The story's latest correction or withdrawal: what an acknowledgement or a re-send is about. */
export async function latestNotice(db: Kysely<DB>, storyId: string): Promise<NoticeEvent | undefined> {
  const r = await db
    .selectFrom('events')
    .select(['id', 'type', 'story_id', 'version', 'payload_json', 'created_at'])
    .where('story_id', '=', storyId)
    .where('type', 'in', NOTICE_TYPES)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    eventId: Number(r.id),
    type: r.type as NoticeEventType,
    storyId,
    version: r.version === null ? null : Number(r.version),
    text: noticeText(r.type, r.payload_json),
    createdAt: r.created_at,
  };
}

/**
 * Records the partner's acknowledgement of a notice; acknowledging again keeps the first time.
 * Returns when it was acknowledged.
 */
export async function acknowledgeNotice(db: Kysely<DB>, partnerId: string, notice: NoticeEvent, by: string, now: Date = new Date()): Promise<string> {
  await db
    .insertInto('story_acknowledgements')
    .values({ partner_id: partnerId, event_id: notice.eventId, story_id: notice.storyId, type: notice.type, acknowledged_at: now.toISOString(), acknowledged_by: by })
    .onConflict((oc) => oc.columns(['partner_id', 'event_id']).doNothing())
    .execute();
  const r = await db
    .selectFrom('story_acknowledgements')
    .select('acknowledged_at')
    .where('partner_id', '=', partnerId)
    .where('event_id', '=', notice.eventId)
    .executeTakeFirstOrThrow();
  return r.acknowledged_at;
}

export interface StoryRecipient {
  partner: { id: string; outlet: string };
  channels: RecipientChannel[];
  /** The version the partner last received (API, feed or webhook); null when only a pixel counted it. */
  deliveredVersion: string | null;
  /** The latest time it reached the partner, across channels. */
  deliveredAt: string | null;
  /** When the partner acknowledged the story's latest correction or withdrawal. */
  acknowledgedAt: string | null;
  /** When the notice of that correction or withdrawal was mailed (or last re-sent). */
  noticeSentAt: string | null;
}

const CHANNEL_ORDER: RecipientChannel[] = ['api', 'feed', 'webhook', 'pixel'];

/** Every partner who had the story, with what reached them and when; ordered by outlet. */
export async function storyRecipients(db: Kysely<DB>, storyId: string): Promise<StoryRecipient[]> {
  const [receipts, hooks, pixels, notice] = await Promise.all([
    db.selectFrom('story_receipts').select(['partner_id', 'channel', 'last_at', 'version']).where('story_id', '=', storyId).execute(),
    db
      .selectFrom('webhook_deliveries')
      .select(['partner_id', 'story_version', 'delivered_at'])
      .where('story_id', '=', storyId)
      .where('status', '=', 'delivered')
      .execute(),
    db
      .selectFrom('usage_daily')
      .select(['partner_id', (eb) => eb.fn.max('day').as('day')])
      .where('story_id', '=', storyId)
      .groupBy('partner_id')
      .execute(),
    latestNotice(db, storyId),
  ]);
  interface Acc {
    channels: Set<RecipientChannel>;
    at: string | null;
    version: string | null;
    pixelDay: string | null;
  }
  const acc = new Map<string, Acc>();
  const get = (id: string): Acc => {
    let a = acc.get(id);
    if (!a) acc.set(id, (a = { channels: new Set(), at: null, version: null, pixelDay: null }));
    return a;
  };
  const seen = (a: Acc, at: string | null, version: string | null) => {
    if (at !== null && (a.at === null || at > a.at)) {
      a.at = at;
      if (version !== null) a.version = version;
    } else if (a.version === null && version !== null) {
      a.version = version;
    }
  };
  for (const r of receipts) {
    const a = get(r.partner_id);
    a.channels.add(r.channel);
    seen(a, r.last_at, r.version);
  }
  for (const h of hooks) {
    const a = get(h.partner_id);
    a.channels.add('webhook');
    seen(a, h.delivered_at, h.story_version);
  }
  for (const p of pixels) {
    const a = get(p.partner_id);
    a.channels.add('pixel');
    a.pixelDay = p.day === null ? null : String(p.day);
  }
  if (acc.size === 0) return [];
  const ids = [...acc.keys()];
  const outlets = new Map<string, string>();
  const acks = new Map<string, string>();
  const sends = new Map<string, string>();
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('partners').select(['id', 'outlet']).where('id', 'in', part).execute();
    for (const r of rows) outlets.set(r.id, r.outlet);
    if (notice) {
      const a = await db
        .selectFrom('story_acknowledgements')
        .select(['partner_id', 'acknowledged_at'])
        .where('event_id', '=', notice.eventId)
        .where('partner_id', 'in', part)
        .execute();
      for (const r of a) acks.set(r.partner_id, r.acknowledged_at);
      const s = await db
        .selectFrom('notice_sends')
        .select(['partner_id', 'sent_at', 'resent_at'])
        .where('event_id', '=', notice.eventId)
        .where('partner_id', 'in', part)
        .execute();
      for (const r of s) {
        const when = [r.sent_at, r.resent_at].filter((x): x is string => x !== null).sort().pop();
        if (when) sends.set(r.partner_id, when);
      }
    }
  }
  const out: StoryRecipient[] = [];
  for (const [id, a] of acc) {
    const outlet = outlets.get(id);
    // A partner deleted since: its rows go with it (cascade), but a webhook row may linger.
    if (outlet === undefined) continue;
    // A pixel hit is a day, not a moment: it counts only when nothing more precise is known.
    const at = a.at ?? (a.pixelDay ? `${a.pixelDay}T00:00:00.000Z` : null);
    out.push({
      partner: { id, outlet },
      channels: CHANNEL_ORDER.filter((c) => a.channels.has(c)),
      deliveredVersion: a.version,
      deliveredAt: at,
      acknowledgedAt: acks.get(id) ?? null,
      noticeSentAt: sends.get(id) ?? null,
    });
  }
  out.sort((x, y) => (x.partner.outlet < y.partner.outlet ? -1 : x.partner.outlet > y.partner.outlet ? 1 : x.partner.id < y.partner.id ? -1 : x.partner.id > y.partner.id ? 1 : 0));
  return out;
}

export interface OpenNotice {
  eventId: number;
  type: NoticeEventType;
  storyId: string;
  slug: string;
  headline: string;
  /** Correction text or withdrawal reason. */
  text: string;
  at: string;
}

/**
 * Withdrawn stories the partner had and has not acknowledged: the portal's banner, on every
 * page. One indexed query (withdrawn stories are few; each is checked against this partner's
 * ledger rows and acknowledgements by key).
 */
export async function openWithdrawals(db: Kysely<DB>, partnerId: string, limit = 20): Promise<OpenNotice[]> {
  const rows = await db
    .selectFrom('stories as s')
    .innerJoin('events as e', 'e.story_id', 's.id')
    .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
    .select(['e.id', 'e.type', 'e.payload_json', 'e.created_at', 's.id as story_id', 's.slug', 'v.headline'])
    .where('s.status', '=', 'withdrawn')
    .where('e.type', '=', 'story.withdrawn')
    .where(latestNoticeSql('e.id', 's.id'))
    .where(hadStorySql(partnerId, 's.id'))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('story_acknowledgements as a').select('a.event_id').whereRef('a.event_id', '=', 'e.id').where('a.partner_id', '=', partnerId))))
    .orderBy('e.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toOpen);
}

/** Corrections of stories the partner had, not yet acknowledged, from the last `days` days (dashboard). */
export async function openCorrections(db: Kysely<DB>, partnerId: string, now: Date = new Date(), days = 90, limit = 20): Promise<OpenNotice[]> {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const rows = await db
    .selectFrom('events as e')
    .innerJoin('stories as s', 's.id', 'e.story_id')
    .innerJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 's.id').onRef('v.version', '=', 's.live_version'))
    .select(['e.id', 'e.type', 'e.payload_json', 'e.created_at', 's.id as story_id', 's.slug', 'v.headline'])
    .where('e.type', '=', 'story.corrected')
    .where('e.created_at', '>=', since)
    .where('s.status', '=', 'published')
    .where(latestNoticeSql('e.id', 's.id'))
    .where(hadStorySql(partnerId, 's.id'))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('story_acknowledgements as a').select('a.event_id').whereRef('a.event_id', '=', 'e.id').where('a.partner_id', '=', partnerId))))
    .orderBy('e.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toOpen);
}

function toOpen(r: { id: number; type: string; payload_json: string; created_at: string; story_id: string; slug: string; headline: string }): OpenNotice {
  return {
    eventId: Number(r.id),
    type: r.type as NoticeEventType,
    storyId: r.story_id,
    slug: r.slug,
    headline: r.headline,
    text: noticeText(r.type, r.payload_json),
    at: r.created_at,
  };
}
