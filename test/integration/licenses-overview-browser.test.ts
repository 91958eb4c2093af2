/**
 * The licenses overview, the usage dashboard's "By license and month" table and the partner
 * page's Licenses section in a real browser (Debian's Chromium): zero axe-core violations
 * (WCAG 2.2 AA) and no CSP violations, on a desktop and a phone-sized viewport, and the way from
 * the Licensing tab to a license's partner. SQLite only: the pages do not depend on the engine.
 * Without Chromium it skips locally and fails in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp } from '../helpers/app.js';
import { addLicense } from '../helpers/licenses.js';
import { newId } from '../../src/util/ids.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const DAY = 86_400_000;

async function axe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('the licenses overview, usage by license and the partner page pass axe', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    const s = ta.services;
    const db = s.database.db;
    const desk = await s.desks.create(SYSTEM_ACTOR, { name: 'Environment', description: 'Air' });
    const author = await s.authors.create(SYSTEM_ACTOR, { name: 'Ada Reporter', title: 'Reporter', bio: 'Writes.', links: {} });
    const lp = await s.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    const story = await s.stories.create(SYSTEM_ACTOR, { headline: 'Wells run dry', body: 'Text.', desk: desk.slug, authors: [author.slug], licenseProfile: lp.slug });
    await s.stories.publish(SYSTEM_ACTOR, story.id);
    const partners: string[] = [];
    for (const outlet of ['Daily Planet', 'Gotham Gazette']) {
      const id = newId();
      const now = new Date().toISOString();
      await db
        .insertInto('partners')
        .values({
          id, outlet, website: `https://${id.slice(-6).toLowerCase()}.example`, domain: `${id.slice(-6).toLowerCase()}.example`, contact_name: 'Lois Lane', email: `lois@${id.slice(-6).toLowerCase()}.example`,
          audience: 100_000, evidence: 'analytics', intended_use: 'republish', status: 'approved', kind: 'free', eligibility_json: '{}',
          decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
        })
        .execute();
      partners.push(id);
    }
    const [planet, gazette] = partners as [string, string];
    const now = Date.now();
    const ending = await addLicense(s, planet, { desks: [desk.id], startsAt: new Date(now - 200 * DAY).toISOString(), endsAt: new Date(now + 12 * DAY).toISOString() });
    await db.updateTable('licenses').set({ renewal_30_sent_at: new Date(now - 18 * DAY).toISOString() }).where('id', '=', ending.id).execute();
    await addLicense(s, planet, { profiles: [lp.id], startsAt: new Date(now + 12 * DAY).toISOString(), endsAt: new Date(now + 377 * DAY).toISOString() });
    await addLicense(s, gazette, { startsAt: new Date(now - 30 * DAY).toISOString(), endsAt: new Date(now + 335 * DAY).toISOString() }, true);
    await addLicense(s, gazette, { startsAt: new Date(now - 400 * DAY).toISOString(), endsAt: new Date(now - 35 * DAY).toISOString() }, true);
    const day = (offset: number) => new Date(now + offset * DAY).toISOString().slice(0, 10);
    await db
      .insertInto('usage_daily')
      .values([
        { story_id: story.id, partner_id: planet, day: day(0), views: 1234 },
        { story_id: story.id, partner_id: planet, day: day(-40), views: 310 },
        { story_id: story.id, partner_id: gazette, day: day(-3), views: 57 },
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
    await page.fill('#f-email', ta.editor.email);
    await page.fill('#f-password', ta.editor.password);
    await Promise.all([page.waitForURL(/\/newsroom\/stories/), page.click('button:has-text("Log in")')]);
    await Promise.all([page.waitForURL(/\/newsroom\/licensing$/), page.click('nav a:has-text("Licensing")')]);
    await Promise.all([page.waitForURL(/\/newsroom\/licensing\/licenses$/), page.click('nav[aria-label="Licensing desk"] a:has-text("Licenses")')]);
    const renewals = await page.textContent('section[aria-labelledby="renewals-heading"]');
    assert.ok(renewals?.includes(ending.reference) && renewals.includes('Daily Planet') && renewals.includes('30-day sent'));
    assert.equal(await page.locator('section[aria-labelledby="licenses-heading"] tbody tr').count(), 2, 'the two licenses in force');
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h3-licenses-overview.png', fullPage: true });

    await Promise.all([page.waitForURL(/state=all$/), page.click('a:has-text("All")')]);
    assert.equal(await page.locator('section[aria-labelledby="licenses-heading"] tbody tr').count(), 4);
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h3-licenses-all.png', fullPage: true });

    await Promise.all([page.waitForURL(new RegExp(`/newsroom/partners/${planet}$`)), page.click('section[aria-labelledby="renewals-heading"] a:has-text("Daily Planet")')]);
    assert.ok((await page.textContent('section[aria-labelledby="licenses-title"]'))?.includes(ending.reference));
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h3-partner-licenses.png', fullPage: true });

    await Promise.all([page.waitForURL(/\/newsroom\/usage\?partner=/), page.click('a:has-text("Usage by license and month")')]);
    await page.goto(`${url}/newsroom/usage?partner=${planet}&from=${day(-60)}&to=${day(0)}`);
    const table = await page.textContent('section[aria-labelledby="by-license-heading"]');
    assert.ok(table?.includes(ending.reference) && table.includes('1,234'));
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h3-usage-by-license.png', fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/newsroom/licensing/licenses`);
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: '/tmp/h3-licenses-overview-phone.png', fullPage: true });
    assert.deepEqual(cspErrors, []);
    await context.close();
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
