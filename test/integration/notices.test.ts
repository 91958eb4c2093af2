/**
 * Corrections and withdrawals reach every partner who had a story: the receipts ledger (content
 * API, feeds, webhooks, pixels), acknowledgements by API and in the portal, notice emails as
 * each partner chose (instant, daily digest, none — never twice), and the newsroom's recipients
 * view with Re-send.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachDialect, type TestDb } from '../helpers/dialects.js';
import fc from 'fast-check';
import { approvedPartner, buildWorld, crawlForms, postForm, sessions, type World } from '../helpers/surface.js';
import { publishStory } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { createDatabase } from '../../src/db/database.js';
import { createServices, type Services } from '../../src/services.js';
import { createNoticesConsumer, sendDigests } from '../../src/notices/notices.js';
import { newId } from '../../src/util/ids.js';
import pino from 'pino';
import { startBackground } from '../../src/worker/background.js';
import { waitFor } from '../helpers/wait.js';

const DAY = 86_400_000;

async function api(app: FastifyInstance, key: string, method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}) {
  return app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...headers } });
}

async function receipts(services: Services, storyId: string) {
  return services.database.db.selectFrom('story_receipts').selectAll().where('story_id', '=', storyId).orderBy('partner_id').orderBy('channel').execute();
}

async function addEndpoint(services: Services, partnerId: string): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await services.database.db
    .insertInto('webhook_endpoints')
    .values({
      id, partner_id: partnerId, url: 'https://hooks.example/in', description: '', events_json: '[]', secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=',
      previous_secret: null, previous_secret_expires_at: null, status: 'enabled', disabled_reason: null, disabled_at: null, failing_since: null,
      created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

async function addDelivered(services: Services, endpointId: string, partnerId: string, storyId: string, eventId: number | null, version: string): Promise<string> {
  const now = new Date().toISOString();
  const messageId = `msg_${newId()}`;
  await services.database.db
    .insertInto('webhook_deliveries')
    .values({
      id: newId(), endpoint_id: endpointId, partner_id: partnerId, event_id: eventId, message_id: messageId, type: 'story.corrected', story_id: storyId,
      story_version: version, body: JSON.stringify({ type: 'story.corrected', data: { id: storyId } }), status: 'delivered', attempts: 1,
      next_attempt_at: now, claim_token: null, claimed_until: null, last_attempt_at: now, response_status: 200, duration_ms: 5, last_error: null,
      delivered_at: now, created_at: now,
    })
    .execute();
  return messageId;
}

async function lastEventId(services: Services, storyId: string): Promise<number> {
  const r = await services.database.db.selectFrom('events').select('id').where('story_id', '=', storyId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Notices only (the partner's approval mail is older). */
async function mailsTo(services: Services, to: string) {
  const rows = await services.database.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).orderBy('created_at').orderBy('id').execute();
  return rows.filter((r) => /^Correction: |^Withdrawn — |daily digest/.test(r.subject));
}

async function setPrefs(services: Services, partnerId: string, p: { kill: boolean; correction: boolean; digest: boolean }) {
  await services.database.db
    .insertInto('partner_prefs')
    .values({ partner_id: partnerId, email_on_kill: p.kill ? 1 : 0, email_on_correction: p.correction ? 1 : 0, daily_digest: p.digest ? 1 : 0, updated_at: new Date().toISOString() })
    .execute();
}

function portalForm(w: World, url: string, fields: Record<string, string>) {
  return w.app.inject({
    method: 'POST',
    url,
    headers: { cookie: w.partnerCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: w.partnerCsrf, ...fields }).toString(),
  });
}

forEachDialect('notices: the ledger records API and feed receipts, and the recipients API lists every channel', async (_t, tdb) => {
  const w = await buildWorld(tdb);
  try {
    const { services, editor, reporter } = w.t;
    const res = await api(w.app, w.apiKey, 'GET', `/api/v1/stories/${w.storyId}`);
    assert.equal(res.statusCode, 200, res.body);
    const v1 = (JSON.parse(res.body) as { version: string }).version;
    let rows = await receipts(services, w.storyId);
    assert.deepEqual(rows.map((r) => [r.partner_id, r.channel, r.version]), [[w.partnerId, 'api', v1]]);
    const firstAt = rows[0]!.first_at;

    const feed = await w.app.inject({ url: `/partners/feed/${w.feedToken}/rss.xml` });
    assert.equal(feed.statusCode, 200);
    rows = await receipts(services, w.storyId);
    assert.deepEqual(rows.map((r) => r.channel).sort(), ['api', 'feed']);

    // A correction is a new version: the next answer moves last_at and version, first_at stays.
    await services.stories.amend(SYSTEM_ACTOR, w.storyId, 'correction', 'The rate rises 4%, not 40%.', undefined);
    const res2 = await api(w.app, w.apiKey, 'GET', `/api/v1/stories/${w.storyId}`);
    assert.equal(res2.statusCode, 200);
    const v2 = (JSON.parse(res2.body) as { version: string }).version;
    assert.notEqual(v2, v1);
    const apiRow = (await receipts(services, w.storyId)).find((r) => r.channel === 'api')!;
    assert.equal(apiRow.first_at, firstAt);
    assert.ok(apiRow.last_at >= firstAt);
    assert.equal(apiRow.version, v2);

    // The change list records every entry it hands out (move the clock past the settle lag).
    const other = await publishStory(services, { headline: 'Second story', desk: w.deskSlug, authors: [w.authorSlug] });
    const realNow = services.partnerAccess.now;
    services.partnerAccess.now = () => new Date(Date.now() + 60_000);
    const list = await api(w.app, w.apiKey, 'GET', '/api/v1/stories');
    services.partnerAccess.now = realNow;
    assert.equal(list.statusCode, 200, list.body);
    assert.equal((await receipts(services, other.id)).length, 1);

    // A webhook delivered to the second partner, pixel hits from a third partner's pages.
    const endpoint = await addEndpoint(services, w.victimPartnerId);
    await addDelivered(services, endpoint, w.victimPartnerId, w.storyId, await lastEventId(services, w.storyId), v2);
    const third = await approvedPartner(w.t, 'Pixel Times', 'desk@pixeltimes.example');
    await services.database.db.insertInto('usage_daily').values({ story_id: w.storyId, partner_id: third.partnerId, day: '2026-12-01', views: 12 }).execute();

    const rec = await w.app.inject({ url: `/api/admin/stories/${w.storyId}/recipients`, headers: { authorization: `Bearer ${editor.token}` } });
    assert.equal(rec.statusCode, 200, rec.body);
    const items = (JSON.parse(rec.body) as { items: Array<{ partner: { id: string; outlet: string }; channels: string[]; deliveredVersion: string | null; deliveredAt: string | null; acknowledgedAt: string | null }> }).items;
    const byOutlet = new Map(items.map((i) => [i.partner.outlet, i]));
    assert.deepEqual([...byOutlet.keys()], ['Other Gazette', 'Pixel Times', 'Valley Herald']);
    assert.deepEqual(byOutlet.get('Valley Herald')!.channels, ['api', 'feed']);
    assert.equal(byOutlet.get('Valley Herald')!.deliveredVersion, v2);
    assert.ok(byOutlet.get('Valley Herald')!.deliveredAt);
    assert.deepEqual(byOutlet.get('Other Gazette')!.channels, ['webhook']);
    assert.equal(byOutlet.get('Other Gazette')!.deliveredVersion, v2);
    assert.deepEqual(byOutlet.get('Pixel Times')!.channels, ['pixel']);
    assert.equal(byOutlet.get('Pixel Times')!.deliveredVersion, null);
    assert.equal(byOutlet.get('Valley Herald')!.acknowledgedAt, null);

    // Editors and admins only; unknown stories are 404.
    const asReporter = await w.app.inject({ url: `/api/admin/stories/${w.storyId}/recipients`, headers: { authorization: `Bearer ${reporter.token}` } });
    assert.equal(asReporter.statusCode, 403);
    const unknown = await w.app.inject({ url: '/api/admin/stories/no-such-story/recipients', headers: { authorization: `Bearer ${editor.token}` } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(JSON.parse(unknown.body).error.code, 'STORY_NOT_FOUND');
  } finally {
    await w.t.close();
  }
});

forEachDialect('notices: acknowledging by API — 200 and idempotent, 404 for stories the partner cannot see, 409 with nothing to acknowledge', async (_t, tdb) => {
  const w = await buildWorld(tdb);
  try {
    const { services } = w.t;
    const url = `/api/v1/stories/${w.storyId}/acknowledge`;
    const nothing = await api(w.app, w.apiKey, 'POST', url);
    assert.equal(nothing.statusCode, 409, nothing.body);
    assert.match(JSON.parse(nothing.body).error.message, /nothing to acknowledge/);

    await services.stories.amend(SYSTEM_ACTOR, w.storyId, 'correction', 'The rate rises 4%, not 40%.', undefined);
    const first = await api(w.app, w.apiKey, 'POST', url);
    assert.equal(first.statusCode, 200, first.body);
    const { acknowledgedAt } = JSON.parse(first.body) as { acknowledgedAt: string };
    assert.ok(!Number.isNaN(Date.parse(acknowledgedAt)));
    // Again, with an empty JSON body: the same time.
    for (const headers of <Array<Record<string, string>>>[{ 'content-type': 'application/json' }, { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' }]) {
      const again = await api(w.app, w.apiKey, 'POST', url, headers);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(JSON.parse(again.body).acknowledgedAt, acknowledgedAt);
    }

    // Another story the partner may not see (licensees only), and a story that does not exist.
    const profile = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees', audience: 'licensees' });
    const closed = await services.stories.create(SYSTEM_ACTOR, { headline: 'Licensed only', body: 'Body.', desk: w.deskSlug, authors: [w.authorSlug], licenseProfile: profile.slug });
    await services.stories.publish(SYSTEM_ACTOR, closed.id);
    await services.stories.amend(SYSTEM_ACTOR, closed.id, 'correction', 'Fixed a name.', undefined);
    assert.equal((await api(w.app, w.apiKey, 'POST', `/api/v1/stories/${closed.id}/acknowledge`)).statusCode, 404);
    assert.equal((await api(w.app, w.apiKey, 'POST', '/api/v1/stories/no-such-story/acknowledge')).statusCode, 404);

    // A withdrawn story the partner had stays acknowledgeable.
    await services.stories.withdraw(SYSTEM_ACTOR, w.storyId, 'Legal complaint');
    const kill = await api(w.app, w.apiKey, 'POST', url);
    assert.equal(kill.statusCode, 200, kill.body);
    assert.equal(JSON.parse(kill.body).type, 'story.withdrawn');
    // Without a key: 401, as every content API route.
    assert.equal((await w.app.inject({ method: 'POST', url })).statusCode, 401);
  } finally {
    await w.t.close();
  }
});

forEachDialect('notices: the portal shows a withdrawal banner until a partner user acknowledges it, and corrections on the overview', async (_t, tdb) => {
  const w = await buildWorld(tdb);
  try {
    const { services } = w.t;
    const corrected = await publishStory(services, { headline: 'Bridge closes for repairs', desk: w.deskSlug, authors: [w.authorSlug] });
    // The partner had both stories through the API.
    assert.equal((await api(w.app, w.apiKey, 'GET', `/api/v1/stories/${w.storyId}`)).statusCode, 200);
    assert.equal((await api(w.app, w.apiKey, 'GET', `/api/v1/stories/${corrected.id}`)).statusCode, 200);
    const page = (url: string) => w.app.inject({ url, headers: { cookie: w.partnerCookie } });
    assert.doesNotMatch((await page('/partners')).body, /take it down/);

    await services.stories.withdraw(SYSTEM_ACTOR, w.storyId, 'Our source recanted.');
    await services.stories.amend(SYSTEM_ACTOR, corrected.id, 'correction', 'The bridge closes Monday, not Sunday.', undefined);

    for (const url of ['/partners', '/partners/stories', '/partners/keys']) {
      const res = await page(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /withdrawn: take it down/, url);
      assert.match(res.body, /Water rates rise again/, url);
      assert.match(res.body, /Our source recanted\./, url);
    }
    const home = await page('/partners');
    assert.match(home.body, /The bridge closes Monday, not Sunday\./);
    assert.doesNotMatch((await page('/partners/stories')).body, /not Sunday/, 'corrections only on the overview');

    const ack = await portalForm(w, `/partners/stories/${w.storyId}/acknowledge`, { next: '/partners/stories' });
    assert.equal(ack.statusCode, 303, ack.body);
    assert.equal(ack.headers.location, '/partners/stories');
    const flashCookie = ack.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const after = await w.app.inject({ url: '/partners/stories', headers: { cookie: `${w.partnerCookie}; ${flashCookie}` } });
    assert.doesNotMatch(after.body, /take it down/);
    assert.match(after.body, /withdrawal is acknowledged/);

    const ack2 = await portalForm(w, `/partners/stories/${corrected.id}/acknowledge`, { next: 'https://evil.example/' });
    assert.equal(ack2.statusCode, 303);
    assert.equal(ack2.headers.location, '/partners');
    assert.doesNotMatch((await page('/partners')).body, /not Sunday/);

    // Without the CSRF token: refused.
    const forged = await w.app.inject({
      method: 'POST',
      url: `/partners/stories/${corrected.id}/acknowledge`,
      headers: { cookie: w.partnerCookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'next=%2Fpartners',
    });
    assert.equal(forged.statusCode, 403);

    // The newsroom sees who acknowledged.
    const rec = await w.app.inject({ url: `/api/admin/stories/${w.storyId}/recipients`, headers: { authorization: `Bearer ${w.t.editor.token}` } });
    const items = JSON.parse(rec.body).items as Array<{ partner: { id: string }; acknowledgedAt: string | null }>;
    assert.ok(items.find((i) => i.partner.id === w.partnerId)!.acknowledgedAt);
  } finally {
    await w.t.close();
  }
});

forEachDialect('notices: instant mail, daily digest or nothing, as each partner chose; never twice', async (_t, tdb) => {
  const w = await buildWorld(tdb);
  let second: ReturnType<typeof createDatabase> | undefined;
  try {
    const { services } = w.t;
    const instant = w.partnerId; // no preferences row: the defaults are instant mail for both kinds
    const digest = await approvedPartner(w.t, 'Digest Daily', 'news@digestdaily.example');
    const silent = await approvedPartner(w.t, 'Quiet Weekly', 'news@quietweekly.example');
    await setPrefs(services, digest.partnerId, { kill: false, correction: false, digest: true });
    await setPrefs(services, silent.partnerId, { kill: false, correction: false, digest: false });

    const consumer = createNoticesConsumer(services);
    assert.equal(await consumer.runOnce(), 0); // starts after the events so far
    await services.stories.amend(SYSTEM_ACTOR, w.storyId, 'correction', 'The rate rises 4%, not 40%.', undefined);
    assert.equal(await consumer.runOnce(), 1);

    const partnerMail = await mailsTo(services, 'editor@valleyherald.example');
    assert.equal(partnerMail.length, 1);
    assert.match(partnerMail[0]!.subject, /^Correction: Water rates rise again/);
    assert.match(partnerMail[0]!.text_body, /The rate rises 4%, not 40%\./);
    assert.match(partnerMail[0]!.text_body, new RegExp(`http://news\\.test/stories/${w.storySlug}`));
    assert.match(partnerMail[0]!.text_body, /http:\/\/news\.test\/partners/);
    // Partners without users get it at their contact address.
    assert.equal((await mailsTo(services, 'desk@othergazette.example')).length, 1);
    assert.equal((await mailsTo(services, 'news@digestdaily.example')).length, 0);
    assert.equal((await mailsTo(services, 'news@quietweekly.example')).length, 0);
    const sends = await services.database.db.selectFrom('notice_sends').selectAll().orderBy('partner_id').execute();
    const mode = new Map(sends.map((s) => [s.partner_id, `${s.mode}/${s.status}`]));
    assert.equal(mode.get(instant), 'instant/sent');
    assert.equal(mode.get(digest.partnerId), 'digest/pending');
    assert.equal(mode.has(silent.partnerId), false);

    // The same events consumed again (a cursor moved back, a second node): no second mail.
    const total = async () => Number((await services.database.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const mailsBefore = await total();
    const cursor = await consumer.cursor();
    await services.database.db.updateTable('event_consumers').set({ last_event_id: cursor - 1 }).where('name', '=', 'notices').execute();
    await consumer.release();
    const again = createNoticesConsumer(services);
    assert.equal(await again.runOnce(), 1);
    assert.equal(await total(), mailsBefore);
    await again.release();

    // A withdrawal: instant partners are told to take it down.
    await services.stories.withdraw(SYSTEM_ACTOR, w.storyId, 'Our source recanted.');
    assert.equal(await consumer.runOnce(), 1);
    const kill = (await mailsTo(services, 'editor@valleyherald.example')).at(-1)!;
    assert.match(kill.subject, /take it down/i);
    assert.match(kill.text_body, /take it down/);
    assert.match(kill.text_body, /Our source recanted\./);

    // The digest: nothing before the day is over; then one mail, even from two nodes at once.
    assert.equal(await sendDigests(services, new Date()), 0);
    const opts = tdb.url ? { databaseUrl: tdb.url } : { sqliteFile: tdb.sqliteFile! };
    second = createDatabase(opts);
    const services2 = createServices(w.t.config, second);
    const tomorrow = new Date(Date.now() + DAY);
    const [a, b] = await Promise.all([sendDigests(services, tomorrow), sendDigests(services2, tomorrow)]);
    assert.equal(a + b, 1);
    assert.equal(await sendDigests(services, tomorrow), 0);
    assert.equal(await sendDigests(services2, new Date(tomorrow.getTime() + DAY)), 0, 'nothing pending is left');
    const digestMail = await mailsTo(services, 'news@digestdaily.example');
    assert.equal(digestMail.length, 1);
    assert.match(digestMail[0]!.subject, /daily digest/);
    assert.match(digestMail[0]!.text_body, /The rate rises 4%, not 40%\./);
    assert.match(digestMail[0]!.text_body, /take it down/);
    const left = await services.database.db.selectFrom('notice_sends').select('status').where('partner_id', '=', digest.partnerId).execute();
    assert.deepEqual(left.map((l) => l.status), ['sent', 'sent']);
    assert.equal((await mailsTo(services, 'news@quietweekly.example')).length, 0);
  } finally {
    await second?.close();
    await w.t.close();
  }
});

forEachDialect('notices: the newsroom lists who had a story and re-sends the latest notice by webhook and email', async (_t, tdb: TestDb) => {
  const w = await buildWorld(tdb);
  try {
    const { services, editor, reporter } = w.t;
    assert.equal((await api(w.app, w.apiKey, 'GET', `/api/v1/stories/${w.storyId}`)).statusCode, 200);
    const endpoint = await addEndpoint(services, w.partnerId);
    const consumer = createNoticesConsumer(services);
    await consumer.runOnce();
    await services.stories.withdraw(SYSTEM_ACTOR, w.storyId, 'Our source recanted.');
    await consumer.runOnce();
    const eventId = await lastEventId(services, w.storyId);
    const messageId = await addDelivered(services, endpoint, w.partnerId, w.storyId, eventId, '2');
    const second = await addEndpoint(services, w.partnerId);

    const page = await w.app.inject({ url: `/newsroom/stories/${w.storyId}/recipients`, headers: { cookie: editor.cookie } });
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /Valley Herald/);
    assert.match(page.body, /Content API/);
    assert.match(page.body, /Re-send/);
    assert.match(page.body, /not yet/);
    assert.equal((await w.app.inject({ url: `/newsroom/stories/${w.storyId}/recipients`, headers: { cookie: reporter.cookie } })).statusCode, 403);
    // Linked from the editor and the versions page.
    assert.match((await w.app.inject({ url: `/newsroom/stories/${w.storyId}`, headers: { cookie: editor.cookie } })).body, new RegExp(`/newsroom/stories/${w.storyId}/recipients`));
    assert.match((await w.app.inject({ url: `/newsroom/stories/${w.storyId}/versions`, headers: { cookie: editor.cookie } })).body, new RegExp(`/newsroom/stories/${w.storyId}/recipients`));

    const mailsBefore = (await mailsTo(services, 'editor@valleyherald.example')).length;
    const res = await w.app.inject({
      method: 'POST',
      url: `/newsroom/stories/${w.storyId}/recipients/${w.partnerId}/resend`,
      headers: { cookie: editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(editor.csrf)}`,
    });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/newsroom/stories/${w.storyId}/recipients`);
    const pending = await services.database.db.selectFrom('webhook_deliveries').selectAll().where('status', '=', 'pending').orderBy('endpoint_id').execute();
    assert.deepEqual(pending.map((p) => p.endpoint_id).sort(), [endpoint, second].sort());
    for (const p of pending) {
      assert.equal(p.event_id, null);
      assert.equal(p.message_id, messageId);
      assert.equal(p.story_id, w.storyId);
    }
    const mails = await mailsTo(services, 'editor@valleyherald.example');
    assert.equal(mails.length, mailsBefore + 1);
    assert.match(mails.at(-1)!.subject, /take it down/i);
    const flash = await w.app.inject({ url: `/newsroom/stories/${w.storyId}/recipients`, headers: { cookie: `${editor.cookie}; ${res.cookies.map((c) => `${c.name}=${c.value}`).join('; ')}` } });
    assert.match(flash.body, /Re-sent the withdrawal to Valley Herald: 2 webhook deliveries queued and 1 email\./);

    // Reporters may not; a partner that does not exist is a 404.
    const denied = await w.app.inject({
      method: 'POST',
      url: `/newsroom/stories/${w.storyId}/recipients/${w.partnerId}/resend`,
      headers: { cookie: reporter.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(reporter.csrf)}`,
    });
    assert.equal(denied.statusCode, 403);
    const unknown = await w.app.inject({
      method: 'POST',
      url: `/newsroom/stories/${w.storyId}/recipients/no-such-partner/resend`,
      headers: { cookie: editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(editor.csrf)}`,
    });
    assert.equal(unknown.statusCode, 404);
  } finally {
    await w.t.close();
  }
});

forEachDialect('notices: the Acknowledge and Re-send forms never answer 5xx, whatever is posted', async (_t, tdb) => {
  const w = await buildWorld(tdb);
  try {
    const { services } = w.t;
    const killed = await publishStory(services, { headline: 'Killed story', desk: w.deskSlug, authors: [w.authorSlug] });
    for (const id of [w.storyId, killed.id]) assert.equal((await api(w.app, w.apiKey, 'GET', `/api/v1/stories/${id}`)).statusCode, 200);
    await services.stories.amend(SYSTEM_ACTOR, w.storyId, 'correction', 'A corrected figure.', undefined);
    await services.stories.withdraw(SYSTEM_ACTOR, killed.id, 'Legal complaint');
    const forms = (await crawlForms(w)).filter((f) => /\/acknowledge$|\/resend$/.test(f.action));
    assert.deepEqual(forms.map((f) => `${f.identity} ${/acknowledge$/.test(f.action) ? 'acknowledge' : 'resend'}`).sort(), ['admin resend', 'partner acknowledge']);
    const bySession = new Map(sessions(w).map((s) => [s.identity, s]));
    const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('', '\u0000', '//evil.example', '/partners/login', '/partners\\x', 'a'.repeat(3000)));
    for (const form of forms) {
      const names = form.fields.map((f) => f.name);
      const base = Object.fromEntries(form.fields.map((f) => [f.name, f.value]));
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...names, 'extra'), value), async (changed) => {
          const r = await postForm(w, bySession.get(form.identity)!, form, { ...base, ...changed });
          assert.ok(r.statusCode < 500, `POST ${form.action} answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
        }),
        { numRuns: 60 },
      );
    }
  } finally {
    await w.t.close();
  }
});

forEachDialect('notices: the background work started by `freewire start` mails a correction', async (_t, tdb) => {
  const w = await buildWorld(tdb);
  const background = startBackground(w.t.services, pino({ level: 'silent' }), { attribution: false });
  try {
    const { services } = w.t;
    await background.settle(); // the consumer starts after the events so far
    await services.stories.amend(SYSTEM_ACTOR, w.storyId, 'correction', 'A corrected figure.', undefined);
    await background.settle();
    await waitFor('the notice mail', async () => (await mailsTo(services, 'editor@valleyherald.example')).length === 1);
  } finally {
    await background.stop();
    await w.t.close();
  }
});
