/**
 * The tip line's storage: conversations, messages and attachments, ciphertext only.
 *
 * Rules every caller relies on:
 * - Ids are random (UUID v4), never time-ordered: a time-ordered id would keep the exact moment
 *   a source wrote, which the hour-rounded times below exist to forget.
 * - Times are whole hours (hourOf).
 * - Nothing about the sender (address, agent, referrer) is ever passed in, so none can be stored.
 * - Every write is one transaction: a tip is either stored with all its attachments or not at all.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, TipConversationsTable, TipMessagesTable } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';

export type TipConversationRow = Selectable<TipConversationsTable>;
export type TipMessageRow = Omit<Selectable<TipMessagesTable>, 'sealed' | 'sealed_for_source'> & { sealed: Buffer; sealed_for_source: Buffer | null };

/** The start of the hour `at` falls in, as ISO 8601 (UTC). */
export function hourOf(at: Date = new Date()): string {
  const d = new Date(at);
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString();
}

export function tipId(): string {
  return randomUUID();
}

/** A source's message as it is stored: sealed to a newsroom key, attachments as ciphertext. */
export interface SourceMessage {
  keyId: string;
  sealed: Uint8Array;
  encryptedIn: 'browser' | 'server';
  attachments: readonly Uint8Array[];
}

export interface NewsroomReply {
  keyId: string;
  /** Sealed to the newsroom key (so editors can read their own replies). */
  sealed: Uint8Array;
  /** Sealed to the conversation's reply key (so the source can). */
  sealedForSource: Uint8Array;
  authorUserId: string | null;
}

export class TipStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
  ) {}

  async findByLookup(lookup: string): Promise<TipConversationRow | undefined> {
    return this.db.selectFrom('tip_conversations').selectAll().where('lookup', '=', lookup).executeTakeFirst();
  }

  async conversation(id: string): Promise<TipConversationRow | undefined> {
    return this.db.selectFrom('tip_conversations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Adds a source's message to the conversation found by `lookup`, creating the conversation if
   * there is none (a new tip, or a follow-up after the newsroom deleted the conversation: either
   * way nothing the source sent is dropped). Returns the conversation's id.
   */
  async addSourceMessage(
    lookup: string,
    replyPublicKey: string,
    message: SourceMessage,
    opts: { formToken?: { hash: string; expiresAt: Date }; now?: Date } = {},
  ): Promise<{ conversationId: string; created: boolean }> {
    const now = opts.now ?? new Date();
    const hour = hourOf(now);
    const bytes = message.attachments.reduce((n, a) => n + a.length, 0);
    const attempt = () =>
      this.db.transaction().execute(async (trx) => {
        // The one-time form token is spent in the same transaction as the message is stored: a
        // replay is refused, and a failed store leaves the token usable for the source's retry.
        if (opts.formToken) {
          const used = await trx.selectFrom('tip_submission_tokens').select('token_hash').where('token_hash', '=', opts.formToken.hash).executeTakeFirst();
          if (used) throw new AppError('CONFLICT', 'This form was already sent. Your message was received once; there is no need to send it again.');
          await trx.deleteFrom('tip_submission_tokens').where('expires_at', '<', now.toISOString()).execute();
          await trx.insertInto('tip_submission_tokens').values({ token_hash: opts.formToken.hash, expires_at: opts.formToken.expiresAt.toISOString() }).execute();
        }
        let conversation = await trx.selectFrom('tip_conversations').select(['id', 'message_count']).where('lookup', '=', lookup).executeTakeFirst();
        let created = false;
        if (!conversation) {
          conversation = { id: tipId(), message_count: 0 };
          created = true;
          await trx
            .insertInto('tip_conversations')
            .values({ id: conversation.id, lookup, reply_public_key: replyPublicKey, status: 'new', received_at: hour, last_source_at: hour })
            .execute();
        }
        const last = await trx
          .selectFrom('tip_messages')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .where('conversation_id', '=', conversation.id)
          .executeTakeFirst();
        const seq = Number(last?.seq ?? 0) + 1;
        const messageId = tipId();
        await trx
          .insertInto('tip_messages')
          .values({
            id: messageId,
            conversation_id: conversation.id,
            seq,
            author: 'source',
            key_id: message.keyId,
            sealed: Buffer.from(message.sealed),
            sealed_for_source: null,
            encrypted_in: message.encryptedIn,
            author_user_id: null,
            attachment_count: message.attachments.length,
            received_at: hour,
          })
          .execute();
        for (const [position, data] of message.attachments.entries()) {
          await trx
            .insertInto('tip_attachments')
            .values({ id: tipId(), message_id: messageId, conversation_id: conversation.id, position, size: data.length, data: Buffer.from(data) })
            .execute();
        }
        await trx
          .updateTable('tip_conversations')
          .set({
            message_count: sql`message_count + 1`,
            attachment_count: sql`attachment_count + ${message.attachments.length}`,
            total_bytes: sql`total_bytes + ${bytes + message.sealed.length}`,
            last_source_at: hour,
            unread: 1,
            // A closed conversation the source writes to again needs the newsroom's eyes.
            status: sql`case when status = 'closed' then 'open' else status end`,
          })
          .where('id', '=', conversation.id)
          .execute();
        return { conversationId: conversation.id, created };
      });
    try {
      return await attempt();
    } catch (err) {
      // Two first messages under one codename at once: the second finds the first's conversation.
      if (this.dialect.isUniqueViolation(err)) return attempt();
      throw err;
    }
  }

  /** Stores a newsroom reply. */
  async addReply(conversationId: string, reply: NewsroomReply, now: Date = new Date()): Promise<{ messageId: string }> {
    const hour = hourOf(now);
    return this.db.transaction().execute(async (trx) => {
      const conversation = await trx.selectFrom('tip_conversations').select('id').where('id', '=', conversationId).executeTakeFirst();
      if (!conversation) throw new AppError('NOT_FOUND', 'This tip no longer exists.');
      const last = await trx.selectFrom('tip_messages').select((eb) => eb.fn.max('seq').as('seq')).where('conversation_id', '=', conversationId).executeTakeFirst();
      const messageId = tipId();
      await trx
        .insertInto('tip_messages')
        .values({
          id: messageId,
          conversation_id: conversationId,
          seq: Number(last?.seq ?? 0) + 1,
          author: 'newsroom',
          key_id: reply.keyId,
          sealed: Buffer.from(reply.sealed),
          sealed_for_source: Buffer.from(reply.sealedForSource),
          encrypted_in: 'browser',
          author_user_id: reply.authorUserId,
          attachment_count: 0,
          received_at: hour,
        })
        .execute();
      await trx
        .updateTable('tip_conversations')
        .set({ message_count: sql`message_count + 1`, last_reply_at: hour, status: sql`case when status = 'new' then 'open' else status end` })
        .where('id', '=', conversationId)
        .execute();
      return { messageId };
    });
  }

  /** A conversation's messages in order (ciphertext). */
  async messages(conversationId: string): Promise<TipMessageRow[]> {
    const rows = await this.db.selectFrom('tip_messages').selectAll().where('conversation_id', '=', conversationId).orderBy('seq').execute();
    return rows.map((r) => ({ ...r, sealed: Buffer.from(r.sealed), sealed_for_source: r.sealed_for_source ? Buffer.from(r.sealed_for_source) : null }));
  }

  /** Attachment descriptors of a conversation (no data), by message and position. */
  async attachments(conversationId: string): Promise<Array<{ id: string; message_id: string; position: number; size: number }>> {
    return this.db
      .selectFrom('tip_attachments')
      .select(['id', 'message_id', 'position', 'size'])
      .where('conversation_id', '=', conversationId)
      .orderBy('message_id')
      .orderBy('position')
      .execute();
  }

  /** One attachment's ciphertext. */
  async attachmentData(id: string): Promise<{ conversation_id: string; message_id: string; position: number; data: Buffer } | undefined> {
    const row = await this.db.selectFrom('tip_attachments').select(['conversation_id', 'message_id', 'position', 'data']).where('id', '=', id).executeTakeFirst();
    return row ? { ...row, data: Buffer.from(row.data) } : undefined;
  }

  /** Deletes a conversation with its messages and attachments (foreign keys cascade). */
  async delete(conversationId: string): Promise<boolean> {
    const r = await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('tip_attachments').where('conversation_id', '=', conversationId).execute();
      await trx.deleteFrom('tip_messages').where('conversation_id', '=', conversationId).execute();
      return trx.deleteFrom('tip_conversations').where('id', '=', conversationId).executeTakeFirst();
    });
    // secure_delete zeroes the freed pages, but in WAL mode the old page images stay in the
    // write-ahead log until a checkpoint copies the new ones back: do it now (best effort; a
    // reader holding an old snapshot can delay it to the next checkpoint).
    if (this.dialect.name === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(this.db);
    return Number(r.numDeletedRows) > 0;
  }
}
