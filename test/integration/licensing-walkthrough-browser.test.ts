/**
 * The licensing desk end to end in a real browser (Debian's Chromium): an inquiry sent from the
 * public /license form appears in the newsroom's pipeline, an editor creates a license on its page,
 * the invitation link from the confirmation sets up the licensee's login, and the licensee lands
 * in the partner portal. Every page passes axe-core (WCAG 2.2 AA) with no CSP violations; the
 * license form's field messages and the license page are checked at a phone width too.
 * SQLite only: the pages do not depend on the engine. Without Chromium it skips locally and fails
 * in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { issueFormTime } from '../../src/licensing/inquiries.service.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const DAY = 86_400_000;

async function axe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

test('inquiry → pipeline → license → invitation → licensee portal, every page passing axe', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    await seedBasics(ta.services);
    await ta.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensed investigations', audience: 'licensees' });
    const url = await ta.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    const cspErrors: string[] = [];
    const watch = (page: Page) =>
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
      });

    // 1. The inquirer fills in /license.
    const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const inquirer = await visitor.newPage();
    watch(inquirer);
    await inquirer.goto(`${url}/license`);
    assert.deepEqual(await axe(inquirer), [], '/license');
    await inquirer.fill('#f-name', 'Lois Lane');
    await inquirer.fill('#f-organisation', 'Metropolis Weekly');
    await inquirer.fill('#f-email', 'lois@metropolis-weekly.example');
    await inquirer.fill('#f-website', 'https://metropolis-weekly.example');
    await inquirer.fill('#f-intendedUse', 'Investigations in our weekend print edition and our app.');
    await inquirer.selectOption('#f-medium', 'print');
    await inquirer.fill('#f-territory', 'Metropolis and Gotham');
    await inquirer.fill('#f-expectedVolume', '4 stories a month');
    // A form sent back at once is taken for a script; stand in a render time a minute old rather than wait.
    const aged = await issueFormTime(ta.services, new Date(Date.now() - 60_000));
    await inquirer.evaluate((v) => {
      (document.querySelector('input[name=formTime]') as HTMLInputElement).value = v;
    }, aged);
    await Promise.all([inquirer.waitForURL(/\/license\/thanks$/), inquirer.click('button[type=submit]:has-text("Send inquiry")')]);
    await visitor.close();

    // 2. An editor finds it in the pipeline and opens it.
    const staff = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await staff.newPage();
    watch(page);
    await page.goto(`${url}/newsroom/login`);
    await page.fill('#f-email', ta.editor.email);
    await page.fill('#f-password', ta.editor.password);
    await Promise.all([page.waitForURL(/\/newsroom\/stories/), page.click('button:has-text("Log in")')]);
    await Promise.all([page.waitForURL(/\/newsroom\/licensing$/), page.click('nav a:has-text("Licensing")')]);
    await Promise.all([page.waitForURL(/\/newsroom\/licensing\/[A-Za-z0-9_-]+$/), page.click('a:has-text("Metropolis Weekly")')]);
    const inquiryUrl = page.url();
    assert.deepEqual(await axe(page), [], 'the inquiry page with the license form');
    await page.screenshot({ path: '/tmp/h2-inquiry.png', fullPage: true });

    // 3. A mistake first: the last day before the first. The form comes back with the message and what was typed.
    await page.check('label:has-text("Licensed investigations") input');
    await page.check('label:has-text("Environment") input');
    await page.fill('#f-startsAt', new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10));
    await page.fill('#f-endsAt', new Date(Date.now() + 5 * DAY).toISOString().slice(0, 10));
    await page.fill('#f-terms', 'Up to ten stories a month, with the credit line.\nNo resale.');
    await page.fill('#f-fee', 'USD 1,200 a year');
    await page.click('button:has-text("Create the license")');
    await page.waitForSelector('.error-summary');
    assert.match((await page.textContent('.error-summary')) ?? '', /Last day must be after the first day/);
    assert.equal(await page.inputValue('#f-fee'), 'USD 1,200 a year');
    assert.ok(await page.isChecked('label:has-text("Licensed investigations") input'));
    assert.deepEqual(await axe(page), [], 'the license form with field messages');
    await page.screenshot({ path: '/tmp/h2-license-form-errors.png', fullPage: true });

    // 4. Fixed and created: the confirmation carries the invitation link to copy.
    await page.fill('#f-startsAt', new Date().toISOString().slice(0, 10));
    await page.fill('#f-endsAt', new Date(Date.now() + 364 * DAY).toISOString().slice(0, 10));
    await Promise.all([page.waitForURL(inquiryUrl), page.click('button:has-text("Create the license")')]);
    const flash = (await page.textContent('.flash')) ?? '';
    assert.match(flash, /License LIC-\d{4}-001 is created/);
    const invitation = /(http:\/\/\S+\/partners\/invite\/[A-Za-z0-9_-]+)/.exec(flash)?.[1];
    assert.ok(invitation, flash);
    assert.match((await page.textContent('section[aria-labelledby="history-title"]')) ?? '', /License LIC-\d{4}-001 created/);
    assert.deepEqual(await axe(page), [], 'the inquiry page after licensing');
    await page.screenshot({ path: '/tmp/h2-inquiry-licensed.png', fullPage: true });

    // 5. The license's own page.
    await Promise.all([page.waitForURL(/\/newsroom\/licensing\/licenses\/[A-Za-z0-9_-]+$/), page.click('.flash a')]);
    assert.match((await page.textContent('h1')) ?? '', /LIC-\d{4}-001/);
    assert.match((await page.textContent('main')) ?? '', /Stories of the “Environment” desk under “Licensed investigations”/);
    assert.deepEqual(await axe(page), [], 'the license page');
    await page.screenshot({ path: '/tmp/h2-license.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await axe(page), [], 'the license page on a phone');
    await page.screenshot({ path: '/tmp/h2-license-phone.png', fullPage: true });
    await staff.close();

    // 6. The licensee follows the invitation, sets a password and lands in the portal.
    const licensee = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const portal = await licensee.newPage();
    watch(portal);
    // The link names the configured public address; the test server listens elsewhere.
    assert.ok(invitation.startsWith(`${ta.config.publicUrl}/partners/invite/`), invitation);
    await portal.goto(`${url}${new URL(invitation).pathname}`);
    assert.match((await portal.textContent('h1')) ?? '', /Metropolis Weekly/);
    assert.deepEqual(await axe(portal), [], 'the invitation page');
    await portal.fill('#f-name', 'Lois Lane');
    await portal.fill('#f-password', 'a long licensee passphrase');
    await portal.fill('#f-passwordConfirm', 'a long licensee passphrase');
    await Promise.all([portal.waitForURL(/\/partners$/), portal.click('button:has-text("Create my login")')]);
    assert.match((await portal.textContent('body')) ?? '', /Welcome, Lois Lane/);
    assert.deepEqual(await axe(portal), [], 'the licensee dashboard');
    await portal.screenshot({ path: '/tmp/h2-portal.png', fullPage: true });
    await licensee.close();
    assert.deepEqual(cspErrors, []);
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
