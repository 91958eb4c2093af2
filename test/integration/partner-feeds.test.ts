/**
 * Partners' full-text feeds (/partners/feed/{token}/rss.xml, atom.xml, feed.json): parseable by a
 * real feed reader, full partner copy in each item (credit line, link back, pixel), the same
 * license rules as the content API, private and unindexed, and closed to unknown tokens and
 * suspended partners.
 */
import assert from 'node:assert/strict';
import Parser from 'rss-parser';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import type { Services } from '../../src/services.js';
import { addLicense } from '../helpers/licenses.js';

const HOUR = 3600_000;

async function feedPartner(services: Services, n: number, kind?: 'licensee'): Promise<{ id: string; token: string }> {
  const p = await services.partners.apply({
    outlet: `Feed Herald ${n}`, website: `https://herald${n}.example`, contactName: 'Fay', email: `fay@herald${n}.example`,
    audience: 300_000, evidence: 'Stats', intendedUse: 'Automatic import', acceptTerms: true,
  });
  await services.partners.approve(SYSTEM_ACTOR, p.id);
  if (kind) await addLicense(services, p.id, { startsAt: '2000-01-01T00:00:00.000Z' });
  return { id: p.id, token: await services.partners.rotateFeedToken(p.id) };
}

forEachDialect('partner feeds: full text with credit, link and pixel, under the license rules', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    const basics = await seedBasics(services);
    await services.settings.update(SYSTEM_ACTOR, { siteName: 'Valley Post' });
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', audience: 'free' });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    const delayed = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Next day', audience: 'free', delayHours: 24 });
    const licensees = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees', audience: 'licensees' });

    const publish = async (headline: string, extra: Record<string, unknown> = {}) => {
      const s = await services.stories.create(SYSTEM_ACTOR, { headline, body: `Body of ${headline}.`, desk: basics.desk, authors: [basics.author], tags: ['Water'], ...extra });
      await services.stories.publish(SYSTEM_ACTOR, s.id);
      return s;
    };
    const open = await publish('Open story');
    await publish('Delayed story', { licenseProfile: delayed.slug });
    await publish('Licensed story', { licenseProfile: licensees.slug });
    const killed = await publish('Killed story');
    await services.stories.withdraw(SYSTEM_ACTOR, killed.id, 'Error');
    await publish('Embargoed story', { embargoUntil: new Date(Date.now() + HOUR).toISOString() });

    const free = await feedPartner(services, 1);
    const licensee = await feedPartner(services, 2, 'licensee');
    const parser = new Parser();

    const titles = async (token: string, file: 'rss.xml' | 'atom.xml') => {
      const res = await app.inject({ method: 'GET', url: `/partners/feed/${token}/${file}` });
      assert.equal(res.statusCode, 200, `${file}: ${res.body.slice(0, 200)}`);
      assert.equal(res.headers['content-type'], file === 'rss.xml' ? 'application/rss+xml; charset=utf-8' : 'application/atom+xml; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'private, no-store');
      assert.match(String(res.headers['x-robots-tag']), /noindex/);
      const feed = await parser.parseString(res.body);
      return { feed, titles: feed.items.map((i) => i.title).sort() };
    };

    for (const file of ['rss.xml', 'atom.xml'] as const) {
      const f = await titles(free.token, file);
      assert.deepEqual(f.titles, ['Open story'], `free partner ${file}: no delayed, licensed, withdrawn or embargoed story`);
      const item = f.feed.items[0]!;
      const content = (item['content:encoded'] as string | undefined) ?? item.content ?? '';
      assert.match(content, /This story was originally published by Valley Post/, `${file} credit line`);
      assert.match(content, new RegExp(`<a href="http://news.test/stories/${open.slug}">Read the original story`), `${file} link back`);
      assert.match(content, /<img class="freewire-pixel" src="http:\/\/news\.test\/p\/[A-Za-z0-9_-]+\.gif"[^>]*referrerpolicy="no-referrer-when-downgrade"/, `${file} pixel`);
      assert.match(content, /Body of Open story\./);
      assert.doesNotMatch(content, /<h1>/, 'the headline is the item title, not repeated in the content');
      assert.equal(item.link, `http://news.test/stories/${open.slug}`);

      const l = await titles(licensee.token, file);
      assert.deepEqual(l.titles, ['Delayed story', 'Licensed story', 'Open story'], `licensee ${file}`);
    }

    // The same pixel as the API and snippet for this story × partner.
    const token = await services.pixelTokens.tokenFor(open.id, free.id);
    const rss = await app.inject({ method: 'GET', url: `/partners/feed/${free.token}/rss.xml` });
    assert.ok(rss.body.includes(`/p/${token}.gif`));

    // JSON Feed too (the XML feeds link to it).
    const json = await app.inject({ method: 'GET', url: `/partners/feed/${free.token}/feed.json` });
    assert.equal(json.statusCode, 200);
    assert.deepEqual(json.json().items.map((i: { title: string }) => i.title), ['Open story']);

    // A day later the delayed story reaches the free partner; the embargo has ended too.
    services.partnerAccess.now = () => new Date(Date.now() + 25 * HOUR);
    const later = await titles(free.token, 'rss.xml');
    assert.deepEqual(later.titles, ['Delayed story', 'Embargoed story', 'Open story']);

    // Unknown or renewed tokens: 404. Suspended partner: 403.
    assert.equal((await app.inject({ method: 'GET', url: '/partners/feed/not-a-real-token-123/rss.xml' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: `/partners/feed/${free.token}/other.xml` })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: `/partners/feed/${free.token}/__proto__` })).statusCode, 404);
    const renewed = await services.partners.rotateFeedToken(free.id);
    assert.equal((await app.inject({ method: 'GET', url: `/partners/feed/${free.token}/rss.xml` })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: `/partners/feed/${renewed}/atom.xml` })).statusCode, 200);
    await services.partners.suspend(SYSTEM_ACTOR, free.id, 'Unpaid invoices');
    const suspended = await app.inject({ method: 'GET', url: `/partners/feed/${renewed}/rss.xml` });
    assert.equal(suspended.statusCode, 403);
    assert.equal(suspended.headers['cache-control'], 'private, no-store');
  } finally {
    await t.close();
  }
});
