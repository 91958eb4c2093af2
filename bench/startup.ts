/**
 * How long `npm start` takes to answer its first request, and how much memory the server holds
 * idle, against a bare node:http server started the same way.
 *
 *   npm run bench:startup [-- --data-dir DIR]
 *
 * Freewire runs exactly as `npm start` runs it: `node bin/freewire.js start` with the shipped
 * defaults (logging included), on a data dir created once by an unmeasured first start (migrations,
 * demo content, first admin), then measured on that existing dir. Each run times spawn → first
 * 200 from GET /healthz; the median of RUNS is reported. Memory is VmRSS from /proc/<pid>/status:
 * "settled" two seconds after the first answer, and "idle" once V8's memory reducer has run on
 * the idle server (the value stops falling; up to IDLE_WAIT_MS). With taskset the server is pinned
 * to one core and this process to the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt } from '../scripts/build.mjs';
import { canPin, freePort, load, pinSelf, ROOT } from './lib.js';

const RUNS = 5;
const LOAD_SECONDS = 10;
const STORY_SAMPLE = 2000;
const SETTLE_MS = 2000;
const IDLE_WAIT_MS = 120_000;
/** After the first drop in RSS, how long it must hold still to count as idle. */
const IDLE_STEADY_MS = 5000;
const SERVER_CORE = 1;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spawnPinned(args: string[], env: NodeJS.ProcessEnv): { proc: ChildProcess; stderr: () => string } {
  // taskset execs node, so the child's pid is the server's.
  const pinned = canPin;
  const proc = spawn(pinned ? '/usr/bin/taskset' : process.execPath, pinned ? ['-c', String(SERVER_CORE), process.execPath, ...args] : args, {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Kept for failures only: every stop prints its shutdown notice.
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return { proc, stderr: () => stderr };
}

/** One GET with a fresh connection; true on a 200. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

/** Milliseconds from `startedAt` until `url` first answers 200. */
async function firstAnswer(url: string, proc: ChildProcess, stderr: () => string, startedAt: number): Promise<number> {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode} before answering:\n${stderr()}`);
    if (await answers(url)) return performance.now() - startedAt;
    if (performance.now() - startedAt > 120_000) throw new Error(`${url} did not answer within 120 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb[1]) / 1024;
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

interface Run {
  ms: number;
  settledMb: number;
}

async function measure(args: string[], env: NodeJS.ProcessEnv, path_: string, opts: { idle?: boolean } = {}): Promise<Run & { idleMb?: number; idleAfterMs?: number }> {
  const port = await freePort();
  const startedAt = performance.now();
  const { proc, stderr } = spawnPinned(args, { ...env, PORT: String(port) });
  try {
    const ms = await firstAnswer(`http://127.0.0.1:${port}${path_}`, proc, stderr, startedAt);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const settledMb = rssMb(proc.pid!);
    if (!opts.idle) return { ms, settledMb };
    // The memory reducer gives back the young generation a while after the last allocation burst.
    const idleStarted = performance.now();
    let idleMb = settledMb;
    let idleAfterMs = 0;
    while (performance.now() - idleStarted < IDLE_WAIT_MS) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = rssMb(proc.pid!);
      if (now < idleMb - 1) {
        idleMb = now;
        idleAfterMs = performance.now() - idleStarted + SETTLE_MS;
      } else if (idleAfterMs && performance.now() - idleStarted + SETTLE_MS - idleAfterMs > IDLE_STEADY_MS) {
        break;
      }
    }
    return { ms, settledMb, idleMb, idleAfterMs };
  } finally {
    await stop(proc);
  }
}

const compiled = ensureBuilt(ROOT);
if (!compiled) throw new Error('no compiled build: the measurement would be of tsx, not of npm start');
pinSelf(SERVER_CORE === 1 ? 0 : 1);

// `--data-dir DIR`: measure on an existing data dir (e.g. one with 100,000 demo stories from
// `npx freewire demo --stories 100000`), and also the memory under the story-page load there.
const given = process.argv.includes('--data-dir') ? process.argv[process.argv.indexOf('--data-dir') + 1] : undefined;
const dataDir = given ?? mkdtempSync(path.join(tmpdir(), 'freewire-startup-'));
const freewireArgs = [path.join(ROOT, 'bin/freewire.js'), 'start'];
const baseEnv = { ...process.env, FREEWIRE_HOST: '127.0.0.1', FREEWIRE_DATA_DIR: dataDir };
const bareArgs = ['-e', `require('node:http').createServer((q, s) => s.end('{"status":"ok"}')).listen(Number(process.env.PORT), '127.0.0.1')`];
try {
  const first = await measure(freewireArgs, baseEnv, '/healthz');
  console.log(given ? `first start on ${given}: ${first.ms.toFixed(0)} ms` : `first start (fresh data dir: migrations, demo content, first admin): ${first.ms.toFixed(0)} ms`);

  const freewire: Run[] = [];
  const bare: Run[] = [];
  let idle: { idleMb?: number; idleAfterMs?: number } = {};
  // Interleaved, so a busy moment on the machine hits both.
  for (let i = 0; i < RUNS; i++) {
    const last = i === RUNS - 1;
    const run = await measure(freewireArgs, baseEnv, '/healthz', { idle: last });
    freewire.push(run);
    if (last) idle = run;
    bare.push(await measure(bareArgs, process.env, '/'));
  }
  const fw = median(freewire.map((r) => r.ms));
  const base = median(bare.map((r) => r.ms));
  console.log(`pinned: ${canPin ? `server on core ${SERVER_CORE}, this process on the other` : 'no (taskset missing)'}`);
  console.log(`freewire start, existing data dir: median ${fw.toFixed(0)} ms to first answer (runs: ${freewire.map((r) => r.ms.toFixed(0)).join(', ')})`);
  console.log(`bare node:http: median ${base.toFixed(0)} ms (runs: ${bare.map((r) => r.ms.toFixed(0)).join(', ')})`);
  console.log(`ratio freewire / bare: ${(fw / base).toFixed(1)}`);
  console.log(`RSS settled (${SETTLE_MS / 1000} s after first answer): freewire median ${median(freewire.map((r) => r.settledMb)).toFixed(0)} MB, bare ${median(bare.map((r) => r.settledMb)).toFixed(0)} MB`);
  console.log(
    idle.idleAfterMs
      ? `RSS idle: ${idle.idleMb!.toFixed(0)} MB (memory reducer ran ${(idle.idleAfterMs / 1000).toFixed(0)} s after first answer)`
      : `RSS idle: ${idle.idleMb!.toFixed(0)} MB (no reduction within ${IDLE_WAIT_MS / 1000} s)`,
  );
  if (given) await memoryUnderLoad();
} finally {
  if (!given) rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Peak RSS while wrk loads story pages for LOAD_SECONDS (sampled every 100 ms): one story, as
 * bench/story-page does, then STORY_SAMPLE different stories in turn, as readers spread over an
 * archive would (the page cache then holds up to its byte cap).
 */
async function memoryUnderLoad(): Promise<void> {
  const port = await freePort();
  const { proc, stderr } = spawnPinned(freewireArgs, { ...baseEnv, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  try {
    await firstAnswer(`${base}/healthz`, proc, stderr, performance.now());
    // A large site's sitemap.xml is an index of files of stories; a small one lists them itself.
    let sitemap = await (await fetch(`${base}/sitemap.xml`)).text();
    if (sitemap.includes('<sitemapindex')) sitemap = await (await fetch(`${base}/sitemaps/stories-1.xml`)).text();
    const stories = [...sitemap.matchAll(/<loc>[^<]*?(\/stories\/[a-z0-9-]+)<\/loc>/g)].map((m) => m[1]!).slice(0, STORY_SAMPLE);
    if (stories.length === 0) throw new Error('no stories in the sitemap');
    const peakDuring = async (script: string | undefined, target: string): Promise<{ peak: number; rps: number }> => {
      let peak = rssMb(proc.pid!);
      const timer = setInterval(() => (peak = Math.max(peak, rssMb(proc.pid!))), 100);
      try {
        const r = await load(target, { seconds: LOAD_SECONDS, connections: 50, luaScript: script });
        return { peak, rps: r.requestsPerSec };
      } finally {
        clearInterval(timer);
      }
    };
    const before = rssMb(proc.pid!);
    const one = await peakDuring(undefined, `${base}${stories[0]}`);
    const file = path.join(tmpdir(), `freewire-stories-${process.pid}.lua`);
    writeFileSync(file, `local paths = { ${stories.map((s) => JSON.stringify(s)).join(', ')} }\nlocal n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format("GET", paths[(n % #paths) + 1])\nend\n`);
    try {
      const many = await peakDuring(file, base);
      console.log(`RSS under load on ${given}: ${before.toFixed(0)} MB before; peak ${one.peak.toFixed(0)} MB under one story page (${one.rps.toFixed(0)} req/s, ${LOAD_SECONDS} s); peak ${many.peak.toFixed(0)} MB under ${stories.length} different story pages in turn (${many.rps.toFixed(0)} req/s)`);
    } finally {
      rmSync(file, { force: true });
    }
  } finally {
    await stop(proc);
  }
}
