/**
 * Licenses through the Admin API: POST /api/admin/license-inquiries/{id}/license, then
 * GET/PATCH /api/admin/licenses. Inquiries are filed the way the public form files them
 * (submitInquiry), so their emails and history are real.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { submitInquiry } from '../../src/licensing/inquiries.service.js';
import { LicensesService } from '../../src/licensing/licenses.service.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { buildTestApp, seedBasics, type TestApp, type TestUser } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';
import { approvedPartner } from '../helpers/surface.js';

const DAY = 86_400_000;

function api(app: FastifyInstance, user: TestUser | null, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method,
    url,
    headers: { ...(user ? { authorization: `Bearer ${user.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}

let n = 0;
async function inquiry(t: TestApp, over: { email?: string; organisation?: string } = {}): Promise<string> {
  n += 1;
  const r = await submitInquiry(t.services, {
    name: 'Clark Kent',
    organisation: over.organisation ?? `Daily Planet Media ${n}`,
    email: over.email ?? `clark${n}@planet.example`,
    website: 'https://www.planet.example',
    intendedUse: 'Investigations in our weekend print edition.',
    medium: 'print',
    territory: 'Metropolis',
    expectedVolume: '4 stories a month',
    message: '',
  });
  return r.id;
}

const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function validBody(extra: Record<string, unknown> = {}) {
  return { images: true, startsAt: ymd(Date.now() - DAY), endsAt: ymd(Date.now() + 365 * DAY), terms: 'Up to 10 stories a month, credit line required.', fee: 'USD 1,200 a year', ...extra };
}

async function acceptInvitation(t: TestApp, url: string, name = 'Clark Kent'): Promise<string> {
  const csrf = randomBytes(24).toString('base64url');
  const password = 'licensee-password-123';
  const r = await t.app.inject({
    method: 'POST',
    url: new URL(url).pathname,
    headers: { cookie: `fw_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrf, name, password, passwordConfirm: password }).toString(),
  });
  assert.equal(r.statusCode, 303, r.body);
  return `fw_partner=${r.cookies.find((c) => c.name === 'fw_partner')!.value}`;
}

forEachDialect('inquiry → license: a new licensee partner, the inquiry licensed with history, invitation and email', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { desk } = await seedBasics(t.services);
    const profile = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    const id = await inquiry(t, { organisation: 'Metropolis Weekly', email: 'Clark@Planet.example' });
    const r = await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${id}/license`, validBody({ scope: { profiles: [profile.id], desks: [desk] }, onEnd: 'cancel', revision: 0 }));
    assert.equal(r.statusCode, 201, r.body);
    const created = r.json() as { partnerId: string; licenseId: string; reference: string; invitationUrl: string };
    assert.match(created.reference, new RegExp(`^LIC-${new Date().getUTCFullYear()}-001$`));
    assert.match(created.invitationUrl, /^http:\/\/news\.test\/partners\/invite\/[A-Za-z0-9_-]{20,}$/);

    const partner = await t.services.partners.get(created.partnerId);
    assert.equal(partner.kind, 'licensee');
    assert.equal(partner.status, 'approved');
    assert.equal(partner.outlet, 'Metropolis Weekly');
    assert.equal(partner.email, 'clark@planet.example');
    assert.equal(partner.contactName, 'Clark Kent');
    assert.equal(partner.decisionReason, `Licensed: ${created.reference}`);

    const inq = (await api(t.app, t.editor, 'GET', `/api/admin/license-inquiries/${id}`)).json() as { status: string; revision: number; history: Array<{ kind: string; to: string | null }> };
    assert.equal(inq.status, 'licensed');
    assert.equal(inq.revision, 1);
    assert.deepEqual(inq.history.slice(-2).map((e) => [e.kind, e.to]), [['status', 'licensed'], ['license', created.reference]]);
    const row = await t.services.database.db.selectFrom('license_inquiries').select('partner_id').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.partner_id, created.partnerId);

    const one = await api(t.app, t.editor, 'GET', `/api/admin/licenses/${created.licenseId}`);
    assert.equal(one.statusCode, 200, one.body);
    const l = one.json();
    assert.deepEqual(l.scope, { profiles: [profile.id], desks: [desk] });
    assert.equal(l.covers, 'Stories of the “Environment” desk under “Licensees only”');
    assert.equal(l.state, 'active');
    assert.equal(l.onEnd, 'cancel');
    assert.equal(l.outlet, 'Metropolis Weekly');
    assert.equal(l.inquiryId, id);
    assert.equal(l.endsAt, `${ymd(Date.now() + 366 * DAY)}T00:00:00.000Z`, 'a date alone ends at the start of the next day');
    assert.deepEqual(l.renewalReminders, { days30SentAt: null, days7SentAt: null });

    const mail = await t.services.database.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'clark@planet.example').where('subject', 'like', '%license%').execute();
    assert.equal(mail.length, 1);
    assert.match(mail[0]!.subject, new RegExp(created.reference));
    assert.match(mail[0]!.text_body, /Stories of the “Environment” desk under “Licensees only”, with their images\./);
    assert.match(mail[0]!.text_body, /USD 1,200 a year/);
    assert.match(mail[0]!.text_body, /taken down/);
    assert.match(mail[0]!.text_body, /http:\/\/news\.test\/partners\b/);
    assert.doesNotMatch(mail[0]!.text_body, /partners\/invite\//, 'the link is not kept where editors read');

    const audit = await t.services.database.db.selectFrom('audit_log').select('action').where('target_id', '=', created.licenseId).execute();
    assert.deepEqual(audit.map((a) => a.action), ['license.create']);

    // The invitation works: the inquirer sets a password and lands in the portal.
    const cookie = await acceptInvitation(t, created.invitationUrl);
    const home = await t.app.inject({ url: '/partners', headers: { cookie } });
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Metropolis Weekly/);

    // A second license for the same (licensed) inquiry: same partner, the next number, no invitation.
    const again = await api(t.app, t.admin, 'POST', `/api/admin/license-inquiries/${id}/license`, validBody({ scope: {} }));
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.json().partnerId, created.partnerId);
    assert.equal(again.json().invitationUrl, null, 'the inquirer already signs in');
    assert.match(again.json().reference, /-002$/);
    const empty = (await api(t.app, t.admin, 'GET', `/api/admin/licenses/${again.json().licenseId}`)).json();
    assert.deepEqual(empty.scope, { profiles: null, desks: null });
    assert.equal(empty.covers, 'Every story offered to licensees');

    const doc = (await t.app.inject({ url: '/api/docs/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    assert.ok(doc.paths['/api/admin/license-inquiries/{id}/license']?.post);
    assert.ok(doc.paths['/api/admin/licenses']?.get);
    assert.ok(doc.paths['/api/admin/licenses/{id}']?.patch);
    assert.equal((await api(t.app, t.reporter, 'GET', '/api/admin/licenses')).statusCode, 403);
    assert.equal((await api(t.app, null, 'GET', '/api/admin/licenses')).statusCode, 401);
  } finally {
    await t.close();
  }
});

forEachDialect('an existing partner by email gets the license and keeps its kind; partnerId attaches elsewhere', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const free = await approvedPartner(t, 'Valley Herald', 'editor@valleyherald.example');
    const id = await inquiry(t, { email: 'EDITOR@valleyherald.example' });
    const r = await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${id}/license`, validBody());
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().partnerId, free.partnerId);
    assert.ok(r.json().invitationUrl, 'nobody signs in for the partner yet: the inquirer is invited');
    const p = await t.services.partners.get(free.partnerId);
    assert.equal(p.kind, 'free', 'a free-program partner keeps its kind and gets both');
    assert.equal((await t.services.licenses.forPartner(free.partnerId)).length, 1);
    const count = await t.services.database.db.selectFrom('partners').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1, 'no new partner');

    // An inquiry from elsewhere attached to that partner by id; the inquirer (another address) is invited.
    const other = await inquiry(t, { email: 'someone@else.example' });
    const byId = await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${other}/license`, validBody({ partnerId: free.partnerId }));
    assert.equal(byId.statusCode, 201, byId.body);
    assert.equal(byId.json().partnerId, free.partnerId);
    const inv = await t.services.database.db.selectFrom('partner_invitations').select('email').where('partner_id', '=', free.partnerId).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    assert.equal(inv.email, 'someone@else.example');

    // A suspended partner with the inquirer's address is not licensed silently.
    await t.services.partners.suspend(SYSTEM_ACTOR, free.partnerId, 'Unpaid invoices');
    const third = await inquiry(t, { email: 'editor@valleyherald.example' });
    const refused = await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${third}/license`, validBody());
    assert.equal(refused.statusCode, 400);
    assert.match(refused.json().error.details.partnerId[0], /suspended/);
    const pending = await t.services.partners.apply({ outlet: 'Pending Post', website: 'https://pending.example', contactName: 'P', email: 'p@pending.example', audience: 1, evidence: 'x', intendedUse: 'y', acceptTerms: true });
    const pend = await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${third}/license`, validBody({ partnerId: pending.id }));
    assert.equal(pend.statusCode, 400);
    assert.match(pend.json().error.details.partnerId[0], /pending/);
  } finally {
    await t.close();
  }
});

forEachDialect('bad input: 4xx with field details, never 500', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { desk } = await seedBasics(t.services);
    const hidden = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Internal', audience: 'nobody' });
    const id = await inquiry(t);
    const url = `/api/admin/license-inquiries/${id}/license`;
    const now = Date.now();
    const cases: Array<[string, unknown, number, string, RegExp]> = [
      ['end before start', validBody({ startsAt: ymd(now + 10 * DAY), endsAt: ymd(now + 5 * DAY) }), 400, 'endsAt', /must be after startsAt/],
      ['end equals start (date-times)', validBody({ startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }), 400, 'endsAt', /must be after startsAt/],
      ['past end', validBody({ startsAt: '2020-01-01', endsAt: '2020-12-31' }), 400, 'endsAt', /in the past/],
      ['not a date', validBody({ startsAt: 'next tuesday' }), 400, 'startsAt', /YYYY-MM-DD/],
      ['no calendar day', validBody({ endsAt: '2031-02-30' }), 400, 'endsAt', /not a date on the calendar/],
      ['time without zone', validBody({ startsAt: '2030-01-01T10:00' }), 400, 'startsAt', /time zone/],
      ['unknown profile', validBody({ scope: { profiles: ['nope'] } }), 400, 'profiles', /no license profile has the id “nope”/],
      ['profile offered to nobody', validBody({ scope: { profiles: [hidden.id] } }), 400, 'profiles', /offered to nobody/],
      ['unknown desk', validBody({ scope: { desks: ['sports', desk] } }), 400, 'desks', /no desk has the slug “sports”/],
      ['empty profiles', validBody({ scope: { profiles: [] } }), 400, 'profiles', /at least one license profile or be left out/],
      ['empty desks', validBody({ scope: { desks: [] } }), 400, 'desks', /at least one desk or be left out/],
      ['no terms', validBody({ terms: '   ' }), 400, 'terms', /required/],
      ['long terms', validBody({ terms: 'x'.repeat(20_001) }), 400, 'terms', /20000/],
      ['long fee', validBody({ fee: 'x'.repeat(201) }), 400, 'fee', /200/],
      ['images as text', validBody({ images: 'yes' }), 400, 'images', /true or false/],
      ['dates as numbers', validBody({ startsAt: 20270101 }), 400, 'startsAt', /./],
      ['on end', validBody({ onEnd: 'burn' }), 400, 'onEnd', /./],
      ['unknown field', validBody({ price: 3 }), 400, '', /./],
      ['unknown scope field', validBody({ scope: { topics: ['x'] } }), 400, '', /./],
      ['unknown partner', validBody({ partnerId: 'nobody-here' }), 400, 'partnerId', /no partner has the id/],
      ['stale revision', validBody({ revision: 7 }), 409, 'revision', /revision 0/],
      ['NUL in terms', validBody({ terms: '\u0000' }), 400, '', /./],
    ];
    for (const [what, body, status, field, message] of cases) {
      const r = await api(t.app, t.editor, 'POST', url, body);
      assert.equal(r.statusCode, status, `${what}: ${r.body}`);
      const err = r.json().error as { details?: Record<string, string[]> };
      if (field) assert.match((err.details?.[field] ?? []).join('; '), message, `${what}: ${r.body}`);
    }
    assert.equal((await api(t.app, t.editor, 'POST', '/api/admin/license-inquiries/nope/license', validBody())).statusCode, 404);
    assert.equal((await api(t.app, t.editor, 'POST', url, '{"images":')).statusCode, 400);
    assert.equal((await api(t.app, t.editor, 'PATCH', `/api/admin/license-inquiries/${id}`, { status: 'declined' })).statusCode, 200);
    const declined = await api(t.app, t.editor, 'POST', url, validBody());
    assert.equal(declined.statusCode, 409);
    assert.equal(declined.json().error.code, 'INVALID_TRANSITION');
    assert.match(declined.json().error.message, /reopen/);
    assert.equal(await t.services.database.db.selectFrom('licenses').select('id').executeTakeFirst(), undefined, 'nothing was created');
    assert.equal((await api(t.app, t.editor, 'GET', '/api/admin/licenses?status=bogus')).statusCode, 400);
    assert.equal((await api(t.app, t.editor, 'GET', '/api/admin/licenses/nope')).statusCode, 404);
    assert.equal((await api(t.app, t.editor, 'PATCH', '/api/admin/licenses/nope', { terms: 'x' })).statusCode, 404);
  } finally {
    await t.close();
  }
});

forEachDialect('PATCH: conflicts, extend (reminders due again), end now, and list by status with a moved clock', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await inquiry(t);
    const created = (await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${id}/license`, validBody({ endsAt: ymd(Date.now() + 20 * DAY) }))).json() as { licenseId: string; partnerId: string };
    const url = `/api/admin/licenses/${created.licenseId}`;
    // Both reminders went out for the old end.
    const sent = new Date().toISOString();
    await t.services.database.db.updateTable('licenses').set({ renewal_30_sent_at: sent, renewal_7_sent_at: sent }).where('id', '=', created.licenseId).execute();
    assert.equal((await api(t.app, t.editor, 'GET', url)).json().state, 'ending');

    const [a, b] = await Promise.all([
      api(t.app, t.editor, 'PATCH', url, { terms: 'Editor A terms', revision: 0 }),
      api(t.app, t.admin, 'PATCH', url, { fee: 'EUR 900', revision: 0 }),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409], `${a.body} ${b.body}`);
    const loser = a.statusCode === 409 ? a : b;
    assert.match(loser.json().error.message, /Someone else changed this license/);
    assert.match(loser.json().error.details.revision[0], /now at revision 1/);

    const extended = await api(t.app, t.editor, 'PATCH', url, { endsAt: ymd(Date.now() + 400 * DAY), revision: 1 });
    assert.equal(extended.statusCode, 200, extended.body);
    assert.equal(extended.json().state, 'active');
    assert.equal(extended.json().revision, 2);
    assert.deepEqual(extended.json().renewalReminders, { days30SentAt: null, days7SentAt: null });
    const shortened = await api(t.app, t.editor, 'PATCH', url, { endsAt: ymd(Date.now() + 10 * DAY) });
    assert.equal(shortened.statusCode, 200);
    assert.equal(shortened.json().state, 'ending');

    const bad = await api(t.app, t.editor, 'PATCH', url, { endsAt: ymd(Date.now() - 3 * DAY) });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.details.endsAt[0], /endNow/);
    const beforeStart = await api(t.app, t.editor, 'PATCH', url, { startsAt: ymd(Date.now() + 30 * DAY) });
    assert.equal(beforeStart.statusCode, 400);
    assert.match(beforeStart.json().error.details.endsAt[0], /after startsAt/);
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { endNow: false })).statusCode, 400);
    assert.equal((await api(t.app, t.editor, 'PATCH', url, { endNow: true, endsAt: ymd(Date.now() + 9 * DAY) })).statusCode, 400);
    const unchanged = await api(t.app, t.editor, 'PATCH', url, {});
    assert.equal(unchanged.json().revision, 3, 'nothing to change: no new revision');

    const ended = await api(t.app, t.editor, 'PATCH', url, { endNow: true });
    assert.equal(ended.statusCode, 200, ended.body);
    assert.equal(ended.json().state, 'ended');
    assert.ok(Date.parse(ended.json().endsAt) <= Date.now());
    const twice = await api(t.app, t.editor, 'PATCH', url, { endNow: true });
    assert.equal(twice.statusCode, 409);
    assert.match(twice.json().error.message, /already ended/);
    const audit = await t.services.database.db.selectFrom('audit_log').select('action').where('target_id', '=', created.licenseId).orderBy('created_at').execute();
    assert.deepEqual(audit.map((x) => x.action), ['license.create', 'license.update', 'license.update', 'license.update', 'license.end']);

    // Listing with a moved clock: a license from 10 to 50 days ahead.
    const later = await inquiry(t);
    const made = await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${later}/license`, validBody({ startsAt: ymd(Date.now() + 10 * DAY), endsAt: ymd(Date.now() + 50 * DAY) }));
    const future = made.json().licenseId as string;
    const service = new LicensesService(t.services);
    const ids = async (status: 'active' | 'ending' | 'ended' | undefined, days: number) =>
      (await service.list(editorActor(t), status ? { status } : {}, new Date(Date.now() + days * DAY))).map((l) => l.id).filter((x) => x === future);
    assert.deepEqual(await ids('active', 0), [], 'scheduled is not active');
    assert.deepEqual(await ids(undefined, 0), [future]);
    assert.deepEqual(await ids('active', 15), [future]);
    assert.deepEqual(await ids('ending', 15), []);
    assert.deepEqual(await ids('ending', 30), [future]);
    assert.deepEqual(await ids('ended', 30), []);
    assert.deepEqual(await ids('ended', 52), [future]);
    const listed = await api(t.app, t.editor, 'GET', '/api/admin/licenses?status=ended');
    assert.deepEqual((listed.json().items as Array<{ id: string }>).map((l) => l.id), [created.licenseId]);
    const byPartner = await api(t.app, t.editor, 'GET', `/api/admin/licenses?partner=${created.partnerId}`);
    assert.deepEqual((byPartner.json().items as Array<{ id: string }>).map((l) => l.id), [created.licenseId]);
  } finally {
    await t.close();
  }
});

/** The editor as an actor, for calls straight to the service. */
function editorActor(t: TestApp) {
  return { id: t.editor.id, role: 'editor' as const, label: t.editor.email };
}

forEachDialect('property: license payloads never 500, and valid ones round-trip', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { desk } = await seedBasics(t.services);
    const profile = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    const id = await inquiry(t);
    const url = `/api/admin/license-inquiries/${id}/license`;
    const date = fc.oneof(
      fc.string({ maxLength: 45 }),
      fc.date({ min: new Date('1960-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.date({ min: new Date('1960-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      fc.constantFrom('2031-02-29', '2032-02-29', '9999-12-31', '0000-01-01', '2030-01-01T24:00Z', '2030-01-01T10:00+14:00', '\u0000'),
    );
    const anything = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }));
    const scope = fc.oneof(
      anything,
      fc.record({ profiles: fc.oneof(anything, fc.constant([profile.id]), fc.constant([])), desks: fc.oneof(anything, fc.constant([desk]), fc.constant([desk, 'x'])) }, { requiredKeys: [] }),
    );
    const body = fc.record(
      { scope, images: fc.oneof(fc.boolean(), anything), startsAt: date, endsAt: date, terms: fc.oneof(fc.string({ maxLength: 50 }), anything), fee: anything, onEnd: fc.oneof(fc.constantFrom('keep', 'cancel'), anything), partnerId: anything, revision: anything },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const r = await api(t.app, t.editor, 'POST', url, b);
        assert.ok(r.statusCode < 500, `${r.statusCode} for ${JSON.stringify(b)}: ${r.body}`);
        if (r.statusCode === 400) assert.ok(r.json().error.details, `field details for ${JSON.stringify(b)}`);
      }),
      { numRuns: 150 },
    );

    // Valid payloads: what goes in comes back.
    const valid = fc.record({
      profiles: fc.option(fc.constant([profile.id]), { nil: undefined }),
      desks: fc.option(fc.constant([desk]), { nil: undefined }),
      images: fc.boolean(),
      startDays: fc.integer({ min: -400, max: 400 }),
      length: fc.integer({ min: 1, max: 2000 }),
      terms: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== '' && !s.includes('\u0000')),
      fee: fc.option(fc.string({ minLength: 1, maxLength: 50 }).filter((s) => s.trim() !== '' && !/[\r\n\u0000]/.test(s)), { nil: undefined }),
      onEnd: fc.constantFrom('keep', 'cancel'),
    }).filter((v) => v.startDays + v.length > 1);
    await fc.assert(
      fc.asyncProperty(valid, async (v) => {
        const startsAt = ymd(Date.now() + v.startDays * DAY);
        const endsAt = ymd(Date.now() + (v.startDays + v.length) * DAY);
        const scopeIn = { ...(v.profiles ? { profiles: v.profiles } : {}), ...(v.desks ? { desks: v.desks } : {}) };
        const r = await api(t.app, t.editor, 'POST', url, { scope: scopeIn, images: v.images, startsAt, endsAt, terms: v.terms, fee: v.fee, onEnd: v.onEnd });
        assert.equal(r.statusCode, 201, r.body);
        const l = (await api(t.app, t.editor, 'GET', `/api/admin/licenses/${r.json().licenseId}`)).json();
        assert.deepEqual(l.scope, { profiles: v.profiles ?? null, desks: v.desks ?? null });
        assert.equal(l.images, v.images);
        assert.equal(l.startsAt, `${startsAt}T00:00:00.000Z`);
        assert.equal(l.endsAt, `${ymd(Date.parse(endsAt) + DAY)}T00:00:00.000Z`);
        assert.equal(l.terms, v.terms.trim());
        assert.equal(l.fee, v.fee === undefined ? null : v.fee.trim());
        assert.equal(l.onEnd, v.onEnd);
      }),
      { numRuns: 25 },
    );
    const refs = await t.services.database.db.selectFrom('licenses').select('reference').execute();
    assert.equal(new Set(refs.map((r) => r.reference)).size, refs.length, 'references are unique');

    const lic = (await api(t.app, t.editor, 'GET', '/api/admin/licenses')).json().items[0].id as string;
    const patch = fc.record(
      { startsAt: date, endsAt: date, terms: anything, fee: anything, onEnd: anything, images: anything, scope, endNow: fc.oneof(fc.constant(true), anything), revision: anything },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(patch, async (b) => {
        const r = await api(t.app, t.editor, 'PATCH', `/api/admin/licenses/${lic}`, b);
        assert.ok(r.statusCode < 500, `${r.statusCode} for ${JSON.stringify(b)}: ${r.body}`);
      }),
      { numRuns: 120 },
    );
  } finally {
    await t.close();
  }
});

forEachDialect('two licenses created at once get distinct references; Idempotency-Key replays without the link', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const ids = await Promise.all([inquiry(t), inquiry(t), inquiry(t)]);
    const rs = await Promise.all(ids.map((id) => api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${id}/license`, validBody())));
    for (const r of rs) assert.equal(r.statusCode, 201, r.body);
    const refs = rs.map((r) => r.json().reference as string).sort();
    const y = new Date().getUTCFullYear();
    assert.deepEqual(refs, [`LIC-${y}-001`, `LIC-${y}-002`, `LIC-${y}-003`]);

    const id = await inquiry(t);
    const first = await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${id}/license`, validBody(), { 'idempotency-key': 'license-once' });
    assert.equal(first.statusCode, 201);
    assert.ok(first.json().invitationUrl);
    const replay = await api(t.app, t.editor, 'POST', `/api/admin/license-inquiries/${id}/license`, validBody(), { 'idempotency-key': 'license-once' });
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.json().licenseId, first.json().licenseId);
    assert.equal(replay.json().invitationUrl, null);
    assert.equal((await t.services.licenses.forPartner(first.json().partnerId)).length, 1);
  } finally {
    await t.close();
  }
});
