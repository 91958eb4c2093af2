/**
 * Page caches are emptied by real public changes only: the services' change signal
 * (services.changes) after a committed change, or the event log. Requests that change nothing a
 * reader sees — an anonymous logout, a login, a POST to nowhere, a program application — leave
 * the cache warm; editing a desk, an author, the settings or a license profile refreshes it.
 *
 * A warm cache is observed directly: the desk's name is changed in the database behind the
 * services' back (no event, no signal), so a cached page still shows the old name and a fresh
 * render shows the new one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, publishStory, seedBasics, type TestApp } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** The generation after the event log has been read, so only a bump can move it. */
async function generation(t: TestApp): Promise<number> {
  await t.services.changes.check();
  return t.services.changes.current();
}

/** Renames the desk without telling anyone: only a fresh render can show the new name. */
async function renameBehindTheCache(t: TestApp, slug: string, name: string): Promise<void> {
  await t.services.database.db.updateTable('desks').set({ name }).where('slug', '=', slug).execute();
}

forEachDialect('requests that change nothing public leave the page cache warm', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const basics = await seedBasics(t.services);
    await publishStory(t.services, { headline: 'Water rates rise', desk: basics.desk, authors: [basics.author] });
    const deskPage = `/desk/${basics.desk}`;
    assert.match((await t.app.inject({ method: 'GET', url: deskPage })).body, /Environment/);
    const before = await generation(t);
    await renameBehindTheCache(t, basics.desk, 'Renamed Quietly');

    const token = randomBytes(24).toString('base64url');
    const requests = [
      { label: 'anonymous logout', method: 'POST' as const, url: '/newsroom/logout', headers: {}, payload: '' },
      { label: 'POST to a route that does not exist', method: 'POST' as const, url: '/no/such/route', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' },
      {
        label: 'failed login',
        method: 'POST' as const,
        url: '/newsroom/login',
        headers: { cookie: `fw_csrf=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ _csrf: token, email: t.admin.email, password: 'wrong-password-here' }),
      },
      {
        label: 'successful login',
        method: 'POST' as const,
        url: '/newsroom/login',
        headers: { cookie: `fw_csrf=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ _csrf: token, email: t.admin.email, password: t.admin.password }),
      },
      {
        label: 'program application (JSON)',
        method: 'POST' as const,
        url: '/api/v1/applications',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({
          outlet: 'The Daily Planet', website: 'https://planet.example', contactName: 'Lois Lane', email: 'lois@planet.example',
          audience: 250000, evidence: 'Analytics export.', intendedUse: 'National news section.', acceptTerms: true,
        }),
      },
      { label: 'an editor logging out', method: 'POST' as const, url: '/newsroom/logout', headers: { cookie: t.reporter.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: t.reporter.csrf }) },
    ];
    for (const r of requests) {
      const res = await t.app.inject({ method: r.method, url: r.url, headers: r.headers, payload: r.payload });
      assert.ok(res.statusCode < 500, `${r.label}: ${res.statusCode}`);
      assert.equal(await generation(t), before, `${r.label} does not flush the page cache`);
    }
    const page = await t.app.inject({ method: 'GET', url: deskPage });
    assert.match(page.body, /Environment/, 'still served from the cache');
    assert.doesNotMatch(page.body, /Renamed Quietly/);
  } finally {
    await t.close();
  }
});

forEachDialect('editing desks, authors, settings and license profiles refreshes the public pages at once', async (_t, tdb) => {
  // A long sync interval: only the services' own signal can refresh the page within this test.
  const t = await buildTestApp(tdb, { FREEWIRE_CACHE_SYNC_INTERVAL_MS: '60000' });
  try {
    const basics = await seedBasics(t.services);
    const story = await publishStory(t.services, { headline: 'Water rates rise', desk: basics.desk, authors: [basics.author] });
    const get = async (url: string) => (await t.app.inject({ method: 'GET', url })).body;

    // A desk edited through the newsroom form.
    const desk = (await t.services.desks.getBySlug(basics.desk))!;
    assert.match(await get(`/desk/${basics.desk}`), /Environment/);
    const saved = await t.app.inject({
      method: 'POST',
      url: `/newsroom/desks/${desk.id}`,
      headers: { cookie: t.editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: t.editor.csrf, name: 'Climate', description: 'Heat and water' }),
    });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 300));
    assert.match(await get(`/desk/${basics.desk}`), /Climate/);

    // The rest change through the services directly (as the CLI, the scheduler or any future
    // route would): the refresh must come from the services, not from the HTTP layer.
    assert.match(await get(`/stories/${story.slug}`), /Ada Reporter/);
    const author = (await t.services.authors.getBySlug(basics.author))!;
    await t.services.authors.update(SYSTEM_ACTOR, author.id, { name: 'Ada Lovelace-Reporter' });
    assert.match(await get(`/stories/${story.slug}`), /Ada Lovelace-Reporter/);
    await t.services.desks.create(SYSTEM_ACTOR, { name: 'Courts' });
    assert.match(await get('/'), /Courts/, 'a new desk shows in the navigation');

    await t.services.settings.update(SYSTEM_ACTOR, { siteName: 'The River Gazette' });
    assert.match(await get('/'), /The River Gazette/);

    // License profiles feed the story pages' terms: created, changed and made the default, each
    // moves the generation (read without consulting the event log, which the 60 s interval keeps shut).
    let g = t.services.changes.current();
    const created = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Free to republish', audience: 'free', creditTemplate: 'From {site}.' });
    assert.ok(t.services.changes.current() > g, 'a new license profile bumps the generation');
    g = t.services.changes.current();
    await t.services.licenseProfiles.update(SYSTEM_ACTOR, created.id, { name: 'Free for publishers' });
    assert.ok(t.services.changes.current() > g, 'a changed license profile bumps the generation');
    g = t.services.changes.current();
    await t.services.licenseProfiles.setDefault(SYSTEM_ACTOR, created.id);
    assert.ok(t.services.changes.current() > g, 'a new default profile bumps the generation');
  } finally {
    await t.close();
  }
});
