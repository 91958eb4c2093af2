/** Uploaded images (logo, author photos, lead images), stored in the database so every node sees them. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { newId, sha256Hex } from '../util/ids.js';
import type { Actor } from '../users/permissions.js';

/** Recognised by magic bytes: the declared type of an upload is not trusted. */
export function sniffImageType(data: Buffer): string | undefined {
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 6 && (data.subarray(0, 6).toString('latin1') === 'GIF87a' || data.subarray(0, 6).toString('latin1') === 'GIF89a')) return 'image/gif';
  if (data.length >= 12 && data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

/** What a media id looks like (ids are UUIDs; this only keeps out what could never be one). */
const MEDIA_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The id of the uploaded image `value` names, or undefined. Anything that could not be an id
 * (NUL, which PostgreSQL refuses in a parameter; a lone surrogate, which no URL can carry;
 * megabytes of text) is unknown without a query. Every upload is an image (store() checks).
 */
export async function uploadedImageId(db: Kysely<DB>, value: string): Promise<string | undefined> {
  if (!MEDIA_ID.test(value)) return undefined;
  return (await db.selectFrom('media').select('id').where('id', '=', value).executeTakeFirst())?.id;
}

export interface MediaInfo {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  alt: string;
  createdAt: string;
}

export class MediaService {
  constructor(private readonly db: Kysely<DB>) {}

  async store(actor: Actor, file: { filename: string; data: Buffer; alt?: string }): Promise<MediaInfo> {
    const contentType = sniffImageType(file.data);
    if (!contentType) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Upload a PNG, JPEG, GIF or WebP image.', { details: { file: ['is not a supported image'] } });
    }
    const id = newId();
    const row = {
      id,
      filename: file.filename.replace(/[^\w.\- ]+/g, '_').slice(0, 200) || 'image',
      content_type: contentType,
      size: file.data.length,
      sha256: sha256Hex(file.data),
      data: file.data,
      alt: (file.alt ?? '').slice(0, 500),
      created_at: new Date().toISOString(),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('media').values(row).execute();
      await recordAudit(trx, actor, 'media.upload', { type: 'media', id }, { filename: row.filename, size: row.size });
    });
    return { id, filename: row.filename, contentType, size: row.size, sha256: row.sha256, alt: row.alt, createdAt: row.created_at };
  }

  async get(id: string): Promise<{ contentType: string; data: Buffer; sha256: string } | undefined> {
    const r = await this.db.selectFrom('media').select(['content_type', 'data', 'sha256']).where('id', '=', id).executeTakeFirst();
    return r ? { contentType: r.content_type, data: Buffer.from(r.data), sha256: r.sha256 } : undefined;
  }
}
