/**
 * Webhooks as a partner sees them, against real `freewire start` processes:
 *
 * - crash safety: the server is killed with SIGKILL right after a correction was acknowledged to
 *   the editor (the receiver never answered it); after a restart the receiver gets it, signed,
 *   with the same webhook-id on every attempt;
 * - several nodes: two servers on one PostgreSQL database, changes made on both, and every event
 *   reaches every endpoint exactly once.
 *
 * Set-up goes through the services on the same database (as the CLI would); everything the test
 * checks goes through HTTP: the Admin API for editors' actions, the partner API for endpoints,
 * and the receiver for what partners get.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { approvePartner } from '../../src/partners/decisions.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { publishStory, seedBasics } from '../helpers/app.js';
import { createTestDatabase, requirePostgres } from '../helpers/dialects.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { VALID_APPLICATION } from '../helpers/surface.js';
import { waitFor } from '../helpers/wait.js';

const BIN = fileURLToPath(new URL('../../bin/freewire.js', import.meta.url));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Server {
  proc: ChildProcessWithoutNullStreams;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const fullEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PORT: String(port),
    FREEWIRE_HOST: '127.0.0.1',
    FREEWIRE_LOG_LEVEL: 'warn',
    FREEWIRE_DEMO_CONTENT: 'false',
    FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1',
    FREEWIRE_ATTRIBUTION_CHECK_INTERVAL_MS: '0',
    FREEWIRE_API_RATE_LIMIT: '100000',
    ...env,
  };
  if (process.env.TMPDIR) fullEnv.TMPDIR = process.env.TMPDIR;
  const proc = spawn(process.execPath, [BIN, 'start'], { env: fullEnv });
  let output = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const server = { proc, base: `http://127.0.0.1:${port}`, output: () => output, exited };
  const deadline = Date.now() + 60_000;
  while (!/^Newsroom: /m.test(output)) {
    const state = await Promise.race([exited, sleep(50).then(() => 'running' as const)]);
    if (state !== 'running') assert.fail(`server exited (${state}) while starting:\n${output}`);
    if (Date.now() > deadline) assert.fail(`server did not start within 60 s:\n${output}`);
  }
  return server;
}

async function stopServer(s: Server): Promise<void> {
  if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGTERM');
  await s.exited;
}

interface World {
  services: Services;
  adminToken: string;
  storyId: string;
  deskSlug: string;
  authorSlug: string;
  /** Partner API keys, one per partner. */
  keys: string[];
}

/** An admin token, a published story and `partners` approved partners with an API key each. */
async function seed(database: Database, partners: number): Promise<World> {
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_LOG_LEVEL: 'silent', FREEWIRE_DEMO_CONTENT: 'false' });
  const services = createServices(config, database);
  const admin = await services.users.create(SYSTEM_ACTOR, { email: 'admin@news.test', name: 'Admin', role: 'admin', password: 'admin-password-123' });
  const { token: adminToken } = await services.users.createToken(SYSTEM_ACTOR, admin.id, 'e2e');
  const { desk, author } = await seedBasics(services);
  const story = await publishStory(services, { headline: 'Water rates rise again', desk, authors: [author] });
  const keys: string[] = [];
  for (let i = 0; i < partners; i++) {
    const p = await services.partners.apply({ ...VALID_APPLICATION, outlet: `Outlet ${i}`, email: `desk@outlet${i}.example`, website: `https://outlet${i}.example` });
    await approvePartner(services, SYSTEM_ACTOR, p.id);
    keys.push((await services.partners.createKey(SYSTEM_ACTOR, p.id, 'e2e')).key);
  }
  return { services, adminToken, storyId: story.id, deskSlug: desk, authorSlug: author, keys };
}

async function api(base: string, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Registers an endpoint per partner key at receiver paths /p0, /p1, …; returns the paths. */
async function registerEndpoints(base: string, receiver: Receiver, keys: string[]): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, key] of keys.entries()) {
    const p = `/p${i}`;
    const created = await api(base, key, 'POST', '/api/v1/webhooks', { url: `${receiver.base}${p}`, description: `partner ${i}` });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    receiver.secret(p, String(created.json.secret));
    paths.push(p);
  }
  return paths;
}

test('a correction acknowledged just before the server is killed still reaches the partner after a restart', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-crash-'));
  const dataDir = path.join(dir, 'data');
  const receiver = await startReceiver();
  let server: Server | undefined;
  let database: Database | undefined;
  try {
    server = await startServer({ FREEWIRE_DATA_DIR: dataDir });
    database = createDatabase({ dataDir });
    const w = await seed(database, 1);
    const [p] = await registerEndpoints(server.base, receiver, w.keys);

    // The endpoint takes the delivery and never answers; the editor's correction is acknowledged…
    receiver.mode = { kind: 'hang' };
    const corrected = await api(server.base, w.adminToken, 'POST', `/api/admin/stories/${w.storyId}/corrections`, { text: 'An earlier version gave the wrong rate.' });
    assert.ok(corrected.status >= 200 && corrected.status < 300, JSON.stringify(corrected.json));
    // …and the process dies at once, without any chance to clean up.
    server.proc.kill('SIGKILL');
    await server.exited;
    assert.equal(receiver.received.length, 0, 'nothing was answered before the crash');

    receiver.mode = { kind: 'accept' };
    server = await startServer({ FREEWIRE_DATA_DIR: dataDir });
    await waitFor(
      'the correction to reach the receiver after the restart',
      () => receiver.received.some((r) => r.body.type === 'story.corrected' && r.body.data.id === w.storyId),
      90_000,
      100,
    );
    const got = receiver.received.filter((r) => r.body.type === 'story.corrected');
    assert.ok(got.every((r) => r.verified && r.path === p), 'every delivery verifies with the endpoint secret');
    assert.equal(new Set(got.map((r) => r.id)).size, 1, 'one webhook-id however many attempts it took');
    assert.equal(got[0]!.body.data.correction, 'An earlier version gave the wrong rate.');
  } finally {
    if (server) await stopServer(server);
    await database?.close();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('two servers on one PostgreSQL database deliver each event to each endpoint exactly once', async (t) => {
  if (!(await requirePostgres(t))) return;
  const tdb = await createTestDatabase('postgres', { migrate: false });
  const receiver = await startReceiver();
  const servers: Server[] = [];
  try {
    await migrate(tdb.database);
    const w = await seed(tdb.database, 12);
    const env = { DATABASE_URL: tdb.url!, FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_OUTBOX_INTERVAL_MS: '100' };
    servers.push(await startServer(env), await startServer(env));
    const [a, b] = servers as [Server, Server];
    const paths = await registerEndpoints(a.base, receiver, w.keys);

    // Changes on both nodes: a correction on A, a new story on B, then a withdrawal on B.
    const corrected = await api(a.base, w.adminToken, 'POST', `/api/admin/stories/${w.storyId}/corrections`, { text: 'Corrected the rate.' });
    assert.ok(corrected.status < 300, JSON.stringify(corrected.json));
    const created = await api(b.base, w.adminToken, 'POST', '/api/admin/stories', { headline: 'Council approves the budget', body: 'The council voted.', desk: w.deskSlug, authors: [w.authorSlug] });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const newId = String(created.json.id);
    const published = await api(b.base, w.adminToken, 'POST', `/api/admin/stories/${newId}/publish`);
    assert.ok(published.status < 300, JSON.stringify(published.json));
    const withdrawn = await api(b.base, w.adminToken, 'POST', `/api/admin/stories/${w.storyId}/withdraw`, { reason: 'Legal request.' });
    assert.ok(withdrawn.status < 300, JSON.stringify(withdrawn.json));

    const expected = paths.length * 3;
    await waitFor(`${expected} deliveries`, () => receiver.received.length >= expected, 60_000, 50);
    // Settled: nothing left to send or in flight on either node, so no late duplicate can come.
    const db = tdb.database.db;
    await waitFor(
      'the outbox to be empty on both nodes',
      async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').execute()).length === 0,
      30_000,
      50,
    );
    assert.equal(receiver.received.length, expected, 'no event was delivered twice');
    assert.ok(receiver.received.every((r) => r.verified), 'every delivery verifies');
    assert.equal(new Set(receiver.received.map((r) => r.id)).size, expected, 'every delivery has its own webhook-id');
    for (const p of paths) {
      const types = receiver.received.filter((r) => r.path === p).map((r) => `${r.body.type}:${String(r.body.data.id)}`).sort();
      assert.deepEqual(types, [`story.corrected:${w.storyId}`, `story.published:${newId}`, `story.withdrawn:${w.storyId}`].sort(), `endpoint ${p}`);
      const mine = receiver.received.filter((r) => r.path === p && r.body.data.id === w.storyId).map((r) => r.body.type);
      assert.deepEqual(mine, ['story.corrected', 'story.withdrawn'], `in order per story at ${p}`);
    }
  } finally {
    await Promise.all(servers.map(stopServer));
    await receiver.close();
    await tdb.drop();
  }
});
