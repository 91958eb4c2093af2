/**
 * The Admin API end to end through HTTP (app.inject): the story lifecycle, role rules, tokens,
 * idempotency, validation and error statuses on both engines; the OpenAPI document and the
 * Swagger UI page once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import * as S from '../../src/api/schemas.js';
import { DOCS_CONTENT_SECURITY_POLICY } from '../../src/http/security.js';
import { buildTestApp, TINY_PNG, type TestApp, type TestUser } from '../helpers/app.js';
import { createTestDatabase, forEachDialect } from '../helpers/dialects.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

interface Res {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  raw: string;
}

async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  opts: { as?: TestUser | string | null; body?: unknown; headers?: Record<string, string>; payload?: string } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.as === undefined || opts.as === null ? undefined : typeof opts.as === 'string' ? opts.as : opts.as.token;
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined = opts.payload;
  if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const r = await app.inject({ method, url: `/api/admin${url}`, headers, payload });
  let body: unknown;
  try {
    body = r.body === '' ? undefined : JSON.parse(r.body);
  } catch {
    body = undefined;
  }
  return { status: r.statusCode, body, headers: r.headers as Record<string, unknown>, raw: r.body };
}

function expectStatus(r: Res, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.raw.slice(0, 500)}`);
}

/** Real responses must match the documented schema, or the OpenAPI document lies. */
function matches(schema: TSchema, value: unknown, what: string): void {
  if (Value.Check(schema, value)) return;
  const problems = [...Value.Errors(schema, value)].slice(0, 5).map((e) => `${e.path}: ${e.message}`);
  assert.fail(`${what} does not match its documented schema: ${problems.join('; ')}`);
}

function expectError(r: Res, status: number, code: string, what: string): void {
  expectStatus(r, status, what);
  assert.equal(r.body?.error?.code, code, `${what}: error code`);
  assert.equal(typeof r.body.error.message, 'string');
  matches(S.ErrorResponse, r.body, `${what} error`);
}

async function basics(t: TestApp): Promise<{ desk: string; author: string }> {
  const author = await call(t.app, 'POST', '/authors', {
    as: t.editor,
    body: { name: 'Maya Lin', title: 'Asia Pacific Reporter', bio: 'Covers the region.', links: { bluesky: 'maya.example.social', website: 'https://maya.example.org' } },
  });
  expectStatus(author, 201, 'create author');
  const desk = await call(t.app, 'POST', '/desks', { as: t.editor, body: { name: 'World', description: 'Beyond our borders' } });
  expectStatus(desk, 201, 'create desk');
  return { author: author.body.slug, desk: desk.body.slug };
}

async function countStories(t: TestApp, headline: string): Promise<number> {
  const r = await t.services.database.db.selectFrom('stories').select('id').where('headline', '=', headline).execute();
  return r.length;
}

forEachDialect('the Admin API runs the whole story lifecycle', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { app, editor, reporter } = t;

    // Authors and desks.
    const author = await call(app, 'POST', '/authors', {
      as: editor,
      body: { name: 'Maya Lin', title: 'Asia Pacific Reporter', bio: 'Covers the region.', links: { bluesky: 'maya.example.social', mastodon: '@maya@example.social' } },
    });
    expectStatus(author, 201, 'create author');
    assert.equal(author.body.slug, 'maya-lin');
    assert.deepEqual(author.body.links, { bluesky: 'maya.example.social', mastodon: '@maya@example.social' });
    matches(S.Author, author.body, 'author');
    const gotAuthor = await call(app, 'GET', '/authors/maya-lin', { as: reporter });
    expectStatus(gotAuthor, 200, 'get author');
    assert.equal(gotAuthor.body.title, 'Asia Pacific Reporter');
    const patchedAuthor = await call(app, 'PATCH', '/authors/maya-lin', { as: editor, body: { bio: 'Covers Southeast Asia.' } });
    expectStatus(patchedAuthor, 200, 'patch author');
    assert.equal(patchedAuthor.body.bio, 'Covers Southeast Asia.');
    const authors = await call(app, 'GET', '/authors', { as: reporter });
    expectStatus(authors, 200, 'list authors');
    matches(S.ItemsOf(S.Author), authors.body, 'author list');
    assert.deepEqual(authors.body.items.map((a: { slug: string }) => a.slug), ['maya-lin']);

    const desk = await call(app, 'POST', '/desks', { as: editor, body: { name: 'World', description: 'Beyond our borders' } });
    expectStatus(desk, 201, 'create desk');
    assert.equal(desk.body.slug, 'world');
    matches(S.Desk, desk.body, 'desk');
    const patchedDesk = await call(app, 'PATCH', '/desks/world', { as: editor, body: { description: 'News from everywhere' } });
    expectStatus(patchedDesk, 200, 'patch desk');
    assert.equal(patchedDesk.body.description, 'News from everywhere');
    const desks = await call(app, 'GET', '/desks', { as: reporter });
    matches(S.ItemsOf(S.Desk), desks.body, 'desk list');
    assert.equal(desks.body.items.length, 1);

    // A reporter drafts.
    const created = await call(app, 'POST', '/stories', {
      as: reporter,
      body: {
        headline: 'Monsoon floods reach the delta',
        summary: 'Thousands moved to higher ground.',
        body: 'The water rose **overnight**.\n\nOfficials said more rain is due.',
        authors: ['maya-lin'],
        desk: 'world',
        dateline: 'DHAKA',
        tags: ['Floods', 'Climate'],
      },
    });
    expectStatus(created, 201, 'create story');
    matches(S.Story, created.body, 'created story');
    const id: string = created.body.id;
    const slug: string = created.body.slug;
    assert.equal(created.body.status, 'draft');
    assert.equal(slug, 'monsoon-floods-reach-the-delta');
    assert.equal(created.body.url, `http://news.test/stories/${slug}`);
    assert.deepEqual(created.body.authors.map((a: { slug: string }) => a.slug), ['maya-lin']);
    assert.equal(created.body.desk.slug, 'world');
    assert.deepEqual(created.body.tags, ['Climate', 'Floods']);

    const patched = await call(app, 'PATCH', `/stories/${id}`, { as: reporter, body: { headline: 'Monsoon floods swamp the delta', tags: ['Floods'] } });
    expectStatus(patched, 200, 'patch story');
    matches(S.Story, patched.body, 'patched story');
    assert.equal(patched.body.headline, 'Monsoon floods swamp the delta');
    assert.deepEqual(patched.body.tags, ['Floods']);
    assert.equal(patched.body.currentVersion, 2);
    assert.equal(patched.body.slug, slug, 'saving does not move the slug');

    const withHistory = await call(app, 'GET', `/stories/${id}`, { as: reporter });
    expectStatus(withHistory, 200, 'get story');
    matches(S.StoryWithHistory, withHistory.body, 'story with history');
    assert.deepEqual(withHistory.body.versions.map((v: { version: number; kind: string }) => [v.version, v.kind]), [[2, 'save'], [1, 'create']]);
    assert.deepEqual(withHistory.body.notes, []);
    assert.equal(withHistory.body.url, `http://news.test/stories/${slug}`);

    const v1 = await call(app, 'GET', `/stories/${id}/versions/1`, { as: reporter });
    expectStatus(v1, 200, 'get version 1');
    matches(S.StoryVersion, v1.body, 'version');
    assert.equal(v1.body.headline, 'Monsoon floods reach the delta');
    assert.deepEqual(v1.body.tags, ['Climate', 'Floods']);
    assert.match(v1.body.bodyHtml, /<strong>overnight<\/strong>/);

    const list = await call(app, 'GET', '/stories?status=draft&desk=world&q=MONSOON&limit=5&offset=0', { as: editor });
    expectStatus(list, 200, 'list stories');
    matches(S.StoryList, list.body, 'story list');
    assert.equal(list.body.total, 1);
    assert.equal(list.body.items[0].id, id);
    const none = await call(app, 'GET', '/stories?status=published', { as: editor });
    assert.deepEqual([none.body.items.length, none.body.total], [0, 0]);

    // Reporters cannot publish; the story stays a draft.
    expectError(await call(app, 'POST', `/stories/${id}/publish`, { as: reporter }), 403, 'FORBIDDEN', 'reporter publishes');
    expectError(await call(app, 'POST', `/stories/${id}/schedule`, { as: reporter, body: { at: '2099-01-01T09:00:00Z' } }), 403, 'FORBIDDEN', 'reporter schedules');
    assert.equal((await call(app, 'GET', `/stories/${id}`, { as: editor })).body.status, 'draft');

    // Schedule and take it back.
    const at = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = await call(app, 'POST', `/stories/${id}/schedule`, { as: editor, body: { at } });
    expectStatus(scheduled, 200, 'schedule');
    matches(S.Story, scheduled.body, 'scheduled story');
    assert.equal(scheduled.body.status, 'scheduled');
    assert.equal(scheduled.body.scheduledAt, at);
    const unscheduled = await call(app, 'POST', `/stories/${id}/unschedule`, { as: editor });
    expectStatus(unscheduled, 200, 'unschedule');
    assert.equal(unscheduled.body.status, 'draft');
    assert.equal(unscheduled.body.scheduledAt, null);
    expectError(await call(app, 'POST', `/stories/${id}/unschedule`, { as: editor }), 409, 'INVALID_TRANSITION', 'unschedule a draft');

    // Publish: a JSON content type with an empty body is an empty request, not broken JSON.
    const published = await call(app, 'POST', `/stories/${id}/publish`, { as: editor, headers: { 'content-type': 'application/json' } });
    expectStatus(published, 200, 'publish');
    matches(S.Story, published.body, 'published story');
    assert.equal(published.body.status, 'published');
    assert.equal(published.body.url, `http://news.test/stories/${slug}`);
    assert.ok(published.body.publishedAt);
    assert.equal(published.body.liveVersion, published.body.currentVersion);
    const live = await t.services.publicStories.bySlug(slug);
    assert.equal(live.kind, 'live');
    expectError(await call(app, 'POST', `/stories/${id}/publish`, { as: editor }), 409, 'INVALID_TRANSITION', 'publish twice');
    expectError(await call(app, 'POST', `/stories/${id}/schedule`, { as: editor, body: { at } }), 409, 'INVALID_TRANSITION', 'schedule a published story');

    // A public update and a correction.
    const updated = await call(app, 'POST', `/stories/${id}/updates`, {
      as: editor,
      body: { note: 'Adds the evacuation figures.', body: 'The water rose overnight.\n\nOfficials moved 12,000 people.' },
    });
    expectStatus(updated, 200, 'update');
    matches(S.Story, updated.body, 'updated story');
    assert.match(updated.body.body, /12,000/);
    assert.ok(updated.body.publicUpdatedAt);
    const corrected = await call(app, 'POST', `/stories/${id}/corrections`, { as: editor, body: { text: 'An earlier version misspelled the river.' } });
    expectStatus(corrected, 200, 'correction');
    assert.equal(corrected.body.url, `http://news.test/stories/${slug}`);
    const afterNotes = await call(app, 'GET', `/stories/${id}`, { as: editor });
    assert.deepEqual(
      afterNotes.body.notes.map((n: { kind: string; text: string }) => [n.kind, n.text]),
      [
        ['update', 'Adds the evacuation figures.'],
        ['correction', 'An earlier version misspelled the river.'],
      ],
    );
    assert.equal(afterNotes.body.versions[0].kind, 'correction');
    assert.equal(afterNotes.body.versions[0].live, true);
    expectError(await call(app, 'POST', `/stories/${id}/corrections`, { as: editor, body: { text: '   ' } }), 400, 'VALIDATION', 'blank correction');

    // The address of a published story is fixed.
    const moved = await call(app, 'PATCH', `/stories/${id}`, { as: editor, body: { slug: 'somewhere-else' } });
    expectError(moved, 409, 'CONFLICT', 'change a published slug');
    assert.deepEqual(moved.body.error.details, { slug: ['cannot change after publishing'] });

    // Withdraw ("kill").
    const withdrawn = await call(app, 'POST', `/stories/${id}/withdraw`, { as: editor, body: { reason: 'Legal hold' } });
    expectStatus(withdrawn, 200, 'withdraw');
    matches(S.Story, withdrawn.body, 'withdrawn story');
    assert.equal(withdrawn.body.status, 'withdrawn');
    assert.equal(withdrawn.body.withdrawnReason, 'Legal hold');
    assert.equal((await t.services.publicStories.bySlug(slug)).kind, 'withdrawn');
    expectError(await call(app, 'POST', `/stories/${id}/withdraw`, { as: editor, body: { reason: 'again' } }), 409, 'INVALID_TRANSITION', 'withdraw twice');
    expectError(await call(app, 'PATCH', `/stories/${id}`, { as: editor, body: { headline: 'Back' } }), 409, 'INVALID_TRANSITION', 'edit a withdrawn story');
    expectError(await call(app, 'POST', `/stories/${id}/publish`, { as: editor }), 409, 'INVALID_TRANSITION', 'republish a withdrawn story');
  } finally {
    await t.close();
  }
});

forEachDialect('the Admin API applies the same role rules as the newsroom', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { app, admin, editor, reporter } = t;
    const { desk, author } = await basics(t);

    // Users: admins only.
    expectError(await call(app, 'POST', '/users', { as: editor, body: { email: 'new@news.test', role: 'reporter' } }), 403, 'FORBIDDEN', 'editor creates a user');
    expectError(await call(app, 'GET', '/users', { as: editor }), 403, 'FORBIDDEN', 'editor lists users');
    const user = await call(app, 'POST', '/users', { as: admin, body: { email: 'New@News.test', name: 'New Person', role: 'reporter', password: 'a-long-password' } });
    expectStatus(user, 201, 'admin creates a user');
    matches(S.User, user.body, 'user');
    assert.equal(user.body.email, 'new@news.test');
    assert.equal('password' in user.body || 'passwordHash' in user.body || 'password_hash' in user.body, false);
    expectError(await call(app, 'POST', '/users', { as: admin, body: { email: 'new@news.test', role: 'reporter' } }), 409, 'CONFLICT', 'duplicate email');
    const users = await call(app, 'GET', '/users', { as: admin });
    matches(S.ItemsOf(S.User), users.body, 'user list');
    assert.equal(users.body.items.length, 4);
    const promoted = await call(app, 'PATCH', `/users/${user.body.id}`, { as: admin, body: { role: 'editor', name: 'Promoted' } });
    expectStatus(promoted, 200, 'promote');
    assert.deepEqual([promoted.body.role, promoted.body.name], ['editor', 'Promoted']);
    expectError(await call(app, 'PATCH', `/users/${user.body.id}`, { as: editor, body: { role: 'admin' } }), 403, 'FORBIDDEN', 'editor promotes');
    expectError(await call(app, 'PATCH', '/users/no-such-user', { as: admin, body: { name: 'x' } }), 404, 'USER_NOT_FOUND', 'unknown user');
    expectError(await call(app, 'PATCH', `/users/${admin.id}`, { as: admin, body: { role: 'editor' } }), 409, 'CONFLICT', 'demote the last admin');

    // Settings: everyone reads, admins write.
    const settings = await call(app, 'GET', '/settings', { as: reporter });
    expectStatus(settings, 200, 'read settings');
    matches(S.SiteSettings, settings.body, 'settings');
    expectError(await call(app, 'PATCH', '/settings', { as: editor, body: { siteName: 'Mine' } }), 403, 'FORBIDDEN', 'editor changes settings');
    const changed = await call(app, 'PATCH', '/settings', { as: admin, body: { siteName: 'Delta Dispatch', language: 'en-GB' } });
    expectStatus(changed, 200, 'admin changes settings');
    assert.deepEqual([changed.body.siteName, changed.body.language], ['Delta Dispatch', 'en-GB']);
    expectError(await call(app, 'PATCH', '/settings', { as: admin, body: { language: 'not a language' } }), 400, 'VALIDATION', 'bad language');
    // The logo must be an uploaded image: an id that names nothing, or that cannot be put in a
    // URL (a lone surrogate made every page answer 500), is refused and changes nothing.
    for (const logoMediaId of ['no-such-media', '\ud800', 'a/b']) {
      expectError(await call(app, 'PATCH', '/settings', { as: admin, body: { logoMediaId } }), 400, 'VALIDATION', `logo ${JSON.stringify(logoMediaId)}`);
    }
    assert.equal((await t.services.settings.get()).logoMediaId, null);
    const logo = await t.services.media.store(SYSTEM_ACTOR, { filename: 'logo.png', data: TINY_PNG });
    expectStatus(await call(app, 'PATCH', '/settings', { as: admin, body: { logoMediaId: logo.id } }), 200, 'logo set');
    expectStatus(await call(app, 'PATCH', '/settings', { as: admin, body: { logoMediaId: null } }), 200, 'logo removed');

    // Authors and desks: editors and admins.
    expectError(await call(app, 'POST', '/desks', { as: reporter, body: { name: 'Mine' } }), 403, 'FORBIDDEN', 'reporter creates a desk');
    expectError(await call(app, 'POST', '/authors', { as: reporter, body: { name: 'Me', title: 'Star' } }), 403, 'FORBIDDEN', 'reporter creates an author');

    // Audit: editors and admins.
    expectError(await call(app, 'GET', '/audit', { as: reporter }), 403, 'FORBIDDEN', 'reporter reads the audit log');
    const audit = await call(app, 'GET', '/audit?limit=2', { as: editor });
    expectStatus(audit, 200, 'audit');
    matches(S.AuditPage, audit.body, 'audit page');
    assert.equal(audit.body.items.length, 2);
    assert.equal(audit.body.items[0].action, 'settings.update');
    assert.ok(audit.body.nextBefore);
    const older = await call(app, 'GET', `/audit?limit=2&before=${audit.body.nextBefore}`, { as: editor });
    expectStatus(older, 200, 'audit page 2');
    assert.ok(older.body.items.every((e: { id: string }) => !audit.body.items.some((a: { id: string }) => a.id === e.id)), 'pages do not overlap');

    // Stories: reporters edit and see only their own; editors see everything.
    const mine = await call(app, 'POST', '/stories', { as: reporter, body: { headline: 'Mine', body: 'Text.', authors: [author], desk } });
    const theirs = await call(app, 'POST', '/stories', { as: editor, body: { headline: 'Theirs', body: 'Text.', authors: [author], desk } });
    expectStatus(mine, 201, 'reporter drafts');
    expectStatus(theirs, 201, 'editor drafts');
    const reporterList = await call(app, 'GET', '/stories', { as: reporter });
    assert.deepEqual(reporterList.body.items.map((s: { headline: string }) => s.headline), ['Mine']);
    assert.equal(reporterList.body.total, 1);
    assert.equal((await call(app, 'GET', '/stories', { as: editor })).body.total, 2);
    expectError(await call(app, 'GET', `/stories/${theirs.body.id}`, { as: reporter }), 403, 'FORBIDDEN', "reporter reads another's draft");
    expectError(await call(app, 'GET', `/stories/${theirs.body.id}/versions/1`, { as: reporter }), 403, 'FORBIDDEN', "reporter reads another's version");
    expectError(await call(app, 'PATCH', `/stories/${theirs.body.id}`, { as: reporter, body: { headline: 'Taken' } }), 403, 'FORBIDDEN', "reporter edits another's draft");
    expectStatus(await call(app, 'PATCH', `/stories/${mine.body.id}`, { as: editor, body: { headline: 'Edited by the desk' } }), 200, 'editor edits any');
    expectError(await call(app, 'POST', `/stories/${mine.body.id}/withdraw`, { as: reporter, body: { reason: 'no' } }), 403, 'FORBIDDEN', 'reporter withdraws');
    assert.equal((await call(app, 'GET', `/stories/${mine.body.id}`, { as: reporter })).body.status, 'draft');
  } finally {
    await t.close();
  }
});

forEachDialect('the Admin API needs a valid, unrevoked token', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { app, admin, editor } = t;
    expectError(await call(app, 'GET', '/stories'), 401, 'UNAUTHENTICATED', 'no token');
    expectError(await call(app, 'GET', '/stories', { as: 'fw_not-a-real-token' }), 401, 'UNAUTHENTICATED', 'unknown token');
    expectError(await call(app, 'GET', '/stories', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }), 401, 'UNAUTHENTICATED', 'basic auth');
    expectError(await call(app, 'GET', '/stories', { headers: { authorization: 'Bearer' } }), 401, 'UNAUTHENTICATED', 'empty bearer');
    // Even a broken request from a stranger is answered 401, not with details about the request.
    expectError(await call(app, 'POST', '/stories', { payload: '{not json', headers: { 'content-type': 'application/json' } }), 401, 'UNAUTHENTICATED', 'anonymous broken JSON');
    // A session cookie is not an API credential.
    expectError(await call(app, 'GET', '/stories', { headers: { cookie: editor.cookie } }), 401, 'UNAUTHENTICATED', 'cookie instead of token');

    const created = await call(app, 'POST', '/tokens', { as: editor, body: { name: 'CMS importer' } });
    expectStatus(created, 201, 'create token');
    matches(S.CreatedToken, created.body, 'created token');
    assert.match(created.body.token, /^fw_/);
    const fresh: string = created.body.token;
    expectStatus(await call(app, 'GET', '/stories', { as: fresh }), 200, 'new token works');
    const mineList = await call(app, 'GET', '/tokens', { as: fresh });
    matches(S.ItemsOf(S.ApiToken), mineList.body, 'token list');
    assert.deepEqual(mineList.body.items.map((x: { name: string }) => x.name).sort(), ['CMS importer', 'test']);
    assert.ok(!mineList.raw.includes(fresh), 'the secret is never listed');
    assert.ok(mineList.body.items.every((x: Record<string, unknown>) => !('token' in x) && !('tokenHash' in x) && !('token_hash' in x)));
    // Only your own tokens are listed.
    assert.deepEqual((await call(app, 'GET', '/tokens', { as: admin })).body.items.map((x: { name: string }) => x.name), ['test']);

    expectStatus(await call(app, 'DELETE', `/tokens/${created.body.id}`, { as: editor }), 204, 'revoke');
    expectError(await call(app, 'GET', '/stories', { as: fresh }), 401, 'UNAUTHENTICATED', 'revoked token');
    expectError(await call(app, 'DELETE', '/tokens/no-such-token', { as: editor }), 404, 'NOT_FOUND', 'revoke unknown');
    // Someone else's token: only admins may revoke it.
    const adminToken = await call(app, 'POST', '/tokens', { as: admin, body: { name: 'admin script' } });
    expectError(await call(app, 'DELETE', `/tokens/${adminToken.body.id}`, { as: editor }), 403, 'FORBIDDEN', "editor revokes admin's token");

    // Disabling a user revokes their tokens.
    expectStatus(await call(app, 'PATCH', `/users/${editor.id}`, { as: admin, body: { status: 'disabled' } }), 200, 'disable editor');
    expectError(await call(app, 'GET', '/stories', { as: editor }), 401, 'UNAUTHENTICATED', "disabled user's token");
  } finally {
    await t.close();
  }
});

forEachDialect('creating endpoints honour Idempotency-Key', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { app, editor, reporter } = t;
    const { desk, author } = await basics(t);
    const body = { headline: 'Retry-safe story', body: 'Text.', authors: [author], desk };

    const first = await call(app, 'POST', '/stories', { as: editor, body, headers: { 'idempotency-key': 'key-1' } });
    expectStatus(first, 201, 'first');
    const again = await call(app, 'POST', '/stories', { as: editor, body, headers: { 'idempotency-key': 'key-1' } });
    expectStatus(again, 201, 'replay');
    assert.deepEqual(again.body, first.body, 'a replay answers exactly the first response');
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(await countStories(t, 'Retry-safe story'), 1);

    const different = await call(app, 'POST', '/stories', { as: editor, body: { ...body, headline: 'Another' }, headers: { 'idempotency-key': 'key-1' } });
    expectError(different, 409, 'IDEMPOTENCY_CONFLICT', 'same key, different body');
    assert.equal(await countStories(t, 'Another'), 0);

    // Keys belong to their user: the same key from someone else is a new request.
    const other = await call(app, 'POST', '/stories', { as: reporter, body, headers: { 'idempotency-key': 'key-1' } });
    expectStatus(other, 201, "another user's key");
    assert.notEqual(other.body.id, first.body.id);

    // A failed request does not use up its key.
    const bad = await call(app, 'POST', '/stories', { as: editor, body: { ...body, desk: 'no-such-desk' }, headers: { 'idempotency-key': 'key-2' } });
    expectError(bad, 400, 'VALIDATION', 'failing request');
    const fixed = await call(app, 'POST', '/stories', { as: editor, body: { ...body, headline: 'Fixed' }, headers: { 'idempotency-key': 'key-2' } });
    expectStatus(fixed, 201, 'retry after a failure');

    expectError(await call(app, 'POST', '/stories', { as: editor, body, headers: { 'idempotency-key': 'not ascii é' } }), 400, 'VALIDATION', 'bad key');

    // Concurrent retries with one key create one story.
    const racing = { ...body, headline: 'Racing story' };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => call(app, 'POST', '/stories', { as: editor, body: racing, headers: { 'idempotency-key': 'race' } })),
    );
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 201 || s === 409), `statuses: ${statuses.join(',')}`);
    assert.ok(statuses.includes(201));
    assert.equal(new Set(results.filter((r) => r.status === 201).map((r) => r.body.id)).size, 1, 'every success names the same story');
    assert.equal(await countStories(t, 'Racing story'), 1);

    // Every creating endpoint: authors, desks, users, tokens.
    for (const [url, as, payload] of [
      ['/authors', editor, { name: 'Idem Author', title: 'Reporter' }],
      ['/desks', editor, { name: 'Idem Desk' }],
      ['/users', t.admin, { email: 'idem@news.test', role: 'reporter' }],
    ] as const) {
      const a = await call(app, 'POST', url, { as, body: payload, headers: { 'idempotency-key': `k${url}` } });
      const b = await call(app, 'POST', url, { as, body: payload, headers: { 'idempotency-key': `k${url}` } });
      expectStatus(a, 201, `${url} first`);
      expectStatus(b, 201, `${url} replay`);
      assert.deepEqual(b.body, a.body, `${url} replay`);
    }
    const tokenA = await call(app, 'POST', '/tokens', { as: editor, body: { name: 'once' }, headers: { 'idempotency-key': 'tok' } });
    const tokenB = await call(app, 'POST', '/tokens', { as: editor, body: { name: 'once' }, headers: { 'idempotency-key': 'tok' } });
    expectStatus(tokenB, 201, 'token replay');
    assert.equal(tokenB.body.id, tokenA.body.id);
    assert.equal(tokenB.body.token, undefined, 'a token secret is shown once, even to a replay');
    const stored = await t.services.database.db.selectFrom('idempotency_keys').select('response_json').execute();
    assert.ok(stored.every((r) => !r.response_json.includes(tokenA.body.token)), 'the secret is not stored with the key');
    assert.equal((await t.services.users.listTokens(editor.id)).filter((x) => x.name === 'once').length, 1);
  } finally {
    await t.close();
  }
});

forEachDialect('the Admin API answers bad requests with 4xx and field details', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { app, editor } = t;
    const { desk, author } = await basics(t);
    const valid = { headline: 'Valid', body: 'Text.', authors: [author], desk };

    const missing = await call(app, 'POST', '/stories', { as: editor, body: { body: 'x', authors: [author], desk } });
    expectError(missing, 400, 'VALIDATION', 'missing headline');
    assert.deepEqual(missing.body.error.details, { headline: ['is required'] });

    const wrongTypes = await call(app, 'POST', '/stories', { as: editor, body: { ...valid, headline: 42, tags: 'floods', authors: [] } });
    expectError(wrongTypes, 400, 'VALIDATION', 'wrong types');
    assert.deepEqual(wrongTypes.body.error.details.headline, ['must be text'], 'no silent coercion of numbers to text');
    assert.deepEqual(wrongTypes.body.error.details.tags, ['must be a list']);
    assert.deepEqual(wrongTypes.body.error.details.authors, ['needs at least 1 item']);

    const unknownField = await call(app, 'POST', '/stories', { as: editor, body: { ...valid, hedline: 'typo' } });
    expectError(unknownField, 400, 'VALIDATION', 'unknown field');
    assert.deepEqual(unknownField.body.error.details, { hedline: ['is not a known field'] });

    const nested = await call(app, 'POST', '/authors', { as: editor, body: { name: 'A', title: 'B', links: { myspace: 'x', website: 5 } } });
    expectError(nested, 400, 'VALIDATION', 'nested fields');
    assert.deepEqual(nested.body.error.details['links.myspace'], ['is not a known field']);
    assert.ok(nested.body.error.details['links.website']);

    // Field names that shadow Object.prototype members are still just field names.
    const shadow = await call(app, 'POST', '/authors', { as: editor, payload: '{"name":"A","title":"B","toString":1,"constructor":2}', headers: { 'content-type': 'application/json' } });
    expectError(shadow, 400, 'VALIDATION', 'Object.prototype names');
    assert.deepEqual(Object.keys(shadow.body.error.details).sort(), ['constructor', 'toString']);

    // NUL never reaches a query (PostgreSQL refuses it in text): unknown slugs, a clean tag.
    const nul = await call(app, 'POST', '/stories', { as: editor, body: { ...valid, desk: `${desk}\u0000`, authors: [`${author}\u0000`], leadImageId: 'x\u0000' } });
    expectError(nul, 400, 'VALIDATION', 'NUL in slugs');
    assert.deepEqual(Object.keys(nul.body.error.details).sort(), ['authors', 'desk', 'leadImageId']);
    const nulTag = await call(app, 'POST', '/stories', { as: editor, body: { ...valid, headline: 'NUL tag', tags: ['Wa\u0000ter'] } });
    expectStatus(nulTag, 201, 'NUL in a tag');
    assert.deepEqual(nulTag.body.tags, ['Water']);
    expectError(await call(app, 'GET', '/stories/abc%00def', { as: editor }), 400, 'VALIDATION', 'NUL in a path');

    // Router-level rejections speak the same error format.
    expectError(await call(app, 'GET', '/stories/%', { as: editor }), 400, 'BAD_REQUEST', 'undecodable path');
    expectError(await call(app, 'GET', `/stories/${'x'.repeat(250)}`, { as: editor }), 414, 'BAD_REQUEST', 'over-long path param');

    const badEnum = await call(app, 'POST', '/stories', { as: editor, body: { ...valid, syndication: 'everyone' } });
    expectError(badEnum, 400, 'VALIDATION', 'bad enum');
    assert.deepEqual(badEnum.body.error.details.syndication, ['must be one of free, licensees, none']);

    const tooLong = await call(app, 'POST', '/stories', { as: editor, body: { ...valid, headline: 'x'.repeat(201) } });
    assert.deepEqual(tooLong.body.error.details.headline, ['must be at most 200 characters']);

    // Rules only the service knows still come back per field.
    const noDesk = await call(app, 'POST', '/stories', { as: editor, body: { ...valid, desk: 'sports', authors: ['nobody'] } });
    expectError(noDesk, 400, 'VALIDATION', 'unknown desk and author');
    assert.deepEqual(Object.keys(noDesk.body.error.details).sort(), ['authors', 'desk']);
    const past = await call(app, 'POST', '/stories', { as: editor, body: valid });
    const pastSchedule = await call(app, 'POST', `/stories/${past.body.id}/schedule`, { as: editor, body: { at: '2001-01-01T00:00:00Z' } });
    expectError(pastSchedule, 400, 'VALIDATION', 'schedule in the past');
    assert.deepEqual(pastSchedule.body.error.details, { at: ['must be in the future'] });
    const noZone = await call(app, 'POST', `/stories/${past.body.id}/schedule`, { as: editor, body: { at: '2099-01-01T09:00:00' } });
    assert.deepEqual(noZone.body.error.details, { at: ['must be a date and time with a zone'] });
    const noAt = await call(app, 'POST', `/stories/${past.body.id}/schedule`, { as: editor, body: {} });
    assert.deepEqual(noAt.body.error.details, { at: ['is required'] });
    const noBody = await call(app, 'POST', `/stories/${past.body.id}/withdraw`, { as: editor });
    expectError(noBody, 400, 'VALIDATION', 'withdraw without a body');
    assert.deepEqual(noBody.body.error.details, { reason: ['is required'] }, 'no body is an empty one: the missing field is named');

    // Query strings.
    const badLimit = await call(app, 'GET', '/stories?limit=abc', { as: editor });
    expectError(badLimit, 400, 'VALIDATION', 'limit=abc');
    assert.deepEqual(badLimit.body.error.details, { limit: ['must be a whole number'] });
    assert.deepEqual((await call(app, 'GET', '/stories?limit=1000', { as: editor })).body.error.details, { limit: ['must be at most 100'] });
    assert.deepEqual((await call(app, 'GET', '/stories?status=lost', { as: editor })).body.error.details, { status: ['must be one of draft, scheduled, published, withdrawn'] });
    assert.deepEqual((await call(app, 'GET', '/stories?sort=asc', { as: editor })).body.error.details, { sort: ['is not a known field'] });
    expectError(await call(app, 'GET', '/stories?q=%00', { as: editor }), 400, 'VALIDATION', 'NUL in a query');
    assert.deepEqual(
      (await call(app, 'GET', '/stories?q=%25_%5C%27%22', { as: editor })).body,
      { items: [], total: 0 },
      'LIKE wildcards and quotes are plain text',
    );

    // Unknown things.
    expectError(await call(app, 'GET', '/stories/01890000-0000-7000-8000-000000000000', { as: editor }), 404, 'STORY_NOT_FOUND', 'unknown story');
    expectError(await call(app, 'PATCH', '/stories/nope', { as: editor, body: { headline: 'x' } }), 404, 'STORY_NOT_FOUND', 'patch unknown story');
    expectError(await call(app, 'POST', '/stories/nope/publish', { as: editor }), 404, 'STORY_NOT_FOUND', 'publish unknown story');
    expectError(await call(app, 'GET', `/stories/${'x'.repeat(150)}`, { as: editor }), 404, 'STORY_NOT_FOUND', 'long id');
    expectError(await call(app, 'GET', `/stories/${past.body.id}/versions/99`, { as: editor }), 404, 'NOT_FOUND', 'unknown version');
    expectError(await call(app, 'GET', `/stories/${past.body.id}/versions/first`, { as: editor }), 400, 'VALIDATION', 'version not a number');
    expectError(await call(app, 'GET', '/authors/nobody', { as: editor }), 404, 'AUTHOR_NOT_FOUND', 'unknown author');
    expectError(await call(app, 'PATCH', '/desks/nowhere', { as: editor, body: { name: 'x' } }), 404, 'DESK_NOT_FOUND', 'unknown desk');
    expectError(await call(app, 'GET', '/nothing-here', { as: editor }), 404, 'NOT_FOUND', 'unknown route');
    expectError(await call(app, 'POST', '/desks', { as: editor, body: { name: 'World' } }), 409, 'CONFLICT', 'duplicate desk slug');

    // Bodies: size, type, syntax.
    const huge = await call(app, 'POST', '/stories', { as: editor, payload: JSON.stringify({ ...valid, body: 'x'.repeat(1_100_000) }), headers: { 'content-type': 'application/json' } });
    expectError(huge, 413, 'PAYLOAD_TOO_LARGE', 'too large');
    const bigMarkdown = await call(app, 'POST', '/stories', { as: editor, body: { ...valid, body: 'x'.repeat(200_001) } });
    assert.deepEqual(bigMarkdown.body.error.details, { body: ['must be at most 200000 characters'] });
    expectError(await call(app, 'POST', '/stories', { as: editor, payload: 'headline=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'form');
    expectError(await call(app, 'POST', '/stories', { as: editor, payload: JSON.stringify(valid), headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain');
    expectError(
      await call(app, 'POST', '/stories', { as: editor, payload: '--b\r\nContent-Disposition: form-data; name="headline"\r\n\r\nx\r\n--b--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=b' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'multipart',
    );
    expectError(await call(app, 'POST', '/stories', { as: editor, payload: '{"headline": "x",', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST', 'malformed JSON');
    expectError(await call(app, 'POST', '/stories', { as: editor, payload: '{"__proto__": {"admin": true}}', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST', '__proto__');
    expectError(
      await call(app, 'POST', '/stories', { as: editor, payload: '{"constructor": {"prototype": {"admin": true}}}', headers: { 'content-type': 'application/json' } }),
      400,
      'BAD_REQUEST',
      'constructor.prototype',
    );
    expectError(await call(app, 'POST', '/stories', { as: editor, payload: '[1,2]', headers: { 'content-type': 'application/json' } }), 400, 'VALIDATION', 'array body');
    assert.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype was polluted');
    const charset = await call(app, 'POST', '/stories', { as: editor, payload: JSON.stringify({ ...valid, headline: 'Charset' }), headers: { 'content-type': 'application/json; charset=utf-8' } });
    expectStatus(charset, 201, 'JSON with a charset');
  } finally {
    await t.close();
  }
});

test('the OpenAPI document describes the Admin API, and /api/docs shows it', async () => {
  const tdb = await createTestDatabase('sqlite');
  try {
    const t = await buildTestApp(tdb);
    try {
      const r = await t.app.inject({ url: '/api/docs/openapi.json' });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      const doc = JSON.parse(r.body);
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      assert.equal(doc.info.title, 'Freewire API');
      assert.deepEqual(doc.servers, [{ url: 'http://news.test' }]);
      assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'An API token (fw_…)' });
      assert.deepEqual(doc.security, [{ bearerAuth: [] }]);

      const expected: Record<string, string[]> = {
        '/api/admin/authors': ['get', 'post'],
        '/api/admin/authors/{slug}': ['get', 'patch'],
        '/api/admin/desks': ['get', 'post'],
        '/api/admin/desks/{slug}': ['get', 'patch'],
        '/api/admin/stories': ['get', 'post'],
        '/api/admin/stories/{id}': ['get', 'patch'],
        '/api/admin/stories/{id}/versions/{n}': ['get'],
        '/api/admin/stories/{id}/publish': ['post'],
        '/api/admin/stories/{id}/schedule': ['post'],
        '/api/admin/stories/{id}/unschedule': ['post'],
        '/api/admin/stories/{id}/corrections': ['post'],
        '/api/admin/stories/{id}/updates': ['post'],
        '/api/admin/stories/{id}/withdraw': ['post'],
        '/api/admin/users': ['get', 'post'],
        '/api/admin/users/{id}': ['patch'],
        '/api/admin/settings': ['get', 'patch'],
        '/api/admin/audit': ['get'],
        '/api/admin/tokens': ['get', 'post'],
        '/api/admin/tokens/{id}': ['delete'],
      };
      for (const path of Object.keys(expected)) assert.ok(doc.paths[path], `${path} is documented`);
      // Only the APIs are documented: no site, newsroom or portal pages.
      for (const path of Object.keys(doc.paths)) assert.match(path, /^\/api\/(admin|v1)\//, `${path} is an API path`);
      for (const [path, methods] of Object.entries(expected)) {
        assert.deepEqual(Object.keys(doc.paths[path]).sort(), [...methods].sort(), path);
        for (const m of methods) {
          const op = doc.paths[path][m];
          assert.ok(op.summary, `${m} ${path} has a summary`);
          assert.ok(op.tags?.length, `${m} ${path} is tagged`);
          assert.ok(op.responses['4XX'], `${m} ${path} documents errors`);
          // OpenAPI requires every templated segment to be declared as a required path parameter.
          for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
            const param = (op.parameters ?? []).find((p: { in: string; name: string }) => p.in === 'path' && p.name === name);
            assert.equal(param?.required, true, `${m} ${path} declares {${name}}`);
          }
        }
      }
      const create = doc.paths['/api/admin/stories'].post;
      const schema = create.requestBody.content['application/json'].schema;
      assert.deepEqual([...schema.required].sort(), ['authors', 'body', 'desk', 'headline']);
      assert.ok(schema.properties.tags && schema.properties.dateline && schema.properties.summary);
      assert.ok(create.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key'));
      assert.ok(create.responses['201']);
      const list = doc.paths['/api/admin/stories'].get.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort();
      assert.deepEqual(list, ['query:desk', 'query:limit', 'query:offset', 'query:q', 'query:status']);
      assert.ok(JSON.stringify(doc).length < 500_000);

      const page = await t.app.inject({ url: '/api/docs' });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.equal(page.headers['content-security-policy'], DOCS_CONTENT_SECURITY_POLICY);
      assert.match(page.body, /<div id="swagger-ui">/);
      // Everything the page runs comes from our own origin as files (the CSP allows no inline script).
      assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/);
      for (const src of page.body.match(/(?<=src=")[^"]+/g) ?? []) {
        const asset = await t.app.inject({ url: src });
        assert.equal(asset.statusCode, 200, src);
        assert.match(String(asset.headers['content-type']), /javascript/, src);
      }
      const init = await t.app.inject({ url: '/api/docs/static/swagger-initializer.js' });
      assert.match(init.body, /\.\/json/);
      assert.equal((await t.app.inject({ url: '/api/docs/json' })).statusCode, 200);
    } finally {
      await t.close();
    }
  } finally {
    await tdb.drop();
  }
});
