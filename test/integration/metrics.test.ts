/**
 * Prometheus metrics: /metrics is off without FREEWIRE_METRICS_TOKEN, refuses any other token,
 * and with the right one answers the text exposition format; request series are labelled by the
 * route pattern (never the slug or a made-up URL); page cache, pixel, usage flush, outbox backlog
 * and scheduler series move when those things happen; the separate listener serves without a
 * token; `freewire start` opens and closes it. Database-backed parts run on both engines.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createServices } from '../../src/services.js';
import { DURATION_BUCKETS } from '../../src/metrics/metrics.js';
import { bearerMatches } from '../../src/metrics/routes.js';
import { startMetricsServer } from '../../src/metrics/server.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { startScheduler, type SchedulerLog } from '../../src/worker/scheduler.js';
import { buildTestApp, publishStory, seedBasics } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';
import { buildWorld } from '../helpers/surface.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'metrics-token-0123456789-abcdef';
const ENV = { FREEWIRE_METRICS_TOKEN: TOKEN, FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' };
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (version 0.0.4) into samples; fails on a malformed line. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && /[\w:]/.test(line[i]!)) i++;
    const name = line.slice(0, i);
    assert.ok(name, `no metric name: ${line}`);
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const eq = line.indexOf('=', i);
        const key = line.slice(i, eq);
        assert.match(key, /^[a-zA-Z_]\w*$/, `bad label name in: ${line}`);
        assert.equal(line[eq + 1], '"', `unquoted label value in: ${line}`);
        let j = eq + 2;
        let value = '';
        while (line[j] !== '"') {
          assert.ok(j < line.length, `unterminated label value: ${line}`);
          if (line[j] === '\\') {
            const next = line[j + 1];
            value += next === 'n' ? '\n' : next;
            j += 2;
          } else value += line[j++];
        }
        labels[key] = value;
        i = j + 1;
        if (line[i] === ',') i++;
      }
      i++;
    }
    assert.equal(line[i], ' ', `no space before the value: ${line}`);
    const raw = line.slice(i + 1);
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    assert.ok(raw === 'Nan' || !Number.isNaN(value), `bad value in: ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((sum, s) => sum + s.value, 0);
}

async function scrape(app: FastifyInstance): Promise<Sample[]> {
  const r = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.statusCode, 200, r.body.slice(0, 300));
  assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(r.body);
}

const quietLog: SchedulerLog = { info: () => undefined, error: () => undefined };

forEachDialect('/metrics is 404 without FREEWIRE_METRICS_TOKEN and adds no request hook', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    assert.equal(t.services.metrics.enabled, false);
    const r = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.statusCode, 404);
    await t.app.inject({ url: '/healthz' });
    // Off means off: nothing was counted for the requests above.
    assert.equal(value(parseExposition(await t.services.metrics.scrape()), 'freewire_http_requests_total'), 0);
  } finally {
    await t.close();
  }
});

forEachDialect('/metrics refuses a missing, wrong or malformed token with 401 and answers the right one', async (_t, tdb) => {
  const t = await buildTestApp(tdb, ENV);
  try {
    const refused: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-0123456789-abcdef' },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: TOKEN },
      { authorization: `Bearer ${'a'.repeat(5000)}` },
    ];
    for (const headers of refused) {
      const r = await t.app.inject({ url: '/metrics', headers });
      assert.equal(r.statusCode, 401, JSON.stringify(headers).slice(0, 80));
      assert.equal(r.headers['www-authenticate'], 'Bearer realm="metrics"');
      assert.doesNotMatch(r.body, /freewire_http/);
    }
    // Whatever a client sends as Authorization (printable, as HTTP allows), it is a 401, never a 5xx.
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 700 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(printable, printable.map((x) => `Bearer ${x}`), printable.map((x) => `Bearer ${TOKEN}${x}`)), async (authorization) => {
        fc.pre(authorization.trim() !== '' && !/^bearer +metrics-token-0123456789-abcdef *$/i.test(authorization));
        const r = await t.app.inject({ url: '/metrics', headers: { authorization } });
        assert.equal(r.statusCode, 401, authorization);
      }),
      { numRuns: 150 },
    );
    const ok = await t.app.inject({ url: '/metrics', headers: { authorization: `bearer ${TOKEN}` } });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(ok.headers['cache-control'], 'no-store');
    const samples = parseExposition(ok.body);
    // Process metrics from prom-client's default collectors, on this app's own registry.
    assert.ok(value(samples, 'process_resident_memory_bytes') > 0);
    assert.ok(samples.some((s) => s.name.startsWith('nodejs_eventloop_lag')));
  } finally {
    await t.close();
  }
});

forEachDialect('scrapes stay out of the access log; other requests are still logged', async (_t, tdb) => {
  const lines: string[] = [];
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'info', FREEWIRE_METRICS_TOKEN: TOKEN });
  const app = await buildApp({ services: createServices(config, tdb.database), logStream: { write: (line: string) => lines.push(line) } });
  try {
    await app.ready();
    assert.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
    assert.equal((await app.inject({ url: '/metrics' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    assert.ok(lines.some((l) => l.includes('/healthz')), 'the request log is on');
    assert.deepEqual(lines.filter((l) => l.includes('/metrics')), []);
  } finally {
    await app.close();
  }
});

test('bearerMatches accepts exactly the configured token', () => {
  // The same digest the route keeps of the configured token.
  const expected = (t: string) => createHash('sha256').update(t, 'utf8').digest();
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ minLength: 1, maxLength: 80 }), (a, b) => {
      const token = `t${a.replace(/\s/g, '_')}`;
      const other = `t${b.replace(/\s/g, '_')}`;
      assert.equal(bearerMatches(`Bearer ${token}`, expected(token)), true);
      assert.equal(bearerMatches(`Bearer ${other}`, expected(token)), other === token);
      assert.equal(bearerMatches(undefined, expected(token)), false);
      assert.equal(bearerMatches(token, expected(token)), false);
    }),
  );
});


forEachDialect('request series use route patterns; page cache hits and misses are counted', async (_t, tdb) => {
  const t = await buildTestApp(tdb, ENV);
  try {
    const { desk, author } = await seedBasics(t.services);
    const story = await publishStory(t.services, { headline: 'Reservoir levels fall', desk, authors: [author] });
    const before = await scrape(t.app);
    const route = { route: '/stories/:slug', method: 'GET', status: '2xx' };
    assert.equal(value(before, 'freewire_http_requests_total', route), 0);

    for (let i = 0; i < 3; i++) assert.equal((await t.app.inject({ url: `/stories/${story.slug}` })).statusCode, 200);
    assert.equal((await t.app.inject({ url: '/stories/no-such-story' })).statusCode, 404);
    assert.equal((await t.app.inject({ url: '/no/such/page/at-all?x=1' })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'PROPFIND', url: '/whatever' })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'HEAD', url: `/stories/${story.slug}` })).statusCode, 200);
    assert.equal((await t.app.inject({ url: `/api/admin/stories/${story.id}`, headers: { authorization: `Bearer ${t.admin.token}` } })).statusCode, 200);

    const after = await scrape(t.app);
    assert.equal(value(after, 'freewire_http_requests_total', route), 3);
    assert.equal(value(after, 'freewire_http_request_duration_seconds_count', route), 3);
    assert.equal(value(after, 'freewire_http_request_duration_seconds_bucket', { ...route, le: '+Inf' }), 3);
    assert.ok(value(after, 'freewire_http_request_duration_seconds_sum', route) > 0);
    assert.equal(value(after, 'freewire_http_requests_total', { route: '/stories/:slug', status: '4xx' }), 1);
    assert.equal(value(after, 'freewire_http_requests_total', { route: 'unmatched', method: 'GET', status: '4xx' }), 1);
    assert.equal(value(after, 'freewire_http_requests_total', { route: 'unmatched', method: 'OTHER', status: '4xx' }), 1);
    assert.equal(value(after, 'freewire_http_requests_total', { route: '/stories/:slug', method: 'HEAD', status: '2xx' }), 1);
    // Prefixed scopes report the whole pattern.
    assert.equal(value(after, 'freewire_http_requests_total', { route: '/api/admin/stories/:id', method: 'GET', status: '2xx' }), 1);
    // Buckets are cumulative and end at the count.
    const buckets = after.filter((s) => s.name === 'freewire_http_request_duration_seconds_bucket' && s.labels.route === '/stories/:slug' && s.labels.method === 'GET' && s.labels.status === '2xx');
    assert.equal(buckets.length, DURATION_BUCKETS.length + 1);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value);
    assert.equal(buckets.at(-1)!.value, 3);
    // Nothing a client typed becomes a label.
    for (const s of after) {
      for (const v of Object.values(s.labels)) {
        assert.ok(!v.includes(story.slug) && !v.includes('no-such') && !v.includes('whatever') && !v.includes('PROPFIND'), `${s.name} ${JSON.stringify(s.labels)}`);
      }
    }
    // First view rendered (and the unknown slug), the next two and the HEAD served from the cache.
    assert.equal(value(after, 'freewire_page_cache_hits_total', { cache: 'pages' }) - value(before, 'freewire_page_cache_hits_total', { cache: 'pages' }), 3);
    assert.equal(value(after, 'freewire_page_cache_misses_total', { cache: 'pages' }) - value(before, 'freewire_page_cache_misses_total', { cache: 'pages' }), 2);
  } finally {
    await t.close();
  }
});

forEachDialect('pixel hits through both doors, pending views and flush lag, webhook backlog, scheduler passes', async (_t, tdb) => {
  const w = await buildWorld(tdb, { ...ENV, FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1' });
  const { services } = w.t;
  try {
    const before = await scrape(w.app);
    assert.equal(value(before, 'freewire_pixel_hits_total'), 0);
    assert.equal(value(before, 'freewire_usage_pending_views'), 0);
    assert.equal(value(before, 'freewire_usage_flush_lag_seconds'), 0);

    // Fastify's door (inject) and the fast door in front of it (a real connection).
    const injected = await w.app.inject({ url: `/p/${w.pixelToken}.gif`, headers: { 'user-agent': UA, referer: 'https://valleyherald.example/news/water' }, remoteAddress: '198.51.100.7' });
    assert.equal(injected.statusCode, 200);
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = w.app.server.address() as net.AddressInfo;
    const fetched = await fetch(`http://127.0.0.1:${port}/p/${w.pixelToken}.gif`, { headers: { 'user-agent': `${UA} other` } });
    assert.equal(fetched.status, 200);
    await fetched.arrayBuffer();
    // HEAD is not a view.
    assert.equal((await w.app.inject({ method: 'HEAD', url: `/p/${w.pixelToken}.gif` })).statusCode, 200);

    const counted = await scrape(w.app);
    assert.equal(value(counted, 'freewire_pixel_hits_total'), 2);
    assert.equal(value(counted, 'freewire_usage_pending_views'), 2);
    assert.equal(value(counted, 'freewire_usage_pending_pages'), 1);
    assert.ok(value(counted, 'freewire_usage_flush_lag_seconds') >= 0);
    await waitFor('the flush lag to grow', async () => value(await scrape(w.app), 'freewire_usage_flush_lag_seconds') > 0);
    await services.usage.recorder.flush();
    const flushed = await scrape(w.app);
    assert.equal(value(flushed, 'freewire_usage_pending_views'), 0);
    assert.equal(value(flushed, 'freewire_usage_flush_lag_seconds'), 0);

    // A queued webhook delivery (the partner API's test call) shows in the backlog.
    const api = (method: 'POST', url: string, body?: unknown) =>
      w.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${w.apiKey}`, 'content-type': 'application/json' }, payload: JSON.stringify(body ?? {}) });
    const webhooksBefore = value(flushed, 'freewire_outbox_backlog', { queue: 'webhooks' });
    const endpoint = await api('POST', '/webhooks', { url: 'https://127.0.0.1:9/hooks' });
    assert.equal(endpoint.statusCode, 201, endpoint.body);
    const queued = await api('POST', `/webhooks/${(JSON.parse(endpoint.body) as { id: string }).id}/test`);
    assert.ok(queued.statusCode < 300, queued.body);
    const backlog = await scrape(w.app);
    assert.equal(value(backlog, 'freewire_outbox_backlog', { queue: 'webhooks' }), webhooksBefore + 1);
    assert.ok(backlog.some((s) => s.name === 'freewire_outbox_backlog' && s.labels.queue === 'websub'));
    const mail = await services.database.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow();
    assert.equal(value(backlog, 'freewire_outbox_backlog', { queue: 'mail' }), Number(mail.n));

    // A consumer that has handled nothing yet is behind by every event in the log.
    await services.database.db.insertInto('event_consumers').values({ name: 'metrics-test', last_event_id: 0, lease_holder: null, lease_until: null, updated_at: new Date().toISOString() }).execute();
    const head = await services.database.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
    assert.ok(Number(head.id) > 0);
    assert.equal(value(await scrape(w.app), 'freewire_event_consumer_lag_events', { consumer: 'metrics-test' }), Number(head.id));

    // A scheduler pass that publishes one due story.
    const story = await services.stories.create(SYSTEM_ACTOR, { headline: 'Due now', body: 'Due.', desk: w.deskSlug, authors: [w.authorSlug] });
    await services.stories.schedule(SYSTEM_ACTOR, story.id, new Date(Date.now() + 3600_000).toISOString());
    await services.database.db.updateTable('stories').set({ scheduled_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', story.id).execute();
    const startedAt = Date.now() / 1000;
    const scheduler = startScheduler(services, quietLog, 3600_000, { clockEvents: false });
    try {
      assert.deepEqual(await scheduler.runNow(), [story.id]);
    } finally {
      await scheduler.stop();
    }
    const ran = await scrape(w.app);
    assert.ok(value(ran, 'freewire_scheduler_runs_total', { outcome: 'success' }) >= 1);
    assert.equal(value(ran, 'freewire_scheduler_runs_total', { outcome: 'failure' }), 0);
    assert.equal(value(ran, 'freewire_scheduler_published_total'), 1);
    assert.ok(value(ran, 'freewire_scheduler_last_run_timestamp_seconds') >= Math.floor(startedAt));
  } finally {
    await w.t.close();
  }
});

forEachDialect('the separate listener serves /metrics without a token and nothing else', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_METRICS_PORT: '0' });
  const server = await startMetricsServer(t.services.metrics, '127.0.0.1', 0);
  try {
    assert.equal(t.services.metrics.enabled, true);
    // The main port has no /metrics route without a token.
    assert.equal((await t.app.inject({ url: '/metrics' })).statusCode, 404);
    await t.app.inject({ url: '/healthz' });
    const base = `http://127.0.0.1:${server.address.port}`;
    const r = await fetch(`${base}/metrics`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const samples = parseExposition(await r.text());
    assert.equal(value(samples, 'freewire_http_requests_total', { route: '/healthz', method: 'GET', status: '2xx' }), 1);
    assert.equal((await fetch(`${base}/`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
    await t.close();
  }
});

test('metrics settings: token length and characters, port range, host default, token from a file', async () => {
  const base = { FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused' };
  const off = loadConfig(base);
  assert.equal(off.metricsToken, undefined);
  assert.equal(off.metricsPort, undefined);
  assert.equal(off.metricsHost, '127.0.0.1');
  assert.equal(loadConfig({ ...base, FREEWIRE_METRICS_TOKEN: TOKEN }).metricsToken, TOKEN);
  assert.throws(() => loadConfig({ ...base, FREEWIRE_METRICS_TOKEN: 'short' }), (err: unknown) => err instanceof ConfigError && /FREEWIRE_METRICS_TOKEN.*20/.test(err.message));
  assert.throws(() => loadConfig({ ...base, FREEWIRE_METRICS_TOKEN: 'has a space in it 0123456789' }), (err: unknown) => err instanceof ConfigError && /visible ASCII/.test(err.message));
  assert.equal(loadConfig({ ...base, FREEWIRE_METRICS_PORT: '9464', FREEWIRE_METRICS_HOST: '10.0.0.5' }).metricsPort, 9464);
  assert.throws(() => loadConfig({ ...base, FREEWIRE_METRICS_PORT: '70000' }), ConfigError);
  assert.throws(() => loadConfig({ ...base, FREEWIRE_METRICS_PORT: 'nine' }), ConfigError);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-metrics-'));
  try {
    const file = path.join(dir, 'token');
    await writeFile(file, `${TOKEN}\n`);
    assert.equal(loadConfig({ ...base, FREEWIRE_METRICS_TOKEN_FILE: file }).metricsToken, TOKEN);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('freewire start names both metrics addresses, serves them, and closes the listener on SIGTERM', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-metrics-start-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    FREEWIRE_DATA_DIR: path.join(dir, 'data'),
    PORT: String(port),
    FREEWIRE_HOST: '127.0.0.1',
    FREEWIRE_DEMO_CONTENT: 'false',
    FREEWIRE_LOG_LEVEL: 'warn',
    FREEWIRE_METRICS_TOKEN: TOKEN,
    FREEWIRE_METRICS_PORT: String(metricsPort),
  };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  const proc = spawn(process.execPath, [fileURLToPath(new URL('../../bin/freewire.js', import.meta.url)), 'start'], { env });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    await waitFor('the start banner', () => /Tip line:/.test(stdout) || proc.exitCode !== null, 60_000);
    assert.equal(proc.exitCode, null, `${stdout}\n${stderr}`);
    assert.match(stdout, new RegExp(`Metrics: http://127\\.0\\.0\\.1:${metricsPort}/metrics \\(no token`));
    assert.match(stdout, new RegExp(`Metrics: http://localhost:${port}/metrics with Authorization: Bearer <FREEWIRE_METRICS_TOKEN>`));
    assert.doesNotMatch(stdout, new RegExp(TOKEN));
    const separate = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(separate.status, 200);
    assert.match(await separate.text(), /freewire_http_requests_total/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`));
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
