/**
 * The webhook delivery worker against real receivers on loopback (allow-listed, as
 * FREEWIRE_FETCH_ALLOW_LIST=127.0.0.1 would): every delivery is checked with the independent
 * `standardwebhooks` verifier; retries keep the webhook-id and the order per story; a hanging
 * receiver holds up nobody else; 410 and three days of failures disable the endpoint and email
 * the partner once; the address policy is applied at every delivery; two nodes on one database
 * send each row once.
 *
 * Endpoints and delivery rows are inserted directly: this is the worker's contract with
 * whoever fills the outbox.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../src/config.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { createServices, type Services } from '../../src/services.js';
import { newId } from '../../src/util/ids.js';
import { activeSecrets, generateSecret, sign, signatureHeaders } from '../../src/webhooks/signing.js';
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from '../../src/webhooks/worker.js';
import type { BackgroundLog } from '../../src/worker/background.js';
import { GIVE_UP_AFTER_MS } from '../../src/worker/backoff.js';
import { forEachDialect, type TestDb } from '../helpers/dialects.js';
import { waitFor } from '../helpers/wait.js';

const PUBLIC_URL = 'https://news.example.org';
const ENV = {
  FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused',
  FREEWIRE_LOG_LEVEL: 'silent',
  FREEWIRE_DEMO_CONTENT: 'false',
  FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1',
  FREEWIRE_PUBLIC_URL: PUBLIC_URL,
};

// ---- fixtures -------------------------------------------------------------------------------

interface Logged {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

function memoryLog(): BackgroundLog & { lines: Logged[] } {
  const lines: Logged[] = [];
  const log: BackgroundLog & { lines: Logged[] } = {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    child: () => log,
  };
  return log;
}

function node(database: Database): Services {
  return createServices(loadConfig(ENV), database);
}

/** A second connection (pool) to the same database: what another node would have. */
function openSecond(tdb: TestDb): Database {
  return tdb.dialect === 'sqlite' ? createDatabase({ sqliteFile: tdb.sqliteFile! }) : createDatabase({ databaseUrl: tdb.url!, poolSize: 4 });
}

let partnerSeq = 0;

async function addPartner(db: Services['database']['db'], users: Array<{ email: string; status: 'active' | 'disabled' }> = []): Promise<{ id: string; email: string }> {
  const now = new Date().toISOString();
  const n = ++partnerSeq;
  const id = newId();
  const email = `desk${n}@outlet${n}.example`;
  await db
    .insertInto('partners')
    .values({
      id, outlet: `Outlet ${n}`, website: `https://outlet${n}.example`, domain: `outlet${n}.example`, contact_name: 'Desk', email, audience: 1000,
      evidence: 'e', intended_use: 'u', status: 'approved', kind: 'free', eligibility_json: '{}', decision_reason: null, decided_by: null,
      decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
    })
    .execute();
  for (const u of users) {
    await db.insertInto('partner_users').values({ id: newId(), partner_id: id, email: u.email, name: 'User', password_hash: null, status: u.status, created_at: now, updated_at: now }).execute();
  }
  return { id, email };
}

interface Endpoint {
  id: string;
  partnerId: string;
  secret: string;
  url: string;
}

async function addEndpoint(
  db: Services['database']['db'],
  partnerId: string,
  url: string,
  extra: Partial<{ previous_secret: string; previous_secret_expires_at: string; failing_since: string }> = {},
): Promise<Endpoint> {
  const now = new Date().toISOString();
  const id = newId();
  const secret = generateSecret();
  await db
    .insertInto('webhook_endpoints')
    .values({
      id, partner_id: partnerId, url, description: '', events_json: '[]', secret, previous_secret: null, previous_secret_expires_at: null, status: 'enabled',
      disabled_reason: null, disabled_at: null, failing_since: null, created_at: now, updated_at: now, ...extra,
    })
    .execute();
  return { id, partnerId, secret, url };
}

let eventSeq = 0;

interface Delivery {
  id: string;
  messageId: string;
  body: string;
  eventId: number | null;
  storyId: string;
}

async function addDelivery(
  db: Services['database']['db'],
  ep: Endpoint,
  opts: { storyId?: string; eventId?: number | null; createdAt?: string; type?: string } = {},
): Promise<Delivery> {
  const now = new Date().toISOString();
  const eventId = opts.eventId === undefined ? ++eventSeq : opts.eventId;
  const storyId = opts.storyId ?? newId();
  const type = opts.type ?? 'story.corrected';
  const body = JSON.stringify({ type, timestamp: now, data: { id: storyId, event: eventId, correction: 'The mayor’s name is spelled Zoë, not Zoe.' } });
  const row = { id: newId(), messageId: `msg_${newId()}`, body, eventId, storyId };
  await db
    .insertInto('webhook_deliveries')
    .values({
      id: row.id, endpoint_id: ep.id, partner_id: ep.partnerId, event_id: eventId, message_id: row.messageId, type, story_id: storyId, story_version: '2',
      body, status: 'pending', attempts: 0, next_attempt_at: opts.createdAt ?? now, created_at: opts.createdAt ?? now,
    })
    .execute();
  return row;
}

async function deliveryRow(db: Services['database']['db'], id: string) {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function endpointRow(db: Services['database']['db'], id: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Answer = { status: number; body?: string | Buffer; headers?: Record<string, string> } | 'hang';

interface Receiver {
  base: string;
  port: number;
  received: Received[];
  connections: number;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1; `answer` decides each response (default 200). */
async function receiver(t: TestContext, answer: (r: Received, n: number) => Answer | Promise<Answer> = () => ({ status: 200 })): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state = { connections: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      void Promise.resolve(answer(r, received.length)).then((a) => {
        if (a === 'hang') {
          hanging.add(res);
          return;
        }
        res.on('error', () => undefined);
        res.writeHead(a.status, a.headers ?? {});
        res.end(a.body ?? '');
      });
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    received,
    get connections() {
      return state.connections;
    },
    close,
  };
}

/** Verifies a received delivery with the standardwebhooks package; throws when it does not verify. */
function verify(secret: string, r: Received): unknown {
  return new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
}

async function withWorker<T>(services: Services, opts: WebhookWorkerOptions, fn: (w: WebhookWorker, log: ReturnType<typeof memoryLog>) => Promise<T>): Promise<T> {
  const log = memoryLog();
  const worker = startWebhookWorker(services, log, { autoStart: false, ...opts });
  try {
    return await fn(worker, log);
  } finally {
    await worker.stop();
  }
}

// ---- signing: the spec's vectors ------------------------------------------------------------

interface Vector {
  name: string;
  secret?: string;
  secrets_that_verify?: string[];
  'webhook-id': string;
  'webhook-timestamp': string;
  body: string;
  expected_signature?: string;
  'webhook-signature-header': string;
  verify_at_unix?: number;
  valid: boolean;
}

const vectors = (JSON.parse(readFileSync(new URL('../fixtures/standard-webhooks/test-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

/** Runs fn with Date.now pinned (the verifier rejects timestamps more than 5 minutes away). */
function at<T>(unixSeconds: number, fn: () => T): T {
  const real = Date.now;
  Date.now = () => unixSeconds * 1000;
  try {
    return fn();
  } finally {
    Date.now = real;
  }
}

test('sign() reproduces every Standard Webhooks vector, and the independent verifier agrees', () => {
  assert.ok(vectors.length >= 9);
  for (const v of vectors) {
    const ts = Number(v['webhook-timestamp']);
    const secrets = v.secrets_that_verify ?? [v.secret!];
    const headers = { 'webhook-id': v['webhook-id'], 'webhook-timestamp': v['webhook-timestamp'], 'webhook-signature': v['webhook-signature-header'] };
    const ours = secrets.map((s) => sign(s, v['webhook-id'], ts, v.body));
    const sent = v['webhook-signature-header'].split(' ');
    if (v.expected_signature) assert.equal(ours[0], v.expected_signature, v.name);
    const stale = v.verify_at_unix !== undefined && Math.abs(v.verify_at_unix - ts) > 300;
    if (v.valid) {
      // Every signature in the header is one of ours, and signatureHeaders builds the same header.
      assert.deepEqual([...sent].sort(), [...ours].sort(), v.name);
      assert.deepEqual(new Set(signatureHeaders(secrets, v['webhook-id'], ts, v.body)['webhook-signature'].split(' ')), new Set(sent), v.name);
    } else if (stale) {
      // The signature itself is right; only its age makes it invalid.
      assert.ok(sent.includes(ours[0]!), v.name);
    } else {
      assert.ok(!sent.includes(ours[0]!), `${v.name}: our signature must not match a tampered or unknown one`);
    }
    for (const secret of secrets) {
      const check = (): unknown => at(v.verify_at_unix ?? ts, () => new Webhook(secret).verify(v.body, headers));
      if (v.valid) assert.doesNotThrow(check, v.name);
      else assert.throws(check, v.name);
    }
  }
});

test('activeSecrets: the previous secret signs for 24 hours after a rotation, then stops', () => {
  const now = new Date('2026-12-03T12:00:00.000Z');
  const ep = { secret: 'whsec_new', previous_secret: 'whsec_old', previous_secret_expires_at: '2026-12-04T11:00:00.000Z' };
  assert.deepEqual(activeSecrets(ep, now), ['whsec_new', 'whsec_old']);
  assert.deepEqual(activeSecrets(ep, new Date('2026-12-04T12:00:00.000Z')), ['whsec_new']);
  assert.deepEqual(activeSecrets({ ...ep, previous_secret: null }, now), ['whsec_new']);
});

// ---- delivering -----------------------------------------------------------------------------

forEachDialect('every delivery is signed (verified independently), recorded, and sent as soon as the signal fires', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const rx = await receiver(t);
  const partner = await addPartner(db);
  const ep = await addEndpoint(db, partner.id, `${rx.base}/hooks/freewire?x=1`);
  // A long poll interval: only the signal can explain a prompt delivery.
  const log = memoryLog();
  const worker = startWebhookWorker(services, log, { intervalMs: 60_000 });
  try {
    await worker.idle();
    await addDelivery(db, ep);
    await addDelivery(db, ep);
    await addDelivery(db, ep, { eventId: null, type: 'webhook.test' });
    services.signals.webhooks.notify();
    await waitFor('three deliveries', () => rx.received.length >= 3);
    await worker.idle();
  } finally {
    await worker.stop();
  }
  assert.equal(rx.received.length, 3);
  for (const r of rx.received) {
    assert.equal(r.path, '/hooks/freewire?x=1');
    assert.doesNotThrow(() => verify(ep.secret, r), 'verifies with the standardwebhooks package');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.match(r.headers['user-agent']!, /Freewire/);
    assert.ok(r.headers['user-agent']!.includes(PUBLIC_URL));
    assert.match(String(r.headers['webhook-id']), /^msg_/);
    assert.equal(String(r.headers['webhook-signature']).split(' ').length, 1, 'one signature outside a rotation');
    assert.throws(() => verify(generateSecret(), r), 'another secret does not verify');
  }
  const rows = await db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', ep.id).orderBy('id').execute();
  for (const row of rows) {
    assert.equal(row.status, 'delivered');
    assert.equal(row.attempts, 1);
    assert.equal(row.response_status, 200);
    assert.ok(row.delivered_at && row.last_attempt_at);
    assert.equal(typeof row.duration_ms, 'number');
    assert.equal(row.claim_token, null);
    assert.equal(row.last_error, null);
    const got = rx.received.find((r) => r.headers['webhook-id'] === row.message_id);
    assert.ok(got, 'webhook-id is the row’s message id');
    assert.equal(got.body, row.body, 'the exact stored body');
  }
  assert.deepEqual(log.lines.filter((l) => l.level === 'error'), []);
});

forEachDialect('during a rotation both signatures are sent and each secret verifies; after 24 hours only the new one', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const rx = await receiver(t);
  const partner = await addPartner(db);
  const old = generateSecret();
  const ep = await addEndpoint(db, partner.id, `${rx.base}/h`, { previous_secret: old, previous_secret_expires_at: new Date(Date.now() + 23 * 3600_000).toISOString() });
  await withWorker(services, {}, async (worker) => {
    await addDelivery(db, ep);
    await worker.runOnce();
    assert.equal(rx.received.length, 1);
    const during = rx.received[0]!;
    assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2);
    assert.doesNotThrow(() => verify(ep.secret, during), 'the new secret verifies');
    assert.doesNotThrow(() => verify(old, during), 'the old secret verifies');

    // 24 hours after the rotation.
    await db.updateTable('webhook_endpoints').set({ previous_secret_expires_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', ep.id).execute();
    await addDelivery(db, ep);
    await worker.runOnce();
    assert.equal(rx.received.length, 2);
    const after = rx.received[1]!;
    assert.equal(String(after.headers['webhook-signature']).split(' ').length, 1);
    assert.doesNotThrow(() => verify(ep.secret, after));
    assert.throws(() => verify(old, after), 'the old secret no longer verifies');
  });
});

forEachDialect('a failure is retried on the schedule: first retry about 5 s later, with the status and the response in the log', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const rx = await receiver(t, () => ({ status: 503, body: `Maintenance until noon.\n${'x'.repeat(5000)}` }));
  const partner = await addPartner(db);
  const ep = await addEndpoint(db, partner.id, `${rx.base}/h`);
  const d = await addDelivery(db, ep);
  await withWorker(services, {}, async (worker) => {
    assert.equal(await worker.runOnce(), 1);
    // Not due again yet: a second pass sends nothing.
    assert.equal(await worker.runOnce(), 0);
  });
  const row = await deliveryRow(db, d.id);
  assert.equal(row.status, 'pending');
  assert.equal(row.attempts, 1);
  assert.equal(row.response_status, 503);
  assert.equal(row.claim_token, null);
  const wait = Date.parse(row.next_attempt_at) - Date.parse(row.last_attempt_at!);
  assert.ok(wait >= 4000 && wait <= 6000, `first retry after ~5 s, not ${wait} ms`);
  assert.match(row.last_error!, /503/);
  assert.match(row.last_error!, /Maintenance until noon\./);
  assert.ok(row.last_error!.length < 800, 'only the start of the response is kept');
  const endpoint = await endpointRow(db, ep.id);
  assert.equal(endpoint.status, 'enabled');
  assert.ok(endpoint.failing_since, 'the endpoint is marked failing');
});

forEachDialect('a receiver answering 503 for a while gets every event, in order per story, with the same webhook-id on every attempt', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const FAILURES = 5;
  const rx = await receiver(t, (_r, n) => (n <= FAILURES ? { status: 503 } : { status: 204 }));
  const partner = await addPartner(db);
  const ep = await addEndpoint(db, partner.id, `${rx.base}/h`);
  const storyA = newId();
  const storyB = newId();
  const sent: Delivery[] = [];
  for (let i = 0; i < 4; i++) {
    sent.push(await addDelivery(db, ep, { storyId: storyA }));
    sent.push(await addDelivery(db, ep, { storyId: storyB }));
  }
  // Failed rows come due again at once instead of in 5 s, 5 min, ….
  await withWorker(services, { retryDelayMs: () => 0 }, async (worker) => {
    for (let i = 0; i < 20 && (await worker.runOnce()) > 0; i++);
  });
  assert.equal(rx.received.length, sent.length + FAILURES);
  const ok = rx.received.slice(FAILURES);
  for (const r of rx.received) assert.doesNotThrow(() => verify(ep.secret, r));
  // Every event arrived, once, in event order within each story.
  for (const story of [storyA, storyB]) {
    const expected = sent.filter((d) => d.storyId === story).map((d) => d.eventId);
    const got = ok.map((r) => JSON.parse(r.body) as { data: { id: string; event: number } }).filter((b) => b.data.id === story).map((b) => b.data.event);
    assert.deepEqual(got, expected, 'in order per story');
  }
  // Every attempt of a delivery carried its one webhook-id.
  for (const r of rx.received.slice(0, FAILURES)) {
    const d = sent.find((s) => s.body === r.body)!;
    assert.equal(r.headers['webhook-id'], d.messageId);
  }
  const rows = await db.selectFrom('webhook_deliveries').select(['status', 'attempts']).where('endpoint_id', '=', ep.id).execute();
  assert.ok(rows.every((r) => r.status === 'delivered'));
  assert.equal(rows.reduce((n, r) => n + r.attempts, 0), sent.length + FAILURES);
  assert.equal((await endpointRow(db, ep.id)).failing_since, null, 'a success clears failing_since');
});

forEachDialect('an endpoint that never answers does not delay another endpoint, and stop() releases its claims', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const slow = await receiver(t, () => 'hang');
  const fast = await receiver(t);
  const p1 = await addPartner(db);
  const p2 = await addPartner(db);
  const hanging = await addEndpoint(db, p1.id, `${slow.base}/h`);
  const healthy = await addEndpoint(db, p2.id, `${fast.base}/h`);
  const stuck = [];
  for (let i = 0; i < 6; i++) stuck.push(await addDelivery(db, hanging));
  const log = memoryLog();
  // Few slots, so a worker that let one endpoint take them all would stall the other.
  const worker = startWebhookWorker(services, log, { concurrency: 4, intervalMs: 50 });
  try {
    await waitFor('the hanging endpoint to hold its requests', () => slow.received.length >= 2);
    const quick = [];
    for (let i = 0; i < 5; i++) quick.push(await addDelivery(db, healthy));
    services.signals.webhooks.notify();
    await waitFor('the healthy endpoint’s deliveries', async () => {
      const rows = await db.selectFrom('webhook_deliveries').select('status').where('endpoint_id', '=', healthy.id).execute();
      return rows.every((r) => r.status === 'delivered');
    });
    assert.equal(slow.received.length, 2, 'at most two requests in flight to one endpoint');
    const held = await db.selectFrom('webhook_deliveries').select(['status', 'claim_token']).where('endpoint_id', '=', hanging.id).execute();
    assert.ok(held.every((r) => r.status === 'pending'));
    assert.equal(held.filter((r) => r.claim_token !== null).length, 2);
  } finally {
    await worker.stop();
  }
  // The two unanswered requests are back in the queue, unclaimed and not counted as attempts.
  const after = await db.selectFrom('webhook_deliveries').select(['status', 'claim_token', 'claimed_until', 'attempts']).where('endpoint_id', '=', hanging.id).execute();
  for (const r of after) {
    assert.equal(r.status, 'pending');
    assert.equal(r.claim_token, null);
    assert.equal(r.claimed_until, null);
    assert.equal(r.attempts, 0);
  }
  assert.deepEqual(log.lines.filter((l) => l.level === 'error'), []);
});

forEachDialect('410 Gone disables the endpoint at once, fails its waiting deliveries and emails the partner', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const rx = await receiver(t, () => ({ status: 410, body: 'This hook was removed.' }));
  const partner = await addPartner(db, [{ email: 'editor@outlet.example', status: 'active' }, { email: 'gone@outlet.example', status: 'disabled' }]);
  const ep = await addEndpoint(db, partner.id, `${rx.base}/old-hook`);
  const story = newId();
  const first = await addDelivery(db, ep, { storyId: story });
  const waiting = [await addDelivery(db, ep, { storyId: story }), await addDelivery(db, ep)];
  await withWorker(services, { perEndpoint: 1, concurrency: 1 }, async (worker, log) => {
    await worker.runOnce();
    assert.ok(log.lines.some((l) => l.level === 'warn' && /disabled/.test(l.msg)));
  });
  assert.equal(rx.received.length, 1, 'nothing is sent after the 410');
  const endpoint = await endpointRow(db, ep.id);
  assert.equal(endpoint.status, 'disabled');
  assert.match(endpoint.disabled_reason!, /410/);
  assert.ok(endpoint.disabled_at);
  const gone = await deliveryRow(db, first.id);
  assert.equal(gone.status, 'failed');
  assert.equal(gone.response_status, 410);
  assert.match(gone.last_error!, /410/);
  for (const w of waiting) {
    const row = await deliveryRow(db, w.id);
    assert.equal(row.status, 'failed');
    assert.match(row.last_error!, /endpoint was disabled/);
  }
  const mail = await db.selectFrom('mail_outbox').selectAll().orderBy('to_address').execute();
  assert.deepEqual(mail.map((m) => m.to_address), ['editor@outlet.example', partner.email].sort(), 'the contact and active portal users, not disabled ones');
  for (const m of mail) {
    assert.ok(m.subject.includes(ep.url));
    assert.match(m.text_body, /410 Gone/);
    assert.ok(m.text_body.includes(`${PUBLIC_URL}/partners/webhooks`), 'says where to enable it again');
    assert.match(m.text_body, /2 deliveries that were waiting/);
  }
});

forEachDialect('three days of failures disable the endpoint with one email, however many nodes see it fail', async (t, tdb) => {
  const nodeA = node(tdb.database);
  const { db } = tdb.database;
  const secondDb = openSecond(tdb);
  try {
    const nodeB = node(secondDb);
    // Both requests are answered only once both have arrived, so both nodes fail at once.
    let release!: () => void;
    const bothIn = new Promise<void>((resolve) => (release = resolve));
    const concurrent = tdb.dialect === 'postgres';
    const rx = await receiver(t, async (_r, n) => {
      if (concurrent) {
        if (n === 2) release();
        await bothIn;
      }
      return { status: 500, body: 'Internal error' };
    });
    const partner = await addPartner(db);
    const since = new Date(Date.now() - GIVE_UP_AFTER_MS - 60_000).toISOString();
    const ep = await addEndpoint(db, partner.id, `${rx.base}/h`, { failing_since: since });
    const rows = [await addDelivery(db, ep), await addDelivery(db, ep), await addDelivery(db, ep)];
    const opts = { perEndpoint: 1, concurrency: 1 };
    await withWorker(nodeA, opts, async (a) => {
      await withWorker(nodeB, opts, async (b) => {
        // On PostgreSQL the two nodes run truly at once. On SQLite two connections in one
        // thread cannot interleave write transactions, so the nodes take turns.
        if (concurrent) await Promise.all([a.runOnce(), b.runOnce()]);
        else {
          await a.runOnce();
          await b.runOnce();
        }
        await a.runOnce();
        await b.runOnce();
      });
    });
    assert.equal(rx.received.length, concurrent ? 2 : 1);
    const endpoint = await endpointRow(db, ep.id);
    assert.equal(endpoint.status, 'disabled');
    assert.match(endpoint.disabled_reason!, /3 days/);
    assert.equal(endpoint.failing_since, null, 'enabling it again starts a new three days');
    const mail = await db.selectFrom('mail_outbox').selectAll().execute();
    assert.equal(mail.length, 1, 'one email');
    assert.equal(mail[0]!.to_address, partner.email);
    assert.match(mail[0]!.text_body, /failed/);
    assert.ok(mail[0]!.text_body.includes('/partners/webhooks'));
    for (const d of rows) assert.equal((await deliveryRow(db, d.id)).status, 'failed');
  } finally {
    await secondDb.close();
  }
});

forEachDialect('a delivery failing for three days is given up (the endpoint, which succeeds elsewhere, stays)', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const rx = await receiver(t, () => ({ status: 422, body: 'Unknown story.' }));
  const partner = await addPartner(db);
  const ep = await addEndpoint(db, partner.id, `${rx.base}/h`);
  const old = await addDelivery(db, ep, { createdAt: new Date(Date.now() - GIVE_UP_AFTER_MS - 60_000).toISOString() });
  await withWorker(services, {}, (worker) => worker.runOnce());
  const row = await deliveryRow(db, old.id);
  assert.equal(row.status, 'failed');
  assert.match(row.last_error!, /Gave up after 1 attempts over 3 days/);
  assert.match(row.last_error!, /422/);
  assert.equal((await endpointRow(db, ep.id)).status, 'enabled');
  assert.equal((await db.selectFrom('mail_outbox').selectAll().execute()).length, 0);
});

forEachDialect('the address policy applies at every delivery: a host resolving to a private address is refused before connecting', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const rx = await receiver(t);
  const partner = await addPartner(db);
  // Registered when the name pointed elsewhere; now it resolves to loopback, or to a private address.
  const toLoopback = await addEndpoint(db, partner.id, `https://hooks.partner.example:${rx.port}/h`);
  const toPrivate = await addEndpoint(db, partner.id, 'https://intranet.partner.example/h');
  const plainHttp = await addEndpoint(db, partner.id, 'http://hooks.partner.example/h');
  const d1 = await addDelivery(db, toLoopback);
  const d2 = await addDelivery(db, toPrivate);
  const d3 = await addDelivery(db, plainHttp);
  const resolve = async (host: string) => [{ address: host.startsWith('hooks.') ? '127.0.0.1' : '10.0.0.5', family: 4 as const }];
  // Nothing is allow-listed here (the loopback exemption is what the other tests use).
  await withWorker(services, { allowList: [], resolve }, (worker) => worker.runOnce());
  assert.equal(rx.connections, 0, 'no connection was made');
  const r1 = await deliveryRow(db, d1.id);
  assert.equal(r1.status, 'pending');
  assert.equal(r1.attempts, 1);
  assert.equal(r1.response_status, null);
  assert.match(r1.last_error!, /Refused to send: 127\.0\.0\.1 is a loopback address \(hooks\.partner\.example resolves to it\)/);
  assert.match((await deliveryRow(db, d2.id)).last_error!, /10\.0\.0\.5 is a private address/);
  assert.match((await deliveryRow(db, d3.id)).last_error!, /must use https/);
});

forEachDialect('redirects are not followed (a 302 is a failure), and a 1 MB answer is cut at 64 KB without failing', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const big = Buffer.alloc(1024 * 1024, 'a');
  const rx = await receiver(t, (r) => {
    if (r.path === '/moved') return { status: 302, headers: { location: '/new-home' } };
    if (r.path === '/big-ok') return { status: 200, body: big };
    if (r.path === '/big-error') return { status: 500, body: big };
    return { status: 200 };
  });
  const partner = await addPartner(db);
  const moved = await addDelivery(db, await addEndpoint(db, partner.id, `${rx.base}/moved`));
  const bigOk = await addDelivery(db, await addEndpoint(db, partner.id, `${rx.base}/big-ok`));
  const bigError = await addDelivery(db, await addEndpoint(db, partner.id, `${rx.base}/big-error`));
  await withWorker(services, {}, (worker) => worker.runOnce());
  assert.deepEqual(rx.received.map((r) => r.path).sort(), ['/big-error', '/big-ok', '/moved'], 'the redirect target was never requested');
  const m = await deliveryRow(db, moved.id);
  assert.equal(m.status, 'pending');
  assert.equal(m.response_status, 302);
  assert.match(m.last_error!, /302.*redirect to \/new-home.*not followed/);
  const ok = await deliveryRow(db, bigOk.id);
  assert.equal(ok.status, 'delivered');
  assert.equal(ok.response_status, 200);
  const err = await deliveryRow(db, bigError.id);
  assert.equal(err.status, 'pending');
  assert.ok(err.last_error!.length < 800);
});

forEachDialect('two nodes on one database deliver each of 200 rows exactly once', async (t, tdb) => {
  const nodeA = node(tdb.database);
  const { db } = tdb.database;
  const secondDb = openSecond(tdb);
  try {
    const nodeB = node(secondDb);
    const rx = await receiver(t, () => ({ status: 204 }));
    const endpoints: Endpoint[] = [];
    for (let i = 0; i < 40; i++) endpoints.push(await addEndpoint(db, (await addPartner(db)).id, `${rx.base}/e${i}`));
    const rows: Delivery[] = [];
    for (let i = 0; i < 5; i++) for (const ep of endpoints) rows.push(await addDelivery(db, ep, { storyId: `story-${i % 2}` }));
    const opts = { concurrency: 16, intervalMs: 20 };
    const logA = memoryLog();
    const logB = memoryLog();
    const a = startWebhookWorker(nodeA, logA, opts);
    const b = startWebhookWorker(nodeB, logB, opts);
    try {
      await waitFor('200 deliveries', () => rx.received.length >= rows.length, 30_000);
      await Promise.all([a.idle(), b.idle()]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    assert.equal(rx.received.length, rows.length);
    assert.equal(new Set(rx.received.map((r) => r.headers['webhook-id'])).size, rows.length, 'each delivery once');
    for (const r of rx.received) {
      const ep = endpoints[Number(r.path.slice(2))]!;
      assert.doesNotThrow(() => verify(ep.secret, r));
    }
    const statuses = await db.selectFrom('webhook_deliveries').select(['status', 'attempts']).execute();
    assert.ok(statuses.every((s) => s.status === 'delivered' && s.attempts === 1));
    assert.deepEqual([...logA.lines, ...logB.lines].filter((l) => l.level === 'error'), []);
  } finally {
    await secondDb.close();
  }
});

const BIN = fileURLToPath(new URL('../../bin/freewire.js', import.meta.url));

/** A `freewire worker` process: a real node on the same database. */
function startWorkerProcess(tdb: TestDb): { proc: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    FREEWIRE_LOG_LEVEL: 'info',
    FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1',
    FREEWIRE_OUTBOX_INTERVAL_MS: '50',
    FREEWIRE_SCHEDULER_INTERVAL_MS: '3600000',
    FREEWIRE_ATTRIBUTION_CHECK_INTERVAL_MS: '0',
  };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  if (tdb.dialect === 'sqlite') env.FREEWIRE_DATA_DIR = path.dirname(tdb.sqliteFile!);
  else env.DATABASE_URL = tdb.url!;
  const proc = spawn(process.execPath, [BIN, 'worker'], { env });
  let output = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => output, exited };
}

forEachDialect('two `freewire worker` processes on one database send each delivery exactly once', async (t, tdb) => {
  const { db } = tdb.database;
  const rx = await receiver(t, () => ({ status: 200 }));
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < 30; i++) endpoints.push(await addEndpoint(db, (await addPartner(db)).id, `${rx.base}/e${i}`));
  const workers = [startWorkerProcess(tdb), startWorkerProcess(tdb)];
  const N = 300;
  try {
    await waitFor('both workers to start', () => workers.every((w) => w.output().includes('Worker running')), 20_000);
    // All rows appear in one commit, while both nodes are polling.
    const now = new Date().toISOString();
    const rows = Array.from({ length: N }, (_, i) => {
      const ep = endpoints[i % endpoints.length]!;
      return {
        id: newId(), endpoint_id: ep.id, partner_id: ep.partnerId, event_id: 1000 + i, message_id: `msg_${newId()}`, type: 'story.withdrawn', story_id: `story-${i % 7}`,
        story_version: '3', body: JSON.stringify({ type: 'story.withdrawn', timestamp: now, data: { n: i } }), status: 'pending' as const, attempts: 0, next_attempt_at: now, created_at: now,
      };
    });
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 100) await trx.insertInto('webhook_deliveries').values(rows.slice(i, i + 100)).execute();
    });
    await waitFor(`${N} deliveries`, () => rx.received.length >= N, 60_000);
    await waitFor('every row recorded', async () => {
      const left = await db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').limit(1).execute();
      return left.length === 0;
    }, 20_000);
  } finally {
    for (const w of workers) w.proc.kill('SIGTERM');
  }
  const codes = await Promise.all(workers.map((w) => w.exited));
  assert.deepEqual(codes, [0, 0], workers.map((w) => w.output()).join('\n---\n'));
  assert.equal(rx.received.length, N);
  assert.equal(new Set(rx.received.map((r) => r.headers['webhook-id'])).size, N, 'no delivery sent twice');
  for (const r of rx.received) assert.doesNotThrow(() => verify(endpoints[Number(r.path.slice(2))]!.secret, r));
  for (const w of workers) assert.doesNotMatch(w.output(), /"level":50/, 'no errors');
});

forEachDialect('an expired claim (a node that died) is taken over; later events of a story wait for earlier ones, replays do not', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const rx = await receiver(t);
  const partner = await addPartner(db);
  const ep = await addEndpoint(db, partner.id, `${rx.base}/h`);
  const now = Date.now();
  const orphaned = await addDelivery(db, ep);
  await db.updateTable('webhook_deliveries').set({ claim_token: 'dead-node', claimed_until: new Date(now - 1000).toISOString() }).where('id', '=', orphaned.id).execute();
  const inFlightElsewhere = await addDelivery(db, ep);
  await db.updateTable('webhook_deliveries').set({ claim_token: 'live-node', claimed_until: new Date(now + 60_000).toISOString() }).where('id', '=', inFlightElsewhere.id).execute();
  const story = newId();
  const failing = await addDelivery(db, ep, { storyId: story });
  await db.updateTable('webhook_deliveries').set({ attempts: 2, next_attempt_at: new Date(now + 3600_000).toISOString() }).where('id', '=', failing.id).execute();
  const later = await addDelivery(db, ep, { storyId: story });
  const replay = await addDelivery(db, ep, { storyId: story, eventId: null });
  await withWorker(services, {}, (worker) => worker.runOnce());
  assert.deepEqual(rx.received.map((r) => r.headers['webhook-id']).sort(), [orphaned.messageId, replay.messageId].sort());
  assert.equal((await deliveryRow(db, orphaned.id)).status, 'delivered');
  assert.equal((await deliveryRow(db, inFlightElsewhere.id)).claim_token, 'live-node', 'a live claim is left alone');
  assert.equal((await deliveryRow(db, later.id)).attempts, 0, 'held back behind the story’s earlier event');
  // Once the earlier event is delivered, the later one goes.
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: new Date(now - 1000).toISOString() }).where('id', '=', failing.id).execute();
  await withWorker(services, {}, (worker) => worker.runOnce());
  const order = rx.received.slice(2).map((r) => r.headers['webhook-id']);
  assert.deepEqual(order, [failing.messageId, later.messageId]);
});

forEachDialect('database errors are logged and retried, never thrown', async (t, tdb) => {
  const services = node(tdb.database);
  const { db } = tdb.database;
  const rx = await receiver(t);
  const partner = await addPartner(db);
  const d = await addDelivery(db, await addEndpoint(db, partner.id, `${rx.base}/h`));
  await withWorker(services, {}, async (worker, log) => {
    // The outbox table is briefly not there (a failed query, whatever the cause).
    await sql`alter table webhook_deliveries rename to webhook_deliveries_away`.execute(db);
    assert.equal(await worker.runOnce(), 0);
    assert.ok(log.lines.some((l) => l.level === 'error' && /retrying on the next pass/.test(l.msg)));
    await sql`alter table webhook_deliveries_away rename to webhook_deliveries`.execute(db);
    assert.equal(await worker.runOnce(), 1);
  });
  assert.equal((await deliveryRow(db, d.id)).status, 'delivered');
});
