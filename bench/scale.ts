/**
 * Latency at scale: public pages, feeds, sitemaps, search and the newsroom's busiest pages with
 * N generated stories (default 100,000), on SQLite or (--postgres) PostgreSQL.
 *
 *   npm run bench:scale -- [--stories N] [--data-dir DIR] [--postgres] [--rounds R]
 *
 * Without --data-dir it prepares a fresh data dir: `freewire start` once (migrations and the demo
 * site), then `freewire demo --stories N`. With --data-dir it reuses that dir (preparing it first
 * when it has no database yet). --postgres uses DATABASE_URL when set (prepared first when it
 * holds fewer than N stories), else creates (and at the end drops) a database of its own on
 * 127.0.0.1:5432.
 *
 * The server runs as shipped (bench/lib.ts startFreewire: pinned, request log on). Requests are
 * sequential, timed by a lean node:http client (bench/lib.ts timedLean) that asks for compressed
 * answers as a browser does. Each kind of request uses several distinct URLs (pages, desks,
 * words…), so what is measured is the page cache's misses — the database work — and the first
 * request of each kind right after start is reported apart as "cold". A last column repeats one
 * URL, served from the page cache. The demo admin's password is set anew (freewire user set-password) to log in.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, median, option, quantile, setting, startFreewire, timedLean, closeLeanClient, type Started } from './lib.js';

const ADMIN_EMAIL = 'admin@freewire.localhost';

const stories = Number((option('--stories') ?? '100000').replace(/[_,]/g, ''));
// Passes over the newsroom's URLs (never cached, so every pass counts): seven give the filtered
// list's three URLs 20 samples; with three, its p95 was the slowest of 8.
const rounds = Number(option('--rounds') ?? '7');
const postgres = process.argv.includes('--postgres');
const givenDir = option('--data-dir');
if (!Number.isInteger(stories) || stories < 1) throw new Error('--stories must be a whole number');

/** `freewire start` until it is listening, then stop: migrations, the demo site and the first admin, as a newcomer's first start. */
async function firstStart(env: Record<string, string>, dataDir: string): Promise<void> {
  const server = await startFreewire(env, { dataDir, pin: null });
  await server.stop();
}

async function prepare(env: Record<string, string>, dataDir: string, fresh: boolean): Promise<void> {
  if (!fresh) return;
  console.log(`Preparing ${stories.toLocaleString('en-US')} stories in ${dataDir}${postgres ? ' (PostgreSQL)' : ''}…`);
  await firstStart(env, dataDir);
  const t0 = Date.now();
  // The demo's progress bar goes to stderr (inherited), its summary to stdout.
  process.stdout.write(cli(env, ['demo', '--stories', String(stories)], undefined, 'inherit'));
  console.log(`Prepared in ${((Date.now() - t0) / 1000).toFixed(0)} s.`);
  if (postgres) vacuum(env.DATABASE_URL!);
}

/**
 * VACUUM ANALYZE on PostgreSQL. Index-only scans (counts, sitemaps) skip the table only for pages
 * the visibility map marks all-visible, which VACUUM sets; a stock server's autovacuum does it
 * within a minute of a bulk insert, but test servers (like this machine's) often run with it off,
 * and then every "index-only" read fetched each row from the table.
 */
function vacuum(url: string): void {
  execFileSync('psql', [url, '-c', 'vacuum analyze'], { stdio: 'ignore' });
}

/** How many stories the PostgreSQL database holds (0 before its first start). */
function storyCount(url: string): number {
  try {
    return Number(execFileSync('psql', [url, '-Atc', 'select count(*) from stories'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return 0;
  }
}

interface Kind {
  name: string;
  urls: string[];
  /** p95 budget in ms, when the issue sets one. */
  budget?: number;
  cookie?: boolean;
  /**
   * URLs of the same kind requested, unmeasured, right after the cold one: a kind's first few
   * requests also pay for compiling its code, which on a server pinned to one core competes
   * with the request itself. The cold column shows that cost; p50/p95 are the steady state.
   */
  warmup?: string[];
}

interface Row {
  name: string;
  cold: number;
  p50: number;
  p95: number;
  cached: number;
  n: number;
  budget?: number;
  errors: number;
}

/** Every word of the stories' own text that is not a one-letter word, by frequency in a sample of story pages' search results. */
function frequentWords(bodies: string[], n: number): string[] {
  const counts = new Map<string, number>();
  for (const b of bodies) for (const w of b.toLowerCase().match(/\p{L}{2,}/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n).map(([w]) => w);
}

/** A story page's own text: its body, without the site's header, footer and notices (their words are in no story). */
function storyText(html: string): string {
  const at = html.indexOf('class="story-body"');
  if (at < 0) return '';
  const start = html.indexOf('>', at) + 1;
  const end = html.indexOf('</div>', start);
  return html.slice(start, end < 0 ? undefined : end).replace(/<[^>]+>/g, ' ');
}

/**
 * The words PostgreSQL's English configuration indexes, in their order: it drops stop words
 * ("the", "and", "about"…), so a search for one matches nothing there and measures nothing.
 */
function indexedWords(url: string, words: string[]): string[] {
  const sql = "select w from unnest(string_to_array(:'words', ' ')) with ordinality as t(w, i) where to_tsvector('english', w) <> ''::tsvector order by i;";
  return execFileSync('psql', [url, '-At', '-v', `words=${words.join(' ')}`], { input: sql, encoding: 'utf8' }).split('\n').filter(Boolean);
}

function links(html: string, re: RegExp): string[] {
  return [...new Set([...html.matchAll(re)].map((m) => m[1]!))];
}

async function login(url: string, password: string): Promise<string> {
  const form = await fetch(`${url}/newsroom/login`);
  const cookie = (form.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('no CSRF token on the login form');
  const res = await fetch(`${url}/newsroom/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: token, email: ADMIN_EMAIL, password }).toString(),
  });
  const session = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  if (res.status !== 302 && res.status !== 303) throw new Error(`login answered ${res.status}`);
  return [cookie, session].filter(Boolean).join('; ');
}

async function measure(server: Started, kinds: Kind[], cookie: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of kinds) {
    // As a browser asks: compressed answers, so a page-cache miss pays for compressing the page.
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...(kind.cookie ? { cookie } : {}) };
    const samples: number[] = [];
    let errors = 0;
    let cold = Number.NaN;
    // Distinct URLs, `rounds` times over: the first pass misses the page cache (the URLs are
    // distinct); later passes of public pages would hit it, so only the first pass counts for
    // pages the cache serves, and every pass for the newsroom (never cached).
    const passes = kind.cookie ? rounds : 1;
    for (let p = 0; p < passes; p++) {
      for (const u of kind.urls) {
        const r = await timedLean(`${server.url}${u}`, headers);
        if (r.status >= 400) errors++;
        if (Number.isNaN(cold)) {
          cold = r.ms;
          for (const w of kind.warmup ?? []) await timedLean(`${server.url}${w}`, headers);
        } else samples.push(r.ms);
      }
    }
    const repeat: number[] = [];
    for (let i = 0; i < 20; i++) repeat.push((await timedLean(`${server.url}${kind.urls[0]}`, headers)).ms);
    rows.push({ name: kind.name, cold, p50: median(samples), p95: quantile(samples, 0.95), cached: median(repeat), n: samples.length, budget: kind.budget, errors });
  }
  return rows;
}

function table(rows: Row[]): string {
  const f = (ms: number) => (Number.isNaN(ms) ? '-' : ms.toFixed(1));
  const lines = [
    `${'request'.padEnd(30)} ${'n'.padStart(4)} ${'cold'.padStart(8)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'repeat'.padStart(8)}  budget`,
  ];
  for (const r of rows) {
    const verdict = r.budget === undefined ? '' : `p95 < ${r.budget} ms: ${r.p95 < r.budget ? 'ok' : 'OVER'}`;
    lines.push(
      `${r.name.padEnd(30)} ${String(r.n).padStart(4)} ${f(r.cold).padStart(8)} ${f(r.p50).padStart(8)} ${f(r.p95).padStart(8)} ${f(r.cached).padStart(8)}  ${verdict}${r.errors ? `  (${r.errors} errors)` : ''}`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  let dbName: string | undefined;
  const env: Record<string, string> = {};
  if (postgres) {
    if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
    else {
      dbName = `freewire_scale_${process.pid}`;
      execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-c', `create database ${dbName}`], { stdio: 'ignore' });
      env.DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${dbName}`;
    }
  }
  const dataDir = givenDir ?? mkdtempSync(path.join(tmpdir(), 'freewire-scale-'));
  env.FREEWIRE_DATA_DIR = dataDir;
  const fresh = !givenDir || dbName !== undefined || (postgres ? storyCount(env.DATABASE_URL!) < stories : !existsSync(path.join(dataDir, 'freewire.db')));
  let server: Started | undefined;
  try {
    await prepare(env, dataDir, fresh);
    if (postgres && !fresh) vacuum(env.DATABASE_URL!);
    const password = `scale-bench-${process.pid}-password`;
    cli(env, ['user', 'set-password', '--email', ADMIN_EMAIL, '--password-stdin'], `${password}\n`);

    server = await startFreewire(env, { dataDir });
    // Discover URLs from the site itself, before anything is measured, on a throwaway cookie-less
    // pass through the pages the measured kinds do not use (robots.txt, a search).
    const probe = await startFreewire(env, { dataDir, pin: null });
    const home = await (await fetch(`${probe.url}/`)).text();
    const desks = links(home, /href="(\/desk\/[a-z0-9-]+)"/g);
    const storyLinks = links(home, /href="(\/stories\/[a-z0-9-]+)"/g);
    const firstStory = await (await fetch(`${probe.url}${storyLinks[0]}`)).text();
    const authors = links(firstStory + home, /href="(\/author\/[a-z0-9-]+)"/g);
    const tags = links(firstStory, /href="(\/tag\/[a-z0-9-]+)"/g);
    const archive = await (await fetch(`${probe.url}/?page=200`)).text();
    const moreStories = links(archive, /href="(\/stories\/[a-z0-9-]+)"/g);
    const bodies: string[] = [];
    for (const s of [...storyLinks, ...moreStories].slice(0, 30)) bodies.push(storyText(await (await fetch(`${probe.url}${s}`)).text()));
    const deskTags = [];
    for (const s of moreStories.slice(0, 10)) deskTags.push(...links(await (await fetch(`${probe.url}${s}`)).text(), /href="(\/tag\/[a-z0-9-]+)"/g));
    const sitemap = await (await fetch(`${probe.url}/sitemap.xml`)).text();
    const children = links(sitemap, /<loc>https?:\/\/[^/]+(\/sitemaps\/[^<]+)<\/loc>/g);
    await probe.stop();

    // The stories' own most frequent words; on PostgreSQL those it indexes (see indexedWords).
    // Sixty of them measured: the p95 of 29 samples was the second-slowest request, one collector
    // pause away from the budget; ten more warm the search code up (see Kind.warmup).
    const candidates = frequentWords(bodies, 300).filter((w) => !/^\d+$/.test(w));
    const words = (postgres ? indexedWords(env.DATABASE_URL!, candidates) : candidates).slice(0, 70);
    if (words.length < 70) throw new Error(`only ${words.length} frequent words in the sampled stories`);
    const singles = words.slice(0, 60);
    const others = words.slice(60, 70);
    const search = (q: string, page = 1) => `/search?q=${encodeURIComponent(q)}${page > 1 ? `&page=${page}` : ''}`;
    // Two of the sixty, each pair once: the first thirty with partners spread over all sixty.
    const pairs: string[] = [];
    for (let i = 0; pairs.length < 60; i++) {
      const a = words[i % 30]!;
      const b = words[(i * 7 + 3) % 60]!;
      if (a !== b && !pairs.includes(`${a} ${b}`)) pairs.push(`${a} ${b}`);
    }
    const allTags = [...new Set([...tags, ...deskTags])];
    const pages = (base: string, n: number, from = 1) => Array.from({ length: n }, (_, i) => `${base}${base.includes('?') ? '&' : '?'}page=${from + i}`);
    const deskSlug = desks[0]?.slice('/desk/'.length) ?? '';

    const kinds: Kind[] = [
      { name: 'home (pages 1-30)', urls: ['/', ...pages('/', 29, 2)] },
      { name: 'home page 50+', urls: pages('/', 30, 50) },
      { name: 'desk (all, pages 1-5)', urls: desks.flatMap((d) => [d, ...pages(d, 4, 2)]) },
      { name: 'author (all, pages 1-3)', urls: authors.flatMap((a) => [a, ...pages(a, 2, 2)]) },
      { name: 'tag', urls: allTags.slice(0, 30) },
      { name: 'story', urls: [...storyLinks, ...moreStories].slice(0, 30) },
      { name: 'feeds (/feed.xml, desks, authors)', urls: ['/feed.xml', '/atom.xml', '/feed.json', ...desks.map((d) => `${d}/feed.xml`), ...authors.map((a) => `${a}/feed.json`)] },
      { name: 'sitemap.xml', urls: ['/sitemap.xml'] },
      { name: 'sitemap child', urls: children.length > 0 ? children : ['/news-sitemap.xml'] },
      { name: 'search: frequent word', urls: singles.map((w) => search(w)), budget: 10, warmup: others.map((w) => search(w)) },
      { name: 'search: two frequent words', urls: pairs.map((w) => search(w)), budget: 10, warmup: others.map((w, i) => search(`${w} ${others[(i + 1) % others.length]}`)) },
      { name: 'search: frequent word, page 3', urls: singles.slice(0, 40).map((w) => search(w, 3)), budget: 10, warmup: others.map((w) => search(w, 3)) },
      { name: 'newsroom stories', urls: ['/newsroom/stories', ...pages('/newsroom/stories', 4, 2)], budget: 50, cookie: true },
      {
        name: 'newsroom stories, filtered',
        urls: [`/newsroom/stories?status=published&desk=${deskSlug}`, `/newsroom/stories?q=${encodeURIComponent(words[5] ?? 'council')}`, '/newsroom/stories?status=draft'],
        budget: 50,
        cookie: true,
      },
      { name: 'newsroom usage', urls: ['/newsroom/usage'], budget: 50, cookie: true },
    ];
    const cookie = await login(server.url, password);
    const rows = await measure(server, kinds, cookie);
    console.log(`\n${stories.toLocaleString('en-US')} stories on ${postgres ? 'PostgreSQL' : 'SQLite'}; sequential requests, ms; ${setting()}`);
    console.log('cold: first request of the kind after start; p50/p95: the other distinct URLs (page-cache misses; newsroom: every pass),');
    console.log('  for searches after ten unmeasured searches for other words (the code compiled, as on a server in use);');
    console.log('repeat: the first URL again, 20 times (public pages: page-cache hits)');
    console.log(`searched words: ${singles.join(' ')}\n`);
    console.log(table(rows));
  } finally {
    closeLeanClient();
    await server?.stop();
    if (!givenDir) rmSync(dataDir, { recursive: true, force: true });
    if (dbName) execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-c', `drop database if exists ${dbName} with (force)`], { stdio: 'ignore' });
  }
}

await main();
