/**
 * `npm start` end to end: a fresh data dir becomes a running site with demo content and a first
 * admin whose printed password works; the built-in scheduler publishes due stories; a second
 * server on the same port fails clearly; SIGTERM stops it with exit code 0; a restart keeps
 * everything and prints no new password.
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
import { FIRST_ADMIN_EMAIL } from '../../src/cli/start.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { MIGRATIONS } from '../../src/db/migrate.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

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
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startServer(env: Record<string, string>): Server {
  const fullEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
  if (process.env.TMPDIR) fullEnv.TMPDIR = process.env.TMPDIR;
  const proc = spawn(process.execPath, [BIN, 'start'], { env: fullEnv });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitForLine(server: Server, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(server.stdout());
    if (m) return m;
    const code = await Promise.race([server.exited, sleep(50).then(() => 'running' as const)]);
    if (code !== 'running') assert.fail(`server exited (${code}) before printing ${pattern}:\n${server.stdout()}\n${server.stderr()}`);
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}:\n${server.stdout()}\n${server.stderr()}`);
  }
}

async function withServices<T>(dataDir: string, fn: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig({ FREEWIRE_DATA_DIR: dataDir, FREEWIRE_LOG_LEVEL: 'silent', FREEWIRE_DEMO_CONTENT: 'false' });
  const database = createDatabase({ dataDir: config.dataDir });
  try {
    return await fn(createServices(config, database));
  } finally {
    await database.close();
  }
}

test('freewire start: demo site, first admin, scheduler, clean shutdown and restart', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-start-'));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const env = {
    FREEWIRE_DATA_DIR: dataDir,
    PORT: String(port),
    FREEWIRE_HOST: '127.0.0.1',
    FREEWIRE_LOG_LEVEL: 'silent',
    FREEWIRE_SCHEDULER_INTERVAL_MS: '200',
  };
  const base = `http://127.0.0.1:${port}`;
  const servers: Server[] = [];
  try {
    const server = startServer(env);
    servers.push(server);
    const newsroom = await waitForLine(server, /^Newsroom: (\S+) — log in as (\S+) with password (\S+) \(shown once; change it under Account\)$/m);
    assert.equal(newsroom[1], `http://localhost:${port}/newsroom`);
    assert.equal(newsroom[2], FIRST_ADMIN_EMAIL);
    const password = newsroom[3]!;
    for (const [name] of MIGRATIONS) assert.match(server.stdout(), new RegExp(`^Applying migration ${name}…$`, 'm'));
    assert.match(server.stdout(), /^Created demo content: 3 desks, 4 authors, 12 stories$/m);
    assert.match(server.stdout(), new RegExp(`^Site: http://localhost:${port}/$`, 'm'));

    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const home = await fetch(`${base}/`);
    assert.equal(home.status, 200, 'the home page renders the demo site');
    await home.arrayBuffer();

    // The printed password is the admin's (checked on the same database from this process, as
    // the newsroom login would).
    await withServices(dataDir, async (services) => {
      const admin = await services.users.authenticate(FIRST_ADMIN_EMAIL, password);
      assert.ok(admin, 'the printed password logs in');
      assert.equal(admin.role, 'admin');
    });

    // The server's own scheduler publishes a story that comes due while it runs.
    const storyId = await withServices(dataDir, async (services) => {
      const s = await services.stories.create(SYSTEM_ACTOR, { headline: 'Due any moment', body: 'Text.', desk: 'health', authors: ['priya-lindqvist'] });
      await services.stories.schedule(SYSTEM_ACTOR, s.id, new Date(Date.now() + 60_000).toISOString());
      await services.database.db.updateTable('stories').set({ scheduled_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', s.id).execute();
      return s.id;
    });
    const deadline = Date.now() + 20_000;
    while ((await withServices(dataDir, (services) => services.stories.get(storyId))).status !== 'published') {
      assert.ok(Date.now() < deadline, 'the running server publishes the due story');
      await sleep(100);
    }

    // A second server on the same port fails clearly and leaves the first one alone.
    const clash = startServer(env);
    servers.push(clash);
    assert.equal(await clash.exited, 1);
    assert.match(clash.stderr(), new RegExp(`^freewire: port ${port} is already in use`, 'm'));
    assert.doesNotMatch(clash.stderr(), /^\s+at /m);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);

    server.proc.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.stderr());

    // Restart: same data, no new admin, no second helping of demo content.
    const again = startServer(env);
    servers.push(again);
    await waitForLine(again, /^Newsroom: \S+$/m);
    assert.doesNotMatch(again.stdout(), /password|Created demo content|Applying migration/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    await withServices(dataDir, async (services) => {
      assert.equal(await services.users.count(), 1);
      assert.equal((await services.stories.list({ limit: 1, offset: 0 })).total, 13);
    });
    again.proc.kill('SIGINT');
    assert.equal(await again.exited, 0, again.stderr());
  } finally {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
