/**
 * The license profile pages in a real browser: no axe-core violations for the list, the form
 * (fresh and after a failed submit), the editor's read-only view and the story editor's select,
 * at desktop and phone widths, and no CSP violations.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

async function logIn(context: BrowserContext, base: string, email: string, password: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/newsroom/login`);
  await page.fill('#f-email', email);
  await page.fill('#f-password', password);
  await Promise.all([page.waitForURL(/\/newsroom\/stories/), page.click('button:has-text("Log in")')]);
  return page;
}

test('license profile pages pass axe for admins and editors, and the form works in a browser', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    const { services, app } = ta;
    const basics = await seedBasics(services);
    const free = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Free to republish', audience: 'free' });
    await services.licenseProfiles.create(SYSTEM_ACTOR, {
      name: 'Free after 24 hours',
      audience: 'free',
      delayHours: 24,
      searchEngines: 'noindex',
      ccLicenseUrl: 'https://creativecommons.org/licenses/by-nd/4.0/',
    });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, free.id);
    const story = await services.stories.create(SYSTEM_ACTOR, { headline: 'A story', body: 'Text.', desk: basics.desk, authors: [basics.author], licenseProfile: 'free-after-24-hours' });

    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });

    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const cspErrors: string[] = [];
      const page = await logIn(context, base, ta.admin.email, ta.admin.password);
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
      });
      for (const path of ['/newsroom/license-profiles', '/newsroom/license-profiles/new', `/newsroom/license-profiles/${free.id}`, `/newsroom/stories/${story.id}`]) {
        await page.goto(`${base}${path}`, { waitUntil: 'load' });
        assert.deepEqual(await axeViolations(page), [], `${path} at ${width}px`);
      }
      // A failed submit: the summary and field messages are accessible too.
      await page.goto(`${base}/newsroom/license-profiles/new`);
      await page.fill('#f-delayHours', '-5');
      await Promise.all([page.waitForURL(`${base}/newsroom/license-profiles`), page.click('button:has-text("Create profile")')]);
      assert.ok(await page.isVisible('.error-summary'));
      assert.match((await page.textContent('#f-name-error')) ?? '', /is required/);
      assert.deepEqual(await axeViolations(page), [], `invalid form at ${width}px`);
      assert.deepEqual(cspErrors, [], 'no CSP violations');
      await context.close();
    }

    // Create one through the browser, then an editor reads it.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await logIn(context, base, ta.admin.email, ta.admin.password);
    await admin.goto(`${base}/newsroom/license-profiles/new`);
    await admin.fill('#f-name', 'Licensees only');
    await admin.check('input[name="audience"][value="licensees"]');
    await admin.uncheck('input[name="requirements"][value="pixelRequired"]');
    await admin.selectOption('#f-ccLicenseUrl', 'https://creativecommons.org/licenses/by-nc/4.0/');
    await Promise.all([admin.waitForURL(`${base}/newsroom/license-profiles`), admin.click('button:has-text("Create profile")')]);
    assert.match((await admin.textContent('.flash')) ?? '', /Licensees only/);
    const created = (await services.licenseProfiles.getBySlug('licensees-only'))!;
    assert.equal(created.audience, 'licensees');
    assert.equal(created.pixelRequired, false);
    assert.equal(created.linkBackRequired, true);
    assert.equal(created.ccLicenseUrl, 'https://creativecommons.org/licenses/by-nc/4.0/');
    await context.close();

    const editorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const editor = await logIn(editorContext, base, ta.editor.email, ta.editor.password);
    await editor.goto(`${base}/newsroom/license-profiles/${created.id}`);
    assert.match((await editor.textContent('main')) ?? '', /Only organisations with a license/);
    assert.deepEqual(await axeViolations(editor), [], 'editor view');
    await editorContext.close();
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
