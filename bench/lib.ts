/**
 * Shared benchmark plumbing: start the real Freewire server and a bare node:http baseline as
 * separate processes, drive each with autocannon from this process, print ratios.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

export interface Started {
  url: string;
  proc: ChildProcess;
  /** Freewire only: its data dir (the SQLite file), removed by stop(). */
  dataDir?: string;
  stop(): Promise<void>;
}

/** True when Debian's taskset (util-linux) can pin processes to cores here. */
export const canPin = existsSync('/usr/bin/taskset');

/** The core the server under test runs on; the load generator (this process and wrk) takes the other. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

/**
 * Pins this process (the load generator) to `core`, so it never competes with a server pinned
 * to the other core. A no-op without taskset.
 */
export function pinSelf(core: number): void {
  if (canPin) execFileSync('/usr/bin/taskset', ['-cp', String(core), String(process.pid)], { stdio: 'ignore' });
}

// Every benchmark process is a load generator (autocannon runs in it, and it spawns wrk): keep it
// off the server's core from the start. Servers are started pinned explicitly.
pinSelf(LOAD_CORE);

export interface StartOptions {
  stderr?: 'inherit' | 'pipe';
  /** Run the server on this core alone (with taskset, when present). Default SERVER_CORE. */
  pin?: number | null;
  /** Use this existing data dir (e.g. one holding 100,000 demo stories) instead of a fresh one; it is kept on stop(). */
  dataDir?: string;
}

/**
 * Starts Freewire exactly as `npm start` does (`node bin/freewire.js start`, shipped defaults,
 * request logging included, stdout kept: a real deployment writes it somewhere), on a fresh data
 * dir with demo content unless `dataDir` is given. Pinned to SERVER_CORE by default, as one
 * core's worth of server should be measured. `extraEnv` is for what a benchmark must set (a
 * flush interval, an allow list), never for tuning.
 */
export async function startFreewire(extraEnv: Record<string, string> = {}, opts: StartOptions = {}): Promise<Started> {
  const port = await freePort();
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'freewire-bench-'));
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under the benchmark's load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, path.join(ROOT, 'bin/freewire.js'), 'start'];
  const core = opts.pin === undefined ? SERVER_CORE : opts.pin;
  const pinned = core !== null && canPin;
  const proc = spawn(pinned ? '/usr/bin/taskset' : process.execPath, pinned ? ['-c', String(core), process.execPath, ...args] : args, {
    env: { ...process.env, PORT: String(port), FREEWIRE_HOST: '127.0.0.1', FREEWIRE_DATA_DIR: dataDir, ...extraEnv },
    // The request log goes to a real pipe that is drained, as it would be under systemd or Docker,
    // so its cost is counted; /dev/null would make writing it nearly free.
    stdio: ['ignore', 'pipe', opts.stderr ?? 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  // Started means "Listening on" on stdout: printed once the first admin exists and background
  // work runs. /healthz answers a moment earlier, and a bench that stops the server right then
  // (to load the demo into its data dir) could find no admin yet, as happened on PostgreSQL.
  const listening = new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (seen.includes('Listening on ')) {
        proc.stdout!.off('data', onData);
        proc.stdout!.resume();
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`freewire start exited (${code}) before listening`)));
  });
  await waitFor(`${url}/healthz`, 180_000);
  await listening;
  return {
    url,
    proc,
    dataDir,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A bare node:http server in its own process answering every request with the given bytes, pinned
 * to the same core as the server it is compared with. The body goes over in a file: an
 * environment variable longer than 128 KiB is refused by Linux, and a page of ninjs is larger.
 */
export async function startBaseline(body: Buffer, contentType: string, opts: { pin?: number | null } = {}): Promise<Started> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'freewire-bench-body-'));
  const file = path.join(dir, 'body');
  writeFileSync(file, body);
  const code = `
    const http = require('node:http');
    const body = require('node:fs').readFileSync(process.env.BODY_FILE);
    http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': process.env.CT, 'content-length': body.length });
      res.end(body);
    }).listen(${port}, '127.0.0.1');
  `;
  const core = opts.pin === undefined ? SERVER_CORE : opts.pin;
  const pinned = core !== null && canPin;
  const args = ['-e', code];
  const proc = spawn(pinned ? '/usr/bin/taskset' : process.execPath, pinned ? ['-c', String(core), process.execPath, ...args] : args, {
    env: { ...process.env, BODY_FILE: file, CT: contentType },
    stdio: 'inherit',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url);
  return {
    url,
    proc,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const leanAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * One request timed to its last byte, as a lean client sees it: node:http on one kept-alive
 * connection, the body counted and dropped (its first 300 characters kept for error messages).
 * Latency rows use this rather than fetch(): decoding a megabyte of answer into a string, and the
 * collector pauses of a bench process that has parsed hundreds of pages, were part of fetch()'s
 * figure (bench/api: p95 38 ms where the server answered within 10 ms).
 */
export function timedLean(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; status: number; start: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent: leanAgent, headers }, (res) => {
      let start = '';
      res.on('data', (chunk: Buffer) => {
        if (start.length < 300) start += chunk.subarray(0, 300).toString('utf8');
      });
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, start }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(new Error(`${url}: ${err.message}`)));
  });
}

/** Closes timedLean's kept-alive connection, so the bench process can exit. */
export function closeLeanClient(): void {
  leanAgent.destroy();
}

/** The value after `name` on the command line (`--data-dir DIR`), if given. */
export function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * Runs a `freewire` command (as `npx freewire` would) with extra environment; returns its stdout.
 * `stderr: 'inherit'` shows its progress (the demo's progress bar).
 */
export function cli(env: Record<string, string>, args: string[], input?: string, stderr: 'pipe' | 'inherit' = 'pipe'): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'bin/freewire.js'), ...args], {
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', stderr],
    maxBuffer: 1 << 24,
  });
}

export interface LoadResult {
  requestsPerSec: number;
  non2xx: number;
  errors: number;
  total: number;
  latencyP99: number;
}

/** Debian's wrk (C, multi-threaded) when installed: it can saturate a Node server on one core,
 * which autocannon (itself Node) cannot. Falls back to autocannon otherwise. */
export const LOAD_TOOL = existsSync('/usr/bin/wrk') ? 'wrk' : 'autocannon';

export async function load(url: string, opts: { seconds: number; connections: number; headers?: Record<string, string>; luaScript?: string }): Promise<LoadResult> {
  if (LOAD_TOOL === 'wrk') return loadWithWrk(url, opts);
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    pipelining: 1,
    headers: opts.headers,
  });
  return {
    requestsPerSec: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
    latencyP99: result.latency.p99,
  };
}

async function loadWithWrk(url: string, opts: { seconds: number; connections: number; headers?: Record<string, string>; luaScript?: string }): Promise<LoadResult> {
  const args = ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (opts.luaScript) args.push('-s', opts.luaScript);
  args.push(url);
  const out = await new Promise<string>((resolve, reject) => {
    // wrk runs on the load generator's core, never on the server's.
    const [cmd, argv] = canPin ? ['/usr/bin/taskset', ['-c', String(LOAD_CORE), '/usr/bin/wrk', ...args]] : ['/usr/bin/wrk', args];
    execFile(cmd, argv, { maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const total = num(/(\d+) requests in/);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = p99 ? Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1) : 0;
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    errors: socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    total,
    latencyP99: p99ms,
  };
}

export function report(name: string, subject: LoadResult, baseline: LoadResult): string {
  const ratio = subject.requestsPerSec / baseline.requestsPerSec;
  return `${name}: ${subject.requestsPerSec.toFixed(0)} req/s, baseline ${baseline.requestsPerSec.toFixed(0)} req/s, ratio ${ratio.toFixed(2)}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export interface Comparison {
  name: string;
  subject: LoadResult[];
  baseline: LoadResult[];
  /** Median requests/s over the rounds. */
  subjectRps: number;
  baselineRps: number;
  /** Median of the per-round ratios (each round's subject against the baseline run right after it). */
  ratio: number;
}

/**
 * Throughput of `subjectLoad` against `baselineLoad`, interleaved: a warm-up of each, then
 * `rounds` rounds of subject then baseline, so a slow spell on the machine hits both. Reports
 * medians; the ratio is the median of the per-round ratios.
 */
export async function compare(
  name: string,
  subjectLoad: (seconds: number) => Promise<LoadResult>,
  baselineLoad: (seconds: number) => Promise<LoadResult>,
  opts: { seconds: number; rounds?: number; warmupSeconds?: number },
): Promise<Comparison> {
  const rounds = opts.rounds ?? 3;
  const warm = opts.warmupSeconds ?? 2;
  if (warm > 0) {
    await subjectLoad(warm);
    await baselineLoad(warm);
  }
  const subject: LoadResult[] = [];
  const baseline: LoadResult[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = await subjectLoad(opts.seconds);
    const b = await baselineLoad(opts.seconds);
    subject.push(s);
    baseline.push(b);
    ratios.push(s.requestsPerSec / b.requestsPerSec);
    const bad = s.non2xx + s.errors;
    console.log(
      `  ${name} round ${i + 1}/${rounds}: ${s.requestsPerSec.toFixed(0)} req/s vs bare ${b.requestsPerSec.toFixed(0)} req/s (${(s.requestsPerSec / b.requestsPerSec).toFixed(2)})` +
        (bad > 0 ? ` — ${s.non2xx} non-2xx, ${s.errors} socket errors` : ''),
    );
  }
  return {
    name,
    subject,
    baseline,
    subjectRps: median(subject.map((r) => r.requestsPerSec)),
    baselineRps: median(baseline.map((r) => r.requestsPerSec)),
    ratio: median(ratios),
  };
}

export function reportComparison(c: Comparison): string {
  const p99 = median(c.subject.map((r) => r.latencyP99));
  return `${c.name}: ${c.subjectRps.toFixed(0)} req/s, bare node:http ${c.baselineRps.toFixed(0)} req/s, ratio ${c.ratio.toFixed(2)} (median of ${c.subject.length} interleaved rounds; p99 ${p99.toFixed(1)} ms)`;
}

/** Where this run is measured: pinned or not, the load tool, Node's version. */
export function setting(): string {
  return `${canPin ? `server pinned to core ${SERVER_CORE}, load generator on core ${LOAD_CORE}` : 'taskset not found: nothing pinned'}; load tool ${LOAD_TOOL}; Node ${process.version}`;
}
