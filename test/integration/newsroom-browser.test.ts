/**
 * The newsroom in a real browser (Debian's Chromium): zero axe-core violations (WCAG 2.2 AA)
 * on the staff pages, no CSP violations, and the editor script doing its job — live preview,
 * autosave, slug from headline, word count — plus the time-zone rule for scheduling: the
 * browser's zone with JavaScript, UTC without.
 *
 * Behaviour in the browser does not depend on the database engine, so this runs on SQLite
 * only. Without Chromium it skips locally and fails in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createTestDatabase, requireOrSkip } from '../helpers/dialects.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { countWords } from '../../src/stories/markdown.js';

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

test('newsroom pages pass axe; the editor previews, autosaves and schedules in the right time zone', async (t) => {
  if (!requireOrSkip(t, existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`)) return;
  const tdb = await createTestDatabase('sqlite');
  const ta = await buildTestApp(tdb);
  let browser: Browser | undefined;
  try {
    const { services, app } = ta;
    const basics = await seedBasics(services);
    await services.authors.create(SYSTEM_ACTOR, { name: 'Ben Writer', title: 'Data Editor' });
    const published = await services.stories.create(SYSTEM_ACTOR, {
      headline: 'River levels fall to a record low',
      summary: 'Farmers downstream face limits.',
      body: '## What happened\n\nThe river fell.\n\n> A quote.\n\n- one\n- two',
      desk: basics.desk,
      authors: [basics.author],
      tags: ['Water'],
    });
    await services.stories.publish(SYSTEM_ACTOR, published.id);
    await services.stories.amend(SYSTEM_ACTOR, published.id, 'correction', 'An earlier version misspelled Millford.', undefined);
    const draft = await services.stories.create(SYSTEM_ACTOR, { headline: 'A draft', body: 'Draft text.', desk: basics.desk, authors: [basics.author] });

    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });

    // ---- accessibility and CSP, as an admin (who sees every page) ---------------------------
    const pages = [
      '/newsroom/stories', '/newsroom/stories/new', `/newsroom/stories/${published.id}`, `/newsroom/stories/${draft.id}`,
      `/newsroom/stories/${published.id}/versions`, `/newsroom/stories/${published.id}/versions/1`,
      '/newsroom/authors', '/newsroom/authors/new', '/newsroom/desks', '/newsroom/users', `/newsroom/users/${ta.editor.id}`,
      '/newsroom/account', '/newsroom/settings', '/newsroom/audit', '/newsroom/no-such-page',
    ];
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const cspErrors: string[] = [];
      const anon = await context.newPage();
      anon.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
      });
      await anon.goto(`${base}/newsroom/login`);
      assert.deepEqual(await axeViolations(anon), [], `login at ${width}px`);
      const page = await logIn(context, base, ta.admin.email, ta.admin.password);
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
      });
      for (const path of width === 1280 ? pages : ['/newsroom/stories', `/newsroom/stories/${published.id}`, '/newsroom/account']) {
        await page.goto(`${base}${path}`, { waitUntil: 'load' });
        assert.deepEqual(await axeViolations(page), [], `${path} at ${width}px`);
      }
      // A form that failed: the summary and the field messages must be accessible too.
      await page.goto(`${base}/newsroom/stories/new`);
      await Promise.all([page.waitForURL(`${base}/newsroom/stories`), page.click('button:has-text("Create draft")')]);
      assert.ok(await page.isVisible('.error-summary'));
      assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true, 'focus moves to the error summary');
      assert.deepEqual(await axeViolations(page), [], `invalid editor at ${width}px`);
      assert.deepEqual(cspErrors, [], 'no CSP violations');
      await context.close();
    }

    // ---- the editor script, in New York ---------------------------------------------------------
    const ny = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York' });
    const editor = await logIn(ny, base, ta.editor.email, ta.editor.password);

    await editor.goto(`${base}/newsroom/stories/new`);
    await editor.fill('#f-headline', 'Élan & Co’s plan: 50% more water');
    assert.equal(await editor.inputValue('#f-slug'), 'elan-and-cos-plan-50-more-water', 'the slug follows the headline');
    assert.equal(await editor.textContent('[data-slug-preview]'), 'elan-and-cos-plan-50-more-water');
    await editor.fill('#f-slug', 'custom-address');
    await editor.fill('#f-headline', 'Another headline');
    assert.equal(await editor.inputValue('#f-slug'), 'custom-address', 'a hand-typed slug stays');

    await editor.goto(`${base}/newsroom/stories/${draft.id}`);
    assert.match(String(await editor.textContent('[data-tz-hint]')), /America\/New_York/);
    const typed = 'Now with **bold** text and <script>window.pwned = 1</script> more words.';
    await editor.fill('#f-body', typed);
    await editor.waitForFunction(() => document.querySelector('#preview-body strong')?.textContent === 'bold');
    assert.equal(await editor.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    assert.equal(await editor.locator('#preview-body script').count(), 0);
    assert.equal(await editor.textContent('#word-count'), String(countWords(typed)), 'the same count as the server');
    await editor.waitForFunction(() => /^Saved at/.test(document.getElementById('autosave-status')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const autosaved = await services.stories.getWithHistory(draft.id);
    assert.match(autosaved.body, /Now with \*\*bold\*\* text/);
    assert.equal(autosaved.versions.length, 1, 'autosave records no version');

    // 09:00 on 1 January in New York is 14:00 UTC.
    await editor.fill('#f-scheduleAt', '2099-01-01T09:00');
    await Promise.all([editor.waitForURL(`${base}/newsroom/stories/${draft.id}`), editor.click('button:has-text("Schedule")')]);
    assert.match(String(await editor.textContent('.flash')), /Scheduled to publish/);
    assert.equal((await services.stories.get(draft.id)).scheduledAt, '2099-01-01T14:00:00.000Z');
    assert.equal(await editor.inputValue('#f-scheduleAt'), '2099-01-01T09:00', 'shown back in local time');
    await ny.close();

    // ---- without JavaScript the same field is read as UTC, and the page says so ----------------
    const noJs = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York', javaScriptEnabled: false });
    const plain = await logIn(noJs, base, ta.editor.email, ta.editor.password);
    await plain.goto(`${base}/newsroom/stories/${draft.id}`);
    assert.match(String(await plain.textContent('[data-tz-hint]')), /read as UTC/);
    await Promise.all([plain.waitForURL(`${base}/newsroom/stories/${draft.id}`), plain.click('button:has-text("Unschedule")')]);
    await plain.fill('#f-scheduleAt', '2099-01-01T09:00');
    await Promise.all([plain.waitForURL(`${base}/newsroom/stories/${draft.id}`), plain.click('button:has-text("Schedule")')]);
    assert.equal((await services.stories.get(draft.id)).scheduledAt, '2099-01-01T09:00:00.000Z');
    await noJs.close();
  } finally {
    await browser?.close();
    await ta.close();
    await tdb.drop();
  }
});
