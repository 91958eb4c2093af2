/**
 * The licensing pipeline in a real browser (Debian's Chromium): the list and one inquiry with
 * zero axe-core violations (WCAG 2.2 AA) and no CSP violations, on a desktop and a phone-sized
 * viewport; a note and an email sent from the page show up in the history. SQLite only: the
 * pages do not depend on the engine. Without Chromium it skips locally and fails in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { newId } from '../../src/util/ids.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function insertInquiry(t: TestApp, organisation: string, status: 'new' | 'negotiating' | 'declined', second: number): Promise<string> {
  const id = newId();
  const at = new Date(Date.UTC(2026, 11, 1, 9, 0, second)).toISOString();
  const db = t.services.database.db;
  await db
    .insertInto('license_inquiries')
    .values({
      id, status, name: 'Clark Kent', organisation, email: `desk@${organisation.toLowerCase().replace(/[^a-z]/g, '')}.example`, website: 'https://planet.example',
      intended_use: 'Investigations in our weekend print edition.\nAnd the app.', medium: 'print', territory: 'Metropolis', expected_volume: '4 stories a month',
      message: 'We would like to talk about a yearly license.', owner_id: null, partner_id: null, revision: 0, created_at: at, updated_at: at, status_changed_at: at,
    })
    .execute();
  await db.insertInto('license_inquiry_events').values({ id: newId(), inquiry_id: id, kind: 'received', actor_id: null, actor_label: 'inquirer', from_value: null, to_value: null, note: null, mail_id: null, created_at: at }).execute();
  return id;
}

async function axe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('the licensing pipeline pages pass axe; a note and an email land in the history', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    const id = await insertInquiry(ta, 'Daily Planet Media', 'new', 1);
    await insertInquiry(ta, 'Gotham Gazette', 'negotiating', 2);
    await insertInquiry(ta, 'Declined Weekly', 'declined', 3);
    const url = await ta.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cspErrors: string[] = [];
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${url}/newsroom/login`);
    await page.fill('#f-email', ta.editor.email);
    await page.fill('#f-password', ta.editor.password);
    await Promise.all([page.waitForURL(/\/newsroom\/stories/), page.click('button:has-text("Log in")')]);
    await Promise.all([page.waitForURL(/\/newsroom\/licensing$/), page.click('nav a:has-text("Licensing")')]);
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/licensing-list.png', fullPage: true });

    await Promise.all([page.waitForURL(new RegExp(`/newsroom/licensing/${id}$`)), page.click('a:has-text("Daily Planet Media")')]);
    assert.deepEqual(await axe(page), []);
    await page.selectOption('#f-owner', ta.editor.id);
    await page.fill('#f-note', 'Called Clark; wants a yearly license.');
    await Promise.all([page.waitForURL(new RegExp(`/newsroom/licensing/${id}$`)), page.click('button:has-text("Save")')]);
    await page.fill('#f-subject', 'Your licensing inquiry');
    await Promise.all([page.waitForURL(new RegExp(`/newsroom/licensing/${id}$`)), page.click('button:has-text("Send email")')]);
    const history = await page.textContent('section[aria-labelledby="history-title"]');
    assert.ok(history?.includes('Called Clark; wants a yearly license.'));
    assert.ok(history?.includes('Your licensing inquiry'));
    assert.ok(history?.includes('Contacted'));
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/licensing-detail.png', fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/licensing-detail-phone.png', fullPage: true });
    await page.goto(`${url}/newsroom/licensing`);
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/licensing-list-phone.png', fullPage: true });
    assert.deepEqual(cspErrors, []);
    await context.close();
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
