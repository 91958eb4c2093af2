/**
 * bench/story-page: a published story page under load, against a bare node:http server sending
 * the same bytes from memory, in the same run. Usage: npm run bench [-- --seconds 10]
 */
import { LOAD_TOOL, load, report, startBaseline, startFreewire } from './lib.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const connections = 50;

const freewire = await startFreewire();
try {
  const home = await (await fetch(`${freewire.url}/`)).text();
  const m = /href="(\/stories\/[a-z0-9-]+)"/.exec(home);
  if (!m) throw new Error('no story link on the home page');
  const storyUrl = `${freewire.url}${m[1]}`;
  const res = await fetch(storyUrl, { headers: { 'accept-encoding': 'identity' } });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`story page answered ${res.status}`);
  console.log(`story page ${m[1]}: ${body.length} bytes; load tool: ${LOAD_TOOL}`);

  const baseline = await startBaseline(body, res.headers.get('content-type') ?? 'text/html; charset=utf-8');
  try {
    // Warm both up (JIT, caches) before measuring.
    await load(storyUrl, { seconds: 2, connections });
    await load(baseline.url, { seconds: 2, connections });
    const subject = await load(storyUrl, { seconds, connections });
    const base = await load(baseline.url, { seconds, connections });
    if (subject.non2xx > 0 || subject.errors > 0) console.log(`warning: ${subject.non2xx} non-2xx, ${subject.errors} errors`);
    console.log(report('story-page', subject, base));
    console.log(`  p99 latency: freewire ${subject.latencyP99} ms, baseline ${base.latencyP99} ms`);
  } finally {
    await baseline.stop();
  }
} finally {
  await freewire.stop();
}
