/**
 * The newsroom through HTTP, as a browser with JavaScript off would drive it (urlencoded
 * forms, redirects, cookies), plus the JSON calls the editor script makes. Sign-in, CSRF,
 * the story lifecycle, roles, versions and the audit trail; on both engines.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics, type TestApp, type TestUser } from '../helpers/app.js';
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

/** A form POST as the given user, with their CSRF token unless the data overrides `_csrf`. */
function post(t: TestApp, who: TestUser, url: string, data: FormData = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: urlencoded({ _csrf: who.csrf, ...data }),
  });
}

function get(t: TestApp, who: TestUser | null, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: who ? { cookie: who.cookie } : {} });
}

function postJson(t: TestApp, who: TestUser, url: string, body: unknown, csrf: string | null = who.csrf): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: who.cookie, 'content-type': 'application/json', ...(csrf !== null ? { 'x-csrf-token': csrf } : {}) },
    payload: JSON.stringify(body),
  });
}

function cookieValue(res: LightMyRequestResponse, name: string): string | undefined {
  return res.cookies.find((c) => c.name === name)?.value;
}

function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'page has a CSRF field');
  return m[1]!;
}

/** Login through the form (pre-login double-submit CSRF), from a given address. */
async function login(t: TestApp, email: string, password: string, opts: { next?: string; ip?: string } = {}): Promise<LightMyRequestResponse> {
  const token = randomBytes(24).toString('base64url');
  return t.app.inject({
    method: 'POST',
    url: '/newsroom/login',
    remoteAddress: opts.ip ?? '127.0.0.1',
    headers: { cookie: `fw_csrf=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: urlencoded({ _csrf: token, email, password, next: opts.next }),
  });
}

interface Basics {
  desk: string;
  author: string;
}

function storyForm(b: Basics, overrides: FormData = {}): FormData {
  return {
    headline: 'River levels fall to a record low',
    slug: '',
    summary: 'Farmers along the river say the drought is the worst in memory.',
    body: 'The river fell **two metres** this summer.\n\nFarmers are worried.',
    dateline: 'NAIROBI',
    desk: b.desk,
    authors: [b.author],
    tags: 'drought, water',
    syndication: 'free',
    embargoAt: '',
    ...overrides,
  };
}

async function createStory(t: TestApp, who: TestUser, b: Basics, overrides: FormData = {}): Promise<string> {
  const res = await post(t, who, '/newsroom/stories', storyForm(b, overrides));
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
  const m = /^\/newsroom\/stories\/([\w-]+)$/.exec(String(res.headers.location));
  assert.ok(m, `redirects to the editor, got ${res.headers.location}`);
  return m[1]!;
}

async function versionCount(t: TestApp, id: string): Promise<number> {
  return (await t.services.stories.getWithHistory(id)).versions.length;
}

async function setup(tdb: Parameters<typeof buildTestApp>[0], env: Record<string, string> = {}) {
  const t = await buildTestApp(tdb, env);
  const basics = await seedBasics(t.services);
  return { t, basics };
}

// ---- sign-in ------------------------------------------------------------------------------------

forEachDialect('newsroom login: form, success with a safe next, failure without a hint, logout', async (_t, tdb) => {
  const { t } = await setup(tdb);
  try {
    const form = await get(t, null, '/newsroom/login?next=%2Fnewsroom%2Faccount');
    assert.equal(form.statusCode, 200);
    assert.ok(cookieValue(form, 'fw_csrf'), 'pre-login CSRF cookie is set');
    assert.equal(csrfFrom(form.body), cookieValue(form, 'fw_csrf'));
    assert.match(form.body, /<label for="f-email">Email/);
    assert.match(form.body, /name="next" value="\/newsroom\/account"/);

    const wrong = await login(t, t.admin.email, 'not-the-password');
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /do not match an active account/);
    assert.equal(cookieValue(wrong, 'fw_session'), undefined);
    const unknown = await login(t, 'nobody@news.test', 'whatever-password');
    assert.equal(unknown.statusCode, 401);
    // The same words whether or not the account exists.
    assert.equal(/<div class="error-summary"[\s\S]*?<\/div>/.exec(unknown.body)![0], /<div class="error-summary"[\s\S]*?<\/div>/.exec(wrong.body)![0]);

    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/newsroom/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded({ email: t.admin.email, password: t.admin.password }),
    });
    assert.equal(noCsrf.statusCode, 403);

    const ok = await login(t, t.admin.email, t.admin.password, { next: '/newsroom/account' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/newsroom/account');
    const session = ok.cookies.find((c) => c.name === 'fw_session');
    assert.ok(session?.value);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    const cookie = `fw_session=${session.value}`;
    const account = await t.app.inject({ method: 'GET', url: '/newsroom/account', headers: { cookie } });
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /admin@news\.test/);

    for (const evil of ['https://evil.example/newsroom', '//evil.example/newsroom', '/newsroom\\..\\evil', '/elsewhere', '/newsroom/login']) {
      const res = await login(t, t.editor.email, t.editor.password, { next: evil });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/newsroom/stories', `next=${evil} must not be followed`);
    }

    const logout = await t.app.inject({
      method: 'POST',
      url: '/newsroom/logout',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded({ _csrf: csrfFrom(account.body) }),
    });
    assert.equal(logout.statusCode, 303);
    assert.equal(logout.headers.location, '/newsroom/login');
    const after = await t.app.inject({ method: 'GET', url: '/newsroom/stories', headers: { cookie } });
    assert.equal(after.statusCode, 303);
    assert.match(String(after.headers.location), /^\/newsroom\/login\?next=/);

    const anonymous = await get(t, null, '/newsroom/stories/new');
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, '/newsroom/login?next=%2Fnewsroom%2Fstories%2Fnew');
  } finally {
    await t.close();
  }
});

// The login throttle (per account and address, per address) is in login-throttle.test.ts.

forEachDialect('newsroom CSRF: a missing or wrong token answers 403 and changes nothing', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    for (const token of [undefined, 'wrong-token-wrong-token-wrong', t.admin.csrf]) {
      // The admin's token is valid, but not for the editor's session.
      const res = await t.app.inject({
        method: 'POST',
        url: '/newsroom/stories',
        headers: { cookie: t.editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: urlencoded({ ...(token ? { _csrf: token } : {}), ...storyForm(basics) }),
      });
      assert.equal(res.statusCode, 403, `token ${token}`);
      assert.match(res.body, /expired or did not come from this site/);
    }
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/newsroom/stories',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded(storyForm(basics)),
    });
    assert.equal(anonymous.statusCode, 303, 'no session: off to the login page');
    assert.match(String(anonymous.headers.location), /^\/newsroom\/login/);
    assert.equal((await t.services.stories.list({ limit: 10, offset: 0 })).total, 0);

    const id = await createStory(t, t.editor, basics);
    const before = await t.services.stories.get(id);
    const noHeader = await postJson(t, t.editor, `/newsroom/stories/${id}/autosave`, { body: 'Hijacked' }, null);
    assert.equal(noHeader.statusCode, 403);
    assert.equal(noHeader.json().error.code, 'CSRF');
    const wrongHeader = await postJson(t, t.editor, `/newsroom/stories/${id}/autosave`, { body: 'Hijacked' }, 'nope');
    assert.equal(wrongHeader.statusCode, 403);
    assert.equal((await t.services.stories.get(id)).body, before.body);

    const publish = await post(t, t.editor, `/newsroom/stories/${id}/publish`, { _csrf: '' });
    assert.equal(publish.statusCode, 403);
    assert.equal((await t.services.stories.get(id)).status, 'draft');

    const settings = await post(t, t.admin, '/newsroom/settings', { _csrf: 'bad', siteName: 'Hacked' });
    assert.equal(settings.statusCode, 403);
    assert.notEqual((await t.services.settings.get()).siteName, 'Hacked');

    const logoutAll = await post(t, t.admin, '/newsroom/logout-everywhere', { _csrf: 'bad' });
    assert.equal(logoutAll.statusCode, 403);
    assert.equal((await get(t, t.admin, '/newsroom/account')).statusCode, 200, 'sessions survive');
  } finally {
    await t.close();
  }
});

// ---- stories ------------------------------------------------------------------------------------

forEachDialect('newsroom stories: create, save and publish through the forms', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    const blank = await get(t, t.editor, '/newsroom/stories/new');
    assert.equal(blank.statusCode, 200);
    assert.match(blank.body, /Create draft/);
    assert.match(blank.body, /<script src="\/assets\/newsroom-editor\.js" defer><\/script>/);

    const id = await createStory(t, t.editor, basics);
    let story = await t.services.stories.get(id);
    assert.equal(story.status, 'draft');
    assert.equal(story.slug, 'river-levels-fall-to-a-record-low');
    assert.deepEqual(story.tags, ['drought', 'water']);
    assert.equal(story.dateline, 'NAIROBI');
    assert.equal(await versionCount(t, id), 1);

    const editor = await get(t, t.editor, `/newsroom/stories/${id}`);
    assert.equal(editor.statusCode, 200);
    assert.match(editor.body, /value="River levels fall to a record low"/);
    assert.match(editor.body, /<strong>two metres<\/strong>/, 'the preview pane shows the rendered body');
    assert.match(editor.body, /Publish now/);
    assert.match(editor.body, /data-autosave-url="\/newsroom\/stories\//);
    assert.match(editor.body, /http:\/\/news\.test\/stories\/<strong data-slug-preview>river-levels-fall-to-a-record-low/);

    const saved = await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics, { body: 'A new first paragraph.\n\nAnd more.', slug: 'river-record-low' }));
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/newsroom/stories/${id}`);
    story = await t.services.stories.get(id);
    assert.equal(story.body, 'A new first paragraph.\n\nAnd more.');
    assert.equal(story.slug, 'river-record-low');
    assert.equal(await versionCount(t, id), 2);

    const published = await post(t, t.editor, `/newsroom/stories/${id}/publish`, storyForm(basics, { body: 'A new first paragraph.\n\nAnd more.', slug: 'river-record-low' }));
    assert.equal(published.statusCode, 303);
    const flash = cookieValue(published, 'fw_flash');
    assert.ok(flash, 'a flash message rides to the next page');
    story = await t.services.stories.get(id);
    assert.equal(story.status, 'published');
    assert.equal(story.liveVersion, 3, 'unchanged fields are not saved again: one publish version');
    const shown = await t.app.inject({ method: 'GET', url: `/newsroom/stories/${id}`, headers: { cookie: `${t.editor.cookie}; fw_flash=${encodeURIComponent(flash)}` } });
    assert.match(shown.body, /Story published —/);
    assert.match(shown.body, /href="\/stories\/river-record-low">view it/);
    assert.match(shown.body, /readOnly|readonly/, 'the slug is read-only after publication');
    assert.doesNotMatch(shown.body, />Publish now</);
    assert.match(shown.body, /Publish update/);
    assert.match(shown.body, /Publish correction/);

    const live = await t.services.publicStories.bySlug('river-record-low');
    assert.equal(live.kind, 'live');
    const page = await get(t, null, '/stories/river-record-low');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /River levels fall to a record low/);

    // Editing after publication changes the working copy only.
    await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics, { body: 'Rewritten after publishing.', slug: 'river-record-low' }));
    story = await t.services.stories.get(id);
    assert.equal(story.hasUnpublishedChanges, true);
    const stillLive = await t.services.publicStories.bySlug('river-record-low');
    assert.ok(stillLive.kind === 'live' && stillLive.story.bodyHtml.includes('A new first paragraph'));
    // And the address cannot change any more.
    await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics, { slug: 'another-address' }));
    assert.equal((await t.services.stories.get(id)).slug, 'river-record-low');

    const list = await get(t, t.editor, '/newsroom/stories?status=published');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /River levels fall to a record low/);
    assert.match(list.body, /badge-published/);
    assert.match(list.body, /Unpublished changes/);
    assert.match(list.body, /Ada Reporter/);
    assert.match(list.body, /v3/);
    const none = await get(t, t.editor, '/newsroom/stories?status=draft&q=river');
    assert.match(none.body, /No stories match these filters/);
    const byQuery = await get(t, t.editor, `/newsroom/stories?q=RECORD&desk=${basics.desk}`);
    assert.match(byQuery.body, /River levels fall/);
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom stories: validation errors re-render the form with 400, the input and messages by each field', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    const res = await post(t, t.editor, '/newsroom/stories', storyForm(basics, { headline: '   ', authors: [], summary: 'Keep this summary' }));
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /There is a problem/);
    assert.match(res.body, /<p class="field-error" id="f-headline-error">.*is required/);
    assert.match(res.body, /aria-describedby="f-headline-error"/);
    assert.match(res.body, /aria-invalid="true"/);
    assert.match(res.body, /id="f-authors-error">.*needs at least one author/);
    assert.match(res.body, /<a href="#f-headline">Headline is required<\/a>/);
    assert.match(res.body, /Keep this summary/, 'the user input is kept');
    assert.equal((await t.services.stories.list({ limit: 10, offset: 0 })).total, 0);

    const badDesk = await post(t, t.editor, '/newsroom/stories', storyForm(basics, { desk: 'no-such-desk' }));
    assert.equal(badDesk.statusCode, 400);
    assert.match(badDesk.body, /no desk has the slug/);

    const id = await createStory(t, t.editor, basics);
    const badSlug = await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics, { slug: 'Bad Slug!', body: 'Changed text' }));
    assert.equal(badSlug.statusCode, 400);
    assert.match(badSlug.body, /id="f-slug-error">.*lowercase letters, digits and hyphens/);
    assert.match(badSlug.body, /Changed text/);
    assert.equal((await t.services.stories.get(id)).body, storyForm(basics).body);

    const badEmbargo = await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics, { embargoAt: 'tomorrow' }));
    assert.equal(badEmbargo.statusCode, 400);
    assert.match(badEmbargo.body, /id="f-embargoAt-error">/);

    // Embargo without JavaScript is read as UTC; with it, the browser sends the instant.
    await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics, { embargoAt: '2030-05-01T09:30' }));
    assert.equal((await t.services.stories.get(id)).embargoUntil, '2030-05-01T09:30:00.000Z');
    await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics, { embargoAt: '2030-05-01T09:30', embargoAtIso: '2030-05-01T07:30:00.000Z' }));
    assert.equal((await t.services.stories.get(id)).embargoUntil, '2030-05-01T07:30:00.000Z');

    const empty = await createStory(t, t.editor, basics, { headline: 'Empty so far', body: '' });
    const notReady = await post(t, t.editor, `/newsroom/stories/${empty}/publish`, storyForm(basics, { headline: 'Empty so far', body: '' }));
    assert.equal(notReady.statusCode, 400);
    assert.match(notReady.body, /id="f-body-error">.*write the story before publishing/);
    assert.equal((await t.services.stories.get(empty)).status, 'draft');
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom roles: a reporter cannot publish, schedule, amend or withdraw, nor open admin pages', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    const own = await createStory(t, t.reporter, basics, { headline: 'Reporter draft' });
    const page = await get(t, t.reporter, `/newsroom/stories/${own}`);
    assert.equal(page.statusCode, 200);
    for (const label of ['Publish now', 'Schedule', 'Publish update', 'Publish correction', 'Withdraw…']) {
      assert.ok(!page.body.includes(`>${label}<`), `reporter does not see ${label}`);
    }
    const versions = await versionCount(t, own);
    const attempts: Array<[string, FormData]> = [
      ['publish', storyForm(basics, { headline: 'Sneaky edit' })],
      ['schedule', { scheduleAt: '2099-01-01T09:00' }],
      ['withdraw', { withdrawReason: 'because', confirm: 'yes' }],
    ];
    for (const [action, data] of attempts) {
      const res = await post(t, t.reporter, `/newsroom/stories/${own}/${action}`, data);
      assert.equal(res.statusCode, 403, action);
      assert.match(res.body, /Not allowed/);
      assert.match(res.body, /Your role \(reporter\) cannot/);
    }
    const unchanged = await t.services.stories.get(own);
    assert.equal(unchanged.status, 'draft');
    assert.equal(unchanged.headline, 'Reporter draft');
    assert.equal(await versionCount(t, own), versions);

    await post(t, t.editor, `/newsroom/stories/${own}/publish`);
    assert.equal((await t.services.stories.get(own)).status, 'published');
    for (const [action, data] of [
      ['update', { updateNote: 'x' }],
      ['correct', { correctionText: 'x' }],
      ['withdraw', { withdrawReason: 'x', confirm: 'yes' }],
    ] as Array<[string, FormData]>) {
      const res = await post(t, t.reporter, `/newsroom/stories/${own}/${action}`, data);
      assert.equal(res.statusCode, 403, action);
    }
    const after = await t.services.stories.get(own);
    assert.equal(after.status, 'published');
    assert.equal((await t.services.stories.notes(own)).length, 0);

    // Someone else's story is not theirs to open, and the list shows only their own.
    const editors = await createStory(t, t.editor, basics, { headline: 'Editor only story' });
    assert.equal((await get(t, t.reporter, `/newsroom/stories/${editors}`)).statusCode, 403);
    assert.equal((await post(t, t.reporter, `/newsroom/stories/${editors}`, storyForm(basics))).statusCode, 403);
    const list = await get(t, t.reporter, '/newsroom/stories');
    assert.match(list.body, /Reporter draft/);
    assert.doesNotMatch(list.body, /Editor only story/);
    assert.match(list.body, /only stories you created/);

    for (const url of ['/newsroom/users', '/newsroom/settings', '/newsroom/audit', '/newsroom/authors', '/newsroom/desks']) {
      const res = await get(t, t.reporter, url);
      assert.equal(res.statusCode, 403, url);
    }
    assert.doesNotMatch(page.body, /href="\/newsroom\/users"/, 'the nav hides what the role cannot open');
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom autosave changes the working copy without a version; preview renders sanitised HTML', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    const id = await createStory(t, t.reporter, basics);
    const audits = async () => Number((await t.services.database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const auditBefore = await audits();
    const res = await postJson(t, t.reporter, `/newsroom/stories/${id}/autosave`, {
      headline: 'Autosaved headline',
      body: 'Typed a moment ago.',
      authors: [basics.author],
      tags: ['drought'],
      desk: basics.desk,
      embargoUntil: null,
      slug: 'ignored-by-autosave',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!Number.isNaN(Date.parse(res.json().savedAt)));
    const story = await t.services.stories.get(id);
    assert.equal(story.headline, 'Autosaved headline');
    assert.equal(story.body, 'Typed a moment ago.');
    assert.deepEqual(story.tags, ['drought']);
    assert.equal(story.slug, 'river-levels-fall-to-a-record-low');
    assert.equal(await versionCount(t, id), 1);
    assert.equal(await audits(), auditBefore);

    const bad = await postJson(t, t.reporter, `/newsroom/stories/${id}/autosave`, { authors: [] });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().error.details.authors);

    const other = await createStory(t, t.editor, basics);
    assert.equal((await postJson(t, t.reporter, `/newsroom/stories/${other}/autosave`, { body: 'x' })).statusCode, 403);

    const preview = await postJson(t, t.reporter, '/newsroom/preview', { body: '## Heading\n\n*soft* <script>alert(1)</script> <img src="x" onerror="alert(1)">' });
    assert.equal(preview.statusCode, 200);
    const { html } = preview.json();
    assert.match(html, /<h2>Heading<\/h2>/);
    assert.match(html, /<em>soft<\/em>/);
    assert.doesNotMatch(html, /<script|onerror/);
    assert.equal((await postJson(t, t.reporter, '/newsroom/preview', { body: 42 })).statusCode, 400);

    const loggedOut = await t.app.inject({ method: 'POST', url: '/newsroom/preview', headers: { 'content-type': 'application/json' }, payload: '{"body":"x"}' });
    assert.equal(loggedOut.statusCode, 401);
    assert.equal(loggedOut.json().error.code, 'UNAUTHENTICATED');
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom schedule: local time from the browser, UTC without JavaScript; publishDue publishes it', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    const id = await createStory(t, t.editor, basics);
    const past = await post(t, t.editor, `/newsroom/stories/${id}/schedule`, { scheduleAt: '2001-01-01T09:00' });
    assert.equal(past.statusCode, 400);
    assert.match(past.body, /id="f-scheduleAt-error">.*must be in the future/);
    const missing = await post(t, t.editor, `/newsroom/stories/${id}/schedule`, { scheduleAt: '' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /is required to schedule/);

    const noJs = await post(t, t.editor, `/newsroom/stories/${id}/schedule`, { scheduleAt: '2099-01-01T09:00' });
    assert.equal(noJs.statusCode, 303);
    let story = await t.services.stories.get(id);
    assert.equal(story.status, 'scheduled');
    assert.equal(story.scheduledAt, '2099-01-01T09:00:00.000Z');
    const page = await get(t, t.editor, `/newsroom/stories/${id}`);
    assert.match(page.body, /Unschedule/);
    assert.match(page.body, /data-utc="2099-01-01T09:00:00.000Z"/);
    assert.match(page.body, /is read as UTC/);

    assert.equal((await post(t, t.editor, `/newsroom/stories/${id}/unschedule`)).statusCode, 303);
    assert.equal((await t.services.stories.get(id)).status, 'draft');

    const at = new Date(Date.now() + 3600_000);
    const withJs = await post(t, t.editor, `/newsroom/stories/${id}/schedule`, { scheduleAt: '2000-01-01T00:00', scheduleAtIso: at.toISOString() });
    assert.equal(withJs.statusCode, 303);
    story = await t.services.stories.get(id);
    assert.equal(story.scheduledAt, at.toISOString());

    assert.deepEqual(await t.services.stories.publishDue(SYSTEM_ACTOR, new Date(Date.now() + 60_000)), [], 'not due yet');
    const published = await t.services.stories.publishDue(SYSTEM_ACTOR, new Date(at.getTime() + 1000));
    assert.deepEqual(published, [id]);
    assert.equal((await t.services.stories.get(id)).status, 'published');
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom corrections and updates go live; withdrawal asks for confirmation', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    const id = await createStory(t, t.editor, basics);
    await post(t, t.editor, `/newsroom/stories/${id}/publish`);
    const slug = (await t.services.stories.get(id)).slug;

    const empty = await post(t, t.editor, `/newsroom/stories/${id}/correct`, storyForm(basics, { body: 'Should not be saved', correctionText: ' ' }));
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /id="f-correctionText-error">.*is required/);
    assert.equal((await t.services.stories.get(id)).body, storyForm(basics).body, 'nothing saved when the correction is missing');

    const corrected = await post(t, t.editor, `/newsroom/stories/${id}/correct`, storyForm(basics, { body: 'The river fell **three metres** this summer.', correctionText: 'An earlier version gave the wrong depth.' }));
    assert.equal(corrected.statusCode, 303);
    const live = await t.services.publicStories.bySlug(slug);
    assert.equal(live.kind, 'live');
    assert.ok(live.kind === 'live' && live.story.bodyHtml.includes('three metres'));
    assert.ok(live.kind === 'live' && live.story.notes.some((n) => n.kind === 'correction' && n.text === 'An earlier version gave the wrong depth.'));
    const page = await get(t, null, `/stories/${slug}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /An earlier version gave the wrong depth\./);
    const kinds = (await t.services.stories.getWithHistory(id)).versions.map((v) => v.kind);
    assert.deepEqual(kinds, ['correction', 'publish', 'create'], 'the correction itself is the only new version');

    const updated = await post(t, t.editor, `/newsroom/stories/${id}/update`, storyForm(basics, { body: 'The river fell **three metres** this summer. Rain is forecast.', updateNote: '' }));
    assert.equal(updated.statusCode, 303);
    const notes = await t.services.stories.notes(id);
    assert.ok(notes.some((n) => n.kind === 'update' && n.text === 'This story has been updated.'));

    const noReason = await post(t, t.editor, `/newsroom/stories/${id}/withdraw`, { withdrawReason: '' });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /id="f-withdrawReason-error">.*is required/);

    const confirm = await post(t, t.editor, `/newsroom/stories/${id}/withdraw`, { withdrawReason: 'Legal advice' });
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Yes, withdraw it/);
    assert.match(confirm.body, /name="confirm" value="yes"/);
    assert.match(confirm.body, /Legal advice/);
    assert.equal((await t.services.stories.get(id)).status, 'published', 'nothing happens before confirmation');

    const done = await post(t, t.editor, `/newsroom/stories/${id}/withdraw`, { withdrawReason: 'Legal advice', confirm: 'yes' });
    assert.equal(done.statusCode, 303);
    const withdrawn = await t.services.stories.get(id);
    assert.equal(withdrawn.status, 'withdrawn');
    assert.equal(withdrawn.withdrawnReason, 'Legal advice');
    assert.equal((await t.services.publicStories.bySlug(slug)).kind, 'withdrawn');
    assert.equal((await get(t, null, `/stories/${slug}`)).statusCode, 410);

    const editorPage = await get(t, t.editor, `/newsroom/stories/${id}`);
    assert.match(editorPage.body, /can no longer be edited/);
    assert.match(editorPage.body, /<fieldset class="plain" disabled/);
    const again = await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics));
    assert.equal(again.statusCode, 409);
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom versions: list, show and restore into the working copy; preview as reader', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    const id = await createStory(t, t.editor, basics, { body: 'Original wording.' });
    await post(t, t.editor, `/newsroom/stories/${id}`, storyForm(basics, { body: 'Second wording.' }));
    await post(t, t.editor, `/newsroom/stories/${id}/publish`);

    const list = await get(t, t.editor, `/newsroom/stories/${id}/versions`);
    assert.equal(list.statusCode, 200);
    for (const n of [1, 2, 3]) assert.match(list.body, new RegExp(`href="/newsroom/stories/${id}/versions/${n}">Version ${n}<`));
    assert.match(list.body, /Published/);
    assert.match(list.body, /badge-live">Live</);
    assert.match(list.body, /editor@news\.test/);

    const v1 = await get(t, t.editor, `/newsroom/stories/${id}/versions/1`);
    assert.equal(v1.statusCode, 200);
    assert.match(v1.body, /Original wording\./);
    assert.match(v1.body, /Restore into working copy/);
    assert.equal((await get(t, t.editor, `/newsroom/stories/${id}/versions/99`)).statusCode, 404);
    assert.equal((await get(t, t.editor, `/newsroom/stories/${id}/versions/abc`)).statusCode, 404);

    const restored = await post(t, t.editor, `/newsroom/stories/${id}/versions/1/restore`);
    assert.equal(restored.statusCode, 303);
    const story = await t.services.stories.getWithHistory(id);
    assert.equal(story.body, 'Original wording.');
    assert.equal(story.versions[0]!.kind, 'restore');
    assert.equal(story.hasUnpublishedChanges, true);
    const stillLive = await t.services.publicStories.bySlug(story.slug);
    assert.ok(stillLive.kind === 'live' && stillLive.story.bodyHtml.includes('Second wording'), 'readers see no change');

    const preview = await get(t, t.editor, `/newsroom/stories/${id}/preview`);
    assert.equal(preview.statusCode, 200);
    assert.match(preview.body, /Original wording\./, 'the preview shows the working copy');
    assert.match(preview.body, /class="nr-preview-banner"/);
    assert.match(preview.body, /<meta name="robots" content="noindex, nofollow"\/>/);
    assert.match(String(preview.headers['content-security-policy']), /script-src 'self'/);
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom logout everywhere ends every session of the user', async (_t, tdb) => {
  const { t } = await setup(tdb);
  try {
    const second = await login(t, t.admin.email, t.admin.password);
    const secondCookie = `fw_session=${cookieValue(second, 'fw_session')}`;
    assert.equal((await t.app.inject({ method: 'GET', url: '/newsroom/account', headers: { cookie: secondCookie } })).statusCode, 200);
    const account = await get(t, t.admin, '/newsroom/account');
    assert.match(account.body, /This browser/);

    const res = await post(t, t.admin, '/newsroom/logout-everywhere');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/newsroom/login');
    for (const cookie of [t.admin.cookie, secondCookie]) {
      const after = await t.app.inject({ method: 'GET', url: '/newsroom/account', headers: { cookie } });
      assert.equal(after.statusCode, 303, 'the old cookie no longer works');
    }
    assert.equal((await get(t, t.editor, '/newsroom/account')).statusCode, 200, "others' sessions are untouched");
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom pages carry no inline script or style (the CSP forbids them)', async (_t, tdb) => {
  const { t, basics } = await setup(tdb);
  try {
    const id = await createStory(t, t.admin, basics);
    const authors = await t.services.authors.list();
    const desks = await t.services.desks.list();
    const urls = [
      '/newsroom/stories', '/newsroom/stories/new', `/newsroom/stories/${id}`, `/newsroom/stories/${id}/versions`, `/newsroom/stories/${id}/versions/1`,
      '/newsroom/authors', '/newsroom/authors/new', `/newsroom/authors/${authors[0]!.id}`, '/newsroom/desks', `/newsroom/desks/${desks[0]!.id}`,
      '/newsroom/users', `/newsroom/users/${t.editor.id}`, '/newsroom/account', '/newsroom/settings', '/newsroom/audit',
    ];
    for (const url of urls) {
      const res = await get(t, t.admin, url);
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.equal(res.headers['cache-control'], 'no-store', url);
      assert.doesNotMatch(res.body, /\sstyle="/, `${url} has a style attribute`);
      for (const m of res.body.matchAll(/<script\b([^>]*)>/g)) assert.match(m[1]!, /\ssrc="\/assets\//, `${url} has an inline script`);
      assert.match(res.body, /<main id="main"/, url);
      assert.match(res.body, /<nav class="mainnav" aria-label="Newsroom">/, url);
    }
    const login = await get(t, null, '/newsroom/login');
    assert.doesNotMatch(login.body, /\sstyle="/);
    const css = await get(t, null, '/assets/newsroom.css');
    assert.equal(css.statusCode, 200);
    const js = await get(t, null, '/assets/newsroom-editor.js');
    assert.equal(js.statusCode, 200);
  } finally {
    await t.close();
  }
});
