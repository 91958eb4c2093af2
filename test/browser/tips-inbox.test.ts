/**
 * The newsroom side of the tip line in a real browser (Debian's Chromium via playwright-core):
 * an admin sets the tip line up with a passphrase (the key is made and sealed in the page; no
 * request body ever carries the passphrase), a tip with a canary sentence and a canary attachment
 * arrives, the admin unlocks the inbox in the tab (a wrong passphrase is refused clearly), reads
 * the canary, downloads the attachment (its bytes are the canary's), replies (the reply opens in
 * Node with the key derived from the source's codename), assigns, labels, closes and deletes.
 * axe-core finds no violations on the setup page and the inbox, locked and unlocked.
 * Screenshots (desktop and 390 px wide) go to /tmp/tips-inbox-*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { createServices } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { deriveCodenameSecrets } from '../../src/tips/codename.js';
import { loadSodium, tipCrypto } from '../../src/tips/sodium.js';
import { requireOrSkip } from '../helpers/dialects.js';
import { seedTip, setupTipKey } from '../helpers/tips.js';
import { actorFor } from '../../src/users/users.service.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PASSPHRASE = 'lantern orchard gravel thimble sparrow';
const TEXT_CANARY = 'The INBOX-TEXT-CANARY-7f3a ledger is in the basement.';
const FILE_CANARY = Buffer.concat([Buffer.from('INBOX-FILE-CANARY-91c2\n'), Buffer.alloc(70_000, 'k')]);

async function axe(page: Page, label: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const summary = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(summary, [], `axe-core violations on ${label}`);
}

test('an admin sets up the tip line, unlocks the inbox in the browser, reads, downloads, replies, assigns, labels and deletes', { timeout: 120_000 }, async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not installed at ${CHROMIUM} (apt-get install chromium)`)) return;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'freewire-tips-inbox-'));
  const database = createDatabase({ dataDir });
  await migrate(database);
  const config = loadConfig({ FREEWIRE_DATA_DIR: dataDir, FREEWIRE_LOG_LEVEL: 'silent', FREEWIRE_DEMO_CONTENT: 'false' });
  const services = createServices(config, database);
  await services.settings.update(SYSTEM_ACTOR, { siteName: 'Riverbend Public News' });
  await services.users.create(SYSTEM_ACTOR, { email: 'admin@news.test', role: 'admin', password: 'admin-password-123' });
  const editor = await services.users.create(SYSTEM_ACTOR, { email: 'editor@news.test', name: 'Eda Editor', role: 'editor', password: 'editor-password-123' });
  await services.users.setTipsAccess(SYSTEM_ACTOR, editor.id, true);

  const app = await buildApp({ services, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const bodies: string[] = [];
    page.on('request', (r) => {
      const body = r.postData();
      if (body) bodies.push(body);
    });
    const consoleErrors: string[] = [];
    // Script errors fail the test; HTTP errors the flow expects (403 before access, the 409) are logged by the browser too.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() === 404 || r.status() >= 500) consoleErrors.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    await page.goto(`${base}/newsroom/login`);
    await page.getByLabel('Email').fill('admin@news.test');
    await page.getByLabel('Password').fill('admin-password-123');
    await page.getByRole('button', { name: /log in/i }).click();
    await page.waitForURL((u) => u.pathname === '/newsroom' || u.pathname === '/newsroom/stories');

    // ---- setup: before it, the admin has no access and is told how to get it -------------------
    await page.getByRole('navigation', { name: 'Newsroom' }).getByRole('link', { name: 'Tips' }).click();
    await page.waitForURL(`${base}/newsroom/tips`);
    assert.match(await page.locator('main').innerText(), /An admin grants access/);
    await axe(page, 'inbox without access');
    await page.getByRole('link', { name: 'Tip line setup' }).last().click();
    await page.waitForURL(`${base}/newsroom/tips/setup`);
    await page.locator('#tips-setup-form').waitFor({ state: 'visible' });
    await axe(page, 'setup page');
    await page.screenshot({ path: '/tmp/tips-inbox-setup.png', fullPage: true });
    await page.getByLabel('Passphrase (required)', { exact: true }).fill('short');
    assert.match(await page.locator('#tips-strength').innerText(), /too short/);
    await page.getByLabel('Passphrase (required)', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').fill(`${PASSPHRASE}x`);
    await page.getByLabel(/I understand/).check();
    await page.getByRole('button', { name: 'Create the key' }).click();
    await page.getByText('The two passphrases differ').waitFor();
    await page.getByLabel('Passphrase again').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create the key' }).click();
    await page.waitForURL(`${base}/newsroom/tips/setup?done=1`);
    const key = (await services.tipKeys.active())!;
    assert.ok(key, 'a key was stored');
    assert.match(await page.locator('main').innerText(), new RegExp(`${key.fingerprint} is active`));
    assert.equal(key.opslimit, (await loadSodium()).crypto_pwhash_OPSLIMIT_MODERATE, 'the browser used the moderate cost');
    await page.screenshot({ path: '/tmp/tips-inbox-setup-done.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: '/tmp/tips-inbox-setup-mobile.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // ---- a tip arrives --------------------------------------------------------------------------
    const tip = await seedTip(services, { text: TEXT_CANARY, attachments: [{ name: 'ledger scan.pdf', type: 'application/pdf', data: FILE_CANARY }] });

    // ---- unlock: wrong passphrase, then the right one -------------------------------------------
    await page.goto(`${base}/newsroom/tips`);
    await page.locator('#tips-unlock').waitFor({ state: 'visible' });
    await axe(page, 'inbox (locked)');
    await page.screenshot({ path: '/tmp/tips-inbox-locked.png', fullPage: true });
    await page.getByLabel('Passphrase (required)', { exact: true }).fill('not the passphrase at all');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('That passphrase does not open the tip line’s key').waitFor({ timeout: 20_000 });
    await page.getByLabel('Passphrase (required)', { exact: true }).fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('#tips-inbox').waitFor({ state: 'visible', timeout: 20_000 });
    await page.locator('#tips-list a').first().waitFor();
    await axe(page, 'inbox (unlocked, list)');

    // ---- read and download ------------------------------------------------------------------------
    await page.locator('#tips-list a').first().click();
    await page.getByText(TEXT_CANARY).waitFor();
    assert.match(await page.locator('#tips-detail').innerText(), /Encrypted in the source’s browser/);
    assert.match(page.url(), new RegExp(`#tip-${tip.conversationId}$`));
    const downloadEvent = page.waitForEvent('download');
    await page.getByRole('button', { name: /Download ledger scan\.pdf/ }).click();
    const download = await downloadEvent;
    assert.equal(download.suggestedFilename(), 'ledger scan.pdf');
    assert.deepEqual(readFileSync((await download.path())!), FILE_CANARY);
    await axe(page, 'inbox (unlocked, tip open)');
    await page.screenshot({ path: '/tmp/tips-inbox-open.png', fullPage: true });

    // ---- reply, readable with the codename ---------------------------------------------------------
    await page.getByLabel('Reply', { exact: true }).fill('Thank you. Can you tell us which year the ledger covers?');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('Reply sent.').waitFor();
    assert.match(await page.locator('#tips-detail').innerText(), /Can you tell us which year/);
    const sodium = await loadSodium();
    const { lookupSalt } = await services.tipKeys.line();
    const secrets = await deriveCodenameSecrets(tip.codename, lookupSalt);
    const reply = (await services.tipStore.messages(tip.conversationId)).find((m) => m.author === 'newsroom')!;
    assert.equal(tipCrypto.openMessage(sodium, reply.sealed_for_source!, tipCrypto.replyKeyPair(sodium, secrets.replySeed)).text, 'Thank you. Can you tell us which year the ledger covers?');

    // ---- assign, label, close ------------------------------------------------------------------------
    await page.getByLabel('Assign to', { exact: true }).selectOption({ label: 'Eda Editor (editor@news.test)' });
    await page.getByLabel('Labels').fill('ledger, follow up');
    await page.locator('#tips-edit-status').selectOption('closed');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    const conversation = (await services.tipStore.conversation(tip.conversationId))!;
    assert.equal(conversation.assignee_id, editor.id);
    assert.equal(conversation.status, 'closed');
    assert.deepEqual(JSON.parse(conversation.labels), ['ledger', 'follow up']);
    // Closed tips leave the default list ("New and open"); the "All" filter shows it with its labels.
    await page.getByLabel('Status', { exact: true }).first().selectOption('all');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('#tips-list').getByText('follow up').waitFor();
    // A colleague changes it meanwhile: the stale save is refused with a clear message.
    await services.database.db.updateTable('tip_conversations').set({ revision: conversation.revision + 1 }).where('id', '=', tip.conversationId).execute();
    await page.locator('#tips-edit-status').selectOption('open');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(/Someone changed this tip after you opened it/).waitFor();

    // ---- phone width --------------------------------------------------------------------------------
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: '/tmp/tips-inbox-mobile.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // ---- delete -------------------------------------------------------------------------------------
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete this tip…' }).click();
    await page.getByRole('heading', { name: 'Tip deleted' }).waitFor();
    assert.equal(await services.tipStore.conversation(tip.conversationId), undefined);
    // The list reloads after the deletion ("Loading…" meanwhile): wait for its answer.
    await page.locator('#tips-list-status', { hasText: /No tips match/ }).waitFor();
    assert.match(await page.locator('#tips-list-status').innerText(), /No tips match/);

    // ---- after a rotation: the new passphrase opens the new key, the older one the old tips -------
    await seedTip(services, { text: 'OLD-KEY-TIP sealed before the rotation' });
    const adminActor = actorFor((await services.users.findByEmail('admin@news.test'))!);
    await setupTipKey(services, adminActor, 'a brand new passphrase for the tip line', true);
    await seedTip(services, { text: 'NEW-KEY-TIP sealed after the rotation' });
    await page.getByRole('button', { name: 'Lock' }).click();
    await page.locator('#tips-unlock').waitFor({ state: 'visible' });
    await page.getByLabel('Passphrase (required)', { exact: true }).fill('a brand new passphrase for the tip line');
    await page.getByText('Tips sealed to an older key').click();
    await page.getByLabel('Passphrase of an older key').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('#tips-inbox').waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await page.locator('#tips-key-note').innerText(), /^Unlocked\./);
    await page.locator('#tips-list a').nth(1).waitFor();
    // Open each tip by its address, not by its place: the list reloads (and may reorder) after each
    // opening, and the previous tip's text stays on screen until the next one is rendered. The list
    // marks a link current only once its tip is rendered, so that is the condition to wait for.
    const hrefs = await page.locator('#tips-list a').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
    assert.equal(hrefs.length, 2);
    const seen: string[] = [];
    for (const href of hrefs) {
      await page.locator(`#tips-list a[href="${href}"]`).click();
      await page.locator(`#tips-list a[href="${href}"][aria-current="true"]`).waitFor();
      seen.push(await page.locator('#tips-detail .tips-text').first().innerText());
    }
    assert.deepEqual(seen.map((s) => s.split(' ')[0]).sort(), ['NEW-KEY-TIP', 'OLD-KEY-TIP']);

    // ---- the passphrase never left the browser; the canaries never went up either -------------------
    assert.ok(bodies.length >= 4, 'request bodies were captured');
    for (const body of bodies) {
      assert.equal(body.includes(PASSPHRASE), false, 'a request body carried the passphrase');
      assert.equal(body.includes('a brand new passphrase'), false);
      assert.equal(body.includes('not the passphrase at all'), false);
      assert.equal(body.includes('which year the ledger'), false, 'the reply went up sealed');
    }
    assert.deepEqual(consoleErrors, []);
    await context.close();
  } finally {
    await browser?.close();
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
