/**
 * bench/fanout: one correction fanned out to 1,000 webhook endpoints — 1,000 partners, each with
 * its own endpoint and signing secret — served by a receiver on loopback that verifies every
 * delivery with the independent `standardwebhooks` package.
 *
 * The server runs as `npm start` runs it (shipped defaults, request logging on), pinned to core
 * 0; this process (the receiver) is pinned to core 1. For each round an editor publishes a
 * correction through the Admin API; the clock runs from sending that request until the last of
 * the 1,000 deliveries has been received and verified. Three rounds, median reported.
 *
 * Baseline, in the same sitting: a bare node:http client in its own process on core 0 sending
 * the same number of signed POSTs of the same size to the same receiver, with the same
 * concurrency and a new connection per request (as Freewire's deliveries use) — the cost of the
 * HTTP work alone. The ratio is baseline time / Freewire time.
 *
 * Usage: npx tsx bench/fanout.ts [--partners 1000] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../src/config.js';
import { createDatabase } from '../src/db/database.js';
import { createServices } from '../src/services.js';
import { SYSTEM_ACTOR } from '../src/users/permissions.js';
import { generateSecret } from '../src/webhooks/signing.js';
import { newId } from '../src/util/ids.js';
import { canPin, pinSelf, startFreewire } from './lib.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const PARTNERS = arg('partners', 1000);
const ROUNDS = arg('rounds', 3);
const CONCURRENCY = 64;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Receiver {
  url: string;
  secrets: Map<string, Webhook>;
  /** Resolves when `n` verified deliveries of `type` have arrived since the call. */
  expect(n: number, match: (body: { type: string; data: { id?: string } }) => boolean): Promise<{ ms: number; bad: number }>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const secrets = new Map<string, Webhook>();
  let waiting: { n: number; got: number; bad: number; start: number; match: (b: { type: string; data: { id?: string } }) => boolean; done: (r: { ms: number; bad: number }) => void } | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      let ok = false;
      try {
        secrets.get(path)?.verify(raw, req.headers as Record<string, string>);
        ok = secrets.has(path);
      } catch {
        ok = false;
      }
      res.writeHead(ok ? 204 : 401).end();
      if (!waiting) return;
      const body = JSON.parse(raw) as { type: string; data: { id?: string } };
      if (!waiting.match(body)) return;
      if (ok) waiting.got++;
      else waiting.bad++;
      if (waiting.got >= waiting.n) {
        const w = waiting;
        waiting = undefined;
        w.done({ ms: performance.now() - w.start, bad: w.bad });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secrets,
    expect(n, match) {
      return new Promise((done) => {
        waiting = { n, got: 0, bad: 0, start: performance.now(), match, done };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The baseline: N signed POSTs from a bare node:http client process on core 0. */
function runBaseline(url: string, secret: string, n: number, bodyBytes: number): Promise<number> {
  const code = `
    const http = require('node:http');
    const crypto = require('node:crypto');
    const key = Buffer.from(process.env.SECRET.slice(6), 'base64');
    const body = JSON.stringify({ type: 'story.corrected', timestamp: new Date().toISOString(), data: { pad: 'x'.repeat(${Math.max(0, bodyBytes - 120)}) } });
    const n = ${n};
    let next = 0, done = 0;
    const start = performance.now();
    const one = () => {
      if (next >= n) return;
      const i = next++;
      const id = 'msg_' + i;
      const ts = Math.floor(Date.now() / 1000);
      const sig = 'v1,' + crypto.createHmac('sha256', key).update(id + '.' + ts + '.' + body).digest('base64');
      const req = http.request(process.env.URL, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig, connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => { done++; if (done === n) { process.stdout.write(String(performance.now() - start)); process.exit(0); } else one(); });
      });
      req.on('error', (e) => { console.error(e); process.exit(1); });
      req.end(body);
    };
    for (let c = 0; c < ${CONCURRENCY}; c++) one();
  `;
  const argv = canPin ? ['-c', '0', process.execPath, '-e', code] : ['-e', code];
  const proc = spawn(canPin ? '/usr/bin/taskset' : process.execPath, argv, { env: { ...process.env, URL: url, SECRET: secret }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => proc.on('exit', (c) => (c === 0 ? resolve(Number(out)) : reject(new Error(`baseline exited ${c}`)))));
}

async function main(): Promise<void> {
  pinSelf(1);
  const receiver = await startReceiver();
  // As shipped, except that the receiver on loopback must be reachable (the allow-list) and the
  // Admin API calls of the rounds must not meet the API rate limit.
  const server = await startFreewire({ FREEWIRE_LOG_LEVEL: 'info', FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1' }, { pin: 0, stderr: 'pipe' });
  server.proc.stderr?.resume();
  const database = createDatabase({ dataDir: server.dataDir! });
  const config = loadConfig({ FREEWIRE_DATA_DIR: server.dataDir!, FREEWIRE_LOG_LEVEL: 'silent', FREEWIRE_DEMO_CONTENT: 'false' });
  const services = createServices(config, database);
  try {
    process.stdout.write(`Seeding ${PARTNERS} partners with one endpoint each… `);
    const db = database.db;
    const now = new Date().toISOString();
    const partnerRows = [];
    const endpointRows = [];
    for (let i = 0; i < PARTNERS; i++) {
      const id = newId();
      partnerRows.push({
        id, outlet: `Outlet ${i}`, website: `https://outlet${i}.example`, domain: `outlet${i}.example`, contact_name: 'Desk', email: `desk@outlet${i}.example`,
        audience: 500_000, evidence: 'bench', intended_use: 'bench', status: 'approved' as const, kind: 'free' as const, eligibility_json: '{}',
        decision_reason: null, decided_by: null, decided_at: now, feed_token_hash: null, created_at: now, updated_at: now,
      });
      const secret = generateSecret();
      receiver.secrets.set(`/p${i}`, new Webhook(secret));
      endpointRows.push({
        id: newId(), partner_id: id, url: `${receiver.url}/p${i}`, description: '', events_json: '[]', secret, previous_secret: null, previous_secret_expires_at: null,
        status: 'enabled' as const, disabled_reason: null, disabled_at: null, failing_since: null, created_at: now, updated_at: now,
      });
    }
    for (let i = 0; i < PARTNERS; i += 200) {
      await db.insertInto('partners').values(partnerRows.slice(i, i + 200)).execute();
      await db.insertInto('webhook_endpoints').values(endpointRows.slice(i, i + 200)).execute();
    }
    const admin = await services.users.create(SYSTEM_ACTOR, { email: 'bench@news.test', name: 'Bench', role: 'admin', password: 'bench-password-123' });
    const { token } = await services.users.createToken(SYSTEM_ACTOR, admin.id, 'bench');
    console.log('done');

    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${server.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const created = await call('POST', '/api/admin/stories', { headline: 'Fan-out bench story', body: 'The council voted on the budget.\n\n'.repeat(40), desk: 'health', authors: ['priya-lindqvist'] });
    const storyId = String(created.id);
    // Warm-up: the publication itself fans out to every endpoint.
    const published = receiver.expect(PARTNERS, (b) => b.type === 'story.published' && b.data.id === storyId);
    await call('POST', `/api/admin/stories/${storyId}/publish`);
    const warm = await published;
    console.log(`warm-up (story.published): ${PARTNERS} deliveries in ${warm.ms.toFixed(0)} ms`);

    const freewire: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const got = receiver.expect(PARTNERS, (b) => b.type === 'story.corrected' && b.data.id === storyId);
      await call('POST', `/api/admin/stories/${storyId}/corrections`, { text: `Correction number ${r}.` });
      const { ms, bad } = await got;
      freewire.push(ms);
      console.log(`round ${r}: ${PARTNERS} corrections received and verified in ${ms.toFixed(0)} ms (${Math.round((PARTNERS / ms) * 1000)} deliveries/s)${bad ? `, ${bad} failed verification` : ''}`);
    }
    const sample = await db.selectFrom('webhook_deliveries').select('body').where('type', '=', 'story.corrected').limit(1).executeTakeFirstOrThrow();
    const baseline: number[] = [];
    const baseSecret = generateSecret();
    receiver.secrets.set('/baseline', new Webhook(baseSecret));
    for (let r = 0; r < ROUNDS; r++) baseline.push(await runBaseline(`${receiver.url}/baseline`, baseSecret, PARTNERS, sample.body.length));
    const f = median(freewire);
    const b = median(baseline);
    console.log('');
    console.log(`fan-out of one correction to ${PARTNERS} endpoints (median of ${ROUNDS}, server pinned to core 0${canPin ? '' : ' — taskset missing, not pinned'}):`);
    console.log(`  Freewire            ${f.toFixed(0)} ms   ${Math.round((PARTNERS / f) * 1000)} deliveries/s   (body ${sample.body.length} bytes)`);
    console.log(`  bare node:http POST ${b.toFixed(0)} ms   ${Math.round((PARTNERS / b) * 1000)} requests/s`);
    console.log(`  ratio ${(b / f).toFixed(2)}   target < 5000 ms (aim < 2000 ms): ${f < 2000 ? 'met the aim' : f < 5000 ? 'met' : 'MISSED'}`);
  } finally {
    await database.close();
    await server.stop();
    await receiver.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
