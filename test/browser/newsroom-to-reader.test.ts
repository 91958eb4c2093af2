/**
 * What a user does, in a real browser (Debian's Chromium driven by playwright-core): log in,
 * write and publish a story, read it on the site, change the text size and find it kept after a
 * reload; axe-core finds no violations on the reader pages. Screenshots go to test-artifacts/.
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
// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

async function axe(page: Page, label: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const summary = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(summary, [], `axe-core violations on ${label}`);
}

test('a journalist publishes a story and a reader reads it', { timeout: 180_000 }, async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not installed at ${CHROMIUM} (apt-get install chromium)`)) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'freewire-browser-'));
  const database = createDatabase({ dataDir });
  await migrate(database);
  const config = loadConfig({ FREEWIRE_DATA_DIR: dataDir, FREEWIRE_LOG_LEVEL: 'silent', FREEWIRE_DEMO_CONTENT: 'false' });
  const services = createServices(config, database);
  const desk = await services.desks.create(SYSTEM_ACTOR, { name: 'Environment', description: 'Air, water and land' });
  const author = await services.authors.create(SYSTEM_ACTOR, {
    name: 'Marisol Okafor', title: 'Environment Reporter', bio: 'Covers water and air.', links: { bluesky: 'marisol.example.social', website: 'https://example.org/marisol' },
  });
  await services.settings.update(SYSTEM_ACTOR, { siteName: 'Riverbend Public News', syndicationNotice: 'Free to republish for eligible publishers.' });
  await services.users.create(SYSTEM_ACTOR, { email: 'editor@news.test', role: 'editor', password: 'editor-password-123' });
  for (const h of ['Wells near airfield test high', 'School air filters arrive late']) {
    const s = await services.stories.create(SYSTEM_ACTOR, { headline: h, summary: `${h}.`, body: `${h}. More text here.\n\nSecond paragraph.`, authors: [author.slug], desk: desk.slug, tags: ['Water'] });
    await services.stories.publish(SYSTEM_ACTOR, s.id);
  }

  const app = await buildApp({ services, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'freewire-chromium-'));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();

    // Log in.
    await page.goto(`${base}/newsroom/login`);
    await page.getByLabel('Email').fill('editor@news.test');
    await page.getByLabel('Password').fill('editor-password-123');
    await page.getByRole('button', { name: /log in/i }).click();
    await page.waitForURL((u) => u.pathname === '/newsroom' || u.pathname === '/newsroom/stories');

    // Write a story, watch the live preview, save it, publish it.
    await page.goto(`${base}/newsroom/stories/new`);
    await page.getByLabel('Headline').fill('River cleanup crews find drums of solvent');
    await page.getByLabel('Summary').fill('Volunteers pulled 14 rusted drums from the Sallow River on Saturday.');
    await page.getByLabel('Body').fill('Volunteers pulled **14 rusted drums** from the river.\n\n## What happens next\n\nThe state will test the soil.');
    await page.getByLabel('Desk').selectOption(desk.slug);
    await page.getByLabel(/Marisol Okafor/).check();
    await page.getByLabel('Tags').fill('Water, Pollution');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(/\/newsroom\/stories\/[0-9a-f-]+/);
    await page.getByRole('button', { name: 'Publish now' }).click();
    // The editor page the post redirects to says so; the site is read only after that.
    await page.getByText('Story published —').waitFor();

    // Read it on the site.
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'River cleanup crews find drums of solvent' }).first().click();
    await page.waitForURL(/\/stories\/river-cleanup-crews-find-drums-of-solvent/);
    await assert.doesNotReject(page.getByRole('heading', { level: 1, name: 'River cleanup crews find drums of solvent' }).waitFor());
    assert.match((await page.locator('main').innerText()).replace(/\s+/g, ' '), /Environment Reporter/);
    assert.match(await page.locator('main').innerText(), /Free to republish for eligible publishers/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'story.png'), fullPage: true });

    // Change the text size with the keyboard, reload, find it kept.
    const larger = page.getByRole('button', { name: 'Larger text' });
    const sizeBefore = await page.locator('.story-body p').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    await larger.focus();
    await page.keyboard.press('Enter');
    assert.equal(await larger.getAttribute('aria-pressed'), 'true');
    const sizeAfter = await page.locator('.story-body p').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(sizeAfter > sizeBefore, `text grew (${sizeBefore}px → ${sizeAfter}px)`);
    await page.reload();
    assert.equal(await page.getByRole('button', { name: 'Larger text' }).getAttribute('aria-pressed'), 'true');
    const sizeReloaded = await page.locator('.story-body p').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.equal(sizeReloaded, sizeAfter);
    await axe(page, 'story page');

    // Back to standard size for the remaining pages' screenshots.
    await page.getByRole('button', { name: 'Standard text size' }).click();
    await page.goto(`${base}/`);
    await axe(page, 'home page');
    await page.screenshot({ path: path.join(ARTIFACTS, 'home.png'), fullPage: true });
    await page.goto(`${base}/author/${author.slug}`);
    await axe(page, 'author page');
    await page.goto(`${base}/search?q=drums`);
    assert.match(await page.locator('main').innerText(), /River cleanup crews/);
    await axe(page, 'search page');

    // Upload the author's photo with the newsroom form. The handler reads the multipart stream
    // itself and needs the form's CSRF field before the file: a real browser sends the fields in
    // document order. The author page (cached a moment ago) shows the photo at once.
    await page.goto(`${base}/newsroom/authors/${author.id}`);
    await page.setInputFiles('#f-photo', { name: 'marisol.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: 'Upload photo' }).click();
    // The form posts and the answer is a new page: wait for its message, not for a load state the
    // page before it may still report.
    await page.locator('main', { hasText: 'Photo updated' }).waitFor();
    const photoId = (await services.authors.getById(author.id)).photoMediaId;
    assert.ok(photoId, 'the photo was stored');
    await page.goto(`${base}/author/${author.slug}`);
    // The browser may reuse its own copy (max-age=60); a reload asks the server, whose page
    // cache was refreshed by the change.
    await page.reload();
    assert.equal(await page.locator(`img.author-photo[src="/media/${photoId}"]`).count(), 1);

    // A phone-sized screenshot of the story, as most readers see it.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const phonePage = await phone.newPage();
    await phonePage.goto(`${base}/stories/river-cleanup-crews-find-drums-of-solvent`);
    await phonePage.screenshot({ path: path.join(ARTIFACTS, 'story-mobile.png'), fullPage: true });
    await phone.close();
  } finally {
    await browser?.close();
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(userDataDir, { recursive: true, force: true });
  }
});
