/**
 * Renewal reminders: 30 and 7 days before a license ends, the licensee (the partner's address and
 * its active portal logins) and the licensing contact get an email, once each.
 *
 * Run by the scheduler on every pass on every node. "Once" holds whatever the number of nodes:
 * a reminder is claimed by a conditional UPDATE (`… WHERE renewal_N_sent_at IS NULL`) in the
 * transaction that enqueues its mails, so of two passes racing for the same license exactly one
 * updates the row (PostgreSQL re-checks the condition after the first commits; SQLite runs one
 * write transaction at a time) and only that one writes mail.
 *
 * A license that first comes into view already inside the 7-day window (created with 3 days
 * left, or a node down for weeks) gets the 7-day reminder only, and its 30-day column is set in
 * the same UPDATE so that reminder never arrives late. Scheduled, ended and open-ended licenses
 * get none.
 */
import type { Services } from '../services.js';
import { recordAudit } from '../audit/audit.js';
import { SYSTEM_ACTOR } from '../users/permissions.js';
import { deskRecipients } from './inquiries.service.js';
import { describeScope, inForce, licenseDate, toLicense, type License, type ScopeNames } from './licenses.js';

const DAY_MS = 86_400_000;

export type ReminderKind = 30 | 7;

export interface SentReminder {
  licenseId: string;
  reference: string;
  kind: ReminderKind;
  /** Mails enqueued: licensee addresses and the licensing contact(s). */
  recipients: number;
}

/** Which reminder is due for a license at `now`, if any (the rule alone, without the database). */
export function dueReminder(l: Pick<License, 'startsAt' | 'endsAt' | 'renewal30SentAt' | 'renewal7SentAt'>, now: Date): ReminderKind | undefined {
  if (l.endsAt === null || !inForce(l, now)) return undefined;
  const left = Date.parse(l.endsAt) - now.getTime();
  if (left <= 7 * DAY_MS) return l.renewal7SentAt === null ? 7 : undefined;
  if (left <= 30 * DAY_MS) return l.renewal30SentAt === null ? 30 : undefined;
  return undefined;
}

/** "Thursday, 31 December 2026", in UTC (the day the dates are stored in). */
export function endDateInWords(iso: string): string {
  return licenseDate(iso, { weekday: true });
}

/** Whole days left, rounded up: 6 days and 1 hour is "7 days". */
export function daysLeft(endsAt: string, now: Date): number {
  return Math.max(0, Math.ceil((Date.parse(endsAt) - now.getTime()) / DAY_MS));
}

/** The licensee's addresses: the partner's and its active portal logins', each once. */
async function licenseeRecipients(services: Services, partnerId: string): Promise<{ outlet: string; contactName: string; addresses: string[] } | undefined> {
  const db = services.database.db;
  const partner = await db.selectFrom('partners').select(['outlet', 'contact_name', 'email']).where('id', '=', partnerId).executeTakeFirst();
  if (!partner) return undefined;
  const users = await db.selectFrom('partner_users').select('email').where('partner_id', '=', partnerId).where('status', '=', 'active').execute();
  const addresses = [...new Set([partner.email, ...users.map((u) => u.email)].map((e) => e.trim().toLowerCase()).filter((e) => e !== ''))];
  return { outlet: partner.outlet, contactName: partner.contact_name, addresses };
}

/**
 * Sends every reminder due at `now`; returns those this call sent (a reminder another node
 * claimed first is not in the list). A failure on one license is thrown after the others were
 * tried, so one bad row never holds back the rest.
 */
export async function sendRenewalReminders(services: Services, now: Date = new Date()): Promise<SentReminder[]> {
  const db = services.database.db;
  const at = now.toISOString();
  const horizon = new Date(now.getTime() + 30 * DAY_MS).toISOString();
  // In force, ending within 30 days, with a reminder not yet claimed: the ends_at index bounds this.
  const rows = await db
    .selectFrom('licenses')
    .selectAll()
    .where('ends_at', '>', at)
    .where('ends_at', '<=', horizon)
    .where('starts_at', '<=', at)
    .where((eb) => eb.or([eb('renewal_30_sent_at', 'is', null), eb('renewal_7_sent_at', 'is', null)]))
    .orderBy('ends_at')
    .orderBy('id')
    .execute();
  const due = rows.map(toLicense).filter((l) => dueReminder(l, now) !== undefined);
  if (due.length === 0) return [];

  const settings = await services.settings.get();
  const desk = await deskRecipients(services, settings.licensingContact);
  const names = await services.licenses.scopeNames();
  const sent: SentReminder[] = [];
  let failure: unknown;
  for (const license of due) {
    try {
      const r = await remind(services, license, dueReminder(license, now)!, now, { site: settings.siteName, contact: settings.licensingContact, desk, names });
      if (r) sent.push(r);
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
  return sent;
}

interface Context {
  site: string;
  contact: string;
  desk: string[];
  names: ScopeNames;
}

async function remind(services: Services, license: License, kind: ReminderKind, now: Date, ctx: Context): Promise<SentReminder | undefined> {
  const licensee = await licenseeRecipients(services, license.partnerId);
  if (!licensee) return undefined;
  const at = now.toISOString();
  const endsAt = license.endsAt!;
  const base = services.config.publicUrl;
  const covers = describeScope(license, ctx.names);
  const when = endDateInWords(endsAt);
  const left = daysLeft(endsAt, now);
  const leftText = left === 1 ? '1 day' : `${left} days`;
  const howToRenew = ctx.contact.trim() !== '' ? `To renew, reply to this email or write to ${ctx.contact.trim()}.` : 'To renew, reply to this email.';
  const licenseeText = [
    `Hello ${licensee.contactName},`,
    '',
    `Your license ${license.reference} with ${ctx.site} ends on ${when} (in ${leftText}).`,
    '',
    `What it covers: ${covers}${license.images ? ', images included' : ', without images'}.`,
    '',
    `${howToRenew} We will send you the terms for a new period.`,
    license.onEnd === 'cancel'
      ? 'If it is not renewed, the stories it covers must come down from your pages when it ends, and your systems will be told so.'
      : 'If it is not renewed, you may keep what you have already published under it, but no new stories will reach you through it.',
    '',
    `—\n${ctx.site}`,
  ].join('\n');
  const deskText = [
    `License ${license.reference} for ${licensee.outlet} ends on ${when} (in ${leftText}).`,
    '',
    `What it covers: ${covers}${license.images ? ', images included' : ', without images'}.`,
    `At the end: ${license.onEnd === 'cancel' ? 'the licensee is told to take the covered stories down' : 'the licensee keeps what it already published'}.`,
    '',
    `The licensee has been sent a ${kind}-day reminder. To renew, agree the new period with them and extend the license on its page:`,
    `${base}/newsroom/licensing/licenses/${license.id}`,
  ].join('\n');

  const mailIds: string[] = [];
  const claimed = await services.database.db.transaction().execute(async (trx) => {
    // The claim: only the transaction whose UPDATE changes the row goes on to write mail.
    const update =
      kind === 7
        ? trx
            .updateTable('licenses')
            .set((eb) => ({ renewal_7_sent_at: at, renewal_30_sent_at: eb.fn.coalesce('renewal_30_sent_at', eb.val(at)) }))
            .where('id', '=', license.id)
            .where('renewal_7_sent_at', 'is', null)
        : trx.updateTable('licenses').set({ renewal_30_sent_at: at }).where('id', '=', license.id).where('renewal_30_sent_at', 'is', null);
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    const enqueue = async (to: string, subject: string, text: string) => {
      try {
        mailIds.push(await services.mailer.enqueue(trx, { to, subject, text }));
      } catch {
        // An address the mailer refuses (checked before any SQL) is skipped; the others still go.
      }
    };
    for (const to of licensee.addresses) await enqueue(to, `Your license ${license.reference} with ${ctx.site} ends on ${when}`, licenseeText);
    for (const to of ctx.desk) await enqueue(to, `Renewal due: ${license.reference} (${licensee.outlet}) ends in ${leftText}`, deskText);
    await recordAudit(trx, SYSTEM_ACTOR, 'license.renewal_reminder', { type: 'license', id: license.id }, { reference: license.reference, kind, recipients: mailIds.length }, now);
    return true;
  });
  if (!claimed) return undefined;
  services.mailer.flushLater(mailIds);
  return { licenseId: license.id, reference: license.reference, kind, recipients: mailIds.length };
}
