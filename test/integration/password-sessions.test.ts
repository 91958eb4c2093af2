/**
 * Sessions follow passwords: changing or setting a password ends the user's other sessions (the
 * session it was changed from survives under a new token), for staff and partners; and an admin
 * can revoke all of a user's API tokens in one action. On both engines.
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { approvePartner } from '../../src/partners/decisions.js';

interface Who {
  cookie: string;
  csrf: string;
}

function form(data: Record<string, string>): string {
  return new URLSearchParams(data).toString();
}

function post(t: TestApp, who: Who, url: string, data: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: who.csrf, ...data }),
  });
}

function get(t: TestApp, cookie: string, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: { cookie } });
}

function newCookie(res: LightMyRequestResponse, name: string): string | undefined {
  const c = res.cookies.find((x) => x.name === name && x.value !== '');
  return c ? `${name}=${c.value}` : undefined;
}

function flashOf(res: LightMyRequestResponse): string {
  return decodeURIComponent(res.cookies.find((c) => c.name === 'fw_flash')?.value ?? '');
}

/** Whether a staff cookie still opens the newsroom. */
async function staffSignedIn(t: TestApp, cookie: string): Promise<boolean> {
  const res = await get(t, cookie, '/newsroom/account');
  return res.statusCode === 200;
}

async function staffSession(t: TestApp, email: string): Promise<string> {
  const user = (await t.services.users.findByEmail(email))!;
  return `fw_session=${(await t.services.users.createSession(user, 'another device')).token}`;
}

forEachDialect('staff: changing your own password logs out your other sessions and rotates this one', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const laptop = await staffSession(t, t.reporter.email);
    const phone = await staffSession(t, t.reporter.email);
    const others = await staffSession(t, t.editor.email);

    const res = await post(t, t.reporter, '/newsroom/account/password', { currentPassword: t.reporter.password, password: 'brand-new-password', confirmPassword: 'brand-new-password' });
    assert.equal(res.statusCode, 303);
    assert.match(flashOf(res), /Password changed\. 2 other sessions were logged out\./);
    assert.equal(await staffSignedIn(t, laptop), false);
    assert.equal(await staffSignedIn(t, phone), false);
    assert.equal(await staffSignedIn(t, t.reporter.cookie), false, 'the cookie sent with the old password is worth nothing');
    const rotated = newCookie(res, 'fw_session');
    assert.ok(rotated && rotated !== t.reporter.cookie, 'this browser gets a new session token');
    assert.equal(await staffSignedIn(t, rotated), true, 'and stays signed in');
    assert.equal((await t.services.users.listSessions(t.reporter.id)).length, 1);
    assert.equal(await staffSignedIn(t, others), true, 'other users are not touched');

    // A wrong current password changes nothing and ends nothing.
    const later = await staffSession(t, t.reporter.email);
    const page = await get(t, rotated, '/newsroom/account');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const wrong = await post(t, { cookie: rotated, csrf }, '/newsroom/account/password', { currentPassword: 'not-it-at-all', password: 'another-new-password', confirmPassword: 'another-new-password' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(await staffSignedIn(t, later), true);
  } finally {
    await t.close();
  }
});

forEachDialect('staff: an admin setting a password logs that user out everywhere; setting your own keeps this session', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const editorPhone = await staffSession(t, t.editor.email);
    const res = await post(t, t.admin, `/newsroom/users/${t.editor.id}/password`, { password: 'set-by-the-admin-1' });
    assert.equal(res.statusCode, 303);
    assert.match(flashOf(res), /2 sessions logged out/);
    assert.equal(await staffSignedIn(t, t.editor.cookie), false);
    assert.equal(await staffSignedIn(t, editorPhone), false);
    assert.equal(await staffSignedIn(t, t.admin.cookie), true, "the admin's own session is untouched");

    const adminTablet = await staffSession(t, t.admin.email);
    const self = await post(t, t.admin, `/newsroom/users/${t.admin.id}/password`, { password: 'my-own-new-password' });
    assert.equal(self.statusCode, 303);
    assert.equal(await staffSignedIn(t, adminTablet), false);
    const rotated = newCookie(self, 'fw_session');
    assert.ok(rotated);
    assert.equal(await staffSignedIn(t, rotated), true);
    assert.equal(await staffSignedIn(t, t.admin.cookie), false);

    const audit = await t.services.database.db.selectFrom('audit_log').select(['target_id', 'details_json']).where('action', '=', 'user.password').execute();
    assert.deepEqual(audit.map((a) => [a.target_id, JSON.parse(a.details_json).sessionsEnded]).sort(), [[t.admin.id, 1], [t.editor.id, 2]].sort());
  } finally {
    await t.close();
  }
});

forEachDialect('staff: the service ends sessions for every caller (the CLI uses it without a session to keep)', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    await staffSession(t, t.reporter.email);
    const r = await t.services.users.setPassword(SYSTEM_ACTOR, t.reporter.id, 'reset-from-the-shell');
    assert.deepEqual(r, { sessionsEnded: 2 });
    assert.equal((await t.services.users.listSessions(t.reporter.id)).length, 0);
    assert.equal(await staffSignedIn(t, t.reporter.cookie), false);
  } finally {
    await t.close();
  }
});

forEachDialect('partners: changing the portal password logs out other portal sessions and rotates this one', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const partner = await t.services.partners.apply({
      outlet: 'Valley Herald', website: 'https://valleyherald.example', contactName: 'Pat Partner', email: 'editor@valleyherald.example', audience: 250_000,
      evidence: 'Analytics screenshots for the last six months.', intendedUse: 'Republish environment stories.', acceptTerms: true,
    });
    const d = await approvePartner(t.services, SYSTEM_ACTOR, partner.id);
    const user = await t.services.partners.acceptInvitation(new URL(d.invitationUrl!).pathname.split('/').pop(), { name: 'Pat', password: 'partner-password-123' });
    const open = async () => `fw_partner=${(await t.services.partnerAccounts.createSession(user)).token}`;
    const here = await open();
    const elsewhere = await open();
    const signedIn = async (cookie: string) => (await get(t, cookie, '/partners')).statusCode === 200;

    const page = await get(t, here, '/partners/password');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Change your password/);
    const me = { cookie: here, csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
    assert.match((await get(t, here, '/partners')).body, /href="\/partners\/password"/, 'the dashboard links to it');

    const wrong = await post(t, me, '/partners/password', { currentPassword: 'not-the-password', password: 'partner-password-456', passwordConfirm: 'partner-password-456' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /current password is not correct/);
    const differ = await post(t, me, '/partners/password', { currentPassword: 'partner-password-123', password: 'partner-password-456', passwordConfirm: 'partner-password-789' });
    assert.equal(differ.statusCode, 400);
    const short = await post(t, me, '/partners/password', { currentPassword: 'partner-password-123', password: 'short', passwordConfirm: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /at least 10 characters/);
    assert.equal(await signedIn(elsewhere), true, 'failed attempts end nothing');
    const noCsrf = await post(t, { cookie: here, csrf: 'wrong' }, '/partners/password', { currentPassword: 'partner-password-123', password: 'partner-password-456', passwordConfirm: 'partner-password-456' });
    assert.equal(noCsrf.statusCode, 403);

    const ok = await post(t, me, '/partners/password', { currentPassword: 'partner-password-123', password: 'partner-password-456', passwordConfirm: 'partner-password-456' });
    assert.equal(ok.statusCode, 303);
    assert.equal(await signedIn(elsewhere), false);
    assert.equal(await signedIn(here), false, 'the old token of this browser is gone');
    const rotated = newCookie(ok, 'fw_partner');
    assert.ok(rotated);
    assert.equal(await signedIn(rotated), true);
    assert.ok(await t.services.partnerAccounts.authenticate('editor@valleyherald.example', 'partner-password-456'));
    assert.equal(await t.services.partnerAccounts.authenticate('editor@valleyherald.example', 'partner-password-123'), undefined);
    const audit = await t.services.database.db.selectFrom('audit_log').select('action').where('action', '=', 'partner_user.password').execute();
    assert.equal(audit.length, 1);
  } finally {
    await t.close();
  }
});

forEachDialect('tokens: an admin revokes all API tokens of a user at once (newsroom with confirmation, Admin API), audit-logged', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const second = await t.services.users.createToken(SYSTEM_ACTOR, t.reporter.id, 'importer');
    const works = async (token: string) => (await t.services.users.resolveToken(token)) !== undefined;

    const editPage = await get(t, t.admin.cookie, `/newsroom/users/${t.reporter.id}`);
    assert.match(editPage.body, /2 active API tokens/);
    assert.match(editPage.body, /action="\/newsroom\/users\/[^"]+\/tokens\/revoke"/);

    // Editors may not; a missing CSRF token is refused.
    assert.equal((await post(t, t.editor, `/newsroom/users/${t.reporter.id}/tokens/revoke`, { confirm: 'yes' })).statusCode, 403);
    assert.equal((await post(t, { cookie: t.admin.cookie, csrf: 'nope' }, `/newsroom/users/${t.reporter.id}/tokens/revoke`, { confirm: 'yes' })).statusCode, 403);
    // The first step only asks.
    const ask = await post(t, t.admin, `/newsroom/users/${t.reporter.id}/tokens/revoke`);
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Revoke all API tokens of reporter@news\.test\?/);
    assert.match(ask.body, /name="confirm" value="yes"/);
    assert.equal(await works(t.reporter.token), true);
    const done = await post(t, t.admin, `/newsroom/users/${t.reporter.id}/tokens/revoke`, { confirm: 'yes' });
    assert.equal(done.statusCode, 303);
    assert.match(flashOf(done), /Revoked 2 API tokens of reporter@news\.test/);
    assert.equal(await works(t.reporter.token), false);
    assert.equal(await works(second.token), false);
    assert.equal(await works(t.editor.token), true, "other users' tokens are untouched");
    const nothingLeft = await post(t, t.admin, `/newsroom/users/${t.reporter.id}/tokens/revoke`);
    assert.equal(nothingLeft.statusCode, 303, 'nothing to confirm');

    // Admin API.
    const fresh = await t.services.users.createToken(SYSTEM_ACTOR, t.editor.id, 'ci');
    const api = (token: string, id: string) => t.app.inject({ method: 'DELETE', url: `/api/admin/users/${id}/tokens`, headers: { authorization: `Bearer ${token}` } });
    const refused = await api(t.editor.token, t.reporter.id);
    assert.equal(refused.statusCode, 403);
    const revoked = await api(t.admin.token, t.editor.id);
    assert.equal(revoked.statusCode, 200);
    assert.deepEqual(revoked.json(), { revoked: 2 });
    assert.equal(await works(fresh.token), false);
    assert.deepEqual((await api(t.admin.token, t.editor.id)).json(), { revoked: 0 });
    const unknown = await api(t.admin.token, 'no-such-user');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'USER_NOT_FOUND');

    const audit = await t.services.database.db.selectFrom('audit_log').select(['target_id', 'details_json']).where('action', '=', 'token.revoke_all').execute();
    assert.deepEqual(audit.map((a) => `${a.target_id} ${JSON.parse(a.details_json).revoked}`).sort(), [`${t.reporter.id} 2`, `${t.editor.id} 2`, `${t.editor.id} 0`].sort());

    const doc = await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json' });
    assert.ok(doc.json().paths['/api/admin/users/{id}/tokens']?.delete, 'documented');
  } finally {
    await t.close();
  }
});

