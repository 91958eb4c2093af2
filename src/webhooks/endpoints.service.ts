/**
 * Partners' webhook endpoints: registering, changing and removing them, rotating their signing
 * secrets, and the partner's own view of the delivery queue (test deliveries, replays, the log).
 *
 * Every operation is scoped to one partner: another partner's endpoint or delivery is simply not
 * found (404), so ids reveal nothing. Only approved partners manage endpoints; a suspended
 * partner's endpoints stay as they are until the newsroom restores access.
 *
 * This service only writes delivery rows (a test, a replay) and wakes the delivery loop; sending
 * them is the delivery worker's job, under the same outbound policy that is applied here when an
 * address is registered (src/attribution/safe-fetch.ts).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Config } from '../config.js';
import type { DialectName } from '../db/dialect.js';
import type { DB, WebhookDeliveriesTable, WebhookDeliveryStatus, WebhookEndpointsTable, WebhookEndpointStatus } from '../db/schema.js';
import { AppError, type FieldErrors } from '../errors.js';
import { checkOutboundUrl, SafeFetchError, type Resolver } from '../attribution/safe-fetch.js';
import type { Signal } from '../events/signal.js';
import { newId } from '../util/ids.js';
import { newMessageId, pendingDelivery, type NewDelivery } from './deliveries.js';
import { assertCan, type Actor } from '../users/permissions.js';
import { generateSecret, ROTATION_OVERLAP_MS, secretHint } from './signing.js';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_TYPE, type WebhookEventType } from './types.js';

export const MAX_ENDPOINTS_PER_PARTNER = 10;
export const MAX_DESCRIPTION_LENGTH = 500;
export const MAX_URL_LENGTH = 2000;
export const DEFAULT_DELIVERIES_PAGE = 20;
export const MAX_DELIVERIES_PAGE = 100;

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** The event types sent to it; empty means every story event (including ones added later). */
  events: WebhookEventType[];
  description: string;
  status: WebhookEndpointStatus;
  disabledReason: string | null;
  disabledAt: string | null;
  /** Since when deliveries have been failing (cleared by the next success). */
  failingSince: string | null;
  /** The last characters of the secret, to tell secrets apart; the secret itself is never shown again. */
  secretHint: string;
  /** While a rotated-out secret still signs deliveries (24 h after a rotation). */
  previousSecretExpiresAt: string | null;
  /** The most recent delivery (any status), for lists. */
  lastDelivery: { status: WebhookDeliveryStatus; at: string; responseStatus: number | null } | null;
  createdAt: string;
  updatedAt: string;
}

/** What create answers: the endpoint and its secret, in full this once. */
export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: number | null;
  messageId: string;
  type: string;
  storyId: string | null;
  storyVersion: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  lastError: string | null;
  /** When the next attempt is due; only while the delivery is pending. */
  nextAttemptAt: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface EndpointInput {
  url?: unknown;
  events?: unknown;
  description?: unknown;
}

export interface EndpointPatch extends EndpointInput {
  enabled?: unknown;
}

export interface WebhookEndpointsOptions {
  /** Name resolution for the address check (tests). */
  resolve?: Resolver;
  now?: () => Date;
  /** Wakes the delivery loop after new rows are committed. */
  signal?: Signal;
  /** PostgreSQL locks the partner's row while counting its endpoints. */
  dialect?: DialectName;
}

type EndpointRow = Selectable<WebhookEndpointsTable>;
type DeliveryRow = Selectable<WebhookDeliveriesTable>;

/** A delivery-log cursor: the created_at and id of the last row of the previous page. */
const CURSOR_SHAPE = /^[0-9A-Za-z_-]{1,200}$/;

export function encodeDeliveryCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

export function decodeDeliveryCursor(cursor: string): { createdAt: string; id: string } | null {
  if (!CURSOR_SHAPE.test(cursor)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
    if (v[0].length > 40 || v[1].length > 64 || Number.isNaN(Date.parse(v[0]))) return null;
    return { createdAt: v[0], id: v[1] };
  } catch {
    return null;
  }
}

function parseEvents(json: string): WebhookEventType[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is WebhookEventType => typeof x === 'string' && isWebhookEventType(x)) : [];
  } catch {
    return [];
  }
}

function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id === null ? null : Number(r.event_id),
    messageId: r.message_id,
    type: r.type,
    storyId: r.story_id,
    storyVersion: r.story_version,
    status: r.status,
    attempts: Number(r.attempts),
    responseStatus: r.response_status === null ? null : Number(r.response_status),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    lastError: r.last_error,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    createdAt: r.created_at,
    lastAttemptAt: r.last_attempt_at,
    deliveredAt: r.delivered_at,
  };
}

function invalid(field: string, message: string, summary = 'The webhook endpoint is not valid.'): AppError {
  return new AppError('VALIDATION', summary, { details: { [field]: [message] } });
}

export class WebhookEndpointsService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: Pick<Config, 'fetchAllowList'>,
    private readonly opts: WebhookEndpointsOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  // ---- validation -------------------------------------------------------------------------------

  /** The address, normalised, or a field error with the outbound policy's own sentence. */
  async checkUrl(raw: unknown): Promise<string> {
    if (typeof raw !== 'string' || raw.trim() === '') throw invalid('url', 'is required: the https address that receives the webhooks');
    const value = raw.trim();
    if (value.length > MAX_URL_LENGTH) throw invalid('url', `must be at most ${MAX_URL_LENGTH.toLocaleString('en')} characters`);
    try {
      return await checkOutboundUrl(value, { allowList: this.config.fetchAllowList, requireHttps: true, resolve: this.opts.resolve });
    } catch (err) {
      if (err instanceof SafeFetchError) throw invalid('url', err.message);
      throw err;
    }
  }

  /** The event types, de-duplicated in their canonical order; [] (or nothing) means all. */
  checkEvents(raw: unknown): WebhookEventType[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw invalid('events', `must be a list of event types (${WEBHOOK_EVENT_TYPES.join(', ')})`);
    const unknown: string[] = [];
    const chosen = new Set<string>();
    for (const item of raw) {
      if (typeof item !== 'string') {
        unknown.push(String(JSON.stringify(item) ?? item).slice(0, 60));
        continue;
      }
      if (isWebhookEventType(item)) chosen.add(item);
      else unknown.push(`“${item.slice(0, 60)}”`);
    }
    if (unknown.length > 0) {
      const what = unknown.slice(0, 5).join(', ');
      throw invalid('events', `${what} ${unknown.length === 1 ? 'is not an event type' : 'are not event types'}; choose from ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
    return WEBHOOK_EVENT_TYPES.filter((t) => chosen.has(t));
  }

  checkDescription(raw: unknown): string {
    if (raw === undefined || raw === null) return '';
    if (typeof raw !== 'string') throw invalid('description', 'must be text');
    const value = raw.trim();
    if (value.length > MAX_DESCRIPTION_LENGTH) throw invalid('description', `must be at most ${MAX_DESCRIPTION_LENGTH} characters (it has ${value.length})`);
    if (value.includes('\u0000')) throw invalid('description', 'must not contain NUL characters');
    return value;
  }

  // ---- scoping ---------------------------------------------------------------------------------

  /** Only approved partners manage endpoints (the API and the portal check too; this is the last word). */
  private async assertApproved(partnerId: string): Promise<void> {
    const p = await this.db.selectFrom('partners').select('status').where('id', '=', partnerId).executeTakeFirst();
    if (!p) throw new AppError('NOT_FOUND', 'No such partner.');
    if (p.status !== 'approved') {
      throw new AppError('FORBIDDEN', p.status === 'suspended' ? 'Your partner account is suspended, so webhook endpoints cannot be changed. Contact the newsroom to have it restored.' : 'Webhook endpoints are open to approved partners only.');
    }
  }

  private async row(partnerId: string, id: string): Promise<EndpointRow> {
    const r = id.length <= 64 ? await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('partner_id', '=', partnerId).executeTakeFirst() : undefined;
    if (!r) throw new AppError('NOT_FOUND', 'No webhook endpoint with this id for your outlet.');
    return r;
  }

  private async lastDeliveries(endpointIds: string[]): Promise<Map<string, WebhookEndpoint['lastDelivery']>> {
    const out = new Map<string, WebhookEndpoint['lastDelivery']>();
    // One query per endpoint (at most ten per partner), each a short walk of the endpoint index.
    await Promise.all(
      endpointIds.map(async (id) => {
        const r = await this.db
          .selectFrom('webhook_deliveries')
          .select(['status', 'created_at', 'last_attempt_at', 'delivered_at', 'response_status'])
          .where('endpoint_id', '=', id)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        out.set(id, r ? { status: r.status, at: r.delivered_at ?? r.last_attempt_at ?? r.created_at, responseStatus: r.response_status === null ? null : Number(r.response_status) } : null);
      }),
    );
    return out;
  }

  private toEndpoint(r: EndpointRow, last: WebhookEndpoint['lastDelivery'] = null): WebhookEndpoint {
    const now = this.now().toISOString();
    const overlap = r.previous_secret && r.previous_secret_expires_at && r.previous_secret_expires_at > now ? r.previous_secret_expires_at : null;
    return {
      id: r.id,
      url: r.url,
      events: parseEvents(r.events_json),
      description: r.description,
      status: r.status,
      disabledReason: r.disabled_reason,
      disabledAt: r.disabled_at,
      failingSince: r.failing_since,
      secretHint: secretHint(r.secret),
      previousSecretExpiresAt: overlap,
      lastDelivery: last,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  // ---- endpoints -------------------------------------------------------------------------------

  async create(partnerId: string, input: EndpointInput): Promise<CreatedWebhookEndpoint> {
    await this.assertApproved(partnerId);
    const details: FieldErrors = {};
    const collect = async <T>(f: () => T | Promise<T>): Promise<T | undefined> => {
      try {
        return await f();
      } catch (err) {
        if (err instanceof AppError && err.code === 'VALIDATION' && err.details) Object.assign(details, err.details);
        else throw err;
        return undefined;
      }
    };
    const events = await collect(() => this.checkEvents(input.events));
    const description = await collect(() => this.checkDescription(input.description));
    const url = await collect(() => this.checkUrl(input.url));
    if (Object.keys(details).length > 0 || url === undefined || events === undefined || description === undefined) {
      throw new AppError('VALIDATION', 'The webhook endpoint is not valid.', { details });
    }
    const now = this.now().toISOString();
    const row: EndpointRow = {
      id: newId(),
      partner_id: partnerId,
      url,
      description,
      events_json: JSON.stringify(events),
      secret: generateSecret(),
      previous_secret: null,
      previous_secret_expires_at: null,
      status: 'enabled',
      disabled_reason: null,
      disabled_at: null,
      failing_since: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.transaction().execute(async (trx) => {
      // Two creates at once must not both see nine endpoints: on PostgreSQL the partner's row is
      // locked for the count; SQLite runs one write transaction at a time anyway.
      if (this.opts.dialect === 'postgres') await trx.selectFrom('partners').select('id').where('id', '=', partnerId).forUpdate().execute();
      const count = await trx.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number>().as('n')).where('partner_id', '=', partnerId).executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_ENDPOINTS_PER_PARTNER) {
        throw new AppError(
          'CONFLICT',
          `You already have ${MAX_ENDPOINTS_PER_PARTNER} webhook endpoints, the most an outlet may have. Delete one you no longer use, or subscribe an existing one to more events.`,
        );
      }
      await trx.insertInto('webhook_endpoints').values(row).execute();
    });
    return { ...this.toEndpoint(row), secret: row.secret };
  }

  async list(partnerId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.db.selectFrom('webhook_endpoints').selectAll().where('partner_id', '=', partnerId).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    const last = await this.lastDeliveries(rows.map((r) => r.id));
    return rows.map((r) => this.toEndpoint(r, last.get(r.id) ?? null));
  }

  async get(partnerId: string, id: string): Promise<WebhookEndpoint> {
    const r = await this.row(partnerId, id);
    const last = await this.lastDeliveries([r.id]);
    return this.toEndpoint(r, last.get(r.id) ?? null);
  }

  async update(partnerId: string, id: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
    await this.assertApproved(partnerId);
    const before = await this.row(partnerId, id);
    const details: FieldErrors = {};
    const changes: Partial<EndpointRow> = {};
    const now = this.now().toISOString();
    const attempt = async (f: () => Promise<void> | void) => {
      try {
        await f();
      } catch (err) {
        if (err instanceof AppError && err.code === 'VALIDATION' && err.details) Object.assign(details, err.details);
        else throw err;
      }
    };
    if (patch.url !== undefined) await attempt(async () => void (changes.url = await this.checkUrl(patch.url)));
    if (patch.events !== undefined) await attempt(() => void (changes.events_json = JSON.stringify(this.checkEvents(patch.events))));
    if (patch.description !== undefined) await attempt(() => void (changes.description = this.checkDescription(patch.description)));
    if (patch.enabled !== undefined) {
      if (typeof patch.enabled !== 'boolean') details.enabled = ['must be true or false'];
      else if (patch.enabled && before.status !== 'enabled') {
        // A fresh start: the three-day failure clock begins again at the next failure.
        Object.assign(changes, { status: 'enabled', disabled_reason: null, disabled_at: null, failing_since: null });
      } else if (!patch.enabled && before.status !== 'disabled') {
        Object.assign(changes, { status: 'disabled', disabled_reason: 'Disabled by the partner.', disabled_at: now });
      }
    }
    if (Object.keys(details).length > 0) throw new AppError('VALIDATION', 'The webhook endpoint is not valid.', { details });
    if (Object.keys(changes).length > 0) {
      await this.db
        .updateTable('webhook_endpoints')
        .set({ ...changes, updated_at: now })
        .where('id', '=', before.id)
        .where('partner_id', '=', partnerId)
        .execute();
    }
    return this.get(partnerId, before.id);
  }

  /** Removes the endpoint; its deliveries go with it (pending ones are never sent). */
  async delete(partnerId: string, id: string): Promise<void> {
    await this.assertApproved(partnerId);
    const r = await this.row(partnerId, id);
    await this.db.deleteFrom('webhook_endpoints').where('id', '=', r.id).where('partner_id', '=', partnerId).execute();
  }

  /**
   * A new secret; the old one keeps signing (a second signature) for ROTATION_OVERLAP_MS so the
   * receiver can switch without missing a delivery.
   */
  async rotateSecret(partnerId: string, id: string): Promise<{ secret: string; previousSecretExpiresAt: string; endpoint: WebhookEndpoint }> {
    await this.assertApproved(partnerId);
    const r = await this.row(partnerId, id);
    const now = this.now();
    const secret = generateSecret();
    const expires = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
    await this.db
      .updateTable('webhook_endpoints')
      .set({ secret, previous_secret: r.secret, previous_secret_expires_at: expires, updated_at: now.toISOString() })
      .where('id', '=', r.id)
      .where('partner_id', '=', partnerId)
      .execute();
    return { secret, previousSecretExpiresAt: expires, endpoint: await this.get(partnerId, r.id) };
  }

  // ---- deliveries ------------------------------------------------------------------------------

  private assertEnabled(r: EndpointRow): void {
    if (r.status !== 'enabled') {
      throw new AppError('CONFLICT', `This endpoint is disabled${r.disabled_reason ? ` (${r.disabled_reason.replace(/\.$/, '')})` : ''}; enable it first, then send again.`);
    }
  }

  private async enqueue(row: DeliveryRow): Promise<string> {
    await this.db.insertInto('webhook_deliveries').values(row).execute();
    this.opts.signal?.notify();
    return row.id;
  }

  /** A `webhook.test` delivery, queued now: the way to check a receiver and its signature check. */
  async sendTest(partnerId: string, id: string): Promise<{ deliveryId: string; messageId: string }> {
    await this.assertApproved(partnerId);
    const r = await this.row(partnerId, id);
    this.assertEnabled(r);
    const now = this.now().toISOString();
    const messageId = newMessageId();
    const body = JSON.stringify({
      type: WEBHOOK_TEST_TYPE,
      timestamp: now,
      data: { endpointId: r.id, message: 'A test delivery from the partner portal or API. If its signature verifies, your endpoint is ready.' },
    });
    const deliveryId = await this.enqueue(this.newDelivery(r, { messageId, type: WEBHOOK_TEST_TYPE, storyId: null, storyVersion: null, body }, now));
    return { deliveryId, messageId };
  }

  private newDelivery(endpoint: EndpointRow, d: Omit<NewDelivery, 'endpointId' | 'partnerId' | 'eventId'>, now: string): DeliveryRow {
    return pendingDelivery({ ...d, endpointId: endpoint.id, partnerId: endpoint.partner_id, eventId: null }, now) as DeliveryRow;
  }

  /** The delivery log of one endpoint, newest first, `limit` at a time. */
  async listDeliveries(partnerId: string, endpointId: string, cursor?: string, limit = DEFAULT_DELIVERIES_PAGE): Promise<{ items: WebhookDelivery[]; next: string | null }> {
    const r = await this.row(partnerId, endpointId);
    return this.deliveriesOf(r.id, cursor, limit);
  }

  private async deliveriesOf(endpointId: string, cursor: string | undefined, limit: number): Promise<{ items: WebhookDelivery[]; next: string | null }> {
    const n = Math.max(1, Math.min(MAX_DELIVERIES_PAGE, Math.trunc(limit)));
    let after: { createdAt: string; id: string } | null = null;
    if (cursor !== undefined && cursor !== '') {
      after = decodeDeliveryCursor(cursor);
      if (!after) throw invalid('cursor', 'must be the `next` value of an earlier page (or left out for the newest deliveries)', 'The cursor is not one this API gave out.');
    }
    let q = this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
    if (after) {
      const a = after;
      q = q.where((eb) => eb.or([eb('created_at', '<', a.createdAt), eb.and([eb('created_at', '=', a.createdAt), eb('id', '<', a.id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(n + 1).execute();
    const page = rows.slice(0, n);
    const last = page[page.length - 1];
    return { items: page.map(toDelivery), next: rows.length > n && last ? encodeDeliveryCursor(last.created_at, last.id) : null };
  }

  /**
   * Sends a delivery again as a new row with the same body and webhook-id, so a receiver that
   * already processed it can tell (and skip) it. The original row keeps its own history.
   */
  async replay(partnerId: string, endpointId: string, deliveryId: string): Promise<{ deliveryId: string; messageId: string }> {
    await this.assertApproved(partnerId);
    const endpoint = await this.row(partnerId, endpointId);
    return this.replayOn(endpoint, deliveryId);
  }

  private async replayOn(endpoint: EndpointRow, deliveryId: string): Promise<{ deliveryId: string; messageId: string }> {
    const original =
      deliveryId.length <= 64
        ? await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).where('endpoint_id', '=', endpoint.id).executeTakeFirst()
        : undefined;
    if (!original) throw new AppError('NOT_FOUND', 'No delivery with this id for this endpoint.');
    this.assertEnabled(endpoint);
    const now = this.now().toISOString();
    const id = await this.enqueue(
      this.newDelivery(endpoint, { messageId: original.message_id, type: original.type, storyId: original.story_id, storyVersion: original.story_version, body: original.body }, now),
    );
    return { deliveryId: id, messageId: original.message_id };
  }

  // ---- the newsroom's view ---------------------------------------------------------------------

  /** Every endpoint of a partner, for editors (partners.review); secrets only as hints. */
  async listForStaff(actor: Actor, partnerId: string): Promise<WebhookEndpoint[]> {
    assertCan(actor, 'partners.review');
    return this.list(partnerId);
  }

  async deliveriesForStaff(actor: Actor, partnerId: string, endpointId: string, cursor?: string, limit = DEFAULT_DELIVERIES_PAGE): Promise<{ items: WebhookDelivery[]; next: string | null }> {
    assertCan(actor, 'partners.review');
    return this.listDeliveries(partnerId, endpointId, cursor, limit);
  }

  /** A replay asked for by the newsroom (a partner that lost a correction, say). */
  async replayForStaff(actor: Actor, partnerId: string, endpointId: string, deliveryId: string): Promise<{ deliveryId: string; messageId: string }> {
    assertCan(actor, 'partners.review');
    const endpoint = await this.row(partnerId, endpointId);
    return this.replayOn(endpoint, deliveryId);
  }
}

const perServices = new WeakMap<object, WebhookEndpointsService>();

/** The service for one set of services (one database), made once and shared by the API, the portal and the newsroom. */
export function webhookEndpointsOf(services: {
  database: { db: Kysely<DB>; dialect: { name: DialectName } };
  config: Pick<Config, 'fetchAllowList'>;
  signals: { webhooks: Signal };
}): WebhookEndpointsService {
  let s = perServices.get(services);
  if (!s) {
    s = new WebhookEndpointsService(services.database.db, services.config, { signal: services.signals.webhooks, dialect: services.database.dialect.name });
    perServices.set(services, s);
  }
  return s;
}
