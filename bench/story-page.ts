/**
 * bench/story-page: a published story page under load, against a bare node:http server sending
 * the same bytes from memory, in the same sitting. Freewire runs as `npm start` runs it (shipped
 * defaults, request log on and written to a drained pipe), pinned to one core, the load generator
 * on the other; three interleaved rounds, medians.
 *
 *   npm run bench [-- --seconds 10]
 */
import { compare, load, reportComparison, setting, startBaseline, startFreewire } from './lib.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const connections = 50;

console.log(`bench/story-page — ${setting()}`);
const freewire = await startFreewire();
try {
  const home = await (await fetch(`${freewire.url}/`)).text();
  const m = /href="(\/stories\/[a-z0-9-]+)"/.exec(home);
  if (!m) throw new Error('no story link on the home page');
  const storyUrl = `${freewire.url}${m[1]}`;
  const res = await fetch(storyUrl, { headers: { 'accept-encoding': 'identity' } });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`story page answered ${res.status}`);
  console.log(`story page ${m[1]}: ${body.length} bytes`);

  const baseline = await startBaseline(body, res.headers.get('content-type') ?? 'text/html; charset=utf-8');
  try {
    const c = await compare(
      'story-page',
      (s) => load(storyUrl, { seconds: s, connections }),
      (s) => load(baseline.url, { seconds: s, connections }),
      { seconds },
    );
    console.log(reportComparison(c));
  } finally {
    await baseline.stop();
  }
} finally {
  await freewire.stop();
}
