/**
 * The newsroom's management pages through HTTP: users (admin only), site settings and the
 * logo upload, authors and desks, the own account (password, tokens) and the audit log that
 * records every privileged action. On both engines.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics, type TestApp, type TestUser } from '../helpers/app.js';

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

function get(t: TestApp, who: TestUser | null, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: who ? { cookie: who.cookie } : {} });
}

/** A multipart/form-data body as a browser sends it for a file input. */
function multipart(fields: Record<string, string>, file?: { field: string; filename: string; type: string; data: Buffer }) {
  const boundary = `----freewire${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function upload(t: TestApp, who: TestUser, url: string, file?: { field: string; filename: string; type: string; data: Buffer }, csrf = who.csrf) {
  const body = multipart({ _csrf: csrf }, file);
  return t.app.inject({ method: 'POST', url, headers: { cookie: who.cookie, 'content-type': body.contentType }, payload: body.payload });
}

// A 1×1 transparent PNG.
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

async function auditActions(t: TestApp): Promise<string[]> {
  return (await t.services.database.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
}

forEachDialect('newsroom users: admins add users, change roles, disable and reset passwords; editors get 403', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    for (const url of ['/newsroom/users', `/newsroom/users/${t.reporter.id}`]) {
      const res = await get(t, t.editor, url);
      assert.equal(res.statusCode, 403, url);
      assert.match(res.body, /cannot open this page/);
    }
    const userCount = async () => (await t.services.users.list()).length;
    const before = await userCount();
    const byEditor = await post(t, t.editor, '/newsroom/users', { email: 'sneaky@news.test', role: 'admin', password: 'long-enough-password' });
    assert.equal(byEditor.statusCode, 403);
    assert.equal(await userCount(), before);
    assert.equal((await post(t, t.editor, `/newsroom/users/${t.reporter.id}`, { name: 'x', role: 'admin' })).statusCode, 403);
    assert.equal((await t.services.users.get(t.reporter.id)).role, 'reporter');

    const list = await get(t, t.admin, '/newsroom/users');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /editor@news\.test/);

    const invalid = await post(t, t.admin, '/newsroom/users', { email: 'not-an-email', name: 'New', role: 'reporter', password: 'short' });
    assert.equal(invalid.statusCode, 400);
    assert.match(invalid.body, /id="f-email-error">.*must be an email address/);
    assert.match(invalid.body, /id="f-password-error">.*at least 10 characters/);
    assert.match(invalid.body, /value="not-an-email"/);
    const noPassword = await post(t, t.admin, '/newsroom/users', { email: 'nopass@news.test', role: 'reporter', password: '' });
    assert.equal(noPassword.statusCode, 400);
    const duplicate = await post(t, t.admin, '/newsroom/users', { email: t.editor.email, role: 'reporter', password: 'long-enough-password' });
    assert.equal(duplicate.statusCode, 409);
    assert.match(duplicate.body, /is already taken/);

    const created = await post(t, t.admin, '/newsroom/users', { email: 'New.Person@news.test', name: 'New Person', role: 'reporter', password: 'first-password-1' });
    assert.equal(created.statusCode, 303);
    const user = await t.services.users.findByEmail('new.person@news.test');
    assert.ok(user);
    assert.equal(user.role, 'reporter');
    assert.ok(await t.services.users.authenticate('new.person@news.test', 'first-password-1'));

    assert.equal((await post(t, t.admin, `/newsroom/users/${user.id}`, { name: 'New Person', role: 'editor' })).statusCode, 303);
    assert.equal((await t.services.users.get(user.id)).role, 'editor');

    const session = await t.services.users.createSession(user, 'test');
    assert.equal((await post(t, t.admin, `/newsroom/users/${user.id}/status`, { status: 'disabled' })).statusCode, 303);
    assert.equal((await t.services.users.get(user.id)).status, 'disabled');
    assert.equal(await t.services.users.resolveSession(session.token), undefined, 'disabling ends their sessions');
    assert.equal(await t.services.users.authenticate('new.person@news.test', 'first-password-1'), undefined);
    assert.equal((await post(t, t.admin, `/newsroom/users/${user.id}/status`, { status: 'active' })).statusCode, 303);
    assert.equal((await t.services.users.get(user.id)).status, 'active');

    const short = await post(t, t.admin, `/newsroom/users/${user.id}/password`, { password: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /at least 10 characters/);
    assert.equal((await post(t, t.admin, `/newsroom/users/${user.id}/password`, { password: 'second-password-2' })).statusCode, 303);
    assert.ok(await t.services.users.authenticate('new.person@news.test', 'second-password-2'));

    const self = await post(t, t.admin, `/newsroom/users/${t.admin.id}/status`, { status: 'disabled' });
    assert.equal(self.statusCode, 409);
    assert.match(self.body, /cannot disable your own account/);
    assert.equal((await t.services.users.get(t.admin.id)).status, 'active');
    const lastAdmin = await post(t, t.admin, `/newsroom/users/${t.admin.id}`, { name: 'Admin', role: 'editor' });
    assert.equal(lastAdmin.statusCode, 409);
    assert.match(lastAdmin.body, /last active admin/);

    const actions = await auditActions(t);
    for (const a of ['user.create', 'user.update', 'user.password']) assert.ok(actions.includes(a), a);
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom settings: admins edit them and upload a logo; editors get 403; non-images are refused', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_MAX_UPLOAD_BYTES: '2048' });
  try {
    assert.equal((await get(t, t.editor, '/newsroom/settings')).statusCode, 403);
    const editorSave = await post(t, t.editor, '/newsroom/settings', { siteName: 'Editor was here' });
    assert.equal(editorSave.statusCode, 403);
    assert.notEqual((await t.services.settings.get()).siteName, 'Editor was here');
    const editorLogo = await upload(t, t.editor, '/newsroom/settings/logo', { field: 'logo', filename: 'logo.png', type: 'image/png', data: TINY_PNG });
    assert.equal(editorLogo.statusCode, 403);
    assert.equal((await t.services.settings.get()).logoMediaId, null);

    const page = await get(t, t.admin, '/newsroom/settings');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /enctype="multipart\/form-data"/);

    const invalid = await post(t, t.admin, '/newsroom/settings', {
      siteName: '',
      tagline: 'Kept tagline',
      language: 'English!',
      syndicationNotice: 'n',
      tipsContact: '',
      licensingContact: '',
    });
    assert.equal(invalid.statusCode, 400);
    assert.match(invalid.body, /id="f-siteName-error">.*is required/);
    assert.match(invalid.body, /id="f-language-error">.*language code/);
    assert.match(invalid.body, /Kept tagline/);

    const saved = await post(t, t.admin, '/newsroom/settings', {
      siteName: 'Valley Voice',
      tagline: 'News from the valley',
      language: 'en-GB',
      syndicationNotice: 'Free to republish for eligible publishers.',
      tipsContact: 'tips@valley.example',
      licensingContact: 'licensing@valley.example',
    });
    assert.equal(saved.statusCode, 303);
    const settings = await t.services.settings.get();
    assert.equal(settings.siteName, 'Valley Voice');
    assert.equal(settings.language, 'en-GB');
    assert.equal(settings.licensingContact, 'licensing@valley.example');
    assert.match((await get(t, t.admin, '/newsroom/stories')).body, /<span class="brand-name">Valley Voice<\/span>/);

    const logo = await upload(t, t.admin, '/newsroom/settings/logo', { field: 'logo', filename: 'logo.png', type: 'image/png', data: TINY_PNG });
    assert.equal(logo.statusCode, 303, logo.body.slice(0, 400));
    const logoId = (await t.services.settings.get()).logoMediaId;
    assert.ok(logoId);
    const media = await t.services.media.get(logoId);
    assert.equal(media?.contentType, 'image/png');
    assert.match((await get(t, t.admin, '/newsroom/settings')).body, new RegExp(`src="/media/${logoId}"`));

    const notImage = await upload(t, t.admin, '/newsroom/settings/logo', { field: 'logo', filename: 'logo.png', type: 'image/png', data: Buffer.from('<svg onload="alert(1)"></svg>') });
    assert.equal(notImage.statusCode, 415);
    assert.match(notImage.body, /Upload a PNG, JPEG, GIF or WebP image/);
    assert.match(notImage.body, /id="f-logo-error"/);
    assert.equal((await t.services.settings.get()).logoMediaId, logoId, 'the logo is unchanged');

    const none = await upload(t, t.admin, '/newsroom/settings/logo');
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /choose an image file/);

    const tooBig = await upload(t, t.admin, '/newsroom/settings/logo', { field: 'logo', filename: 'big.png', type: 'image/png', data: Buffer.concat([TINY_PNG, Buffer.alloc(4096)]) });
    assert.equal(tooBig.statusCode, 413);
    assert.match(tooBig.body, /limit is 2 KB/);

    const noCsrf = await upload(t, t.admin, '/newsroom/settings/logo', { field: 'logo', filename: 'logo.gif', type: 'image/gif', data: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1') }, 'forged');
    assert.equal(noCsrf.statusCode, 403);
    assert.equal((await t.services.settings.get()).logoMediaId, logoId);

    assert.equal((await post(t, t.admin, '/newsroom/settings/logo/remove')).statusCode, 303);
    assert.equal((await t.services.settings.get()).logoMediaId, null);

    const actions = await auditActions(t);
    assert.ok(actions.includes('settings.update'));
    assert.ok(actions.includes('media.upload'));
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom authors and desks: editors create and edit them; reporters get 403', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    assert.equal((await post(t, t.reporter, '/newsroom/desks', { name: 'Politics' })).statusCode, 403);
    assert.equal((await post(t, t.reporter, '/newsroom/authors', { name: 'X', title: 'Y' })).statusCode, 403);
    assert.equal((await t.services.desks.list()).length, 0);

    const badDesk = await post(t, t.editor, '/newsroom/desks', { name: '', slug: 'Not A Slug' });
    assert.equal(badDesk.statusCode, 400);
    assert.match(badDesk.body, /id="f-name-error">.*is required/);
    assert.match(badDesk.body, /id="f-slug-error">.*lowercase letters/);
    assert.equal((await post(t, t.editor, '/newsroom/desks', { name: 'Health & Science', description: 'Medicine' })).statusCode, 303);
    const desk = (await t.services.desks.list())[0]!;
    assert.equal(desk.slug, 'health-and-science');
    const dup = await post(t, t.editor, '/newsroom/desks', { name: 'Other', slug: 'health-and-science' });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.body, /is already taken/);
    assert.equal((await post(t, t.editor, `/newsroom/desks/${desk.id}`, { name: 'Health', description: 'Hospitals and medicine' })).statusCode, 303);
    assert.equal((await t.services.desks.getById(desk.id)).name, 'Health');
    assert.match((await get(t, t.editor, '/newsroom/desks')).body, /Hospitals and medicine/);

    const badAuthor = await post(t, t.editor, '/newsroom/authors', { name: 'Bo Writer', title: '', 'links.website': 'not a url', 'links.email': 'nope' });
    assert.equal(badAuthor.statusCode, 400);
    assert.match(badAuthor.body, /id="f-title-error">.*is required/);
    assert.match(badAuthor.body, /id="f-links-website-error">/);
    assert.match(badAuthor.body, /id="f-links-email-error">.*must be an email address/);
    assert.match(badAuthor.body, /value="Bo Writer"/);

    const created = await post(t, t.editor, '/newsroom/authors', {
      name: 'Bo Writer',
      slug: '',
      title: 'Health Reporter',
      bio: 'Covers hospitals.',
      'links.bluesky': 'bo.bsky.social',
      'links.mastodon': '@bo@news.social',
      'links.website': 'https://bo.example',
      'links.twitter': '',
      'links.email': '',
      tipsContact: 'Signal +1 555 0100',
    });
    assert.equal(created.statusCode, 303);
    const author = (await t.services.authors.getBySlug('bo-writer'))!;
    assert.ok(author);
    assert.deepEqual(author.links, { bluesky: 'bo.bsky.social', mastodon: '@bo@news.social', website: 'https://bo.example' });
    assert.equal(author.tipsContact, 'Signal +1 555 0100');

    const edited = await post(t, t.editor, `/newsroom/authors/${author.id}`, { name: 'Bo Writer', title: 'Senior Health Reporter', bio: '', 'links.bluesky': '', tipsContact: '' });
    assert.equal(edited.statusCode, 303);
    const after = await t.services.authors.getById(author.id);
    assert.equal(after.title, 'Senior Health Reporter');
    assert.deepEqual(after.links, {}, 'cleared links are removed');
    assert.equal(after.tipsContact, null);
    assert.equal(after.slug, 'bo-writer');

    const photo = await upload(t, t.editor, `/newsroom/authors/${author.id}/photo`, { field: 'photo', filename: 'bo.png', type: 'image/png', data: TINY_PNG });
    assert.equal(photo.statusCode, 303);
    const withPhoto = await t.services.authors.getById(author.id);
    assert.ok(withPhoto.photoMediaId);
    const notPhoto = await upload(t, t.editor, `/newsroom/authors/${author.id}/photo`, { field: 'photo', filename: 'bo.txt', type: 'text/plain', data: Buffer.from('hello') });
    assert.equal(notPhoto.statusCode, 415);
    assert.equal((await t.services.authors.getById(author.id)).photoMediaId, withPhoto.photoMediaId);
    assert.equal((await post(t, t.editor, `/newsroom/authors/${author.id}/photo/remove`)).statusCode, 303);
    assert.equal((await t.services.authors.getById(author.id)).photoMediaId, null);

    const list = await get(t, t.editor, '/newsroom/authors');
    assert.match(list.body, /Senior Health Reporter/);
    assert.equal((await get(t, t.editor, '/newsroom/authors/no-such-id')).statusCode, 404);
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom account: change own password, create an API token shown once, revoke it', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const page = await get(t, t.reporter, '/newsroom/account');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Log out everywhere/);

    const wrong = await post(t, t.reporter, '/newsroom/account/password', { currentPassword: 'nope', password: 'brand-new-password', confirmPassword: 'brand-new-password' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /id="f-currentPassword-error">.*is not correct/);
    const mismatch = await post(t, t.reporter, '/newsroom/account/password', { currentPassword: t.reporter.password, password: 'brand-new-password', confirmPassword: 'different-password' });
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.body, /does not match the new password/);
    const short = await post(t, t.reporter, '/newsroom/account/password', { currentPassword: t.reporter.password, password: 'short', confirmPassword: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /at least 10 characters/);
    const ok = await post(t, t.reporter, '/newsroom/account/password', { currentPassword: t.reporter.password, password: 'brand-new-password', confirmPassword: 'brand-new-password' });
    assert.equal(ok.statusCode, 303);
    assert.ok(await t.services.users.authenticate(t.reporter.email, 'brand-new-password'));
    assert.equal(await t.services.users.authenticate(t.reporter.email, t.reporter.password), undefined);
    // The session survives the change under a new token (see password-sessions.test.ts).
    const rotated = ok.cookies.find((c) => c.name === 'fw_session')!.value;
    const reporterCookie = `fw_session=${rotated}`;
    const reporterPage = await t.app.inject({ method: 'GET', url: '/newsroom/account', headers: { cookie: reporterCookie } });
    const reporter = { ...t.reporter, cookie: reporterCookie, csrf: /name="_csrf" value="([^"]+)"/.exec(reporterPage.body)![1]! };

    const noName = await post(t, reporter, '/newsroom/account/tokens', { name: '' });
    assert.equal(noName.statusCode, 400);
    const created = await post(t, reporter, '/newsroom/account/tokens', { name: 'import script' });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const token = /id="new-token"[^>]*value="(fw_[^"]+)"/.exec(created.body)?.[1];
    assert.ok(token, 'the new token is shown');
    assert.equal((await t.services.users.resolveToken(token))?.id, t.reporter.id);
    const again = await get(t, reporter, '/newsroom/account');
    assert.ok(!again.body.includes(token), 'the token is shown only once');
    assert.match(again.body, /import script/);

    const row = (await t.services.users.listTokens(t.reporter.id)).find((r) => r.name === 'import script')!;
    // Someone else's token cannot be revoked from your account page.
    assert.equal((await post(t, t.editor, `/newsroom/account/tokens/${row.id}/revoke`)).statusCode, 404);
    assert.ok(await t.services.users.resolveToken(token));
    assert.equal((await post(t, reporter, `/newsroom/account/tokens/${row.id}/revoke`)).statusCode, 303);
    assert.equal(await t.services.users.resolveToken(token), undefined);

    const actions = await auditActions(t);
    for (const a of ['user.password', 'token.create', 'token.revoke']) assert.ok(actions.includes(a), a);
  } finally {
    await t.close();
  }
});

forEachDialect('newsroom audit log lists every privileged action, newest first, with pages', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const b = await seedBasics(t.services);
    const create = await post(t, t.editor, '/newsroom/stories', {
      headline: 'Audit trail story', body: 'Body.', desk: b.desk, authors: b.author, tags: '', syndication: 'free', summary: '', dateline: '', slug: '', embargoAt: '',
    });
    const id = String(create.headers.location).split('/').pop()!;
    const form = { headline: 'Audit trail story', body: 'Body, edited.', desk: b.desk, authors: b.author, tags: '', syndication: 'free', summary: '', dateline: '', slug: 'audit-trail-story', embargoAt: '' };
    await post(t, t.editor, `/newsroom/stories/${id}`, form);
    await post(t, t.editor, `/newsroom/stories/${id}/publish`);
    await post(t, t.editor, `/newsroom/stories/${id}/update`, { updateNote: 'Added detail.' });
    await post(t, t.editor, `/newsroom/stories/${id}/correct`, { correctionText: 'Fixed a name.' });
    await post(t, t.editor, `/newsroom/stories/${id}/versions/1/restore`);
    await post(t, t.editor, `/newsroom/stories/${id}/withdraw`, { withdrawReason: 'Legal', confirm: 'yes' });
    await post(t, t.editor, '/newsroom/desks', { name: 'Audited desk' });
    await post(t, t.editor, '/newsroom/authors', { name: 'Audited Author', title: 'Reporter' });
    await post(t, t.admin, '/newsroom/users', { email: 'audited@news.test', role: 'reporter', password: 'long-enough-password' });
    await post(t, t.admin, '/newsroom/settings', { siteName: 'Audited site', language: 'en' });
    await post(t, t.admin, '/newsroom/logout-everywhere');

    const actions = await auditActions(t);
    for (const a of [
      'story.create', 'story.save', 'story.publish', 'story.update', 'story.correction', 'story.restore', 'story.withdraw',
      'desk.create', 'author.create', 'user.create', 'settings.update', 'session.logout_everywhere',
    ]) {
      assert.ok(actions.includes(a), `audit log has ${a}`);
    }

    const page = await get(t, t.editor, '/newsroom/audit');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /story\.withdraw/);
    assert.match(page.body, new RegExp(`href="/newsroom/stories/${id}"`));
    assert.match(page.body, /reason: Legal/);
    const order = ['session.logout_everywhere', 'settings.update', 'user.create', 'story.withdraw', 'story.create'].map((a) => page.body.indexOf(`<code>${a}</code>`));
    assert.deepEqual([...order].sort((x, y) => x - y), order, 'newest first');
    assert.equal((await get(t, t.reporter, '/newsroom/audit')).statusCode, 403);

    // More than a page: the "Older" link reaches the rest, and nothing is shown twice.
    for (let i = 0; i < 55; i++) await t.services.desks.create({ id: t.admin.id, role: 'admin', label: t.admin.email }, { name: `Desk ${i}` });
    const first = await get(t, t.editor, '/newsroom/audit');
    const older = /href="\/newsroom\/audit\?before=([^"]+)"/.exec(first.body);
    assert.ok(older, 'there is an older page');
    const second = await get(t, t.editor, `/newsroom/audit?before=${older[1]}`);
    assert.equal(second.statusCode, 200);
    assert.match(second.body, /story\.create/);
    const firstRows = first.body.match(/<tr>/g)!.length;
    const secondRows = second.body.match(/<tr>/g)!.length;
    assert.equal(firstRows + secondRows - 2, actions.length + 55, 'every entry appears exactly once');
  } finally {
    await t.close();
  }
});
