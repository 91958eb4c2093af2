/**
 * The tips inbox and setup through HTTP, on both engines: who may open what (every route, JSON
 * and attachments included), listing with filters, reading ciphertext, replies sealed to the
 * source and the newsroom, assignments, labels and status with revisions (409 when stale), bad
 * input (4xx with field messages), CSRF on every change, deletion that leaves no ciphertext in
 * the SQLite file, the grant on the users page and the Admin API, and random bodies (never a 5xx).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, type TestApp, type TestUser } from '../helpers/app.js';
import { seedTip, setupTipKey, unlockTipKey, TEST_PASSPHRASE } from '../helpers/tips.js';
import { actorFor } from '../../src/users/users.service.js';
import { deriveCodenameSecrets } from '../../src/tips/codename.js';
import { loadSodium, tipCrypto } from '../../src/tips/sodium.js';
import { TIP_CONTENT_SECURITY_POLICY } from '../../src/http/security.js';

function get(t: TestApp, who: TestUser | null, url: string, json = true): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: { ...(who ? { cookie: who.cookie } : {}), ...(json ? { accept: 'application/json' } : {}) } });
}

function post(t: TestApp, who: TestUser, url: string, body: unknown, opts: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
  const csrf = opts.csrf === undefined ? who.csrf : opts.csrf;
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: who.cookie, 'content-type': 'application/json', accept: 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    payload: JSON.stringify(body),
  });
}

function form(t: TestApp, who: TestUser, url: string, data: Record<string, string>): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: who.csrf, ...data }).toString(),
  });
}

async function world(tdb: Parameters<Parameters<typeof forEachDialect>[1]>[1]) {
  const t = await buildTestApp(tdb);
  const admin = actorFor(await t.services.users.get(t.admin.id));
  const key = await setupTipKey(t.services, admin);
  const canary = Buffer.concat([Buffer.from('INBOX-ATTACHMENT-CANARY'), Buffer.alloc(30_000, 'q')]);
  const first = await seedTip(t.services, { text: 'first tip text', attachments: [{ name: 'memo.pdf', type: 'application/pdf', data: canary }] });
  const second = await seedTip(t.services, { text: 'second tip text' });
  return { t, key, canary, first, second };
}

async function auditActions(t: TestApp): Promise<string[]> {
  return (await t.services.database.db.selectFrom('audit_log').select(['action', 'details_json']).execute()).map((r) => r.action);
}

forEachDialect('tips inbox: only granted users open any tips route; admins set up; the users page and the Admin API grant', async (_t, tdb) => {
  const { t, first } = await world(tdb);
  try {
    const [att] = await t.services.tipStore.attachments(first.conversationId);
    const c = first.conversationId;
    const reads = ['/newsroom/tips/keys', '/newsroom/tips/readers', '/newsroom/tips/conversations', `/newsroom/tips/conversations/${c}`, `/newsroom/tips/conversations/${c}/attachments/${att!.id}`];
    const writes: Array<[string, unknown]> = [
      [`/newsroom/tips/conversations/${c}`, { revision: 0, status: 'closed' }],
      [`/newsroom/tips/conversations/${c}/replies`, { keyId: 'x', sealed: 'AAAA', sealedForSource: 'AAAA' }],
      [`/newsroom/tips/conversations/${c}/delete`, {}],
    ];
    for (const who of [t.editor, t.reporter]) {
      for (const url of reads) assert.equal((await get(t, who, url)).statusCode, 403, `${who.role} GET ${url}`);
      for (const [url, body] of writes) assert.equal((await post(t, who, url, body)).statusCode, 403, `${who.role} POST ${url}`);
      const page = await get(t, who, '/newsroom/tips', false);
      assert.equal(page.statusCode, 403);
      assert.match(page.body, /An admin grants access/);
      assert.equal((await get(t, who, '/newsroom/tips/setup', false)).statusCode, 403);
      assert.equal((await post(t, who, '/newsroom/tips/keys', { key: {}, rotate: true })).statusCode, 403);
      assert.doesNotMatch((await get(t, who, '/newsroom/stories', false)).body, /href="\/newsroom\/tips"/, 'no Tips in the nav');
    }
    assert.equal((await get(t, null, '/newsroom/tips/conversations')).statusCode, 401);
    assert.equal((await get(t, null, '/newsroom/tips', false)).statusCode, 303);
    // The admin set the key up, so has access; the page carries the tip headers.
    const page = await get(t, t.admin, '/newsroom/tips', false);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['content-security-policy'], TIP_CONTENT_SECURITY_POLICY);
    assert.match(page.body, /href="\/newsroom\/tips"/);
    assert.match(page.body, /Unlock the inbox/);
    const list = await get(t, t.admin, '/newsroom/tips/conversations');
    assert.equal(list.headers['cache-control'], 'no-store');
    assert.equal(list.headers['referrer-policy'], 'no-referrer');

    // An admin grants the editor access on the users page.
    const grant = await form(t, t.admin, `/newsroom/users/${t.editor.id}/tips`, { tipsAccess: 'yes' });
    assert.equal(grant.statusCode, 303);
    for (const url of reads) assert.equal((await get(t, t.editor, url)).statusCode, 200, `granted editor GET ${url}`);
    assert.match((await get(t, t.editor, '/newsroom/stories', false)).body, /href="\/newsroom\/tips"/);
    assert.equal((await get(t, t.editor, '/newsroom/tips/setup', false)).statusCode, 403, 'setup stays with admins');
    assert.equal((await form(t, t.editor, `/newsroom/users/${t.reporter.id}/tips`, { tipsAccess: 'yes' })).statusCode, 403, 'editors cannot grant');
    assert.match((await get(t, t.admin, `/newsroom/users/${t.editor.id}`, false)).body, /Revoke tips access/);
    // Revoked through the Admin API; the user schema carries the flag.
    const patch = await t.app.inject({ method: 'PATCH', url: `/api/admin/users/${t.editor.id}`, headers: { authorization: `Bearer ${t.admin.token}` }, payload: { tipsAccess: false } });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.equal(patch.json().tipsAccess, false);
    assert.equal((await get(t, t.editor, '/newsroom/tips/conversations')).statusCode, 403);
    const users = await t.app.inject({ method: 'GET', url: '/api/admin/users', headers: { authorization: `Bearer ${t.admin.token}` } });
    assert.equal(users.json().items.find((u: { id: string }) => u.id === t.admin.id).tipsAccess, true);
    const bad = await t.app.inject({ method: 'PATCH', url: `/api/admin/users/${t.editor.id}`, headers: { authorization: `Bearer ${t.admin.token}` }, payload: { tipsAccess: 'yes' } });
    assert.equal(bad.statusCode, 400);
    const byEditor = await t.app.inject({ method: 'PATCH', url: `/api/admin/users/${t.reporter.id}`, headers: { authorization: `Bearer ${t.editor.token}` }, payload: { tipsAccess: true } });
    assert.equal(byEditor.statusCode, 403);
    const actions = await auditActions(t);
    assert.ok(actions.includes('user.tips_granted') && actions.includes('user.tips_revoked'));

    // An admin without access sees how to get it.
    await t.services.users.setTipsAccess(actorFor(await t.services.users.get(t.admin.id)), t.admin.id, false);
    const noAccess = await get(t, t.admin, '/newsroom/tips', false);
    assert.equal(noAccess.statusCode, 403);
    assert.match(noAccess.body, /May read tips/);
    assert.match(noAccess.body, /\/newsroom\/tips\/setup/);
    assert.equal((await get(t, t.admin, '/newsroom/tips/setup', false)).statusCode, 200);
  } finally {
    await t.close();
  }
});

forEachDialect('tips setup: a record made elsewhere is stored; a second needs rotate; bad records are 400; CSRF required', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const sodium = await loadSodium();
    const cost = { opslimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, memlimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE };
    const setup = await get(t, t.admin, '/newsroom/tips/setup', false);
    assert.equal(setup.statusCode, 200);
    assert.match(setup.body, /can never be read/);
    assert.match(setup.body, /npx freewire tips setup --passphrase-stdin/);
    assert.doesNotMatch(setup.body, /<input[^>]*name="[^"]*passphrase/i, 'passphrase fields have no name: they are never submitted');
    assert.equal(setup.headers['content-security-policy'], TIP_CONTENT_SECURITY_POLICY);
    const record = tipCrypto.createNewsroomKey(sodium, TEST_PASSPHRASE, cost);
    assert.equal((await post(t, t.admin, '/newsroom/tips/keys', { key: record }, { csrf: null })).statusCode, 403, 'CSRF');
    assert.equal((await post(t, t.admin, '/newsroom/tips/keys', { key: record }, { csrf: 'wrong-token-wrong-token' })).statusCode, 403);
    const created = await post(t, t.admin, '/newsroom/tips/keys', { key: record, rotate: false });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().fingerprint, record.fingerprint);
    const again = await post(t, t.admin, '/newsroom/tips/keys', { key: tipCrypto.createNewsroomKey(sodium, 'another passphrase here', cost) });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.message, /Rotate/);
    const rotated = await post(t, t.admin, '/newsroom/tips/keys', { key: tipCrypto.createNewsroomKey(sodium, 'another passphrase here', cost), rotate: true });
    assert.equal(rotated.statusCode, 201);
    const page = await get(t, t.admin, '/newsroom/tips/setup?done=1', false);
    assert.match(page.body, /Rotate the key/);
    assert.match(page.body, new RegExp(record.fingerprint));
    assert.match(page.body, /Retired/);
    for (const body of [{}, { key: { publicKey: 'x' } }, { key: record, rotate: 'yes' }, [], 'text', { key: { ...record, opslimit: 1 } }]) {
      const r = await post(t, t.admin, '/newsroom/tips/keys', body);
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${JSON.stringify(body)} → ${r.statusCode}`);
    }
    const weak = await post(t, t.admin, '/newsroom/tips/keys', { key: tipCrypto.createNewsroomKey(sodium, 'x', { opslimit: 1, memlimit: 8192 }), rotate: true });
    assert.equal(weak.statusCode, 400);
    assert.ok(weak.json().error.details.key);
  } finally {
    await t.close();
  }
});

forEachDialect('tips inbox: list, read, reply, assign, label, status with revisions, delete removes every byte', async (_t, tdb) => {
  const { t, key, canary, first, second } = await world(tdb);
  try {
    const sodium = await loadSodium();
    const pair = await unlockTipKey(key);
    await t.services.users.setTipsAccess(actorFor(await t.services.users.get(t.admin.id)), t.editor.id, true);

    const list = (await get(t, t.editor, '/newsroom/tips/conversations')).json();
    assert.equal(list.items.length, 2);
    const item = list.items.find((i: { id: string }) => i.id === first.conversationId);
    assert.equal(item.status, 'new');
    assert.equal(item.unread, true);
    assert.equal(item.attachmentCount, 1);
    assert.equal(item.messageCount, 1);
    assert.ok(item.totalBytes > canary.length);
    assert.match(item.receivedAt, /T\d\d:00:00\.000Z$/, 'whole hours');
    assert.deepEqual(item.labels, []);

    // Read: ciphertext only, opened with the key.
    const detail = (await get(t, t.editor, `/newsroom/tips/conversations/${first.conversationId}`)).json();
    assert.equal(detail.status, 'open', 'opening a new tip makes it open');
    assert.equal(detail.unread, false);
    assert.equal(detail.messages.length, 1);
    assert.equal(detail.messages[0].encryptedIn, 'browser');
    assert.equal(JSON.stringify(detail).includes('first tip text'), false);
    const opened = tipCrypto.openMessage(sodium, Buffer.from(detail.messages[0].sealed, 'base64'), pair);
    assert.equal(opened.text, 'first tip text');
    const att = await get(t, t.editor, `/newsroom/tips/conversations/${first.conversationId}/attachments/${detail.messages[0].attachments[0].id}`);
    assert.equal(att.statusCode, 200);
    assert.equal(att.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(Buffer.from(tipCrypto.decryptAttachment(sodium, new Uint8Array(att.rawPayload), opened.attachments[0]!.key)), canary);
    assert.equal((await get(t, t.editor, `/newsroom/tips/conversations/${second.conversationId}/attachments/${detail.messages[0].attachments[0].id}`)).statusCode, 404, 'attachment of another tip');
    assert.equal((await get(t, t.editor, '/newsroom/tips/conversations/not-an-id')).statusCode, 404);
    assert.equal((await get(t, t.editor, '/newsroom/tips/conversations/00000000-0000-4000-8000-000000000000')).statusCode, 404);

    // Reply: sealed twice in the browser; the source opens it with the codename.
    const replyKey = tipCrypto.fromBase64(sodium, detail.replyPublicKey);
    const reply = {
      keyId: key.id,
      sealed: tipCrypto.toBase64(sodium, tipCrypto.sealMessage(sodium, pair.publicKey, { text: 'thank you, source' })),
      sealedForSource: tipCrypto.toBase64(sodium, tipCrypto.sealMessage(sodium, replyKey, { text: 'thank you, source' })),
    };
    const url = `/newsroom/tips/conversations/${first.conversationId}/replies`;
    assert.equal((await post(t, t.editor, url, reply, { csrf: null })).statusCode, 403, 'CSRF');
    const sent = await post(t, t.editor, url, reply);
    assert.equal(sent.statusCode, 201, sent.body);
    const { lookupSalt } = await t.services.tipKeys.line();
    const secrets = await deriveCodenameSecrets(first.codename, lookupSalt);
    const sourcePair = tipCrypto.replyKeyPair(sodium, secrets.replySeed);
    const stored = (await t.services.tipStore.messages(first.conversationId)).find((m) => m.author === 'newsroom')!;
    assert.equal(tipCrypto.openMessage(sodium, stored.sealed_for_source!, sourcePair).text, 'thank you, source');
    assert.equal(stored.author_user_id, t.editor.id);
    for (const [body, field] of [
      [{ ...reply, sealed: 'not base64!' }, 'sealed'],
      [{ ...reply, sealedForSource: Buffer.alloc(100).toString('base64') }, 'sealedForSource'],
      [{ ...reply, sealed: undefined }, 'sealed'],
      [{ ...reply, keyId: undefined }, 'keyId'],
    ] as const) {
      const r = await post(t, t.editor, url, body);
      assert.equal(r.statusCode, 400, JSON.stringify(body).slice(0, 80));
      assert.ok(r.json().error.details[field], `${field} named in ${r.body}`);
    }
    assert.equal((await post(t, t.editor, url, { ...reply, keyId: 'some-other-key' })).statusCode, 409, 'sealed to a key that is not active');

    // Assign, label, close; a stale revision is a 409.
    const now = (await get(t, t.editor, `/newsroom/tips/conversations/${first.conversationId}`)).json();
    assert.equal(now.messages.length, 2);
    assert.equal(now.messages[1].authorEmail, t.editor.email);
    const readers = (await get(t, t.editor, '/newsroom/tips/readers')).json().items.map((u: { id: string }) => u.id).sort();
    assert.deepEqual(readers, [t.admin.id, t.editor.id].sort());
    const edit = `/newsroom/tips/conversations/${first.conversationId}`;
    assert.equal((await post(t, t.editor, edit, { revision: now.revision, status: 'closed' }, { csrf: null })).statusCode, 403, 'CSRF');
    const saved = await post(t, t.editor, edit, { revision: now.revision, status: 'closed', labels: 'Water, follow up ,water', assigneeId: t.admin.id });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.deepEqual(saved.json().labels, ['water', 'follow up']);
    assert.equal(saved.json().assignee.id, t.admin.id);
    assert.equal(saved.json().status, 'closed');
    assert.equal(saved.json().revision, now.revision + 1);
    const stale = await post(t, t.admin, edit, { revision: now.revision, status: 'open' });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.json().error.message, /changed this tip after you opened it/);
    for (const [body, field] of [
      [{ status: 'open' }, 'revision'],
      [{ revision: 'x', status: 'open' }, 'revision'],
      [{ revision: 1, status: 'new' }, 'status'],
      [{ revision: 1, labels: '<b>bold</b>' }, 'labels'],
      [{ revision: 1, labels: 'x'.repeat(33) }, 'labels'],
      [{ revision: 1, labels: Array.from({ length: 11 }, (_, i) => `l${i}`) }, 'labels'],
      [{ revision: 1, assigneeId: t.reporter.id }, 'assigneeId'],
      [{ revision: 1, assigneeId: 42 }, 'assigneeId'],
      [{ revision: 1 }, 'status'],
      [{ revision: 1, other: 1 }, 'body'],
      [{ revision: 1, constructor: 1, toString: 'x' }, 'body'],
    ] as const) {
      const r = await post(t, t.editor, edit, body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)} → ${r.body}`);
      assert.ok(r.json().error.details[field], `${field} named in ${r.body}`);
    }

    // Filters.
    const ids = async (q: string) => (await get(t, t.editor, `/newsroom/tips/conversations?${q}`)).json().items.map((i: { id: string }) => i.id);
    assert.deepEqual(await ids('status=closed'), [first.conversationId]);
    assert.deepEqual(await ids('status=active'), [second.conversationId]);
    assert.deepEqual(await ids('label=water'), [first.conversationId]);
    assert.deepEqual(await ids('label=wat'), []);
    assert.deepEqual(await ids('label=follow%20up'), [first.conversationId]);
    assert.deepEqual(await ids(`assignee=${t.admin.id}`), [first.conversationId]);
    assert.deepEqual(await ids('assignee=nobody'), [second.conversationId]);
    assert.deepEqual(await ids('assignee=me'), []);
    assert.deepEqual(await ids('page=2'), []);
    for (const q of ['status=gone', 'page=0', 'page=abc', 'label=%25', 'assignee=someone', 'label=a,b']) {
      const r = await get(t, t.editor, `/newsroom/tips/conversations?${q}`);
      assert.equal(r.statusCode, 400, q);
      assert.ok(r.json().error.details, q);
    }

    // Delete: rows and attachment bytes gone, even from the SQLite file and its log.
    const ciphertext = (await t.services.tipStore.attachmentData(detail.messages[0].attachments[0].id))!.data;
    const del = `/newsroom/tips/conversations/${first.conversationId}/delete`;
    assert.equal((await post(t, t.editor, del, {}, { csrf: null })).statusCode, 403, 'CSRF');
    assert.equal((await post(t, t.editor, del, {})).statusCode, 200);
    assert.equal((await post(t, t.editor, del, {})).statusCode, 404);
    assert.equal((await get(t, t.editor, `/newsroom/tips/conversations/${first.conversationId}`)).statusCode, 404);
    assert.deepEqual(await t.services.tipStore.attachments(first.conversationId), []);
    assert.equal((await t.services.database.db.selectFrom('tip_messages').select('id').where('conversation_id', '=', first.conversationId).execute()).length, 0);
    if (tdb.sqliteFile) {
      const probe = ciphertext.subarray(15_000, 15_064);
      for (const file of [tdb.sqliteFile, `${tdb.sqliteFile}-wal`]) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch {
          continue;
        }
        assert.equal(bytes.includes(probe), false, `${file} still holds the deleted ciphertext`);
      }
    }
    const actions = await auditActions(t);
    for (const a of ['tips.replied', 'tips.assigned', 'tips.status_changed', 'tips.deleted']) assert.ok(actions.includes(a), a);
    const details = (await t.services.database.db.selectFrom('audit_log').select('details_json').where('action', 'like', 'tips.%').execute()).map((r) => r.details_json).join(' ');
    assert.doesNotMatch(details, /thank you|water|first tip/, 'the audit log keeps no content');
  } finally {
    await t.close();
  }
});

forEachDialect('tips inbox: random bodies and queries on every endpoint never give a 5xx', async (_t, tdb) => {
  const { t, first } = await world(tdb);
  try {
    const [att] = await t.services.tipStore.attachments(first.conversationId);
    const c = first.conversationId;
    const posts = ['/newsroom/tips/keys', `/newsroom/tips/conversations/${c}`, `/newsroom/tips/conversations/${c}/replies`, '/newsroom/tips/conversations/nope/replies'];
    const gets = ['/newsroom/tips/conversations', '/newsroom/tips/keys', '/newsroom/tips/readers', `/newsroom/tips/conversations/${c}/attachments/${att!.id}`];
    const value = fc.oneof(fc.string({ maxLength: 60 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 10 }), { maxLength: 12 }), fc.double());
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('key', 'rotate', 'revision', 'status', 'labels', 'assigneeId', 'keyId', 'sealed', 'sealedForSource', '__proto__', 'constructor', 'toString', 'x'), value),
      fc.jsonValue({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...posts), body, async (url, b) => {
        const r = await post(t, t.admin, url, b);
        assert.ok(r.statusCode < 500, `${url} ${JSON.stringify(b)} → ${r.statusCode} ${r.body}`);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...gets), fc.dictionary(fc.constantFrom('status', 'label', 'assignee', 'page'), fc.string({ maxLength: 50 })), async (url, q) => {
        const r = await get(t, t.admin, `${url}?${new URLSearchParams(q)}`);
        assert.ok(r.statusCode < 500, `${url} ${JSON.stringify(q)} → ${r.statusCode}`);
      }),
      { numRuns: 100 },
    );
    // Raw bodies: not JSON, wrong types, NUL characters.
    for (const payload of ['{', 'null', '"x"', '[1,2]', '{"labels":"a\\u0000b","revision":0}', '{"revision":1e400}']) {
      for (const url of posts) {
        const r = await t.app.inject({ method: 'POST', url, headers: { cookie: t.admin.cookie, 'x-csrf-token': t.admin.csrf, 'content-type': 'application/json' }, payload });
        assert.ok(r.statusCode < 500, `${url} ${payload} → ${r.statusCode}`);
      }
    }
    // Oversized fields are refused by length before any pattern or decoder reads them.
    const huge = 'a,'.repeat(400_000);
    for (const [url, b] of [
      [`/newsroom/tips/conversations/${c}`, { revision: 0, labels: huge }],
      [`/newsroom/tips/conversations/${c}`, { revision: 0, labels: huge.split(',') }],
      [`/newsroom/tips/conversations/${c}/replies`, { keyId: 'k', sealed: 'A'.repeat(1_500_000), sealedForSource: 'A'.repeat(1_500_000) }],
      ['/newsroom/tips/keys', { key: { publicKey: 'A'.repeat(900_000) } }],
    ] as const) {
      const r = await post(t, t.admin, url, b);
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${url} → ${r.statusCode}`);
    }
    const longQuery = await get(t, t.admin, `/newsroom/tips/conversations?label=${'a'.repeat(5000)}`);
    assert.equal(longQuery.statusCode, 400);
    const delRandom = await post(t, t.admin, '/newsroom/tips/conversations/%00/delete', {});
    assert.ok(delRandom.statusCode < 500);
  } finally {
    await t.close();
  }
});
