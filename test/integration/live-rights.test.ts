/**
 * Who may have a story is decided by its live version: the syndication switch, the license
 * profile, the embargo and the lead image. Reporters cannot change them on a published or
 * scheduled story (API 403; the newsroom form shows them read-only), and an editor's unpublished
 * edit of them changes nothing for partners or readers until an update puts it live.
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics, type TestApp, type TestUser } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { partnerCatalog } from '../../src/partners-portal/catalog.js';
import type { Services } from '../../src/services.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const HOUR = 3600_000;

async function api(t: TestApp, who: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) {
  const r = await t.app.inject({
    method,
    url: `/api/admin${url}`,
    headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.statusCode, body: (r.body ? JSON.parse(r.body) : undefined) as Record<string, any>, raw: r.body };
}

async function page(t: TestApp, who: TestUser, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: { cookie: who.cookie } });
}

async function postForm(t: TestApp, who: TestUser, url: string, fields: Record<string, string | string[]>): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams();
  body.append('_csrf', who.csrf);
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return t.app.inject({ method: 'POST', url, headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
}

async function partnerWithKey(services: Services): Promise<{ id: string; key: string; feed: string }> {
  const p = await services.partners.apply({
    outlet: 'Rights Gazette', website: 'https://rights.example', contactName: 'Pat', email: 'pat@rights.example',
    audience: 250_000, evidence: 'Stats', intendedUse: 'Republish', acceptTerms: true,
  });
  await services.partners.approve(SYSTEM_ACTOR, p.id);
  const { key } = await services.partners.createKey(null, p.id, 'test');
  return { id: p.id, key, feed: await services.partners.rotateFeedToken(p.id) };
}

forEachDialect('reporters cannot change who may have a published or scheduled story; on their drafts they may', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services } = t;
    const basics = await seedBasics(services);
    await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', slug: 'standard', audience: 'free' });
    await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', slug: 'licensees-only', audience: 'licensees' });
    const image = await services.media.store(SYSTEM_ACTOR, { filename: 'river.png', data: PNG, alt: 'River' });
    const embargo = new Date(Date.now() + 2 * HOUR).toISOString();
    const created = await api(t, t.reporter, 'POST', '/stories', { headline: 'Reporter story', body: 'Text.', desk: basics.desk, authors: [basics.author], embargoUntil: embargo });
    assert.equal(created.status, 201, created.raw);
    const id = created.body.id as string;

    // A draft: the reporter sets them (an editor sees them when publishing).
    const changes: Array<Record<string, unknown>> = [{ syndication: 'licensees' }, { licenseProfile: 'licensees-only' }, { embargoUntil: new Date(Date.now() + 3 * HOUR).toISOString() }, { leadImageId: image.id }, { leadImageCredit: 'Photo: someone' }];
    for (const change of changes) assert.equal((await api(t, t.reporter, 'PATCH', `/stories/${id}`, change)).status, 200, JSON.stringify(change));
    const draftForm = await page(t, t.reporter, `/newsroom/stories/${id}`);
    assert.match(draftForm.body, /name="syndication"/, 'a draft offers the controls');
    await api(t, t.reporter, 'PATCH', `/stories/${id}`, { syndication: 'free', licenseProfile: null, embargoUntil: embargo, leadImageId: null, leadImageCredit: '' });

    const editorView = await page(t, t.editor, `/newsroom/stories/${id}`);
    assert.match(editorView.body, /name="embargoAt"/, 'the editor publishing sees the fields as controls');

    for (const state of ['scheduled', 'published'] as const) {
      if (state === 'scheduled') await services.stories.schedule(SYSTEM_ACTOR, id, new Date(Date.now() + HOUR).toISOString());
      else await services.stories.publish(SYSTEM_ACTOR, id);
      for (const change of [...changes, { embargoUntil: null }]) {
        const r = await api(t, t.reporter, 'PATCH', `/stories/${id}`, change);
        assert.equal(r.status, 403, `${state} ${JSON.stringify(change)}: ${r.raw}`);
        assert.equal(r.body.error.code, 'FORBIDDEN');
        assert.match(r.body.error.message, /editor/);
      }
      // Other fields stay the reporter's, and resending a value unchanged is not a change.
      assert.equal((await api(t, t.reporter, 'PATCH', `/stories/${id}`, { summary: `A ${state} summary`, syndication: 'free' })).status, 200);
      assert.equal((await api(t, t.editor, 'PATCH', `/stories/${id}`, { syndication: 'licensees' })).status, 200, 'an editor may');
      assert.equal((await api(t, t.editor, 'PATCH', `/stories/${id}`, { syndication: 'free' })).status, 200);

      // The form shows them read-only, with who sets them, and saving it keeps them.
      const form = await page(t, t.reporter, `/newsroom/stories/${id}`);
      assert.equal(form.statusCode, 200);
      assert.doesNotMatch(form.body, /name="syndication"/, `${state}: no syndication control`);
      assert.doesNotMatch(form.body, /name="licenseProfile"/, `${state}: no license control`);
      assert.doesNotMatch(form.body, /name="embargoAt"/, `${state}: no embargo control`);
      assert.match(form.body, /data-rights="readonly"/);
      assert.match(form.body, /An editor sets who may have a published or scheduled story/);
      assert.match(form.body, /Free to partners/);
      const saved = await postForm(t, t.reporter, `/newsroom/stories/${id}`, {
        headline: 'Reporter story', slug: '', summary: 'Saved from the form', body: 'Text.', dateline: '', desk: basics.desk, authors: [basics.author], tags: '',
      });
      assert.equal(saved.statusCode, 303, saved.body.slice(0, 300));
      const after = await services.stories.get(id);
      assert.equal(after.embargoUntil, embargo, `${state}: the embargo survives the reporter's save`);
      assert.equal(after.summary, 'Saved from the form');
      const refused = await postForm(t, t.reporter, `/newsroom/stories/${id}`, {
        headline: '', slug: '', summary: '', body: 'Text.', dateline: '', desk: basics.desk, authors: [basics.author], tags: '',
      });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /data-rights="readonly"/);
      assert.doesNotMatch(refused.body, /No embargo/, 'the form shown again still shows the embargo');
    }

    // An image's own rights are for editors too.
    assert.equal((await api(t, t.reporter, 'PATCH', `/media/${image.id}`, { licenseProfile: 'licensees-only' })).status, 403);
    assert.equal((await api(t, t.editor, 'PATCH', `/media/${image.id}`, { licenseProfile: 'licensees-only' })).status, 200);
  } finally {
    await t.close();
  }
});

forEachDialect("an editor's unpublished edit of the rights changes nothing outside the newsroom until it goes live", async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services, app } = t;
    services.partnerAccess.now = () => new Date(Date.now() + 60_000);
    const basics = await seedBasics(services);
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', slug: 'standard', audience: 'free' });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', slug: 'licensees-only', audience: 'licensees' });
    const first = await services.media.store(SYSTEM_ACTOR, { filename: 'first.png', data: PNG, alt: 'First photo' });
    const second = await services.media.store(SYSTEM_ACTOR, { filename: 'second.png', data: PNG, alt: 'Second photo' });
    const s = await services.stories.create(SYSTEM_ACTOR, {
      headline: 'Open story', body: 'Text.', desk: basics.desk, authors: [basics.author], leadImageId: first.id, leadImageCredit: 'First credit',
    });
    await services.stories.publish(SYSTEM_ACTOR, s.id);
    const partner = await partnerWithKey(services);
    const fullPartner = await services.partners.get(partner.id);

    const outside = async () => {
      const list = await app.inject({ method: 'GET', url: '/api/v1/stories', headers: { authorization: `Bearer ${partner.key}` } });
      const one = await app.inject({ method: 'GET', url: `/api/v1/stories/${s.id}`, headers: { authorization: `Bearer ${partner.key}` } });
      const feed = await app.inject({ method: 'GET', url: `/partners/feed/${partner.feed}/rss.xml` });
      const catalog = await partnerCatalog(services, fullPartner, { page: 1 });
      const site = await app.inject({ method: 'GET', url: `/stories/${s.slug}` });
      const items = (list.json() as { items: Array<Record<string, any>> }).items;
      return {
        listed: items.map((d) => `${d.pubstatus}:${d.usageterms?.includes('Only organisations with a license') ? 'licensees' : 'free'}`),
        one: one.statusCode === 200 ? `${one.json().pubstatus}:${((one.json().associations ?? []) as Array<Record<string, any>>).map((a) => a.by).join(',')}` : String(one.statusCode),
        feed: feed.body.includes('Open story'),
        portal: catalog.items.map((e) => e.story.headline),
        siteImage: /src="\/media\/([^"/]+)/.exec(site.body)?.[1] ?? null,
        siteCredit: site.body.includes('First credit'),
      };
    };
    const before = await outside();
    assert.deepEqual(before.listed, ['usable:free']);
    assert.equal(before.one, 'usable:First credit');
    assert.equal(before.feed, true);
    assert.deepEqual(before.portal, ['Open story']);
    assert.ok(before.siteImage?.startsWith(first.id), `site shows the first image: ${before.siteImage}`);
    assert.equal(before.siteCredit, true);

    // Saved (a version) and autosaved (working copy), but no update published.
    await services.stories.save(SYSTEM_ACTOR, s.id, { syndication: 'none', licenseProfile: 'licensees-only', leadImageId: second.id, leadImageCredit: 'Second credit' });
    await services.stories.autosave(SYSTEM_ACTOR, s.id, { embargoUntil: new Date(Date.now() + 5 * HOUR).toISOString() });
    assert.deepEqual(await outside(), before, 'nothing changed outside the newsroom');
    assert.equal((await services.stories.get(s.id)).hasUnpublishedChanges, true);

    // The update puts them live: the story is no longer for syndication, and readers see the new image.
    await services.stories.amend(SYSTEM_ACTOR, s.id, 'update', 'New photo.', undefined);
    const after = await outside();
    assert.equal(after.one, '404');
    assert.equal(after.feed, false);
    assert.deepEqual(after.portal, []);
    assert.ok(after.siteImage?.startsWith(second.id), `site shows the second image: ${after.siteImage}`);
    assert.equal(after.siteCredit, false);
  } finally {
    await t.close();
  }
});
