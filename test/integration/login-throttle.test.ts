/**
 * Failed logins slow down the (account, address) pair and, for credential stuffing, the address;
 * never the account's owner somewhere else. Newsroom and partner portal, on both engines. The
 * limiter's clock is moved instead of sleeping.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { approvePartner } from '../../src/partners/decisions.js';
import { delayAfter } from '../../src/newsroom/login-limiter.js';
import { test } from 'node:test';

/** A pre-login form post (double-submit CSRF cookie) from the given address. */
function preLogin(t: TestApp, url: string, email: string, password: string, ip: string): Promise<LightMyRequestResponse> {
  const token = randomBytes(24).toString('base64url');
  const body = new URLSearchParams({ _csrf: token, email, password }).toString();
  return t.app.inject({
    method: 'POST',
    url,
    remoteAddress: ip,
    headers: { cookie: `fw_csrf=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body,
  });
}

function sessionCookie(res: LightMyRequestResponse, name: string): string | undefined {
  return res.cookies.find((c) => c.name === name && c.value !== '')?.value;
}

/** Puts the limiter on a clock the test moves. */
function fakeClock(t: TestApp): { advance(ms: number): void } {
  let now = Date.parse('2026-12-02T12:00:00.000Z');
  t.services.loginLimiter.now = () => now;
  return {
    advance(ms) {
      now += ms;
    },
  };
}

const ATTACKER = '203.0.113.7';
const OWNER = '198.51.100.20';

test('the delay doubles from 1 s after the free failures, up to the cap', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 5000].map((f) => delayAfter(f, 3, 30_000)), [0, 0, 0, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
});

for (const portal of [
  {
    name: 'newsroom',
    url: '/newsroom/login',
    cookie: 'fw_session',
    /** The account under attack and its password. */
    victim: async (t: TestApp) => ({ email: t.admin.email, password: t.admin.password }),
  },
  {
    name: 'partner portal',
    url: '/partners/login',
    cookie: 'fw_partner',
    victim: async (t: TestApp) => {
      const partner = await t.services.partners.apply({
        outlet: 'Valley Herald', website: 'https://valleyherald.example', contactName: 'Pat Partner', email: 'editor@valleyherald.example', audience: 250_000,
        evidence: 'Analytics screenshots for the last six months.', intendedUse: 'Republish environment stories.', acceptTerms: true,
      });
      const d = await approvePartner(t.services, SYSTEM_ACTOR, partner.id);
      const password = 'partner-password-123';
      await t.services.partners.acceptInvitation(new URL(d.invitationUrl!).pathname.split('/').pop(), { name: 'Pat Partner', password });
      return { email: 'editor@valleyherald.example', password };
    },
  },
]) {
  forEachDialect(`${portal.name} login: a hammered account still logs in from elsewhere; the attacker's address is slowed, then heard again`, async (_t, tdb) => {
    const t = await buildTestApp(tdb, { FREEWIRE_LOGIN_RATE_LIMIT: '3' });
    try {
      const clock = fakeClock(t);
      const victim = await portal.victim(t);

      for (let i = 0; i < 3; i++) assert.equal((await preLogin(t, portal.url, victim.email, `wrong-${i}-password`, ATTACKER)).statusCode, 401);
      // From the attacker's address, even the right password now waits: 429, Retry-After, a clear message.
      const slowed = await preLogin(t, portal.url, victim.email, victim.password, ATTACKER);
      assert.equal(slowed.statusCode, 429);
      assert.equal(slowed.headers['retry-after'], '1');
      assert.match(slowed.body, /Too many failed attempts to log in to this account from here\. Try again in 1 second\./);
      assert.equal(sessionCookie(slowed, portal.cookie), undefined);

      // The owner, from another address, logs in as usual.
      const owner = await preLogin(t, portal.url, victim.email, victim.password, OWNER);
      assert.equal(owner.statusCode, 303, owner.body);
      assert.ok(sessionCookie(owner, portal.cookie));

      // Once the wait is over the attacker is heard again; each further failure doubles the wait.
      clock.advance(1000);
      assert.equal((await preLogin(t, portal.url, victim.email, 'wrong-3-password', ATTACKER)).statusCode, 401);
      const twice = await preLogin(t, portal.url, victim.email, 'wrong-4-password', ATTACKER);
      assert.equal(twice.statusCode, 429);
      assert.equal(twice.headers['retry-after'], '2');
      clock.advance(1999);
      assert.equal((await preLogin(t, portal.url, victim.email, 'wrong-4-password', ATTACKER)).statusCode, 429, 'not a moment early');
      clock.advance(1);
      assert.equal((await preLogin(t, portal.url, victim.email, 'wrong-4-password', ATTACKER)).statusCode, 401);
      for (let i = 0; i < 5; i++) {
        clock.advance(30_000);
        assert.equal((await preLogin(t, portal.url, victim.email, `wrong-${5 + i}-password`, ATTACKER)).statusCode, 401);
      }
      const capped = await preLogin(t, portal.url, victim.email, victim.password, ATTACKER);
      assert.equal(capped.statusCode, 429);
      assert.equal(capped.headers['retry-after'], '30', 'the wait stops growing at 30 seconds');

      // An address that is not an account gets the same answers: nothing is revealed.
      for (let i = 0; i < 3; i++) assert.equal((await preLogin(t, portal.url, 'ghost@nowhere.example', `wrong-${i}-password`, OWNER)).statusCode, 401);
      const ghost = await preLogin(t, portal.url, 'ghost@nowhere.example', 'x-password', OWNER);
      assert.equal(ghost.statusCode, 429);
      assert.match(ghost.body, /Too many failed attempts to log in to this account from here/);

      // A success clears the pair: the owner, back at the attacker's address after the wait, starts afresh.
      clock.advance(30_000);
      assert.equal((await preLogin(t, portal.url, victim.email, victim.password, ATTACKER)).statusCode, 303);
      assert.equal((await preLogin(t, portal.url, victim.email, 'one-more-typo', ATTACKER)).statusCode, 401);
      assert.equal((await preLogin(t, portal.url, victim.email, victim.password, ATTACKER)).statusCode, 303);
    } finally {
      await t.close();
    }
  });

  forEachDialect(`${portal.name} login: one address failing across many accounts is slowed (credential stuffing)`, async (_t, tdb) => {
    const t = await buildTestApp(tdb, { FREEWIRE_LOGIN_RATE_LIMIT: '3' });
    try {
      const clock = fakeClock(t);
      const victim = await portal.victim(t);
      const stuffer = '192.0.2.99';
      // The address budget is five accounts' worth of free failures (15 here), one per account.
      for (let i = 0; i < 15; i++) assert.equal((await preLogin(t, portal.url, `person${i}@example.org`, 'Summer2026!', stuffer)).statusCode, 401, `attempt ${i}`);
      const limited = await preLogin(t, portal.url, victim.email, victim.password, stuffer);
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.headers['retry-after'], '1');
      assert.match(limited.body, /Too many failed logins from your network\. Try again in 1 second\./);
      // A fresh account from that address is slowed too, and the owner elsewhere is not.
      assert.equal((await preLogin(t, portal.url, 'person99@example.org', 'Summer2026!', stuffer)).statusCode, 429);
      assert.equal((await preLogin(t, portal.url, victim.email, victim.password, OWNER)).statusCode, 303);

      // The address's wait grows with each further failure, past the pair's cap.
      clock.advance(1000);
      assert.equal((await preLogin(t, portal.url, 'person16@example.org', 'Summer2026!', stuffer)).statusCode, 401);
      for (let i = 0; i < 6; i++) {
        const waited = await preLogin(t, portal.url, 'person17@example.org', 'Summer2026!', stuffer);
        assert.equal(waited.statusCode, 429);
        clock.advance(Number(waited.headers['retry-after']) * 1000);
        assert.equal((await preLogin(t, portal.url, `person${20 + i}@example.org`, 'Summer2026!', stuffer)).statusCode, 401);
      }
      const long = await preLogin(t, portal.url, victim.email, victim.password, stuffer);
      assert.equal(long.statusCode, 429);
      assert.equal(long.headers['retry-after'], '128');
      // A correct login does not reset the address (one valid account must not buy more guesses).
      clock.advance(128_000);
      assert.equal((await preLogin(t, portal.url, victim.email, victim.password, stuffer)).statusCode, 303);
      assert.equal((await preLogin(t, portal.url, 'person30@example.org', 'Summer2026!', stuffer)).statusCode, 401);
      assert.equal((await preLogin(t, portal.url, 'person31@example.org', 'Summer2026!', stuffer)).statusCode, 429);

      // After a quiet quarter of an hour the address starts from zero.
      clock.advance(15 * 60_000);
      assert.equal((await preLogin(t, portal.url, 'person32@example.org', 'Summer2026!', stuffer)).statusCode, 401);
      assert.equal((await preLogin(t, portal.url, 'person33@example.org', 'Summer2026!', stuffer)).statusCode, 401);
    } finally {
      await t.close();
    }
  });
}

forEachDialect('the counters live in the database: another node (another app on the same database) sees them', async (_t, tdb) => {
  const a = await buildTestApp(tdb, { FREEWIRE_LOGIN_RATE_LIMIT: '3' });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await preLogin(a, '/newsroom/login', a.admin.email, `wrong-${i}-password`, ATTACKER)).statusCode, 401);
    const { LoginLimiter } = await import('../../src/newsroom/login-limiter.js');
    const otherNode = new LoginLimiter(tdb.database.db, { freeFailures: 3 });
    const verdict = await otherNode.check('staff', a.admin.email.toUpperCase(), ATTACKER);
    assert.equal(verdict?.reason, 'account');
    assert.equal(await otherNode.check('staff', a.admin.email, OWNER), null);
    assert.equal(await otherNode.check('partner', a.admin.email, ATTACKER), null, 'staff and partner logins are counted apart');
    const rows = await tdb.database.db.selectFrom('login_throttle').selectAll().execute();
    assert.ok(rows.length >= 2);
    for (const r of rows) {
      assert.match(r.key, /^[0-9a-f]{64}$/, 'keys are hashes');
      assert.ok(!r.key.includes('admin') && !r.key.includes('203.0'));
    }
  } finally {
    await a.close();
  }
});

forEachDialect('the Account page password check shares the (account, address) budget: a stolen session cannot guess on', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_LOGIN_RATE_LIMIT: '3' });
  try {
    const clock = fakeClock(t);
    const change = (current: string, ip: string) =>
      t.app.inject({
        method: 'POST',
        url: '/newsroom/account/password',
        remoteAddress: ip,
        headers: { cookie: t.reporter.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: t.reporter.csrf, currentPassword: current, password: 'a-new-password-123', confirmPassword: 'a-new-password-123' }).toString(),
      });
    for (let i = 0; i < 3; i++) assert.equal((await change(`guess-${i}-password`, ATTACKER)).statusCode, 400);
    const slowed = await change(t.reporter.password, ATTACKER);
    assert.equal(slowed.statusCode, 429);
    assert.equal(slowed.headers['retry-after'], '1');
    assert.match(slowed.body, /Too many failed attempts to confirm your password from here\. Try again in 1 second\./);
    assert.ok(await t.services.users.authenticate(t.reporter.email, t.reporter.password), 'nothing changed');
    // The login form from that address is slowed for this account too; from elsewhere it is not.
    assert.equal((await preLogin(t, '/newsroom/login', t.reporter.email, t.reporter.password, ATTACKER)).statusCode, 429);
    assert.equal((await preLogin(t, '/newsroom/login', t.reporter.email, t.reporter.password, OWNER)).statusCode, 303);
    clock.advance(1000);
    assert.equal((await change(t.reporter.password, ATTACKER)).statusCode, 303);
  } finally {
    await t.close();
  }
});
