/**
 * The WebSub hub end to end, on both engines: discovery (rel="hub"/rel="self" in every feed
 * format, public and partner, and the Link header); subscription with verification of intent
 * against a real subscriber on loopback; refusals (wrong challenge, private callback, unknown
 * topic, long or clear-text secret); content distribution after a publish and a correction, signed
 * with X-Hub-Signature (checked against the spec vectors and an HMAC computed here); a retry
 * after a 500; lease expiry; unsubscription; two nodes on one database delivering once; a
 * property-based test of the form; and no secret in any log line.
 *
 * The worker and the consumer are driven directly (runOnce / drain) and their clock is moved
 * for retries and leases: no fixed sleeps.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { createServices, type Services } from '../../src/services.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { EventConsumer } from '../../src/events/consumers.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { startBackground, type BackgroundLog } from '../../src/worker/background.js';
import { websubConsumerSpec } from '../../src/websub/consumer.js';
import { DEFAULT_LEASE_SECONDS, hubSignature, parseSubscriptionRequest, WebSubHub, type HubLog } from '../../src/websub/hub.js';
import { publishStory } from '../helpers/app.js';
import { forEachDialect, type TestDb } from '../helpers/dialects.js';
import { buildWorld, type World } from '../helpers/surface.js';
import { waitFor } from '../helpers/wait.js';

const PUBLIC = 'https://news.test';
const HUB = `${PUBLIC}/websub`;
const VECTORS = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/websub/x-hub-signature-vectors.json'), 'utf8')) as {
  vectors: Array<{ name: string; 'hub.secret': string; body: string; x_hub_signature: string; valid: boolean }>;
};

// ---- a subscriber on loopback -------------------------------------------------------------------

interface Received {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Subscriber {
  url: string;
  received: Received[];
  verifications(): Received[];
  deliveries(): Received[];
  /** How to answer verification GETs: echo the challenge, or answer something else. */
  verify: 'echo' | 'wrong';
  /** Statuses for the next deliveries, in order; 200 when empty. */
  deliveryStatuses: number[];
  close(): Promise<void>;
}

async function startSubscriber(): Promise<Subscriber> {
  const received: Received[] = [];
  const sub: Subscriber = {
    url: '',
    received,
    verifications: () => received.filter((r) => r.method === 'GET'),
    deliveries: () => received.filter((r) => r.method === 'POST'),
    verify: 'echo',
    deliveryStatuses: [],
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      received.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks) });
      if (req.method === 'GET') {
        const challenge = url.searchParams.get('hub.challenge') ?? '';
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(sub.verify === 'echo' ? challenge : `not-${challenge}`);
        return;
      }
      res.writeHead(sub.deliveryStatuses.shift() ?? 200);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback?source=freewire`;
  sub.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sub;
}

// ---- the hub, driven by hand ----------------------------------------------------------------------

const lines: string[] = [];
const quietLog: HubLog = {
  info: (o, m) => void lines.push(JSON.stringify({ ...o, m })),
  warn: (o, m) => void lines.push(JSON.stringify({ ...o, m })),
  error: (o, m) => void lines.push(JSON.stringify({ ...o, m })),
};

interface Node {
  services: Services;
  consumer: EventConsumer<any>;
  hub: WebSubHub;
  /** Consumes the event log and runs every verification and delivery due. */
  pump(): Promise<void>;
}

async function node(services: Services): Promise<Node> {
  const consumer = new EventConsumer(services.database.db, websubConsumerSpec(services));
  const hub = new WebSubHub(services, quietLog);
  await consumer.runOnce(); // takes its place at the end of the log
  return {
    services,
    consumer,
    hub,
    async pump() {
      while ((await consumer.runOnce()) > 0);
      await hub.drain();
    },
  };
}

async function world(tdb: TestDb): Promise<World> {
  return buildWorld(tdb, { FREEWIRE_PUBLIC_URL: PUBLIC, FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1' });
}

function post(w: World, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return w.app.inject({ method: 'POST', url: '/websub', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(fields).toString() });
}

async function subscription(services: Services, topic: string, callback: string) {
  return services.database.db.selectFrom('websub_subscriptions').selectAll().where('topic', '=', topic).where('callback', '=', callback).executeTakeFirst();
}

function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function signatureValid(header: string | string[] | undefined, secret: string, body: Buffer): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = Buffer.from(hmacHex(secret, body), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// ---- discovery ---------------------------------------------------------------------------------

forEachDialect('every public and partner feed names the hub and itself, in the document and the Link header', async (_t, tdb) => {
  const w = await world(tdb);
  try {
    const bases = ['', `/desk/${w.deskSlug}`, `/author/${w.authorSlug}`];
    const feeds: Array<[string, 'rss' | 'atom' | 'json']> = [];
    for (const b of bases) feeds.push([`${b}/feed.xml`, 'rss'], [`${b}/atom.xml`, 'atom'], [`${b}/feed.json`, 'json']);
    const p = `/partners/feed/${w.feedToken}`;
    feeds.push([`${p}/rss.xml`, 'rss'], [`${p}/atom.xml`, 'atom'], [`${p}/feed.json`, 'json']);
    for (const [url, format] of feeds) {
      const self = `${PUBLIC}${url}`;
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await w.app.inject({ method, url });
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers.link, `<${HUB}>; rel="hub", <${self}>; rel="self"`, `${method} ${url}: Link header`);
      }
      const body = (await w.app.inject({ url })).body;
      if (format === 'rss') {
        assert.ok(body.includes(`<atom:link href="${self}" rel="self"`), `${url}: RSS self`);
        assert.ok(body.includes(`<atom:link href="${HUB}" rel="hub"/>`), `${url}: RSS hub`);
      } else if (format === 'atom') {
        assert.ok(body.includes(`<link rel="self" href="${self}"`), `${url}: Atom self`);
        assert.ok(body.includes(`<link rel="hub" href="${HUB}"/>`), `${url}: Atom hub`);
      } else {
        const doc = JSON.parse(body) as { feed_url: string; hubs: Array<{ type: string; url: string }> };
        assert.equal(doc.feed_url, self);
        assert.deepEqual(doc.hubs, [{ type: 'WebSub', url: HUB }]);
      }
    }
    // The cached copy answers with the same header.
    assert.equal((await w.app.inject({ url: '/atom.xml' })).headers.link, `<${HUB}>; rel="hub", <${PUBLIC}/atom.xml>; rel="self"`);
    const info = await w.app.inject({ url: '/websub' });
    assert.equal(info.statusCode, 200);
  } finally {
    await w.t.close();
  }
});

test('X-Hub-Signature: the spec vectors and an independent HMAC agree with the hub', () => {
  for (const v of VECTORS.vectors) {
    if (!v.x_hub_signature.startsWith('sha256=')) continue;
    const ours = hubSignature(v['hub.secret'], Buffer.from(v.body, 'utf8'));
    assert.equal(ours === v.x_hub_signature, v.valid, v.name);
    assert.equal(signatureValid(v.x_hub_signature, v['hub.secret'], Buffer.from(v.body, 'utf8')), v.valid, `${v.name} (test verifier)`);
  }
});

// ---- subscription, distribution, correction ----------------------------------------------------------

forEachDialect('subscribe → verified → publish and correct reach the subscriber, signed; unsubscribe stops them', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  try {
    const n = await node(w.t.services);
    const topic = `${PUBLIC}/atom.xml`;
    const secret = 'a-subscriber-secret-é';
    const res = await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url, 'hub.secret': secret, 'hub.extra': 'ignored' });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal((await subscription(w.t.services, topic, subscriber.url))?.state, 'pending', 'not active before verification');
    assert.equal(subscriber.received.length, 0, 'verification is not done inside the request');

    await n.pump();
    const [verification] = subscriber.verifications();
    assert.ok(verification);
    assert.equal(verification.url.searchParams.get('hub.mode'), 'subscribe');
    assert.equal(verification.url.searchParams.get('hub.topic'), topic);
    assert.equal(verification.url.searchParams.get('hub.lease_seconds'), String(DEFAULT_LEASE_SECONDS));
    assert.equal(verification.url.searchParams.get('source'), 'freewire', 'the callback\'s own query is kept');
    assert.ok((verification.url.searchParams.get('hub.challenge') ?? '').length >= 20);
    const active = await subscription(w.t.services, topic, subscriber.url);
    assert.equal(active?.state, 'active');
    assert.ok(active?.lease_expires_at);

    // Publish: one delivery with the new feed, its type, the Link header and a valid signature.
    await publishStory(w.t.services, { headline: 'Reservoir reaches record low', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 1);
    const d1 = subscriber.deliveries()[0]!;
    assert.match(String(d1.headers['content-type']), /^application\/atom\+xml/);
    assert.equal(d1.headers.link, `<${HUB}>; rel="hub", <${topic}>; rel="self"`);
    assert.ok(d1.body.toString('utf8').includes('Reservoir reaches record low'));
    assert.ok(signatureValid(d1.headers['x-hub-signature'], secret, d1.body), 'X-Hub-Signature verifies with the secret');
    assert.equal(d1.headers['x-hub-signature'], `sha256=${hmacHex(secret, d1.body)}`);
    assert.ok(!signatureValid(d1.headers['x-hub-signature'], 'another secret', d1.body));

    // A correction: the new feed, with the corrected text.
    const story = await w.t.services.database.db.selectFrom('stories').select('id').where('slug', 'like', 'reservoir%').executeTakeFirstOrThrow();
    await w.t.services.stories.amend(SYSTEM_ACTOR, story.id, 'correction', 'The level was 12 per cent, not 21.', 'The reservoir stands at 12 per cent of capacity.');
    await n.pump();
    assert.equal(subscriber.deliveries().length, 2);
    const d2 = subscriber.deliveries()[1]!;
    assert.ok(d2.body.toString('utf8').includes('12 per cent of capacity'));
    assert.ok(signatureValid(d2.headers['x-hub-signature'], secret, d2.body));

    // Re-subscribing updates the one subscription (one delivery per change, not two).
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url, 'hub.secret': secret })).statusCode, 202);
    await n.pump();
    await publishStory(w.t.services, { headline: 'Second story', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 3);

    // Unsubscribe: verified with hub.mode=unsubscribe, then nothing more arrives.
    assert.equal((await post(w, { 'hub.mode': 'unsubscribe', 'hub.topic': topic, 'hub.callback': subscriber.url })).statusCode, 202);
    await n.pump();
    const last = subscriber.verifications().at(-1)!;
    assert.equal(last.url.searchParams.get('hub.mode'), 'unsubscribe');
    assert.equal(last.url.searchParams.get('hub.lease_seconds'), null);
    assert.equal((await subscription(w.t.services, topic, subscriber.url))?.state, 'unsubscribed');
    await publishStory(w.t.services, { headline: 'Third story', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 3, 'no delivery after unsubscribing');

    // The newsroom sees it (admins only), with the subscriber's host and no path or query.
    const page = await w.app.inject({ url: '/newsroom/websub', headers: { cookie: w.t.admin.cookie } });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('127.0.0.1:'));
    assert.ok(!page.body.includes('source=freewire'));
    assert.ok(page.body.includes('unsubscribed'));
    assert.notEqual((await w.app.inject({ url: '/newsroom/websub', headers: { cookie: w.t.reporter.cookie } })).statusCode, 200);
  } finally {
    await subscriber.close();
    await w.t.close();
  }
});

forEachDialect('partner feeds: a subscription to a partner feed gets the partner\'s feed when a story for it changes', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  try {
    const n = await node(w.t.services);
    const topic = `${PUBLIC}/partners/feed/${w.feedToken}/feed.json`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url })).statusCode, 202);
    await n.pump();
    assert.equal((await subscription(w.t.services, topic, subscriber.url))?.state, 'active');
    await publishStory(w.t.services, { headline: 'Flood defences approved', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 1);
    const d = subscriber.deliveries()[0]!;
    assert.match(String(d.headers['content-type']), /^application\/feed\+json/);
    assert.equal(d.headers['x-hub-signature'], undefined, 'no secret, no signature');
    const doc = JSON.parse(d.body.toString('utf8')) as { feed_url: string; items: Array<{ title: string }> };
    assert.equal(doc.feed_url, topic);
    assert.ok(doc.items.some((i) => i.title === 'Flood defences approved'));

    // A story this (free) partner may never have does not touch its feed …
    const closed = await w.t.services.stories.create(SYSTEM_ACTOR, { headline: 'Not for syndication', body: 'Body.', desk: w.deskSlug, authors: [w.authorSlug], syndication: 'none' });
    await w.t.services.stories.publish(SYSTEM_ACTOR, closed.id);
    await n.pump();
    assert.equal(subscriber.deliveries().length, 1, 'no notification for a story the partner cannot have');
    // … a withdrawal of one it had does, and the story is gone from the feed it receives.
    const had = await w.t.services.database.db.selectFrom('stories').select('id').where('slug', 'like', 'flood%').executeTakeFirstOrThrow();
    await w.t.services.stories.withdraw(SYSTEM_ACTOR, had.id, 'Legal advice.');
    await n.pump();
    assert.equal(subscriber.deliveries().length, 2);
    const after = JSON.parse(subscriber.deliveries()[1]!.body.toString('utf8')) as { items: Array<{ title: string }> };
    assert.ok(!after.items.some((i) => i.title === 'Flood defences approved'));
    // A site change (settings) reaches every feed.
    await w.t.services.settings.update(SYSTEM_ACTOR, { tagline: 'News from the valley' });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 3);

    // A suspended partner's feed is paused, not ended: nothing is sent until it is reinstated.
    await w.t.services.partners.suspend(SYSTEM_ACTOR, w.partnerId, 'Unpaid invoices.');
    await w.t.services.settings.update(SYSTEM_ACTOR, { tagline: 'Paused' });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 3);
    const paused = await subscription(w.t.services, topic, subscriber.url);
    assert.equal(paused?.state, 'active');
    assert.match(paused?.last_error ?? '', /paused/);
    await w.t.services.partners.approve(SYSTEM_ACTOR, w.partnerId);
    await w.t.services.settings.update(SYSTEM_ACTOR, { tagline: 'Back' });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 4);

    // A renewed feed token ends the subscription to the old address at the next send.
    await w.t.services.partners.rotateFeedToken(w.partnerId);
    await publishStory(w.t.services, { headline: 'Another one', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 4);
    assert.equal((await subscription(w.t.services, topic, subscriber.url))?.state, 'ended');
  } finally {
    await subscriber.close();
    await w.t.close();
  }
});

// ---- refusals -----------------------------------------------------------------------------------

forEachDialect('a subscriber that does not echo the challenge stays inactive, and the failure is recorded', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  subscriber.verify = 'wrong';
  try {
    const n = await node(w.t.services);
    const topic = `${PUBLIC}/feed.xml`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url })).statusCode, 202);
    await n.pump();
    const sub = await subscription(w.t.services, topic, subscriber.url);
    assert.equal(sub?.state, 'failed');
    assert.match(sub?.last_error ?? '', /hub\.challenge/);
    assert.equal(subscriber.verifications().length, 1, 'a refusal is not retried');
    await publishStory(w.t.services, { headline: 'Unheard', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 0);
  } finally {
    await subscriber.close();
    await w.t.close();
  }
});

forEachDialect('bad subscription requests are 400 with field messages; never 5xx', async (_t, tdb) => {
  const w = await world(tdb);
  try {
    const topic = `${PUBLIC}/atom.xml`;
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://10.0.0.1/cb' }, 'hub.callback'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://169.254.169.254/latest' }, 'hub.callback'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'ftp://127.0.0.1/cb' }, 'hub.callback'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'not a url' }, 'hub.callback'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': 'https://elsewhere.example/feed.xml', 'hub.callback': 'http://127.0.0.1:9/cb' }, 'hub.topic'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PUBLIC}/desk/no-such-desk/feed.xml`, 'hub.callback': 'http://127.0.0.1:9/cb' }, 'hub.topic'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PUBLIC}/partners/feed/madeUpToken0123456789/rss.xml`, 'hub.callback': 'http://127.0.0.1:9/cb' }, 'hub.topic'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PUBLIC}/atom.xml?x=1`, 'hub.callback': 'http://127.0.0.1:9/cb' }, 'hub.topic'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://127.0.0.1:9/cb', 'hub.secret': 'x'.repeat(200) }, 'hub.secret'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://127.0.0.1:9/cb', 'hub.lease_seconds': 'forever' }, 'hub.lease_seconds'],
      [{ 'hub.mode': 'publish', 'hub.topic': topic, 'hub.callback': 'http://127.0.0.1:9/cb' }, 'hub.mode'],
      [{}, 'hub.mode'],
    ];
    for (const [fields, field] of cases) {
      const json = await post(w, fields, { accept: 'application/json' });
      assert.equal(json.statusCode, 400, `${JSON.stringify(fields)}: ${json.body}`);
      const err = (json.json() as { error: { code: string; details: Record<string, string[]> } }).error;
      assert.ok(err.details[field]?.length, `${JSON.stringify(fields)} → ${field}: ${json.body}`);
      const plain = await post(w, fields);
      assert.equal(plain.statusCode, 400);
      assert.match(String(plain.headers['content-type']), /^text\/plain/);
      assert.ok(plain.body.includes(field));
    }
    assert.equal((await w.app.inject({ method: 'POST', url: '/websub' })).statusCode, 400, 'empty body');
    assert.equal((await w.app.inject({ method: 'POST', url: '/websub', headers: { 'content-type': 'application/json' }, payload: '{}' })).statusCode, 415);
    assert.equal(await w.t.services.database.db.selectFrom('websub_subscriptions').select('id').executeTakeFirst(), undefined, 'nothing stored');

    // hub.secret only over HTTPS (§5.1): a plain-http hub refuses it, says why, and accepts the rest.
    const overHttp = await parseSubscriptionRequest(w.t.services, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://127.0.0.1:9/cb', 'hub.secret': 's3cret' }, false);
    assert.ok(!overHttp.ok && overHttp.errors['hub.secret']?.[0]?.includes('HTTPS'));
    const noSecret = await parseSubscriptionRequest(w.t.services, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://127.0.0.1:9/cb' }, false);
    assert.ok(noSecret.ok);
    // Leases are held within 1 hour … 30 days.
    const short = await parseSubscriptionRequest(w.t.services, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://127.0.0.1:9/cb', 'hub.lease_seconds': '5' }, true);
    assert.ok(short.ok && short.request.leaseSeconds === 3600);
    const long = await parseSubscriptionRequest(w.t.services, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://127.0.0.1:9/cb', 'hub.lease_seconds': '99999999' }, true);
    assert.ok(long.ok && long.request.leaseSeconds === 30 * 24 * 3600);
  } finally {
    await w.t.close();
  }
});

forEachDialect('the outbound policy is applied again at verification and at delivery', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  try {
    // A node without the allow-list: loopback is refused there, whatever was accepted before.
    const strictConfig = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: PUBLIC, FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'silent' });
    // Only its hub: the event consumer has one cursor and one lease, whoever runs it.
    const strict = new WebSubHub(createServices(strictConfig, tdb.database), quietLog);
    const lenient = await node(w.t.services);
    const refused = `${PUBLIC}/feed.xml`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': refused, 'hub.callback': subscriber.url })).statusCode, 202);
    await strict.drain();
    const failed = await subscription(w.t.services, refused, subscriber.url);
    assert.equal(failed?.state, 'failed');
    assert.match(failed?.last_error ?? '', /loopback/);
    assert.equal(subscriber.received.length, 0, 'nothing was sent to the refused address');

    const topic = `${PUBLIC}/atom.xml`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url })).statusCode, 202);
    await lenient.pump();
    assert.equal((await subscription(w.t.services, topic, subscriber.url))?.state, 'active');
    await publishStory(w.t.services, { headline: 'Held back', desk: w.deskSlug, authors: [w.authorSlug] });
    while ((await lenient.consumer.runOnce()) > 0);
    await strict.drain();
    assert.equal(subscriber.deliveries().length, 0);
    const row = await w.t.services.database.db.selectFrom('websub_deliveries').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending', 'retried later, like any failure');
    assert.match(row.last_error ?? '', /loopback/);
  } finally {
    await subscriber.close();
    await w.t.close();
  }
});

// ---- retries, leases -------------------------------------------------------------------------------

forEachDialect('a subscriber failing for three days is given up and its subscription ended', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  try {
    const n = await node(w.t.services);
    const topic = `${PUBLIC}/feed.xml`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url, 'hub.lease_seconds': String(30 * 24 * 3600) })).statusCode, 202);
    await n.pump();
    subscriber.deliveryStatuses = [503, 503, 503];
    await publishStory(w.t.services, { headline: 'Never received', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    n.hub.now = () => new Date(Date.now() + 3600_000);
    await n.hub.drain();
    assert.equal(subscriber.deliveries().length, 2);
    assert.equal((await subscription(w.t.services, topic, subscriber.url))?.state, 'active', 'still retrying');
    n.hub.now = () => new Date(Date.now() + 4 * 24 * 3600_000);
    await n.hub.drain();
    assert.equal(subscriber.deliveries().length, 3);
    const row = await w.t.services.database.db.selectFrom('websub_deliveries').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.status, 'failed');
    assert.match(row.last_error ?? '', /Gave up after 3 attempts/);
    const sub = await subscription(w.t.services, topic, subscriber.url);
    assert.equal(sub?.state, 'ended');
    assert.match(sub?.last_error ?? '', /3 days/);
  } finally {
    await subscriber.close();
    await w.t.close();
  }
});

forEachDialect('a subscriber answering 500 gets the feed on the retry; a 410 ends the subscription', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  try {
    const n = await node(w.t.services);
    const topic = `${PUBLIC}/desk/${w.deskSlug}/feed.xml`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url })).statusCode, 202);
    await n.pump();
    subscriber.deliveryStatuses = [500];
    await publishStory(w.t.services, { headline: 'Retry me', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 1);
    const pending = await w.t.services.database.db.selectFrom('websub_deliveries').selectAll().where('status', '=', 'pending').execute();
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.attempts, 1);
    assert.equal(pending[0]!.response_status, 500);
    assert.ok(pending[0]!.next_attempt_at > new Date().toISOString(), 'the retry waits');
    assert.match((await subscription(w.t.services, topic, subscriber.url))?.last_error ?? '', /500/);

    // A change while the row waits for its retry rides along with it (no second row).
    await publishStory(w.t.services, { headline: 'Rides along', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 1, 'the retry is not due yet');
    assert.equal((await w.t.services.database.db.selectFrom('websub_deliveries').select('id').execute()).length, 1);

    // The worker's clock moves past the first retry delay (5 s ± 20 %).
    n.hub.now = () => new Date(Date.now() + 60_000);
    await n.hub.drain();
    assert.equal(subscriber.deliveries().length, 2);
    const second = subscriber.deliveries()[1]!;
    assert.ok(second.body.toString('utf8').includes('Retry me'));
    assert.ok(second.body.toString('utf8').includes('Rides along'));
    const row = await w.t.services.database.db.selectFrom('websub_deliveries').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.status, 'delivered');
    assert.equal(row.attempts, 2);

    // 410 Gone: the subscription ends and nothing more is sent.
    subscriber.deliveryStatuses = [410];
    await publishStory(w.t.services, { headline: 'Gone', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal((await subscription(w.t.services, topic, subscriber.url))?.state, 'ended');
    await publishStory(w.t.services, { headline: 'After gone', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 3);
  } finally {
    await subscriber.close();
    await w.t.close();
  }
});

forEachDialect('an expired lease stops notifications', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  try {
    const n = await node(w.t.services);
    const topic = `${PUBLIC}/author/${w.authorSlug}/atom.xml`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url, 'hub.lease_seconds': '3600' })).statusCode, 202);
    await n.pump();
    assert.equal(subscriber.verifications()[0]!.url.searchParams.get('hub.lease_seconds'), '3600');
    await publishStory(w.t.services, { headline: 'Within the lease', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 1);

    n.hub.now = () => new Date(Date.now() + 2 * 3600_000);
    await publishStory(w.t.services, { headline: 'After the lease', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    assert.equal(subscriber.deliveries().length, 1, 'nothing after the lease ended');
    assert.equal((await subscription(w.t.services, topic, subscriber.url))?.state, 'expired');
  } finally {
    await subscriber.close();
    await w.t.close();
  }
});

// ---- the background work as `freewire start` runs it ------------------------------------------------

forEachDialect('inside startBackground: verification and distribution happen on their own, woken by signals', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  const log: BackgroundLog = { ...quietLog, child: () => log };
  const background = startBackground(w.t.services, log, { attribution: false });
  try {
    assert.ok(background.jobs.some((j) => j.name === 'websub'));
    await background.settle(); // the consumer takes its place at the end of the log
    const topic = `${PUBLIC}/atom.xml`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url })).statusCode, 202);
    await waitFor('the subscription to be verified', async () => (await subscription(w.t.services, topic, subscriber.url))?.state === 'active');
    await publishStory(w.t.services, { headline: 'Pushed by the background', desk: w.deskSlug, authors: [w.authorSlug] });
    await waitFor('the feed to arrive', () => subscriber.deliveries().length === 1);
    assert.ok(subscriber.deliveries()[0]!.body.toString('utf8').includes('Pushed by the background'));
  } finally {
    await background.stop();
    await subscriber.close();
    await w.t.close();
  }
});

// ---- several nodes ------------------------------------------------------------------------------------

forEachDialect('two nodes (two database connections) notify a subscriber once per change', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  const second = createDatabase(tdb.dialect === 'postgres' ? { databaseUrl: tdb.url } : { sqliteFile: tdb.sqliteFile! });
  try {
    const a = await node(w.t.services);
    const b = await node(createServices(w.t.config, second));
    const topics = [`${PUBLIC}/feed.xml`, `${PUBLIC}/atom.xml`, `${PUBLIC}/feed.json`];
    for (const topic of topics) assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url })).statusCode, 202);
    await Promise.all([a.hub.runOnce(), b.hub.runOnce()]);
    await Promise.all([a.hub.drain(), b.hub.drain()]);
    assert.equal(subscriber.verifications().length, 3, 'each request verified once');

    for (let i = 0; i < 3; i++) {
      await publishStory(w.t.services, { headline: `Story ${i}`, desk: w.deskSlug, authors: [w.authorSlug] });
      await Promise.all([a.consumer.runOnce(), b.consumer.runOnce()]);
      await Promise.all([a.consumer.runOnce(), b.consumer.runOnce()]);
      await Promise.all([a.hub.runOnce(), b.hub.runOnce(), a.hub.runOnce(), b.hub.runOnce()]);
      await Promise.all([a.hub.drain(), b.hub.drain()]);
      assert.equal(subscriber.deliveries().length, 3 * (i + 1), `change ${i}: one delivery per subscription`);
    }
    const byTopic = new Map<string, number>();
    for (const d of subscriber.deliveries()) {
      const self = /<([^>]+)>; rel="self"/.exec(String(d.headers.link))![1]!;
      byTopic.set(self, (byTopic.get(self) ?? 0) + 1);
    }
    assert.deepEqual([...byTopic.values()], [3, 3, 3]);
  } finally {
    await second.close();
    await subscriber.close();
    await w.t.close();
  }
});

// ---- coalescing --------------------------------------------------------------------------------------

forEachDialect('changes made before a delivery is attempted are coalesced into one', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  try {
    const n = await node(w.t.services);
    const topic = `${PUBLIC}/feed.json`;
    assert.equal((await post(w, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url })).statusCode, 202);
    await n.pump();
    for (let i = 0; i < 3; i++) {
      await publishStory(w.t.services, { headline: `Batch ${i}`, desk: w.deskSlug, authors: [w.authorSlug] });
      while ((await n.consumer.runOnce()) > 0);
    }
    await n.hub.drain();
    assert.equal(subscriber.deliveries().length, 1);
    const doc = JSON.parse(subscriber.deliveries()[0]!.body.toString('utf8')) as { items: Array<{ title: string }> };
    for (let i = 0; i < 3; i++) assert.ok(doc.items.some((it) => it.title === `Batch ${i}`));
  } finally {
    await subscriber.close();
    await w.t.close();
  }
});

// ---- property-based ------------------------------------------------------------------------------------

forEachDialect('POST /websub: arbitrary form fields never cause a 5xx', async (_t, tdb) => {
  const w = await world(tdb);
  try {
    const field = fc.oneof(
      fc.constantFrom('hub.mode', 'hub.topic', 'hub.callback', 'hub.lease_seconds', 'hub.secret', 'hub.challenge', '__proto__', 'constructor', 'hub.mode[]'),
      fc.string({ maxLength: 20 }),
    );
    const value = fc.oneof(
      fc.constantFrom('subscribe', 'unsubscribe', `${PUBLIC}/atom.xml`, `${PUBLIC}/partners/feed/${w.feedToken}/rss.xml`, 'http://127.0.0.1:9/cb', 'http://10.0.0.1/cb', 'http://[::1]/x', '3600', '-1', '1e99', ''),
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 50 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(field, value), { maxLength: 8 }), fc.boolean(), async (pairs, json) => {
        const body = new URLSearchParams(pairs).toString();
        const res = await w.app.inject({ method: 'POST', url: '/websub', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(json ? { accept: 'application/json' } : {}) }, payload: body });
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${body}: ${res.body}`);
        assert.ok([202, 400].includes(res.statusCode), `${res.statusCode} for ${body}`);
      }),
      { numRuns: 150 },
    );
  } finally {
    await w.t.close();
  }
});

// ---- logs -----------------------------------------------------------------------------------------

forEachDialect('hub.secret and the challenge never reach a log line', async (_t, tdb) => {
  const w = await world(tdb);
  const subscriber = await startSubscriber();
  const logged: string[] = [];
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: PUBLIC, FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'trace', FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1' });
  const services = createServices(config, tdb.database);
  const app = await buildApp({ services, logger: true, logStream: { write: (line) => void logged.push(line) } });
  await app.ready();
  try {
    lines.length = 0;
    const secret = 'logSecretValue-0123456789';
    const topic = `${PUBLIC}/partners/feed/${w.feedToken}/atom.xml`;
    const send = (fields: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/websub', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    assert.equal((await send({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url, 'hub.secret': secret })).statusCode, 202);
    assert.equal((await send({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'http://10.0.0.1/cb', 'hub.secret': secret })).statusCode, 400);
    assert.equal((await send({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': subscriber.url, 'hub.secret': `${secret}${'x'.repeat(300)}` })).statusCode, 400);
    const n = await node(services);
    await n.pump();
    subscriber.deliveryStatuses = [500];
    await publishStory(services, { headline: 'Logged story', desk: w.deskSlug, authors: [w.authorSlug] });
    await n.pump();
    await waitFor('the delivery attempt', () => subscriber.deliveries().length === 1);
    const challenge = subscriber.verifications()[0]!.url.searchParams.get('hub.challenge')!;
    const all = [...logged, ...lines].join('\n');
    assert.match(all, /"msg":"request"/);
    assert.match(all, /WebSub delivery failed/);
    for (const [name, value] of Object.entries({ secret, challenge, feedToken: w.feedToken, callbackQuery: 'source=freewire' })) {
      assert.ok(!all.includes(value), `${name} appears in the logs`);
    }
  } finally {
    await app.close();
    await subscriber.close();
    await w.t.close();
  }
});
