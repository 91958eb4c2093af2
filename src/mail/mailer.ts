/**
 * Outgoing mail to applicants and partners. Every message is written to `mail_outbox` before any
 * attempt to send it, so a crash or an SMTP outage never loses one:
 *
 * - no SMTP configured: the row is `held`, and the newsroom reads it at /newsroom/mail (someone
 *   forwards it by hand) — a fresh install works without a mail server;
 * - SMTP configured: the row is `queued`, sent at once, then marked `sent` or `failed`; failed and
 *   stranded rows are retried by a small loop with growing pauses, up to MAX_ATTEMPTS.
 *
 * Secrets (invitation links) never sit in the text the newsroom reads: see MailMessage.secret.
 *
 * Several nodes may run the loop. An attempt is claimed by bumping `attempts` from the value that
 * was read (compare-and-set), so two nodes never send the same attempt of the same message.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB, MailOutboxTable, MailStatus } from '../db/schema.js';
import { AppError } from '../errors.js';
import { newId } from '../util/ids.js';
import { lazyRequire } from '../util/lazy-require.js';

const nodemailer = lazyRequire<typeof import('nodemailer')>('nodemailer');

export interface MailMessage {
  to: string;
  subject: string;
  /** With a `secret`, holds SECRET_PLACEHOLDER where the secret goes. */
  text: string;
  html?: string | undefined;
  /**
   * A part only the recipient may read, e.g. an invitation link. The outbox, which editors read,
   * keeps the placeholder; the secret is stored apart and put in only when the message is handed
   * to SMTP, then deleted. Without SMTP it is not stored at all (nothing would ever send it):
   * an admin creates a fresh link for the recipient instead.
   */
  secret?: string | undefined;
}

/** What the outbox shows in place of a message's secret. */
export const SECRET_PLACEHOLDER = '[invitation link — sent to the recipient only]';

export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** What the mailer needs from a nodemailer transport; tests may pass their own. */
export interface MailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string; html?: string }): Promise<unknown>;
  close?(): void;
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  from: string;
  /** Replaces the SMTP transport built from smtpUrl (tests). */
  transport?: MailTransport;
  /** How often the retry loop looks for due messages (ms). */
  retryIntervalMs?: number;
}

export const MAX_ATTEMPTS = 5;
/**
 * How old a message must be before attempt n+1 (index n). The first attempt is immediate; a
 * `queued` row that is a minute old was stranded by a crash (SMTP timeouts below are shorter).
 */
const RETRY_AFTER_MS = [0, 60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000];

export function toOutboxMessage(r: Selectable<MailOutboxTable>): OutboxMessage {
  return {
    id: r.id,
    to: r.to_address,
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

/** Header values must stay on one line: a newline in a subject would start a new header. */
function oneLine(s: string, max: number): string {
  return s.replace(/[\r\n\t\u0000]+/g, ' ').trim().slice(0, max);
}

function validAddress(to: string): boolean {
  return to.length <= 254 && /^[^\s@<>(),;:"]+@[^\s@<>(),;:".]+(?:\.[^\s@<>(),;:".]+)+$/.test(to);
}

export const MAIL_STATUSES: readonly MailStatus[] = ['queued', 'sent', 'failed', 'held'];

export class Mailer {
  private transport: MailTransport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly opts: MailerOptions,
  ) {
    this.transport = opts.transport;
  }

  /** True when messages leave the building (SMTP or an injected transport). */
  get delivers(): boolean {
    return this.transport !== undefined || this.opts.smtpUrl !== undefined;
  }

  private getTransport(): MailTransport {
    if (!this.transport) {
      // Short timeouts: a hung server must not hold a message past the first retry window.
      this.transport = nodemailer().createTransport({
        url: this.opts.smtpUrl,
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 30_000,
      }) as unknown as MailTransport;
    }
    return this.transport;
  }

  private row(msg: MailMessage) {
    const to = msg.to.trim().toLowerCase();
    if (!validAddress(to)) throw new AppError('VALIDATION', 'The recipient is not an email address.', { details: { to: ['must be an email address'] } });
    // A programming error, not bad input: a secret with nowhere to go would silently vanish,
    // and a placeholder without a secret would reach the recipient as is.
    if ((msg.secret !== undefined) !== msg.text.includes(SECRET_PLACEHOLDER)) {
      throw new Error('A mail secret and SECRET_PLACEHOLDER in its text go together.');
    }
    return {
      id: newId(),
      to_address: to,
      subject: oneLine(msg.subject, 300),
      text_body: msg.text,
      html_body: msg.html ?? null,
      status: (this.delivers ? 'queued' : 'held') as MailStatus,
      attempts: 0,
      last_error: null,
      created_at: new Date().toISOString(),
      sent_at: null,
      secret: this.delivers ? (msg.secret ?? null) : null,
    };
  }

  /**
   * Writes the message inside the caller's transaction, so it exists exactly when the change it
   * reports does. Call `flush()` after the commit to send it without waiting for the loop.
   */
  async enqueue(trx: Transaction<DB> | Kysely<DB>, msg: MailMessage): Promise<string> {
    const row = this.row(msg);
    await trx.insertInto('mail_outbox').values(row).execute();
    return row.id;
  }

  /** Stores the message and, when mail is configured, sends it before returning. */
  async send(msg: MailMessage): Promise<OutboxMessage> {
    const id = await this.enqueue(this.db, msg);
    if (this.delivers) await this.attempt(id, 0);
    return this.get(id);
  }

  /** Sends the given queued messages now (after the transaction that wrote them committed). */
  async flush(ids: string[]): Promise<void> {
    if (!this.delivers) return;
    for (const id of ids) await this.attempt(id, 0);
  }

  /**
   * Like flush, but the caller does not wait: a slow SMTP server must not hold up a reviewer's
   * click. Failures stay in the outbox for the loop; stop() waits for these to finish.
   */
  flushLater(ids: string[]): void {
    if (!this.delivers || ids.length === 0) return;
    const p = this.flush(ids).catch(() => undefined);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Resolves when every flushLater() started so far has finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** One claimed attempt at one message; never throws for an SMTP failure (the row records it). */
  private async attempt(id: string, seenAttempts: number): Promise<boolean> {
    const claimed = await this.db
      .updateTable('mail_outbox')
      .set({ attempts: seenAttempts + 1 })
      .where('id', '=', id)
      .where('attempts', '=', seenAttempts)
      .where('status', 'in', ['queued', 'failed'])
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return false;
    const r = await this.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    // split/join rather than replace(): a `$` in the secret must not act as a replacement pattern.
    const reveal = (body: string) => (r.secret === null ? body : body.split(SECRET_PLACEHOLDER).join(r.secret));
    try {
      await this.getTransport().sendMail({
        from: this.opts.from,
        to: r.to_address,
        subject: r.subject,
        text: reveal(r.text_body),
        ...(r.html_body ? { html: reveal(r.html_body) } : {}),
      });
      // Delivered: the secret has no reason to stay in the database.
      await this.db.updateTable('mail_outbox').set({ status: 'sent', sent_at: new Date().toISOString(), last_error: null, secret: null }).where('id', '=', id).execute();
      return true;
    } catch (err) {
      const message = oneLine(err instanceof Error ? err.message : String(err), 500) || 'unknown error';
      // The last attempt gives up, and with it the secret (an admin can create a fresh link).
      const givenUp = seenAttempts + 1 >= MAX_ATTEMPTS;
      await this.db
        .updateTable('mail_outbox')
        .set({ status: 'failed', last_error: message, ...(givenUp ? { secret: null } : {}) })
        .where('id', '=', id)
        .execute();
      return false;
    }
  }

  /** Retries failed and stranded messages that are due. Returns how many were sent. */
  async retryDue(now: Date = new Date()): Promise<number> {
    if (!this.delivers) return 0;
    const rows = await this.db
      .selectFrom('mail_outbox')
      .select(['id', 'attempts', 'created_at'])
      .where('status', 'in', ['queued', 'failed'])
      .where('attempts', '<', MAX_ATTEMPTS)
      .orderBy('created_at')
      .limit(50)
      .execute();
    let sent = 0;
    for (const r of rows) {
      const wait = RETRY_AFTER_MS[Math.min(r.attempts, RETRY_AFTER_MS.length - 1)]!;
      if (now.getTime() - Date.parse(r.created_at) < wait) continue;
      if (await this.attempt(r.id, r.attempts)) sent++;
    }
    return sent;
  }

  /** Starts the retry loop (only when mail is configured). */
  start(): void {
    if (!this.delivers || this.timer) return;
    const interval = this.opts.retryIntervalMs ?? 30_000;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.retryDue()
        .then(() => undefined, () => undefined)
        .finally(() => {
          this.running = undefined;
        });
    }, interval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await Promise.all([...this.inFlight]);
    this.transport?.close?.();
  }

  // ---- reading the outbox ---------------------------------------------------------------------

  async list(filter: { status?: MailStatus | undefined; to?: string; limit?: number; offset?: number } = {}): Promise<{ items: OutboxMessage[]; total: number }> {
    let q = this.db.selectFrom('mail_outbox');
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.to !== undefined) q = q.where('to_address', '=', filter.to.trim().toLowerCase());
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 50)
      .offset(filter.offset ?? 0)
      .execute();
    return { items: rows.map(toOutboxMessage), total: Number(total.n) };
  }

  async counts(): Promise<Record<MailStatus, number>> {
    const rows = await this.db.selectFrom('mail_outbox').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    const out: Record<MailStatus, number> = { queued: 0, sent: 0, failed: 0, held: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  async get(id: string): Promise<OutboxMessage> {
    if (typeof id !== 'string' || id.length > 64) throw new AppError('NOT_FOUND', 'No such message.');
    const r = await this.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', 'No such message.');
    return toOutboxMessage(r);
  }
}
