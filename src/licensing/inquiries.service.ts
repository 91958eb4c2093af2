/**
 * Licensing inquiries from the public: validation, filing, and the two emails that go with a new
 * inquiry. The form at /license and the JSON endpoint POST /api/v1/license-inquiries both come
 * through submitInquiry, so they check and store identically.
 *
 * The form alone carries a spam defence that costs a person nothing: a honeypot field people never
 * see and a signed render time (a form sent back within a few seconds was not filled in by a
 * person). Such submissions are answered like real ones, so a bot learns nothing, but are not
 * stored. API clients are rate-limited instead (a script has no page to render).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InquiryMedium, InquiryStatus } from '../db/schema.js';
import type { Services } from '../services.js';
import { recordAudit } from '../audit/audit.js';
import { newId } from '../util/ids.js';
import { Fields } from '../util/validate.js';
import { SYSTEM_ACTOR } from '../users/permissions.js';

export const INQUIRY_MEDIA: readonly InquiryMedium[] = ['web', 'print', 'broadcast', 'app', 'newsletter', 'other'];

export const MEDIUM_LABELS: Record<InquiryMedium, string> = {
  web: 'Website',
  print: 'Print',
  broadcast: 'Radio or television',
  app: 'App',
  newsletter: 'Newsletter',
  other: 'Something else',
};

/** Field limits, shared by the service, the JSON schema and the form's maxlength attributes. */
export const INQUIRY_LIMITS = {
  name: 200,
  organisation: 200,
  email: 254,
  website: 500,
  intendedUse: 2000,
  territory: 200,
  expectedVolume: 200,
  message: 5000,
} as const;

export interface InquiryInput {
  name?: unknown;
  organisation?: unknown;
  email?: unknown;
  website?: unknown;
  intendedUse?: unknown;
  medium?: unknown;
  territory?: unknown;
  expectedVolume?: unknown;
  message?: unknown;
}

export interface ValidInquiry {
  name: string;
  organisation: string;
  email: string;
  website: string;
  intendedUse: string;
  medium: InquiryMedium;
  territory: string;
  expectedVolume: string;
  message: string;
}

/** Checks and trims an inquiry; throws a VALIDATION AppError with a message per field. */
export function validateInquiry(input: InquiryInput): ValidInquiry {
  const f = new Fields();
  const L = INQUIRY_LIMITS;
  const name = f.text('name', input.name, { required: true, max: L.name });
  const organisation = f.text('organisation', input.organisation, { required: true, max: L.organisation });
  const email = f.email('email', input.email, { required: true });
  // The mailer refuses these characters in an address (they separate or quote recipients), and
  // the acknowledgement must be sendable: refuse them here, as a field message.
  if (email !== '' && !f.errors.email && /[,;:"]/.test(email)) f.add('email', 'must be an email address');
  const website = f.url('website', input.website, { required: true, max: L.website });
  const intendedUse = f.text('intendedUse', input.intendedUse, { required: true, max: L.intendedUse });
  let medium: InquiryMedium = 'other';
  if (input.medium === undefined || input.medium === null || input.medium === '') f.add('medium', 'is required');
  else if (typeof input.medium !== 'string' || !(INQUIRY_MEDIA as readonly string[]).includes(input.medium)) f.add('medium', `must be one of ${INQUIRY_MEDIA.join(', ')}`);
  else medium = input.medium as InquiryMedium;
  const territory = f.text('territory', input.territory, { required: true, max: L.territory });
  const expectedVolume = f.text('expectedVolume', input.expectedVolume, { required: true, max: L.expectedVolume });
  // The message is the one optional field: the others already say what the inquirer wants.
  const message = f.text('message', input.message, { max: L.message });
  f.throwIfAny('The inquiry needs attention');
  return { name, organisation, email, website, intendedUse, medium, territory, expectedVolume, message };
}

/** Where the desk's notification goes: the licensing contact if it is an address, else every active admin. */
export async function deskRecipients(services: Services, contact: string): Promise<string[]> {
  const f = new Fields();
  const email = f.email('contact', contact);
  if (contact.trim() !== '' && f.ok && !/[,;:"]/.test(email)) return [email];
  const admins = await services.database.db.selectFrom('users').select('email').where('role', '=', 'admin').where('status', '=', 'active').execute();
  return [...new Set(admins.map((a) => a.email.toLowerCase()))];
}

/**
 * Files a validated inquiry: the row, its `received` history event, the acknowledgement to the
 * inquirer, the notification to the desk and the audit row, all in one transaction.
 */
export async function submitInquiry(services: Services, input: InquiryInput): Promise<{ id: string; status: InquiryStatus }> {
  const v = validateInquiry(input);
  const settings = await services.settings.get();
  const site = settings.siteName;
  const base = services.config.publicUrl;
  const desk = await deskRecipients(services, settings.licensingContact);
  const id = newId();
  const now = new Date().toISOString();
  const mailIds: string[] = [];
  await services.database.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('license_inquiries')
      .values({
        id, status: 'new', name: v.name, organisation: v.organisation, email: v.email, website: v.website, intended_use: v.intendedUse,
        medium: v.medium, territory: v.territory, expected_volume: v.expectedVolume, message: v.message,
        owner_id: null, partner_id: null, revision: 0, created_at: now, updated_at: now, status_changed_at: now,
      })
      .execute();
    await trx
      .insertInto('license_inquiry_events')
      .values({ id: newId(), inquiry_id: id, kind: 'received', actor_id: null, actor_label: 'inquirer', from_value: null, to_value: 'new', note: null, mail_id: null, created_at: now })
      .execute();
    mailIds.push(
      await services.mailer.enqueue(trx, {
        to: v.email,
        subject: `Your licensing inquiry to ${site}`,
        text: [
          `Hello ${v.name},`,
          '',
          `Thank you for your interest in licensing ${site}'s reporting for ${v.organisation}. We have received your inquiry (reference ${id}).`,
          '',
          'What happens next: someone from our licensing desk reads every inquiry and will reply to this address to talk about what you need. Sending an inquiry does not commit you to anything, and it does not yet give you the right to use our stories.',
          '',
          `Our free republishing program and its terms: ${base}/republish`,
          '',
          `—\n${site}`,
        ].join('\n'),
      }),
    );
    const summary = [
      `Name: ${v.name}`,
      `Organisation: ${v.organisation}`,
      `Email: ${v.email}`,
      `Website: ${v.website}`,
      `Medium: ${MEDIUM_LABELS[v.medium]}`,
      `Territory: ${v.territory}`,
      `Expected volume: ${v.expectedVolume}`,
      '',
      'Intended use:',
      v.intendedUse,
      ...(v.message ? ['', 'Message:', v.message] : []),
    ];
    for (const to of desk) {
      mailIds.push(
        await services.mailer.enqueue(trx, {
          to,
          subject: `New licensing inquiry: ${v.organisation}`,
          text: [`A new licensing inquiry arrived (reference ${id}).`, '', ...summary, '', `The licensing desk: ${base}/newsroom/licensing`].join('\n'),
        }),
      );
    }
    await recordAudit(trx, SYSTEM_ACTOR, 'license_inquiry.received', { type: 'license_inquiry', id }, { medium: v.medium });
  });
  services.mailer.flushLater(mailIds);
  return { id, status: 'new' };
}

// ---- the form's spam defence ---------------------------------------------------------------

/** A person needs longer than this to fill in the form; a faster submission is a script. */
export const MIN_FILL_MS = 3000;
/**
 * A render time older than this is not trusted: without a limit one signed time, fetched once,
 * would let a script skip the wait forever. A person whose form sat open that long sends it again.
 */
export const MAX_FORM_AGE_MS = 24 * 60 * 60 * 1000;
/** The form field carrying the signed render time. */
export const FORM_TIME_FIELD = 'formTime';
/** The honeypot: hidden from people, filled in by form-filling bots. */
export const HONEYPOT_FIELD = 'nickname';

/**
 * The signing key, derived from the installation's form key (one per installation, shared by every
 * node), under a label of its own so a tip-form token never passes for this one or the reverse.
 */
async function formKey(services: Services): Promise<Buffer> {
  const { formKey: key } = await services.tipKeys.line();
  return createHmac('sha256', Buffer.from(key, 'base64')).update('freewire license inquiry form timing').digest();
}

function mac(key: Buffer, ms: string): string {
  return createHmac('sha256', key).update(ms).digest('base64url');
}

/** `<render time ms>.<signature>`: proves when the server rendered the form. */
export async function issueFormTime(services: Services, now: Date = new Date()): Promise<string> {
  const ms = String(now.getTime());
  return `${ms}.${mac(await formKey(services), ms)}`;
}

/**
 * Why a form submission is not from a person, or undefined when it may be. A missing or forged
 * time counts as a script too: every page we render carries one.
 */
export async function spamReason(services: Services, fields: { honeypot: string; formTime: string }, now: Date = new Date()): Promise<'honeypot' | 'too-fast' | 'no-time' | 'stale' | undefined> {
  if (fields.honeypot !== '') return 'honeypot';
  const token = fields.formTime;
  if (token.length > 100) return 'no-time';
  const dot = token.indexOf('.');
  const ms = dot > 0 ? token.slice(0, dot) : '';
  if (!/^\d{1,16}$/.test(ms)) return 'no-time';
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(await formKey(services), ms));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'no-time';
  const age = now.getTime() - Number(ms);
  if (age < MIN_FILL_MS) return 'too-fast';
  if (age > MAX_FORM_AGE_MS) return 'stale';
  return undefined;
}
