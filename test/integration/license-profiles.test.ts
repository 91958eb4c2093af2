/**
 * License profiles end to end, on both engines: the newsroom pages (admins change, editors read,
 * reporters stay out), the Admin API, a story's profile through the API and the editor, the
 * default fallback, and an image's own rights overriding its story's.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, publishStory, seedBasics, type TestApp, type TestUser } from '../helpers/app.js';
import { BUILT_IN_PROFILE, imageAvailability } from '../../src/license-profiles/license-profiles.service.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

type FormData = Record<string, string | string[] | undefined>;

function urlencoded(data: FormData): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) p.append(k, item);
  }
  return p.toString();
}

function post(t: TestApp, who: TestUser, url: string, data: FormData = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: urlencoded({ _csrf: who.csrf, ...data }),
  });
}

function get(t: TestApp, who: TestUser, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: { cookie: who.cookie } });
}

async function api(t: TestApp, who: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) {
  const r = await t.app.inject({
    method,
    url: `/api/admin${url}`,
    headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: r.statusCode, body: (r.body ? JSON.parse(r.body) : undefined) as any, raw: r.body };
}

async function auditActions(t: TestApp): Promise<string[]> {
  return (await t.services.database.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
}

const PROFILE_FORM: FormData = {
  name: 'Free after a day',
  slug: '',
  audience: 'free',
  delayHours: '24',
  creditTemplate: 'Originally published by {site} at {url}.',
  requirements: ['linkBackRequired', 'pixelRequired'],
  allowedEdits: 'Trim only.',
  searchEngines: 'noindex',
  ccLicenseUrl: 'https://creativecommons.org/licenses/by-nd/4.0/',
  terms: 'Not in print.',
};

// A 1×1 transparent PNG.
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

forEachDialect('license profiles in the newsroom: admins create, edit and set the default; editors read; bad input re-renders', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const empty = await get(t, t.admin, '/newsroom/license-profiles');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /built-in terms/, 'says which terms apply while none is defined');
    assert.equal((await get(t, t.admin, '/newsroom/license-profiles/new')).statusCode, 200);

    // Invalid input: the form comes back with a message by each field, and nothing is created.
    const bad = await post(t, t.admin, '/newsroom/license-profiles', { ...PROFILE_FORM, name: '  ', audience: 'everyone', delayHours: 'soon', ccLicenseUrl: 'https://example.com/mine' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /There is a problem/);
    assert.match(bad.body, /id="f-name-error"[^>]*>.*is required/s);
    assert.match(bad.body, /must be one of free, licensees, nobody/);
    assert.match(bad.body, /must be a whole number of hours/);
    assert.match(bad.body, /must be one of the Creative Commons/);
    assert.match(bad.body, /value="soon"/, 'keeps what was typed');
    assert.equal((await t.services.licenseProfiles.list()).length, 0);

    const created = await post(t, t.admin, '/newsroom/license-profiles', PROFILE_FORM);
    assert.equal(created.statusCode, 303, created.body.slice(0, 300));
    assert.equal(created.headers.location, '/newsroom/license-profiles');
    const p = (await t.services.licenseProfiles.getBySlug('free-after-a-day'))!;
    assert.ok(p, 'slug made from the name');
    assert.equal(p.delayHours, 24);
    assert.equal(p.searchEngines, 'noindex');
    assert.equal(p.ccLicenseUrl, 'https://creativecommons.org/licenses/by-nd/4.0/');
    assert.equal(p.linkBackRequired, true);
    assert.equal(p.pixelRequired, true);
    assert.equal(p.imagesIncluded, false, 'an unticked box means no');
    assert.equal(p.noPaywall, false);
    assert.equal(p.noAds, false);
    assert.equal(p.terms, 'Not in print.');

    const dup = await post(t, t.admin, '/newsroom/license-profiles', { ...PROFILE_FORM, slug: 'free-after-a-day' });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.body, /is already taken/);

    const list = await get(t, t.admin, '/newsroom/license-profiles');
    assert.match(list.body, /Free after a day/);
    assert.match(list.body, /Licensees at once; free partners after 24 h/);

    const editForm = await get(t, t.admin, `/newsroom/license-profiles/${p.id}`);
    assert.equal(editForm.statusCode, 200);
    assert.match(editForm.body, /How partners read these terms/);
    assert.match(editForm.body, /24 hours after publication/);

    const badEdit = await post(t, t.admin, `/newsroom/license-profiles/${p.id}`, { ...PROFILE_FORM, delayHours: '-3' });
    assert.equal(badEdit.statusCode, 400);
    assert.match(badEdit.body, /must be a whole number of hours between 0 and 8760/);
    assert.equal((await t.services.licenseProfiles.get(p.id)).delayHours, 24);

    const edited = await post(t, t.admin, `/newsroom/license-profiles/${p.id}`, {
      ...PROFILE_FORM,
      name: 'Free after two days',
      delayHours: '48',
      requirements: ['imagesIncluded', 'noAds'],
      searchEngines: 'canonical',
      ccLicenseUrl: '',
      slug: 'ignored-slug',
    });
    assert.equal(edited.statusCode, 303);
    const after = await t.services.licenseProfiles.get(p.id);
    assert.equal(after.name, 'Free after two days');
    assert.equal(after.slug, 'free-after-a-day', 'the slug never changes');
    assert.equal(after.delayHours, 48);
    assert.deepEqual([after.linkBackRequired, after.pixelRequired, after.imagesIncluded, after.noPaywall, after.noAds], [false, false, true, false, true]);
    assert.equal(after.ccLicenseUrl, null, '"None" clears the Creative Commons license');

    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    const lic = (await t.services.licenseProfiles.getBySlug('licensees-only'))!;
    const setDefault = await post(t, t.admin, `/newsroom/license-profiles/${lic.id}/default`);
    assert.equal(setDefault.statusCode, 303);
    assert.equal((await t.services.licenseProfiles.defaultProfile()).id, lic.id);
    assert.match((await get(t, t.admin, '/newsroom/license-profiles')).body, /Licensees only<\/a> <span class="badge badge-live">Default/);

    const actions = await auditActions(t);
    assert.ok(actions.includes('license_profile.create'));
    assert.ok(actions.includes('license_profile.update'));
    assert.ok(actions.includes('license_profile.default'));

    // Editors read the terms but change nothing; reporters do not see the page.
    const editorList = await get(t, t.editor, '/newsroom/license-profiles');
    assert.equal(editorList.statusCode, 200);
    assert.doesNotMatch(editorList.body, /New profile|Make default/);
    const editorView = await get(t, t.editor, `/newsroom/license-profiles/${p.id}`);
    assert.equal(editorView.statusCode, 200);
    assert.match(editorView.body, /Only admins can change license profiles/);
    assert.doesNotMatch(editorView.body, /<form method="post" action="\/newsroom\/license-profiles/);
    assert.equal((await get(t, t.editor, '/newsroom/license-profiles/new')).statusCode, 403);
    const before = await t.services.licenseProfiles.list();
    assert.equal((await post(t, t.editor, '/newsroom/license-profiles', { ...PROFILE_FORM, name: 'Sneaky' })).statusCode, 403);
    assert.equal((await post(t, t.editor, `/newsroom/license-profiles/${p.id}`, { ...PROFILE_FORM, name: 'Sneaky' })).statusCode, 403);
    assert.equal((await post(t, t.editor, `/newsroom/license-profiles/${p.id}/default`)).statusCode, 403);
    assert.deepEqual(await t.services.licenseProfiles.list(), before);
    assert.equal((await t.services.licenseProfiles.defaultProfile()).id, lic.id);
    assert.equal((await get(t, t.reporter, '/newsroom/license-profiles')).statusCode, 403);

    // Unknown or hostile ids are a 404, never a server error.
    assert.equal((await get(t, t.admin, '/newsroom/license-profiles/no-such-id')).statusCode, 404);
    assert.equal((await get(t, t.admin, '/newsroom/license-profiles/a%00b')).statusCode, 404);
    assert.equal((await post(t, t.admin, '/newsroom/license-profiles/no-such-id/default')).statusCode, 404);
    // Without the CSRF token, nothing changes.
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/newsroom/license-profiles',
      headers: { cookie: t.admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded({ ...PROFILE_FORM, name: 'No token' }),
    });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(await t.services.licenseProfiles.getBySlug('no-token'), undefined);
  } finally {
    await t.close();
  }
});

forEachDialect('license profiles in the Admin API: create, list, change, default; roles and validation', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const body = { name: 'Free to republish', audience: 'free', delayHours: 0, searchEngines: 'canonical', noAds: true, creditTemplate: 'From {site}.' };
    const byEditor = await api(t, t.editor, 'POST', '/license-profiles', body);
    assert.equal(byEditor.status, 403);
    assert.equal(byEditor.body.error.code, 'FORBIDDEN');

    for (const [bad, field] of [
      [{ ...body, delayHours: -1 }, 'delayHours'],
      [{ ...body, delayHours: 1.5 }, 'delayHours'],
      [{ ...body, audience: 'everyone' }, 'audience'],
      [{ ...body, ccLicenseUrl: 'https://example.com/' }, 'ccLicenseUrl'],
      [{ ...body, searchEngines: 'both' }, 'searchEngines'],
      [{ ...body, extra: 1 }, 'extra'],
      [{ ...body, name: '' }, 'name'],
      [{ ...body, slug: 'Not A Slug' }, 'slug'],
    ] as const) {
      const r = await api(t, t.admin, 'POST', '/license-profiles', bad);
      assert.equal(r.status, 400, `${field}: ${r.raw}`);
      assert.equal(r.body.error.code, 'VALIDATION');
    }

    const created = await api(t, t.admin, 'POST', '/license-profiles', body);
    assert.equal(created.status, 201, created.raw);
    assert.equal(created.body.slug, 'free-to-republish');
    assert.equal(created.body.noAds, true);
    assert.equal(created.body.isDefault, true, 'the first free profile is the default until one is chosen');
    assert.ok(created.body.description.some((s: string) => /Do not sell advertising/.test(s)));
    assert.equal((await api(t, t.admin, 'POST', '/license-profiles', body)).status, 409, 'slug taken');

    const delayed = await api(t, t.admin, 'POST', '/license-profiles', { name: 'Delayed', slug: 'delayed', audience: 'free', delayHours: 24, searchEngines: 'noindex' });
    assert.equal(delayed.status, 201);
    assert.equal(delayed.body.isDefault, false);

    const patched = await api(t, t.admin, 'PATCH', '/license-profiles/delayed', { delayHours: 12, ccLicenseUrl: 'https://creativecommons.org/licenses/by/4.0/' });
    assert.equal(patched.status, 200, patched.raw);
    assert.equal(patched.body.delayHours, 12);
    assert.equal(patched.body.ccLicenseUrl, 'https://creativecommons.org/licenses/by/4.0/');
    assert.equal((await api(t, t.admin, 'PATCH', '/license-profiles/delayed', { slug: 'renamed' })).status, 400, 'the slug is fixed');
    assert.equal((await api(t, t.admin, 'PATCH', '/license-profiles/delayed', { delayHours: 9000 })).status, 400);
    assert.equal((await api(t, t.editor, 'PATCH', '/license-profiles/delayed', { delayHours: 1 })).status, 403);
    assert.equal((await api(t, t.admin, 'PATCH', '/license-profiles/nope', { delayHours: 1 })).status, 404);

    assert.equal((await api(t, t.editor, 'POST', '/license-profiles/delayed/default')).status, 403);
    assert.equal((await api(t, t.admin, 'POST', '/license-profiles/nope/default')).status, 404);
    const def = await api(t, t.admin, 'POST', '/license-profiles/delayed/default');
    assert.equal(def.status, 200);
    assert.equal(def.body.isDefault, true);

    const list = await api(t, t.reporter, 'GET', '/license-profiles');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((p: { slug: string; isDefault: boolean }) => [p.slug, p.isDefault]),
      [['delayed', true], ['free-to-republish', false]],
    );
    assert.ok((await auditActions(t)).filter((a) => a.startsWith('license_profile.')).length >= 4);
  } finally {
    await t.close();
  }
});

forEachDialect('a story carries a profile through the API and the editor; without one it follows the default', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const basics = await seedBasics(t.services);
    // No profiles at all: the built-in terms.
    const plain = await publishStory(t.services, { headline: 'Plain story', desk: basics.desk, authors: [basics.author] });
    assert.equal((await t.services.licenseProfiles.effectiveForStory(plain.id)).id, BUILT_IN_PROFILE.id);

    const free = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Free', audience: 'free' });
    const lic = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    assert.equal((await t.services.licenseProfiles.effectiveForStory(plain.id)).id, free.id, 'the first free profile when none is chosen');
    await t.services.licenseProfiles.setDefault(SYSTEM_ACTOR, lic.id);
    assert.equal((await t.services.licenseProfiles.effectiveForStory(plain.id)).id, lic.id, 'the chosen default');
    await assert.rejects(t.services.licenseProfiles.effectiveForStory('no-such-story'), { code: 'STORY_NOT_FOUND' });

    // Admin API: create with a profile, unknown slug refused, null back to the default.
    const storyBody = { headline: 'Licensed story', body: 'Text.', desk: basics.desk, authors: [basics.author] };
    const unknown = await api(t, t.editor, 'POST', '/stories', { ...storyBody, licenseProfile: 'nope' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.details.licenseProfile[0], /no license profile has the slug "nope"/);
    const created = await api(t, t.editor, 'POST', '/stories', { ...storyBody, licenseProfile: 'free' });
    assert.equal(created.status, 201, created.raw);
    assert.equal(created.body.licenseProfileId, free.id);
    assert.equal(created.body.licenseProfile, 'free');
    const id = created.body.id as string;
    assert.equal((await t.services.licenseProfiles.effectiveForStory(id)).id, free.id, "the story's own profile wins over the default");
    const cleared = await api(t, t.editor, 'PATCH', `/stories/${id}`, { licenseProfile: null });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.licenseProfileId, null);
    assert.equal((await t.services.licenseProfiles.effectiveForStory(id)).id, lic.id);

    // On a published story the change is part of the next version: saving it changes nothing for
    // partners (no event, the live profile stays) until an editor publishes an update.
    await t.services.stories.publish(SYSTEM_ACTOR, id);
    const live = (await t.services.stories.get(id)).liveVersion;
    const events = async () => t.services.database.db.selectFrom('events').select(['type', 'story_id']).where('story_id', '=', id).orderBy('id').execute();
    const before = (await events()).length;
    const changed = await api(t, t.editor, 'PATCH', `/stories/${id}`, { licenseProfile: 'free' });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.liveVersion, live);
    assert.equal(changed.body.hasUnpublishedChanges, true, 'the newsroom sees the change waiting');
    assert.equal((await events()).length, before, 'no public event for an unpublished change');
    assert.equal((await t.services.licenseProfiles.effectiveForStory(id)).id, lic.id, 'partners keep the live profile');
    await t.services.stories.amend(SYSTEM_ACTOR, id, 'update', 'New terms.', undefined);
    assert.equal((await t.services.licenseProfiles.effectiveForStory(id)).id, free.id, 'the update puts the new profile live');

    // The editor: a select with the default named, saved to the story.
    const editorPage = await get(t, t.editor, `/newsroom/stories/${id}`);
    assert.match(editorPage.body, /<select id="f-licenseProfile" name="licenseProfile"/, 'the editor has the select');
    assert.match(editorPage.body, /<option value(="")?>Default \(Licensees only\)<\/option>/, 'the default option names the default');
    assert.match(editorPage.body, /<option value="free" selected>Free<\/option>/, "the story's own profile is selected");
    const form = {
      headline: 'Licensed story',
      slug: '',
      summary: '',
      body: 'Text.',
      dateline: '',
      desk: basics.desk,
      authors: [basics.author],
      tags: '',
      syndication: 'free',
      embargoAt: '',
    };
    const draft = await api(t, t.reporter, 'POST', '/stories', { ...storyBody, headline: 'Reporter draft' });
    const draftId = draft.body.id as string;
    const saved = await post(t, t.reporter, `/newsroom/stories/${draftId}`, { ...form, headline: 'Reporter draft', licenseProfile: 'licensees-only' });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 300));
    assert.equal((await t.services.stories.get(draftId)).licenseProfile, 'licensees-only');
    const badForm = await post(t, t.reporter, `/newsroom/stories/${draftId}`, { ...form, headline: 'Reporter draft', licenseProfile: 'nope' });
    assert.equal(badForm.statusCode, 400);
    assert.match(badForm.body, /id="f-licenseProfile-error"/, 'the message sits by the select');
    const toDefault = await post(t, t.reporter, `/newsroom/stories/${draftId}`, { ...form, headline: 'Reporter draft', licenseProfile: '' });
    assert.equal(toDefault.statusCode, 303);
    assert.equal((await t.services.stories.get(draftId)).licenseProfileId, null);
  } finally {
    await t.close();
  }
});

forEachDialect("an image's own profile overrides its story's (Admin API PATCH /media/{id})", async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const free = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Free', audience: 'free', imagesIncluded: true });
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Wire photo', slug: 'wire-photo', audience: 'nobody' });
    const media = await t.services.media.store(SYSTEM_ACTOR, { filename: 'photo.png', data: TINY_PNG });
    const published = new Date().toISOString();

    assert.equal((await t.services.licenseProfiles.forImage(media.id, free)).id, free.id, 'follows the story by default');
    assert.equal((await t.services.licenseProfiles.forImage('no-such-image', free)).id, free.id);

    const patched = await api(t, t.editor, 'PATCH', `/media/${media.id}`, { licenseProfile: 'wire-photo', credit: 'Wire Agency', alt: 'A flooded street' });
    assert.equal(patched.status, 200, patched.raw);
    assert.deepEqual(
      { licenseProfile: patched.body.licenseProfile, credit: patched.body.credit, alt: patched.body.alt, contentType: patched.body.contentType },
      { licenseProfile: 'wire-photo', credit: 'Wire Agency', alt: 'A flooded street', contentType: 'image/png' },
    );
    const effective = await t.services.licenseProfiles.forImage(media.id, free);
    assert.equal(effective.slug, 'wire-photo');
    assert.equal(imageAvailability(effective, 'free', published, new Date()).allowed, false, 'partners do not get the wire photo');
    assert.equal(imageAvailability(effective, 'licensee', published, new Date()).allowed, false);
    assert.ok((await auditActions(t)).includes('media.rights'));

    const back = await api(t, t.editor, 'PATCH', `/media/${media.id}`, { licenseProfile: null });
    assert.equal(back.status, 200);
    assert.equal(back.body.licenseProfile, null);
    assert.equal(back.body.credit, 'Wire Agency', 'fields not sent stay');
    assert.equal((await t.services.licenseProfiles.forImage(media.id, free)).id, free.id);

    const unknown = await api(t, t.editor, 'PATCH', `/media/${media.id}`, { licenseProfile: 'nope' });
    assert.equal(unknown.status, 400);
    assert.ok(unknown.body.error.details.licenseProfile);
    assert.equal((await api(t, t.editor, 'PATCH', `/media/${media.id}`, { credit: 'x'.repeat(201) })).status, 400);
    assert.equal((await api(t, t.editor, 'PATCH', `/media/${media.id}`, { owner: 'me' })).status, 400);
    assert.equal((await api(t, t.reporter, 'PATCH', `/media/${media.id}`, { credit: 'Me' })).status, 403);
    assert.equal((await api(t, t.editor, 'PATCH', '/media/no-such-image', { credit: 'Me' })).status, 404);
  } finally {
    await t.close();
  }
});

forEachDialect('the OpenAPI document covers the license profile and image rights endpoints', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const doc = JSON.parse((await t.app.inject({ url: '/api/docs/openapi.json' })).body);
    const expected: Record<string, string[]> = {
      '/api/admin/license-profiles': ['get', 'post'],
      '/api/admin/license-profiles/{slug}': ['patch'],
      '/api/admin/license-profiles/{slug}/default': ['post'],
      '/api/admin/media/{id}': ['patch'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      assert.deepEqual(Object.keys(doc.paths[path] ?? {}).sort(), methods, path);
      for (const m of methods) {
        const op = doc.paths[path][m];
        assert.ok(op.summary && op.tags?.length && op.responses['4XX'], `${m} ${path} is documented`);
        for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
          assert.equal(op.parameters.find((p: { in: string; name: string }) => p.in === 'path' && p.name === name)?.required, true, `${m} ${path} declares {${name}}`);
        }
      }
    }
    const storyCreate = doc.paths['/api/admin/stories'].post.requestBody.content['application/json'].schema;
    assert.ok(storyCreate.properties.licenseProfile, 'stories accept licenseProfile');
  } finally {
    await t.close();
  }
});

forEachDialect('license profile and image rights endpoints answer any input with a 2xx or a clear 4xx', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Free', audience: 'free' });
    const media = await t.services.media.store(SYSTEM_ACTOR, { filename: 'p.png', data: TINY_PNG });
    const weird = fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\uD800', '%00', '../x', 'free', 'x'.repeat(20_000), 'https://creativecommons.org/licenses/by/4.0/');
    const value = fc.oneof(fc.string({ maxLength: 30 }), weird, fc.integer({ min: -10, max: 10_000 }), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
    const fields = ['name', 'slug', 'audience', 'allowedEdits', 'creditTemplate', 'linkBackRequired', 'pixelRequired', 'imagesIncluded', 'noPaywall', 'noAds', 'delayHours', 'searchEngines', 'ccLicenseUrl', 'terms', 'licenseProfile', 'credit', 'alt'];
    const body = fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: 6 });
    const target = fc.constantFrom('POST /license-profiles', 'PATCH /license-profiles/free', 'PATCH /license-profiles/%00', `PATCH /media/${media.id}`, 'PATCH /media/a%00b', 'POST /stories');
    await fc.assert(
      fc.asyncProperty(target, body, async (tgt, b) => {
        const [method, url] = tgt.split(' ') as ['POST' | 'PATCH', string];
        const r = await api(t, t.admin, method, url, b);
        assert.ok(r.status < 500, `${tgt} ${JSON.stringify(b).slice(0, 200)} answered ${r.status}: ${r.raw.slice(0, 200)}`);
        if (r.status >= 400) assert.ok(r.body?.error?.code, 'a coded error');
      }),
      { numRuns: 60 },
    );
    // Newsroom forms too: any text in any field re-renders or redirects, never a 5xx.
    const profile = (await t.services.licenseProfiles.getBySlug('free'))!;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...fields, 'requirements'), fc.oneof(fc.string({ maxLength: 30 }), weird), { maxKeys: 6 }), fc.boolean(), async (form, creating) => {
        const r = await post(t, t.admin, creating ? '/newsroom/license-profiles' : `/newsroom/license-profiles/${profile.id}`, form);
        assert.ok([303, 400, 409].includes(r.statusCode), `form answered ${r.statusCode}`);
      }),
      { numRuns: 40 },
    );
  } finally {
    await t.close();
  }
});
