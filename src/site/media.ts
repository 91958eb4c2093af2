/**
 * `/media/:id`: uploaded images (logo, author photos, lead images). An id always names the same
 * bytes, so small images are kept in memory without regard to content changes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface MediaEntry {
  type: string;
  data: Buffer;
  etag: string;
}

/** LRU bounded by bytes; images larger than a tenth of it are always read from the database. */
class MediaCache {
  private readonly entries = new Map<string, MediaEntry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(id: string): MediaEntry | undefined {
    const e = this.entries.get(id);
    if (e) {
      this.entries.delete(id);
      this.entries.set(id, e);
    }
    return e;
  }

  set(id: string, e: MediaEntry): void {
    if (e.data.length > this.maxBytes / 10 || this.entries.has(id)) return;
    this.entries.set(id, e);
    this.bytes += e.data.length;
    for (const [key, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= old.data.length;
    }
  }
}

export function mediaHandler(services: Services) {
  const cache = new MediaCache(32 * 1024 * 1024);
  return async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const { id } = request.params;
    if (!ID_PATTERN.test(id)) throw new AppError('NOT_FOUND', 'There is no such image.');
    let entry = cache.get(id);
    if (!entry) {
      const row = await services.media.get(id.toLowerCase());
      if (!row) throw new AppError('NOT_FOUND', 'There is no such image.');
      entry = { type: row.contentType, data: row.data, etag: `"${row.sha256}"` };
      cache.set(id, entry);
    }
    reply.header('ETag', entry.etag).header('Cache-Control', 'public, max-age=86400').header('X-Content-Type-Options', 'nosniff');
    const inm = request.headers['if-none-match'];
    if (inm !== undefined && (inm.trim() === '*' || inm.includes(entry.etag))) return reply.code(304).send();
    return reply.type(entry.type).send(entry.data);
  };
}
