/**
 * The partners' content API and the newsroom's busiest lists on a large archive, measured as
 * shipped (`startFreewire`: `node bin/freewire.js start`, logging on, pinned to one core):
 *
 *   (a) throughput of `GET /api/v1/stories?limit=50` with a partner key against a bare node:http
 *       server sending the same bytes (interleaved rounds, medians, ratio);
 *   (b) latency of cursor polls: the first poll (no cursor), a partner a few pages behind, a
 *       partner caught up (p50/p95, one request at a time);
 *   (c) latency of the newsroom stories list (filters, paging) and the usage dashboard (and the
 *       story and partner views it links to), logged in as the demo admin (p50/p95).
 *
 *   npm run bench:api -- [--stories N] [--data-dir DIR] [--postgres] [--seconds S]
 *
 * Without --data-dir a data dir is made: one unmeasured first start (migrations, demo partners
 * and usage), then `freewire demo --stories N` (default 100,000). With --data-dir an existing one
 * is used as it is (make it once; the demo takes a minute or two). --postgres keeps the database
 * in PostgreSQL (FREEWIRE_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres) in a
 * database of its own, `freewire_bench_api_<N>`, filled on first use and reused after.
 *
 * Setup goes through the product's own interfaces: the CLI sets a known admin password and makes
 * an Admin API token, the Admin API makes a content API key for the demo's approved free partner.
 * The only setting changed is the content API's rate limit (FREEWIRE_API_RATE_LIMIT), which would
 * otherwise answer 429 after 120 requests a minute: the limiter still runs on every request.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { cli, compare, load, option, quantile, reportComparison, setting, startBaseline, startFreewire, timedLean, closeLeanClient } from './lib.js';

const STORIES = Number((option('--stories') ?? '100000').replace(/[_,]/g, ''));
const SECONDS = Number(option('--seconds') ?? '8');
const POSTGRES = process.argv.includes('--postgres');
const GIVEN_DIR = option('--data-dir');
/** `--throughput-only`: part (a) alone, e.g. under a profiler (BENCH_NODE_ARGS). */
const THROUGHPUT_ONLY = process.argv.includes('--throughput-only');
const SAMPLES = 60;
const ADMIN = 'admin@freewire.localhost';
const DEMO_PARTNER = 'Tamarack Valley Herald';

if (!Number.isInteger(STORIES) || STORIES < 1) throw new Error('--stories must be a whole number');

/** PostgreSQL: a database of its own for this size, created and filled on first use. */
async function postgresUrl(): Promise<{ url: string; fresh: boolean }> {
  const admin = process.env.FREEWIRE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `freewire_bench_api_${STORIES}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const exists = (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
    if (!exists) await client.query(`create database ${name}`);
    const u = new URL(admin);
    u.pathname = `/${name}`;
    return { url: u.toString(), fresh: !exists };
  } finally {
    await client.end();
  }
}


async function timed(url: string, headers: Record<string, string>): Promise<{ ms: number; status: number; body: string }> {
  for (let attempt = 1; ; attempt++) {
    const t0 = performance.now();
    try {
      const res = await fetch(url, { headers });
      const body = await res.text();
      return { ms: performance.now() - t0, status: res.status, body };
    } catch (err) {
      // A kept-alive connection the server closed just as it was reused: ask again on a new one.
      if (attempt === 2) throw err;
    }
  }
}

/**
 * p50/p95 of `samples` requests one at a time. `url` may be a function of the sample's number,
 * to ask a different question each time (the content API serves the same request again from
 * memory for a second: see src/syndication/poll-cache.ts).
 */
async function latency(label: string, url: string | ((i: number) => string), headers: Record<string, string>, samples = SAMPLES): Promise<void> {
  const at = typeof url === 'string' ? () => url : url;
  // Two unmeasured requests: statement caches, the page's first render.
  for (let i = 0; i < 2; i++) await timedLean(at(samples + i), headers);
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const r = await timedLean(at(i), headers);
    if (r.status !== 200) throw new Error(`${label}: ${at(i)} answered ${r.status}: ${r.start}`);
    ms.push(r.ms);
  }
  console.log(`  ${label.padEnd(44)} p50 ${quantile(ms, 0.5).toFixed(1).padStart(6)} ms   p95 ${quantile(ms, 0.95).toFixed(1).padStart(6)} ms`);
}

const dataDir = GIVEN_DIR ?? mkdtempSync(path.join(tmpdir(), 'freewire-bench-api-'));
const env: Record<string, string> = { FREEWIRE_DATA_DIR: dataDir };
let fill = GIVEN_DIR === undefined;
if (POSTGRES) {
  const { url, fresh } = await postgresUrl();
  env.DATABASE_URL = url;
  fill = fresh;
}

try {
  if (fill) {
    console.log(`Making a data dir with ${STORIES.toLocaleString('en-US')} stories${POSTGRES ? ' (PostgreSQL)' : ''} in ${dataDir}…`);
    const first = await startFreewire(env, { dataDir, pin: null, stderr: 'pipe' });
    await first.stop();
    cli(env, ['demo', '--stories', String(STORIES), '--seed', '1'], undefined, 'inherit');
  }
  const password = randomBytes(18).toString('base64url');
  cli(env, ['user', 'set-password', '--email', ADMIN, '--password-stdin'], `${password}\n`);
  const adminToken = cli(env, ['token', 'create', '--user', ADMIN, '--name', 'bench-api']).trim();

  const server = await startFreewire({ ...env, FREEWIRE_API_RATE_LIMIT: '1000000' }, { dataDir });
  try {
    const base = server.url;
    const adminHeaders = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const partners = (await (await fetch(`${base}/api/admin/partners?status=approved&limit=100`, { headers: adminHeaders })).json()) as {
      items: Array<{ id: string; outlet: string }>;
    };
    const partner = partners.items.find((p) => p.outlet === DEMO_PARTNER);
    if (!partner) throw new Error(`no approved partner "${DEMO_PARTNER}" in the demo data`);
    const created = await fetch(`${base}/api/admin/partners/${partner.id}/keys`, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ name: 'bench-api' }) });
    if (created.status !== 201) throw new Error(`creating a key: ${created.status} ${await created.text()}`);
    const key = ((await created.json()) as { key: string }).key;
    const api = { authorization: `Bearer ${key}` };

    console.log(`bench/api: ${STORIES.toLocaleString('en-US')} stories on ${POSTGRES ? 'PostgreSQL' : 'SQLite'}; ${setting()}`);

    // (a) Throughput of the first page of 50, against bare node:http sending the same bytes.
    const pageUrl = `${base}/api/v1/stories?limit=50`;
    const sample = await fetch(pageUrl, { headers: api });
    if (sample.status !== 200) throw new Error(`${pageUrl}: ${sample.status} ${await sample.text()}`);
    const bytes = Buffer.from(await sample.arrayBuffer());
    const baseline = await startBaseline(bytes, sample.headers.get('content-type') ?? 'application/json');
    try {
      const c = await compare(
        'GET /api/v1/stories?limit=50',
        (s) => load(pageUrl, { seconds: s, connections: 16, headers: api }),
        (s) => load(baseline.url, { seconds: s, connections: 16 }),
        { seconds: SECONDS },
      );
      console.log(`${reportComparison(c)}; ${bytes.length.toLocaleString('en-US')} bytes per answer`);
    } finally {
      await baseline.stop();
    }

    if (!THROUGHPUT_ONLY) {

      // (b) Cursor polls. Walk the whole change list (100 a page) to learn the cursors a partner
      // holds, then poll from a few pages behind the end and from the end.
      console.log('Cursor polls (one at a time):');
      const cursors: string[] = [];
      let since = '';
      const walkStart = performance.now();
      const walk: number[] = [];
      for (;;) {
        const r = await timed(`${base}/api/v1/stories?limit=100${since ? `&since=${encodeURIComponent(since)}` : ''}`, api);
        if (r.status !== 200) throw new Error(`poll: ${r.status} ${r.body.slice(0, 300)}`);
        walk.push(r.ms);
        const page = JSON.parse(r.body) as { next: string; more: boolean; items: unknown[] };
        cursors.push(page.next);
        since = page.next;
        if (!page.more) break;
      }
      console.log(
        `  catching up from the start: ${cursors.length} pages of 100 in ${((performance.now() - walkStart) / 1000).toFixed(1)} s ` +
          `(p50 ${quantile(walk, 0.5).toFixed(1)} ms, p95 ${quantile(walk, 0.95).toFixed(1)} ms a page)`,
      );
      // Each sample asks a question of its own (page sizes 41 to 100, so larger on average than 50), so
      // none is answered from the poll cache; the documents are warm, as for partners who poll: the
      // walk above rendered every document but keeps only the last ~2,500 (the document cache's
      // budget), so one unmeasured poll of 100 renders those of the first page again.
      const sized = (query: string) => (i: number) => `${base}/api/v1/stories?limit=${41 + (i % 60)}${query}`;
      const warm = await timed(`${base}/api/v1/stories?limit=100`, api);
      if (warm.status !== 200) throw new Error(`warming the first page: ${warm.status} ${warm.body.slice(0, 300)}`);
      await latency('first poll (no cursor, limit 41–100)', sized(''), api);
      const behind = cursors[Math.max(0, cursors.length - 4)]!;
      await latency('three pages behind (limit 41–100)', sized(`&since=${encodeURIComponent(behind)}`), api);
      await latency('caught up (limit 41–100)', sized(`&since=${encodeURIComponent(since)}`), api);
      await latency('the same poll again within a second', pageUrl, api);

      // (c) The newsroom, logged in as the admin.
      const loginPage = await fetch(`${base}/newsroom/login`);
      const csrfCookie = /fw_csrf=([^;]+)/.exec(loginPage.headers.get('set-cookie') ?? '')?.[1];
      if (!csrfCookie) throw new Error('no CSRF cookie on the login page');
      const login = await fetch(`${base}/newsroom/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `fw_csrf=${csrfCookie}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfCookie, email: ADMIN, password }).toString(),
      });
      const session = /fw_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
      if (!session) throw new Error(`login failed: ${login.status}`);
      const staff = { cookie: `fw_session=${session}` };
      const desks = (await (await fetch(`${base}/api/admin/desks`, { headers: adminHeaders })).json()) as { items: Array<{ slug: string }> };
      const slug = desks.items[0]?.slug ?? 'news';
      console.log('Newsroom (logged in as the admin, one request at a time):');
      await latency('stories list', `${base}/newsroom/stories`, staff);
      await latency('stories list, published', `${base}/newsroom/stories?status=published`, staff);
      await latency(`stories list, desk ${slug}`, `${base}/newsroom/stories?desk=${encodeURIComponent(slug)}`, staff);
      await latency('stories list, search "council"', `${base}/newsroom/stories?q=council`, staff);
      await latency('stories list, page 200', `${base}/newsroom/stories?page=200`, staff);
      await latency('stories list, last page', `${base}/newsroom/stories?page=${Math.ceil(STORIES / 25)}`, staff);
      const usage = await timed(`${base}/newsroom/usage`, staff);
      await latency('usage dashboard', `${base}/newsroom/usage`, staff);
      const storyLink = /href="(\/newsroom\/usage\?[^"]*story=[^"]+)"/.exec(usage.body)?.[1]?.replace(/&amp;/g, '&');
      const partnerLink = /href="(\/newsroom\/usage\?[^"]*partner=[^"]+)"/.exec(usage.body)?.[1]?.replace(/&amp;/g, '&');
      if (storyLink) await latency('usage of its top story', `${base}${storyLink}`, staff);
      if (partnerLink) await latency('usage of its top partner', `${base}${partnerLink}`, staff);
      await latency('usage dashboard, last 366 days', `${base}/newsroom/usage?from=${new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10)}`, staff);
    }
  } finally {
    closeLeanClient();
    await server.stop();
  }
} finally {
  if (GIVEN_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
}
