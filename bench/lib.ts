/**
 * Shared benchmark plumbing: start the real Freewire server and a bare node:http baseline as
 * separate processes, drive each with autocannon from this process, print ratios.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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

/**
 * Pins this process (the load generator) to `core`, so it never competes with a server pinned
 * to the other core. A no-op without taskset.
 */
export function pinSelf(core: number): void {
  if (canPin) execFileSync('/usr/bin/taskset', ['-cp', String(core), String(process.pid)], { stdio: 'ignore' });
}

/**
 * Starts `freewire start` on a fresh data dir with demo content. `pin` runs it on that core alone
 * (with taskset, when present), as a measurement of one core's worth of server should.
 */
export async function startFreewire(extraEnv: Record<string, string> = {}, opts: { stderr?: 'inherit' | 'pipe'; pin?: number } = {}): Promise<Started> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'freewire-bench-'));
  const args = [path.join(ROOT, 'bin/freewire.js'), 'start'];
  const pinned = opts.pin !== undefined && canPin;
  const proc = spawn(pinned ? '/usr/bin/taskset' : process.execPath, pinned ? ['-c', String(opts.pin), process.execPath, ...args] : args, {
    env: { ...process.env, PORT: String(port), FREEWIRE_HOST: '127.0.0.1', FREEWIRE_DATA_DIR: dataDir, FREEWIRE_LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'ignore', opts.stderr ?? 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`);
  return {
    url,
    proc,
    dataDir,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A bare node:http server in its own process answering every request with the given bytes. */
export async function startBaseline(body: Buffer, contentType: string): Promise<Started> {
  const port = await freePort();
  const code = `
    const http = require('node:http');
    const body = Buffer.from(process.env.BODY_B64, 'base64');
    http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': process.env.CT, 'content-length': body.length });
      res.end(body);
    }).listen(${port}, '127.0.0.1');
  `;
  const proc = spawn(process.execPath, ['-e', code], { env: { ...process.env, BODY_B64: body.toString('base64'), CT: contentType }, stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url);
  return {
    url,
    proc,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
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
    execFile('/usr/bin/wrk', args, { maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
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
