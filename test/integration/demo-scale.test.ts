/**
 * `freewire demo --stories N`: generated stories are complete as the services would write them
 * (versions, bylines, tags, search entries, events, change points), spread over desks, authors,
 * tags and two years; the site renders them, search finds them, partners get them; a second run
 * adds more without collisions; the text is deterministic per seed and matches what the Markdown
 * pipeline would make of it; bad input exits 1 with a message and touches no database.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { sql } from 'kysely';
import { forEachDialect } from '../helpers/dialects.js';
import { EventConsumer, type LoggedEvent } from '../../src/events/consumers.js';
import { buildTestApp } from '../helpers/app.js';
import { addDemoStories, MAX_DEMO_STORIES, parseStoryCount } from '../../src/cli/demo.js';
import { MAX_BODY_WORDS, MIN_BODY_WORDS, seededRandom, storyText } from '../../src/demo/words-text.js';
import { countWords, htmlToText, renderMarkdown } from '../../src/stories/markdown.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import type { Services } from '../../src/services.js';

const BIN = fileURLToPath(new URL('../../bin/freewire.js', import.meta.url));
const DAY = 24 * 3600_000;

async function count(services: Services, table: 'stories' | 'story_versions' | 'story_search' | 'story_notes' | 'partner_change_points' | 'story_live_authors', where?: string): Promise<number> {
  const q = where ? sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${sql.raw(where)}` : sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`;
  return Number((await q.execute(services.database.db)).rows[0]!.n);
}

async function eventCount(services: Services, type: string): Promise<number> {
  const r = await services.database.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', type as never).executeTakeFirstOrThrow();
  return Number(r.n);
}

test('generated text: deterministic per seed, 400 to 1,500 words, and exactly what the Markdown pipeline makes of it', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
      const a = storyText(seededRandom(seed));
      const b = storyText(seededRandom(seed));
      assert.deepEqual({ ...a, topic: a.topic.name }, { ...b, topic: b.topic.name });
      assert.ok(a.wordCount >= MIN_BODY_WORDS && a.wordCount <= MAX_BODY_WORDS, `${a.wordCount} words`);
      assert.equal(renderMarkdown(a.bodyMd), a.bodyHtml);
      assert.equal(htmlToText(a.bodyHtml), a.bodyText);
      assert.equal(countWords(a.bodyMd), a.wordCount);
      assert.ok(a.headline.length > 10 && a.headline.length < 160, a.headline);
    }),
    { numRuns: 60 },
  );
  assert.notEqual(storyText(seededRandom(1)).bodyMd, storyText(seededRandom(2)).bodyMd);
});

test('--stories accepts whole numbers from 1 to 1,000,000 only', () => {
  assert.equal(parseStoryCount('1'), 1);
  assert.equal(parseStoryCount('100000'), 100_000);
  assert.equal(parseStoryCount('100_000'), 100_000);
  assert.equal(parseStoryCount(String(MAX_DEMO_STORIES)), MAX_DEMO_STORIES);
  for (const bad of ['0', '-5', '1.5', '1e5', 'abc', '', ' ', '1000001', '99999999999999999999', undefined, '0x10']) {
    assert.throws(() => parseStoryCount(bad), /--stories must be a whole number from 1 to 1,000,000/, String(bad));
  }
});

forEachDialect('demo: 2,000 generated stories are complete, spread out, rendered, searchable and syndicated; a second run adds more', async (_t: TestContext, tdb) => {
  const app = await buildTestApp(tdb);
  try {
    const { services } = app;
    const now = new Date();
    // A consumer of the event log from its beginning (as notices, webhooks and WebSub follow it).
    const consumed: LoggedEvent[] = [];
    const spy = new EventConsumer(services.database.db, { name: 'test-spy', startAt: 'beginning', write: async (_trx, events) => void consumed.push(...events) });
    await spy.cursor();
    const first = await addDemoStories(services, { stories: 2000, seed: 7, now });
    // The generated history moves its cursor to the end but is not news: nothing of it is written.
    while ((await spy.runOnce()) > 0);
    const lastEvent = await services.database.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
    assert.equal(await spy.cursor(), Number(lastEvent.id));
    assert.deepEqual(consumed.filter((e) => e.storyId !== null), [], 'no story event of the generated history reaches a consumer');
    assert.equal(first.stories, 2000);
    assert.equal(await count(services, 'stories'), 2000);
    const { withdrawn, corrected, updated } = first;
    assert.ok(withdrawn >= 1 && corrected >= 20 && updated >= 20 && first.embargoed >= 40, JSON.stringify(first));
    assert.equal(await count(services, 'story_versions'), 2000 + corrected + updated + withdrawn);
    assert.equal(await count(services, 'story_notes'), corrected + updated);
    assert.equal(await count(services, 'story_search'), 2000 - withdrawn);
    assert.equal(await eventCount(services, 'story.published'), 2000);
    assert.equal(await eventCount(services, 'story.corrected'), corrected);
    assert.equal(await eventCount(services, 'story.updated'), updated);
    assert.equal(await eventCount(services, 'story.withdrawn'), withdrawn);
    assert.ok((await count(services, 'partner_change_points')) >= 2000 - withdrawn, 'change points');
    const db = services.database.db;
    const liveBylined = await db.selectFrom('story_live_authors').select((eb) => eb.fn.count<number>('story_id').distinct().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(liveBylined.n), 2000 - withdrawn);

    // Spread: at least six desks and twelve authors, a wide tag pool, two years, realistic lengths.
    assert.ok((await services.desks.list()).length >= 6);
    assert.ok((await services.authors.list()).length >= 12);
    const spread = await db
      .selectFrom('stories')
      .select((eb) => [eb.fn.count<number>('desk_id').distinct().as('desks'), eb.fn.min('published_at').as('first'), eb.fn.max('published_at').as('last')])
      .executeTakeFirstOrThrow();
    assert.ok(Number(spread.desks) >= 6);
    assert.ok(Date.parse(spread.first!) >= now.getTime() - 731 * DAY && Date.parse(spread.first!) < now.getTime() - 700 * DAY, spread.first!);
    assert.ok(Date.parse(spread.last!) <= now.getTime() && Date.parse(spread.last!) > now.getTime() - 30 * DAY, spread.last!);
    const tagsUsed = await db.selectFrom('story_tags').select((eb) => eb.fn.count<number>('tag_id').distinct().as('n')).executeTakeFirstOrThrow();
    assert.ok(Number(tagsUsed.n) >= 150, `${tagsUsed.n} tags used`);
    const words = await db.selectFrom('story_versions').select((eb) => [eb.fn.min('word_count').as('min'), eb.fn.max('word_count').as('max')]).executeTakeFirstOrThrow();
    assert.ok(Number(words.min) >= MIN_BODY_WORDS && Number(words.max) <= MAX_BODY_WORDS, JSON.stringify(words));

    // A generated story as readers see it.
    const story = await db
      .selectFrom('stories')
      .select(['id', 'slug', 'headline', 'body_md'])
      .where('status', '=', 'published')
      .where('syndication', '=', 'free')
      .where('license_profile_id', 'is', null)
      .where('embargo_until', 'is', null)
      .orderBy('published_at', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const page = await app.app.inject({ method: 'GET', url: `/stories/${story.slug}` });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(story.headline.replace(/'/g, '&#x27;')) || page.body.includes(story.headline), 'headline on the page');
    const firstSentence = story.body_md.split('\n')[0]!.split('. ')[0]!;
    assert.ok(page.body.includes(firstSentence.replace(/"/g, '&quot;')) || page.body.includes(firstSentence), 'body on the page');

    // Search finds it by words of its own body.
    const bodyWords = [...new Set(story.body_md.match(/[a-z]{5,}/g) ?? [])];
    const query = bodyWords.slice(0, 3).join(' ');
    const hits = await services.search.search(query, 5000, 0);
    assert.ok(hits.storyIds.includes(story.id), `search for "${query}"`);
    const searchPage = await app.app.inject({ method: 'GET', url: `/search?q=${encodeURIComponent(query)}` });
    assert.equal(searchPage.statusCode, 200);

    // A free partner gets it from the content API.
    const applied = await services.partners.apply({
      outlet: 'Valley Gazette', website: 'https://valley.example', contactName: 'Pat Partner', email: 'pat@valley.example', audience: 40_000,
      evidence: 'Analytics', intendedUse: 'Republish statehouse stories', acceptTerms: true,
    });
    await services.partners.approve(SYSTEM_ACTOR, applied.id);
    const { key } = await services.partners.createKey(null, applied.id, 'test');
    const doc = await app.app.inject({ method: 'GET', url: `/api/v1/stories/${story.id}`, headers: { authorization: `Bearer ${key}` } });
    assert.equal(doc.statusCode, 200, doc.body.slice(0, 300));
    assert.equal((doc.json() as { headlines: Array<{ value: string }> }).headlines[0]!.value, story.headline);
    const list = await app.app.inject({ method: 'GET', url: '/api/v1/stories?limit=50', headers: { authorization: `Bearer ${key}` } });
    assert.equal(list.statusCode, 200);
    assert.equal((list.json() as { items: unknown[] }).items.length, 50);

    // The feed and the sitemap list them.
    const feed = await app.app.inject({ method: 'GET', url: '/feed.xml' });
    assert.equal(feed.statusCode, 200);
    assert.ok(feed.body.includes(`/stories/${story.slug}`), 'newest story in the feed');
    const sitemap = await app.app.inject({ method: 'GET', url: '/sitemap.xml' });
    assert.equal((sitemap.body.match(/\/stories\//g) ?? []).length, 2000 - withdrawn);

    // The same seed again: the same text, new addresses, nothing collides.
    const second = await addDemoStories(services, { stories: 300, seed: 7, now });
    assert.equal(second.stories, 300);
    assert.equal(second.desks.created + second.authors.created + second.tags.created, 0, 'desks, authors and tags reused');
    assert.equal(await count(services, 'stories'), 2300);
    const slugs = await db.selectFrom('stories').select((eb) => eb.fn.count<number>('slug').distinct().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(slugs.n), 2300);
    assert.equal(await eventCount(services, 'story.published'), 2300);
  } finally {
    await app.close();
  }
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FREEWIRE_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('freewire demo: bad input exits 1 with a message before opening the database; a fresh data dir is migrated first', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-demo-cli-'));
  try {
    const env = { FREEWIRE_DATA_DIR: dir };
    for (const [args, pattern] of [
      [['demo', '--stories', '0'], /--stories must be a whole number from 1 to 1,000,000/],
      [['demo', '--stories', 'lots'], /--stories must be a whole number/],
      [['demo', '--stories', '1000001'], /--stories must be a whole number/],
      [['demo', '--stories', '2.5'], /--stories must be a whole number/],
      [['demo', '--stories', '10', '--seed', 'x'], /--seed must be a whole number/],
      [['demo'], /required option '--stories <n>' not specified/],
    ] as Array<[string[], RegExp]>) {
      const r = await cli(args, env);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^freewire: /m);
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    }
    assert.equal(existsSync(path.join(dir, 'freewire.db')), false, 'bad input never opened the database');

    const ok = await cli(['demo', '--stories', '40', '--seed', '3'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /Applying migration/);
    assert.match(ok.stderr, /40 of 40 \(100%\)/, 'progress lines when stderr is not a terminal');
    assert.match(ok.stdout, /^Added 40 stories to .*freewire\.db in [0-9.]+ s/m);
    assert.match(ok.stdout, /seed 3\./);
    assert.match(ok.stdout, /Spread over 6 desks \(6 new\), 12 authors \(12 new\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
