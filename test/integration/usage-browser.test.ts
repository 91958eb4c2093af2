/**
 * The usage dashboard in a real browser (Debian's Chromium): zero axe-core violations (WCAG 2.2
 * AA) at desktop and phone widths, no CSP violations, the chart drawn, its numbers table
 * reachable, and the CSV link downloading a file. SQLite only: the browser does not care about
 * the engine. Without Chromium it skips locally and fails in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { newId } from '../../src/util/ids.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

test('usage dashboard: accessible, CSP-clean, chart and CSV work in a browser', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb, { FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  let browser: Browser | undefined;
  try {
    const { services, app } = ta;
    const db = services.database.db;
    const basics = await seedBasics(services);
    const stories: string[] = [];
    for (const headline of ['County water board approves emergency wells', 'Heat wave strains the valley’s power grid', 'School lunches go local']) {
      const s = await services.stories.create(SYSTEM_ACTOR, { headline, body: 'Text.', desk: basics.desk, authors: [basics.author] });
      await services.stories.publish(SYSTEM_ACTOR, s.id);
      stories.push(s.id);
    }
    const partners: string[] = [];
    const now = new Date().toISOString();
    for (const outlet of ['Valley Gazette', 'Riverside Daily', 'The Hill Country Observer']) {
      const id = newId();
      await db
        .insertInto('partners')
        .values({
          id, outlet, website: `https://${id.slice(-6)}.example`, domain: `${id.slice(-6)}.example`, contact_name: 'Pat', email: `pat@${id.slice(-6)}.example`,
          audience: 50_000, evidence: 'x', intended_use: 'x', status: 'approved', kind: 'free', eligibility_json: '{}',
          decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
        })
        .execute();
      partners.push(id);
    }
    const today = Date.parse(`${now.slice(0, 10)}T00:00:00.000Z`);
    const rows = [];
    for (let d = 0; d < 30; d++) {
      const day = new Date(today - d * 86_400_000).toISOString().slice(0, 10);
      for (let s = 0; s < 3; s++) {
        for (let p = 0; p < 3; p++) rows.push({ story_id: stories[s]!, partner_id: partners[p]!, day, views: ((d * 37 + s * 11 + p * 7) % 50) * (3 - s) + (d < 5 ? 40 : 0) });
      }
    }
    await db.insertInto('usage_daily').values(rows).execute();
    const checks = [
      ['compliant', {}],
      ['noncompliant', { problems: ['The credit line is missing', 'No link back to the original'] }],
      ['unreachable', { error: 'Timed out after 10 seconds' }],
      ['unchecked', {}],
    ] as const;
    for (let i = 0; i < 4; i++) {
      await db
        .insertInto('usage_pages')
        .values({
          id: newId(), story_id: stories[i % 3]!, partner_id: partners[i % 3]!, url: `https://${['gazette', 'riverside', 'hillcountry', 'gazette'][i]}.example/news/2026/story-${i}?page=2`,
          views: 500 - i * 90, first_seen: new Date(today - (20 - i) * 86_400_000).toISOString(), last_seen: new Date(today - i * 3_600_000).toISOString(),
          check_status: checks[i]![0], check_details_json: JSON.stringify(checks[i]![1]), checked_at: i === 3 ? null : now,
        })
        .execute();
    }

    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
      const [name, value] = ta.editor.cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url: base }]);
      const page = await context.newPage();
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
      });
      const res = await page.goto(`${base}/newsroom/usage`);
      assert.equal(res?.status(), 200);
      assert.equal(await page.locator('svg[role="img"] path.fw-chart-line').count(), 1, 'the chart is drawn');
      const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
      assert.deepEqual(
        result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`),
        [],
        `axe at ${width}px`,
      );
      await page.click('summary:has-text("Show the numbers")');
      assert.ok(await page.locator('.fw-chart-table tbody tr').first().isVisible(), 'the numbers open');
      assert.deepEqual(cspErrors, [], `CSP at ${width}px`);
      if (width === 1280) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Download views per day (CSV)")')]);
        assert.match(download.suggestedFilename(), /^usage-daily-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
        // A filter from the top-partners list narrows the page.
        await page.click('.usage-two a:has-text("Riverside Daily")');
        assert.equal(await page.locator('#f-partner option[selected]').textContent(), 'Riverside Daily');
      }
      await context.close();
    }
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
