/**
 * Tag and author pages (PublicStories.latest) choose between walking the publication index and
 * sorting the tag's or byline's stories: by the tag's size and by the page's depth. Whichever
 * plan serves a page, the pages must be the same: newest publication first, ties by id, every
 * story once, the count exact. A tag above the sort threshold (2,000) is checked at page 1
 * (walked) and deep pages (sorted), a small tag and an author throughout.
 */
import assert from 'node:assert/strict';
import { forEachDialect } from '../helpers/dialects.js';
import { createServices, type Services } from '../../src/services.js';
import { loadConfig } from '../../src/config.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { bulkInsertStories, type BulkStory } from '../../src/demo/bulk.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const STORIES = 2_600;

function servicesFor(database: Services['database']): Services {
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'silent' });
  return createServices(config, database);
}

forEachDialect('tag and author pages list the same stories in the same order whether walked or sorted', async (_t, tdb) => {
  const services = servicesFor(tdb.database);
  const db = tdb.database.db;
  const desk = await services.desks.create(SYSTEM_ACTOR, { name: 'News', description: '' });
  const author = await services.authors.create(SYSTEM_ACTOR, { name: 'Ada Reporter', title: 'Reporter', bio: '' });
  const tag = (slug: string) => ({ id: `tag-${slug}`, slug, name: slug });
  const common = tag('common');
  const rare = tag('rare');
  await db.insertInto('tags').values([common, rare]).execute();
  // Every story but one in 13 has the common tag (above the sort threshold); one in 40 the rare
  // one; one in 3 the author. Pairs of stories share a publication time, so ties are ordered by id.
  const stories: BulkStory[] = Array.from({ length: STORIES }, (_, i) => ({
    slug: `story-${i}`,
    deskId: desk.id,
    headline: `Story ${i}`,
    summary: '',
    dateline: '',
    bodyMd: 'Text.',
    bodyHtml: '<p>Text.</p>\n',
    bodyText: 'Text.',
    wordCount: 1,
    publishedAt: new Date(T0 + Math.floor(i / 2) * MINUTE).toISOString(),
    authorIds: i % 3 === 0 ? [author.id] : [],
    tags: [...(i % 13 !== 0 ? [common] : []), ...(i % 40 === 0 ? [rare] : [])],
  }));
  await bulkInsertStories(db, tdb.database.dialect, stories);

  // The pages' order, from one plain query: newest publication first, ties by id.
  const expected = async (filter: { tagId: string } | { authorId: string }) => {
    const member =
      'tagId' in filter
        ? db.selectFrom('story_live_tags').select('story_id').where('tag_id', '=', filter.tagId)
        : db.selectFrom('story_live_authors').select('story_id').where('author_id', '=', filter.authorId);
    const rows = await db
      .selectFrom('stories')
      .select('id')
      .where('status', '=', 'published')
      .where('id', 'in', member)
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => r.id);
  };

  const commonStories = await expected({ tagId: common.id });
  // The common tag is large enough to be walked on its first page.
  assert.ok(commonStories.length > 2000);
  for (const filter of [{ tagId: common.id }, { tagId: rare.id }, { authorId: author.id }]) {
    const all = await expected(filter);
    assert.ok(all.length > 0);
    const size = 20;
    const seen: string[] = [];
    for (let offset = 0; offset < all.length + size; offset += size) {
      const page = await services.publicStories.latest(size, offset, filter);
      assert.equal(page.total, all.length, JSON.stringify(filter));
      assert.deepEqual(page.items.map((s) => s.id), all.slice(offset, offset + size), `${JSON.stringify(filter)} at ${offset}`);
      seen.push(...page.items.map((s) => s.id));
    }
    assert.equal(new Set(seen).size, all.length);
  }
});
