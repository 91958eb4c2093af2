/**
 * bench/hostile: the server (as `npm start` runs it) under a stream of hostile form posts and
 * JSON bodies (long runs of `a.`, `a@`, `(`, spaces, `@`, `*a`, from 80 KB to 300 KB) while a few
 * readers load a story page one request after another. Prints the 99th-percentile event-loop
 * delay inside the server and the readers' 99th-percentile latency, with the same figures
 * without the attack as the baseline. The readers do not saturate the server (a load tool would
 * measure throughput, not stalls). The server runs with the shipped log level, pinned to core 0;
 * this process (readers and attacker) to core 1. Only the rate limits are raised, so that every
 * hostile post reaches validation instead of a cheap 429. Usage: npm run bench:hostile [-- --seconds 10]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { canPin, pinSelf, ROOT, startFreewire } from './lib.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;

const UNITS = ['a.', 'a@', '(', ' ', '@', '*a'];
function hostileBodies(): Array<{ url: string; type: string; body: string }> {
  const out: Array<{ url: string; type: string; body: string }> = [];
  for (const unit of UNITS) {
    for (const n of [80_000, 300_000]) {
      const v = `a@${unit.repeat(Math.floor(n / unit.length))}@`;
      for (const field of ['email', 'outlet', 'website', 'audience']) {
        out.push({ url: '/republish', type: 'application/x-www-form-urlencoded', body: new URLSearchParams({ _csrf: 'bench-csrf-token-0123456789', [field]: v }).toString() });
        out.push({ url: '/api/v1/applications', type: 'application/json', body: JSON.stringify({ [field]: v }) });
      }
      out.push({ url: '/newsroom/login', type: 'application/x-www-form-urlencoded', body: new URLSearchParams({ _csrf: 'bench-csrf-token-0123456789', email: v, password: v }).toString() });
    }
  }
  return out;
}

/** Sends hostile requests one after another until `until`; returns how many. */
async function attack(base: string, until: number): Promise<number> {
  const bodies = hostileBodies();
  let sent = 0;
  while (Date.now() < until) {
    const b = bodies[sent % bodies.length]!;
    await fetch(`${base}${b.url}`, { method: 'POST', headers: { 'content-type': b.type, cookie: 'fw_csrf=bench-csrf-token-0123456789' }, body: b.body }).then((r) => r.arrayBuffer()).catch(() => undefined);
    sent += 1;
  }
  return sent;
}

/** `concurrency` readers fetching the page back to back until `until`; every latency in ms. */
async function readers(url: string, until: number, concurrency = 4): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const started = performance.now();
        const r = await fetch(url);
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`story page answered ${r.status}`);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

async function eventLoopDelay(proc: ReturnType<typeof spawn>): Promise<{ p50: number; p99: number; max: number }> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      const m = /ELD (\{.*\})/.exec(chunk.toString());
      if (m) {
        proc.stderr!.off('data', onData);
        resolve(JSON.parse(m[1]!) as { p50: number; p99: number; max: number });
      }
    };
    proc.stderr!.on('data', onData);
    proc.kill('SIGUSR2');
  });
}

pinSelf(1);
const freewire = await startFreewire({
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${path.join(ROOT, 'bench/eld-probe.mjs')}`,
  // As shipped (request logs on), not the quieter level other benches used.
  FREEWIRE_LOG_LEVEL: 'info',
  // Every hostile post must reach validation, not a 429.
  FREEWIRE_APPLICATION_RATE_LIMIT: '1000000',
  FREEWIRE_LOGIN_RATE_LIMIT: '10000',
}, { stderr: 'pipe', pin: 0 });
if (!canPin) console.log('hostile: taskset not found; server and load share both cores');
try {
  const home = await (await fetch(`${freewire.url}/`)).text();
  const m = /href="(\/stories\/[a-z0-9-]+)"/.exec(home);
  if (!m) throw new Error('no story link on the home page');
  const storyUrl = `${freewire.url}${m[1]}`;
  await readers(storyUrl, Date.now() + 2000);
  await eventLoopDelay(freewire.proc);
  const quiet = await readers(storyUrl, Date.now() + seconds * 1000);
  const quietLoop = await eventLoopDelay(freewire.proc);
  const until = Date.now() + seconds * 1000;
  const [attacked, sent] = await Promise.all([readers(storyUrl, until), attack(freewire.url, until)]);
  const loop = await eventLoopDelay(freewire.proc);
  console.log(`hostile: ${sent} hostile requests in ${seconds} s`);
  console.log(`  event-loop delay in the server: p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms; without the attack p99 ${quietLoop.p99.toFixed(1)} ms, max ${quietLoop.max.toFixed(1)} ms`);
  console.log(`  concurrent readers: p99 ${p99(attacked).toFixed(1)} ms over ${attacked.length} requests; without the attack p99 ${p99(quiet).toFixed(1)} ms over ${quiet.length}`);
} finally {
  await freewire.stop();
}
