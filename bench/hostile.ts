/**
 * bench/hostile: the server (as `npm start` runs it) under a stream of hostile form posts and
 * JSON bodies (long runs of `a.`, `a@`, `(`, spaces, `@` up to the 1 MB limit) while readers load
 * a story page. Prints the 99th-percentile event-loop delay inside the server and the readers'
 * 99th-percentile latency, with the same readers' figures without the attack as the baseline.
 * Usage: npx tsx bench/hostile.ts [--seconds 10]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { load, ROOT, startFreewire } from './lib.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;

const UNITS = ['a.', 'a@', '(', ' ', '@'];
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

const freewire = await startFreewire({
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${path.join(ROOT, 'bench/eld-probe.mjs')}`,
  // Every hostile post must reach validation, not a 429.
  FREEWIRE_APPLICATION_RATE_LIMIT: '1000000',
  FREEWIRE_LOGIN_RATE_LIMIT: '10000',
}, { stderr: 'pipe' });
try {
  const home = await (await fetch(`${freewire.url}/`)).text();
  const m = /href="(\/stories\/[a-z0-9-]+)"/.exec(home);
  if (!m) throw new Error('no story link on the home page');
  const storyUrl = `${freewire.url}${m[1]}`;
  await load(storyUrl, { seconds: 2, connections: 10 });
  const quiet = await load(storyUrl, { seconds, connections: 10 });
  const quietLoop = await eventLoopDelay(freewire.proc);
  const [attacked, sent] = await Promise.all([load(storyUrl, { seconds, connections: 10 }), attack(freewire.url, Date.now() + seconds * 1000)]);
  const loop = await eventLoopDelay(freewire.proc);
  console.log(`hostile: ${sent} hostile requests in ${seconds} s`);
  console.log(`  event-loop delay (server, during the attack): p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms (before the attack: p99 ${quietLoop.p99.toFixed(1)} ms)`);
  console.log(`  concurrent readers: p99 ${attacked.latencyP99} ms, ${attacked.requestsPerSec.toFixed(0)} req/s; baseline without attack: p99 ${quiet.latencyP99} ms, ${quiet.requestsPerSec.toFixed(0)} req/s`);
} finally {
  await freewire.stop();
}
