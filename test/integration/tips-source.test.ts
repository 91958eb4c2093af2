/**
 * The source's side of the tip line over HTTP: both ways of sending (ciphertext from the
 * browser, the plain form encrypted on arrival), codenames and replies, and every refusal a
 * source can meet, each a clear 4xx. Every answer from a /tips route, errors included, carries
 * the tip CSP, no-referrer, no-store and no cookie.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { setupTipKey, unlockTipKey } from '../helpers/tips.js';
import { actorFor } from '../../src/users/users.service.js';
import { loadSodium, tipCrypto, type Sodium } from '../../src/tips/sodium.js';
import { TIP_CONTENT_SECURITY_POLICY } from '../../src/http/security.js';
import { issueFormToken } from '../../src/tips/form-token.js';
import { deriveCodenameSecrets, generateCodename } from '../../src/tips/codename.js';
import type { TipKeyInfo } from '../../src/tips/keys.js';

type Part = { name: string; value?: string; file?: { filename: string; type: string; data: Uint8Array } };

export function multipartBody(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----tip${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if (p.file) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.file.filename}"\r\nContent-Type: ${p.file.type}\r\n\r\n`), Buffer.from(p.file.data), Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value ?? ''}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

let addressCounter = 0;
const responses: LightMyRequestResponse[] = [];

function assertBlind(r: LightMyRequestResponse, label: string): void {
  assert.equal(r.headers['content-security-policy'], TIP_CONTENT_SECURITY_POLICY, `${label}: CSP`);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', `${label}: Referrer-Policy`);
  assert.equal(r.headers['cache-control'], 'no-store', `${label}: Cache-Control`);
  assert.equal(r.headers['set-cookie'], undefined, `${label}: no cookie`);
  assert.ok(r.statusCode < 500, `${label}: ${r.statusCode} ${r.body.slice(0, 300)}`);
}

async function call(t: TestApp, opts: { method?: 'GET' | 'POST'; url: string; parts?: Part[]; form?: Record<string, string>; json?: boolean; address?: string }): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { 'user-agent': 'TipSourceTest/1.0', referer: 'https://elsewhere.example/' };
  if (opts.json) headers.accept = 'application/json';
  let payload: Buffer | string | undefined;
  if (opts.parts) {
    const body = multipartBody(opts.parts);
    payload = body.payload;
    headers['content-type'] = body.contentType;
  } else if (opts.form) {
    payload = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  addressCounter += 1;
  const r = await t.app.inject({ method: opts.method ?? (payload === undefined ? 'GET' : 'POST'), url: opts.url, headers, payload, remoteAddress: opts.address ?? `10.9.${addressCounter >> 8}.${addressCounter & 255}` });
  responses.push(r);
  assertBlind(r, `${opts.method ?? 'POST'} ${opts.url}`);
  return r;
}

async function formToken(t: TestApp, url = '/tips'): Promise<string> {
  const r = await call(t, { url });
  return /name="token" value="([^"]+)"/.exec(r.body)![1]!;
}

/** What source.js sends: the token, the key id, the sealed message and encrypted attachments. */
function browserParts(sodium: Sodium, key: TipKeyInfo, token: string, text: string, files: Array<{ name: string; type: string; data: Uint8Array }>, codename?: string): Part[] {
  const encrypted = files.map((f) => ({ ...f, ...tipCrypto.encryptAttachment(sodium, f.data) }));
  const sealed = tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, key.publicKey), {
    text,
    attachments: encrypted.map((f) => ({ name: f.name, type: f.type, size: f.data.length, key: f.key })),
  });
  return [
    { name: 'token', value: token },
    { name: 'key_id', value: key.id },
    ...(codename ? [{ name: 'codename', value: codename }] : []),
    { name: 'sealed', file: { filename: 'message.bin', type: 'application/octet-stream', data: sealed } },
    ...encrypted.map((f) => ({ name: 'attachment', file: { filename: 'attachment.bin', type: 'application/octet-stream', data: f.ciphertext } })),
  ];
}

function plainParts(token: string, text: string, files: Array<{ name: string; type: string; data: Uint8Array }>, codename?: string): Part[] {
  return [
    { name: 'token', value: token },
    ...(codename ? [{ name: 'codename', value: codename }] : []),
    { name: 'message', value: text },
    ...files.map((f) => ({ name: 'attachments', file: { filename: f.name, type: f.type, data: f.data } })),
  ];
}

function codenameOf(html: string): string {
  return /<output[^>]*id="tip-codename"[^>]*>([^<]+)<\/output>/.exec(html)![1]!;
}

/** The page's shape: every variable value (token, codename) blanked. */
function shape(html: string): string {
  return html.replace(/name="token" value="[^"]+"/g, 'name="token" value=""').replace(/name="codename" value="[^"]+"/g, 'name="codename" value=""');
}

async function decryptConversation(t: TestApp, sodium: Sodium, conversationId: string, key: TipKeyInfo) {
  const pair = await unlockTipKey(key);
  const messages = await t.services.tipStore.messages(conversationId);
  const attachments = await t.services.tipStore.attachments(conversationId);
  const out = [];
  for (const m of messages.filter((x) => x.author === 'source')) {
    const opened = tipCrypto.openMessage(sodium, new Uint8Array(m.sealed), pair);
    const files = [];
    for (const [i, ref] of opened.attachments.entries()) {
      const row = attachments.find((a) => a.message_id === m.id && a.position === i)!;
      const data = (await t.services.tipStore.attachmentData(row.id))!.data;
      files.push({ ...ref, data: Buffer.from(tipCrypto.decryptAttachment(sodium, new Uint8Array(data), ref.key)) });
    }
    out.push({ encryptedIn: m.encrypted_in, text: opened.text, files });
  }
  return out;
}

async function conversationFor(t: TestApp, codename: string) {
  const { lookupSalt } = await t.services.tipKeys.line();
  return t.services.tipStore.findByLookup((await deriveCodenameSecrets(codename, lookupSalt)).lookup);
}

forEachDialect('tips: before a key exists the page says so, shows other contacts and takes nothing', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    await t.services.settings.update(actorFor(await t.services.users.get(t.admin.id)), { tipsContact: 'tips@news.test' });
    const page = await call(t, { url: '/tips' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Tips are not yet accepted here/);
    assert.match(page.body, /tips@news\.test/);
    assert.doesNotMatch(page.body, /<form[^>]*action="\/tips"/);
    assert.doesNotMatch(page.body, /source\.js/, 'no script without a form');
    const token = issueFormToken((await t.services.tipKeys.line()).formKey);
    const sent = await call(t, { url: '/tips', parts: plainParts(token, 'hello', []) });
    assert.equal(sent.statusCode, 409);
    assert.match(sent.body, /not accepting tips/);
    const json = await call(t, { url: '/tips', parts: plainParts(token, 'hello', []), json: true });
    assert.equal(json.statusCode, 409);
    assert.equal(JSON.parse(json.body).error.code, 'CONFLICT');
  } finally {
    await t.close();
  }
});

forEachDialect('tips: browser ciphertext and the plain form are stored encrypted; editors decrypt; codenames read replies', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_TIP_MAX_BYTES: String(64 * 1024) });
  try {
    const sodium = await loadSodium();
    const key = await setupTipKey(t.services, actorFor(await t.services.users.get(t.admin.id)));
    const page = await call(t, { url: '/tips' });
    assert.match(page.body, /Confidential, not anonymous/);
    assert.match(page.body, /Tor Browser/);
    assert.match(page.body, /Up to 5 attachments, 64 KB in all/);
    assert.ok(page.body.includes(key.fingerprint), 'the key fingerprint is shown');
    assert.ok(page.body.includes(`data-public-key="${key.publicKey}"`));
    assert.match(page.body, /<form[^>]*><input type="hidden" name="token"/, 'the token is the first field');

    // ---- browser mode ----------------------------------------------------------------------------
    const canaryText = `browser canary ${randomBytes(6).toString('hex')}`;
    const canaryFile = Buffer.from(`file canary ${randomBytes(6).toString('hex')}`);
    const sent = await call(t, { url: '/tips', json: true, parts: browserParts(sodium, key, await formToken(t), canaryText, [{ name: 'notes.txt', type: 'text/plain', data: canaryFile }]) });
    assert.equal(sent.statusCode, 201, sent.body);
    const { codename } = JSON.parse(sent.body) as { codename: string };
    assert.match(codename, /^[a-z-]+( [a-z-]+){6}$/);
    const conversation = (await conversationFor(t, codename))!;
    assert.ok(conversation);
    const stored = await t.services.tipStore.messages(conversation.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.encrypted_in, 'browser');
    assert.ok(!stored[0]!.sealed.includes(canaryText));
    const att = await t.services.tipStore.attachments(conversation.id);
    assert.ok(!(await t.services.tipStore.attachmentData(att[0]!.id))!.data.includes(canaryFile));
    const [opened] = await decryptConversation(t, sodium, conversation.id, key);
    assert.equal(opened!.text, canaryText);
    assert.deepEqual(opened!.files[0]!.data, canaryFile);
    assert.equal(opened!.files[0]!.name, 'notes.txt');

    // ---- plain mode (no JavaScript) ------------------------------------------------------------
    const plainText = `plain canary ${randomBytes(6).toString('hex')}`;
    const plainFile = Buffer.from(`plain file canary ${randomBytes(6).toString('hex')}`);
    const plain = await call(t, { url: '/tips', parts: plainParts(await formToken(t), plainText, [{ name: 'C:\\Users\\me\\leak.txt', type: 'text/plain', data: plainFile }]) });
    assert.equal(plain.statusCode, 201, plain.body);
    assert.match(plain.body, /<output[^>]*id="tip-codename"/);
    assert.match(plain.body, /href="\/tips\/check"/);
    const plainCodename = codenameOf(plain.body);
    const plainConversation = (await conversationFor(t, plainCodename))!;
    const plainStored = await t.services.tipStore.messages(plainConversation.id);
    assert.equal(plainStored[0]!.encrypted_in, 'server');
    assert.ok(!plainStored[0]!.sealed.includes(plainText));
    const [plainOpened] = await decryptConversation(t, sodium, plainConversation.id, key);
    assert.equal(plainOpened!.text, plainText);
    assert.deepEqual(plainOpened!.files[0]!.data, plainFile);
    assert.equal(plainOpened!.files[0]!.name, 'leak.txt', 'no client path in the name');
    // An empty file input (no file chosen) sends an empty part: ignored.
    const emptyFile = await call(t, { url: '/tips', parts: [...plainParts(await formToken(t), 'Only text.', []), { name: 'attachments', file: { filename: '', type: 'application/octet-stream', data: new Uint8Array() } }] });
    assert.equal(emptyFile.statusCode, 201, emptyFile.body);

    // ---- replies by codename -------------------------------------------------------------------
    const before = await call(t, { url: '/tips/check', form: { codename: plainCodename.toUpperCase().replace(/ /g, '   ') } });
    assert.equal(before.statusCode, 200);
    assert.match(before.body, /No replies yet/);
    assert.match(before.body, /this server cannot read them/);
    const nobody = await call(t, { url: '/tips/check', form: { codename: generateCodename() } });
    assert.equal(nobody.statusCode, before.statusCode, 'a codename without a conversation: same status');
    assert.equal(shape(nobody.body), shape(before.body), 'and the same page');

    const replyText = `Thank you. Can you tell us more? ${randomBytes(4).toString('hex')}`;
    const sealedForSource = tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, plainConversation.reply_public_key), { text: replyText });
    const sealedForNewsroom = tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, key.publicKey), { text: replyText });
    await t.services.tipStore.addReply(plainConversation.id, { keyId: key.id, sealed: sealedForNewsroom, sealedForSource, authorUserId: t.admin.id });
    const after = await call(t, { url: '/tips/check', form: { codename: plainCodename } });
    assert.equal(after.statusCode, 200);
    assert.ok(after.body.includes(replyText.replace('?', '?')), 'the reply is shown');
    assert.ok(!after.body.includes(plainText), 'the source’s own message is not shown');
    // Another codename does not open it.
    assert.ok(!(await call(t, { url: '/tips/check', form: { codename } })).body.includes(replyText));

    // ---- malformed codenames: 400, depending only on the text ---------------------------------
    for (const bad of ['', 'one two three', 'zzzz '.repeat(7), 'a'.repeat(5000)]) {
      const r = await call(t, { url: '/tips/check', form: { codename: bad } });
      assert.equal(r.statusCode, 400, bad.slice(0, 20));
      assert.match(r.body, /class="field-error"/);
    }
    assert.equal((await call(t, { url: '/tips/check', form: {} })).statusCode, 400);

    // ---- follow-ups ----------------------------------------------------------------------------
    const followToken = /name="token" value="([^"]+)"/.exec(after.body)![1]!;
    const follow = await call(t, { url: '/tips/check/follow-up', json: true, parts: browserParts(sodium, key, followToken, 'More detail.', [], plainCodename) });
    assert.equal(follow.statusCode, 201, follow.body);
    assert.equal(JSON.parse(follow.body).sent, true);
    const plainFollow = await call(t, { url: '/tips/check/follow-up', parts: plainParts(JSON.parse(follow.body).token, 'Even more.', [], plainCodename) });
    assert.equal(plainFollow.statusCode, 201, plainFollow.body);
    assert.match(plainFollow.body, /Your message was sent/);
    const texts = (await decryptConversation(t, sodium, plainConversation.id, key)).map((m) => m.text);
    assert.deepEqual(texts, [plainText, 'More detail.', 'Even more.']);
    // A follow-up under a codename with no conversation starts one: the same answer either way.
    const fresh = generateCodename();
    const orphan = await call(t, { url: '/tips/check/follow-up', parts: plainParts(await formToken(t), 'A follow-up.', [], fresh) });
    assert.equal(orphan.statusCode, plainFollow.statusCode);
    assert.equal(shape(orphan.body), shape(plainFollow.body));
    assert.ok(await conversationFor(t, fresh));
    const badCodename = await call(t, { url: '/tips/check/follow-up', parts: plainParts(await formToken(t), 'A follow-up.', [], 'not a codename') });
    assert.equal(badCodename.statusCode, 400);
  } finally {
    await t.close();
  }
});

forEachDialect('tips: replays, bad tokens, oversize, too many files, malformed ciphertext and rate limits are clear 4xx', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_TIP_MAX_BYTES: String(8 * 1024), FREEWIRE_TIP_RATE_LIMIT: '1000' });
  try {
    const sodium = await loadSodium();
    const key = await setupTipKey(t.services, actorFor(await t.services.users.get(t.admin.id)));
    const line = await t.services.tipKeys.line();
    const send = (parts: Part[], json = false) => call(t, { url: '/tips', parts, json });

    // Replay: the same form twice.
    const parts = browserParts(sodium, key, await formToken(t), 'Once.', []);
    assert.equal((await send(parts, true)).statusCode, 201);
    const replay = await send(parts, true);
    assert.equal(replay.statusCode, 409);
    assert.match(JSON.parse(replay.body).error.message, /already sent/);
    const replayHtml = await send(parts);
    assert.equal(replayHtml.statusCode, 409);
    assert.match(replayHtml.body, /already sent/);
    assert.match(replayHtml.body, /<form[^>]*action="\/tips"/, 'the form is shown again');

    // Tokens: missing, not first, forged, expired.
    const missing = await send([{ name: 'message', value: 'x' }]);
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /security token/);
    assert.equal((await send([{ name: 'message', value: 'x' }, { name: 'token', value: await formToken(t) }])).statusCode, 400);
    const forged = issueFormToken(randomBytes(32).toString('base64'));
    assert.equal((await send(plainParts(forged, 'x', []))).statusCode, 403);
    const tampered = (await formToken(t)).replace(/^\d/, (d) => String((Number(d) + 1) % 10));
    assert.equal((await send(plainParts(tampered, 'x', []))).statusCode, 403);
    const expired = issueFormToken(line.formKey, new Date(Date.now() - 25 * 3600_000));
    const expiredAnswer = await send(plainParts(expired, 'x', []));
    assert.equal(expiredAnswer.statusCode, 403);
    assert.match(expiredAnswer.body, /expired/);
    assert.equal((await send(plainParts('x'.repeat(500), 'x', []))).statusCode, 403);

    // Size and count.
    const big = { name: 'big.bin', type: 'application/octet-stream', data: randomBytes(9 * 1024) };
    assert.equal((await send(plainParts(await formToken(t), 'x', [big]))).statusCode, 413);
    assert.equal((await send(browserParts(sodium, key, await formToken(t), 'x', [big]), true)).statusCode, 413);
    const small = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}.txt`, type: 'text/plain', data: Buffer.from(`file ${i}`) }));
    const six = await send(plainParts(await formToken(t), 'x', small(6)));
    assert.equal(six.statusCode, 400);
    assert.match(six.body, /at most 5 files/);
    const fiveEncrypted = browserParts(sodium, key, await formToken(t), 'x', small(5));
    const sixth = fiveEncrypted.at(-1)!;
    assert.equal((await send([...fiveEncrypted, sixth], true)).statusCode, 400);
    assert.equal((await send(plainParts(await formToken(t), 'x', small(5)))).statusCode, 201);
    const tooLong = await send(plainParts(await formToken(t), 'é'.repeat(100_001), []));
    assert.equal(tooLong.statusCode, 413);
    assert.equal((await send(plainParts(await formToken(t), '   ', []))).statusCode, 400, 'nothing to send');

    // Malformed ciphertext and shapes.
    const token = await formToken(t);
    const junkSealed = [{ name: 'token', value: token }, { name: 'key_id', value: key.id }, { name: 'sealed', file: { filename: 'm', type: 'application/octet-stream', data: randomBytes(100) } }];
    const junk = await send(junkSealed, true);
    assert.equal(junk.statusCode, 400);
    assert.match(JSON.parse(junk.body).error.message, /malformed/);
    const goodParts = browserParts(sodium, key, token, 'x', [{ name: 'a', type: 'text/plain', data: Buffer.from('abc') }]);
    const badAttachment = goodParts.map((p) => (p.name === 'attachment' ? { ...p, file: { ...p.file!, data: randomBytes(10) } } : p));
    assert.equal((await send(badAttachment, true)).statusCode, 400);
    const wrongKey = goodParts.map((p) => (p.name === 'key_id' ? { ...p, value: 'another-key' } : p));
    assert.equal((await send(wrongKey, true)).statusCode, 409);
    assert.equal((await send(goodParts.filter((p) => p.name !== 'sealed'), true)).statusCode, 400);
    assert.equal((await send(goodParts, true)).statusCode, 201, 'refusals did not spend the token');
    const notMultipart = await call(t, { url: '/tips', form: { token: await formToken(t), message: 'x' } });
    assert.equal(notMultipart.statusCode, 415);
    const truncated = await t.app.inject({ method: 'POST', url: '/tips', headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: `--x\r\nContent-Disposition: form-data; name="token"\r\n\r\n${await formToken(t)}\r\n--x\r\nContent-Disposition: form-data; name="message"\r\n\r\nabc` });
    assertBlind(truncated, 'truncated body');
    assert.equal(truncated.statusCode, 400);
    assertBlind(await call(t, { url: '/tips/nothing-here' }), '404');
    assert.equal((await call(t, { url: '/tips/nothing-here' })).statusCode, 404);
  } finally {
    await t.close();
  }
});

forEachDialect('tips: submissions and codename attempts are limited per address per hour (429, Retry-After)', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_TIP_RATE_LIMIT: '2' });
  try {
    await setupTipKey(t.services, actorFor(await t.services.users.get(t.admin.id)));
    const address = '203.0.113.7';
    for (let i = 0; i < 2; i++) {
      assert.equal((await call(t, { url: '/tips', parts: plainParts(await formToken(t), `tip ${i}`, []), address })).statusCode, 201);
    }
    const limited = await call(t, { url: '/tips', parts: plainParts(await formToken(t), 'one more', []), address });
    assert.equal(limited.statusCode, 429);
    assert.match(limited.body, /Too many messages/);
    assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 3600);
    const follow = await call(t, { url: '/tips/check/follow-up', parts: plainParts(await formToken(t), 'more', [], generateCodename()), address, json: true });
    assert.equal(follow.statusCode, 429, 'follow-ups share the allowance');
    assert.equal(JSON.parse(follow.body).error.code, 'RATE_LIMITED');
    // Another address is not affected.
    assert.equal((await call(t, { url: '/tips', parts: plainParts(await formToken(t), 'other', []), address: '203.0.113.8' })).statusCode, 201);
    // Codename attempts: five times the submission limit.
    for (let i = 0; i < 10; i++) assert.equal((await call(t, { url: '/tips/check', form: { codename: 'bad' }, address })).statusCode, 400);
    const checks = await call(t, { url: '/tips/check', form: { codename: 'bad' }, address });
    assert.equal(checks.statusCode, 429);
    assert.ok(Number(checks.headers['retry-after']) > 0);
  } finally {
    await t.close();
  }
});

forEachDialect('tips: at log level trace, no line holds the sender’s address, agent, referrer or words', async (_t, tdb) => {
  const { buildApp } = await import('../../src/app.js');
  const { loadConfig } = await import('../../src/config.js');
  const { createServices } = await import('../../src/services.js');
  const { SYSTEM_ACTOR } = await import('../../src/users/permissions.js');
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'trace', FREEWIRE_TRUST_PROXY: 'true', FREEWIRE_TIP_RATE_LIMIT: '4' });
  const services = createServices(config, tdb.database);
  const admin = await services.users.create(SYSTEM_ACTOR, { email: 'admin@news.test', role: 'admin', password: 'admin-password-123' });
  await setupTipKey(services, actorFor(await services.users.get(admin.id)));
  const lines: string[] = [];
  const app = await buildApp({ services, logStream: { write: (line: string) => void lines.push(line) } });
  await app.ready();
  try {
    const canary = `log canary ${randomBytes(6).toString('hex')}`;
    const address = '192.0.2.55';
    const agent = `AgentCanary/${randomBytes(4).toString('hex')}`;
    const referrer = `https://referrer-canary-${randomBytes(4).toString('hex')}.example/`;
    const headers = { 'x-forwarded-for': address, 'user-agent': agent, referer: referrer };
    const send = async (parts: Part[], url = '/tips') => {
      const body = multipartBody(parts);
      return app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': body.contentType }, payload: body.payload });
    };
    const token = async () => /name="token" value="([^"]+)"/.exec((await app.inject({ url: '/tips', headers })).body)![1]!;
    assert.equal((await send(plainParts(await token(), canary, [{ name: `${canary}.txt`, type: 'text/plain', data: Buffer.from(canary) }]))).statusCode, 201);
    assert.equal((await send(plainParts('forged.token.value', canary, []))).statusCode, 403);
    assert.equal((await send([{ name: 'message', value: canary }])).statusCode, 400);
    assert.equal((await send(plainParts(await token(), canary, [], generateCodename()), '/tips/check/follow-up')).statusCode, 201);
    assert.equal((await send(plainParts(await token(), canary, []))).statusCode, 429);
    await app.inject({ method: 'POST', url: '/tips/check', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: `codename=${encodeURIComponent(canary)}` });
    await app.inject({ method: 'POST', url: '/tips/check', headers: { ...headers, 'content-type': 'application/json' }, payload: `{"codename": "${canary}"` });
    await app.inject({ url: '/tips/no-such-page', headers });
    await app.inject({ url: `/tips/check?codename=${encodeURIComponent(canary)}`, headers });
    assert.ok(lines.length > 10, 'the requests were logged');
    const log = lines.join('');
    for (const needle of [canary, canary.replace(/ /g, '%20'), canary.replace(/ /g, '+'), address, agent, referrer]) {
      assert.ok(!log.includes(needle), `the log holds ${needle}: ${lines.filter((l) => l.includes(needle)).join('').slice(0, 600)}`);
    }
  } finally {
    await app.close();
  }
});
