/**
 * The partner portal through HTTP, as a browser with JavaScript off drives it: accepting an
 * invitation, signing in and out (with the rate limit), CSRF on every form, the separation from
 * staff sessions, API keys and feed links, follows and alerts, the stories list under the license
 * profiles' access rules, and a suspended partner's view. On both engines.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics, type TestApp } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { approvePartner, suspendPartner } from '../../src/partners/decisions.js';
import { sha256Hex } from '../../src/util/ids.js';
import { addLicense } from '../helpers/licenses.js';

type FormData = Record<string, string | string[] | undefined>;

function urlencoded(data: FormData): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) p.append(k, item);
  }
  return p.toString();
}

interface PartnerLogin {
  cookie: string;
  csrf: string;
  partnerId: string;
  email: string;
  password: string;
}

let ipCounter = 0;
/** Each sign-in from its own address, so the per-address limit only bites where a test wants it. */
function nextIp(): string {
  ipCounter += 1;
  return `10.1.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

function cookieValue(res: LightMyRequestResponse, name: string): string | undefined {
  return res.cookies.find((c) => c.name === name)?.value;
}

function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'page has a CSRF field');
  return m[1]!;
}

/** The page a redirect leads to, with the cookies it set (the flash message rides in one). */
function follow(t: TestApp, cookie: string, res: LightMyRequestResponse): Promise<LightMyRequestResponse> {
  assert.ok(res.headers.location, 'a redirect');
  const set = res.cookies.filter((c) => c.value !== '').map((c) => `${c.name}=${encodeURIComponent(c.value)}`);
  return get(t, [cookie, ...set].join('; '), String(res.headers.location));
}

function get(t: TestApp, cookie: string | null, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
}

function post(t: TestApp, who: { cookie: string; csrf: string }, url: string, data: FormData = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: urlencoded({ _csrf: who.csrf, ...data }),
  });
}

/** A pre-login form post (login, invitation) with the double-submit cookie. */
function preLoginPost(t: TestApp, url: string, data: FormData, opts: { ip?: string; withCsrf?: boolean } = {}): Promise<LightMyRequestResponse> {
  const token = randomBytes(24).toString('base64url');
  return t.app.inject({
    method: 'POST',
    url,
    remoteAddress: opts.ip ?? nextIp(),
    headers: { cookie: `fw_csrf=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: urlencoded({ ...(opts.withCsrf === false ? {} : { _csrf: token }), ...data }),
  });
}

async function applyAndApprove(t: TestApp, outlet: string, email: string): Promise<{ partnerId: string; invitationPath: string }> {
  const partner = await t.services.partners.apply({
    outlet, website: `https://${email.split('@')[1]}`, contactName: 'Pat Partner', email, audience: 250_000,
    evidence: 'Analytics screenshots for the last six months.', intendedUse: 'Republish environment stories for our readers.', acceptTerms: true,
  });
  const decision = await approvePartner(t.services, SYSTEM_ACTOR, partner.id);
  assert.ok(decision.invitationUrl, 'an approval of a new partner carries an invitation');
  return { partnerId: partner.id, invitationPath: new URL(decision.invitationUrl).pathname };
}

/** Approves a new partner and accepts its invitation through the portal; returns the signed-in user. */
async function partnerLogin(t: TestApp, outlet = 'Valley Herald', email = 'editor@valleyherald.example'): Promise<PartnerLogin> {
  const { partnerId, invitationPath } = await applyAndApprove(t, outlet, email);
  const password = 'partner-password-123';
  const res = await preLoginPost(t, invitationPath, { name: 'Pat Partner', password, passwordConfirm: password });
  assert.equal(res.statusCode, 303, res.body);
  const cookie = `fw_partner=${cookieValue(res, 'fw_partner')}`;
  const home = await get(t, cookie, '/partners');
  assert.equal(home.statusCode, 200);
  return { cookie, csrf: csrfFrom(home.body), partnerId, email, password };
}

forEachDialect('portal: an invitation creates a login once; bad, used and expired links say why', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { partnerId, invitationPath } = await applyAndApprove(t, 'Valley Herald', 'editor@valleyherald.example');

    const page = await get(t, null, invitationPath);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Set up your login for Valley Herald/);
    assert.match(page.body, /editor@valleyherald\.example/);

    // Passwords that differ, and one too short: the form again, with the reason, no login.
    const differ = await preLoginPost(t, invitationPath, { name: 'Pat', password: 'partner-password-123', passwordConfirm: 'partner-password-124' });
    assert.equal(differ.statusCode, 400);
    assert.match(differ.body, /The two passwords are not the same/);
    assert.equal(cookieValue(differ, 'fw_partner'), undefined);
    const short = await preLoginPost(t, invitationPath, { name: 'Pat', password: 'short', passwordConfirm: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /at least 10 characters/);
    const noName = await preLoginPost(t, invitationPath, { name: '', password: 'partner-password-123', passwordConfirm: 'partner-password-123' });
    assert.equal(noName.statusCode, 400);
    assert.match(noName.body, /is required/);

    // Without the CSRF token the form is refused.
    const forged = await preLoginPost(t, invitationPath, { name: 'Pat', password: 'partner-password-123', passwordConfirm: 'partner-password-123' }, { withCsrf: false });
    assert.equal(forged.statusCode, 403);

    const ok = await preLoginPost(t, invitationPath, { name: 'Pat Partner', password: 'partner-password-123', passwordConfirm: 'partner-password-123' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/partners');
    const cookie = `fw_partner=${cookieValue(ok, 'fw_partner')}`;
    const set = ok.cookies.find((c) => c.name === 'fw_partner')!;
    assert.equal(set.path, '/partners');
    assert.equal(set.httpOnly, true);
    const home = await follow(t, cookie, ok);
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Welcome, Pat Partner/);
    assert.match(home.body, /Your login for Valley Herald is ready/);

    // The session is stored only as a hash.
    const token = cookieValue(ok, 'fw_partner')!;
    const rows = await tdb.database.db.selectFrom('partner_sessions').select('id').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.id, sha256Hex(token));

    // The same link again: used.
    const again = await get(t, null, invitationPath);
    assert.equal(again.statusCode, 410);
    assert.match(again.body, /already been used/);
    const againPost = await preLoginPost(t, invitationPath, { name: 'Mallory', password: 'another-password-1', passwordConfirm: 'another-password-1' });
    assert.equal(againPost.statusCode, 410);
    assert.equal(cookieValue(againPost, 'fw_partner'), undefined);

    // A made-up link.
    const unknown = await get(t, null, `/partners/invite/${randomBytes(32).toString('base64url')}`);
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /not valid/);
    const tooShort = await get(t, null, '/partners/invite/abc');
    assert.equal(tooShort.statusCode, 404);

    // An expired one.
    const second = await t.services.partners.createInvitation(partnerId);
    await tdb.database.db.updateTable('partner_invitations').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', second.id).execute();
    const expired = await get(t, null, `/partners/invite/${second.token}`);
    assert.equal(expired.statusCode, 410);
    assert.match(expired.body, /expired/);
    const expiredPost = await preLoginPost(t, `/partners/invite/${second.token}`, { name: 'Late', password: 'late-password-123', passwordConfirm: 'late-password-123' });
    assert.equal(expiredPost.statusCode, 410);
  } finally {
    await t.close();
  }
});

forEachDialect('portal: login, logout, and sessions kept apart from staff', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const p = await partnerLogin(t);

    // Not signed in: the portal sends you to its login page, keeping where you were going.
    const anon = await get(t, null, '/partners/keys');
    assert.equal(anon.statusCode, 303);
    assert.equal(anon.headers.location, `/partners/login?next=${encodeURIComponent('/partners/keys')}`);
    const form = await get(t, null, '/partners/login');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Log in to the partner portal/);
    assert.ok(cookieValue(form, 'fw_csrf'), 'the login form sets the double-submit cookie');

    const wrong = await preLoginPost(t, '/partners/login', { email: p.email, password: 'not-the-password' });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /do not match a partner login/);
    const staffTries = await preLoginPost(t, '/partners/login', { email: t.editor.email, password: t.editor.password });
    assert.equal(staffTries.statusCode, 401, 'a staff account is not a partner login');
    const noCsrf = await preLoginPost(t, '/partners/login', { email: p.email, password: p.password }, { withCsrf: false });
    assert.equal(noCsrf.statusCode, 403);

    const ok = await preLoginPost(t, '/partners/login', { email: p.email.toUpperCase(), password: p.password, next: '/partners/keys' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/partners/keys');
    const offsite = await preLoginPost(t, '/partners/login', { email: p.email, password: p.password, next: '//evil.example/partners' });
    assert.equal(offsite.headers.location, '/partners');
    const cookie = `fw_partner=${cookieValue(ok, 'fw_partner')}`;
    const home = await get(t, cookie, '/partners');
    assert.equal(home.statusCode, 200);
    const csrf = csrfFrom(home.body);

    // Staff and partner sessions do not open each other's doors.
    const staffOnPortal = await get(t, t.editor.cookie, '/partners');
    assert.equal(staffOnPortal.statusCode, 303);
    assert.match(String(staffOnPortal.headers.location), /^\/partners\/login/);
    const partnerOnNewsroom = await get(t, cookie, '/newsroom/stories');
    assert.equal(partnerOnNewsroom.statusCode, 303);
    assert.match(String(partnerOnNewsroom.headers.location), /^\/newsroom\/login/);
    const partnerCookieAsStaff = await get(t, `fw_session=${cookieValue(ok, 'fw_partner')}`, '/newsroom/stories');
    assert.equal(partnerCookieAsStaff.statusCode, 303, 'a partner token is not a staff session');
    const staffTokenAsPartner = await get(t, `fw_partner=${t.editor.cookie.split('=')[1]}`, '/partners');
    assert.equal(staffTokenAsPartner.statusCode, 303, 'a staff token is not a partner session');
    // A staff member's CSRF token does not pass the portal's check, even with both cookies.
    const mixed = await post(t, { cookie: `${cookie}; ${t.editor.cookie}`, csrf: t.editor.csrf }, '/partners/keys', { name: 'Sneaky' });
    assert.equal(mixed.statusCode, 403);

    // Logging out ends the session on the server.
    const out = await post(t, { cookie, csrf }, '/partners/logout');
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/partners/login');
    const after = await get(t, cookie, '/partners');
    assert.equal(after.statusCode, 303);
    const sessions = await tdb.database.db.selectFrom('partner_sessions').select('id').where('id', '=', sha256Hex(cookieValue(ok, 'fw_partner')!)).execute();
    assert.equal(sessions.length, 0);
    // The login throttle is in login-throttle.test.ts.
  } finally {
    await t.close();
  }
});

forEachDialect('portal: API keys are shown once, stored as hashes, and revoked; feed links rotate', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const p = await partnerLogin(t);
    const page = await get(t, p.cookie, '/partners/keys');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /You have no active keys/);
    assert.match(page.body, /Create feed link/);

    // CSRF on every form.
    const forged = await post(t, { cookie: p.cookie, csrf: 'x'.repeat(43) }, '/partners/keys', { name: 'CMS' });
    assert.equal(forged.statusCode, 403);
    assert.match(forged.body, /This form has expired/);

    const empty = await post(t, p, '/partners/keys', { name: '  ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /is required/);

    const created = await post(t, p, '/partners/keys', { name: 'WordPress importer' });
    assert.equal(created.statusCode, 201);
    const m = /value="(fwp_[A-Za-z0-9_-]+)"/.exec(created.body);
    assert.ok(m, 'the new key is on the page');
    const key = m[1]!;
    assert.match(created.body, /only time it is shown/);
    assert.match(created.body, /\/assets\/portal-copy\.js/);
    const stored = await tdb.database.db.selectFrom('partner_keys').selectAll().where('partner_id', '=', p.partnerId).execute();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.key_hash, sha256Hex(key));
    assert.ok(!JSON.stringify(stored).includes(key), 'the key itself is not stored');

    const list = await get(t, p.cookie, '/partners/keys');
    assert.ok(!list.body.includes(key), 'the key is never shown again');
    assert.match(list.body, /WordPress importer/);
    assert.ok(list.body.includes(`${stored[0]!.prefix}…`), 'the list shows the prefix');
    assert.match(list.body, /Never/);
    const resolved = await t.services.partners.resolveApiKey(key);
    assert.equal(resolved?.partner.id, p.partnerId);
    assert.doesNotMatch((await get(t, p.cookie, '/partners/keys')).body, />Never</, 'last use is shown once the key is used');

    // Another partner cannot revoke it.
    const other = await partnerLogin(t, 'Coast Daily', 'web@coastdaily.example');
    const foreign = await post(t, other, `/partners/keys/${stored[0]!.id}/revoke`);
    assert.equal(foreign.statusCode, 404);
    assert.ok(await t.services.partners.resolveApiKey(key));

    const revoked = await post(t, p, `/partners/keys/${stored[0]!.id}/revoke`);
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, '/partners/keys');
    assert.equal(await t.services.partners.resolveApiKey(key), undefined);
    const twice = await post(t, p, `/partners/keys/${stored[0]!.id}/revoke`);
    assert.equal(twice.statusCode, 404);
    const after = await follow(t, p.cookie, revoked);
    assert.match(after.body, /Revoked keys \(1\)/);
    assert.match(after.body, /is revoked/);

    // Feed links: shown once; a new one replaces the old.
    const feed1 = await post(t, p, '/partners/feed-link');
    assert.equal(feed1.statusCode, 201);
    const rss1 = /value="(http:\/\/news\.test\/partners\/feed\/([A-Za-z0-9_-]+)\/rss\.xml)"/.exec(feed1.body);
    assert.ok(rss1, 'the RSS link is shown');
    assert.ok(feed1.body.includes(`http://news.test/partners/feed/${rss1[2]}/atom.xml`));
    assert.equal((await t.services.partners.resolveFeedToken(rss1[2]!))?.id, p.partnerId);
    const feed2 = await post(t, p, '/partners/feed-link');
    const rss2 = /\/partners\/feed\/([A-Za-z0-9_-]+)\/rss\.xml/.exec(feed2.body)!;
    assert.notEqual(rss2[1], rss1[2]);
    assert.equal(await t.services.partners.resolveFeedToken(rss1[2]!), undefined);
    assert.match((await get(t, p.cookie, '/partners/keys')).body, /Replace feed link/);
  } finally {
    await t.close();
  }
});

forEachDialect('portal: follows and email settings are saved; the stories list narrows to them', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const basics = await seedBasics(t.services);
    const politics = await t.services.desks.create(SYSTEM_ACTOR, { name: 'Politics' });
    const p = await partnerLogin(t);
    const env = (await t.services.desks.getBySlug(basics.desk))!;

    const page = await get(t, p.cookie, '/partners/follows');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Nothing yet/);
    // The defaults: corrections and kills on, digest off.
    assert.match(page.body, /name="emailOnCorrection" value="on" checked/);
    assert.match(page.body, /name="emailOnKill" value="on" checked/);
    assert.doesNotMatch(page.body, /name="dailyDigest" value="on" checked/);

    assert.equal((await post(t, p, '/partners/follows', { kind: 'desk', desk: env.id })).statusCode, 303);
    assert.equal((await post(t, p, '/partners/follows', { kind: 'tag', tag: '  Drought ' })).statusCode, 303);
    assert.equal((await post(t, p, '/partners/follows', { kind: 'search', search: 'school board' })).statusCode, 303);
    const dupe = await post(t, p, '/partners/follows', { kind: 'tag', tag: 'drought' });
    assert.equal(dupe.statusCode, 409);
    assert.match(dupe.body, /already follow/);
    const badDesk = await post(t, p, '/partners/follows', { kind: 'desk', desk: 'no-such-desk' });
    assert.equal(badDesk.statusCode, 400);
    assert.match(badDesk.body, /Choose a desk from the list/);
    const badKind = await post(t, p, '/partners/follows', { kind: 'author', author: 'x' });
    assert.equal(badKind.statusCode, 400);
    const emptyTag = await post(t, p, '/partners/follows', { kind: 'tag', tag: '' });
    assert.equal(emptyTag.statusCode, 400);
    const noCsrf = await t.app.inject({ method: 'POST', url: '/partners/follows', headers: { cookie: p.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'kind=tag&tag=x' });
    assert.equal(noCsrf.statusCode, 403);

    const follows = await t.services.partnerAccounts.follows(p.partnerId);
    assert.deepEqual(follows.map((f) => [f.kind, f.value]), [['desk', env.id], ['search', 'school board'], ['tag', 'drought']]);
    const shown = await get(t, p.cookie, '/partners/follows');
    assert.match(shown.body, /Environment/);
    assert.match(shown.body, /“school board”/);

    const prefs = await post(t, p, '/partners/follows/prefs', { emailOnKill: 'on', dailyDigest: 'on' });
    assert.equal(prefs.statusCode, 303);
    const saved = await t.services.partnerAccounts.prefs(p.partnerId);
    assert.deepEqual({ ...saved, updatedAt: null }, { emailOnCorrection: false, emailOnKill: true, dailyDigest: true, updatedAt: null });
    const prefsPage = await get(t, p.cookie, '/partners/follows');
    assert.match(prefsPage.body, /name="dailyDigest" value="on" checked/);
    assert.doesNotMatch(prefsPage.body, /name="emailOnCorrection" value="on" checked/);
    // Saving again updates the same row.
    await post(t, p, '/partners/follows/prefs', { emailOnCorrection: 'on' });
    assert.deepEqual({ ...(await t.services.partnerAccounts.prefs(p.partnerId)), updatedAt: null }, { emailOnCorrection: true, emailOnKill: false, dailyDigest: false, updatedAt: null });

    // Stories: one per way of matching, and one that matches nothing.
    const mk = async (headline: string, desk: string, tags: string[] = [], body = 'Body text of the story.') => {
      const s = await t.services.stories.create(SYSTEM_ACTOR, { headline, desk, authors: [basics.author], tags, body });
      await t.services.stories.publish(SYSTEM_ACTOR, s.id);
    };
    await mk('Wells run dry across the valley', basics.desk);
    await mk('Council argues over the drought budget', politics.slug, ['Drought']);
    await mk('Candidates debate the school board race', politics.slug, [], 'The school board election is close.');
    await mk('Mayor opens a new library branch', politics.slug);

    const all = await get(t, p.cookie, '/partners/stories');
    assert.equal(all.statusCode, 200);
    for (const h of ['Wells run dry', 'drought budget', 'school board race', 'new library branch']) assert.ok(all.body.includes(h), h);
    const mine = await get(t, p.cookie, '/partners/stories?following=1');
    for (const h of ['Wells run dry', 'drought budget', 'school board race']) assert.ok(mine.body.includes(h), h);
    assert.ok(!mine.body.includes('new library branch'));
    const politicsOnly = await get(t, p.cookie, `/partners/stories?desk=${politics.slug}&following=1`);
    assert.ok(!politicsOnly.body.includes('Wells run dry'));
    assert.ok(politicsOnly.body.includes('drought budget'));
    const searched = await get(t, p.cookie, '/partners/stories?q=library');
    assert.ok(searched.body.includes('new library branch'));
    assert.ok(!searched.body.includes('Wells run dry'));

    // Removing a follow.
    const tagFollow = follows.find((f) => f.kind === 'tag')!;
    assert.equal((await post(t, p, `/partners/follows/${tagFollow.id}/remove`)).statusCode, 303);
    assert.equal((await post(t, p, `/partners/follows/${tagFollow.id}/remove`)).statusCode, 404);
    const other = await partnerLogin(t, 'Coast Daily', 'web@coastdaily.example');
    const deskFollow = follows.find((f) => f.kind === 'desk')!;
    assert.equal((await post(t, other, `/partners/follows/${deskFollow.id}/remove`)).statusCode, 404, 'not another partner’s follow');
    assert.equal((await t.services.partnerAccounts.follows(p.partnerId)).length, 2);
  } finally {
    await t.close();
  }
});

forEachDialect('portal: the stories list follows each story’s license profile; bad filters are 400', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const basics = await seedBasics(t.services);
    const standard = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', slug: 'standard', audience: 'free' });
    await t.services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', slug: 'licensees-only', audience: 'licensees' });
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Next day', slug: 'next-day', audience: 'free', delayHours: 24 });
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'In-house', slug: 'in-house', audience: 'nobody' });
    const mk = async (headline: string, licenseProfile?: string) => {
      const s = await t.services.stories.create(SYSTEM_ACTOR, { headline, desk: basics.desk, authors: [basics.author], body: 'Body text.', licenseProfile });
      await t.services.stories.publish(SYSTEM_ACTOR, s.id);
      return s.id;
    };
    const freeId = await mk('Free to use right away');
    const licId = await mk('Only for licensees', 'licensees-only');
    const delayedId = await mk('Free tomorrow', 'next-day');
    await mk('Never syndicated', 'in-house');

    const p = await partnerLogin(t);
    const res = await get(t, p.cookie, '/partners/stories');
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('Free to use right away'));
    assert.ok(res.body.includes(`/partners/stories/${freeId}/republish`), res.body.slice(res.body.indexOf('<main')));
    assert.ok(!res.body.includes('Only for licensees'), 'licensee-only stories are not listed for a free partner');
    assert.ok(!res.body.includes(licId));
    assert.ok(!res.body.includes('Never syndicated'));
    // The delayed story is announced with its release time, without a Republish button.
    assert.ok(res.body.includes('Free tomorrow'));
    assert.ok(!res.body.includes(`/partners/stories/${delayedId}/republish`), 'no Republish button before the free release');
    assert.match(res.body, /Available from <time datetime="[^"]+">/);

    // A licensee sees both at once.
    await addLicense(t.services, p.partnerId, { startsAt: '2000-01-01T00:00:00.000Z' });
    const lic = await get(t, p.cookie, '/partners/stories');
    assert.ok(lic.body.includes(`/partners/stories/${licId}/republish`));
    assert.ok(lic.body.includes(`/partners/stories/${delayedId}/republish`));
    assert.ok(!lic.body.includes('Never syndicated'));

    for (const q of ['page=0', 'page=abc', 'page=101', 'desk=no-such-desk', `q=${'x'.repeat(201)}`, 'page=1e3']) {
      const bad = await get(t, p.cookie, `/partners/stories?${q}`);
      assert.equal(bad.statusCode, 400, q);
      assert.match(bad.headers['content-type'] as string, /text\/html/);
    }
    const weird = await get(t, p.cookie, '/partners/stories?q=%22%27%28%29*%3A');
    assert.equal(weird.statusCode, 200);

    // Back to a free partner without a license: the Republish pages follow the same rules as the list.
    await tdb.database.db.deleteFrom('licenses').where('partner_id', '=', p.partnerId).execute();
    await tdb.database.db.updateTable('partners').set({ kind: 'free' }).where('id', '=', p.partnerId).execute();
    const delayed = await get(t, p.cookie, `/partners/stories/${delayedId}/republish`);
    assert.equal(delayed.statusCode, 403);
    assert.match(delayed.body, /not available to you yet: you may republish it from \d+ \w+ \d{4}/);
    assert.doesNotMatch(delayed.body, /freewire-pixel/);
    for (const id of [licId, '00000000-0000-7000-8000-000000000000', 'not a story id', 'x'.repeat(65)]) {
      const r = await get(t, p.cookie, `/partners/stories/${encodeURIComponent(id)}/republish`);
      assert.equal(r.statusCode, 404, id);
    }
    await t.services.stories.withdraw(SYSTEM_ACTOR, freeId, 'Legal complaint.');
    const withdrawn = await get(t, p.cookie, `/partners/stories/${freeId}/republish`);
    assert.equal(withdrawn.statusCode, 410);
    assert.match(withdrawn.body, /withdrawn/);
    assert.match(withdrawn.body, /Legal complaint/);
    assert.ok(!(await get(t, p.cookie, '/partners/stories')).body.includes('Free to use right away'), 'withdrawn stories leave the list');
  } finally {
    await t.close();
  }
});

forEachDialect('portal: a suspended partner’s people can log in but get a notice, not stories or keys', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const p = await partnerLogin(t);
    const created = await post(t, p, '/partners/keys', { name: 'CMS' });
    const key = /value="(fwp_[A-Za-z0-9_-]+)"/.exec(created.body)![1]!;
    await suspendPartner(t.services, SYSTEM_ACTOR, p.partnerId, 'Credit line missing on several pages.');

    const login = await preLoginPost(t, '/partners/login', { email: p.email, password: p.password });
    assert.equal(login.statusCode, 303, 'a suspended partner’s user can still sign in');
    const cookie = `fw_partner=${cookieValue(login, 'fw_partner')}`;
    const home = await get(t, cookie, '/partners');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Your partnership is suspended/);
    assert.match(home.body, /Credit line missing on several pages/);
    assert.doesNotMatch(home.body, /href="\/partners\/keys"/, 'no link to keys');
    assert.doesNotMatch(home.body, /href="\/partners\/stories"/, 'no link to stories');
    for (const url of ['/partners/keys', '/partners/stories']) {
      const r = await get(t, cookie, url);
      assert.equal(r.statusCode, 403, url);
      assert.match(r.body, /partnership is suspended/);
      assert.doesNotMatch(r.body, /fwp_/);
    }
    const csrf = csrfFrom(home.body);
    const make = await post(t, { cookie, csrf }, '/partners/keys', { name: 'Another' });
    assert.equal(make.statusCode, 403);
    const feed = await post(t, { cookie, csrf }, '/partners/feed-link');
    assert.equal(feed.statusCode, 403);
    assert.equal((await t.services.partners.listKeys(p.partnerId)).length, 1);
    const resolved = await t.services.partners.resolveApiKey(key);
    assert.equal(resolved?.partner.status, 'suspended');
  } finally {
    await t.close();
  }
});

forEachDialect('portal: the Republish page gives the snippet with credit line, link back and pixel, and the terms', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const basics = await seedBasics(t.services);
    await t.services.settings.update(SYSTEM_ACTOR, { siteName: 'Riverbend Public News' });
    // The site's default stays the built-in free terms; one story carries its own stricter profile.
    const standard = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', slug: 'standard', audience: 'free' });
    await t.services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, {
      name: 'Text only', slug: 'text-only', audience: 'free', imagesIncluded: false, searchEngines: 'noindex',
      creditTemplate: 'Originally published by {site}: {url}', noAds: true,
    });
    const s1 = await t.services.stories.create(SYSTEM_ACTOR, {
      headline: 'Wells near the airfield test high for solvents', desk: basics.desk, authors: [basics.author], summary: 'State tests found solvents.',
      body: 'State tests found **solvents** in six wells.\n\nResidents were told to use bottled water.',
    });
    await t.services.stories.publish(SYSTEM_ACTOR, s1.id);
    const s2 = await t.services.stories.create(SYSTEM_ACTOR, { headline: 'A text-only story', desk: basics.desk, authors: [basics.author], body: 'Words only.', licenseProfile: 'text-only' });
    await t.services.stories.publish(SYSTEM_ACTOR, s2.id);
    const p = await partnerLogin(t);

    // Every story the list offers has a working Republish page.
    const list = await get(t, p.cookie, '/partners/stories');
    const links = [...list.body.matchAll(/href="(\/partners\/stories\/[^"]+\/republish)"/g)].map((m) => m[1]!);
    assert.equal(links.length, 2);
    for (const l of links) assert.equal((await get(t, p.cookie, l)).statusCode, 200, l);

    const res = await get(t, p.cookie, `/partners/stories/${s1.id}/republish`);
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['cache-control'] as string, /no-store/);
    const m = /<textarea id="snippet"[^>]*>([\s\S]*?)<\/textarea>/.exec(res.body);
    assert.ok(m, 'the snippet is in a read-only textarea');
    assert.match(m[0], /readonly/);
    const snippet = m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    assert.match(snippet, /<h1>Wells near the airfield test high for solvents<\/h1>/);
    assert.match(snippet, /<strong>solvents<\/strong>/);
    assert.match(snippet, /This story was originally published by Riverbend Public News/);
    const original = `http://news.test/stories/${s1.slug}`;
    assert.ok(snippet.includes(`<a href="${original}">`), 'links back to the original');
    const pixel = /<img class="freewire-pixel" src="(http:\/\/news\.test\/p\/[A-Za-z0-9_-]+\.gif)"/.exec(snippet);
    assert.ok(pixel, 'carries the pixel');
    const token = /\/p\/([A-Za-z0-9_-]+)\.gif/.exec(pixel[1]!)![1]!;
    assert.deepEqual(await t.services.pixelTokens.resolve(token), { storyId: s1.id, partnerId: p.partnerId });
    // The page's own preview leaves the pixel out, so looking is not counted as a view.
    assert.equal(res.body.split('class="freewire-pixel"').length, 1, 'no live pixel element on the page');
    assert.match(res.body, /class="pp-preview"/);
    assert.match(res.body, /class="pp-credit">This story was originally published by Riverbend Public News/);
    assert.ok(res.body.includes(`value="&lt;link rel=&quot;canonical&quot; href=&quot;${original}&quot;>"`), 'canonical advice, ready to copy');
    assert.match(res.body, /Terms for this story/);
    assert.match(res.body, /Do not put the story behind a paywall/);
    assert.match(res.body, /\/assets\/portal-copy\.js/);
    assert.doesNotMatch(res.body, /<script>/, 'no inline scripts');
    assert.doesNotMatch(res.body, / style="/, 'no inline styles on the page itself');

    // The same partner gets the same pixel every time; another partner gets its own.
    const again = await get(t, p.cookie, `/partners/stories/${s1.id}/republish`);
    assert.ok(again.body.includes(pixel[1]!));
    const other = await partnerLogin(t, 'Coast Daily', 'web@coastdaily.example');
    const theirs = await get(t, other.cookie, `/partners/stories/${s1.id}/republish`);
    assert.ok(!theirs.body.includes(pixel[1]!));

    // A text-only, noindex profile: the page says so and gives the robots tag.
    const plain = await get(t, p.cookie, `/partners/stories/${s2.id}/republish`);
    assert.equal(plain.statusCode, 200);
    assert.match(plain.body, /Images in the story are left out/);
    assert.match(plain.body, /Robots meta tag/);
    assert.ok(plain.body.includes('value="&lt;meta name=&quot;robots&quot; content=&quot;noindex&quot;>"'), 'the robots tag, ready to copy');
    assert.match(plain.body, /Originally published by Riverbend Public News: http:\/\/news\.test\/stories\//);
    assert.match(plain.body, /Do not sell advertising against the story/);
  } finally {
    await t.close();
  }
});

forEachDialect('portal: the usage page and CSV show the partner’s own numbers only', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const basics = await seedBasics(t.services);
    const s = await t.services.stories.create(SYSTEM_ACTOR, { headline: 'Flood maps redrawn', desk: basics.desk, authors: [basics.author], body: 'New maps.' });
    await t.services.stories.publish(SYSTEM_ACTOR, s.id);
    const p = await partnerLogin(t);
    const other = await partnerLogin(t, 'Coast Daily', 'web@coastdaily.example');
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const now = new Date().toISOString();
    const db = tdb.database.db;
    await db.insertInto('usage_daily').values([
      { story_id: s.id, partner_id: p.partnerId, day: yesterday, views: 40 },
      { story_id: s.id, partner_id: p.partnerId, day: today, views: 2 },
      { story_id: s.id, partner_id: other.partnerId, day: today, views: 9000 },
    ]).execute();
    await db.insertInto('usage_pages').values([
      { id: 'pg-1', story_id: s.id, partner_id: p.partnerId, url: 'https://valleyherald.example/news/flood-maps', views: 42, first_seen: now, last_seen: now, check_status: 'compliant', check_details_json: '{}' },
      { id: 'pg-2', story_id: s.id, partner_id: other.partnerId, url: 'https://coastdaily.example/secret-page', views: 9000, first_seen: now, last_seen: now, check_status: 'unchecked', check_details_json: '{}' },
    ]).execute();

    const res = await get(t, p.cookie, '/partners/usage');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<span class="pp-stat-value">42<\/span>/);
    assert.match(res.body, /role="img"/, 'the chart is there');
    assert.match(res.body, /Flood maps redrawn/);
    assert.match(res.body, /valleyherald\.example\/news\/flood-maps/);
    assert.match(res.body, /Credit, link and pixel found/);
    assert.doesNotMatch(res.body, /coastdaily\.example\/secret-page/);
    assert.doesNotMatch(res.body, /9,000|9000/);

    const ranged = await get(t, p.cookie, `/partners/usage?from=${today}&to=${today}`);
    assert.match(ranged.body, /<span class="pp-stat-value">2<\/span>/);
    for (const q of ['from=2026-13-01', 'to=yesterday', 'from=2020-01-01&to=2026-01-01', `from=${today}&to=${yesterday}`, `from=${'9'.repeat(50)}`]) {
      const bad = await get(t, p.cookie, `/partners/usage?${q}`);
      assert.equal(bad.statusCode, 400, q);
    }

    const csv = await get(t, p.cookie, '/partners/usage.csv');
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    assert.match(csv.body, /Flood maps redrawn/);
    assert.doesNotMatch(csv.body, /Coast Daily|9000/);
    const pagesCsv = await get(t, p.cookie, '/partners/usage.csv?kind=pages');
    assert.match(pagesCsv.body, /valleyherald\.example\/news\/flood-maps/);
    assert.doesNotMatch(pagesCsv.body, /secret-page/);
    assert.equal((await get(t, p.cookie, '/partners/usage.csv?kind=everything')).statusCode, 400);
    assert.equal((await get(t, null, '/partners/usage.csv')).statusCode, 303);
  } finally {
    await t.close();
  }
});
