/**
 * Turns story events into webhook deliveries: who gets which event, with which body. It is a
 * consumer of the event log (src/events/consumers.ts), so each event becomes its deliveries
 * exactly once; it only writes `webhook_deliveries` rows, which the delivery worker sends.
 *
 * Who. The enabled endpoints of approved partners subscribed to the event's type. Whether a
 * partner may have the story is asked of access.ts (`evaluateGrants`, for the partner's grants,
 * now): partners without licenses are grouped by kind (free partners share the free grant; a
 * licensee without licenses has none), partners with licenses are evaluated one by one — so a
 * license that has ended gives no further deliveries, on the minute.
 * - story.published, story.embargo_lifted: the story is available to the partner now (usable, or
 *   withheld while embargoed). Partners who get a story only after publication (the free delay)
 *   are left out of story.published: story.released tells them when their turn comes.
 * - story.released: only partners whose access came after publication, once it is theirs.
 * - story.updated, story.corrected, story.withdrawn: every partner who may have the story now and,
 *   besides, every partner the ledger says had it — a story_receipts row (content API, feed), an
 *   earlier webhook delivery, or pixel hits from their pages — even if the story's profile or
 *   syndication switch has since shut them out: their copy is still running and must change.
 *
 * What. A Standard Webhooks body `{type, timestamp, data}`; `data.ninjs` is the ninjs 2.2
 * document the partner would get from GET /api/v1/stories/{id} at this moment, built by the same
 * code (deliver + toNinjs). A partner the ledger alone brings in gets the document as it would be
 * if the story were still theirs, under the story's real profile: nothing else tells them what
 * changed in the text they run.
 *
 * Fast for a large fan-out. Documents differ between partners of one group only by the pixel
 * token in the partner copy, so each story is rendered once per group (for one partner of it) and the other partners' bodies are that text with their own token in place of it; tokens,
 * endpoints and the ledger are read in batches. All reads happen in prepare(), outside the
 * transaction; write() only inserts.
 */
import type { Insertable, Transaction } from 'kysely';
import type { Services } from '../services.js';
import type { DB, PartnerKind, Syndication, WebhookDeliveriesTable } from '../db/schema.js';
import type { License } from '../licensing/licenses.js';
import type { EventConsumerSpec, LoggedEvent } from '../events/consumers.js';
import type { LicenseProfile } from '../license-profiles/license-profiles.service.js';
import { evaluate, evaluateGrants, loadAccessRows, type AccessEntry, type AccessGrants, type Row } from '../syndication/access.js';
import { applySyndicationSwitch } from '../syndication/rules.js';
import { deliver, storyUri } from '../syndication/delivery.js';
import { toNinjs } from '../syndication/ninjs.js';
import { storyUrl } from '../syndication/partner-copy.js';
import { chunks } from '../util/chunks.js';
import { newMessageId, pendingDelivery } from './deliveries.js';
import { partnersWhoHadStories } from '../notices/ledger.js';
import { parseStringArray } from '../util/json.js';
import { isWebhookEventType, type WebhookEventType } from './types.js';

export const WEBHOOK_CONSUMER = 'webhooks';

/**
 * Events per batch. Each event may become a delivery for every endpoint (a thousand bodies of a
 * full story each), so batches stay small to bound memory and the transaction's size.
 */
export const DISPATCH_BATCH = 5;

/** Types that also reach everyone who had the story before (the ledger). */
const LEDGER_TYPES: ReadonlySet<WebhookEventType> = new Set(['story.updated', 'story.corrected', 'story.withdrawn']);

export type DeliveryRow = Insertable<WebhookDeliveriesTable>;

interface Endpoint {
  id: string;
  partnerId: string;
  kind: PartnerKind;
  /** null: every type. */
  types: ReadonlySet<string> | null;
}

/** A message id for the webhook-id header: random, kept with the row for every attempt. */
export { newMessageId };

/** The enabled endpoints of approved partners. */
async function loadEndpoints(services: Services): Promise<Endpoint[]> {
  const rows = await services.database.db
    .selectFrom('webhook_endpoints as e')
    .innerJoin('partners as p', 'p.id', 'e.partner_id')
    .select(['e.id', 'e.partner_id', 'e.events_json', 'p.kind'])
    .where('e.status', '=', 'enabled')
    .where('p.status', '=', 'approved')
    .orderBy('e.partner_id')
    .orderBy('e.id')
    .execute();
  return rows.map((r) => {
    const types = parseStringArray(r.events_json);
    return { id: r.id, partnerId: r.partner_id, kind: r.kind, types: types.length === 0 ? null : new Set(types) };
  });
}

/** The stories as evaluate() reads them, by id (no horizon: the present). */
async function loadRows(services: Services, ids: readonly string[]): Promise<Map<string, Row>> {
  return new Map((await loadAccessRows(services.database.db, ids)).map((r) => [r.id, r]));
}

/** story id → partners the ledger says had it, or will: a delivery still being tried counts. */
function loadLedger(services: Services, storyIds: readonly string[]): Promise<Map<string, Set<string>>> {
  return partnersWhoHadStories(services.database.db, storyIds, 'queued');
}

/**
 * A story as a partner the ledger alone brings in would have it: evaluate() with the story open
 * to every partner (so the same rules give its state, version and times), then its real profile
 * for the terms and the copy, and the group's licenses for its images.
 */
function ledgerEntry(row: Row, storyProfile: LicenseProfile, licenses: License[], now: Date): AccessEntry | undefined {
  const open: LicenseProfile = { ...storyProfile, audience: 'free', delayHours: 0 };
  const entry = evaluate({ ...row, syndication: 'free' as Syndication }, open, { kind: 'free' }, now);
  if (!entry) return undefined;
  const profile = applySyndicationSwitch(storyProfile, row.syndication);
  const images = licenses.some((l) => l.images);
  return {
    ...entry,
    profile: licenses.length > 0 ? { ...profile, imagesIncluded: images } : profile,
    grantedBy: { free: licenses.length === 0, licenses: licenses.map((l) => ({ id: l.id, reference: l.reference, images: l.images })) },
  };
}

/** Partners who share one evaluation: free partners without licenses, licensees without licenses, or one partner with licenses. */
interface Group {
  key: string;
  grants: AccessGrants;
  partners: Set<string>;
}

/** The groups of these endpoints' partners (see the top of this file). */
function groupsOf(endpoints: Endpoint[], licenses: Map<string, License[]>): Group[] {
  const groups = new Map<string, Group>();
  for (const e of endpoints) {
    const own = licenses.get(e.partnerId);
    const key = own ? `partner:${e.partnerId}` : `kind:${e.kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, grants: { free: e.kind === 'free', licenses: own ?? [] }, partners: new Set() }));
    g.partners.add(e.partnerId);
  }
  return [...groups.values()];
}

/** The change the event reports, in the body's words. */
function changeFields(ev: LoggedEvent): { correction?: string; note?: string; reason?: string } {
  const text = (k: string) => (typeof ev.payload[k] === 'string' ? (ev.payload[k] as string) : undefined);
  switch (ev.type) {
    case 'story.corrected':
      return { correction: text('text') ?? '' };
    case 'story.updated':
      return { note: text('note') ?? '' };
    case 'story.withdrawn':
      return { reason: text('reason') ?? '' };
    default:
      return {};
  }
}

/** One rendering of a story for partners of one kind: the document, and the pixel path to swap. */
interface Rendered {
  entry: AccessEntry;
  ninjs: Record<string, unknown>;
  /** `/p/<token>.gif` of the partner it was rendered for, when the copy carries a pixel. */
  pixelPath: string | null;
  /** The partner it was rendered for. */
  partnerId: string;
}

export async function prepareDeliveries(services: Services, events: LoggedEvent[]): Promise<DeliveryRow[]> {
  const wanted = events.filter((e): e is LoggedEvent & { storyId: string } => isWebhookEventType(e.type) && e.storyId !== null);
  if (wanted.length === 0) return [];
  const endpoints = await loadEndpoints(services);
  if (endpoints.length === 0) return [];
  const now = services.partnerAccess.now();
  const nowIso = now.toISOString();
  const storyIds = [...new Set(wanted.map((e) => e.storyId))];
  const [rows, profiles, ledger] = await Promise.all([
    loadRows(services, storyIds),
    services.licenseProfiles.forStories(storyIds),
    loadLedger(services, [...new Set(wanted.filter((e) => LEDGER_TYPES.has(e.type as WebhookEventType)).map((e) => e.storyId))]),
  ]);
  const { publicUrl } = services.config;

  // Grants read now, for every partner with an endpoint: a license that ended stops deliveries.
  const licenses = await services.licenses.forPartners([...new Set(endpoints.map((e) => e.partnerId))]);

  // Renderings, shared by every event of the batch about the same story: story|group|mode.
  const renders = new Map<string, Promise<Rendered | undefined>>();
  const render = (storyId: string, group: string, entry: AccessEntry, mode: 'access' | 'ledger', partnerId: string): Promise<Rendered | undefined> => {
    const key = `${storyId}|${group}|${mode}`;
    let r = renders.get(key);
    if (!r) {
      r = deliver(services, { id: partnerId }, [entry], now).then(([d]) => {
        if (!d) return undefined;
        const token = d.copy?.pixelUrl ? /\/p\/([A-Za-z0-9_-]+)\.gif$/.exec(d.copy.pixelUrl)?.[1] : undefined;
        return { entry, ninjs: toNinjs('2.2', d.ninjs), pixelPath: token ? `/p/${token}.gif` : null, partnerId };
      });
      renders.set(key, r);
    }
    return r;
  };
  // Pixel tokens per story, for every partner that needs one, read at once.
  const tokenNeeds = new Map<string, Set<string>>();

  interface Plan {
    ev: LoggedEvent & { storyId: string };
    rendered: Rendered;
    partners: string[];
  }
  const plans: Plan[] = [];

  for (const ev of wanted) {
    const type = ev.type as WebhookEventType;
    const row = rows.get(ev.storyId);
    const storyProfile = profiles.get(ev.storyId);
    if (!row || !storyProfile) continue;
    const subscribed = endpoints.filter((e) => e.types === null || e.types.has(type));
    if (subscribed.length === 0) continue;
    const had = LEDGER_TYPES.has(type) ? (ledger.get(ev.storyId) ?? new Set<string>()) : new Set<string>();
    for (const group of groupsOf(subscribed, licenses)) {
      const candidates = group.partners;
      const entry = evaluateGrants(row, storyProfile, group.grants, now);
      // Access that came after publication (the free delay): story.released, not story.published.
      const delayed = entry !== undefined && row.published_at !== null && entry.availableFrom > row.published_at;
      let byAccess = false;
      if (entry && !entry.endedLicense) {
        switch (type) {
          case 'story.published':
            byAccess = entry.pubstatus !== 'canceled' && !delayed;
            break;
          case 'story.embargo_lifted':
            byAccess = entry.pubstatus !== 'canceled';
            break;
          case 'story.released':
            byAccess = entry.pubstatus !== 'canceled' && delayed;
            break;
          default:
            byAccess = true;
        }
      }
      const first = candidates.values().next().value!;
      if (byAccess) {
        const rendered = await render(ev.storyId, group.key, entry!, 'access', first);
        if (rendered) plans.push({ ev, rendered, partners: [...candidates] });
        continue;
      }
      // A license that ended told its licensee to take the story down; nothing may say otherwise.
      if (entry?.endedLicense) continue;
      // Shut out now: only those who had it hear of it.
      const fromLedger = [...candidates].filter((p) => had.has(p));
      if (fromLedger.length === 0) continue;
      const open = ledgerEntry(row, storyProfile, group.grants.licenses, now);
      if (!open) continue;
      const rendered = await render(ev.storyId, group.key, open, 'ledger', fromLedger[0]!);
      if (rendered) plans.push({ ev, rendered, partners: fromLedger });
    }
  }

  for (const p of plans) {
    if (!p.rendered.pixelPath) continue;
    let set = tokenNeeds.get(p.ev.storyId);
    if (!set) tokenNeeds.set(p.ev.storyId, (set = new Set()));
    for (const id of p.partners) set.add(id);
  }
  const tokens = new Map<string, Map<string, string>>();
  for (const [storyId, ids] of tokenNeeds) tokens.set(storyId, await services.pixelTokens.tokensFor(storyId, [...ids]));

  const endpointsOf = new Map<string, Endpoint[]>();
  for (const e of endpoints) {
    let list = endpointsOf.get(e.partnerId);
    if (!list) endpointsOf.set(e.partnerId, (list = []));
    list.push(e);
  }

  const out: DeliveryRow[] = [];
  for (const { ev, rendered, partners } of plans) {
    const { entry, ninjs } = rendered;
    const headlines = ninjs.headlines as Array<{ value: string }> | undefined;
    const body = JSON.stringify({
      type: ev.type,
      timestamp: ev.createdAt,
      data: {
        id: entry.storyId,
        version: entry.version,
        pubstatus: entry.pubstatus,
        url: storyUrl(publicUrl, entry.slug),
        href: storyUri(publicUrl, entry.storyId),
        headline: headlines?.[0]?.value ?? '',
        ...changeFields(ev),
        ninjs,
      },
    });
    const storyTokens = tokens.get(ev.storyId);
    for (const partnerId of partners) {
      let partnerBody = body;
      if (rendered.pixelPath && partnerId !== rendered.partnerId) {
        const token = storyTokens?.get(partnerId);
        // Without its own token the partner's copy would count its readers as another's.
        if (!token) continue;
        partnerBody = body.replaceAll(rendered.pixelPath, `/p/${token}.gif`);
      }
      for (const e of endpointsOf.get(partnerId) ?? []) {
        if (e.types !== null && !e.types.has(ev.type)) continue;
        out.push(
          pendingDelivery(
            { endpointId: e.id, partnerId, eventId: ev.id, messageId: newMessageId(), type: ev.type, storyId: ev.storyId, storyVersion: entry.version, body: partnerBody },
            nowIso,
          ),
        );
      }
    }
  }
  return out;
}

/** Inserts prepared rows; an (endpoint, event) pair that already has its row keeps it. */
export async function writeDeliveries(trx: Transaction<DB>, rows: DeliveryRow[]): Promise<void> {
  for (const part of chunks(rows, 300)) {
    await trx.insertInto('webhook_deliveries').values(part).onConflict((oc) => oc.doNothing()).execute();
  }
}

export function webhookDispatcher(services: Services): EventConsumerSpec<DeliveryRow[]> {
  return {
    name: WEBHOOK_CONSUMER,
    batchSize: DISPATCH_BATCH,
    prepare: (events) => prepareDeliveries(services, events),
    write: (trx, _events, rows) => writeDeliveries(trx, rows),
    afterCommit: () => services.signals.webhooks.notify(),
  };
}
