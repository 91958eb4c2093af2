/**
 * The newsroom's WebSub subscriptions page in a real browser (Debian's Chromium): zero axe-core
 * violations (WCAG 2.2 AA) and no CSP violations, with a table holding every kind of row (active,
 * waiting for verification, failed with its error, a partner feed shown without its token).
 * SQLite only: the page does not depend on the engine. Without Chromium it skips locally and
 * fails in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp } from '../helpers/app.js';
import { newId } from '../../src/util/ids.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

test('the WebSub subscriptions page passes axe and shows no partner token', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    const now = new Date().toISOString();
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const base = { partner_id: null, secret: null, lease_seconds: null, lease_expires_at: null, intent_mode: null, intent_lease_seconds: null, intent_secret: null, intent_requested_at: null, verify_attempts: 0, verify_next_at: null, claim_token: null, claimed_until: null, verified_at: null, last_error: null, last_error_at: null, last_delivery_at: null, last_delivery_status: null, created_at: now, updated_at: now };
    const token = 'secretFeedToken0123456789';
    await ta.services.database.db
      .insertInto('websub_subscriptions')
      .values([
        { ...base, id: newId(), topic: 'http://news.test/atom.xml', callback: 'https://reader.example/push?key=abc', state: 'active', lease_seconds: 864000, lease_expires_at: later, last_delivery_at: now, last_delivery_status: 200 },
        { ...base, id: newId(), topic: 'http://news.test/feed.json', callback: 'https://other.example/cb', state: 'pending', intent_mode: 'subscribe', intent_requested_at: now, verify_next_at: now },
        { ...base, id: newId(), topic: `http://news.test/partners/feed/${token}/rss.xml`, callback: 'https://cms.example/hook', state: 'failed', last_error: 'The callback answered HTTP 404 to the verification request.', last_error_at: now },
      ])
      .execute();
    const url = await ta.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cspErrors: string[] = [];
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${url}/newsroom/login`);
    await page.fill('#f-email', ta.admin.email);
    await page.fill('#f-password', ta.admin.password);
    await Promise.all([page.waitForURL(/\/newsroom\/stories/), page.click('button:has-text("Log in")')]);
    await page.goto(`${url}/newsroom/settings`);
    await Promise.all([page.waitForURL(/\/newsroom\/websub/), page.click('a:has-text("WebSub subscriptions")')]);
    const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help}`), []);
    assert.deepEqual(cspErrors, []);
    const text = await page.textContent('main');
    assert.ok(text?.includes('reader.example'));
    assert.ok(text?.includes('waiting for verification'));
    assert.ok(text?.includes('HTTP 404'));
    assert.ok(!text?.includes(token), 'the partner feed token is not shown');
    assert.ok(!text?.includes('key=abc'), 'the callback query is not shown');
    await context.close();
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
