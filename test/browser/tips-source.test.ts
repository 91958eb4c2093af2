/**
 * The tip line is blind, proven in a real browser (Chromium via playwright-core) against a real
 * server on a SQLite file in a temporary data directory, with every log line captured:
 *
 * - JavaScript on: a tip with a canary sentence, a text file with a canary byte string and a
 *   JPEG whose EXIF block holds a third canary. No request body carries a canary; the codename is
 *   shown once; the data directory (database, WAL) and the logs hold neither canary, nor the
 *   browser's user agent, nor the X-Forwarded-For address (FREEWIRE_TRUST_PROXY=true). An
 *   editor logs in, unlocks the inbox with the passphrase in the browser, reads the canary
 *   sentence, downloads the attachment (the canary bytes) and replies from the inbox; the source
 *   reads that reply at /tips/check with the codename. The editor's key, used in Node, also finds
 *   no EXIF canary: the browser removed it. A `freewire backup` taken while the server runs holds
 *   none of the canaries, the agent or the address either.
 * - JavaScript off: the same plain form works (the server encrypts on arrival), with the same
 *   absence on disk and in the logs, and the reply is readable.
 * axe-core finds no violations on /tips, the codename and /tips/check; screenshots of desktop and
 * a 390 px phone go to /tmp/tips-source-*.png.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import net, { type AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { actorFor } from '../../src/users/users.service.js';
import { deriveCodenameSecrets } from '../../src/tips/codename.js';
import { loadSodium, tipCrypto } from '../../src/tips/sodium.js';
import type { TipKeyInfo } from '../../src/tips/keys.js';
import { requireOrSkip } from '../helpers/dialects.js';
import { setupTipKey, TEST_PASSPHRASE, unlockTipKey } from '../helpers/tips.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const FORWARDED = '198.51.100.77';
const BIN = fileURLToPath(new URL('../../bin/freewire.js', import.meta.url));

/** `freewire backup FILE` against the data directory, as an operator runs it beside the server. */
function backupTo(dataDir: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'backup', file], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FREEWIRE_DATA_DIR: dataDir, FREEWIRE_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`freewire backup exited ${code}: ${stderr}`))));
  });
}

/** An editor in their own browser: logs in, unlocks the inbox in the tab, opens the newest tip. */
async function editorOpensTip(browser: Browser, base: string, text: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${base}/newsroom/login`);
  await page.getByLabel('Email').fill('admin@news.test');
  await page.getByLabel('Password').fill('admin-password-123');
  await page.getByRole('button', { name: /log in/i }).click();
  await page.waitForURL((u) => u.pathname === '/newsroom' || u.pathname === '/newsroom/stories');
  await page.goto(`${base}/newsroom/tips`);
  await page.getByLabel('Passphrase (required)', { exact: true }).fill(TEST_PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.locator('#tips-list a').first().waitFor({ timeout: 20_000 });
  await page.locator('#tips-list a').first().click();
  await page.getByText(text).waitFor();
  return { page, close: () => context.close() };
}

async function axe(page: Page, label: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const summary = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(summary, [], `axe-core violations on ${label}`);
}

/** A tiny JPEG (enough for the browser's segment parser) whose APP1 (EXIF) segment holds `canary`. */
function jpegWithExif(canary: string): Buffer {
  const app1Body = Buffer.concat([Buffer.from('Exif\0\0'), Buffer.from(canary)]);
  const seg = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255]), body]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    seg(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    seg(0xe1, app1Body),
    seg(0xfe, Buffer.from(`comment ${canary}`)),
    seg(0xda, Buffer.from([0x01, 0x01, 0x00, 0x00, 0x3f, 0x00])),
    Buffer.from([0x12, 0x34, 0xff, 0x00, 0x56]),
    Buffer.from([0xff, 0xd9]),
  ]);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

/** Every needle found anywhere in the data directory or the log, as "needle in place". */
function hits(dataDir: string, logs: string[], needles: Array<{ label: string; bytes: Buffer }>): string[] {
  const found: string[] = [];
  const log = Buffer.from(logs.join(''));
  for (const n of needles) {
    for (const file of filesUnder(dataDir)) if (readFileSync(file).includes(n.bytes)) found.push(`${n.label} in ${path.basename(file)}`);
    if (log.includes(n.bytes)) found.push(`${n.label} in the log`);
  }
  return found;
}

/**
 * A TCP relay in front of the server that keeps every byte the browser sends: Chromium does not
 * expose multipart bodies with file parts to page.on('request'), so the wire is read instead.
 */
async function recordingRelay(target: number): Promise<{ port: number; sent: () => Buffer; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sent: () => Buffer.concat(chunks),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function openTip(services: Services, codename: string, key: TipKeyInfo) {
  const sodium = await loadSodium();
  const { lookupSalt } = await services.tipKeys.line();
  const conversation = (await services.tipStore.findByLookup((await deriveCodenameSecrets(codename, lookupSalt)).lookup))!;
  assert.ok(conversation, 'the codename finds the conversation');
  const pair = await unlockTipKey(key);
  const [message] = await services.tipStore.messages(conversation.id);
  const opened = tipCrypto.openMessage(sodium, new Uint8Array(message!.sealed), pair);
  const rows = await services.tipStore.attachments(conversation.id);
  const files: Buffer[] = [];
  for (const [i, ref] of opened.attachments.entries()) {
    const row = rows.find((r) => r.position === i)!;
    files.push(Buffer.from(tipCrypto.decryptAttachment(sodium, new Uint8Array((await services.tipStore.attachmentData(row.id))!.data), ref.key)));
  }
  return { conversation, message: message!, text: opened.text, refs: opened.attachments, files };
}

async function reply(services: Services, conversation: { id: string; reply_public_key: string }, key: TipKeyInfo, text: string): Promise<void> {
  const sodium = await loadSodium();
  await services.tipStore.addReply(conversation.id, {
    keyId: key.id,
    sealed: tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, key.publicKey), { text }),
    sealedForSource: tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, conversation.reply_public_key), { text }),
    authorUserId: null,
  });
}

async function readReply(page: Page, base: string, codename: string, replyText: string): Promise<void> {
  await page.goto(`${base}/tips/check`);
  await page.getByLabel('Your codename').fill(codename);
  await page.getByRole('button', { name: 'Show replies' }).click();
  await page.getByRole('heading', { name: 'Replies from the newsroom' }).waitFor();
  assert.match(await page.locator('main').innerText(), new RegExp(replyText));
}

test('a source sends tips with and without JavaScript; nothing readable reaches the disk or the logs', { timeout: 120_000 }, async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not installed at ${CHROMIUM} (apt-get install chromium)`)) return;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'freewire-tips-'));
  const database = createDatabase({ dataDir });
  await migrate(database);
  const config = loadConfig({ FREEWIRE_DATA_DIR: dataDir, FREEWIRE_LOG_LEVEL: 'debug', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_TRUST_PROXY: 'true' });
  const services = createServices(config, database);
  await services.settings.update(SYSTEM_ACTOR, { siteName: 'Riverbend Public News', tipsContact: 'tips@riverbend.example' });
  const admin = await services.users.create(SYSTEM_ACTOR, { email: 'admin@news.test', role: 'admin', password: 'admin-password-123' });
  const key = await setupTipKey(services, actorFor(await services.users.get(admin.id)));

  const logs: string[] = [];
  const app = await buildApp({ services, logStream: { write: (line: string) => void logs.push(line) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const relay = await recordingRelay((app.server.address() as AddressInfo).port);
  const base = `http://127.0.0.1:${relay.port}`;
  const userAgent = `Mozilla/5.0 (X11; Linux x86_64) TipSourceCanary/${randomBytes(4).toString('hex')}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    const contextFor = (javaScriptEnabled: boolean, width = 1280): Promise<BrowserContext> =>
      browser!.newContext({ viewport: { width, height: 900 }, userAgent, javaScriptEnabled, extraHTTPHeaders: { 'X-Forwarded-For': FORWARDED } });

    // ---- JavaScript on: encrypted in the browser -------------------------------------------------
    const textCanary = `The shipments leave on Tuesdays canary-${randomBytes(6).toString('hex')}`;
    const fileCanary = Buffer.from(`FILECANARY-${randomBytes(8).toString('hex')}`);
    const exifCanary = `EXIFCANARY-${randomBytes(6).toString('hex')}`;
    const context = await contextFor(true);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await context.newPage();
    const bodies: Buffer[] = [];
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
      const body = request.postDataBuffer();
      if (body) bodies.push(body);
    });
    await page.goto(`${base}/tips`);
    await page.locator('#tip-mode[data-mode="browser"]').waitFor();
    await axe(page, '/tips');
    await page.screenshot({ path: '/tmp/tips-source-submit-desktop.png', fullPage: true });
    // Nothing to send: the page says so, and nothing is posted.
    await page.getByRole('button', { name: 'Encrypt and send' }).click();
    await page.getByRole('alert').getByText('Write a message or attach a file.').waitFor();
    await page.getByLabel('Your message').fill(textCanary);
    await page.getByLabel('Attachments (optional)').setInputFiles([
      { name: 'ledger.txt', mimeType: 'text/plain', buffer: Buffer.concat([Buffer.from('page 1\n'), fileCanary]) },
      { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: jpegWithExif(exifCanary) },
    ]);
    assert.match(await page.locator('#tip-files-notes').innerText(), /ledger\.txt: metadata could not be removed[^]*photo\.jpg: hidden metadata/);
    await page.getByRole('button', { name: 'Encrypt and send' }).click();
    const output = page.locator('output#tip-codename');
    await output.waitFor();
    const codename = (await output.innerText()).trim();
    assert.match(codename, /^[a-z-]+( [a-z-]+){6}$/);
    await page.getByRole('button', { name: 'Copy codename' }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), codename);
    await axe(page, 'the codename (JavaScript)');
    await page.screenshot({ path: '/tmp/tips-source-codename-desktop.png', fullPage: true });
    assert.deepEqual(posts, ['/tips'], 'the tip was posted once');
    const wire = relay.sent();
    assert.ok(wire.includes('POST /tips HTTP/1.1') && wire.includes('name="sealed"'), 'the relay saw the encrypted form');
    for (const b of [...bodies, wire]) {
      assert.ok(!b.includes(textCanary) && !b.includes(fileCanary) && !b.includes(exifCanary), 'no canary in what the browser sent');
      assert.ok(!b.includes('ledger.txt'), 'not even the file name');
    }

    const needles = (extra: Array<{ label: string; bytes: Buffer }> = []) => [
      { label: 'text canary', bytes: Buffer.from(textCanary) },
      { label: 'file canary', bytes: fileCanary },
      { label: 'user agent', bytes: Buffer.from(userAgent) },
      { label: 'forwarded address', bytes: Buffer.from(FORWARDED) },
      ...extra,
    ];
    // A checkpoint moves the WAL into the database file: both are scanned, before and after.
    assert.deepEqual(hits(dataDir, logs, needles()), []);
    // The editor reads both canaries in the inbox, unlocked in their browser, and replies there.
    const editor = await editorOpensTip(browser, base, textCanary);
    const download = editor.page.waitForEvent('download');
    await editor.page.getByRole('button', { name: /Download ledger\.txt/ }).click();
    assert.ok(readFileSync((await (await download).path())!).includes(fileCanary), 'the editor downloads the canary file');
    const replyText = `Thanks, we are looking into it ${randomBytes(3).toString('hex')}`;
    await editor.page.getByLabel('Reply', { exact: true }).fill(replyText);
    await editor.page.getByRole('button', { name: 'Send reply' }).click();
    await editor.page.getByText('Reply sent.').waitFor();
    await editor.close();

    const stored = await openTip(services, codename, key);
    assert.equal(stored.message.encrypted_in, 'browser');
    assert.equal(stored.text, textCanary);
    assert.deepEqual(stored.refs.map((r) => r.name), ['ledger.txt', 'photo.jpg']);
    assert.ok(!stored.files[1]!.includes(exifCanary), 'the browser removed the EXIF block and the comment');
    assert.equal(stored.files[1]![0], 0xff, 'the image is still a JPEG');

    await readReply(page, base, codename, replyText);
    await axe(page, '/tips/check with a reply');
    await page.screenshot({ path: '/tmp/tips-source-check-desktop.png', fullPage: true });
    // A follow-up from the conversation page, encrypted in the browser too.
    await page.locator('#tip-mode[data-mode="browser"]').waitFor();
    const followCanary = `Follow-up canary ${randomBytes(6).toString('hex')}`;
    await page.getByLabel('Your message').fill(followCanary);
    await page.getByRole('button', { name: 'Encrypt and send' }).click();
    await page.getByText('Your message was sent.').waitFor();
    assert.equal(await page.getByLabel('Your message').inputValue(), '', 'the form is cleared for another message');
    assert.ok(!relay.sent().includes(followCanary), 'the follow-up travelled encrypted');
    const followed = await services.tipStore.messages(stored.conversation.id);
    assert.deepEqual(followed.map((m) => m.author), ['source', 'newsroom', 'source']);
    assert.equal(tipCrypto.openMessage(await loadSodium(), new Uint8Array(followed[2]!.sealed), await unlockTipKey(key)).text, followCanary);
    await page.goto(`${base}/tips/check`);
    await axe(page, '/tips/check');
    await context.close();

    // ---- a phone ----------------------------------------------------------------------------------
    const phone = await contextFor(true, 390);
    const phonePage = await phone.newPage();
    await phonePage.goto(`${base}/tips`);
    await phonePage.locator('#tip-mode[data-mode="browser"]').waitFor();
    await phonePage.screenshot({ path: '/tmp/tips-source-submit-mobile.png', fullPage: true });
    await phone.close();

    // ---- JavaScript off: encrypted on arrival -----------------------------------------------------
    const plainCanary = `No-script canary ${randomBytes(6).toString('hex')}`;
    const plainFileCanary = Buffer.from(`PLAINFILECANARY-${randomBytes(8).toString('hex')}`);
    const noJs = await contextFor(false);
    const plain = await noJs.newPage();
    await plain.goto(`${base}/tips`);
    assert.match(await plain.locator('#tip-mode').innerText(), /our server will encrypt/);
    // The server's refusal re-renders the form with the message, in the site's frame.
    await plain.getByRole('button', { name: 'Encrypt and send' }).click();
    await plain.getByRole('alert').getByText(/Write a message or attach a file/).waitFor();
    await plain.screenshot({ path: '/tmp/tips-source-error-nojs.png', fullPage: true });
    const errorHtml = await plain.content();
    await plain.getByLabel('Your message').fill(plainCanary);
    await plain.getByLabel('Attachments (optional)').setInputFiles([{ name: 'memo.txt', mimeType: 'text/plain', buffer: plainFileCanary }]);
    await plain.getByRole('button', { name: 'Encrypt and send' }).click();
    await plain.locator('output#tip-codename').waitFor();
    const plainCodename = (await plain.locator('output#tip-codename').innerText()).trim();
    assert.equal(await plain.getByRole('button', { name: 'Copy codename' }).count(), 0, 'no copy button without JavaScript');
    await plain.screenshot({ path: '/tmp/tips-source-codename-nojs.png', fullPage: true });
    // axe-core runs as a script: check the page the no-JavaScript browser got in one that runs it.
    const noJsHtml = await plain.content();
    const checker = await contextFor(true);
    const checkPage = await checker.newPage();
    await checkPage.route(`${base}/tips-codename-preview`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: noJsHtml }));
    await checkPage.goto(`${base}/tips-codename-preview`);
    await axe(checkPage, 'the codename page (no JavaScript)');
    await checkPage.route(`${base}/tips-error-preview`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: errorHtml }));
    await checkPage.goto(`${base}/tips-error-preview`);
    await axe(checkPage, 'the refused form (no JavaScript)');
    await checker.close();
    const moreNeedles = needles([
      { label: 'plain canary', bytes: Buffer.from(plainCanary) },
      { label: 'plain file canary', bytes: plainFileCanary },
    ]);
    assert.deepEqual(hits(dataDir, logs, moreNeedles), []);
    const plainStored = await openTip(services, plainCodename, key);
    assert.equal(plainStored.message.encrypted_in, 'server');
    assert.equal(plainStored.text, plainCanary);
    assert.deepEqual(plainStored.files[0], plainFileCanary);
    const plainReply = `We got your memo ${randomBytes(3).toString('hex')}`;
    await reply(services, plainStored.conversation, key, plainReply);
    await readReply(plain, base, plainCodename, plainReply);
    await plain.screenshot({ path: '/tmp/tips-source-check-nojs.png', fullPage: true });
    await noJs.close();

    // After a checkpoint (the WAL copied into the database file) nothing readable either, and a
    // backup taken while the server runs (it lands in the data directory, which is scanned) holds
    // the tips as ciphertext only.
    await services.tipStore.delete('no-such-conversation');
    const backupFile = path.join(dataDir, 'backup.db');
    await backupTo(dataDir, backupFile);
    assert.ok(statSync(backupFile).size > 0, 'the backup was written');
    assert.deepEqual(hits(dataDir, logs, moreNeedles), []);
    assert.ok(logs.some((l) => l.includes('"url":"/tips"')), 'the requests were logged (method and path only)');
  } finally {
    await browser?.close();
    await relay.close();
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
