/**
 * The syndication program end to end, in a real browser (Debian's Chromium driven by
 * playwright-core): a publisher applies on /republish, an editor approves the application in the
 * newsroom, the invitation link is taken from the mail outbox (no SMTP here, so mail is held), the
 * partner sets up a login, creates an API key, opens a story's Republish page and copies the
 * snippet with the Copy button. axe-core finds no violations on the portal pages.
 * Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
import { requireOrSkip } from '../helpers/dialects.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function axe(page: Page, label: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const summary = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(summary, [], `axe-core violations on ${label}`);
}

test('a publisher applies, is approved, sets up a login, creates a key and copies a snippet', { timeout: 240_000 }, async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not installed at ${CHROMIUM} (apt-get install chromium)`)) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'freewire-browser-'));
  const database = createDatabase({ dataDir });
  await migrate(database);
  // Loopback is allow-listed so a webhook endpoint can be registered on this machine.
  const config = loadConfig({ FREEWIRE_DATA_DIR: dataDir, FREEWIRE_LOG_LEVEL: 'silent', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_FETCH_ALLOW_LIST: '127.0.0.1' });
  const services = createServices(config, database);
  const desk = await services.desks.create(SYSTEM_ACTOR, { name: 'Environment', description: 'Air, water and land' });
  const author = await services.authors.create(SYSTEM_ACTOR, { name: 'Marisol Okafor', title: 'Environment Reporter', bio: 'Covers water and air.' });
  await services.settings.update(SYSTEM_ACTOR, { siteName: 'Riverbend Public News' });
  await services.users.create(SYSTEM_ACTOR, { email: 'editor@news.test', role: 'editor', password: 'editor-password-123' });
  await services.users.create(SYSTEM_ACTOR, { email: 'admin@news.test', role: 'admin', password: 'admin-password-123' });
  const story = await services.stories.create(SYSTEM_ACTOR, {
    headline: 'Wells near the airfield test high for solvents',
    summary: 'State tests found solvents in six private wells.',
    body: 'State tests found **solvents** in six private wells near the airfield.\n\nResidents were told to drink bottled water.',
    authors: [author.slug],
    desk: desk.slug,
    tags: ['Water'],
  });
  await services.stories.publish(SYSTEM_ACTOR, story.id);

  const app = await buildApp({ services, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });

    // ---- the publisher applies --------------------------------------------------------------------
    const publisher = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await publisher.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await publisher.newPage();
    await page.goto(`${base}/republish`);
    await page.getByLabel('Publication name').fill('Valley Herald');
    await page.getByLabel('Website address').fill('https://valleyherald.example');
    await page.getByLabel('Monthly unique visitors').fill('250000');
    await page.getByLabel('Evidence of your audience').fill('Analytics screenshots for the last six months, audited by our ad network.');
    await page.getByLabel('How you plan to use our stories').fill('Republish environment coverage in our regional news section.');
    await page.getByLabel('Your name').fill('Pat Partner');
    await page.getByLabel('Email address').fill('pat@valleyherald.example');
    await page.getByLabel(/I have read the terms/).check();
    await page.getByRole('button', { name: 'Send application' }).click();
    await page.waitForURL(/\/republish\/thanks\//);

    // ---- an editor approves it ------------------------------------------------------------------
    const newsroom = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const editor = await newsroom.newPage();
    await editor.goto(`${base}/newsroom/login`);
    await editor.getByLabel('Email').fill('editor@news.test');
    await editor.getByLabel('Password').fill('editor-password-123');
    await editor.getByRole('button', { name: /log in/i }).click();
    await editor.waitForURL((u) => u.pathname === '/newsroom' || u.pathname === '/newsroom/stories');
    await editor.goto(`${base}/newsroom/partners`);
    await editor.getByRole('link', { name: 'Valley Herald' }).first().click();
    await editor.waitForURL(/\/newsroom\/partners\/[0-9a-f-]+$/);
    await editor.getByRole('button', { name: 'Approve' }).click();
    // Wait for the page the post leads to, not for a load state the page before it may still report.
    await editor.locator('main', { hasText: 'Valley Herald is approved' }).waitFor();
    await newsroom.close();

    // ---- no SMTP: the outbox keeps the email without its link; an admin creates one ------------
    const mails = await database.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'pat@valleyherald.example').where('status', '=', 'held').execute();
    assert.equal(mails.length, 1);
    assert.doesNotMatch(mails[0]!.text_body, /\/partners\/invite\//, 'the outbox, which editors read, never holds the link');
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await adminContext.newPage();
    await admin.goto(`${base}/newsroom/login`);
    await admin.getByLabel('Email').fill('admin@news.test');
    await admin.getByLabel('Password').fill('admin-password-123');
    await admin.getByRole('button', { name: /log in/i }).click();
    await admin.waitForURL((u) => u.pathname === '/newsroom' || u.pathname === '/newsroom/stories');
    await admin.goto(`${base}/newsroom/partners?status=approved`);
    await admin.getByRole('link', { name: 'Valley Herald' }).first().click();
    await admin.getByRole('button', { name: 'Create an invitation link' }).click();
    await admin.waitForLoadState('load');
    const invite = new URL(await admin.locator('#new-invitation').inputValue()).pathname;
    assert.match(invite, /^\/partners\/invite\/[A-Za-z0-9_-]{43}$/);
    await adminContext.close();

    await page.goto(`${base}${invite}`);
    assert.match(await page.locator('h1').innerText(), /Set up your login for Valley Herald/);
    await axe(page, 'invitation page');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-invite.png'), fullPage: true });
    await page.getByLabel('Your name').fill('Pat Partner');
    await page.getByLabel('Password (required)', { exact: true }).fill('valley-herald-password');
    await page.getByLabel('Password again').fill('valley-herald-password');
    await page.getByRole('button', { name: 'Create my login' }).click();
    await page.waitForURL(`${base}/partners`);
    assert.match(await page.locator('main').innerText(), /Your login for Valley Herald is ready/);
    await axe(page, 'partner dashboard');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-dashboard.png'), fullPage: true });

    // ---- an API key, shown once, copied ---------------------------------------------------------
    await page.getByRole('navigation', { name: 'Partner portal' }).getByRole('link', { name: 'API keys & feeds' }).click();
    await page.waitForURL(`${base}/partners/keys`);
    await axe(page, 'keys page');
    await page.getByLabel('Key name').fill('WordPress importer');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.waitForLoadState('load');
    const key = await page.locator('#new-key').inputValue();
    assert.match(key, /^fwp_[A-Za-z0-9_-]{40,}$/);
    assert.equal((await services.partners.resolveApiKey(key))?.partner.outlet, 'Valley Herald');
    await page.locator('button[data-copy-target="new-key"]').click();
    await assert.doesNotReject(page.getByText('Copied to the clipboard.').waitFor());
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
    await axe(page, 'keys page with a new key');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-keys.png'), fullPage: true });

    // ---- a story's Republish page, the snippet copied -------------------------------------------
    await page.getByRole('navigation', { name: 'Partner portal' }).getByRole('link', { name: 'Stories' }).click();
    await page.waitForURL(`${base}/partners/stories`);
    await axe(page, 'stories page');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-stories.png'), fullPage: true });
    await page.getByRole('link', { name: /Republish “Wells near the airfield/ }).click();
    await page.waitForURL(/\/partners\/stories\/[0-9a-f-]+\/republish$/);
    await axe(page, 'republish page');
    const copyButton = page.locator('button[data-copy-target="snippet"]');
    await copyButton.click();
    await assert.doesNotReject(page.locator('[data-copy-status="snippet"]').getByText('Copied to the clipboard.').waitFor());
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(clipboard, await page.locator('#snippet').inputValue(), 'the clipboard holds the whole snippet');
    assert.match(clipboard, /This story was originally published by Riverbend Public News/);
    assert.match(clipboard, /<a href="[^"]+\/stories\/wells-near-the-airfield-test-high-for-solvents">/);
    assert.match(clipboard, /<img class="freewire-pixel" src="[^"]+\/p\/[A-Za-z0-9_-]+\.gif"/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-republish.png'), fullPage: true });

    // ---- a webhook endpoint: its secret shown once, a test delivery queued ----------------------
    await page.getByRole('navigation', { name: 'Partner portal' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.waitForURL(`${base}/partners/webhooks`);
    await axe(page, 'webhooks page');
    await page.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/freewire-hook');
    await page.getByLabel('Description').fill('Production CMS');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.waitForLoadState('load');
    const secret = await page.locator('#new-secret').inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);
    await axe(page, 'webhooks page with a new secret');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-webhooks.png'), fullPage: true });
    await page.getByRole('link', { name: /127\.0\.0\.1:9\/freewire-hook/ }).first().click();
    await page.waitForURL(/\/partners\/webhooks\/[0-9a-f-]+$/);
    await page.getByRole('button', { name: 'Send a test delivery' }).click();
    await page.locator('main', { hasText: 'webhook.test' }).waitFor();
    await axe(page, 'webhook endpoint page');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-webhook-endpoint.png'), fullPage: true });

    // ---- the other portal pages -----------------------------------------------------------------
    await page.goto(`${base}/partners/follows`);
    await page.getByLabel('Desk').selectOption({ label: 'Environment' });
    await page.getByRole('button', { name: 'Follow desk' }).click();
    // The post redirects back to this same address, so the message is what to wait for.
    await page.locator('main', { hasText: 'You now follow the Environment desk' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/partners/follows');
    await axe(page, 'follows page');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-follows.png'), fullPage: true });
    await page.goto(`${base}/partners/usage`);
    await axe(page, 'usage page');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-usage.png'), fullPage: true });

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, storageState: await publisher.storageState() });
    const phonePage = await phone.newPage();
    await phonePage.goto(`${base}/partners/stories`);
    await phonePage.screenshot({ path: path.join(ARTIFACTS, 'portal-stories-mobile.png'), fullPage: true });
    await phone.close();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/partners/login`);
    await axe(page, 'login page');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-login.png'), fullPage: true });
  } finally {
    await browser?.close();
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
