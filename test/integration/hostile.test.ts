/**
 * No single request may stall the server. Every HTML form a visitor, a partner or an admin can
 * reach (found by crawling, see test/helpers/surface.ts) and every JSON operation in the OpenAPI
 * document gets, one field at a time, long strings built to make a careless regular expression
 * or parser backtrack: repeated `a.`, `a@`, `(`, spaces, `@`, slashes and hyphens, from 80 KB up to
 * the 1 MB body limit (query strings up to the 16 KB a real server's header limit allows).
 *
 * While each request runs, the event loop is watched (a 10 ms interval's longest gap, and
 * perf_hooks.monitorEventLoopDelay) and a reader asks /healthz every 5 ms. A request that holds
 * the loop for more than a second fails the test: far above what linear work on 1 MB costs, far
 * below what super-linear work costs (an 80 KB address to /republish held it 6.5 s before
 * validation checked length first; 80 KB of `*a` in a story body 1.2 s before Markdown was
 * bounded). On a busy machine (test files run two at a time, on 2 shared cores) the process
 * also waits for a core, which lengthens the gap without any work being done; so a block only
 * counts as long as the CPU time the process spent during that request allows. Work that really
 * holds the loop for a second burns a second of CPU however busy the machine is, so such a
 * request still fails. The worst figures are printed as diagnostics. Injected requests mostly
 * finish within one turn of the loop, so the reader's latency here rarely shows a block; the
 * gap does. bench/hostile.ts measures readers' latency against a real listening server.
 *
 * SQLite only: the stall is CPU time in JavaScript, the same on either engine; the fuzzing suites
 * cover PostgreSQL.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestDatabase } from '../helpers/dialects.js';
import {
  authFor, buildWorld, crawlForms, fillPath, nextIp, operations, postForm, sessions, validBody, type World,
} from '../helpers/surface.js';

/** A stall longer than this is a failure (see above for why so generous). */
const STALL_LIMIT_MS = 1000;
const BODY_LIMIT = 1024 * 1024;
const QUERY_LIMIT = 15_000;

interface Pattern {
  name: string;
  /** A string of about n characters. */
  make(n: number): string;
}

const repeat = (unit: string, n: number) => unit.repeat(Math.max(1, Math.floor(n / unit.length)));

const PATTERNS: readonly Pattern[] = [
  // The address that stalled /republish: every dot a place to backtrack to, no valid ending.
  { name: 'a@ a.… @', make: (n) => `a@${repeat('a.', n - 3)}@` },
  { name: 'a.…', make: (n) => repeat('a.', n) },
  { name: 'a@…', make: (n) => repeat('a@', n) },
  { name: '(…', make: (n) => repeat('(', n) },
  { name: 'spaces then x', make: (n) => `${repeat(' ', n - 1)}x` },
  { name: '@…', make: (n) => repeat('@', n) },
  { name: '/… then x', make: (n) => `http://${repeat('/', n - 8)}x` },
  { name: '-… then !', make: (n) => `${repeat('-', n - 1)}!` },
  { name: 'tabs and newlines', make: (n) => repeat('a\t\n', n) },
  { name: '*a…', make: (n) => repeat('*a', n) },
];
/** The patterns also sent at the full body limit (all of them would make the file slow). */
const AT_LIMIT = new Set(['a@ a.… @', '(…']);
const LONG = 80_000;

interface Worst {
  loopMs: number;
  /** The CPU time (all threads) of the process during that request. */
  cpuMs: number;
  probeMs: number;
  what: string;
}

/**
 * Runs one request while measuring the longest event-loop block and the slowest concurrent
 * /healthz; fails when the block exceeds the limit.
 */
function makeMeasure(w: World, worst: Worst) {
  // The histogram gives the distribution; a single long block shows up reliably as the gap
  // between two firings of a 10 ms interval, so that gap is what the limit is checked on.
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let last = performance.now();
  let maxGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  const measure = async (what: string, send: () => Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> => {
    histogram.reset();
    maxGap = 0;
    last = performance.now();
    // A reader's request every 5 ms: whichever is in flight when the loop blocks waits it out.
    const probes: Array<Promise<number>> = [];
    const reader = setInterval(() => {
      const started = performance.now();
      probes.push(w.app.inject({ url: '/healthz' }).then((r) => {
        assert.equal(r.statusCode, 200);
        return performance.now() - started;
      }));
    }, 5);
    let res: LightMyRequestResponse;
    const cpuBefore = process.cpuUsage();
    try {
      res = await send();
    } finally {
      clearInterval(reader);
    }
    const probeMs = Math.max(0, ...(await Promise.all(probes)));
    // A block that ended just now has not been seen by the interval yet.
    const loopMs = Math.max(maxGap, performance.now() - last, histogram.max / 1e6);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    // The loop cannot have been held by work for longer than the process had a core: a gap
    // beyond the CPU time spent is time spent waiting for one.
    const blockMs = Math.min(loopMs, cpuMs);
    if (blockMs > Math.min(worst.loopMs, worst.cpuMs)) Object.assign(worst, { loopMs, cpuMs, what });
    worst.probeMs = Math.max(worst.probeMs, probeMs);
    assert.ok(
      blockMs < STALL_LIMIT_MS,
      `${what} held the event loop for ${Math.round(loopMs)} ms, using ${Math.round(cpuMs)} ms of CPU (a concurrent request waited ${Math.round(probeMs)} ms)`,
    );
    assert.ok(res.statusCode < 500, `${what} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return res;
  };
  return { measure, stop: () => { clearInterval(ticker); histogram.disable(); } };
}

/** The longest string of the pattern whose form-encoded body (with `rest`) fits the limit. */
function atLimit(p: Pattern, encodedRest: number): string {
  const probe = p.make(10_000);
  const ratio = new URLSearchParams({ x: probe }).toString().length / probe.length;
  return p.make(Math.floor((BODY_LIMIT - encodedRest - 4096) / ratio));
}

test('no request holds the event loop: every form and JSON operation, one hostile field at a time', async (t) => {
  const tdb = await createTestDatabase('sqlite');
  const w = await buildWorld(tdb);
  const worst: Worst = { loopMs: 0, cpuMs: 0, probeMs: 0, what: '' };
  const { measure, stop } = makeMeasure(w, worst);
  try {
    const forms = await crawlForms(w);
    const actions = new Set(forms.map((f) => f.action.replace(/[0-9a-f-]{36}|[A-Za-z0-9_-]{40,}/g, ':id')));
    // The forms the issue names must be among those found, or the crawl is broken.
    for (const must of ['/republish', '/newsroom/login', '/partners/login', '/partners/invite/:id', '/newsroom/stories/:id', '/newsroom/settings', '/partners/keys']) {
      assert.ok(actions.has(must), `the crawl found ${must} (found: ${[...actions].sort().join(', ')})`);
    }
    t.diagnostic(`${forms.length} forms: ${[...actions].sort().join(' ')}`);
    const bySession = new Map(sessions(w).map((s) => [s.identity, s]));

    await t.test('HTML forms', async () => {
      let sent = 0;
      for (const form of forms) {
        const session = bySession.get(form.identity)!;
        const base = Object.fromEntries(form.fields.map((f) => [f.name, f.value]));
        const restLength = new URLSearchParams(base).toString().length;
        for (const field of form.fields) {
          for (const p of PATTERNS) {
            const sizes = [p.make(LONG), ...(AT_LIMIT.has(p.name) ? [atLimit(p, restLength)] : [])];
            for (const value of sizes) {
              await measure(`POST ${form.action} as ${form.identity}, ${field.name} = ${p.name} (${value.length} chars)`, () =>
                postForm(w, session, form, { ...base, [field.name]: value }),
              );
              sent += 1;
            }
          }
        }
      }
      t.diagnostic(`${sent} form posts`);
    });

    await t.test('JSON operations: bodies, query strings and search', async () => {
      let sent = 0;
      for (const op of await operations(w.app)) {
        if (op.method === 'DELETE') continue;
        const url = fillPath(w, op.path);
        const headers = { ...authFor(w, op.path), 'content-type': 'application/json' };
        for (const field of op.body) {
          for (const p of PATTERNS) {
            const long = p.make(LONG);
            const values = [long, ...(AT_LIMIT.has(p.name) ? [p.make(BODY_LIMIT - 8192)] : [])];
            for (const v of values) {
              const hostile = field.type === 'array' ? [v] : field.type === 'object' ? { website: v } : v;
              const body = JSON.stringify({ ...validBody(w, op), [field.name]: hostile });
              await measure(`${op.method} ${op.path} ${field.name} = ${p.name} (${v.length} chars)`, () =>
                w.app.inject({ method: op.method, url, headers, payload: body, remoteAddress: nextIp() }),
              );
              sent += 1;
            }
          }
        }
        if (op.method !== 'GET') continue;
        for (const name of op.query) {
          for (const p of PATTERNS) {
            const qs = new URLSearchParams({ [name]: p.make(QUERY_LIMIT / 3) }).toString();
            await measure(`GET ${op.path}?${name}= ${p.name}`, () => w.app.inject({ method: 'GET', url: `${url}?${qs}`, headers: authFor(w, op.path), remoteAddress: nextIp() }));
            sent += 1;
          }
        }
      }
      // The editor's own JSON calls (autosave, preview), outside the Admin API's document.
      const staffJson = { cookie: w.t.admin.cookie, 'x-csrf-token': w.t.admin.csrf, 'content-type': 'application/json' };
      for (const [url, fields] of [
        [`/newsroom/stories/${w.storyId}/autosave`, ['headline', 'summary', 'body', 'dateline', 'desk', 'authors', 'tags', 'syndication', 'embargoUntil']],
        ['/newsroom/preview', ['body']],
      ] as const) {
        for (const field of fields) {
          for (const p of PATTERNS) {
            const v = p.make(LONG);
            const r = await measure(`POST ${url.replace(w.storyId, ':id')} ${field} = ${p.name}`, () =>
              w.app.inject({ method: 'POST', url, headers: staffJson, payload: JSON.stringify({ [field]: field === 'authors' || field === 'tags' ? [v] : v }) }),
            );
            assert.ok(r.statusCode === 200 || r.statusCode === 400, `the editor's call got through (${r.statusCode})`);
            sent += 1;
          }
        }
      }
      // The reader site's search, the partner feeds and the pixel take input in the query too.
      for (const p of PATTERNS) {
        const v = p.make(QUERY_LIMIT / 3);
        const q = new URLSearchParams({ q: v }).toString();
        for (const url of [`/search?${q}`, `/partners/feed/${w.feedToken}/rss.xml?${q}`, `/p/${w.pixelToken}.gif?${q}`, `/partners/stories?${q}`]) {
          await measure(`GET ${url.slice(0, 40)}… ${p.name}`, () =>
            w.app.inject({ url, remoteAddress: nextIp(), headers: { cookie: w.partnerCookie, referer: `https://example.org/${v.slice(0, 4000)}`, 'user-agent': v.slice(0, 4000) } }),
          );
          sent += 1;
        }
        // A bearer token no key matches, as long as a header may be.
        await measure(`GET /api/v1/stories with a ${p.name} bearer token`, () =>
          w.app.inject({ url: '/api/v1/stories', remoteAddress: nextIp(), headers: { authorization: `Bearer ${v.slice(0, 8000)}` } }),
        );
        sent += 1;
      }
      t.diagnostic(`${sent} JSON and query requests`);
    });

    await t.test('Markdown at its 200,000-character limit renders without a stall', async () => {
      // Story bodies are the one place long user text is parsed on purpose (by marked). Bodies
      // at the limit, made of what marked handles in super-linear time or by deep recursion
      // (delimiter runs; block quotes and lists nested on one line or by indentation), must not
      // stall: src/stories/markdown.ts bounds them first.
      const hard = ['*a', '_a', '**a', '`a', '[a](', '<!--', '> ', '1. ', '> - ', '[a', '<a', '~a', '**_', '&#', '| a ', '![', 'a\n'];
      let indented = '';
      for (let i = 0; indented.length < 190_000; i++) indented += `${' '.repeat(i * 2)}- x\n`;
      for (const body of [...hard.map((unit) => repeat(unit, 199_000)), indented]) {
        const unit = body.slice(0, 4);
        const editor = { authorization: `Bearer ${w.t.editor.token}`, 'content-type': 'application/json' };
        const created = await measure(`a story of ${body.length} characters starting ${JSON.stringify(unit)}`, () =>
          w.app.inject({ method: 'POST', url: '/api/admin/stories', headers: editor, payload: JSON.stringify({ headline: 'Markdown at the limit', body, authors: [w.authorSlug], desk: w.deskSlug }) }),
        );
        assert.equal(created.statusCode, 201, created.body.slice(0, 300));
        const id = (JSON.parse(created.body) as { id: string }).id;
        // Publishing renders the body into the stored HTML; the editor's preview renders it too.
        await measure(`publishing it (${JSON.stringify(unit)})`, () => w.app.inject({ method: 'POST', url: `/api/admin/stories/${id}/publish`, headers: editor, payload: '{}' }));
        await measure(`previewing it (${JSON.stringify(unit)})`, () =>
          w.app.inject({
            method: 'POST',
            url: '/newsroom/preview',
            headers: { cookie: w.t.admin.cookie, 'x-csrf-token': w.t.admin.csrf, 'content-type': 'application/json' },
            payload: JSON.stringify({ body }),
          }),
        );
      }
    });
  } finally {
    stop();
    t.diagnostic(`worst event-loop block ${Math.round(worst.loopMs)} ms with ${Math.round(worst.cpuMs)} ms of CPU (${worst.what}); slowest concurrent /healthz ${Math.round(worst.probeMs)} ms`);
    await w.t.close();
    await tdb.drop();
  }
});
