/**
 * bench/pixel: the view pixel under load from many distinct simulated readers (a distinct user
 * agent per request, with a partner page as referrer), against a bare node:http server sending
 * the same 43-byte GIF, in the same run. Then checks the counts: the views stored must equal
 * the hits the load tool saw answered (give or take the requests in flight when it stopped),
 * and reports the server's resident memory before and after, to show the de-duplication
 * window does not grow without bound.
 *
 * Usage: npx tsx bench/pixel.ts [--seconds 10]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createDatabase } from '../src/db/database.js';
import { TRANSPARENT_GIF } from '../src/usage/pixel.routes.js';
import { newId, randomToken } from '../src/util/ids.js';
import { compare, LOAD_TOOL, load, reportComparison, setting, startBaseline, startFreewire, type LoadResult } from './lib.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const connections = 50;
const FLUSH_MS = 1000;

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

const scripts: string[] = [];

/** A wrk script giving every request its own reader (user agent) and a partner page as referrer. */
function readerScript(): string {
  const run = randomBytes(6).toString('hex');
  const file = path.join(tmpdir(), `freewire-pixel-${run}.lua`);
  writeFileSync(
    file,
    `local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", nil, {
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 reader-${run}-" .. n,
    ["Referer"] = "https://gazette.example/news/story-" .. (n % 50) .. "?utm_source=bench"
  })
end
`,
  );
  scripts.push(file);
  return file;
}

/** The same load without wrk: autocannon with a distinct user agent per request. */
async function loadReaders(url: string, secs: number): Promise<LoadResult> {
  if (LOAD_TOOL === 'wrk') return load(url, { seconds: secs, connections, luaScript: readerScript() });
  const run = randomBytes(6).toString('hex');
  let n = 0;
  const result = await autocannon({
    url,
    connections,
    duration: secs,
    requests: [
      {
        setupRequest: (req) => {
          n += 1;
          return {
            ...req,
            headers: {
              'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 reader-${run}-${n}`,
              referer: `https://gazette.example/news/story-${n % 50}?utm_source=bench`,
            },
          };
        },
      },
    ],
  });
  return { requestsPerSec: result.requests.average, non2xx: result.non2xx, errors: result.errors, total: result.requests.total, latencyP99: result.latency.p99 };
}

console.log(`bench/pixel — ${setting()}`);
// The flush interval is set so the stored counts settle quickly after the load; it is not a tuning.
const freewire = await startFreewire({ FREEWIRE_USAGE_FLUSH_INTERVAL_MS: String(FLUSH_MS) });
// The bench opens the server's SQLite file beside it (WAL allows it) to set up a partner and a
// pixel token, and later to read the stored counts.
const database = createDatabase({ dataDir: freewire.dataDir! });
const { db } = database;
const storedViews = async () => Number((await db.selectFrom('usage_daily').select((eb) => eb.fn.sum<number>('views').as('n')).executeTakeFirst())?.n ?? 0);

/** Waits until the stored total stops moving (a flush or two after the load ends). */
async function settledViews(): Promise<number> {
  let last = await storedViews();
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, FLUSH_MS * 1.5));
    const now = await storedViews();
    if (now === last) return now;
    last = now;
  }
  return last;
}

try {
  const story = await db.selectFrom('stories').select('id').where('status', '=', 'published').limit(1).executeTakeFirst();
  if (!story) throw new Error('no published story in the demo content');
  const partnerId = newId();
  const now = new Date().toISOString();
  await db
    .insertInto('partners')
    .values({
      id: partnerId, outlet: 'Bench Gazette', website: 'https://gazette.example', domain: 'gazette.example', contact_name: 'Bench', email: 'bench@gazette.example',
      audience: 1_000_000, evidence: 'bench', intended_use: 'bench', status: 'approved', kind: 'free', eligibility_json: '{}',
      decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
    })
    .execute();
  const token = randomToken(16);
  await db.insertInto('pixel_tokens').values({ token, story_id: story.id, partner_id: partnerId, created_at: now }).execute();
  const pixelUrl = `${freewire.url}/p/${token}.gif`;

  const probe = await fetch(pixelUrl, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 probe' } });
  const body = Buffer.from(await probe.arrayBuffer());
  if (probe.status !== 200 || !body.equals(TRANSPARENT_GIF)) throw new Error(`the pixel answered ${probe.status} with ${body.length} bytes`);
  console.log(`pixel ${pixelUrl.replace(freewire.url, '')}: ${body.length} bytes; load tool: ${LOAD_TOOL}, ${connections} connections, ${seconds} s`);

  const baseline = await startBaseline(TRANSPARENT_GIF, 'image/gif');
  try {
    const rssStart = rssMb(freewire.proc.pid);
    // Warm both up (JIT, caches) before measuring, outside the counted window.
    await loadReaders(pixelUrl, 3);
    await loadReaders(baseline.url, 2);
    const before = await settledViews();
    const rssWarm = rssMb(freewire.proc.pid);

    const c = await compare('pixel', (s) => loadReaders(pixelUrl, s), (s) => loadReaders(baseline.url, s), { seconds, warmupSeconds: 0 });
    const rssAfterRun = rssMb(freewire.proc.pid);
    const after = await settledViews();

    console.log(reportComparison(c));
    const answered = c.subject.reduce((n, r) => n + r.total - r.non2xx, 0);
    const stored = after - before;
    console.log(`  views stored ${stored}, hits answered 200 ${answered}, difference ${stored - answered} (requests in flight when each round stopped: up to ${connections} per round)`);
    console.log(`  server memory (VmRSS): ${rssStart} MB at start, ${rssWarm} MB after warm-up, ${rssAfterRun} MB after ${answered} distinct readers`);
    console.log(
      '  (the de-duplication memory holds at most two 30-minute generations, each capped at 250,000 readers; past the cap a generation is retired early)',
    );
  } finally {
    await baseline.stop();
  }
} finally {
  await database.close();
  await freewire.stop();
  for (const f of scripts) rmSync(f, { force: true });
}
