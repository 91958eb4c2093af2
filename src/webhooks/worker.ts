/**
 * The webhook delivery worker: sends the rows of `webhook_deliveries` (the outbox the dispatcher
 * fills) to partners' endpoints, signed with Standard Webhooks headers, and retries them.
 *
 * Why it works this way:
 * - Several nodes may run it against one database. A node claims due rows with one conditional
 *   UPDATE (still pending, still unclaimed) that stamps a random claim token and a claim expiry,
 *   then reads back the rows carrying its token; two nodes never both win a row, on SQLite or
 *   PostgreSQL. A node that dies mid-send leaves a claim that simply expires, and the row is
 *   sent again — receivers de-duplicate on `webhook-id`, which is the same on every attempt.
 * - Only what can be sent at once is claimed (free slots of `deliveryConcurrency`, at most a few
 *   per endpoint), so a claimed row never waits behind a slow endpoint for its claim to run out,
 *   and an endpoint that hangs holds at most its own slots: every other endpoint goes on.
 * - Per endpoint and story, deliveries go out in event order: a row is not due while an earlier
 *   event of the same story to the same endpoint is still pending (rows without an event — tests
 *   and replays — are outside that order).
 * - Outcomes are written in groups (one transaction for every answer that came in meanwhile),
 *   because on SQLite each commit is an fsync: a thousand partners hearing of one correction
 *   should cost a handful of commits, not a thousand.
 * - Failures back off on the shared schedule (src/worker/backoff.ts). An endpoint that has been
 *   failing for three days, or that answers 410 Gone, is disabled in a transaction that also
 *   fails its waiting deliveries and queues the partner's email; the update only moves an
 *   endpoint from enabled to disabled, so exactly one node sends that email.
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { sql, type CompiledQuery } from 'kysely';
import type SQLite from 'better-sqlite3';
import { outboundRequest, SafeFetchError, OUTBOUND_TIMEOUT_MS, type Resolver } from '../attribution/safe-fetch.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import type { BackgroundJob, BackgroundLog } from '../worker/background.js';
import { GIVE_UP_AFTER_MS, retryDelayMs } from '../worker/backoff.js';
import { activeSecrets, signatureHeaders } from './signing.js';

/**
 * How long a claim outlives the request timeout: time to write the outcome, with room to spare.
 * It is also how soon after a node dies mid-send another node sends those rows again, so it is
 * kept short.
 */
const CLAIM_MARGIN_MS = 20_000;
/** Deliveries in flight to one endpoint at once (different stories; one story stays in order). */
const DEFAULT_PER_ENDPOINT = 2;
/** How long an outcome waits for others to share its commit (each commit is an fsync on SQLite). */
const FLUSH_DELAY_MS = 15;
/** Characters of a failed response's body kept in last_error. */
const RESPONSE_SNIPPET_CHARS = 500;

export interface WebhookWorkerOptions {
  /** The clock (tests move it forward instead of waiting for retries). */
  now?: () => Date;
  /** How often to look for due rows besides the wake-up signal (default config.outboxIntervalMs). */
  intervalMs?: number;
  /** Requests in flight on this node (default config.deliveryConcurrency). */
  concurrency?: number;
  /** Requests in flight to one endpoint. */
  perEndpoint?: number;
  /** One delivery attempt, DNS included (default 10 s). */
  timeoutMs?: number;
  /** Delay before the next attempt after `attempts` failed ones (default: the shared schedule). */
  retryDelayMs?: (attempts: number) => number;
  /** Overrides config.fetchAllowList (tests). */
  allowList?: readonly string[];
  /** Name resolution (tests). */
  resolve?: Resolver;
  /** Poll and listen for the signal (default true); false leaves passes to runOnce() (tests). */
  autoStart?: boolean;
}

export interface WebhookWorker extends BackgroundJob {
  /** Sends everything due now (and what becomes due as those finish); resolves when all is recorded. Returns the attempts made. */
  runOnce(): Promise<number>;
  /** Resolves when nothing is in flight and every outcome is written. */
  idle(): Promise<void>;
}

/** A claimed delivery with what sending it needs from its endpoint. */
interface Claimed {
  id: string;
  token: string;
  endpoint_id: string;
  partner_id: string;
  message_id: string;
  body: string;
  attempts: number;
  created_at: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
}

type Outcome =
  | { kind: 'delivered'; row: Claimed; at: string; status: number; durationMs: number }
  | {
      kind: 'failed';
      row: Claimed;
      at: string;
      status: number | null;
      durationMs: number | null;
      error: string;
      /** Set when the delivery is retried; undefined when it is given up. */
      nextAttemptAt: string | undefined;
      /** The endpoint is to be disabled (410 Gone, or failing for three days). */
      disable: { reason: string; because: string } | undefined;
    }
  | { kind: 'released'; row: Claimed };

interface Flight {
  row: Claimed;
  controller: AbortController;
  done: Promise<void>;
}

export function startWebhookWorker(services: Services, log: BackgroundLog, opts: WebhookWorkerOptions = {}): WebhookWorker {
  const worker = new DeliveryWorker(services, log, opts);
  if (opts.autoStart !== false) worker.start();
  return worker;
}

/** One line, at most `max` characters: what a delivery log can show of an answer or an error. */
function snippet(text: string, max = RESPONSE_SNIPPET_CHARS): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

class DeliveryWorker implements WebhookWorker {
  readonly name = 'webhooks';
  private readonly now: () => Date;
  private readonly concurrency: number;
  private readonly perEndpointCap: number;
  private readonly timeoutMs: number;
  private readonly delay: (attempts: number) => number;
  private readonly allowList: readonly string[];
  private readonly userAgent: string;
  private readonly resolve: Resolver | undefined;
  private readonly intervalMs: number;

  private readonly inFlight = new Map<string, Flight>();
  private readonly perEndpoint = new Map<string, number>();
  private outcomes: Outcome[] = [];
  private filling: Promise<void> | undefined;
  private fillAgain = false;
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private attempted = 0;
  private readonly statements = new Map<string, SQLite.Statement>();

  constructor(
    private readonly services: Services,
    private readonly log: BackgroundLog,
    opts: WebhookWorkerOptions,
  ) {
    const { config } = services;
    this.now = opts.now ?? (() => new Date());
    this.concurrency = Math.max(1, opts.concurrency ?? config.deliveryConcurrency);
    this.perEndpointCap = Math.max(1, opts.perEndpoint ?? DEFAULT_PER_ENDPOINT);
    this.timeoutMs = opts.timeoutMs ?? OUTBOUND_TIMEOUT_MS;
    this.delay = opts.retryDelayMs ?? ((attempts) => retryDelayMs(attempts));
    this.allowList = opts.allowList ?? config.fetchAllowList;
    this.resolve = opts.resolve;
    this.intervalMs = opts.intervalMs ?? config.outboxIntervalMs;
    // Names the product and the newsroom sending, so a partner reading their logs knows who calls.
    this.userAgent = `Freewire-Webhooks/1.0 (+${config.publicUrl})`;
  }

  start(): void {
    this.unlisten = this.services.signals.webhooks.listen(() => this.nudge());
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref?.();
    this.nudge();
  }

  private tick(): void {
    if (this.stopped) return;
    // Outcomes a failed write left behind are written first.
    if (this.outcomes.length > 0) void this.flush();
    void this.fill();
  }

  nudge(): void {
    if (!this.stopped) void this.fill();
  }

  async runOnce(): Promise<number> {
    const before = this.attempted;
    await this.fill();
    await this.idle();
    return this.attempted - before;
  }

  async idle(): Promise<void> {
    for (;;) {
      if (this.filling) await this.filling;
      else if (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((f) => f.done));
      else if (this.flushing) await this.flushing;
      else if (this.outcomes.length > 0 && !this.stopped) {
        await this.flush();
        // The write failed (and was logged): waiting here would spin; the timer retries it.
        if (this.outcomes.length > 0 && !this.flushing && this.inFlight.size === 0) return;
      } else return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.unlisten?.();
    for (const f of this.inFlight.values()) f.controller.abort();
    await this.filling;
    // A claim that finished meanwhile launched its rows with aborted controllers.
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((f) => f.done));
    // Unsent rows go back to the queue at once rather than when their claim expires.
    await this.flushing;
    if (this.outcomes.length > 0) await this.flush();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.outcomes.length > 0) this.log.error({ outcomes: this.outcomes.length }, 'Could not record webhook outcomes at shutdown; their claims expire on their own');
  }

  // ---- claiming -------------------------------------------------------------------------------

  private fill(): Promise<void> {
    if (this.filling) {
      this.fillAgain = true;
      return this.filling;
    }
    this.filling = this.fillLoop()
      .catch((err: unknown) => this.log.error({ err }, 'Claiming webhook deliveries failed; retrying on the next pass'))
      .finally(() => {
        this.filling = undefined;
        if (this.fillAgain && !this.stopped) {
          this.fillAgain = false;
          void this.fill();
        }
      });
    return this.filling;
  }

  private async fillLoop(): Promise<void> {
    // Bounded, so one call never monopolises the loop; completions and the timer call again.
    for (let round = 0; round < 50 && !this.stopped; round++) {
      const capacity = this.concurrency - this.inFlight.size;
      if (capacity <= 0) return;
      const { rows, more } = await this.claim(capacity);
      for (const row of rows) this.launch(row);
      if (!more) return;
    }
  }

  /** Claims up to `capacity` due rows this node can start at once. `more`: others may be due. */
  private async claim(capacity: number): Promise<{ rows: Claimed[]; more: boolean }> {
    const { db } = this.services.database;
    const now = this.now();
    const nowIso = now.toISOString();
    // Endpoints at their cap here are left out, so their backlog does not fill the candidates.
    const busy = [...this.perEndpoint].filter(([, n]) => n >= this.perEndpointCap).map(([id]) => id);
    const limit = Math.min(1000, capacity * 2 + 10);
    let query = db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select(['d.id', 'd.endpoint_id'])
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<', nowIso)]))
      .where('e.status', '=', 'enabled')
      // In order per endpoint and story: not while an earlier event of the story is unfinished.
      // (partner_id is implied by the endpoint; it lets the lookup use the story index.)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('webhook_deliveries as p')
              .select(sql.lit(1).as('one'))
              .whereRef('p.story_id', '=', 'd.story_id')
              .whereRef('p.partner_id', '=', 'd.partner_id')
              .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
              .where('p.status', '=', 'pending')
              .whereRef('p.event_id', '<', 'd.event_id'),
          ),
        ),
      );
    if (busy.length > 0) query = query.where('d.endpoint_id', 'not in', busy);
    const candidates = await query.orderBy('d.next_attempt_at').orderBy('d.id').limit(limit).execute();
    if (candidates.length === 0) return { rows: [], more: false };

    const picked: string[] = [];
    const room = new Map<string, number>();
    for (const c of candidates) {
      if (picked.length >= capacity) break;
      const left = room.get(c.endpoint_id) ?? this.perEndpointCap - (this.perEndpoint.get(c.endpoint_id) ?? 0);
      if (left <= 0) continue;
      room.set(c.endpoint_id, left - 1);
      picked.push(c.id);
    }
    const more = candidates.length === limit;
    if (picked.length === 0) return { rows: [], more };

    const token = randomBytes(16).toString('base64url');
    const until = new Date(now.getTime() + this.timeoutMs + CLAIM_MARGIN_MS).toISOString();
    await db
      .updateTable('webhook_deliveries')
      .set({ claim_token: token, claimed_until: until })
      .where('id', 'in', picked)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', nowIso)]))
      .where((eb) =>
        eb.exists(
          eb.selectFrom('webhook_endpoints as e').select(sql.lit(1).as('one')).whereRef('e.id', '=', 'webhook_deliveries.endpoint_id').where('e.status', '=', 'enabled'),
        ),
      )
      .execute();
    const rows = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select([
        'd.id', 'd.endpoint_id', 'd.partner_id', 'd.message_id', 'd.body', 'd.attempts', 'd.created_at',
        'e.url', 'e.secret', 'e.previous_secret', 'e.previous_secret_expires_at', 'e.failing_since',
      ])
      .where('d.id', 'in', picked)
      .where('d.claim_token', '=', token)
      .orderBy('d.next_attempt_at')
      .orderBy('d.id')
      .execute();
    return { rows: rows.map((r) => ({ ...r, token })), more: more || rows.length < picked.length };
  }

  // ---- sending --------------------------------------------------------------------------------

  private launch(row: Claimed): void {
    const controller = new AbortController();
    if (this.stopped) controller.abort();
    this.perEndpoint.set(row.endpoint_id, (this.perEndpoint.get(row.endpoint_id) ?? 0) + 1);
    this.attempted++;
    const done = this.send(row, controller.signal)
      .then((outcome) => {
        this.outcomes.push(outcome);
      })
      .catch((err: unknown) => {
        // send() turns every failure into an outcome; this is a bug, and the claim expires.
        this.log.error({ err, delivery: row.id }, 'A webhook delivery failed unexpectedly');
      })
      .finally(() => {
        this.inFlight.delete(row.id);
        const n = (this.perEndpoint.get(row.endpoint_id) ?? 1) - 1;
        if (n <= 0) this.perEndpoint.delete(row.endpoint_id);
        else this.perEndpoint.set(row.endpoint_id, n);
        this.scheduleFlush();
      });
    this.inFlight.set(row.id, { row, controller, done });
  }

  private async send(row: Claimed, signal: AbortSignal): Promise<Outcome> {
    if (signal.aborted) return { kind: 'released', row };
    const started = this.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': this.userAgent,
      ...signatureHeaders(activeSecrets(row, started), row.message_id, Math.floor(started.getTime() / 1000), row.body),
    };
    let status: number | null = null;
    let durationMs: number | null = null;
    let error: string;
    try {
      const res = await outboundRequest(row.url, {
        method: 'POST',
        headers,
        body: row.body,
        requireHttps: true,
        allowList: this.allowList,
        timeoutMs: this.timeoutMs,
        signal,
        ...(this.resolve ? { resolve: this.resolve } : {}),
      });
      status = res.status;
      durationMs = res.durationMs;
      const at = this.now().toISOString();
      if (status >= 200 && status <= 299) return { kind: 'delivered', row, at, status, durationMs };
      const answer = `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;
      if (status === 410) {
        const because = `it answered ${answer} on ${at.slice(0, 16).replace('T', ' ')} UTC, which asks senders to stop`;
        return {
          kind: 'failed', row, at, status, durationMs, nextAttemptAt: undefined,
          error: `The endpoint answered ${answer}: it asked not to receive deliveries, so it was disabled.`,
          disable: { reason: `Disabled because ${because}.`, because },
        };
      }
      if (status >= 300 && status <= 399) {
        const location = res.headers.location ? ` to ${snippet(String(res.headers.location), 300)}` : '';
        error = `The endpoint answered ${answer} (a redirect${location}); redirects are not followed, so register the address that answers.`;
      } else {
        error = `The endpoint answered ${answer}; only a 2xx status counts as delivered.`;
      }
      const body = snippet(res.body);
      if (body) error += ` Response: ${body}`;
    } catch (err) {
      if (err instanceof SafeFetchError) {
        if (err.kind === 'aborted') return { kind: 'released', row };
        error = err.kind === 'timeout' ? `The endpoint did not answer in time: ${err.message}` : err.message;
      } else {
        error = `The delivery could not be sent: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    return this.failure(row, status, durationMs, error);
  }

  private failure(row: Claimed, status: number | null, durationMs: number | null, error: string): Outcome {
    const now = this.now();
    const at = now.toISOString();
    const attempts = row.attempts + 1;
    const failingSince = row.failing_since ?? at;
    if (now.getTime() - Date.parse(failingSince) >= GIVE_UP_AFTER_MS) {
      const because = `every delivery since ${failingSince.slice(0, 16).replace('T', ' ')} UTC failed (the last one: ${snippet(error, 300)})`;
      return {
        kind: 'failed', row, at, status, durationMs, error, nextAttemptAt: undefined,
        disable: { reason: `Disabled after failing for 3 days: ${because}.`, because },
      };
    }
    if (now.getTime() - Date.parse(row.created_at) >= GIVE_UP_AFTER_MS) {
      return { kind: 'failed', row, at, status, durationMs, error: `Gave up after ${attempts} attempts over 3 days. ${error}`, nextAttemptAt: undefined, disable: undefined };
    }
    const next = new Date(now.getTime() + this.delay(attempts)).toISOString();
    return { kind: 'failed', row, at, status, durationMs, error, nextAttemptAt: next, disable: undefined };
  }

  // ---- recording ------------------------------------------------------------------------------

  /**
   * Group commit: the first answer to come in waits FLUSH_DELAY_MS for the others arriving
   * meanwhile, so they share one transaction; when nothing else is in flight it is written at once.
   */
  private scheduleFlush(): void {
    if (this.stopped || this.inFlight.size === 0 || this.outcomes.length >= this.concurrency / 2) {
      void this.flush();
      return;
    }
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes every outcome that came in, in groups, then looks for more work. */
  private flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.outcomes.length > 0) {
        const batch = this.outcomes.splice(0);
        try {
          await this.writeOutcomes(batch);
        } catch (err) {
          // Kept for the next pass; the claims cover them meanwhile.
          this.outcomes.unshift(...batch);
          this.log.error({ err, outcomes: batch.length }, 'Recording webhook outcomes failed; retrying on the next pass');
          return;
        }
      }
    })().finally(() => {
      this.flushing = undefined;
      // Capacity came free, and later events of the stories just delivered may be due now.
      if (!this.stopped) void this.fill();
    });
    return this.flushing;
  }

  private async writeOutcomes(batch: Outcome[]): Promise<void> {
    const { db } = this.services.database;
    const queries: CompiledQuery[] = [];
    const clearFailing = new Set<string>();
    const setFailing = new Map<string, string>();
    for (const o of batch) {
      const mine = db.updateTable('webhook_deliveries').where('id', '=', o.row.id).where('claim_token', '=', o.row.token).where('status', '=', 'pending');
      if (o.kind === 'released') {
        queries.push(mine.set({ claim_token: null, claimed_until: null }).compile());
      } else if (o.kind === 'delivered') {
        queries.push(
          mine
            .set({
              status: 'delivered', attempts: o.row.attempts + 1, last_attempt_at: o.at, delivered_at: o.at, response_status: o.status,
              duration_ms: o.durationMs, last_error: null, claim_token: null, claimed_until: null,
            })
            .compile(),
        );
        if (o.row.failing_since !== null) clearFailing.add(o.row.endpoint_id);
      } else {
        queries.push(
          mine
            .set({
              status: o.nextAttemptAt === undefined ? 'failed' : 'pending', attempts: o.row.attempts + 1, last_attempt_at: o.at,
              ...(o.nextAttemptAt === undefined ? {} : { next_attempt_at: o.nextAttemptAt }),
              response_status: o.status, duration_ms: o.durationMs, last_error: o.error, claim_token: null, claimed_until: null,
            })
            .compile(),
        );
        if (o.row.failing_since === null && !setFailing.has(o.row.endpoint_id)) setFailing.set(o.row.endpoint_id, o.at);
      }
    }
    for (const id of clearFailing) {
      queries.push(db.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', id).where('failing_since', 'is not', null).compile());
    }
    for (const [id, at] of setFailing) {
      if (clearFailing.has(id)) continue;
      queries.push(db.updateTable('webhook_endpoints').set({ failing_since: at }).where('id', '=', id).where('failing_since', 'is', null).compile());
    }
    await this.runAll(queries);

    const disabled = new Set<string>();
    for (const o of batch) {
      if (o.kind !== 'failed' || !o.disable || disabled.has(o.row.endpoint_id)) continue;
      disabled.add(o.row.endpoint_id);
      await this.disableEndpoint(o.row.endpoint_id, o.disable.reason, o.disable.because, o.at);
    }
  }

  /**
   * Runs the writes in one transaction. On SQLite, when no other transaction is open on the
   * connection, better-sqlite3 runs them synchronously in one go: one commit, and no await in the
   * middle of a write transaction for another connection to block on.
   */
  private async runAll(queries: CompiledQuery[]): Promise<void> {
    if (queries.length === 0) return;
    const handle = this.services.database.sqlite;
    if (handle && !handle.inTransaction) {
      const statement = (text: string): SQLite.Statement => {
        let s = this.statements.get(text);
        if (!s) {
          s = handle.prepare(text);
          this.statements.set(text, s);
        }
        return s;
      };
      handle.transaction(() => {
        for (const q of queries) statement(q.sql).run(...(q.parameters as unknown[]));
      })();
      return;
    }
    await this.services.database.db.transaction().execute(async (trx) => {
      for (const q of queries) await trx.executeQuery(q);
    });
  }

  /**
   * Disables an endpoint (if it is still enabled), fails its waiting deliveries and emails the
   * partner — all in one transaction, so the email exists exactly when the endpoint was disabled,
   * and only the node whose update moved it from enabled sends it.
   */
  private async disableEndpoint(endpointId: string, reason: string, because: string, at: string): Promise<void> {
    const { db } = this.services.database;
    const { mailer, config } = this.services;
    // Read outside the transaction: on SQLite the transaction holds the only connection.
    let siteName = 'Freewire';
    try {
      siteName = (await this.services.settings.get()).siteName || siteName;
    } catch {
      // The generic name will do for the email.
    }
    const mailIds: string[] = [];
    const result = await db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('webhook_endpoints')
        // failing_since starts again from nothing: an endpoint enabled again gets three new days.
        .set({ status: 'disabled', disabled_reason: reason, disabled_at: at, failing_since: null, updated_at: at })
        .where('id', '=', endpointId)
        .where('status', '=', 'enabled')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return undefined;
      const failed = await trx
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', last_error: `Not sent: the endpoint was disabled (${reason})` })
        .where('endpoint_id', '=', endpointId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const endpoint = await trx
        .selectFrom('webhook_endpoints as e')
        .innerJoin('partners as p', 'p.id', 'e.partner_id')
        .select(['e.url', 'e.partner_id', 'p.outlet', 'p.email'])
        .where('e.id', '=', endpointId)
        .executeTakeFirstOrThrow();
      const users = await trx.selectFrom('partner_users').select('email').where('partner_id', '=', endpoint.partner_id).where('status', '=', 'active').orderBy('email').execute();
      const recipients = [...new Set([endpoint.email, ...users.map((u) => u.email)].map((e) => e.trim().toLowerCase()).filter(Boolean))];
      const waiting = Number(failed.numUpdatedRows);
      const text = [
        `Hello ${endpoint.outlet},`,
        '',
        `${siteName} has stopped sending webhooks to your endpoint`,
        `  ${endpoint.url}`,
        `because ${because}.`,
        '',
        waiting > 0
          ? `${waiting} ${waiting === 1 ? 'delivery that was' : 'deliveries that were'} waiting ${waiting === 1 ? 'was' : 'were'} not sent. You can see ${waiting === 1 ? 'it' : 'them'} in the endpoint's delivery log and replay ${waiting === 1 ? 'it' : 'them'} from there.`
          : 'No other deliveries were waiting.',
        '',
        'To receive corrections, updates and withdrawals by webhook again:',
        '  1. make sure the endpoint answers deliveries with a 2xx status (any other answer, a redirect or no answer within 10 seconds counts as a failure);',
        `  2. sign in to the partner portal at ${config.publicUrl}/partners/webhooks and enable the endpoint again (or update it with your API key).`,
        '',
        'Until then, corrections and withdrawals still reach you through the content API and your partner feeds.',
      ].join('\n');
      for (const to of recipients) {
        try {
          mailIds.push(await mailer.enqueue(trx, { to, subject: `Webhook endpoint disabled: ${endpoint.url}`, text }));
        } catch (err) {
          // An address the mailer refuses is skipped; the others still hear of it.
          if (!(err instanceof AppError)) throw err;
        }
      }
      return { url: endpoint.url, partnerId: endpoint.partner_id, waiting, recipients: mailIds.length };
    });
    if (!result) return;
    mailer.flushLater(mailIds);
    this.log.warn({ endpoint: endpointId, partner: result.partnerId, url: result.url, failedDeliveries: result.waiting, reason }, 'Webhook endpoint disabled');
  }
}
