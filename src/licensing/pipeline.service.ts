/**
 * The licensing desk's pipeline: list, read and work inquiries (status, owner, notes, emails to
 * the inquirer). The newsroom pages and the Admin API both come through here.
 *
 * Concurrency: every change is one conditional UPDATE … WHERE revision = ? that also bumps the
 * revision, so of two editors who started from the same revision exactly one wins; the other
 * gets a CONFLICT. Callers that name no revision (the API's "last write wins") still go through
 * the same statement, retried against the fresh row, so the history always records true
 * from-values and a transition is never judged on a stale status.
 *
 * `licensed` is not set by hand: it belongs to creating a license (licenses.service.ts), which
 * sets it, the partner and a `license` history event in the license's own transaction through
 * markLicensed.
 */
import type { Selectable, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB, InquiryEventKind, InquiryMedium, InquiryStatus, LicenseInquiriesTable, MailStatus } from '../db/schema.js';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { newId } from '../util/ids.js';
import { Fields } from '../util/validate.js';
import { assertCan, type Actor } from '../users/permissions.js';

export const INQUIRY_STATUSES: readonly InquiryStatus[] = ['new', 'contacted', 'negotiating', 'licensed', 'declined'];
export const OPEN_STATUSES: readonly InquiryStatus[] = ['new', 'contacted', 'negotiating'];

/** Where each status may go by hand. `licensed` is absent on purpose (see the file comment). */
const TRANSITIONS: Record<InquiryStatus, readonly InquiryStatus[]> = {
  new: ['contacted', 'negotiating', 'declined'],
  contacted: ['new', 'negotiating', 'declined'],
  negotiating: ['new', 'contacted', 'declined'],
  declined: ['negotiating'],
  licensed: [],
};

export const NOTE_MAX = 5000;
export const SUBJECT_MAX = 200;
export const BODY_MAX = 20000;
const SEARCH_MAX = 200;
const MAX_RETRIES = 5;

export interface Inquiry {
  id: string;
  status: InquiryStatus;
  name: string;
  organisation: string;
  email: string;
  website: string;
  medium: InquiryMedium;
  territory: string;
  expectedVolume: string;
  intendedUse: string;
  message: string;
  owner: string | null;
  ownerName: string | null;
  partnerId: string | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
  statusChangedAt: string;
}

export interface InquiryEvent {
  id: string;
  kind: InquiryEventKind;
  actorId: string | null;
  actorLabel: string;
  from: string | null;
  to: string | null;
  note: string | null;
  mail: { id: string; subject: string; status: MailStatus } | null;
  createdAt: string;
}

export interface StaffOption {
  id: string;
  name: string;
  email: string;
}

export interface ListFilter {
  status?: InquiryStatus | undefined;
  /** A user id, or 'none' for unassigned inquiries. */
  owner?: string | undefined;
  q?: string | undefined;
  limit?: number;
  offset?: number;
}

export interface UpdateInput {
  status?: unknown;
  owner?: unknown;
  note?: unknown;
  revision?: unknown;
}

export interface EmailInput {
  subject?: unknown;
  body?: unknown;
  revision?: unknown;
}

type Row = Selectable<LicenseInquiriesTable>;
type NewEvent = { kind: InquiryEventKind; from?: string | null; to?: string | null; note?: string | null; mailId?: string | null };

function toInquiry(r: Row & { owner_name?: string | null }): Inquiry {
  return {
    id: r.id,
    status: r.status,
    name: r.name,
    organisation: r.organisation,
    email: r.email,
    website: r.website,
    medium: r.medium,
    territory: r.territory,
    expectedVolume: r.expected_volume,
    intendedUse: r.intended_use,
    message: r.message,
    owner: r.owner_id,
    ownerName: r.owner_name ?? null,
    partnerId: r.partner_id,
    revision: Number(r.revision),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    statusChangedAt: r.status_changed_at,
  };
}

export const STALE_MESSAGE = 'Someone else changed this inquiry; reload to see their change, then make yours again.';

function parseRevision(f: Fields, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2_000_000_000) {
    f.add('revision', 'must be the whole-number revision you loaded');
    return undefined;
  }
  return n;
}

export class PipelineService {
  constructor(private readonly services: Services) {}

  private get db() {
    return this.services.database.db;
  }

  /** Users who may own an inquiry: active staff who work the pipeline (editors and admins). */
  async owners(): Promise<StaffOption[]> {
    return this.db.selectFrom('users').select(['id', 'name', 'email']).where('status', '=', 'active').where('role', 'in', ['editor', 'admin']).orderBy('name').orderBy('id').execute();
  }

  async list(actor: Actor, filter: ListFilter = {}): Promise<{ items: Inquiry[]; total: number; counts: Record<InquiryStatus, number> }> {
    assertCan(actor, 'licensing.manage');
    const f = new Fields();
    if (filter.status !== undefined && !INQUIRY_STATUSES.includes(filter.status)) f.add('status', `must be one of ${INQUIRY_STATUSES.join(', ')}`);
    const q = f.text('q', filter.q, { max: SEARCH_MAX }).toLowerCase();
    const owner = f.text('owner', filter.owner, { max: 64 });
    f.throwIfAny('The filter is not valid');
    // LIKE metacharacters in the search text are matched literally.
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    let base = this.db.selectFrom('license_inquiries as i');
    if (owner === 'none') base = base.where('i.owner_id', 'is', null);
    else if (owner !== '') base = base.where('i.owner_id', '=', owner);
    if (q !== '') base = base.where(sql<boolean>`(lower(i.organisation) like ${pattern} escape '\\' or lower(i.email) like ${pattern} escape '\\' or lower(i.name) like ${pattern} escape '\\')`);
    const countRows = await base.select(['i.status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('i.status').execute();
    const counts: Record<InquiryStatus, number> = { new: 0, contacted: 0, negotiating: 0, licensed: 0, declined: 0 };
    for (const r of countRows) counts[r.status] = Number(r.n);
    const filtered = filter.status ? base.where('i.status', '=', filter.status) : base;
    const total = filter.status ? counts[filter.status] : Object.values(counts).reduce((a, b) => a + b, 0);
    const rows = await filtered
      .leftJoin('users as u', 'u.id', 'i.owner_id')
      .selectAll('i')
      .select('u.name as owner_name')
      .orderBy('i.created_at', 'desc')
      .orderBy('i.id', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 50, 1), 500))
      .offset(Math.max(filter.offset ?? 0, 0))
      .execute();
    return { items: rows.map(toInquiry), total, counts };
  }

  private async row(id: unknown, trx?: Transaction<DB>): Promise<Inquiry> {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new AppError('NOT_FOUND', 'No such inquiry.');
    const r = await (trx ?? this.db)
      .selectFrom('license_inquiries as i')
      .leftJoin('users as u', 'u.id', 'i.owner_id')
      .selectAll('i')
      .select('u.name as owner_name')
      .where('i.id', '=', id)
      .executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', 'No such inquiry.');
    return toInquiry(r);
  }

  async get(actor: Actor, id: unknown): Promise<Inquiry & { history: InquiryEvent[] }> {
    assertCan(actor, 'licensing.manage');
    const inquiry = await this.row(id);
    return { ...inquiry, history: await this.history(inquiry.id) };
  }

  /** Oldest first, so the timeline reads as it happened. */
  async history(id: string): Promise<InquiryEvent[]> {
    const rows = await this.db
      .selectFrom('license_inquiry_events as e')
      .leftJoin('mail_outbox as m', 'm.id', 'e.mail_id')
      .selectAll('e')
      .select(['m.subject as mail_subject', 'm.status as mail_status'])
      .where('e.inquiry_id', '=', id)
      .orderBy('e.created_at')
      .orderBy('e.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      actorId: r.actor_id,
      actorLabel: r.actor_label,
      from: r.from_value,
      to: r.to_value,
      note: r.note,
      mail: r.mail_id && r.mail_subject !== null && r.mail_status !== null ? { id: r.mail_id, subject: r.mail_subject, status: r.mail_status } : null,
      createdAt: r.created_at,
    }));
  }

  /**
   * Applies a change computed from the current row with one conditional UPDATE. With an
   * expected revision a mismatch is a conflict; without one the change is recomputed against
   * the fresh row (last write wins, but every write is whole).
   */
  private async mutate(
    actor: Actor,
    id: string,
    expected: number | undefined,
    compute: (current: Inquiry) => { set: Partial<Row>; events: NewEvent[] },
    within?: (trx: Transaction<DB>, current: Inquiry) => Promise<NewEvent[]>,
    action = 'license_inquiry.update',
  ): Promise<{ inquiry: Inquiry; changed: boolean }> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const current = await this.row(id);
      if (expected !== undefined && current.revision !== expected) throw new AppError('CONFLICT', STALE_MESSAGE, { details: { revision: [`is ${expected}; the inquiry is now at revision ${current.revision}`] } });
      const { set, events } = compute(current);
      if (events.length === 0 && !within) return { inquiry: current, changed: false };
      const now = new Date().toISOString();
      const won = await this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('license_inquiries')
          .set({ ...set, updated_at: now, revision: current.revision + 1 })
          .where('id', '=', id)
          .where('revision', '=', current.revision)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        const extra = within ? await within(trx, current) : [];
        const all = [...extra, ...events];
        let i = 0;
        for (const e of all) {
          // Same-transaction events share a timestamp; the id order keeps them in sequence.
          await trx
            .insertInto('license_inquiry_events')
            .values({
              id: `${newId()}`,
              inquiry_id: id,
              kind: e.kind,
              actor_id: actor.id,
              actor_label: actor.label,
              from_value: e.from ?? null,
              to_value: e.to ?? null,
              note: e.note ?? null,
              mail_id: e.mailId ?? null,
              created_at: new Date(Date.parse(now) + i++).toISOString(),
            })
            .execute();
        }
        await recordAudit(trx, actor, action, { type: 'license_inquiry', id }, {
          revision: current.revision + 1,
          changes: all.map((e) => ({ kind: e.kind, from: e.from ?? null, to: e.to ?? null })),
        });
        return true;
      });
      if (won) return { inquiry: await this.row(id), changed: true };
      if (expected !== undefined) {
        const fresh = await this.row(id);
        throw new AppError('CONFLICT', STALE_MESSAGE, { details: { revision: [`is ${expected}; the inquiry is now at revision ${fresh.revision}`] } });
      }
    }
    throw new AppError('CONFLICT', 'The inquiry is changing too often to apply this change; reload and try again.');
  }

  async update(actor: Actor, id: unknown, input: UpdateInput): Promise<Inquiry & { history: InquiryEvent[] }> {
    assertCan(actor, 'licensing.manage');
    const current = await this.row(id);
    const f = new Fields();
    let status: InquiryStatus | undefined;
    if (input.status !== undefined && input.status !== null && input.status !== '') {
      if (typeof input.status !== 'string' || !(INQUIRY_STATUSES as readonly string[]).includes(input.status)) f.add('status', `must be one of ${INQUIRY_STATUSES.join(', ')}`);
      // Naming the status it already has (a licensed inquiry's form sends it back) changes nothing.
      else if (input.status === 'licensed' && current.status !== 'licensed') f.add('status', 'cannot be set by hand: an inquiry becomes licensed when a license is created for it');
      else status = input.status as InquiryStatus;
    }
    let owner: string | null | undefined;
    if (input.owner === null || input.owner === '') owner = null;
    else if (input.owner !== undefined) {
      if (typeof input.owner !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(input.owner)) f.add('owner', 'must be the id of a staff user');
      else {
        const ok = await this.db.selectFrom('users').select('id').where('id', '=', input.owner).where('status', '=', 'active').where('role', 'in', ['editor', 'admin']).executeTakeFirst();
        if (!ok) f.add('owner', 'must be an active editor or admin');
        else owner = input.owner;
      }
    }
    const note = f.text('note', input.note, { max: NOTE_MAX });
    const revision = parseRevision(f, input.revision);
    f.throwIfAny('The change needs attention');
    if (status !== undefined && status !== current.status && !TRANSITIONS[current.status].includes(status) && (revision === undefined || revision === current.revision)) {
      throw new AppError('INVALID_TRANSITION', current.status === 'licensed' ? 'This inquiry is licensed; its status now follows the license.' : `A ${current.status} inquiry cannot move to ${status}.`, {
        details: { status: [`cannot go from ${current.status} to ${status}`] },
      });
    }
    const result = await this.mutate(actor, current.id, revision, (c) => {
      const set: Partial<Row> = {};
      const events: NewEvent[] = [];
      if (status !== undefined && status !== c.status) {
        if (!TRANSITIONS[c.status].includes(status)) {
          throw new AppError('INVALID_TRANSITION', `A ${c.status} inquiry cannot move to ${status}.`, { details: { status: [`cannot go from ${c.status} to ${status}`] } });
        }
        set.status = status;
        set.status_changed_at = new Date().toISOString();
        events.push({ kind: 'status', from: c.status, to: status });
      }
      if (owner !== undefined && owner !== c.owner) {
        set.owner_id = owner;
        events.push({ kind: 'owner', from: c.owner, to: owner });
      }
      if (note !== '') events.push({ kind: 'note', note });
      return { set, events };
    });
    return { ...result.inquiry, history: await this.history(result.inquiry.id) };
  }

  /** Queues an email to the inquirer (held in the outbox without SMTP) and keeps it in the history. */
  async email(actor: Actor, id: unknown, input: EmailInput): Promise<{ inquiry: Inquiry & { history: InquiryEvent[] }; mailId: string }> {
    assertCan(actor, 'licensing.manage');
    const current = await this.row(id);
    const f = new Fields();
    const subject = f.text('subject', input.subject, { required: true, max: SUBJECT_MAX });
    if (/[\r\n]/.test(subject)) f.add('subject', 'must be one line');
    const body = f.text('body', input.body, { required: true, max: BODY_MAX });
    const revision = parseRevision(f, input.revision);
    f.throwIfAny('The email needs attention');
    let mailId = '';
    const result = await this.mutate(
      actor,
      current.id,
      revision,
      (c) => {
        // The first email is the first contact.
        if (c.status !== 'new') return { set: {}, events: [] };
        return { set: { status: 'contacted', status_changed_at: new Date().toISOString() }, events: [{ kind: 'status', from: 'new', to: 'contacted' }] };
      },
      async (trx, c) => {
        mailId = await this.services.mailer.enqueue(trx, { to: c.email, subject, text: body });
        return [{ kind: 'email', to: c.email, mailId }];
      },
      'license_inquiry.email',
    );
    this.services.mailer.flushLater([mailId]);
    return { inquiry: { ...result.inquiry, history: await this.history(result.inquiry.id) }, mailId };
  }

  /**
   * Inside the transaction that creates a license: the inquiry becomes `licensed` (if it was not
   * already: a licensed inquiry may get further licenses), names its partner, and its history
   * gets a `license` event naming the reference. One conditional UPDATE on the revision read in
   * the same transaction; `expected` (the revision the editor loaded) makes a change made
   * meanwhile a CONFLICT. Returns false when the row moved between the read and the UPDATE, for
   * the caller to retry the whole transaction.
   */
  async markLicensed(
    trx: Transaction<DB>,
    actor: Actor,
    inquiryId: string,
    license: { reference: string; partnerId: string; expected?: number | undefined; now: string },
  ): Promise<boolean> {
    const current = await this.row(inquiryId, trx);
    if (license.expected !== undefined && current.revision !== license.expected) {
      throw new AppError('CONFLICT', STALE_MESSAGE, { details: { revision: [`is ${license.expected}; the inquiry is now at revision ${current.revision}`] } });
    }
    if (current.status === 'declined') throw new AppError('INVALID_TRANSITION', 'This inquiry is declined; reopen it (status negotiating) before licensing it.', { details: { status: ['is declined'] } });
    const set: Partial<Row> = { partner_id: license.partnerId, updated_at: license.now, revision: current.revision + 1 };
    const events: NewEvent[] = [];
    if (current.status !== 'licensed') {
      set.status = 'licensed';
      set.status_changed_at = license.now;
      events.push({ kind: 'status', from: current.status, to: 'licensed' });
    }
    events.push({ kind: 'license', to: license.reference });
    const r = await trx.updateTable('license_inquiries').set(set).where('id', '=', current.id).where('revision', '=', current.revision).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    let i = 0;
    for (const e of events) {
      await trx
        .insertInto('license_inquiry_events')
        .values({
          id: newId(),
          inquiry_id: current.id,
          kind: e.kind,
          actor_id: actor.id,
          actor_label: actor.label,
          from_value: e.from ?? null,
          to_value: e.to ?? null,
          note: null,
          mail_id: null,
          created_at: new Date(Date.parse(license.now) + i++).toISOString(),
        })
        .execute();
    }
    return true;
  }

  /** The greeting the email form starts with. */
  async greeting(inquiry: Inquiry): Promise<{ subject: string; body: string }> {
    const settings = await this.services.settings.get();
    return {
      subject: `Licensing ${settings.siteName} reporting for ${inquiry.organisation}`,
      body: [`Hello ${inquiry.name},`, '', `Thank you for your interest in licensing ${settings.siteName} reporting for ${inquiry.organisation}.`, '', '', `—\n${settings.siteName}`].join('\n'),
    };
  }
}
