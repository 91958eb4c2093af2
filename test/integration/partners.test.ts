/**
 * Reviewing applications: approve (invitation email + one-time link), reject with a reason,
 * suspend; who may do it; the newsroom pages; the Admin API's partner routes (shapes, keys shown
 * once and stored hashed, Idempotency-Key); and the mail outbox, held without SMTP and sent
 * through a real (tiny, local) SMTP conversation when configured.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { MAX_ATTEMPTS, Mailer, SECRET_PLACEHOLDER } from '../../src/mail/mailer.js';
import { sha256Hex } from '../../src/util/ids.js';
import { buildTestApp, type TestApp, type TestUser } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

const APPLICATION = {
  outlet: 'The Daily Planet',
  website: 'https://www.dailyplanet.example',
  contactName: 'Lois Lane',
  email: 'lois@dailyplanet.example',
  audience: 250_000,
  evidence: 'Google Analytics, last three months average.',
  intendedUse: 'Our national news section, on the site and in the app.',
  acceptTerms: true,
};

async function applyAs(t: TestApp, patch: Partial<typeof APPLICATION> = {}): Promise<string> {
  const p = await t.services.partners.apply({ ...APPLICATION, ...patch });
  return p.id;
}

function form(app: FastifyInstance, user: TestUser, url: string, fields: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url,
    headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: user.csrf, ...fields }).toString(),
  });
}

function api(app: FastifyInstance, user: TestUser, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${user.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

function inviteToken(text: string): string {
  const m = /\/partners\/invite\/([A-Za-z0-9_-]+)/.exec(text);
  assert.ok(m, `an invitation link in: ${text}`);
  return m[1]!;
}

forEachDialect('approve as editor: invitation email held in the outbox, accepted once', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await applyAs(t);
    const list = await t.app.inject({ method: 'GET', url: '/newsroom/partners', headers: { cookie: t.editor.cookie } });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /The Daily Planet/);
    assert.match(list.body, /Pending <span class="count">\(1\)/);
    const detail = await t.app.inject({ method: 'GET', url: `/newsroom/partners/${id}`, headers: { cookie: t.editor.cookie } });
    assert.equal(detail.statusCode, 200);
    for (const text of ['lois@dailyplanet.example', '250,000', 'Google Analytics', 'Our national news section', 'Minimum audience', 'meets the minimum']) {
      assert.ok(detail.body.includes(text), `detail page shows ${text}`);
    }

    const res = await form(t.app, t.editor, `/newsroom/partners/${id}/approve`);
    assert.equal(res.statusCode, 303);
    assert.equal((await t.services.partners.get(id)).status, 'approved');
    const outbox = await t.services.mailer.list({ to: APPLICATION.email });
    assert.equal(outbox.total, 1);
    const mail = outbox.items[0]!;
    assert.equal(mail.status, 'held', 'no SMTP configured: held for the newsroom');
    assert.match(mail.subject, /approved/);
    // The outbox, which editors read, has a placeholder where the link goes; without SMTP
    // nothing would ever send the link, so it is not stored at all.
    assert.match(mail.text, /Set up your partner login with this link\. .*\n\[invitation link — sent to the recipient only\]\n/);
    assert.doesNotMatch(mail.text, /\/partners\/invite\//);
    const outboxRow = await tdb.database.db.selectFrom('mail_outbox').selectAll().where('id', '=', mail.id).executeTakeFirstOrThrow();
    assert.equal(outboxRow.secret, null);
    const first = await tdb.database.db.selectFrom('partner_invitations').selectAll().where('partner_id', '=', id).execute();
    assert.equal(first.length, 1);

    const mailPage = await t.app.inject({ method: 'GET', url: '/newsroom/mail', headers: { cookie: t.editor.cookie } });
    assert.equal(mailPage.statusCode, 200);
    assert.match(mailPage.body, /approved to republish/);
    const view = await t.app.inject({ method: 'GET', url: `/newsroom/mail/${mail.id}`, headers: { cookie: t.editor.cookie } });
    assert.equal(view.statusCode, 200);
    assert.doesNotMatch(view.body, /partners\/invite/);
    assert.match(view.body, /an admin creates a fresh one on the partner’s page/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/newsroom/mail', headers: { cookie: t.reporter.cookie } })).statusCode, 403);

    // Only an admin can create a link to pass on; it replaces the one in the email.
    const editorView = await t.app.inject({ method: 'GET', url: `/newsroom/partners/${id}`, headers: { cookie: t.editor.cookie } });
    assert.doesNotMatch(editorView.body, /Create an invitation link/);
    assert.equal((await form(t.app, t.editor, `/newsroom/partners/${id}/invitation`)).statusCode, 403);
    assert.match((await t.app.inject({ method: 'GET', url: `/newsroom/partners/${id}`, headers: { cookie: t.admin.cookie } })).body, /Create an invitation link/);
    const created = await form(t.app, t.admin, `/newsroom/partners/${id}/invitation`);
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const token = inviteToken(/id="new-invitation"[^>]*value="([^"]+)"/.exec(created.body)![1]!);
    const rows = await tdb.database.db.selectFrom('partner_invitations').selectAll().where('partner_id', '=', id).execute();
    assert.equal(rows.length, 2);
    const fresh = rows.find((r) => r.token_hash === sha256Hex(token));
    assert.ok(fresh, 'only the hash is stored');
    assert.equal(Date.parse(fresh.expires_at) - Date.parse(fresh.created_at), 14 * 86_400_000);
    const old = rows.find((r) => r !== fresh)!;
    assert.ok(Date.parse(old.expires_at) <= Date.now(), 'the earlier link stops working');
    const audit = await tdb.database.db.selectFrom('audit_log').select(['actor_label', 'target_id']).where('action', '=', 'partner.invitation_link').execute();
    assert.deepEqual(audit, [{ actor_label: t.admin.email, target_id: id }]);
    const afterwards = await t.app.inject({ method: 'GET', url: `/newsroom/partners/${id}`, headers: { cookie: t.admin.cookie } });
    assert.ok(!afterwards.body.includes(token), 'shown once');

    const info = await t.services.partners.getInvitation(token);
    assert.equal(info.email, APPLICATION.email);
    await assert.rejects(t.services.partners.acceptInvitation(token, { name: 'Lois', password: 'short' }), (e: { code: string; details: Record<string, string[]> }) => e.code === 'VALIDATION' && !!e.details.password);
    const user = await t.services.partners.acceptInvitation(token, { name: 'Lois Lane', password: 'a-long-enough-password' });
    assert.equal(user.email, APPLICATION.email);
    assert.equal(user.partnerId, id);
    const stored = await tdb.database.db.selectFrom('partner_users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.match(stored.password_hash!, /^\$argon2id\$/);
    await assert.rejects(t.services.partners.acceptInvitation(token, { name: 'Again', password: 'a-long-enough-password' }), (e: { code: string; message: string }) => e.code === 'GONE' && /already been used/.test(e.message));
    await assert.rejects(t.services.partners.acceptInvitation('x'.repeat(43), { name: 'Nobody', password: 'a-long-enough-password' }), (e: { code: string }) => e.code === 'NOT_FOUND');
    const once = await form(t.app, t.admin, `/newsroom/partners/${id}/invitation`);
    assert.equal(once.statusCode, 409, 'a partner with a login needs no invitation');
    assert.match(once.body, /already has a partner login/);

    // An expired invitation is refused with its own message.
    await t.services.partners.suspend(SYSTEM_ACTOR, id);
    await tdb.database.db.deleteFrom('partner_users').where('partner_id', '=', id).execute();
    await t.services.partners.approve(SYSTEM_ACTOR, id);
    const second = await t.services.partners.createInvitation(id);
    const later = new Date(Date.now() + 15 * 86_400_000);
    await assert.rejects(t.services.partners.acceptInvitation(second.token, { name: 'Late', password: 'a-long-enough-password' }, later), (e: { code: string; message: string }) => e.code === 'GONE' && /expired/.test(e.message));
  } finally {
    await t.close();
  }
});

forEachDialect('reporters cannot review; reject needs a reason and emails it; suspend', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await applyAs(t);
    assert.equal((await t.app.inject({ method: 'GET', url: '/newsroom/partners', headers: { cookie: t.reporter.cookie } })).statusCode, 403);
    assert.equal((await form(t.app, t.reporter, `/newsroom/partners/${id}/approve`)).statusCode, 403);
    assert.equal((await api(t.app, t.reporter, 'POST', `/api/admin/partners/${id}/approve`)).statusCode, 403);
    assert.equal((await t.services.partners.get(id)).status, 'pending');
    assert.equal((await t.services.mailer.list()).total, 0);
    const noCsrf = await t.app.inject({ method: 'POST', url: `/newsroom/partners/${id}/approve`, headers: { cookie: t.editor.cookie } });
    assert.equal(noCsrf.statusCode, 403);

    const blank = await form(t.app, t.editor, `/newsroom/partners/${id}/reject`, { reason: '   ' });
    assert.equal(blank.statusCode, 400);
    assert.match(blank.body, /id="f-reason-error"/);
    assert.equal((await t.services.partners.get(id)).status, 'pending');

    const rejected = await form(t.app, t.editor, `/newsroom/partners/${id}/reject`, { reason: 'Your audience figure could not be verified.' });
    assert.equal(rejected.statusCode, 303);
    const p = await t.services.partners.get(id);
    assert.equal(p.status, 'rejected');
    assert.equal(p.decisionReason, 'Your audience figure could not be verified.');
    const mail = (await t.services.mailer.list({ to: APPLICATION.email })).items[0]!;
    assert.match(mail.text, /Your audience figure could not be verified\./);
    assert.doesNotMatch(mail.text, /invite/);

    const second = await applyAs(t, { email: 'perry@dailyplanet.example' });
    await form(t.app, t.admin, `/newsroom/partners/${second}/approve`);
    const suspended = await form(t.app, t.editor, `/newsroom/partners/${second}/suspend`, { reason: 'Ads sold against our stories.' });
    assert.equal(suspended.statusCode, 303);
    assert.equal((await t.services.partners.get(second)).status, 'suspended');
    const notices = (await t.services.mailer.list({ to: 'perry@dailyplanet.example' })).items.map((m) => m.subject);
    assert.equal(notices.length, 2);
    assert.match(notices[0]!, /suspended/);
    const again = await form(t.app, t.editor, `/newsroom/partners/${second}/suspend`);
    assert.equal(again.statusCode, 409, 'only approved partners can be suspended');

    const tabs = await t.app.inject({ method: 'GET', url: '/newsroom/partners?status=suspended', headers: { cookie: t.editor.cookie } });
    assert.match(tabs.body, /Suspended <span class="count">\(1\)/);
    assert.match(tabs.body, /Rejected <span class="count">\(1\)/);
  } finally {
    await t.close();
  }
});

forEachDialect('eligibility rules page (admins) and re-evaluation', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const id = await applyAs(t, { audience: 60_000 });
    assert.equal((await t.app.inject({ method: 'GET', url: '/newsroom/partners/rules', headers: { cookie: t.editor.cookie } })).statusCode, 403);
    const bad = await form(t.app, t.admin, '/newsroom/partners/rules', { minAudience: 'many', blockedDomains: 'not a domain!' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-minAudience-error"/);
    const ok = await form(t.app, t.admin, '/newsroom/partners/rules', { minAudience: '100,000', blockedDomains: 'spam.example\nhttps://www.junk.example/', manualReview: 'false' });
    assert.equal(ok.statusCode, 303);
    const rules = await t.services.partners.rules();
    assert.deepEqual(rules, { minAudience: 100_000, requiredFields: [], blockedDomains: ['spam.example', 'junk.example'], manualReview: false });
    assert.equal((await t.services.partners.get(id)).eligibility.eligible, true, 'verdicts already given stay');
    const re = await form(t.app, t.editor, `/newsroom/partners/${id}/reevaluate`);
    assert.equal(re.statusCode, 303);
    const p = await t.services.partners.get(id);
    assert.equal(p.eligibility.eligible, false);
    assert.match(p.eligibility.results.find((r) => r.rule === 'minAudience')!.reason, /60,000 is below the minimum of 100,000/);
  } finally {
    await t.close();
  }
});

forEachDialect('Admin API: list, get, approve with invitationUrl, reject, suspend, keys, eligibility', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const a = await applyAs(t);
    const b = await applyAs(t, { email: 'b@other.example', website: 'https://other.example' });
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/admin/partners' })).statusCode, 401);

    const all = await api(t.app, t.editor, 'GET', '/api/admin/partners?status=pending');
    assert.equal(all.statusCode, 200);
    const listed = all.json() as { items: Array<{ id: string; eligibility: { results: unknown[] } }>; total: number };
    assert.equal(listed.total, 2);
    assert.ok(listed.items[0]!.eligibility.results.length > 0);
    assert.equal((await api(t.app, t.editor, 'GET', '/api/admin/partners?status=nonsense')).statusCode, 400);
    assert.equal((await api(t.app, t.editor, 'GET', '/api/admin/partners?limit=0')).statusCode, 400);
    assert.equal((await api(t.app, t.editor, 'GET', `/api/admin/partners/${a}`)).json().outlet, 'The Daily Planet');
    assert.equal((await api(t.app, t.editor, 'GET', '/api/admin/partners/nope')).statusCode, 404);
    assert.equal((await api(t.app, t.editor, 'GET', '/api/admin/partners/a%00b')).statusCode, 400);

    const approved = await api(t.app, t.editor, 'POST', `/api/admin/partners/${a}/approve`);
    assert.equal(approved.statusCode, 200);
    const d = approved.json() as { partner: { status: string }; invitationUrl: string; mailId: string };
    assert.equal(d.partner.status, 'approved');
    assert.match(d.invitationUrl, /^http:\/\/news\.test\/partners\/invite\/[A-Za-z0-9_-]{43}$/);
    const mail = await t.services.mailer.get(d.mailId);
    assert.ok(!mail.text.includes(d.invitationUrl), 'the caller gets the link; the outbox does not');
    assert.ok(mail.text.includes(SECRET_PLACEHOLDER));
    assert.equal((await api(t.app, t.editor, 'POST', `/api/admin/partners/${a}/approve`)).statusCode, 409);

    const noReason = await api(t.app, t.editor, 'POST', `/api/admin/partners/${b}/reject`, {});
    assert.equal(noReason.statusCode, 400);
    assert.deepEqual((noReason.json() as { error: { details: Record<string, string[]> } }).error.details.reason, ['is required']);
    const extra = await api(t.app, t.editor, 'POST', `/api/admin/partners/${b}/reject`, { reason: 'x', also: 1 });
    assert.equal(extra.statusCode, 400);
    const rej = await api(t.app, t.editor, 'POST', `/api/admin/partners/${b}/reject`, { reason: 'Not a news publisher.' });
    assert.equal(rej.statusCode, 200);
    assert.equal((rej.json() as { partner: { status: string; decisionReason: string } }).partner.decisionReason, 'Not a news publisher.');
    assert.match((await t.services.mailer.get((rej.json() as { mailId: string }).mailId)).text, /Not a news publisher\./);

    // Keys: shown once, stored hashed, idempotent without replaying the secret.
    const keyRes = await api(t.app, t.editor, 'POST', `/api/admin/partners/${a}/keys`, { name: 'CMS import' }, { 'idempotency-key': 'key-1' });
    assert.equal(keyRes.statusCode, 201);
    const key = keyRes.json() as { id: string; name: string; key: string };
    assert.equal(key.name, 'CMS import');
    assert.match(key.key, /^fwp_/);
    const replay = await api(t.app, t.editor, 'POST', `/api/admin/partners/${a}/keys`, { name: 'CMS import' }, { 'idempotency-key': 'key-1' });
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.json(), { id: key.id, name: 'CMS import' });
    const keyRows = await tdb.database.db.selectFrom('partner_keys').selectAll().where('partner_id', '=', a).execute();
    assert.equal(keyRows.length, 1);
    assert.equal(keyRows[0]!.key_hash, sha256Hex(key.key));
    const idem = await tdb.database.db.selectFrom('idempotency_keys').select('response_json').execute();
    const everything = JSON.stringify([keyRows, idem]);
    assert.ok(!everything.includes(key.key), 'the plaintext key is nowhere in the database');
    assert.equal((await t.services.partners.resolveApiKey(key.key))?.partner.id, a);
    assert.equal((await api(t.app, t.editor, 'POST', `/api/admin/partners/${b}/keys`, { name: 'x' })).statusCode, 409, 'rejected partners get no keys');
    assert.equal((await api(t.app, t.editor, 'POST', `/api/admin/partners/${a}/keys`, { name: '' })).statusCode, 400);
    assert.equal((await api(t.app, t.reporter, 'POST', `/api/admin/partners/${a}/keys`, { name: 'x' })).statusCode, 403);

    const susp = await api(t.app, t.editor, 'POST', `/api/admin/partners/${a}/suspend`, { reason: 'Paywalled our stories.' });
    assert.equal(susp.statusCode, 200);
    assert.equal((susp.json() as { partner: { status: string } }).partner.status, 'suspended');
    const restored = await api(t.app, t.editor, 'POST', `/api/admin/partners/${a}/approve`);
    assert.match(String((restored.json() as { invitationUrl: string | null }).invitationUrl), /\/partners\/invite\//, 'nobody accepted the first invitation: restoring sends a fresh one');

    const rules = await api(t.app, t.editor, 'GET', '/api/admin/eligibility');
    assert.deepEqual(rules.json(), { minAudience: 50_000, requiredFields: ['evidence', 'intendedUse'], blockedDomains: [], manualReview: true });
    assert.equal((await api(t.app, t.editor, 'PUT', '/api/admin/eligibility', { minAudience: 1 })).statusCode, 403, 'editors cannot change the rules');
    const put = await api(t.app, t.admin, 'PUT', '/api/admin/eligibility', { minAudience: 10_000, blockedDomains: ['spam.example'] });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), { minAudience: 10_000, requiredFields: ['evidence', 'intendedUse'], blockedDomains: ['spam.example'], manualReview: true });
    assert.equal((await api(t.app, t.admin, 'PUT', '/api/admin/eligibility', { minAudience: '10' })).statusCode, 400);
    assert.equal((await api(t.app, t.admin, 'PUT', '/api/admin/eligibility', { manualReview: 'yes' })).statusCode, 400);
    assert.equal((await api(t.app, t.admin, 'PUT', '/api/admin/eligibility', { colour: 1 })).statusCode, 400);

    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json' })).json() as { paths: Record<string, unknown> };
    for (const p of ['/api/admin/partners', '/api/admin/partners/{id}/approve', '/api/admin/partners/{id}/keys', '/api/admin/eligibility']) assert.ok(doc.paths[p], `${p} documented`);
  } finally {
    await t.close();
  }
});

/** A tiny SMTP server: enough of RFC 5321 for nodemailer to deliver one message. */
function fakeSmtp(): Promise<{ port: number; messages: string[]; close(): Promise<void> }> {
  const messages: string[] = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let inData = false;
    let data = '';
    socket.write('220 fake.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push(data);
            data = '';
            socket.write('250 2.0.0 queued\r\n');
          } else data += `${line}\n`;
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') socket.write('250 fake.test\r\n');
        else if (cmd === 'MAIL' || cmd === 'RCPT' || cmd === 'RSET' || cmd === 'NOOP') socket.write('250 2.1.0 ok\r\n');
        else if (cmd === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (cmd === 'QUIT') {
          socket.write('221 bye\r\n');
          socket.end();
        } else socket.write('502 not implemented\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, messages, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

forEachDialect('mailer: sends through SMTP and marks the row sent; failures are kept and retried', async (_t, tdb) => {
  const smtp = await fakeSmtp();
  const db = tdb.database.db;
  try {
    const mailer = new Mailer(db, { smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: 'Newsroom <newsroom@news.test>' });
    const sent = await mailer.send({ to: 'Lois@DailyPlanet.example', subject: 'Hello\r\nBcc: evil@example.com', text: 'Line one\nLine two' });
    assert.equal(sent.status, 'sent');
    assert.equal(sent.attempts, 1);
    assert.ok(sent.sentAt);
    assert.equal(smtp.messages.length, 1);
    const raw = smtp.messages[0]!;
    assert.match(raw, /^To: lois@dailyplanet\.example$/m);
    assert.match(raw, /^Subject: Hello Bcc: evil@example.com$/m, 'a newline in a subject cannot add a header');
    assert.doesNotMatch(raw, /^Bcc:/m);
    assert.match(raw, /Line one/);
    await mailer.stop();

    // Nothing listens here: the attempt fails, the message stays for the retry loop.
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const broken = new Mailer(db, { smtpUrl: `smtp://127.0.0.1:${deadPort}`, from: 'n@news.test' });
    const failed = await broken.send({ to: 'perry@dailyplanet.example', subject: 'Retry me', text: 'x' });
    assert.equal(failed.status, 'failed');
    assert.ok(failed.lastError);
    await broken.stop();
    const healed = new Mailer(db, { smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: 'n@news.test' });
    assert.equal(await healed.retryDue(new Date()), 0, 'not before its pause');
    assert.equal(await healed.retryDue(new Date(Date.now() + 61_000)), 1);
    assert.equal((await healed.get(failed.id)).status, 'sent');
    assert.equal((await healed.get(failed.id)).attempts, 2);
    assert.equal(smtp.messages.length, 2);
    await healed.stop();

    // Without SMTP nothing is sent and nothing is lost.
    const held = new Mailer(db, { smtpUrl: undefined, from: 'n@news.test' });
    const h = await held.send({ to: 'jimmy@dailyplanet.example', subject: 'Held', text: 'kept' });
    assert.equal(h.status, 'held');
    assert.equal(await held.retryDue(new Date(Date.now() + 86_400_000)), 0);
    assert.equal(smtp.messages.length, 2);
    await assert.rejects(held.send({ to: 'not an address', subject: 's', text: 't' }), (e: { code: string }) => e.code === 'VALIDATION');
    assert.deepEqual(await held.counts(), { queued: 0, sent: 2, failed: 0, held: 1 });
  } finally {
    await smtp.close();
  }
});

/** The text part of a raw message as the fake SMTP server received it (quoted-printable or base64 decoded). */
function mailBody(raw: string): string {
  const split = raw.indexOf('\n\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 2);
  if (/^Content-Transfer-Encoding: quoted-printable$/im.test(head)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  if (/^Content-Transfer-Encoding: base64$/im.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

forEachDialect('invitation links: SMTP gets the working link, the outbox and its pages never do, and the stored secret is gone once sent', async (_t, tdb) => {
  const smtp = await fakeSmtp();
  const t = await buildTestApp(tdb, { FREEWIRE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
  try {
    const id = await applyAs(t);
    assert.equal((await form(t.app, t.editor, `/newsroom/partners/${id}/approve`)).statusCode, 303);
    await t.services.mailer.idle();

    assert.equal(smtp.messages.length, 1);
    const sent = mailBody(smtp.messages[0]!);
    const link = /http:\/\/news\.test\/partners\/invite\/([A-Za-z0-9_-]{43})/.exec(sent);
    assert.ok(link, `the delivered email carries the link: ${sent}`);
    assert.doesNotMatch(sent, /sent to the recipient only/);
    const token = link[1]!;
    assert.equal((await t.services.partners.getInvitation(token)).email, APPLICATION.email, 'and the link works');

    const row = await tdb.database.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', APPLICATION.email).executeTakeFirstOrThrow();
    assert.equal(row.status, 'sent');
    assert.equal(row.secret, null, 'delivered: the secret is deleted');
    assert.ok(row.text_body.includes(SECRET_PLACEHOLDER));
    const everything = JSON.stringify(await tdb.database.db.selectFrom('mail_outbox').selectAll().execute());
    assert.ok(!everything.includes(token), 'the token is nowhere in the outbox table');

    for (const url of ['/newsroom/mail', `/newsroom/mail/${row.id}`, `/newsroom/partners/${id}`, '/newsroom/mail?status=sent']) {
      const page = await t.app.inject({ method: 'GET', url, headers: { cookie: t.editor.cookie } });
      assert.equal(page.statusCode, 200, url);
      assert.ok(!page.body.includes(token), `${url} does not show the token`);
      assert.doesNotMatch(page.body, /partners\/invite\//, url);
    }

    const user = await t.services.partners.acceptInvitation(token, { name: 'Lois Lane', password: 'a-long-enough-password' });
    assert.equal(user.partnerId, id);
  } finally {
    await t.close();
    await smtp.close();
  }
});

forEachDialect('invitation links: while SMTP fails the secret waits apart from the text, and goes when the mailer gives up', async (_t, tdb) => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const mailer = new Mailer(tdb.database.db, { smtpUrl: `smtp://127.0.0.1:${deadPort}`, from: 'n@news.test' });
  try {
    const secret = 'http://news.test/partners/invite/SeCrEt-$&-token-0123456789012345678901234';
    const msg = await mailer.send({ to: 'perry@dailyplanet.example', subject: 'Invitation', text: `Your link:\n${SECRET_PLACEHOLDER}\n`, secret });
    assert.equal(msg.status, 'failed');
    assert.ok(!JSON.stringify(msg).includes('SeCrEt'), 'what the outbox hands out has no secret');
    assert.ok(!JSON.stringify(await mailer.list()).includes('SeCrEt'));
    const stored = () => tdb.database.db.selectFrom('mail_outbox').select(['secret', 'attempts', 'status']).where('id', '=', msg.id).executeTakeFirstOrThrow();
    assert.equal((await stored()).secret, secret, 'kept for the retries');
    for (let i = 1; i < MAX_ATTEMPTS; i++) await mailer.retryDue(new Date(Date.now() + (i + 1) * 3 * 3600_000));
    const last = await stored();
    assert.equal(last.attempts, MAX_ATTEMPTS);
    assert.equal(last.status, 'failed');
    assert.equal(last.secret, null, 'given up: the secret goes too');

    // A secret and its placeholder go together.
    await assert.rejects(mailer.send({ to: 'a@b.example', subject: 's', text: 'no placeholder', secret: 'x' }));
    await assert.rejects(mailer.send({ to: 'a@b.example', subject: 's', text: SECRET_PLACEHOLDER }));
  } finally {
    await mailer.stop();
  }
});
