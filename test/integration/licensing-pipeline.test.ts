/**
 * The licensing desk's pipeline: the newsroom pages at /newsroom/licensing and the Admin API's
 * /api/admin/license-inquiries. Inquiries are inserted directly (with their `received` event),
 * as the public form would file them.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { InquiryStatus } from '../../src/db/schema.js';
import { newId } from '../../src/util/ids.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { buildTestApp, type TestApp, type TestUser } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

let seq = 0;

/** Files an inquiry the way the public form will: the row plus its `received` event. */
async function insertInquiry(t: TestApp, over: Partial<{ organisation: string; email: string; name: string; status: InquiryStatus }> = {}): Promise<string> {
  const id = newId();
  const at = new Date(Date.UTC(2026, 11, 1, 10, 0, seq++)).toISOString();
  const db = t.services.database.db;
  await db
    .insertInto('license_inquiries')
    .values({
      id,
      status: over.status ?? 'new',
      name: over.name ?? 'Clark Kent',
      organisation: over.organisation ?? 'Daily Planet Media',
      email: over.email ?? 'clark@planet.example',
      website: 'https://planet.example',
      intended_use: 'Investigations in our weekend print edition.',
      medium: 'print',
      territory: 'Metropolis',
      expected_volume: '4 stories a month',
      message: 'We would like to talk about a yearly license.',
      owner_id: null,
      partner_id: null,
      revision: 0,
      created_at: at,
      updated_at: at,
      status_changed_at: at,
    })
    .execute();
  await db.insertInto('license_inquiry_events').values({ id: newId(), inquiry_id: id, kind: 'received', actor_id: null, actor_label: 'inquirer', from_value: null, to_value: null, note: null, mail_id: null, created_at: at }).execute();
  return id;
}

function api(app: FastifyInstance, user: TestUser | null, method: 'GET' | 'PATCH', url: string, body?: unknown) {
  return app.inject({
    method,
    url,
    headers: { ...(user ? { authorization: `Bearer ${user.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}

function form(app: FastifyInstance, user: TestUser, url: string, fields: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url,
    headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: user.csrf, ...fields }).toString(),
  });
}

function page(app: FastifyInstance, user: TestUser, url: string) {
  return app.inject({ method: 'GET', url, headers: { cookie: user.cookie } });
}

forEachDialect('list, filter, search, read with history through the API and the pages', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const a = await insertInquiry(t, { organisation: 'Gotham Gazette', email: 'vicki@gazette.example' });
    const b = await insertInquiry(t, { organisation: 'Daily Planet Media' });
    await insertInquiry(t, { organisation: 'Declined Weekly', status: 'declined' });
    const list = await api(t.app, t.editor, 'GET', '/api/admin/license-inquiries');
    assert.equal(list.statusCode, 200, list.body);
    const items = list.json().items as Array<Record<string, unknown>>;
    assert.equal(items.length, 3);
    assert.equal(items[0]!.organisation, 'Declined Weekly', 'newest first');
    for (const k of ['id', 'status', 'name', 'organisation', 'email', 'website', 'medium', 'territory', 'expectedVolume', 'intendedUse', 'message', 'owner', 'revision', 'createdAt', 'updatedAt']) assert.ok(k in items[0]!, k);
    const newOnes = await api(t.app, t.editor, 'GET', '/api/admin/license-inquiries?status=new');
    assert.deepEqual((newOnes.json().items as Array<{ id: string }>).map((i) => i.id).sort(), [a, b].sort());
    assert.equal((await api(t.app, t.editor, 'GET', '/api/admin/license-inquiries?status=bogus')).statusCode, 400);
    const one = await api(t.app, t.admin, 'GET', `/api/admin/license-inquiries/${a}`);
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().history[0].kind, 'received');
    assert.equal((await api(t.app, t.admin, 'GET', '/api/admin/license-inquiries/nope')).statusCode, 404);
    assert.equal((await api(t.app, t.admin, 'PATCH', '/api/admin/license-inquiries/nope', { note: 'x' })).statusCode, 404);
    const doc = (await t.app.inject({ url: '/api/docs/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    assert.ok(doc.paths['/api/admin/license-inquiries']?.get, 'listed in the OpenAPI document');
    assert.ok(doc.paths['/api/admin/license-inquiries/{id}']?.patch);
    // LIKE wildcards in the search box are plain characters.
    assert.doesNotMatch((await page(t.app, t.editor, '/newsroom/licensing?q=%25')).body, /Gotham Gazette/);

    const html = await page(t.app, t.editor, '/newsroom/licensing?q=GAZETTE');
    assert.equal(html.statusCode, 200);
    assert.match(html.body, /Gotham Gazette/);
    assert.doesNotMatch(html.body, /Daily Planet Media/);
    assert.match(html.body, /New <span class="count">\(1\)<\/span>/);
    const tab = await page(t.app, t.editor, '/newsroom/licensing?status=declined');
    assert.match(tab.body, /Declined Weekly/);
    assert.doesNotMatch(tab.body, /Gotham Gazette/);
    assert.equal((await api(t.app, t.editor, 'PATCH', `/api/admin/license-inquiries/${b}`, { owner: t.admin.id })).statusCode, 200);
    const mine = await page(t.app, t.editor, `/newsroom/licensing?owner=${t.admin.id}`);
    assert.match(mine.body, /Daily Planet Media/);
    assert.doesNotMatch(mine.body, /Gotham Gazette/);
    const unowned = await page(t.app, t.editor, '/newsroom/licensing?owner=none');
    assert.match(unowned.body, /Gotham Gazette/);
    assert.doesNotMatch(unowned.body, /Daily Planet Media/);
    const nav = await page(t.app, t.editor, '/newsroom/licensing');
    assert.match(nav.body, /href="\/newsroom\/licensing"[^>]*>Licensing</);
    const detail = await page(t.app, t.editor, `/newsroom/licensing/${a}`);
    assert.equal(detail.statusCode, 200);
    assert.match(detail.body, /Inquiry received/);
    assert.match(detail.body, /Hello Clark Kent,/, 'the email form starts with a greeting');
    assert.equal((await page(t.app, t.editor, '/newsroom/licensing/nope')).statusCode, 404);
  } finally {
    await t.close();
  }
});

forEachDialect('transitions allowed and refused; owner must be staff; notes in the history', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await insertInquiry(t);
    const url = `/api/admin/license-inquiries/${id}`;
    let r = await api(t.app, t.editor, 'PATCH', url, { status: 'contacted', owner: t.editor.id, note: 'Called them.' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'contacted');
    assert.equal(r.json().owner, t.editor.id);
    assert.equal(r.json().revision, 1);
    const kinds = (r.json().history as Array<{ kind: string; actorLabel: string }>).map((e) => e.kind);
    assert.deepEqual(kinds, ['received', 'status', 'owner', 'note']);
    r = await api(t.app, t.editor, 'PATCH', url, { status: 'licensed' });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().error.details.status[0], /license is created/);
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { status: 'won' })).statusCode, 400);
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { owner: t.reporter.id })).statusCode, 400, 'reporters do not work the pipeline');
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { owner: 'nobody-here' })).statusCode, 400);
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { status: 'declined' })).json().status, 'declined');
    const back = await api(t.app, t.editor, 'PATCH', url, { status: 'contacted' });
    assert.equal(back.statusCode, 409, 'declined reopens to negotiating only');
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { status: 'negotiating' })).json().status, 'negotiating');
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { status: 'new', owner: null })).json().owner, null, 'back to an earlier stage, unassigned');
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { extra: 1 })).statusCode, 400);
    assert.equal((await api(t.app, t.editor, 'PATCH', url, '{"note": ')).statusCode, 400);
    // Once licensed (by a license, not by hand) the desk can still add notes from the page.
    const licensed = await insertInquiry(t, { status: 'licensed' });
    assert.equal((await form(t.app, t.editor, `/newsroom/licensing/${licensed}`, { revision: '0', status: 'licensed', owner: '', note: 'Invoice sent.' })).statusCode, 303);
    assert.equal((await api(t.app, t.editor, 'PATCH', `/api/admin/license-inquiries/${licensed}`, { status: 'declined' })).statusCode, 409);
    const audit = await t.services.database.db.selectFrom('audit_log').select('action').where('target_id', '=', id).execute();
    assert.ok(audit.some((a) => a.action === 'license_inquiry.update'));
  } finally {
    await t.close();
  }
});

forEachDialect('two editors from the same revision: one wins, the other gets 409 (API and form)', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await insertInquiry(t);
    const url = `/api/admin/license-inquiries/${id}`;
    const [x, y] = await Promise.all([
      api(t.app, t.editor, 'PATCH', url, { status: 'contacted', revision: 0 }),
      api(t.app, t.admin, 'PATCH', url, { status: 'declined', revision: 0 }),
    ]);
    assert.deepEqual([x.statusCode, y.statusCode].sort(), [200, 409]);
    const loser = x.statusCode === 409 ? x : y;
    assert.match(loser.json().error.message, /someone else changed this inquiry; reload/i);
    const after = await api(t.app, t.editor, 'GET', url);
    assert.equal(after.json().revision, 1);
    assert.equal((after.json().history as unknown[]).length, 2, 'only the winner wrote history');
    // Without a revision the last write wins.
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { note: 'No revision given.' })).statusCode, 200);

    // The same through the form: both loaded the page at the current revision.
    const rev = String((await api(t.app, t.editor, 'GET', url)).json().revision);
    const first = await form(t.app, t.editor, `/newsroom/licensing/${id}`, { revision: rev, status: 'negotiating', owner: '', note: 'Mine' });
    assert.equal(first.statusCode, 303);
    const second = await form(t.app, t.admin, `/newsroom/licensing/${id}`, { revision: rev, status: 'declined', owner: '', note: 'Theirs, not lost' });
    assert.equal(second.statusCode, 409);
    assert.match(second.body, /Someone else changed this inquiry/);
    assert.match(second.body, /Theirs, not lost/, 'the note the loser typed is kept');
    assert.match(second.body, /status Negotiating/, 'and the current state is shown');
  } finally {
    await t.close();
  }
});

forEachDialect('an email from the page lands in the outbox, in the history, and moves new to contacted', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await insertInquiry(t);
    const bad = await form(t.app, t.editor, `/newsroom/licensing/${id}/email`, { revision: '0', subject: '', body: 'Hi' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Subject is required/);
    const res = await form(t.app, t.editor, `/newsroom/licensing/${id}/email`, { revision: '0', subject: 'Your licensing inquiry', body: 'Hello Clark,\n\nLet us talk.' });
    assert.equal(res.statusCode, 303, res.body);
    const detail = (await api(t.app, t.editor, 'GET', `/api/admin/license-inquiries/${id}`)).json();
    assert.equal(detail.status, 'contacted');
    const email = (detail.history as Array<{ kind: string; mail: { id: string; subject: string; status: string } | null }>).find((e) => e.kind === 'email');
    assert.ok(email?.mail);
    assert.equal(email.mail.subject, 'Your licensing inquiry');
    assert.equal(email.mail.status, 'held', 'no SMTP: the outbox keeps it');
    const mail = await t.services.mailer.get(email.mail.id);
    assert.equal(mail.to, 'clark@planet.example');
    const html = await page(t.app, t.editor, `/newsroom/licensing/${id}`);
    assert.match(html.body, /Your licensing inquiry/);
    // A second email leaves the status alone.
    await form(t.app, t.editor, `/newsroom/licensing/${id}/email`, { revision: String(detail.revision), subject: 'Again', body: 'Follow-up' });
    assert.equal((await api(t.app, t.editor, 'GET', `/api/admin/license-inquiries/${id}`)).json().status, 'contacted');
    // Written on a page loaded before those changes: refused, and the draft is kept.
    const stale = await form(t.app, t.editor, `/newsroom/licensing/${id}/email`, { revision: '0', subject: 'Stale draft', body: 'Typed long ago' });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /Someone else changed this inquiry/);
    assert.match(stale.body, /Typed long ago/);
    const staleApi = await api(t.app, t.editor, 'PATCH', `/api/admin/license-inquiries/${id}`, { note: 'late', revision: 0 });
    assert.equal(staleApi.statusCode, 409);
    assert.match(staleApi.json().error.message, /reload/);
  } finally {
    await t.close();
  }
});

forEachDialect('permissions: reporters 403, anonymous to login or 401, forms need CSRF', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await insertInquiry(t);
    assert.equal((await page(t.app, t.reporter, '/newsroom/licensing')).statusCode, 403);
    assert.equal((await page(t.app, t.reporter, `/newsroom/licensing/${id}`)).statusCode, 403);
    assert.equal((await form(t.app, t.reporter, `/newsroom/licensing/${id}`, { revision: '0', note: 'x' })).statusCode, 403);
    assert.equal((await api(t.app, t.reporter, 'GET', '/api/admin/license-inquiries')).statusCode, 403);
    assert.equal((await api(t.app, t.reporter, 'PATCH', `/api/admin/license-inquiries/${id}`, { note: 'x' })).statusCode, 403);
    assert.equal((await api(t.app, null, 'GET', '/api/admin/license-inquiries')).statusCode, 401);
    const anon = await t.app.inject({ method: 'GET', url: '/newsroom/licensing' });
    assert.equal(anon.statusCode, 303);
    assert.match(String(anon.headers.location), /\/newsroom\/login/);
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: `/newsroom/licensing/${id}`,
      headers: { cookie: t.editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'revision=0&note=x',
    });
    assert.equal(noCsrf.statusCode, 403);
    const nav = await page(t.app, t.reporter, '/newsroom/stories');
    assert.doesNotMatch(nav.body, /href="\/newsroom\/licensing"/);
    void SYSTEM_ACTOR;
  } finally {
    await t.close();
  }
});

forEachDialect('property: PATCH payloads and page forms never answer 5xx', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await insertInquiry(t);
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('new', 'contacted', 'negotiating', 'licensed', 'declined', '', '\u0000', t.editor.id, t.reporter.id),
      fc.integer({ min: -5, max: 5 }),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    );
    const payload = fc.dictionary(fc.constantFrom('status', 'owner', 'note', 'revision', 'other'), value, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(payload, async (body) => {
        const r = await api(t.app, t.editor, 'PATCH', `/api/admin/license-inquiries/${id}`, body);
        assert.ok(r.statusCode < 500, `${r.statusCode} for ${JSON.stringify(body)}: ${r.body}`);
      }),
      { numRuns: 60 },
    );
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('new', 'declined', 'licensed', '0', '1', '-1', '99999999999', '\u0000', t.editor.id));
    const fields = fc.dictionary(fc.constantFrom('status', 'owner', 'note', 'revision', 'subject', 'body'), text, { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(fields, fc.constantFrom('', '/email'), async (f, tail) => {
        const r = await form(t.app, t.editor, `/newsroom/licensing/${id}${tail}`, f);
        assert.ok(r.statusCode < 500, `${r.statusCode} for ${JSON.stringify(f)}`);
      }),
      { numRuns: 60 },
    );
    const q = fc.string({ maxLength: 300 });
    await fc.assert(
      fc.asyncProperty(q, q, async (s, o) => {
        const r = await page(t.app, t.editor, `/newsroom/licensing?q=${encodeURIComponent(s)}&owner=${encodeURIComponent(o)}&page=${encodeURIComponent(s.slice(0, 3))}`);
        assert.ok(r.statusCode < 500, `${r.statusCode}`);
      }),
      { numRuns: 40 },
    );
  } finally {
    await t.close();
  }
});
