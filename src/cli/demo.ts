/**
 * `freewire demo --stories N`: adds N generated stories to the configured database, to see (and
 * measure) the site, search, feeds and partner APIs with a large archive. The stories are spread
 * over the last two years, the desks, the authors and a pool of about two hundred tags; a few are
 * corrected, updated, withdrawn or were embargoed, under a mix of license profiles. Desks and
 * authors are created when the site has fewer than six and twelve.
 *
 * Stories are written with set-based inserts in large transactions (src/demo/bulk.ts), not
 * through the services one at a time, which would render, snapshot and index each story in a
 * transaction of its own.
 */
import { randomInt } from 'node:crypto';
import cliProgress from 'cli-progress';
import { sql } from 'kysely';
import type { Syndication } from '../db/schema.js';
import { bulkInsertStories, type BulkStory } from '../demo/bulk.js';
import { DEMO_ACTOR } from '../demo/seed.js';
import { pick, seededRandom, storyText, type Random } from '../demo/words-text.js';
import { FIRST_NAMES, GENERAL_TAGS, ISSUE_TAGS, LAST_NAMES, PLACES, TOPICS } from '../demo/words.js';
import type { LicenseProfile } from '../license-profiles/license-profiles.service.js';
import type { Services } from '../services.js';
import { applySyndicationSwitch } from '../syndication/rules.js';
import { newId } from '../util/ids.js';
import { slugify } from '../util/slug.js';
import { withServices } from './context.js';
import { CliError, note, out } from './output.js';

export const MAX_DEMO_STORIES = 1_000_000;
const MIN_DESKS = 6;
const MIN_AUTHORS = 12;
const HOUR = 3600_000;
const SPAN_MS = 730 * 24 * HOUR;
/** Stories generated and inserted per round (memory stays bounded whatever N is). */
const ROUND = 500;
/** Stories per transaction: large enough to be fast, small enough not to hold the database for long. */
const TRANSACTION = 5000;

export interface DemoProgress {
  start(total: number): void;
  update(done: number): void;
  stop(): void;
}

export interface DemoOptions {
  stories: number;
  seed: number;
  now?: Date;
  progress?: DemoProgress;
}

export interface DemoResult {
  stories: number;
  seed: number;
  from: string;
  to: string;
  desks: { used: number; created: number };
  authors: { used: number; created: number };
  tags: { used: number; created: number };
  corrected: number;
  updated: number;
  withdrawn: number;
  embargoed: number;
  words: number;
  ms: number;
}

/** Parses --stories: a whole number from 1 to MAX_DEMO_STORIES. */
export function parseStoryCount(value: unknown): number {
  const text = typeof value === 'string' ? value.trim().replace(/[_,]/g, '') : '';
  if (text.length === 0 || text.length > 9 || !/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > MAX_DEMO_STORIES) {
    throw new CliError(
      `--stories must be a whole number from 1 to ${MAX_DEMO_STORIES.toLocaleString('en-US')}, not "${String(value ?? '').slice(0, 40)}"`,
      'For example: freewire demo --stories 100000',
    );
  }
  return Number(text);
}

/** Parses --seed: a whole number from 0 to 4294967295. */
export function parseSeed(value: unknown): number {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length === 0 || text.length > 10 || !/^[0-9]+$/.test(text) || Number(text) > 0xffffffff) {
    throw new CliError(`--seed must be a whole number from 0 to 4294967295, not "${String(value ?? '').slice(0, 40)}"`);
  }
  return Number(text);
}

interface Named {
  id: string;
  slug: string;
  name: string;
}

/** The desks to write into: the existing ones, plus topic desks until there are MIN_DESKS. */
async function ensureDesks(services: Services): Promise<{ desks: Named[]; created: number }> {
  let desks = await services.desks.list();
  let created = 0;
  for (const topic of TOPICS) {
    if (desks.length + created >= MIN_DESKS) break;
    const slug = slugify(topic.name, 60);
    if (desks.some((d) => d.slug === slug)) continue;
    await services.desks.create(DEMO_ACTOR, { name: topic.name, slug, description: `Reporting on ${topic.name.toLowerCase()} across the state.` });
    created++;
  }
  if (created > 0) desks = await services.desks.list();
  return { desks, created };
}

/** The bylines to use: the existing authors, plus invented reporters until there are MIN_AUTHORS. */
async function ensureAuthors(services: Services, rng: Random): Promise<{ authors: Named[]; created: number }> {
  let authors = await services.authors.list();
  let created = 0;
  for (let attempt = 0; authors.length + created < MIN_AUTHORS && attempt < 200; attempt++) {
    const name = `${pick(rng, FIRST_NAMES)} ${pick(rng, LAST_NAMES)}`;
    const slug = slugify(name, 60);
    if (authors.some((a) => a.slug === slug) || (await services.authors.getBySlug(slug))) continue;
    const beat = pick(rng, TOPICS).name.toLowerCase();
    await services.authors.create(DEMO_ACTOR, { name, slug, title: 'Reporter', bio: `${name} covers ${beat} from ${pick(rng, PLACES)}.` });
    created++;
  }
  if (created > 0) authors = await services.authors.list();
  return { authors, created };
}

/** The tag pool (topic, general, issue and place tags), created where missing. */
async function ensureTags(services: Services): Promise<{ tags: Map<string, Named>; created: number }> {
  const { db } = services.database;
  const names = [...new Set([...TOPICS.flatMap((t) => t.tags), ...GENERAL_TAGS, ...ISSUE_TAGS, ...PLACES])];
  const wanted = names.map((name) => ({ name, slug: slugify(name, 60) }));
  const existing = await db.selectFrom('tags').selectAll().where('slug', 'in', wanted.map((t) => t.slug)).execute();
  const bySlug = new Map(existing.map((t) => [t.slug, t]));
  const missing = wanted.filter((t) => !bySlug.has(t.slug)).map((t) => ({ id: newId(), ...t }));
  if (missing.length > 0) await db.insertInto('tags').values(missing).onConflict((oc) => oc.column('slug').doNothing()).execute();
  const all = await db.selectFrom('tags').selectAll().where('slug', 'in', wanted.map((t) => t.slug)).execute();
  const bySlugAll = new Map(all.map((t) => [t.slug, t]));
  const tags = new Map<string, Named>();
  for (const t of wanted) {
    const row = bySlugAll.get(t.slug);
    if (row) tags.set(t.name, row);
  }
  return { tags, created: missing.length };
}

/** A short random suffix that keeps generated slugs unique across runs with the same seed. */
function slugSuffix(): string {
  return randomInt(36 ** 6, 36 ** 7).toString(36) + randomInt(0, 36 ** 3).toString(36).padStart(3, '0');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const CORRECTIONS = [
  'An earlier version of this story misstated the number of residents affected.',
  'An earlier version of this story gave the wrong date for the hearing.',
  'An earlier version of this story misspelled the name of a county official.',
  'An earlier version of this story overstated the cost of the program.',
];
const UPDATES = [
  'This story was updated with comment from the agency.',
  'This story was updated after the vote.',
  'This story was updated with new figures released by the state.',
];

export async function addDemoStories(services: Services, opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const now = (opts.now ?? new Date()).getTime();
  const rng = seededRandom(opts.seed);
  const { db, dialect } = services.database;
  const desks = await ensureDesks(services);
  // Authors get a generator of their own, so the stories' text does not depend on how many
  // authors had to be created first.
  const authors = await ensureAuthors(services, seededRandom(opts.seed ^ 0x5bd1e995));
  const tagPool = await ensureTags(services);
  const profiles = await services.licenseProfiles.list();
  const defaultProfile = await services.licenseProfiles.defaultProfile();
  const profileById = new Map<string, LicenseProfile>(profiles.map((p) => [p.id, p]));
  // A desk per topic where the names match, else spread the topics over the desks.
  const deskOfTopic = TOPICS.map((t, i) => desks.desks.find((d) => d.slug === slugify(t.name, 60)) ?? desks.desks[i % desks.desks.length]!);
  const tagOf = (name: string) => tagPool.tags.get(name);

  const result: DemoResult = {
    stories: 0, seed: opts.seed, from: '', to: '', desks: { used: desks.desks.length, created: desks.created },
    authors: { used: authors.authors.length, created: authors.created }, tags: { used: tagPool.tags.size, created: tagPool.created },
    corrected: 0, updated: 0, withdrawn: 0, embargoed: 0, words: 0, ms: 0,
  };
  const total = opts.stories;
  const start = now - SPAN_MS;
  const step = SPAN_MS / total;
  opts.progress?.start(total);

  const generate = (index: number): BulkStory => {
    const text = storyText(rng);
    const topicIndex = TOPICS.indexOf(text.topic);
    const desk = rng() < 0.85 ? deskOfTopic[topicIndex]! : pick(rng, desks.desks);
    const byline = rng() < 0.15 ? [pick(rng, authors.authors), pick(rng, authors.authors)] : [pick(rng, authors.authors)];
    const tagNames = new Set<string>([pick(rng, text.topic.tags)]);
    if (rng() < 0.6) tagNames.add(pick(rng, text.topic.tags));
    if (rng() < 0.4) tagNames.add(pick(rng, GENERAL_TAGS));
    if (rng() < 0.5) tagNames.add(pick(rng, ISSUE_TAGS));
    if (rng() < 0.5) tagNames.add(pick(rng, PLACES));
    const tags = [...tagNames].map(tagOf).filter((t): t is Named => !!t);
    // Publication times rise through the run, so event ids rise with event times as on a real site.
    const publishedMs = Math.min(now - 60_000, Math.floor(start + (index + rng()) * step));
    const roll = rng();
    const syndication: Syndication = roll < 0.85 ? 'free' : roll < 0.95 ? 'licensees' : 'none';
    const licenseProfileId = profiles.length > 0 && rng() < 0.25 ? pick(rng, profiles).id : null;
    const story: BulkStory = {
      slug: `${slugify(text.headline, 60)}-${slugSuffix()}`,
      deskId: desk.id,
      headline: text.headline,
      summary: text.summary,
      dateline: text.dateline,
      bodyMd: text.bodyMd,
      bodyHtml: text.bodyHtml,
      bodyText: text.bodyText,
      wordCount: text.wordCount,
      authorIds: [...new Set(byline.map((a) => a.id))],
      tags,
      publishedAt: iso(publishedMs),
      syndication,
      licenseProfileId,
      events: [],
    };
    const change = rng();
    const laterMs = publishedMs + (1 + Math.floor(rng() * 72)) * HOUR;
    if (change < 0.004 && laterMs < now) {
      story.withdrawnAt = iso(laterMs);
      story.withdrawnReason = 'The story relied on a document that turned out not to be authentic.';
      story.events!.push({ type: 'story.withdrawn', at: story.withdrawnAt });
      result.withdrawn++;
    } else if (change < 0.034 && laterMs < now) {
      story.amendment = { kind: 'correction', text: pick(rng, CORRECTIONS), at: iso(laterMs) };
      result.corrected++;
    } else if (change < 0.074 && laterMs < now) {
      story.amendment = { kind: 'update', text: pick(rng, UPDATES), at: iso(laterMs) };
      result.updated++;
    }
    const liveAt = story.amendment?.at ?? story.publishedAt;
    if (rng() < 0.06) {
      // Embargoed for partners for a few hours after publication, long since lifted.
      const endMs = publishedMs + (1 + Math.floor(rng() * 36)) * HOUR;
      if (endMs < now) {
        story.embargoUntil = iso(endMs);
        result.embargoed++;
        // As the scheduler's clock events would have recorded it (src/worker/clock-events.ts).
        if (!story.withdrawnAt && story.embargoUntil > liveAt) story.events!.push({ type: 'story.embargo_lifted', at: story.embargoUntil });
      }
    }
    if (!story.withdrawnAt) {
      const effective = applySyndicationSwitch((licenseProfileId && profileById.get(licenseProfileId)) || defaultProfile, syndication);
      const dueMs = publishedMs + effective.delayHours * HOUR;
      if (effective.audience === 'free' && effective.delayHours > 0 && dueMs <= now) story.events!.push({ type: 'story.released', at: iso(dueMs) });
    }
    result.words += text.wordCount;
    return story;
  };

  // The load touches every index of several large tables; a bigger page cache for this
  // connection keeps their upper levels in memory (SQLite's default is 2 MB).
  if (dialect.name === 'sqlite') await sql`pragma cache_size = -262144`.execute(db);
  let done = 0;
  while (done < total) {
    const end = Math.min(total, done + TRANSACTION);
    await db.transaction().execute(async (trx) => {
      for (let i = done; i < end; i += ROUND) {
        const batch: BulkStory[] = [];
        for (let k = i; k < Math.min(end, i + ROUND); k++) batch.push(generate(k));
        await avoidSlugCollisions(trx, batch);
        await bulkInsertStories(trx, dialect, batch);
        if (i === 0) result.from = batch[0]!.publishedAt;
        result.to = batch[batch.length - 1]!.publishedAt;
        result.stories += batch.length;
        opts.progress?.update(result.stories);
      }
    });
    done = end;
  }
  opts.progress?.stop();
  // Query plans on PostgreSQL follow table statistics, which a large load leaves stale; and
  // index-only scans (counts, sitemaps, listings) skip the table only for pages VACUUM has marked
  // all-visible. Autovacuum would get there in a minute or so, if it is on: do it now.
  if (dialect.name === 'postgres') {
    await sql`vacuum (analyze) stories, story_versions, story_live_authors, story_live_tags, story_authors, story_tags, story_search, events, partner_change_points`.execute(db);
  } else {
    await sql`pragma optimize`.execute(db);
  }
  // Readers' caches on this process; servers elsewhere follow the new events.
  services.changes.bump();
  result.ms = Date.now() - started;
  return result;
}

/** A generated slug that is already taken (another run, or a real story) gets a new suffix. */
async function avoidSlugCollisions(db: Parameters<typeof bulkInsertStories>[0], batch: BulkStory[]): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const seen = new Set<string>();
    const clash = new Set<string>();
    for (const s of batch) (seen.has(s.slug) ? clash : seen).add(s.slug);
    const taken = await db.selectFrom('stories').select('slug').where('slug', 'in', [...seen]).execute();
    for (const t of taken) clash.add(t.slug);
    if (clash.size === 0) return;
    const renamed = new Set<string>();
    for (const s of batch) {
      if (!clash.has(s.slug) || renamed.has(s.slug)) {
        renamed.add(s.slug);
        continue;
      }
      s.slug = `${s.slug.slice(0, s.slug.lastIndexOf('-'))}-${slugSuffix()}`;
    }
  }
  throw new Error('could not find free addresses for the generated stories');
}

/** Progress on stderr: a bar on a terminal, a line every ten percent otherwise (logs, CI). */
function progressReporter(): DemoProgress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'Adding stories [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left', hideCursor: true, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    return { start: (total) => bar.start(total, 0), update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let total = 0;
  let nextTenth = 1;
  const startedAt = Date.now();
  return {
    start(t) {
      total = t;
      note(`Adding ${t.toLocaleString('en-US')} stories…`);
    },
    update(done) {
      if (done * 10 < nextTenth * total) return;
      while (done * 10 >= nextTenth * total) nextTenth++;
      note(`  ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} (${Math.floor((done * 100) / total)}%) after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    },
    stop() {},
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function describeResult(r: DemoResult, location: string): string[] {
  const secs = r.ms / 1000;
  const made = (what: { used: number; created: number }, one: string) => `${plural(what.used, one)}${what.created > 0 ? ` (${what.created} new)` : ''}`;
  return [
    `Added ${plural(r.stories, 'story', 'stories')} to ${location} in ${secs.toFixed(1)} s (${Math.round(r.stories / Math.max(secs, 0.001)).toLocaleString('en-US')} a second).`,
    `  Published ${r.from.slice(0, 10)} to ${r.to.slice(0, 10)}, ${Math.round(r.words / Math.max(r.stories, 1))} words on average; seed ${r.seed}.`,
    `  Spread over ${made(r.desks, 'desk')}, ${made(r.authors, 'author')} and ${made(r.tags, 'tag')}.`,
    `  ${r.corrected} corrected, ${r.updated} updated, ${r.withdrawn} withdrawn; ${r.embargoed} were embargoed for partners at first.`,
  ];
}

/** The command: validates its options before touching the database, then migrates and adds. */
export async function demoCommand(opts: { stories?: string; seed?: string }): Promise<void> {
  const stories = parseStoryCount(opts.stories);
  const seed = opts.seed === undefined ? randomInt(0, 2 ** 32 - 1) : parseSeed(opts.seed);
  await withServices(async ({ services, database }) => {
    const result = await addDemoStories(services, { stories, seed, progress: progressReporter() });
    for (const line of describeResult(result, database.location)) out(line);
  });
}
