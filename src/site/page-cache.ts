/**
 * Rendered public responses (pages, feeds, sitemaps) kept in memory, so a cache hit costs no
 * database query and no rendering: one Map lookup, a header object chosen per encoding, and
 * the bytes.
 *
 * Invalidation is by generation (ChangeTracker): a request carrying a newer generation than the
 * cache has seen empties it. Renders that started before a change are not stored, so a slow
 * render can never put pre-change content back after the change.
 */
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { securityHeadersFor } from '../http/security.js';

/** What a page renderer produces. */
export interface Rendered {
  status?: number;
  type: string;
  body: string | Buffer;
  /** Defaults to `public, max-age=60`: short enough that a CDN picks up corrections quickly. */
  cacheControl?: string;
  /** An HTTP Link header (feeds: WebSub rel="hub" and rel="self"). */
  link?: string;
  /** For content that goes stale with time rather than with a change (the news sitemap). */
  ttlMs?: number;
  /** The route pattern that rendered it ("/stories/:slug"), for metrics when the front door sends it. */
  route?: string;
}

type Encoding = 'br' | 'gzip' | 'identity';

/** Below this, compression saves less than the header it costs. */
const MIN_COMPRESS_BYTES = 1024;

export class CachedPage {
  readonly status: number;
  readonly body: Buffer;
  /** Base of the strong ETag; each encoding gets its own suffix, as strong validators must differ per representation. */
  readonly hash: string;
  readonly expiresAt: number;
  private readonly type: string;
  private readonly cacheControl: string;
  private readonly link: string | undefined;
  private readonly headers: Partial<Record<Encoding, Record<string, string>>> = {};
  private readonly encoded: Partial<Record<'br' | 'gzip', Buffer | null>> = {};
  readonly route: string | undefined;
  /** Per encoding and status: the front door's raw header list (see doorHeadersFor). */
  private readonly doorHeaders = new Map<string, string[]>();
  /** The path as the access log writes it, serialised once (the front door's lines). */
  logPath: string | undefined;
  /** Called with the extra bytes when a compressed variant is added, so the cache can account for them. */
  onGrow: (bytes: number) => void = () => undefined;

  constructor(r: Rendered, now: number) {
    this.status = r.status ?? 200;
    this.type = r.type;
    this.body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
    this.hash = createHash('sha256').update(this.body).digest('base64url').slice(0, 27);
    this.cacheControl = r.cacheControl ?? 'public, max-age=60';
    this.link = r.link;
    this.route = r.route;
    this.expiresAt = r.ttlMs === undefined ? Infinity : now + r.ttlMs;
  }

  get size(): number {
    return this.body.length + (this.encoded.gzip?.length ?? 0) + (this.encoded.br?.length ?? 0);
  }

  etag(encoding: Encoding): string {
    return encoding === 'identity' ? `"${this.hash}"` : `"${this.hash}-${encoding === 'gzip' ? 'gz' : 'br'}"`;
  }

  /** True when the client's If-None-Match names any representation of this body. */
  matches(ifNoneMatch: string): boolean {
    return ifNoneMatch.trim() === '*' || ifNoneMatch.includes(this.hash);
  }

  /**
   * The compressed body, made on first request for that encoding and kept with the entry.
   * Null when compression would not make it smaller.
   */
  variant(encoding: 'br' | 'gzip'): Buffer | null {
    let out = this.encoded[encoding];
    if (out !== undefined) return out;
    if (this.body.length < MIN_COMPRESS_BYTES) out = null;
    else {
      const packed =
        encoding === 'gzip'
          ? gzipSync(this.body, { level: 9 })
          : brotliCompressSync(this.body, {
              params: {
                // Quality 6: the compression runs on the event loop, once per entry and content
                // change. Measured on a 12.6 KB story page, quality 9 took 7.4 ms (a fixed cost
                // of its larger match finder) for 5,571 bytes and quality 6 took 0.25 ms for 5,568;
                // on a 2.5 MB sitemap child, 73 ms against 18 ms for 5% more bytes.
                [zlibConstants.BROTLI_PARAM_QUALITY]: 6,
                [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
                [zlibConstants.BROTLI_PARAM_SIZE_HINT]: this.body.length,
              },
            });
      out = packed.length < this.body.length ? packed : null;
      if (out) this.onGrow(out.length);
    }
    this.encoded[encoding] = out;
    return out;
  }

  headersFor(encoding: Encoding): Record<string, string> {
    let h = this.headers[encoding];
    if (!h) {
      h = { 'content-type': this.type, 'cache-control': this.cacheControl, vary: 'Accept-Encoding' };
      // A 304 must only stand in for a 200, so error-like statuses (410) carry no validator.
      if (this.status === 200) h.etag = this.etag(encoding);
      if (encoding !== 'identity') h['content-encoding'] = encoding;
      if (this.link) h.link = this.link;
      this.headers[encoding] = h;
    }
    return h;
  }

  /**
   * Everything Fastify sends with this page for `encoding` — headersFor(), the security headers
   * its onSend hook adds, and content-length unless `notModified` — as the flat [name, value, …]
   * list node:http takes, built once per encoding: a cached page's headers never change.
   */
  doorHeadersFor(encoding: Encoding, bodyLength: number, notModified: boolean): string[] {
    const key = notModified ? `${encoding}:304` : encoding;
    let list = this.doorHeaders.get(key);
    if (!list) {
      const h: Record<string, string> = { ...this.headersFor(encoding), ...securityHeadersFor(this.type) };
      if (!notModified) h['content-length'] = String(bodyLength);
      list = Object.entries(h).flat();
      this.doorHeaders.set(key, list);
    }
    return list;
  }
}

/** Accept-Encoding values repeat across clients; parse each distinct one once. */
const encodingMemo = new Map<string, 'br' | 'gzip' | 'identity'>();

export function preferredEncoding(header: string | undefined): 'br' | 'gzip' | 'identity' {
  if (!header) return 'identity';
  const known = encodingMemo.get(header);
  if (known) return known;
  const q: Record<string, number> = {};
  for (const part of header.slice(0, 500).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q[name] = Number.isFinite(weight) ? weight : 0;
  }
  const weight = (name: string) => q[name] ?? q['*'] ?? 0;
  const br = weight('br');
  const gz = Math.max(weight('gzip'), q['x-gzip'] ?? 0);
  const choice = br > 0 && br >= gz ? 'br' : gz > 0 ? 'gzip' : 'identity';
  if (encodingMemo.size < 100) encodingMemo.set(header, choice);
  return choice;
}

export interface PageCacheOptions {
  maxEntries: number;
  /** Upper bound on the bytes held (bodies plus compressed variants). */
  maxBytes: number;
  /** Where hits and misses are counted (services.metrics.cacheCounts). */
  counts?: { hits: number; misses: number };
}

/** A bounded LRU of rendered responses for one generation of public content. */
export class PageCache {
  private readonly entries = new Map<string, CachedPage>();
  private readonly inflight = new Map<string, Promise<CachedPage>>();
  private generation = -1;
  private bytes = 0;
  private readonly counts: { hits: number; misses: number };

  constructor(private readonly opts: PageCacheOptions) {
    this.counts = opts.counts ?? { hits: 0, misses: 0 };
  }

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  /** The cached page for key, if it belongs to this generation and has not expired. */
  get(key: string, generation: number): CachedPage | undefined {
    if (generation !== this.generation) {
      this.clear();
      this.generation = generation;
      return undefined;
    }
    const page = this.entries.get(key);
    if (!page) return undefined;
    if (page.expiresAt !== Infinity && page.expiresAt <= Date.now()) {
      this.delete(key, page);
      return undefined;
    }
    // Re-insert to mark as recently used (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, page);
    this.counts.hits += 1;
    return page;
  }

  /**
   * The cached page, or the result of render() stored for next time. Concurrent misses for the
   * same key share one render, so a burst of readers on a fresh story costs one set of queries.
   */
  async getOrRender(key: string, generation: number, render: () => Promise<Rendered>): Promise<CachedPage> {
    const hit = this.get(key, generation);
    if (hit) return hit;
    // Counted here, not in get(): a caller that tries get() first comes here on its miss.
    this.counts.misses += 1;
    const flightKey = `${generation}\u0000${key}`;
    const pending = this.inflight.get(flightKey);
    if (pending) return pending;
    const work = (async () => {
      try {
        const page = new CachedPage(await render(), Date.now());
        this.store(key, generation, page);
        return page;
      } finally {
        this.inflight.delete(flightKey);
      }
    })();
    this.inflight.set(flightKey, work);
    return work;
  }

  private store(key: string, generation: number, page: CachedPage): void {
    // Rendered from data older than the cache's generation: serve it once, do not keep it.
    if (generation !== this.generation) return;
    if (page.body.length > this.opts.maxBytes / 8) return;
    const old = this.entries.get(key);
    if (old) this.delete(key, old);
    page.onGrow = (n) => {
      if (this.entries.get(key) !== page) return;
      this.bytes += n;
      this.evict();
    };
    this.entries.set(key, page);
    this.bytes += page.body.length;
    this.evict();
  }

  private delete(key: string, page: CachedPage): void {
    this.entries.delete(key);
    this.bytes -= page.size;
  }

  private evict(): void {
    while (this.entries.size > this.opts.maxEntries || this.bytes > this.opts.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value, this.entries.get(oldest.value)!);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/** The body to send for the client's Accept-Encoding, and its encoding (identity when compression does not help). */
function chooseBody(page: CachedPage, acceptEncoding: string | undefined): { encoding: Encoding; body: Buffer } {
  const encoding = preferredEncoding(acceptEncoding);
  if (encoding !== 'identity') {
    const packed = page.variant(encoding);
    if (packed) return { encoding, body: packed };
  }
  return { encoding: 'identity', body: page.body };
}

/** Sends a cached page: 304 when the client has it, else the best encoding it accepts. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, page: CachedPage): FastifyReply {
  const { encoding, body } = chooseBody(page, request.headers['accept-encoding']);
  reply.headers(page.headersFor(encoding));
  const inm = request.headers['if-none-match'];
  if (page.status === 200 && inm !== undefined && page.matches(inm)) {
    return reply.code(304).send();
  }
  return reply.code(page.status).send(body);
}

/**
 * The front door's sendPage (src/http/front-door.ts): the same answer written straight to
 * node:http. Returns the status sent.
 */
export function writePage(req: IncomingMessage, res: ServerResponse, page: CachedPage): number {
  const { encoding, body } = chooseBody(page, req.headers['accept-encoding']);
  const inm = req.headers['if-none-match'];
  if (page.status === 200 && inm !== undefined && page.matches(inm)) {
    res.writeHead(304, page.doorHeadersFor(encoding, 0, true));
    res.end();
    return 304;
  }
  res.writeHead(page.status, page.doorHeadersFor(encoding, body.length, false));
  res.end(req.method === 'HEAD' ? undefined : body);
  return page.status;
}
