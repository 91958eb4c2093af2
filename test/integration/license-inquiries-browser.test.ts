/**
 * The /license page in a real browser (Debian's Chromium): zero axe-core violations (WCAG 2.2 AA)
 * on the page, the page with field messages and the thank-you page, at desktop and phone widths;
 * the honeypot is not visible to sighted people and is skipped by the keyboard.
 *
 * Accessibility does not depend on the database engine, so this runs on SQLite only. Without
 * Chromium it skips locally and fails in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { issueFormTime } from '../../src/licensing/inquiries.service.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).options({ rules: { 'label-content-name-mismatch': { enabled: true } } }).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

test('the license page, its field messages and the thank-you page pass axe', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    await ta.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensed investigations', audience: 'licensees' });
    await ta.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Embargoed features', audience: 'free', delayHours: 24 });
    await ta.services.settings.update(SYSTEM_ACTOR, { licensingContact: 'licensing@news.test' });
    const address = await ta.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${address}/license`, { waitUntil: 'load' });
      assert.deepEqual(await axeViolations(page), [], `/license at ${width}px`);
      // The honeypot sits in a 1×1 clipped box (the input's own box is not clipped, its wrapper's is).
      const box = await page.locator('div.visually-hidden:has(#f-hp)').boundingBox();
      assert.ok(box && box.width <= 1 && box.height <= 1, `the honeypot is not visible (${JSON.stringify(box)})`);
      assert.equal(await page.locator('#f-hp').getAttribute('tabindex'), '-1');

      // Sent empty: the page comes back with a message per field. (A form sent back at once is
      // taken for a script; the test stands in a render time a minute old rather than wait.)
      const aged = await issueFormTime(ta.services, new Date(Date.now() - 60_000));
      await page.evaluate((v) => {
        (document.querySelector('input[name=formTime]') as HTMLInputElement).value = v;
      }, aged);
      await page.click('button[type=submit]:has-text("Send inquiry")');
      await page.waitForSelector('.error-summary');
      assert.deepEqual(await axeViolations(page), [], `/license with errors at ${width}px`);

      await page.goto(`${address}/license/thanks`, { waitUntil: 'load' });
      assert.deepEqual(await axeViolations(page), [], `/license/thanks at ${width}px`);
      await context.close();
    }
  } finally {
    await browser?.close();
    await ta.close();
  }
});
