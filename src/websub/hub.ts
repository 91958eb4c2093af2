/**
 * The WebSub hub (W3C WebSub Recommendation, 2018): subscription requests, verification of
 * intent, content distribution.
 *
 * - A subscription request (`POST /websub`) is checked at once — a topic this site publishes, a
 *   callback the outbound policy may reach, a secret under 200 bytes — and stored as an intent;
 *   the answer is 202. Verification runs later, from the worker (§5.3): a GET to the callback
 *   with a random hub.challenge, which the subscriber must echo with a 2xx. Only then does the
 *   request change the subscription (§5.1: "only once the action is verified"), so a failed
 *   re-subscription leaves a working subscription as it was. Network failures and 5xx are tried
 *   again a few times; a refusal (4xx, a wrong echo) is final. Every failure is recorded on the
 *   subscription for the newsroom.
 * - Leases: 10 days unless asked otherwise, held within 1 hour … 30 days. An expired
 *   subscription receives nothing more; the worker marks it expired and later deletes it.
 * - Distribution (§7): the event consumer queues one pending row per subscription whose topic
 *   changed (coalesced: at most one not yet attempted). The worker claims due rows with a
 *   conditional update (two nodes never send one twice), renders the topic's current feed, and
 *   POSTs it with its Content-Type, the Link header (hub and self) and, when the subscriber gave
 *   a secret, `X-Hub-Signature: sha256=<hex HMAC of the body>` (§7.1). Failures are retried on
 *   the shared schedule (src/worker/backoff.ts) until GIVE_UP_AFTER_MS, when the subscription
 *   ends (as a webhook endpoint failing that long is disabled); a 410 ends it at once (§7). A
 *   successful send carries the feed as it is now, so older pending rows of the same
 *   subscription are settled with it ('superseded'). A feed that is gone (renewed partner token,
 *   deleted desk or author) ends its subscriptions; a suspended partner's feed is only paused.
 *
 * Everything outbound goes through `outboundRequest` (the one outbound policy: public addresses
 * only unless allow-listed, DNS checked and pinned, no redirects, bounded answers). Nothing here
 * logs a secret, a challenge or a callback's path and query (they may carry the subscriber's own
 * tokens): logs name the callback's host only.
 */
import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, WebSubSubscriptionsTable } from '../db/schema.js';
import type { Services } from '../services.js';
import { checkOutboundUrl, outboundRequest, SafeFetchError } from '../attribution/safe-fetch.js';
import { GIVE_UP_AFTER_MS, retryDelayMs } from '../worker/backoff.js';
import { newId, randomToken } from '../util/ids.js';
import { checkTopic, renderTopic } from './topics.js';
import { hubUrlOf, websubLinkHeader } from './links.js';

export const DEFAULT_LEASE_SECONDS = 10 * 24 * 3600;
export const MIN_LEASE_SECONDS = 3600;
export const MAX_LEASE_SECONDS = 30 * 24 * 3600;
/** §5.1: hub.secret MUST be less than 200 bytes. */
export const MAX_SECRET_BYTES = 199;
/** Verification attempts for network failures and 5xx before the request is given up. */
export const MAX_VERIFY_ATTEMPTS = 3;
/** How long a claimed verification or delivery is this node's; longer than any request takes. */
export const CLAIM_MS = 2 * 60_000;
/** Ended, expired, refused and unsubscribed subscriptions stay visible this long, then go. */
export const KEEP_INACTIVE_MS = 7 * 24 * 3600_000;
/** Settled delivery rows are kept this long for the newsroom page. */
export const KEEP_DELIVERIES_MS = 7 * 24 * 3600_000;
export const USER_AGENT = 'Freewire-WebSub/1.0 (+https://www.w3.org/TR/websub/)';

export type FieldErrors = Record<string, string[]>;

export interface SubscriptionRequest {
  mode: 'subscribe' | 'unsubscribe';
  topic: string;
  callback: string;
  leaseSeconds: number;
  secret: string | null;
}

/** The part of a logger the hub uses. */
export interface HubLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

function first(fields: Record<string, unknown>, name: string): string | undefined {
  const v = fields[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** The lease a request asks for, held within the hub's bounds; undefined when malformed. */
export function leaseFor(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return DEFAULT_LEASE_SECONDS;
  const t = raw.trim();
  if (!/^\d{1,12}$/.test(t)) return undefined;
  return Math.min(MAX_LEASE_SECONDS, Math.max(MIN_LEASE_SECONDS, Number(t)));
}

/**
 * Checks a subscription request's fields (§5.1). Returns the request or field errors; the
 * messages never quote the secret. `overHttps` says whether the request reached us over TLS:
 * §5.1 says hub.secret SHOULD only be sent over HTTPS, and a secret that crossed the network in
 * the clear authenticates nothing, so it is refused rather than silently used.
 */
export async function parseSubscriptionRequest(
  services: Services,
  body: unknown,
  overHttps: boolean,
): Promise<{ ok: true; request: SubscriptionRequest; partnerId: string | null } | { ok: false; errors: FieldErrors }> {
  const fields = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const errors: FieldErrors = Object.create(null) as FieldErrors;
  const add = (field: string, message: string): void => void (errors[field] ??= []).push(message);

  const mode = first(fields, 'hub.mode');
  if (mode === undefined || mode === '') add('hub.mode', 'is required: subscribe or unsubscribe');
  else if (mode === 'publish') add('hub.mode', 'publish is not needed: this hub sends this site\'s own feeds to their subscribers whenever they change');
  else if (mode !== 'subscribe' && mode !== 'unsubscribe') add('hub.mode', 'must be subscribe or unsubscribe');

  const topic = first(fields, 'hub.topic') ?? '';
  let partnerId: string | null = null;
  if (topic === '') add('hub.topic', 'is required: the rel="self" URL of one of this site\'s feeds');
  else {
    const check = await checkTopic(services, topic);
    if (check.ok) partnerId = check.partnerId;
    else add('hub.topic', check.reason);
  }

  const rawCallback = first(fields, 'hub.callback') ?? '';
  let callback = '';
  if (rawCallback === '') add('hub.callback', 'is required: the URL where this hub verifies the request and delivers the feed');
  else {
    try {
      // http callbacks are allowed (the spec permits them); every address must be public
      // unless allow-listed, checked again at every request.
      callback = await checkOutboundUrl(rawCallback, { allowList: services.config.fetchAllowList, requireHttps: false });
    } catch (err) {
      if (!(err instanceof SafeFetchError)) throw err;
      add('hub.callback', err.message);
    }
  }

  const leaseRaw = first(fields, 'hub.lease_seconds');
  const leaseSeconds = leaseFor(leaseRaw);
  if (leaseSeconds === undefined && mode !== 'unsubscribe') add('hub.lease_seconds', 'must be a whole number of seconds');

  const secretRaw = first(fields, 'hub.secret');
  let secret: string | null = null;
  if (secretRaw !== undefined && secretRaw !== '' && mode !== 'unsubscribe') {
    if (Buffer.byteLength(secretRaw, 'utf8') > MAX_SECRET_BYTES) add('hub.secret', 'must be less than 200 bytes');
    else if (!overHttps) add('hub.secret', 'is only accepted over HTTPS (WebSub §5.1): a secret sent in the clear cannot authenticate anything. Subscribe through the https address of this hub, or without a secret');
    else secret = secretRaw;
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, request: { mode: mode as SubscriptionRequest['mode'], topic, callback, leaseSeconds: leaseSeconds ?? DEFAULT_LEASE_SECONDS, secret }, partnerId };
}

/**
 * Stores a checked request as the subscription's pending intent (replacing any earlier one that
 * was not verified yet), to be verified by the worker.
 */
export async function recordIntent(db: Kysely<DB>, req: SubscriptionRequest, partnerId: string | null, now: Date): Promise<void> {
  const at = now.toISOString();
  const intent = {
    intent_mode: req.mode,
    intent_lease_seconds: req.mode === 'subscribe' ? req.leaseSeconds : null,
    intent_secret: req.mode === 'subscribe' ? req.secret : null,
    intent_requested_at: at,
    verify_attempts: 0,
    verify_next_at: at,
    // A verification of an older intent still in flight must not settle this one.
    claim_token: null,
    claimed_until: null,
    updated_at: at,
  };
  await db
    .insertInto('websub_subscriptions')
    .values({
      id: newId(),
      topic: req.topic,
      callback: req.callback,
      partner_id: partnerId,
      state: req.mode === 'subscribe' ? 'pending' : 'unsubscribed',
      secret: null,
      lease_seconds: null,
      lease_expires_at: null,
      verified_at: null,
      last_error: null,
      last_error_at: null,
      last_delivery_at: null,
      last_delivery_status: null,
      created_at: at,
      ...intent,
    })
    .onConflict((oc) => oc.columns(['topic', 'callback']).doUpdateSet({ ...intent, partner_id: partnerId }))
    .execute();
}

/** `sha256=<lowercase hex HMAC-SHA256(secret, body)>` (§7.1). */
export function hubSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex')}`;
}

/** The callback's host, for logs and the newsroom (its path and query may carry tokens). */
export function callbackHost(callback: string): string {
  try {
    return new URL(callback).host;
  } catch {
    return '(invalid)';
  }
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

type Sub = WebSubSubscriptionsTable;

/**
 * The hub's background side: verifications, deliveries and cleanup, one pass at a time per
 * call of `runOnce`. Safe on several nodes (every row is claimed before it is worked on).
 */
export class WebSubHub {
  /** The clock; tests move it (retries, lease expiry). */
  now: () => Date = () => new Date();
  /** Jitter source for retry delays. */
  random: () => number = Math.random;
  /** Requests in flight on this node (verifications and deliveries). */
  private inflight = 0;
  private readonly running = new Set<Promise<void>>();
  private lastSweep = -Infinity;

  constructor(
    private readonly services: Services,
    private readonly log: HubLog,
  ) {}

  private get db(): Kysely<DB> {
    return this.services.database.db;
  }

  private get allowList(): readonly string[] {
    return this.services.config.fetchAllowList;
  }

  /** Free request slots on this node (config.deliveryConcurrency across verifications and deliveries). */
  private free(): number {
    return Math.max(0, this.services.config.deliveryConcurrency - this.inflight);
  }

  /**
   * Claims what is due and starts it, up to the concurrency bound; returns how many were
   * started. `settle` waits for them (tests, shutdown).
   */
  async runOnce(): Promise<number> {
    await this.sweep();
    let started = 0;
    for (const sub of await this.claimVerifications(this.free())) {
      started++;
      this.track(this.verify(sub));
    }
    for (const claim of await this.claimDeliveries(this.free())) {
      started++;
      this.track(this.deliver(claim.id, claim.token));
    }
    return started;
  }

  /** Runs passes until nothing is due and nothing is in flight. */
  async drain(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const started = await this.runOnce();
      if (started === 0 && this.running.size === 0) return;
      await this.settle();
    }
  }

  /** Waits for the requests in flight. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Fires when a request finishes (the loop uses it to claim more). */
  onSlotFree: () => void = () => undefined;

  private track(work: Promise<void>): void {
    this.inflight++;
    const p: Promise<void> = work
      .catch((err: unknown) => this.log.error({ err }, 'A WebSub request failed unexpectedly; it is retried when its claim expires'))
      .finally(() => {
        this.inflight--;
        this.running.delete(p);
        this.onSlotFree();
      });
    this.running.add(p);
  }

  // ---- leases and cleanup -----------------------------------------------------------------------

  /** Expires lapsed leases (their queued deliveries are canceled) and deletes old inactive rows. */
  async sweep(force = false): Promise<void> {
    const now = this.now();
    // Once a minute is plenty: deliveries check the lease themselves before sending.
    if (!force && now.getTime() - this.lastSweep < 60_000) return;
    this.lastSweep = now.getTime();
    const at = now.toISOString();
    const expired = await this.db
      .selectFrom('websub_subscriptions')
      .select('id')
      .where('state', '=', 'active')
      .where('lease_expires_at', '<=', at)
      .orderBy('id')
      .limit(500)
      .execute();
    for (const { id } of expired) {
      await this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('websub_subscriptions')
          .set({ state: 'expired', updated_at: at })
          .where('id', '=', id)
          .where('state', '=', 'active')
          .where('lease_expires_at', '<=', at)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) await this.cancelPending(trx, id, 'The subscription lease expired.');
      });
    }
    const old = new Date(now.getTime() - KEEP_INACTIVE_MS).toISOString();
    await this.db
      .deleteFrom('websub_subscriptions')
      .where('state', 'in', ['expired', 'unsubscribed', 'failed', 'ended'])
      .where('intent_mode', 'is', null)
      .where('updated_at', '<', old)
      .execute();
    await this.db
      .deleteFrom('websub_deliveries')
      .where('status', 'in', ['delivered', 'superseded', 'failed', 'canceled'])
      .where('created_at', '<', new Date(now.getTime() - KEEP_DELIVERIES_MS).toISOString())
      .execute();
  }

  private async cancelPending(trx: Kysely<DB>, subscriptionId: string, reason: string): Promise<void> {
    await trx
      .updateTable('websub_deliveries')
      .set({ status: 'canceled', last_error: reason, claim_token: null, claimed_until: null })
      .where('subscription_id', '=', subscriptionId)
      .where('status', '=', 'pending')
      .execute();
  }

  // ---- verification of intent (§5.3) ------------------------------------------------------------

  private async claimVerifications(limit: number): Promise<Array<Sub & { claim_token: string }>> {
    if (limit <= 0) return [];
    const now = this.now();
    const at = now.toISOString();
    const candidates = await this.db
      .selectFrom('websub_subscriptions')
      .select('id')
      .where('intent_mode', 'is not', null)
      .where('verify_next_at', '<=', at)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
      .orderBy('verify_next_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    const out: Array<Sub & { claim_token: string }> = [];
    for (const { id } of candidates) {
      const token = randomToken(12);
      const r = await this.db
        .updateTable('websub_subscriptions')
        .set({ claim_token: token, claimed_until: new Date(now.getTime() + CLAIM_MS).toISOString() })
        .where('id', '=', id)
        .where('intent_mode', 'is not', null)
        .where('verify_next_at', '<=', at)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) continue;
      const row = await this.db.selectFrom('websub_subscriptions').selectAll().where('id', '=', id).where('claim_token', '=', token).executeTakeFirst();
      if (row) out.push({ ...row, claim_token: token });
    }
    return out;
  }

  private async verify(sub: Sub & { claim_token: string }): Promise<void> {
    const mode = sub.intent_mode!;
    const challenge = randomToken(24);
    const url = new URL(sub.callback);
    url.searchParams.append('hub.mode', mode);
    url.searchParams.append('hub.topic', sub.topic);
    url.searchParams.append('hub.challenge', challenge);
    if (mode === 'subscribe') url.searchParams.append('hub.lease_seconds', String(sub.intent_lease_seconds ?? DEFAULT_LEASE_SECONDS));
    let outcome: { kind: 'confirmed' } | { kind: 'refused'; reason: string } | { kind: 'retry'; reason: string };
    try {
      const res = await outboundRequest(url.href, { method: 'GET', headers: { 'User-Agent': USER_AGENT, Accept: 'text/plain, */*;q=0.5' }, allowList: this.allowList });
      if (res.status >= 200 && res.status < 300) {
        outcome = res.body.trim() === challenge ? { kind: 'confirmed' } : { kind: 'refused', reason: `The callback answered HTTP ${res.status} without echoing hub.challenge, so the ${mode} request was not confirmed.` };
      } else if (res.status >= 500 || res.status === 429) {
        outcome = { kind: 'retry', reason: `The callback answered HTTP ${res.status} to the verification request.` };
      } else {
        outcome = { kind: 'refused', reason: `The callback answered HTTP ${res.status} to the verification request, so the ${mode} request was not confirmed.` };
      }
    } catch (err) {
      if (!(err instanceof SafeFetchError)) throw err;
      outcome = err.kind === 'blocked' ? { kind: 'refused', reason: `Verification not sent: ${err.message}` } : { kind: 'retry', reason: `Verification failed: ${err.message}` };
    }
    const now = this.now();
    const at = now.toISOString();
    const mine = (db: Kysely<DB>) => db.updateTable('websub_subscriptions').where('id', '=', sub.id).where('claim_token', '=', sub.claim_token);
    const clearIntent = { intent_mode: null, intent_lease_seconds: null, intent_secret: null, intent_requested_at: null, verify_next_at: null, claim_token: null, claimed_until: null, updated_at: at } as const;
    if (outcome.kind === 'confirmed') {
      await this.db.transaction().execute(async (trx) => {
        if (mode === 'subscribe') {
          const lease = sub.intent_lease_seconds ?? DEFAULT_LEASE_SECONDS;
          await mine(trx)
            .set({
              ...clearIntent,
              state: 'active',
              secret: sub.intent_secret,
              lease_seconds: lease,
              lease_expires_at: new Date(now.getTime() + lease * 1000).toISOString(),
              verified_at: at,
              verify_attempts: 0,
              last_error: null,
              last_error_at: null,
            })
            .execute();
        } else {
          const r = await mine(trx)
            .set({ ...clearIntent, state: 'unsubscribed', secret: null, lease_expires_at: null, verified_at: at, verify_attempts: 0, last_error: null, last_error_at: null })
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) === 1) await this.cancelPending(trx, sub.id, 'Unsubscribed.');
        }
      });
      this.log.info({ subscription: sub.id, mode, callbackHost: callbackHost(sub.callback) }, 'WebSub request verified');
      return;
    }
    const attempts = sub.verify_attempts + 1;
    if (outcome.kind === 'retry' && attempts < MAX_VERIFY_ATTEMPTS) {
      await mine(this.db)
        .set({ verify_attempts: attempts, verify_next_at: new Date(now.getTime() + retryDelayMs(attempts, this.random)).toISOString(), claim_token: null, claimed_until: null, last_error: clip(outcome.reason), last_error_at: at, updated_at: at })
        .execute();
      return;
    }
    // Refused, or failing too long: the request is dropped, the subscription's state is left as
    // it was (§5.1), and one never verified is marked failed.
    const reason = clip(outcome.kind === 'retry' ? `${outcome.reason} Gave up after ${attempts} attempts.` : outcome.reason);
    await mine(this.db)
      .set({ ...clearIntent, verify_attempts: attempts, last_error: reason, last_error_at: at, ...(sub.state === 'pending' ? { state: 'failed' as const } : {}) })
      .execute();
    this.log.warn({ subscription: sub.id, mode, callbackHost: callbackHost(sub.callback), reason }, 'WebSub request not verified');
  }

  // ---- content distribution (§7) ----------------------------------------------------------------

  private async claimDeliveries(limit: number): Promise<Array<{ id: string; token: string }>> {
    if (limit <= 0) return [];
    const now = this.now();
    const at = now.toISOString();
    const candidates = await this.db
      .selectFrom('websub_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    const out: Array<{ id: string; token: string }> = [];
    for (const { id } of candidates) {
      const token = randomToken(12);
      // The claim counts as the attempt: a change arriving while this send is in flight gets a
      // row of its own (the coalescing index covers only rows never attempted).
      const r = await this.db
        .updateTable('websub_deliveries')
        .set((eb) => ({ claim_token: token, claimed_until: new Date(now.getTime() + CLAIM_MS).toISOString(), attempts: eb('attempts', '+', 1), last_attempt_at: at }))
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', at)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) out.push({ id, token });
    }
    return out;
  }

  private async deliver(id: string, token: string): Promise<void> {
    const row = await this.db.selectFrom('websub_deliveries').selectAll().where('id', '=', id).where('claim_token', '=', token).executeTakeFirst();
    if (!row) return;
    const sub = await this.db.selectFrom('websub_subscriptions').selectAll().where('id', '=', row.subscription_id).executeTakeFirst();
    const mine = (db: Kysely<DB>) => db.updateTable('websub_deliveries').where('id', '=', id).where('claim_token', '=', token);
    const startedAt = this.now();
    if (!sub || sub.state !== 'active' || !sub.lease_expires_at || sub.lease_expires_at <= startedAt.toISOString()) {
      const reason = sub?.state === 'active' ? 'The subscription lease expired.' : 'The subscription is no longer active.';
      await mine(this.db).set({ status: 'canceled', last_error: reason, claim_token: null, claimed_until: null }).execute();
      return;
    }
    const rendered = await renderTopic(this.services, sub.topic);
    if (!rendered.ok) {
      if (rendered.gone) await this.endSubscription(sub.id, rendered.reason, startedAt);
      else {
        // Paused (a suspended partner): nothing is sent now; the subscription stays for when the
        // feed is back, and the newsroom sees why.
        const at = startedAt.toISOString();
        await mine(this.db).set({ status: 'canceled', last_error: rendered.reason, claim_token: null, claimed_until: null }).execute();
        await this.db.updateTable('websub_subscriptions').set({ last_error: rendered.reason, last_error_at: at }).where('id', '=', sub.id).execute();
      }
      return;
    }
    const body = Buffer.from(rendered.body, 'utf8');
    const headers: Record<string, string> = {
      'Content-Type': rendered.contentType,
      Link: websubLinkHeader(hubUrlOf(this.services.config.publicUrl), sub.topic),
      'User-Agent': USER_AGENT,
    };
    if (sub.secret) headers['X-Hub-Signature'] = hubSignature(sub.secret, body);
    let status: number | null = null;
    let error: string | null = null;
    let durationMs: number | null = null;
    try {
      const res = await outboundRequest(sub.callback, { method: 'POST', headers, body, allowList: this.allowList });
      status = res.status;
      durationMs = res.durationMs;
      if (status < 200 || status > 299) error = `The callback answered HTTP ${status}.`;
    } catch (err) {
      if (!(err instanceof SafeFetchError)) throw err;
      error = err.message;
    }
    const now = this.now();
    const at = now.toISOString();
    if (status !== null && status >= 200 && status < 300) {
      await this.db.transaction().execute(async (trx) => {
        await mine(trx)
          .set({ status: 'delivered', response_status: status, duration_ms: durationMs, delivered_at: at, last_error: null, claim_token: null, claimed_until: null })
          .execute();
        // The feed just sent was rendered after every change queued before this send began.
        await trx
          .updateTable('websub_deliveries')
          .set({ status: 'superseded', delivered_at: at, claim_token: null, claimed_until: null })
          .where('subscription_id', '=', sub.id)
          .where('status', '=', 'pending')
          .where('created_at', '<=', startedAt.toISOString())
          .where('claim_token', 'is', null)
          .execute();
        await trx.updateTable('websub_subscriptions').set({ last_delivery_at: at, last_delivery_status: status }).where('id', '=', sub.id).execute();
      });
      return;
    }
    if (status === 410) {
      await mine(this.db).set({ status: 'failed', response_status: 410, duration_ms: durationMs, last_error: 'The subscriber answered 410 Gone.', claim_token: null, claimed_until: null }).execute();
      await this.endSubscription(sub.id, 'The subscriber answered 410 Gone to a content distribution: subscription ended.', now);
      return;
    }
    const firstFailed = row.first_failed_at ?? startedAt.toISOString();
    const givesUp = now.getTime() - Date.parse(firstFailed) >= GIVE_UP_AFTER_MS;
    const message = clip(error ?? 'The delivery failed.');
    await mine(this.db)
      .set({
        status: givesUp ? 'failed' : 'pending',
        first_failed_at: firstFailed,
        next_attempt_at: givesUp ? at : new Date(now.getTime() + retryDelayMs(row.attempts, this.random)).toISOString(),
        response_status: status,
        duration_ms: durationMs,
        last_error: givesUp ? `${message} Gave up after ${row.attempts} attempts.` : message,
        claim_token: null,
        claimed_until: null,
      })
      .execute();
    await this.db.updateTable('websub_subscriptions').set({ last_delivery_status: status, last_error: message, last_error_at: at }).where('id', '=', sub.id).execute();
    // A subscriber unreachable for GIVE_UP_AFTER_MS is gone in all but name, as a webhook
    // endpoint failing that long is disabled: it may subscribe again when it is back.
    if (givesUp) await this.endSubscription(sub.id, `Deliveries failed for ${Math.round(GIVE_UP_AFTER_MS / 86_400_000)} days (last: ${message}); subscription ended.`, now);
    this.log.warn({ subscription: sub.id, callbackHost: callbackHost(sub.callback), attempts: row.attempts, status, givesUp }, 'WebSub delivery failed');
  }

  private async endSubscription(id: string, reason: string, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('websub_subscriptions').set({ state: 'ended', last_error: clip(reason), last_error_at: at, updated_at: at }).where('id', '=', id).execute();
      await this.cancelPending(trx, id, reason);
    });
    this.log.info({ subscription: id, reason }, 'WebSub subscription ended');
  }
}
