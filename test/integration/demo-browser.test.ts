/**
 * The demo as a newcomer first sees it, in a real browser (Debian's Chromium): the newsroom's
 * usage dashboard with a month of views, and the demo partner's portal (logged in with the
 * password the start output prints) with its notices and usage. Zero axe-core violations (WCAG
 * 2.2 AA) and no CSP violations; screenshots in /tmp/h6-demo-*.png. SQLite only: the pages do
 * not depend on the engine. Without Chromium it skips locally and fails in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { seedDemoContent } from '../../src/demo/seed.js';
import { demoFreePartner, demoLicenseeInquiry } from '../../src/demo/content.js';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp } from '../helpers/app.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function axe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('the demo in a browser: the usage dashboard and the demo partner’s portal show a month of use', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    const seeded = await seedDemoContent(ta.services);
    const login = seeded.activity!.portalLogin;
    const own = await ta.services.usage.summary({ partnerId: (await ta.services.partners.list({ status: 'approved' })).items.find((p) => p.kind === 'free')!.id });
    const all = await ta.services.usage.summary({});

    const url = await ta.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cspErrors: string[] = [];
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });

    // ---- the newsroom
    await page.goto(`${url}/newsroom/login`);
    await page.fill('#f-email', ta.editor.email);
    await page.fill('#f-password', ta.editor.password);
    await Promise.all([page.waitForURL(/\/newsroom\/stories/), page.click('button:has-text("Log in")')]);
    await page.goto(`${url}/newsroom/usage`);
    const dashboard = (await page.textContent('main')) ?? '';
    assert.ok(dashboard.includes(all.total.toLocaleString('en-US')), 'the month’s total');
    assert.ok(dashboard.includes(demoFreePartner.outlet) && dashboard.includes(demoLicenseeInquiry.organisation));
    assert.ok(dashboard.includes('Breaks the terms'));
    assert.ok(await page.locator('.usage-chart, svg').first().isVisible(), 'the chart is drawn');
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h6-demo-usage.png', fullPage: true });

    // ---- the demo partner's portal, with the printed password
    await page.goto(`${url}/partners/login`);
    await page.fill('input[name="email"]', login.email);
    await page.fill('input[name="password"]', login.password);
    await Promise.all([page.waitForURL(/\/partners$/), page.click('button:has-text("Log in")')]);
    const overview = (await page.textContent('main')) ?? '';
    assert.ok(overview.includes('A story you received was withdrawn: take it down'), 'the open withdrawal');
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h6-demo-portal.png', fullPage: true });

    await page.goto(`${url}/partners/usage`);
    const usage = (await page.textContent('main')) ?? '';
    assert.ok(usage.includes(own.total.toLocaleString('en-US')), 'the partner’s own total');
    assert.ok(usage.includes('valleyherald.example/news/greyford-wells-pfas-limit'));
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h6-demo-portal-usage.png', fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h6-demo-portal-usage-phone.png', fullPage: true });
    assert.deepEqual(cspErrors, []);
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
