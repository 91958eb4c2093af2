/**
 * The newsroom's side of the tip line: listing, reading, answering, assigning, labelling and
 * deleting conversations. Everything here handles ciphertext and metadata only; editors' browsers
 * open the messages with the passphrase-sealed key (public/tips/inbox.js), so the server never
 * sees a tip or a reply in the clear.
 *
 * Every method checks `tips.read` itself (routes may be reached by anyone logged in), validates its
 * input and throws AppErrors. Editors' changes (status, labels, assignee) use optimistic concurrency
 * on `revision`: a stale edit is a CONFLICT, never a silent overwrite of a colleague's change.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, TipStatus } from '../db/schema.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { assertCan, type Actor } from '../users/permissions.js';
import { Fields } from '../util/validate.js';
import { likeContains } from '../util/like.js';
import type { Services } from '../services.js';
import { loadSodium, tipCrypto } from './sodium.js';

export const PAGE_SIZE = 50;
export const MAX_LABELS = 10;
export const MAX_LABEL_LENGTH = 32;
/** Letters, digits, spaces, hyphens, dots and underscores: no markup, no separators, no wildcards surprises. */
const LABEL_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A sealed reply of MAX_TEXT characters (up to 4 bytes each in UTF-8), padded, in base64. */
const MAX_SEALED_BASE64 = Math.ceil(((tipCrypto.MAX_TEXT * 4 + 4096) / 3) * 4);

export interface TipUser {
  id: string;
  email: string;
  name: string;
}

export interface TipSummary {
  id: string;
  status: TipStatus;
  unread: boolean;
  labels: string[];
  assignee: TipUser | null;
  /** Whole hours, ISO 8601 UTC. */
  receivedAt: string;
  lastSourceAt: string;
  lastReplyAt: string | null;
  lastActivityAt: string;
  messageCount: number;
  attachmentCount: number;
  totalBytes: number;
  revision: number;
}

export interface TipMessageView {
  id: string;
  seq: number;
  author: 'source' | 'newsroom';
  /** The newsroom key the message is sealed to. */
  keyId: string;
  /** Where a source's message was encrypted: in the source's browser, or by the server (no-JavaScript form). */
  encryptedIn: 'browser' | 'server';
  authorEmail: string | null;
  receivedAt: string;
  /** base64 sealed box to the newsroom key. */
  sealed: string;
  attachments: Array<{ id: string; position: number; size: number }>;
}

export interface TipDetail extends TipSummary {
  /** base64 X25519 public key replies to the source are sealed to. */
  replyPublicKey: string;
  messages: TipMessageView[];
}

export interface ListFilter {
  status?: unknown;
  label?: unknown;
  assignee?: unknown;
  page?: unknown;
}

function parseLabels(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function latest(a: string, b: string | null): string {
  return b !== null && b > a ? b : a;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new AppError('NOT_FOUND', 'There is no such tip (it may have been deleted).');
  return id;
}

/** Labels from a list or a comma-separated text; each short and plain. */
export function normaliseLabels(f: Fields, value: unknown): string[] {
  let items: unknown[];
  if (typeof value === 'string') {
    if (value.length > MAX_LABELS * (MAX_LABEL_LENGTH + 2)) {
      f.add('labels', `must be at most ${MAX_LABELS} labels of at most ${MAX_LABEL_LENGTH} characters`);
      return [];
    }
    items = value.split(',');
  } else if (Array.isArray(value)) {
    if (value.length > MAX_LABELS * 2) {
      f.add('labels', `must be at most ${MAX_LABELS} labels`);
      return [];
    }
    items = value;
  } else {
    f.add('labels', 'must be a list of labels or comma-separated text');
    return [];
  }
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      f.add('labels', 'must be text');
      return [];
    }
    if (item.length > MAX_LABEL_LENGTH + 20) {
      f.add('labels', `each label must be at most ${MAX_LABEL_LENGTH} characters`);
      return [];
    }
    const label = item.trim().replace(/ {2,}/g, ' ').toLowerCase();
    if (label === '') continue;
    if (label.length > MAX_LABEL_LENGTH) {
      f.add('labels', `each label must be at most ${MAX_LABEL_LENGTH} characters`);
      return [];
    }
    if (!LABEL_PATTERN.test(label)) {
      f.add('labels', 'may contain only letters, digits, spaces, dots, hyphens and underscores, starting with a letter or digit');
      return [];
    }
    if (!out.includes(label)) out.push(label);
  }
  if (out.length > MAX_LABELS) f.add('labels', `must be at most ${MAX_LABELS} labels`);
  return out;
}

export class TipInbox {
  private readonly db: Kysely<DB>;

  constructor(private readonly services: Services) {
    this.db = services.database.db;
  }

  /** People who may read tips (the choices for an assignee), active accounts only. */
  async readers(actor: Actor): Promise<TipUser[]> {
    assertCan(actor, 'tips.read');
    return this.db
      .selectFrom('users')
      .select(['id', 'email', 'name'])
      .where('tips_access', '=', 1)
      .where('status', '=', 'active')
      .orderBy('email')
      .execute();
  }

  async list(actor: Actor, filter: ListFilter = {}): Promise<{ items: TipSummary[]; page: number; pageSize: number; hasMore: boolean }> {
    assertCan(actor, 'tips.read');
    const f = new Fields();
    const status = filter.status === undefined || filter.status === '' ? 'all' : filter.status;
    if (status !== 'all' && status !== 'new' && status !== 'open' && status !== 'closed' && status !== 'active') {
      f.add('status', 'must be all, active, new, open or closed');
    }
    let label = '';
    if (filter.label !== undefined && filter.label !== '') {
      const labels = normaliseLabels(f, filter.label);
      if (labels.length > 1) f.add('label', 'filter by one label at a time');
      label = labels[0] ?? '';
    }
    const assignee = filter.assignee === undefined || filter.assignee === '' ? 'anyone' : filter.assignee;
    if (typeof assignee !== 'string' || (assignee !== 'anyone' && assignee !== 'me' && assignee !== 'nobody' && !ID_PATTERN.test(assignee))) {
      f.add('assignee', 'must be anyone, me, nobody or a user id');
    }
    let page = 1;
    if (filter.page !== undefined && filter.page !== '') {
      page = typeof filter.page === 'string' && /^[0-9]{1,6}$/.test(filter.page) ? Number(filter.page) : typeof filter.page === 'number' ? filter.page : NaN;
      if (!Number.isSafeInteger(page) || page < 1 || page > 100_000) f.add('page', 'must be a whole number from 1');
    }
    f.throwIfAny('The filter is not valid.');

    let q = this.db
      .selectFrom('tip_conversations as c')
      .leftJoin('users as u', 'u.id', 'c.assignee_id')
      .select([
        'c.id', 'c.status', 'c.unread', 'c.labels', 'c.assignee_id', 'c.received_at', 'c.last_source_at', 'c.last_reply_at',
        'c.message_count', 'c.attachment_count', 'c.total_bytes', 'c.revision', 'u.email as assignee_email', 'u.name as assignee_name',
      ]);
    if (status === 'active') q = q.where('c.status', '!=', 'closed');
    else if (status !== 'all') q = q.where('c.status', '=', status as TipStatus);
    // The label's JSON form, quotes included, so "tax" does not match "taxes".
    if (label) q = q.where(likeContains(sql.ref('c.labels'), JSON.stringify(label)));
    if (assignee === 'me') q = q.where('c.assignee_id', '=', actor.id ?? '');
    else if (assignee === 'nobody') q = q.where('c.assignee_id', 'is', null);
    else if (assignee !== 'anyone') q = q.where('c.assignee_id', '=', assignee as string);
    const rows = await q
      .orderBy('c.last_source_at', 'desc')
      .orderBy('c.id')
      .limit(PAGE_SIZE + 1)
      .offset((page - 1) * PAGE_SIZE)
      .execute();
    const items = rows.slice(0, PAGE_SIZE).map((r) => this.summary(r));
    return { items, page, pageSize: PAGE_SIZE, hasMore: rows.length > PAGE_SIZE };
  }

  private summary(r: {
    id: string; status: TipStatus; unread: number; labels: string; assignee_id: string | null; received_at: string; last_source_at: string;
    last_reply_at: string | null; message_count: number; attachment_count: number; total_bytes: number; revision: number;
    assignee_email: string | null; assignee_name: string | null;
  }): TipSummary {
    return {
      id: r.id,
      status: r.status,
      unread: Number(r.unread) === 1,
      labels: parseLabels(r.labels),
      assignee: r.assignee_id && r.assignee_email ? { id: r.assignee_id, email: r.assignee_email, name: r.assignee_name ?? '' } : null,
      receivedAt: r.received_at,
      lastSourceAt: r.last_source_at,
      lastReplyAt: r.last_reply_at,
      lastActivityAt: latest(r.last_source_at, r.last_reply_at),
      messageCount: Number(r.message_count),
      attachmentCount: Number(r.attachment_count),
      totalBytes: Number(r.total_bytes),
      revision: Number(r.revision),
    };
  }

  private async summaryOf(id: string): Promise<(TipSummary & { replyPublicKey: string }) | undefined> {
    const r = await this.db
      .selectFrom('tip_conversations as c')
      .leftJoin('users as u', 'u.id', 'c.assignee_id')
      .select([
        'c.id', 'c.status', 'c.unread', 'c.labels', 'c.assignee_id', 'c.received_at', 'c.last_source_at', 'c.last_reply_at',
        'c.message_count', 'c.attachment_count', 'c.total_bytes', 'c.revision', 'c.reply_public_key', 'u.email as assignee_email', 'u.name as assignee_name',
      ])
      .where('c.id', '=', id)
      .executeTakeFirst();
    return r ? { ...this.summary(r), replyPublicKey: r.reply_public_key } : undefined;
  }

  /**
   * One conversation with its messages (ciphertext, base64). Opening it clears `unread` and
   * moves a new tip to open; that is bookkeeping, not an editor's edit, so `revision` stays.
   */
  async get(actor: Actor, rawId: unknown): Promise<TipDetail> {
    assertCan(actor, 'tips.read');
    const id = checkId(rawId);
    const conversation = await this.summaryOf(id);
    if (!conversation) throw new AppError('NOT_FOUND', 'There is no such tip (it may have been deleted).');
    await this.db
      .updateTable('tip_conversations')
      .set({ unread: 0, status: sql`case when status = 'new' then 'open' else status end` })
      .where('id', '=', id)
      .execute();
    const [messages, attachments, authors] = await Promise.all([
      this.services.tipStore.messages(id),
      this.services.tipStore.attachments(id),
      this.db
        .selectFrom('tip_messages as m')
        .innerJoin('users as u', 'u.id', 'm.author_user_id')
        .select(['m.id', 'u.email'])
        .where('m.conversation_id', '=', id)
        .execute(),
    ]);
    const emails = new Map(authors.map((a) => [a.id, a.email]));
    const fresh = (await this.summaryOf(id)) ?? conversation;
    return {
      ...fresh,
      messages: messages.map((m) => ({
        id: m.id,
        seq: Number(m.seq),
        author: m.author,
        keyId: m.key_id,
        encryptedIn: m.encrypted_in,
        authorEmail: emails.get(m.id) ?? null,
        receivedAt: m.received_at,
        sealed: m.sealed.toString('base64'),
        attachments: attachments.filter((a) => a.message_id === m.id).map((a) => ({ id: a.id, position: Number(a.position), size: Number(a.size) })),
      })),
    };
  }

  /** One attachment's ciphertext, if it belongs to the conversation. */
  async attachment(actor: Actor, rawConversationId: unknown, rawAttachmentId: unknown): Promise<Buffer> {
    assertCan(actor, 'tips.read');
    const conversationId = checkId(rawConversationId);
    const attachmentId = typeof rawAttachmentId === 'string' && ID_PATTERN.test(rawAttachmentId) ? rawAttachmentId : '';
    const row = attachmentId ? await this.services.tipStore.attachmentData(attachmentId) : undefined;
    if (!row || row.conversation_id !== conversationId) throw new AppError('NOT_FOUND', 'There is no such attachment (the tip may have been deleted).');
    return row.data;
  }

  /**
   * Stores a reply sealed in the editor's browser twice: to the source's reply key and to the
   * active newsroom key (so colleagues can read what was said). The server can check only the
   * shape of both boxes; it cannot read either.
   */
  async reply(actor: Actor, rawId: unknown, input: unknown): Promise<{ messageId: string }> {
    assertCan(actor, 'tips.read');
    const id = checkId(rawId);
    const body = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
    const sodium = await loadSodium();
    const f = new Fields();
    const boxes: Record<'sealed' | 'sealedForSource', Uint8Array | undefined> = { sealed: undefined, sealedForSource: undefined };
    for (const field of ['sealed', 'sealedForSource'] as const) {
      const value = body[field];
      if (typeof value !== 'string' || value === '') {
        f.add(field, 'is required (a sealed message, base64)');
        continue;
      }
      if (value.length > MAX_SEALED_BASE64) {
        f.add(field, 'is too long');
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = tipCrypto.fromBase64(sodium, value, field);
      } catch {
        f.add(field, 'must be base64 (standard alphabet, padded)');
        continue;
      }
      if (!tipCrypto.looksSealed(sodium, bytes)) f.add(field, 'is not a sealed message of the tip line format');
      else boxes[field] = bytes;
    }
    if (typeof body.keyId !== 'string' || body.keyId.length > 64) f.add('keyId', 'is required (the id of the key the reply was sealed to)');
    f.throwIfAny('The reply could not be stored.');
    const active = await this.services.tipKeys.active();
    if (!active) throw new AppError('CONFLICT', 'The tip line has no active key.');
    if (body.keyId !== active.id) {
      throw new AppError('CONFLICT', 'The tip line’s key was rotated since you unlocked the inbox. Lock it, unlock it again with the new passphrase and resend your reply.');
    }
    const conversation = await this.services.tipStore.conversation(id);
    if (!conversation) throw new AppError('NOT_FOUND', 'There is no such tip (it may have been deleted).');
    const stored = await this.services.tipStore.addReply(id, { keyId: active.id, sealed: boxes.sealed!, sealedForSource: boxes.sealedForSource!, authorUserId: actor.id });
    await recordAudit(this.db, actor, 'tips.replied', { type: 'tip', id }, { message: stored.messageId });
    return stored;
  }

  /** Changes status, labels and/or assignee if `revision` is still current. */
  async update(actor: Actor, rawId: unknown, input: unknown): Promise<TipSummary> {
    assertCan(actor, 'tips.read');
    const id = checkId(rawId);
    const body = (input && typeof input === 'object' && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
    const f = new Fields();
    const patch: { status?: TipStatus; labels?: string; assignee_id?: string | null } = {};
    const revision = body.revision;
    if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) f.add('revision', 'is required: the revision of the tip you edited (a whole number)');
    for (const key of Object.keys(body)) {
      // Named in the message, not as an error key: a key such as "constructor" must not index the errors object.
      if (!['revision', 'status', 'labels', 'assigneeId'].includes(key)) f.add('body', `has a field this form does not know: ${JSON.stringify(key.slice(0, 40))}`);
    }
    if (body.status !== undefined) {
      if (body.status !== 'open' && body.status !== 'closed') f.add('status', 'must be open or closed');
      else patch.status = body.status;
    }
    if (body.labels !== undefined) patch.labels = JSON.stringify(normaliseLabels(f, body.labels));
    let assignee: TipUser | null | undefined;
    if (body.assigneeId !== undefined) {
      if (body.assigneeId === null || body.assigneeId === '') {
        patch.assignee_id = null;
        assignee = null;
      } else if (typeof body.assigneeId !== 'string' || body.assigneeId.length > 64) {
        f.add('assigneeId', 'must be the id of a user who may read tips, or empty');
      } else {
        const user = await this.db
          .selectFrom('users')
          .select(['id', 'email', 'name'])
          .where('id', '=', body.assigneeId)
          .where('tips_access', '=', 1)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (!user) f.add('assigneeId', 'must be an active user who may read tips');
        else {
          patch.assignee_id = user.id;
          assignee = user;
        }
      }
    }
    if (Object.keys(patch).length === 0 && !f.errors.revision) f.add('status', 'nothing to change: send status, labels or assigneeId');
    f.throwIfAny('The change could not be saved.');

    await this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('tip_conversations').select(['assignee_id', 'status']).where('id', '=', id).executeTakeFirst();
      if (!before) throw new AppError('NOT_FOUND', 'There is no such tip (it may have been deleted).');
      const r = await trx
        .updateTable('tip_conversations')
        .set({ ...patch, revision: sql`revision + 1` })
        .where('id', '=', id)
        .where('revision', '=', revision as number)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        throw new AppError('CONFLICT', 'Someone changed this tip after you opened it. Reload it to see their change, then make yours again.');
      }
      if (assignee !== undefined && before.assignee_id !== (assignee?.id ?? null)) {
        await recordAudit(trx, actor, 'tips.assigned', { type: 'tip', id }, { assignee: assignee?.id ?? null });
      }
      if (patch.status && patch.status !== before.status) await recordAudit(trx, actor, 'tips.status_changed', { type: 'tip', id }, { status: patch.status });
    });
    return (await this.summaryOf(id))!;
  }

  /** Deletes a conversation with every message and attachment (see TipStore.delete). */
  async delete(actor: Actor, rawId: unknown): Promise<void> {
    assertCan(actor, 'tips.read');
    const id = checkId(rawId);
    const deleted = await this.services.tipStore.delete(id);
    if (!deleted) throw new AppError('NOT_FOUND', 'There is no such tip (it may have been deleted already).');
    await recordAudit(this.db, actor, 'tips.deleted', { type: 'tip', id });
  }
}
