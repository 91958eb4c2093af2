/**
 * The view pixel, `GET /p/{token}.gif`: the hottest path in the system. It always answers the
 * same 43-byte transparent GIF, whatever the token, so a pixel URL reveals nothing; it never
 * sets a cookie, is never cached (each view must reach us), and is never logged (the request
 * log would otherwise hold every reader's visit; the address is never logged anywhere).
 *
 * Counting (see ./recorder.ts) leaves out known bots and unknown tokens, and takes the page
 * where the story ran from the Referer header.
 *
 * The recorder starts flushing when the app is ready and writes what is left when the app
 * closes (`freewire start` closes the app on SIGTERM/SIGINT).
 *
 * Two doors, one counter: the Fastify route below serves app.inject() and anything unusual,
 * and a listener in front of Fastify on the app's own HTTP server answers well-formed pixel
 * URLs directly. Measured (bench/pixel), Fastify's per-request machinery (request and reply
 * objects, hooks, a child logger) costs about half the throughput of a bare node:http server
 * on this 43-byte answer, and a pixel needs none of it. Both doors send the same bytes and
 * headers (including the two the app's onSend hook adds to everything) and count through the
 * same function.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FrontDoor } from '../http/front-door.js';
import { securityHeadersFor } from '../http/security.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { clientAddress, trustFunction } from '../http/trust-proxy.js';
import { isBot } from './bots.js';

/**
 * The classic 1×1 transparent GIF89a, 43 bytes: header, a two-colour palette, a graphic control
 * extension marking colour 0 transparent, one pixel of colour 0, trailer.
 */
export const TRANSPARENT_GIF = Buffer.from('47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b', 'hex');

const TRANSPARENT_GIF_LATIN1 = TRANSPARENT_GIF.toString('latin1');

const PIXEL_HEADERS = {
  'content-type': 'image/gif',
  'content-length': String(TRANSPARENT_GIF.length),
  'cache-control': 'no-store, max-age=0',
  // Read by old caches and proxies that ignore Cache-Control.
  expires: '0',
} as const;

/** What the fast door sends: the route's headers plus those src/http/security.ts adds to every response. */
const RAW_PIXEL_HEADERS = { ...PIXEL_HEADERS, ...securityHeadersFor(PIXEL_HEADERS['content-type']) };

/** The URLs the fast door takes: a plain token (as PixelTokens makes them), `.gif`, any query. */
const FAST_PIXEL_URL = /^\/p\/([A-Za-z0-9_-]{1,64})\.gif(?:\?|$)/;

const MAX_PAGE_URL = 2000;

/** Query parameters that only identify a campaign or a click, never the page itself. */
const TRACKING_PARAM = /^(utm_[a-z_]*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|_ga|_gl|igshid|yclid|twclid|ttclid|li_fat_id|mkt_tok|oly_anon_id|oly_enc_id|vero_id|_hsenc|_hsmi|__hstc|__hssc|__hsfp|hsctatracking|ref_src|ref_url|s_cid|cmpid|ocid|spm)$/i;

/**
 * The page where the story ran, from a Referer: http(s) only, no credentials, no fragment, no
 * tracking parameters, not our own site, at most 2,000 characters (longer queries are dropped,
 * longer paths ignored). undefined when there is nothing worth recording.
 */
export function normaliseReferrer(referrer: string | undefined, ownOrigin: string): string | undefined {
  if (!referrer || referrer.length > 8192) return undefined;
  let u: URL;
  try {
    u = new URL(referrer);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.origin === ownOrigin) return undefined;
  u.username = '';
  u.password = '';
  u.hash = '';
  if (u.search) {
    const kept = [...u.searchParams].filter(([k]) => !TRACKING_PARAM.test(k));
    u.search = kept.length > 0 ? new URLSearchParams(kept).toString() : '';
  }
  let href = u.href;
  if (href.length > MAX_PAGE_URL) {
    u.search = '';
    href = u.href;
  }
  return href.length > MAX_PAGE_URL ? undefined : href;
}

/**
 * Most hits come from a few pages; remembering the last normalised referrers saves parsing a URL
 * on every hit. Cleared when full, so it never grows.
 */
class ReferrerCache {
  private readonly map = new Map<string, string | undefined>();
  constructor(private readonly ownOrigin: string) {}

  get(referrer: string | undefined): string | undefined {
    if (!referrer) return undefined;
    const known = this.map.get(referrer);
    if (known !== undefined || this.map.has(referrer)) return known;
    const page = normaliseReferrer(referrer, this.ownOrigin);
    if (this.map.size >= 2000) this.map.clear();
    this.map.set(referrer, page);
    return page;
  }
}

export async function registerPixelRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { usage, pixelTokens, config } = services;
  const recorder = usage.recorder;
  const referrers = new ReferrerCache(new URL(config.publicUrl).origin);

  app.addHook('onReady', async () => {
    // Today's hash key before the first hit; a database hiccup here only delays it to that hit.
    await recorder.prepare().catch((err: unknown) => app.log.warn({ err }, 'usage: could not load the day key yet'));
    recorder.start(config.usageFlushIntervalMs, (err) => app.log.error({ err }, 'usage: flush failed; the counts stay in memory for the next try'));
  });
  app.addHook('onClose', async () => {
    try {
      await recorder.stop();
    } catch (err) {
      app.log.error({ err }, 'usage: final flush failed; counts since the last flush are lost');
    }
  });

  /**
   * Counts a hit. Synchronous for a token this node knows once the day's key is loaded (nearly
   * every hit); a promise only for the first hit of an unknown token or of a day.
   */
  const count = (token: string, ip: string, userAgent: string | undefined, referrer: string | undefined): void | Promise<void> => {
    services.metrics.pixelHits += 1;
    const known = pixelTokens.peek(token);
    if (known) return countFor(known, ip, userAgent, referrer);
    return pixelTokens.resolve(token).then((pair) => (pair ? countFor(pair, ip, userAgent, referrer) : undefined));
  };
  const countFor = (pair: { storyId: string; partnerId: string }, ip: string, userAgent: string | undefined, referrer: string | undefined): void | Promise<void> => {
    if (isBot(userAgent)) return;
    return recorder.record({ storyId: pair.storyId, partnerId: pair.partnerId, ip, userAgent: userAgent!, page: referrers.get(referrer) });
  };
  const sendGif = (reply: FastifyReply): void => {
    reply.headers(PIXEL_HEADERS).send(TRANSPARENT_GIF);
  };
  // A reader must always get the image; a lost view is logged, without the address.
  const lost = (err: unknown) => app.log.warn({ err }, 'usage: a pixel hit could not be counted');

  app.get<{ Params: { file: string } }>(
    '/p/:file',
    // Not in the request log: the URL identifies a story × partner and the time a reader read it.
    { logLevel: 'silent' },
    // Not async, and returning nothing once the reply is sent: on the hot path the hit is
    // counted synchronously and no promise is made.
    (request, reply): void | Promise<void> => {
      const file = request.params.file;
      if (!file.endsWith('.gif')) {
        reply.callNotFound();
        return;
      }
      // HEAD (link checkers, proxies) gets the same answer but is not a view.
      if (request.method !== 'GET') return sendGif(reply);
      let pending: void | Promise<void> = undefined;
      try {
        pending = count(file.slice(0, -4), request.ip, request.headers['user-agent'], request.headers.referer);
      } catch (err) {
        lost(err);
      }
      if (!pending) return sendGif(reply);
      return pending.then(
        () => sendGif(reply),
        (err: unknown) => {
          lost(err);
          sendGif(reply);
        },
      );
    },
  );

  // ---- the front door (src/http/front-door.ts) --------------------------------------------------

  // The same rule, and so the same address, as Fastify's request.ip (src/http/trust-proxy.ts).
  const trust = trustFunction(config.trustProxy);
  const clientIp = (req: IncomingMessage): string => clientAddress(req, trust);

  // A flat [name, value, …] list with content-length: node:http takes it as it is, without merging.
  const rawHeaders = Object.entries(RAW_PIXEL_HEADERS).flat();
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, rawHeaders);
    // The body as a latin1 string (byte for byte the GIF): node:http then sends head and body as
    // one string in one write, where a Buffer body costs a two-part writev. ~3% of a hit (bench/pixel).
    if (req.method === 'HEAD') res.end();
    else res.end(TRANSPARENT_GIF_LATIN1, 'latin1');
  };

  const door = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const m = FAST_PIXEL_URL.exec(req.url ?? '');
    if (!m) return false;
    if (req.method === 'HEAD') {
      answer(req, res);
      return true;
    }
    // The two headers a hit needs, read from the raw list: req.headers would build an object of
    // every header first. The first of duplicates wins, as it does in req.headers for these two.
    let userAgent: string | undefined;
    let referer: string | undefined;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 10) {
        if (userAgent === undefined && name.toLowerCase() === 'user-agent') userAgent = raw[i + 1];
      } else if (name.length === 7) {
        if (referer === undefined && name.toLowerCase() === 'referer') referer = raw[i + 1];
      }
    }
    let pending: void | Promise<void> = undefined;
    try {
      pending = count(m[1]!, clientIp(req), userAgent, referer);
    } catch (err) {
      lost(err);
    }
    if (!pending) answer(req, res);
    else
      pending.then(
        () => answer(req, res),
        (err: unknown) => {
          lost(err);
          answer(req, res);
        },
      );
    return true;
  };
  FrontDoor.of(app).add(door, { prefix: '/p/' });
}
