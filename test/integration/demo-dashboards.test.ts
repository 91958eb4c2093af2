/**
 * A first start shows everything: after demo seeding, the newsroom's usage dashboard, partners
 * list, licensing pipeline, licenses overview and story ledgers, and the demo partner's portal
 * overview and usage page, all carry the demo's partners, numbers and verdicts. The numbers the
 * pages show are checked against the rows the seeding wrote, and those against the content.
 */
import assert from 'node:assert/strict';
import { seedDemoContent } from '../../src/demo/seed.js';
import { demoFreePartner, demoLicenseeInquiry, demoLicenseeRuns, demoOpenInquiry, demoPendingApplication, demoStories } from '../../src/demo/content.js';
import { USAGE_DAYS } from '../../src/demo/activity.js';
import { PARTNER_COOKIE } from '../../src/partners-portal/auth.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

const PASSWORD = 'demo-portal-password-1';

function text(html: string): string {
  return html
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

async function page(ta: TestApp, url: string, cookie: string): Promise<string> {
  const res = await ta.app.inject({ method: 'GET', url, headers: { cookie } });
  assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
  return text(res.body);
}

const count = (n: number) => n.toLocaleString('en-US');
const headline = (slug: string) => demoStories.find((s) => s.slug === slug)!.headline;

forEachDialect('after demo seeding every newsroom and portal dashboard shows the demo', async (_t, tdb) => {
  const ta = await buildTestApp(tdb);
  try {
    const { services } = ta;
    const db = services.database.db;
    const now = new Date();
    const seeded = await seedDemoContent(services, now, PASSWORD);
    assert.equal(seeded.stories, 12);
    assert.deepEqual(seeded.activity?.portalLogin, { email: demoFreePartner.email, password: PASSWORD, outlet: demoFreePartner.outlet });

    const partners = (await services.partners.list()).items;
    const free = partners.find((p) => p.outlet === demoFreePartner.outlet)!;
    const licensee = partners.find((p) => p.outlet === demoLicenseeInquiry.organisation)!;
    const pending = partners.find((p) => p.outlet === demoPendingApplication.outlet)!;
    assert.deepEqual([free.status, free.kind], ['approved', 'free']);
    assert.deepEqual([licensee.status, licensee.kind], ['approved', 'licensee']);
    assert.deepEqual([pending.status, pending.kind], ['pending', 'free']);
    assert.equal(partners.length, 3);
    assert.equal((await services.partners.listKeys(free.id)).filter((k) => !k.revokedAt).length, 1, 'the free partner holds an API key');
    const user = await services.partnerAccounts.authenticate(demoFreePartner.email, PASSWORD);
    assert.ok(user, 'the printed portal password logs in');

    // ---- the newsroom's usage dashboard: the month's total, every day, both partners, the verdicts
    const staff = ta.admin.cookie;
    const summary = await services.usage.summary({});
    const daily = await db.selectFrom('usage_daily').select(['day', 'views', 'partner_id']).execute();
    const windowStart = new Date(Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00.000Z`) - (USAGE_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const inWindow = daily.filter((r) => r.day >= windowStart);
    const earlier = daily.filter((r) => r.day < windowStart);
    assert.ok(earlier.length > 0, 'a story run before the window has its earlier days too');
    const total = inWindow.reduce((n, r) => n + Number(r.views), 0);
    assert.equal(summary.total, total);
    assert.equal(summary.byDay.length, USAGE_DAYS);
    assert.ok(summary.byDay.every((d) => d.views > 0), 'views on every one of the thirty days');
    assert.equal(summary.partnerCount, 2);
    const usage = await page(ta, '/newsroom/usage', staff);
    assert.ok(usage.includes(count(total)), `the dashboard shows the total ${count(total)}`);
    for (const outlet of [demoFreePartner.outlet, demoLicenseeInquiry.organisation]) assert.ok(usage.includes(outlet), outlet);
    assert.ok(usage.includes('www.valleyherald.example/news/greyford-wells-pfas-limit'), 'the pages where stories ran');
    assert.ok(usage.includes('amp.valleyherald.example/news/greyford-wells-pfas-limit'), 'and their second editions');
    assert.ok(usage.includes('Attribution OK') && usage.includes('Breaks the terms'), 'attribution verdicts, good and bad');
    assert.ok(usage.includes('The credit line is missing'), 'the reason a page breaks the terms');
    const pages = await db.selectFrom('usage_pages').select(['url', 'partner_id', 'check_status', 'first_seen']).execute();
    const expected = new Map<string, string>();
    for (const [partnerId, runs] of [[free.id, demoFreePartner.runs], [licensee.id, demoLicenseeRuns]] as const) {
      for (const r of runs) {
        const withdrawn = demoStories.find((s) => s.slug === r.story)!.withdrawal !== undefined;
        // A withdrawn story's page is gone from the partner's site: the checker could not fetch it.
        expected.set(`${partnerId}|${r.story}`, withdrawn ? 'unreachable' : r.check === 'compliant' ? 'compliant' : 'noncompliant');
      }
    }
    assert.equal(pages.length, demoFreePartner.runs.length + demoFreePartner.runs.filter((r) => r.ampShare).length + demoLicenseeRuns.length);
    for (const p of pages) assert.equal(p.check_status, expected.get(`${p.partner_id}|${p.url.slice(p.url.lastIndexOf('/') + 1)}`), p.url);
    // Pages hold lifetime counts: together they add up to the story's daily views at that partner.
    const byPair = new Map<string, number>();
    for (const r of await db.selectFrom('usage_daily').select(['story_id', 'partner_id', 'views']).execute()) byPair.set(`${r.story_id}|${r.partner_id}`, (byPair.get(`${r.story_id}|${r.partner_id}`) ?? 0) + Number(r.views));
    for (const r of await db.selectFrom('usage_pages').select(['story_id', 'partner_id', 'views']).execute()) byPair.set(`${r.story_id}|${r.partner_id}`, byPair.get(`${r.story_id}|${r.partner_id}`)! - Number(r.views));
    assert.ok([...byPair.values()].every((v) => v === 0), 'page views add up to daily views');

    // ---- partners list: the approved, the licensee and the pending application
    const pendingPage = await page(ta, '/newsroom/partners', staff);
    assert.ok(pendingPage.includes(demoPendingApplication.outlet), 'the review queue holds the application');
    assert.ok(!pendingPage.includes(demoFreePartner.outlet), 'and not the approved partner');
    const approvedPage = await page(ta, '/newsroom/partners?status=approved', staff);
    assert.ok(approvedPage.includes(demoFreePartner.outlet) && approvedPage.includes(demoLicenseeInquiry.organisation), 'the approved: the free partner and the licensee');
    const freeDetail = await page(ta, `/newsroom/partners/${free.id}`, staff);
    assert.ok(freeDetail.includes('Newsroom CMS import'), 'its API key');

    // ---- licensing: the pipeline with one licensed and one new inquiry, the license
    const pipeline = await page(ta, '/newsroom/licensing', staff);
    assert.ok(pipeline.includes(demoLicenseeInquiry.organisation) && pipeline.includes(demoOpenInquiry.organisation));
    const inquiries = await db.selectFrom('license_inquiries').select(['id', 'organisation', 'status']).orderBy('organisation').execute();
    assert.deepEqual(inquiries.map((i) => [i.organisation, i.status]), [[demoOpenInquiry.organisation, 'new'], [demoLicenseeInquiry.organisation, 'licensed']].sort());
    const licensed = inquiries.find((i) => i.status === 'licensed')!;
    const history = await db.selectFrom('license_inquiry_events').select(['kind', 'to_value', 'created_at']).where('inquiry_id', '=', licensed.id).orderBy('created_at').orderBy('id').execute();
    assert.deepEqual(
      history.filter((e) => e.kind === 'status').map((e) => e.to_value),
      ['contacted', 'negotiating', 'licensed'],
      'the inquiry went through the pipeline',
    );
    assert.ok(history.every((e) => e.created_at < now.toISOString()), 'its history lies in the past');
    const license = await db.selectFrom('licenses').selectAll().executeTakeFirstOrThrow();
    assert.equal(license.partner_id, licensee.id);
    assert.ok(license.starts_at < now.toISOString() && license.ends_at !== null && license.ends_at > now.toISOString(), 'the license is in force');
    const detail = await page(ta, `/newsroom/licensing/${licensed.id}`, staff);
    assert.ok(detail.includes(license.reference), 'the inquiry names its license');
    const licenses = await page(ta, '/newsroom/licensing/licenses', staff);
    assert.ok(licenses.includes(license.reference) && licenses.includes(demoLicenseeInquiry.organisation));

    // ---- the ledger of the corrected and the withdrawn story
    const storyId = async (slug: string) => (await db.selectFrom('stories').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
    for (const slug of ['greyford-wells-pfas-limit', 'lawmaker-per-diem-non-meeting-days']) {
      const id = await storyId(slug);
      const ledger = await page(ta, `/newsroom/stories/${id}/recipients`, staff);
      assert.ok(ledger.includes(demoFreePartner.outlet) && ledger.includes(demoLicenseeInquiry.organisation), `${slug}: both partners had it`);
      const acks = await db.selectFrom('story_acknowledgements').select(['partner_id', 'acknowledged_at']).where('story_id', '=', id).execute();
      assert.deepEqual(acks.map((a) => a.partner_id), [licensee.id], `${slug}: the licensee acknowledged, the free partner not yet`);
      const receipts = await db.selectFrom('story_receipts').select(['partner_id', 'channel']).where('story_id', '=', id).orderBy('channel').execute();
      assert.deepEqual(receipts.map((r) => [r.partner_id, r.channel]), [[free.id, 'api'], [licensee.id, 'feed']]);
      // Both were told by email, minutes after the event, as a running site would have done.
      const notice = await db.selectFrom('events').select(['id', 'created_at']).where('story_id', '=', id).where('type', 'in', ['story.corrected', 'story.withdrawn']).executeTakeFirstOrThrow();
      const sends = await db.selectFrom('notice_sends').select(['partner_id', 'sent_at', 'mode']).where('event_id', '=', notice.id).orderBy('partner_id').execute();
      assert.deepEqual(sends.map((n) => n.partner_id).sort(), [free.id, licensee.id].sort(), `${slug}: a notice to each partner who had it`);
      for (const n of sends) {
        assert.equal(n.mode, 'instant');
        assert.ok(n.sent_at !== null && n.sent_at > notice.created_at && n.sent_at < now.toISOString());
      }
      assert.ok(!ledger.includes('not emailed'), `${slug}: the ledger shows when each was emailed`);
    }

    // ---- the free partner's portal: the open withdrawal and correction, its key, its usage
    const session = await services.partnerAccounts.createSession(user);
    const portalCookie = `${PARTNER_COOKIE}=${session.token}`;
    const overview = await page(ta, '/partners', portalCookie);
    assert.ok(overview.includes('A story you received was withdrawn: take it down'));
    assert.ok(overview.includes(headline('lawmaker-per-diem-non-meeting-days')));
    assert.ok(overview.includes(headline('greyford-wells-pfas-limit')), 'the correction to acknowledge');
    const own = inWindow.filter((r) => r.partner_id === free.id).reduce((n, r) => n + Number(r.views), 0);
    assert.ok(own > 0 && own < total);
    const portalUsage = await page(ta, '/partners/usage', portalCookie);
    assert.ok(portalUsage.includes(count(own)), `the portal shows the partner's own total ${count(own)}`);
    assert.ok(!portalUsage.includes(count(total)), 'and not the newsroom total');
    assert.ok(portalUsage.includes(headline('sallow-river-irrigation-cutoff-warning')));
    assert.ok(!portalUsage.includes('northline.example'), 'only its own pages');
  } finally {
    await ta.close();
  }
});
