/**
 * Content API poll cost against the number of stories: seeds N published stories straight into a
 * temporary SQLite database, then times (CPU) the change list a partner polls: the first poll
 * (no cursor) and a poll with nothing new. Only the change list is timed (PartnerAccess.changes),
 * not the ninjs rendering of the page, which is bounded by the page size either way.
 *
 *   npx tsx bench/api-poll.ts [N=5000] [N2 …]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { createSearchIndex } from '../src/search/search.js';
import { PartnerAccess, START } from '../src/syndication/access.js';
import { newId } from '../src/util/ids.js';
import { bulkInsertStories, type BulkStory } from '../test/helpers/bulk-stories.js';

async function run(n: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'freewire-bench-poll-'));
  const database = createDatabase({ sqliteFile: path.join(dir, 'bench.db') });
  try {
    await migrate(database);
    const { db } = database;
    const deskId = newId();
    const now = new Date().toISOString();
    await db.insertInto('desks').values({ id: deskId, slug: 'news', name: 'News', description: '', position: 0, created_at: now, updated_at: now }).execute();
    // A default profile with a 24-hour delayed free release, the common setup, and one story a
    // minute up to an hour ago: the last day's stories are still coming due for free partners.
    const profileId = newId();
    await db
      .insertInto('license_profiles')
      .values({
        id: profileId, slug: 'delayed', name: 'Delayed', audience: 'free', allowed_edits: '', credit_template: 'By {site}', link_back: 1, pixel: 1,
        images: 'included', no_paywall: 1, no_ads: 0, delay_hours: 24, search_engines: 'canonical', cc_license_url: null, terms: '', created_at: now, updated_at: now,
      })
      .execute();
    await db.insertInto('settings').values({ key: 'defaultLicenseProfileId', value_json: JSON.stringify(profileId), updated_at: now }).execute();
    const t0 = Date.now() - 3600_000 - n * 60_000;
    const stories: BulkStory[] = [];
    for (let i = 0; i < n; i++) {
      const publishedAt = new Date(t0 + i * 60_000).toISOString();
      // Every tenth story was updated an hour later, every fiftieth withdrawn two hours later.
      const at = (ms: number) => new Date(Math.min(t0 + i * 60_000 + ms, Date.now() - 3600_000)).toISOString();
      const events: BulkStory['events'] = i % 10 === 0 ? [{ type: 'story.updated', at: at(3600_000) }] : [];
      const withdrawnAt = i % 50 === 0 ? at(2 * 3600_000) : null;
      if (withdrawnAt) events.push({ type: 'story.withdrawn', at: withdrawnAt });
      stories.push({ publishedAt, events, withdrawnAt });
    }
    await bulkInsertStories(db, database.dialect, deskId, stories);
    const access = new PartnerAccess(db, database.dialect, createSearchIndex(db, 'sqlite'));
    const partner = { free: true, licenses: [] };
    const cpu = async (f: () => Promise<unknown>) => {
      const c = process.cpuUsage();
      const w = performance.now();
      await f();
      const d = process.cpuUsage(c);
      return { cpu: (d.user + d.system) / 1000, wall: performance.now() - w };
    };
    await access.changes(partner, START, 100); // warm up statement caches
    const first = await cpu(() => access.changes(partner, START, 100));
    // Catch up, then poll with nothing new.
    let cursor = START;
    for (;;) {
      const page = await access.changes(partner, cursor, 100);
      cursor = page.next;
      if (!page.more) break;
    }
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) idle.push((await cpu(() => access.changes(partner, cursor, 100))).cpu);
    idle.sort((a, b) => a - b);
    const read = access.storyRowsRead;
    await access.changes(partner, START, 100);
    const firstRows = access.storyRowsRead - read;
    console.log(
      `api-poll N=${n}: first poll ${first.cpu.toFixed(1)} ms CPU (${first.wall.toFixed(1)} ms wall, ${firstRows} story rows read), ` +
        `poll with nothing new ${idle[2]!.toFixed(1)} ms CPU (median of 5)`,
    );
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number).filter((x) => Number.isInteger(x) && x > 0);
for (const n of sizes.length > 0 ? sizes : [5000]) await run(n);
