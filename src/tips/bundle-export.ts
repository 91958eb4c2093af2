/**
 * Writes the tip line, as stored (ciphertext only), into a bundle directory (format in bundle.ts).
 *
 * The whole export reads one snapshot of the database (a read transaction: repeatable read on
 * PostgreSQL, a WAL snapshot on SQLite), so a tip that arrives or is deleted meanwhile is either
 * in the bundle whole or not at all, while the server keeps serving and writing. Attachments are
 * fetched and written one at a time, so memory holds at most one attachment, never the archive.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.js';
import { hourOf } from './store.js';
import { keyInfo } from './keys.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  KEYS_FILE,
  MANIFEST_FILE,
  README_FILE,
  README_TEXT,
  attachmentFile,
  messageFile,
  tipDir,
  tipFile,
  type BundleFileEntry,
  type BundleKey,
  type BundleManifest,
  type BundleMessage,
  type BundleTip,
} from './bundle.js';

/** Below this many attachment bytes an export is quick enough to need no progress lines. */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;

export interface ExportProgress {
  (line: string): void;
}

function parseLabels(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((l): l is string => typeof l === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Writes the bundle into `dir`, which must exist and be empty (the caller writes into a temporary
 * directory and renames it). Returns the manifest written.
 */
export async function writeBundle(database: Database, dir: string, progress: ExportProgress = () => undefined): Promise<BundleManifest> {
  const files: Record<string, BundleFileEntry> = {};
  const counts = { keys: 0, tips: 0, messages: 0, attachments: 0, bytes: 0 };

  async function put(name: string, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // 'wx': never follow or overwrite something that appeared in our fresh directory.
    await fs.writeFile(path.join(dir, ...name.split('/')), bytes, { mode: 0o600, flag: 'wx' });
    files[name] = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  }

  const begin = database.dialect.name === 'postgres' ? database.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only') : database.db.transaction();
  await begin.execute(async (trx) => {
    const keyRows = await trx.selectFrom('tip_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    // The stored records as they are: public halves and passphrase-sealed secret halves.
    const keys: BundleKey[] = keyRows.map(keyInfo);
    counts.keys = keys.length;
    await put(KEYS_FILE, `${JSON.stringify(keys, null, 2)}\n`);

    const total = await trx.selectFrom('tip_attachments').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('n')).executeTakeFirst();
    const totalBytes = Number(total?.n ?? 0);
    let attachmentBytes = 0;
    let lastShown = -10;
    const showProgress = () => {
      if (totalBytes < PROGRESS_MIN_BYTES) return;
      const percent = Math.floor((attachmentBytes / totalBytes) * 100);
      if (percent >= lastShown + 10) {
        lastShown = percent;
        progress(`Exporting… ${percent}%`);
      }
    };

    const conversations = await trx
      .selectFrom('tip_conversations')
      .select(['id', 'status', 'labels', 'received_at', 'last_source_at', 'last_reply_at'])
      .orderBy('received_at')
      .orderBy('id')
      .execute();
    await fs.mkdir(path.join(dir, 'tips'), { mode: 0o700 });
    for (const c of conversations) {
      const messages = await trx
        .selectFrom('tip_messages')
        .select(['id', 'seq', 'author', 'key_id', 'sealed', 'encrypted_in', 'received_at'])
        .where('conversation_id', '=', c.id)
        .orderBy('seq')
        .execute();
      if (messages.length === 0) continue;
      const attachments = await trx
        .selectFrom('tip_attachments')
        .select(['id', 'message_id', 'position', 'size'])
        .where('conversation_id', '=', c.id)
        .orderBy('message_id')
        .orderBy('position')
        .execute();
      await fs.mkdir(path.join(dir, ...tipDir(c.id).split('/')), { mode: 0o700 });
      const listed: BundleMessage[] = [];
      for (const m of messages) {
        const seq = Number(m.seq);
        const sealed = Buffer.from(m.sealed);
        await put(messageFile(c.id, seq), sealed);
        counts.messages++;
        counts.bytes += sealed.length;
        const mine = attachments.filter((a) => a.message_id === m.id);
        for (const a of mine) {
          const row = await trx.selectFrom('tip_attachments').select('data').where('id', '=', a.id).executeTakeFirstOrThrow();
          const data = Buffer.from(row.data);
          await put(attachmentFile(c.id, seq, Number(a.position)), data);
          counts.attachments++;
          counts.bytes += data.length;
          attachmentBytes += data.length;
          showProgress();
        }
        listed.push({
          seq,
          author: m.author === 'newsroom' ? 'newsroom' : 'source',
          keyId: m.key_id,
          encryptedIn: m.encrypted_in === 'server' ? 'server' : 'browser',
          // Stored rounded already; rounding again costs nothing and guards the rule.
          receivedAt: hourOf(new Date(m.received_at)),
          attachments: mine.map((a) => ({ position: Number(a.position), size: Number(a.size) })),
        });
      }
      const tip: BundleTip = {
        id: c.id,
        status: c.status,
        labels: parseLabels(c.labels),
        receivedAt: hourOf(new Date(c.received_at)),
        lastSourceAt: hourOf(new Date(c.last_source_at)),
        lastReplyAt: c.last_reply_at ? hourOf(new Date(c.last_reply_at)) : null,
        messages: listed,
      };
      await put(tipFile(c.id), `${JSON.stringify(tip, null, 2)}\n`);
      counts.tips++;
    }
    if (lastShown >= 0 && lastShown < 100) progress('Exporting… 100%');
  });

  await put(README_FILE, README_TEXT);
  const manifest: BundleManifest = { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, exportedAt: hourOf(), counts, files };
  await fs.writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return manifest;
}
