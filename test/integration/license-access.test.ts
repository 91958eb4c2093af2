/**
 * Access follows the license: a licensee gets what its licenses cover (licensees-only stories,
 * delayed ones at once), scoped by profiles and desks, only between the license's dates, through
 * the content API, the partner feed and webhooks; a partner with a free-program approval and a
 * license gets the union; at the end the API answers 403 naming the license, and a license that
 * cancels sends its stories once more as canceled.
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics, type TestApp } from '../helpers/app.js';
import { addLicense } from '../helpers/licenses.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import type { Services } from '../../src/services.js';
import { EventConsumer } from '../../src/events/consumers.js';
import { webhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { generateSecret } from '../../src/webhooks/signing.js';
import { newId } from '../../src/util/ids.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const UNLIMITED_ENV = { FREEWIRE_API_RATE_LIMIT: '1000000' };

type Doc = Record<string, any>;

let partnerCount = 0;

async function makePartner(services: Services): Promise<{ id: string; key: string }> {
  const n = ++partnerCount;
  const p = await services.partners.apply({
    outlet: `Licensed Ledger ${n}`, website: `https://ledger${n}.example`, contactName: 'Lee', email: `lee${n}@ledger${n}.example`,
    audience: 250_000, evidence: 'Stats', intendedUse: 'Republish', acceptTerms: true,
  });
  await services.partners.approve(SYSTEM_ACTOR, p.id);
  const { key } = await services.partners.createKey(null, p.id, 'test');
  return { id: p.id, key };
}

async function api(t: TestApp, key: string, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
}

/** Pages through the change list with limit=1 from `since`; every story once per pass. */
async function drain(t: TestApp, key: string, since: string | null = null): Promise<{ items: Doc[]; next: string }> {
  const items: Doc[] = [];
  let next = since;
  for (let i = 0; i < 60; i++) {
    const res = await api(t, key, `/api/v1/stories?limit=1${next ? `&since=${encodeURIComponent(next)}` : ''}`);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    const body = res.json() as Doc;
    assert.ok(body.items.length <= 1);
    items.push(...body.items);
    next = body.next;
    if (!body.more) {
      const ids = items.map(idOf);
      assert.equal(new Set(ids).size, ids.length, 'each story once per pass');
      return { items, next: next! };
    }
  }
  throw new Error('the change list never ended');
}

const idOf = (d: Doc) => String(d.uri).split('/').pop()!;
const ids = (items: Doc[]) => items.map(idOf).sort();

async function story(services: Services, desk: string, author: string, input: Record<string, unknown>): Promise<string> {
  const s = await services.stories.create(SYSTEM_ACTOR, { body: 'The river rose **two metres** overnight.', desk, authors: [author], ...input });
  await services.stories.publish(SYSTEM_ACTOR, s.id);
  return s.id;
}

async function addEndpoint(services: Services, partnerId: string): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await services.database.db
    .insertInto('webhook_endpoints')
    .values({
      id, partner_id: partnerId, url: `https://hooks.example/${id}`, description: '', events_json: '[]', secret: generateSecret(), previous_secret: null,
      previous_secret_expires_at: null, status: 'enabled', disabled_reason: null, disabled_at: null, failing_since: null, created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

async function runDispatcher(consumer: EventConsumer<any>): Promise<void> {
  for (let i = 0; i < 100; i++) if ((await consumer.runOnce()) === 0) return;
  assert.fail('the dispatcher never caught up');
}

async function deliveredStories(services: Services, endpointId: string): Promise<string[]> {
  const rows = await services.database.db.selectFrom('webhook_deliveries').select('story_id').where('endpoint_id', '=', endpointId).execute();
  return rows.map((r) => r.story_id!).sort();
}

forEachDialect('license access: licensees only, scope by profiles and desks, delays, and the union with the free program', async (_t, tdb) => {
  const t = await buildTestApp(tdb, UNLIMITED_ENV);
  try {
    const { services } = t;
    let offset = 60_000;
    services.partnerAccess.now = () => new Date(Date.now() + offset);
    const basics = await seedBasics(services);
    const envDesk = (await services.desks.getBySlug(basics.desk))!;
    const politics = await services.desks.create(SYSTEM_ACTOR, { name: 'Politics', description: 'City hall' });
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', audience: 'free' });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    const licOnly = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    const nextDay = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Next day', audience: 'free', delayHours: 24 });
    const nobody = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Nobody', audience: 'nobody' });

    const sFree = await story(services, basics.desk, basics.author, { headline: 'Free story' });
    const image = await services.media.store(SYSTEM_ACTOR, { filename: 'heron.png', data: PNG, alt: 'A heron' });
    const sLic = await story(services, basics.desk, basics.author, { headline: 'Licensed story', licenseProfile: licOnly.slug, leadImageId: image.id, leadImageCredit: 'Photo: Ada' });
    const sLicPol = await story(services, politics.slug, basics.author, { headline: 'Licensed politics', licenseProfile: licOnly.slug });
    const sDelayed = await story(services, basics.desk, basics.author, { headline: 'Delayed story', licenseProfile: nextDay.slug });
    const sSwitched = await story(services, basics.desk, basics.author, { headline: 'Not for syndication', syndication: 'none' });
    const sNobody = await story(services, basics.desk, basics.author, { headline: 'Nobody story', licenseProfile: nobody.slug });

    const free = await makePartner(services);
    const everything = await makePartner(services);
    await addLicense(services, everything.id);
    const narrow = await makePartner(services);
    await addLicense(services, narrow.id, { profiles: [licOnly.id], desks: [politics.id] });
    const delayedOnly = await makePartner(services);
    await addLicense(services, delayedOnly.id, { profiles: [nextDay.id], desks: [envDesk.id] });
    const standardOnly = await makePartner(services);
    await addLicense(services, standardOnly.id, { profiles: [standard.id] });
    const none = await makePartner(services);
    await addLicense(services, none.id, { profiles: [licOnly.id], desks: [] });
    const both = await makePartner(services);
    const bothLicense = await addLicense(services, both.id, { profiles: [licOnly.id] }, true);
    const textOnly = await makePartner(services);
    await addLicense(services, textOnly.id, { profiles: [licOnly.id], images: false });

    // The free partner's key does not list the licensees-only story; the licensee's does.
    assert.deepEqual(ids((await drain(t, free.key)).items), [sFree].sort(), 'free: only the free story (the delayed one comes tomorrow)');
    assert.deepEqual(ids((await drain(t, everything.key)).items), [sFree, sLic, sLicPol, sDelayed].sort(), 'an empty scope: all offered to licensees, at once');
    // The license's images flag decides the images of what it covers.
    const withImage = await api(t, everything.key, `/api/v1/stories/${sLic}`);
    assert.equal(withImage.statusCode, 200);
    assert.ok(withImage.body.includes(`/media/${image.id}`), 'a license with images');
    const withoutImage = await api(t, textOnly.key, `/api/v1/stories/${sLic}`);
    assert.equal(withoutImage.statusCode, 200);
    assert.ok(!withoutImage.body.includes(`/media/${image.id}`), 'a license without images');
    assert.equal((await api(t, free.key, `/api/v1/stories/${sLic}`)).statusCode, 404);
    for (const id of [sSwitched, sNobody]) {
      assert.equal((await api(t, everything.key, `/api/v1/stories/${id}`)).statusCode, 404, 'never a story not for syndication');
    }
    assert.deepEqual(ids((await drain(t, narrow.key)).items), [sLicPol], 'profiles and desks narrow together');
    assert.equal((await api(t, narrow.key, `/api/v1/stories/${sLic}`)).statusCode, 404, 'another desk');
    assert.deepEqual(ids((await drain(t, delayedOnly.key)).items), [sDelayed], 'a delayed story reaches a licensee at once');
    assert.deepEqual(ids((await drain(t, standardOnly.key)).items), [sFree], 'a story under the default profile is under that profile');
    assert.deepEqual((await drain(t, none.key)).items, [], 'a scope naming no desk covers nothing');
    const union = await drain(t, both.key);
    assert.deepEqual(ids(union.items), [sFree, sLic, sLicPol].sort(), 'free program and license together');
    const licDoc = (await api(t, both.key, `/api/v1/stories/${sLic}`)).json() as Doc;
    assert.equal(licDoc.pubstatus, 'usable');

    // Notices and WebSub fan out by the same grants: every free partner when the free program
    // gives the story, and each partner whose licenses give it.
    const fanLic = await services.partnerAccess.partnersWithStory(sLic);
    assert.equal(fanLic.free, false);
    assert.deepEqual(fanLic.partnerIds.sort(), [everything.id, both.id, textOnly.id].sort());
    const fanFree = await services.partnerAccess.partnersWithStory(sFree);
    assert.equal(fanFree.free, true);
    assert.deepEqual(fanFree.partnerIds.sort(), [everything.id, standardOnly.id, both.id].sort());
    assert.deepEqual(await services.partnerAccess.partnersWithStory(sSwitched), { free: false, partnerIds: [] });

    // A day later the free release comes: to the free partners, not again to the licensee.
    offset = 25 * HOUR;
    assert.deepEqual(ids((await drain(t, free.key)).items), [sDelayed, sFree].sort());
    const bothLater = await drain(t, both.key, union.next);
    assert.deepEqual(ids(bothLater.items), [sDelayed], 'the free release reaches the partner with a license too');

    // The partner's license ends: it keeps what the free program gives, loses the rest.
    await services.database.db.updateTable('licenses').set({ ends_at: new Date(Date.now() + 24 * HOUR).toISOString() }).where('id', '=', bothLicense.id).execute();
    const afterEnd = await drain(t, both.key);
    assert.deepEqual(ids(afterEnd.items), [sDelayed, sFree].sort(), 'free stories stay; licensed ones are gone');
    const gone = await api(t, both.key, `/api/v1/stories/${sLic}`);
    assert.equal(gone.statusCode, 403, 'a story only the ended license covered');
    assert.match(gone.json().error.message as string, new RegExp(`${bothLicense.reference} ended on \\d{1,2} \\w+ \\d{4}`));
    assert.equal((await api(t, both.key, `/api/v1/stories/${sFree}`)).statusCode, 200);
    assert.equal((await api(t, both.key, `/api/v1/stories/${sSwitched}`)).statusCode, 404, 'never covered: 404 as before');
  } finally {
    await t.close();
  }
});

forEachDialect('license access: at the end, 403 naming the license, no further deliveries; cancel sends the stories as canceled once, keep says nothing', async (_t, tdb) => {
  const t = await buildTestApp(tdb, UNLIMITED_ENV);
  try {
    const { services } = t;
    let offset = 60_000;
    services.partnerAccess.now = () => new Date(Date.now() + offset);
    await services.settings.update(SYSTEM_ACTOR, { licensingContact: 'licensing@valley.example' });
    const basics = await seedBasics(services);
    const licOnly = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    const endsAt = new Date(Date.now() + 2 * HOUR).toISOString();
    const keeper = await makePartner(services);
    const keepLicense = await addLicense(services, keeper.id, { endsAt, onEnd: 'keep' });
    const canceller = await makePartner(services);
    const cancelLicense = await addLicense(services, canceller.id, { endsAt, onEnd: 'cancel' });
    const endpoints = { keeper: await addEndpoint(services, keeper.id), canceller: await addEndpoint(services, canceller.id) };
    const feedToken = await services.partners.rotateFeedToken(keeper.id);
    const consumer = new EventConsumer(services.database.db, webhookDispatcher(services));
    await consumer.cursor();

    const s1 = await story(services, basics.desk, basics.author, { headline: 'Before the end', licenseProfile: licOnly.slug });
    await runDispatcher(consumer);
    assert.deepEqual(await deliveredStories(services, endpoints.keeper), [s1]);
    assert.deepEqual(await deliveredStories(services, endpoints.canceller), [s1]);
    const keepFirst = await drain(t, keeper.key);
    const cancelFirst = await drain(t, canceller.key);
    assert.deepEqual(ids(cancelFirst.items), [s1]);
    assert.equal(cancelFirst.items[0]!.pubstatus, 'usable');
    assert.equal((await t.app.inject({ method: 'GET', url: `/partners/feed/${feedToken}/rss.xml` })).statusCode, 200);

    // Past the end: within the minute, with nothing run at that moment.
    offset = 3 * HOUR;
    for (const url of ['/api/v1/stories', `/api/v1/stories/${s1}`, `/api/v1/stories?since=${encodeURIComponent(keepFirst.next)}`]) {
      const res = await api(t, keeper.key, url);
      assert.equal(res.statusCode, 403, url);
      const message = res.json().error.message as string;
      assert.ok(message.includes(`Your license ${keepLicense.reference} ended on`), message);
      assert.ok(message.includes('licensing@valley.example'), message);
    }
    const feed = await t.app.inject({ method: 'GET', url: `/partners/feed/${feedToken}/rss.xml` });
    assert.equal(feed.statusCode, 403);
    assert.ok(feed.body.includes(keepLicense.reference));

    // The cancelling license: its change list still answers, with the story canceled, once.
    const cancelled = await drain(t, canceller.key, cancelFirst.next);
    assert.deepEqual(ids(cancelled.items), [s1]);
    const doc = cancelled.items[0]!;
    assert.equal(doc.pubstatus, 'canceled');
    assert.ok(Number.parseFloat(String(doc.version)) > Number.parseFloat(String(cancelFirst.items[0]!.version)), `version ${doc.version} after ${cancelFirst.items[0]!.version}`);
    assert.match(JSON.stringify(doc), new RegExp(`license ${cancelLicense.reference}`));
    assert.deepEqual((await drain(t, canceller.key, cancelled.next)).items, [], 'once');
    assert.deepEqual(ids((await drain(t, canceller.key)).items), [s1], 'from the start: only the cancellation');
    const one = await api(t, canceller.key, `/api/v1/stories/${s1}`);
    assert.equal(one.statusCode, 403);
    assert.ok((one.json().error.message as string).includes(cancelLicense.reference));

    // A new publication reaches neither. Stories are stamped with the real time, so the licenses
    // now end just before it (the dispatcher judges at the access clock).
    offset = 60_000;
    await services.database.db.updateTable('licenses').set({ ends_at: new Date(Date.now() - 1000).toISOString() }).where('id', 'in', [keepLicense.id, cancelLicense.id]).execute();
    const s2 = await story(services, basics.desk, basics.author, { headline: 'After the end', licenseProfile: licOnly.slug });
    await runDispatcher(consumer);
    assert.deepEqual(await deliveredStories(services, endpoints.keeper), [s1], 'no delivery after the end');
    assert.deepEqual(await deliveredStories(services, endpoints.canceller), [s1], 'no delivery after the end');
    assert.ok(!(await drain(t, canceller.key)).items.some((d) => idOf(d) === s2));

    // A month later the cancellations have been read: the API is closed to it as well.
    offset = 32 * DAY;
    const closed = await api(t, canceller.key, '/api/v1/stories');
    assert.equal(closed.statusCode, 403);
    assert.ok((closed.json().error.message as string).includes(cancelLicense.reference));
  } finally {
    await t.close();
  }
});

forEachDialect('license access: a license starting later brings earlier stories at its start, even to a cursor taken before', async (_t, tdb) => {
  const t = await buildTestApp(tdb, UNLIMITED_ENV);
  try {
    const { services } = t;
    let offset = 60_000;
    services.partnerAccess.now = () => new Date(Date.now() + offset);
    const basics = await seedBasics(services);
    const licOnly = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    const startsAt = new Date(Date.now() + 2 * HOUR).toISOString();
    // A free partner whose license starts in two hours, and a licensee with only that license.
    const early = await makePartner(services);
    const license = await addLicense(services, early.id, { profiles: [licOnly.id], startsAt }, true);
    const waiting = await makePartner(services);
    const waitingLicense = await addLicense(services, waiting.id, { startsAt });

    const licensed: string[] = [];
    const open: string[] = [];
    for (let i = 0; i < 4; i++) licensed.push(await story(services, basics.desk, basics.author, { headline: `Licensed ${i}`, licenseProfile: licOnly.slug }));
    for (let i = 0; i < 3; i++) open.push(await story(services, basics.desk, basics.author, { headline: `Open ${i}` }));

    const before = await drain(t, early.key);
    assert.deepEqual(ids(before.items), [...open].sort(), 'nothing of the license before it starts');
    const notYet = await api(t, early.key, `/api/v1/stories/${licensed[0]}`);
    assert.equal(notYet.statusCode, 403);
    assert.ok((notYet.json().error.message as string).includes(`${license.reference} starts on`));
    const scheduled = await api(t, waiting.key, '/api/v1/stories');
    assert.equal(scheduled.statusCode, 403, 'a licensee whose only license has not started');
    assert.ok((scheduled.json().error.message as string).includes(`Your license ${waitingLicense.reference} starts on`));

    offset = 3 * HOUR;
    const atStart = await drain(t, early.key, before.next);
    assert.deepEqual(ids(atStart.items), [...licensed].sort(), 'the licensed stories, each once, none of the others again');
    assert.deepEqual((await drain(t, early.key, atStart.next)).items, [], 'nothing repeated');
    assert.deepEqual(ids((await drain(t, waiting.key)).items), [...licensed, ...open].sort());
  } finally {
    await t.close();
  }
});
