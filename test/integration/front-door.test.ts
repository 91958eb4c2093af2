/**
 * The front door (src/http/front-door.ts) answers cached public pages before Fastify routes
 * them. On a listening server, every page the door answers must be what the Fastify route
 * answers: status, body bytes and headers, for each encoding, for HEAD and for a revalidation
 * (304). A change to public content (a new generation) must never be answered from the old cache.
 * Door answers are counted in metrics under their route and written to the access log, one line
 * each, without the reader's address.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createServices, type Services } from '../../src/services.js';
import { publishStory, seedBasics } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A request over a fresh connection, with the body as sent (no decompression). */
function raw(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Headers that differ per response by nature. */
const PER_RESPONSE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function comparable(r: Raw): Omit<Raw, 'headers'> & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (!PER_RESPONSE.has(k)) headers[k] = v;
  return { status: r.status, headers, body: r.body };
}

async function app(services: Services, lines: string[]): Promise<FastifyInstance> {
  const a = await buildApp({ services, logger: true, logStream: { write: (line) => void lines.push(line) } });
  await a.ready();
  return a;
}

forEachDialect('cached pages from the front door are byte-for-byte what the routes send, and never stale', async (_t, tdb) => {
  const config = loadConfig({
    FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused',
    FREEWIRE_PUBLIC_URL: 'http://news.test',
    FREEWIRE_DEMO_CONTENT: 'false',
    FREEWIRE_LOG_LEVEL: 'info',
    FREEWIRE_METRICS_TOKEN: 'metrics-token-0123456789-abcdef',
  });
  const services = createServices(config, tdb.database);
  const lines: string[] = [];
  const a = await app(services, lines);
  try {
    const { desk, author } = await seedBasics(services);
    const story = await publishStory(services, { headline: 'Wells run dry in the valley', body: 'Paragraph one.\n\n'.repeat(80), desk, authors: [author], tags: ['water'] });
    const base = await a.listen({ port: 0, host: '127.0.0.1' });
    const paths = ['/', `/stories/${story.slug}`, `/desk/${desk}`, `/author/${author}`, '/tag/water', '/feed.xml', '/atom.xml', '/feed.json', '/sitemap.xml', '/robots.txt'];
    const variants: Array<[string, Record<string, string>, string]> = [
      ['identity', {}, 'GET'],
      ['gzip', { 'accept-encoding': 'gzip' }, 'GET'],
      ['br', { 'accept-encoding': 'gzip, deflate, br' }, 'GET'],
      ['HEAD', { 'accept-encoding': 'br' }, 'HEAD'],
    ];
    for (const path of paths) {
      for (const [name, headers, method] of variants) {
        // A generation change empties the cache: the first request renders through the route…
        services.changes.bump();
        const lineCount = lines.length;
        const viaRoute = comparable(await raw(base, path, headers, method));
        // …and fills the cache, so the second is the door's.
        const hitsBefore = services.metrics.cacheCounts('pages').hits;
        const viaDoor = comparable(await raw(base, path, headers, method));
        assert.equal(services.metrics.cacheCounts('pages').hits, hitsBefore + 1, `${path} ${name}: the second answer is a cache hit`);
        assert.deepEqual(viaDoor, viaRoute, `${path} ${name}: the door answers as the route does`);
        const logged = lines.slice(lineCount).map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.equal(logged.length, 2, `${path} ${name}: one access line per request`);
        for (const l of logged) {
          assert.deepEqual(Object.keys(l).sort(), ['hostname', 'level', 'method', 'ms', 'msg', 'pid', 'status', 'time', 'url']);
          assert.equal(l.url, path);
          assert.equal(l.status, viaRoute.status);
        }
      }
      // A revalidation with the page's ETag: 304 from the door, as from the route.
      const full = await raw(base, path);
      const etag = full.headers.etag;
      if (full.status !== 200) continue;
      assert.ok(etag, `${path} has an ETag`);
      services.changes.bump();
      const notModifiedRoute = comparable(await raw(base, path, { 'if-none-match': etag }));
      const notModifiedDoor = comparable(await raw(base, path, { 'if-none-match': etag }));
      assert.equal(notModifiedRoute.status, 304);
      assert.deepEqual(notModifiedDoor, notModifiedRoute, `${path}: the door's 304 is the route's`);
    }

    // Security headers on door answers (they come from the onSend hook on the route).
    const home = await raw(base, '/');
    assert.match(home.headers['content-security-policy'] ?? '', /default-src 'self'/);
    assert.equal(home.headers['x-frame-options'], 'DENY');
    assert.equal(home.headers['x-content-type-options'], 'nosniff');

    // Publishing changes the home page at once: never the cached copy from before.
    const second = await publishStory(services, { headline: 'A second story arrives', desk, authors: [author] });
    const after = await raw(base, '/');
    assert.match(after.body.toString('utf8'), new RegExp(`/stories/${second.slug}`));

    // Metrics count door answers under their route.
    const scrape = await services.metrics.scrape();
    assert.match(scrape, /freewire_http_requests_total\{[^}]*route="\/stories\/:slug"[^}]*\} \d+/);
    // No reader address in any access line.
    const accessLines = lines.filter((l) => l.includes('"msg":"request"'));
    assert.ok(accessLines.length > 0);
    for (const l of accessLines) assert.doesNotMatch(l, /127\.0\.0\.1|remoteAddress|"ip"|user-agent/i);
  } finally {
    await a.close();
  }
});
