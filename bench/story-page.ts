/**
 * bench/story-page: a published story page under load, against a bare node:http server sending
 * the same bytes from memory, in the same sitting. Freewire runs as `npm start` runs it (shipped
 * defaults, request log on and written to a drained pipe), pinned to one core, the load generator
 * on the other; three interleaved rounds, medians.
 *
 *   npm run bench [-- --seconds 10] [--data-dir DIR] [--pages]
 *
 * `--data-dir` serves an existing data dir (say the 100,000 stories bench/scale prepared) instead
 * of a fresh one with the demo site. `--pages` measures, after the story page, the other pages
 * readers load most — the home page, a desk, an author and the site's RSS feed — each against
 * its own bare server sending that page's bytes: at 100,000 stories every one must keep the ratio
 * it has on the demo site.
 */
import { compare, load, option, reportComparison, setting, startBaseline, startFreewire, type Comparison } from './lib.js';

const seconds = Number(option('--seconds')) || 10;
const dataDir = option('--data-dir');
const allPages = process.argv.includes('--pages');
const connections = 50;

/** One page's comparison against a bare server sending its bytes (identity encoding, as wrk asks). */
async function measure(name: string, url: string): Promise<Comparison> {
  const res = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${name} (${url}) answered ${res.status}`);
  console.log(`${name} ${new URL(url).pathname}: ${body.length} bytes`);
  const baseline = await startBaseline(body, res.headers.get('content-type') ?? 'text/html; charset=utf-8');
  try {
    return await compare(
      name,
      (s) => load(url, { seconds: s, connections }),
      (s) => load(baseline.url, { seconds: s, connections }),
      { seconds },
    );
  } finally {
    await baseline.stop();
  }
}

function firstLink(html: string, pattern: RegExp, what: string): string {
  const m = pattern.exec(html);
  if (!m) throw new Error(`no ${what} link on the home page`);
  return m[1]!;
}

console.log(`bench/story-page — ${setting()}${dataDir ? `; data dir ${dataDir}` : ''}`);
const freewire = await startFreewire({}, dataDir ? { dataDir } : {});
try {
  const home = await (await fetch(`${freewire.url}/`)).text();
  const pages: Array<[string, string]> = [['story-page', firstLink(home, /href="(\/stories\/[a-z0-9-]+)"/, 'story')]];
  if (allPages) {
    pages.push(['home', '/'], ['desk', firstLink(home, /href="(\/desk\/[a-z0-9-]+)"/, 'desk')]);
    const story = await (await fetch(`${freewire.url}${pages[0]![1]}`)).text();
    pages.push(['author', firstLink(story + home, /href="(\/author\/[a-z0-9-]+)"/, 'author')], ['feed', '/feed.xml']);
  }
  const results: Comparison[] = [];
  for (const [name, path] of pages) {
    const c = await measure(name, `${freewire.url}${path}`);
    console.log(reportComparison(c));
    results.push(c);
  }
  if (results.length > 1) {
    console.log('\nratios (median of 3 interleaved rounds each):');
    for (const c of results) console.log(`  ${c.name.padEnd(12)} ${c.ratio.toFixed(2)}   (${c.subjectRps.toFixed(0)} vs ${c.baselineRps.toFixed(0)} req/s)`);
  }
} finally {
  await freewire.stop();
}
