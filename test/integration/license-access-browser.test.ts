/**
 * A licensee in the partner portal, in a real browser (Debian's Chromium): the overview lists its
 * licenses in words (what each covers, images, dates, what happens at the end, state) and the
 * stories page offers exactly what the license in force covers. Zero axe-core violations (WCAG
 * 2.2 AA), no CSP violations. SQLite only: the pages do not depend on the engine.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { addLicense } from '../helpers/licenses.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { approvePartner } from '../../src/partners/decisions.js';

const CHROMIUM = '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const DAY = 86_400_000;

async function axe(page: Page, label: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  assert.deepEqual(result.violations.map((v) => `${label} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), []);
}

test('a licensee sees its licenses on the overview and the stories they cover', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    const { services } = ta;
    await services.settings.update(SYSTEM_ACTOR, { siteName: 'Valley Post', licensingContact: 'licensing@valley.example' });
    const basics = await seedBasics(services);
    const politics = await services.desks.create(SYSTEM_ACTOR, { name: 'Politics', description: 'City hall' });
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', audience: 'free' });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    const licOnly = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    const publish = async (headline: string, desk: string, licenseProfile?: string) => {
      const s = await services.stories.create(SYSTEM_ACTOR, { headline, body: 'The council met **late** into the night.', desk, authors: [basics.author], ...(licenseProfile ? { licenseProfile } : {}) });
      await services.stories.publish(SYSTEM_ACTOR, s.id);
    };
    await publish('Council passes the water budget', politics.slug, licOnly.slug);
    await publish('Wetlands survey finds rare heron', basics.desk, licOnly.slug);
    await publish('Free story for everyone', basics.desk);

    const partner = await services.partners.apply({
      outlet: 'Capital Wire', website: 'https://capitalwire.example', contactName: 'Cam Wire', email: 'cam@capitalwire.example', audience: 900_000,
      evidence: 'Signed license.', intendedUse: 'Licensed republication of politics coverage.', acceptTerms: true,
    });
    const decision = await approvePartner(services, SYSTEM_ACTOR, partner.id);
    const inForce = await addLicense(services, partner.id, { profiles: [licOnly.id], desks: [politics.id], images: false, startsAt: new Date(Date.now() - 300 * DAY).toISOString(), endsAt: new Date(Date.now() + 20 * DAY).toISOString(), onEnd: 'cancel' });
    const ended = await addLicense(services, partner.id, { startsAt: new Date(Date.now() - 700 * DAY).toISOString(), endsAt: new Date(Date.now() - 300 * DAY).toISOString() });

    const url = await ta.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cspErrors: string[] = [];
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${url}${new URL(decision.invitationUrl!).pathname}`);
    await page.fill('#f-name', 'Cam Wire');
    await page.fill('#f-password', 'licensee-password-123');
    await page.fill('#f-passwordConfirm', 'licensee-password-123');
    await Promise.all([page.waitForURL(/\/partners$/), page.click('button:has-text("Create my login")')]);

    const licenses = page.locator('section[aria-labelledby="licenses-title"]');
    await licenses.waitFor();
    await axe(page, 'overview');
    await page.screenshot({ path: '/tmp/h1-licensee-overview.png', fullPage: true });
    const rows = await licenses.locator('tbody tr').allTextContents();
    assert.equal(rows.length, 2);
    const current = rows.find((r) => r.includes(inForce.reference))!;
    assert.ok(current.includes('Stories of the “Politics” desk under “Licensees only”'), current);
    assert.ok(current.includes('Not included') && current.includes('Take its stories down') && current.includes('Ending soon'), current);
    const past = rows.find((r) => r.includes(ended.reference))!;
    assert.ok(past.includes('Every story offered to licensees') && past.includes('Ended') && past.includes('You may keep what you published'), past);
    assert.ok((await licenses.textContent())?.includes('licensing@valley.example'));

    await page.goto(`${url}/partners/stories`);
    await axe(page, 'stories');
    await page.screenshot({ path: '/tmp/h1-licensee-stories.png', fullPage: true });
    const main = (await page.textContent('main')) ?? '';
    assert.ok(main.includes('Council passes the water budget'), 'the story the license covers');
    assert.ok(!main.includes('Wetlands survey finds rare heron'), 'another desk: not covered');
    assert.ok(!main.includes('Free story for everyone'), 'a licensee without the free program gets only what its license covers');
    assert.deepEqual(cspErrors, []);
    await context.close();
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
