/**
 * Story events become webhook deliveries: which endpoints get which events (license profile,
 * syndication switch, delayed free release, embargo, subscriptions, disabled endpoints, suspended
 * partners), a withdrawal reaching every partner who had the story even after its profile shut
 * them out, the body (Standard Webhooks shape, the ninjs document the content API gives), exactly
 * once with two nodes, and the clock events that report embargoes lifting and delayed releases.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createDatabase, type Database } from '../../src/db/database.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { EventConsumer } from '../../src/events/consumers.js';
import { latestEventId } from '../../src/events/events.js';
import { webhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { writeClockEvents } from '../../src/worker/clock-events.js';
import { startBackground, type Background } from '../../src/worker/background.js';
import { waitFor } from '../helpers/wait.js';
import { generateSecret } from '../../src/webhooks/signing.js';
import { newId } from '../../src/util/ids.js';
import { forEachDialect, type TestDb } from '../helpers/dialects.js';
import { buildTestApp, seedBasics, type TestApp } from '../helpers/app.js';
import { UNLIMITED_ENV } from '../helpers/surface.js';
import { assertValid, ninjsValidators } from '../fixtures/ninjs/validator.js';
import { addLicense } from '../helpers/licenses.js';

const HOUR = 3600_000;
const validators = ninjsValidators();

type Doc = Record<string, any>;

let partnerCount = 0;

async function makePartner(services: Services, kind: 'free' | 'licensee' = 'free'): Promise<{ id: string; key: string }> {
  const n = ++partnerCount;
  const p = await services.partners.apply({
    outlet: `Hook Gazette ${n}`, website: `https://hooks${n}.example`, contactName: 'Pat', email: `pat${n}@hooks${n}.example`,
    audience: 250_000, evidence: 'Stats', intendedUse: 'Republish', acceptTerms: true,
  });
  await services.partners.approve(SYSTEM_ACTOR, p.id);
  if (kind === 'licensee') await addLicense(services, p.id, { startsAt: '2000-01-01T00:00:00.000Z' });
  const { key } = await services.partners.createKey(null, p.id, 'test');
  return { id: p.id, key };
}

async function addEndpoint(services: Services, partnerId: string, opts: { events?: string[]; status?: 'enabled' | 'disabled' } = {}): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await services.database.db
    .insertInto('webhook_endpoints')
    .values({
      id, partner_id: partnerId, url: `https://hooks.example/${id}`, description: '', events_json: JSON.stringify(opts.events ?? []),
      secret: generateSecret(), previous_secret: null, previous_secret_expires_at: null, status: opts.status ?? 'enabled',
      disabled_reason: null, disabled_at: null, failing_since: null, created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

async function story(services: Services, basics: { desk: string; author: string }, input: Record<string, unknown>): Promise<string> {
  const s = await services.stories.create(SYSTEM_ACTOR, { body: 'The river rose **two metres** overnight.', desk: basics.desk, authors: [basics.author], ...input });
  await services.stories.publish(SYSTEM_ACTOR, s.id);
  return s.id;
}

async function drain(consumer: EventConsumer<any>): Promise<void> {
  for (let i = 0; i < 100; i++) if ((await consumer.runOnce()) === 0) return;
  assert.fail('the consumer never caught up');
}

/** endpoint id → sorted "type story" lines. */
async function received(services: Services): Promise<Map<string, string[]>> {
  const rows = await services.database.db.selectFrom('webhook_deliveries').select(['endpoint_id', 'type', 'story_id']).orderBy('id').execute();
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.endpoint_id, [...(out.get(r.endpoint_id) ?? []), `${r.type} ${r.story_id}`].sort());
  return out;
}

async function bodyOf(services: Services, endpointId: string, type: string, storyId: string): Promise<Doc> {
  const row = await services.database.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .where('type', '=', type)
    .where('story_id', '=', storyId)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, 'pending');
  assert.equal(row.attempts, 0);
  assert.match(row.message_id, /^msg_[A-Za-z0-9_-]+$/);
  return JSON.parse(row.body) as Doc;
}

async function apiDoc(t: TestApp, key: string, storyId: string): Promise<{ status: number; doc: Doc }> {
  const r = await t.app.inject({ method: 'GET', url: `/api/v1/stories/${storyId}`, headers: { authorization: `Bearer ${key}` } });
  return { status: r.statusCode, doc: r.json() as Doc };
}

const lines = (type: string, ...ids: string[]) => ids.map((id) => `${type} ${id}`);
const sorted = (...groups: string[][]) => groups.flat().sort();

forEachDialect('webhooks: each event reaches exactly the endpoints of partners who may have the story, with the API’s document', async (_t, tdb) => {
  const t = await buildTestApp(tdb, UNLIMITED_ENV);
  try {
    const { services } = t;
    // The access layer's clock: the present, moved forward later (a day passes).
    const start = Date.now();
    let offset = 0;
    const clock = () => Date.now() + offset;
    services.partnerAccess.now = () => new Date(clock());
    const basics = await seedBasics(services);
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', audience: 'free', pixelRequired: true });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    const soon = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Soon licensed', audience: 'free', pixelRequired: true });
    const licensees = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees', audience: 'licensees' });
    const delayed = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Next day', audience: 'free', delayHours: 24 });

    const free = await makePartner(services);
    const free2 = await makePartner(services);
    const licensee = await makePartner(services, 'licensee');
    const receiptHolder = await makePartner(services);
    const pixelViewer = await makePartner(services);
    const stranger = await makePartner(services);
    const suspended = await makePartner(services);
    const disabledOwner = await makePartner(services);

    const ep = {
      free: await addEndpoint(services, free.id),
      free2: await addEndpoint(services, free2.id),
      licensee: await addEndpoint(services, licensee.id),
      receiptHolder: await addEndpoint(services, receiptHolder.id, { events: ['story.withdrawn'] }),
      pixelViewer: await addEndpoint(services, pixelViewer.id, { events: ['story.withdrawn'] }),
      stranger: await addEndpoint(services, stranger.id, { events: ['story.withdrawn'] }),
      suspended: await addEndpoint(services, suspended.id),
      disabled: await addEndpoint(services, disabledOwner.id, { status: 'disabled' }),
    };
    await services.database.db.updateTable('partners').set({ status: 'suspended' }).where('id', '=', suspended.id).execute();

    const consumer = new EventConsumer(services.database.db, webhookDispatcher(services));
    await consumer.cursor(); // starts after the events written so far

    const open = await story(services, basics, { headline: 'Open story', licenseProfile: soon.slug, tags: ['Water'] });
    const paid = await story(services, basics, { headline: 'Licensed story', licenseProfile: licensees.slug });
    const switched = await story(services, basics, { headline: 'Switched off', syndication: 'none' });
    const late = await story(services, basics, { headline: 'Delayed story', licenseProfile: delayed.slug });
    const embargoed = await story(services, basics, { headline: 'Embargoed story', embargoUntil: new Date(start + 2 * HOUR).toISOString() });
    await drain(consumer);

    let got = await received(services);
    assert.deepEqual(got.get(ep.free), sorted(lines('story.published', open, embargoed)), 'free: open and embargoed (withheld) only');
    assert.deepEqual(got.get(ep.free2), sorted(lines('story.published', open, embargoed)));
    assert.deepEqual(got.get(ep.licensee), sorted(lines('story.published', open, paid, late, embargoed)), 'licensee: all but the switched-off story');
    for (const name of ['receiptHolder', 'pixelViewer', 'stranger', 'suspended', 'disabled'] as const) assert.equal(got.get(ep[name]), undefined, name);

    // The body: Standard Webhooks envelope, story fields, and the document the API gives now.
    for (const [p, endpoint] of [[free, ep.free], [free2, ep.free2], [licensee, ep.licensee]] as const) {
      const body = await bodyOf(services, endpoint, 'story.published', open);
      assert.deepEqual(Object.keys(body), ['type', 'timestamp', 'data']);
      assert.equal(body.type, 'story.published');
      assert.match(body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(body.data.id, open);
      assert.equal(body.data.pubstatus, 'usable');
      assert.equal(body.data.headline, 'Open story');
      assert.match(body.data.url, /^http:\/\/news\.test\/stories\/open-story/);
      assert.equal(body.data.href, `http://news.test/api/v1/stories/${open}`);
      const fromApi = await apiDoc(t, p.key, open);
      assert.equal(fromApi.status, 200);
      assert.deepEqual(body.data.ninjs, fromApi.doc, 'data.ninjs is what the content API gives this partner');
      assert.equal(body.data.version, fromApi.doc.version);
      assertValid(validators['2.2'], body.data.ninjs, 'data.ninjs');
    }
    const pixelOf = (d: Doc) => /\/p\/([A-Za-z0-9_-]+)\.gif/.exec(JSON.stringify(d))?.[1];
    const [p1, p2] = [pixelOf(await bodyOf(services, ep.free, 'story.published', open)), pixelOf(await bodyOf(services, ep.free2, 'story.published', open))];
    assert.ok(p1 && p2 && p1 !== p2, 'each partner’s copy carries its own pixel');
    const withheld = await bodyOf(services, ep.free, 'story.published', embargoed);
    assert.equal(withheld.data.pubstatus, 'withheld');
    assert.deepEqual(withheld.data.ninjs, (await apiDoc(t, free.key, embargoed)).doc);

    // A day later: the embargo lifted for everyone who has the story, the delayed story was
    // released to free partners (only to them).
    offset = 25 * HOUR;
    const changeLists = async () => {
      const out: unknown[] = [];
      for (const p of [free, licensee]) {
        const r = await t.app.inject({ method: 'GET', url: '/api/v1/stories?limit=100', headers: { authorization: `Bearer ${p.key}` } });
        assert.equal(r.statusCode, 200);
        out.push(r.json());
      }
      return out;
    };
    const listsBefore = await changeLists();
    assert.equal(await writeClockEvents(services, new Date(clock())), 2);
    assert.deepEqual(await changeLists(), listsBefore, 'the clock events move nothing in the content API’s change lists');
    await drain(consumer);
    got = await received(services);
    assert.deepEqual(got.get(ep.free), sorted(lines('story.published', open, embargoed), lines('story.embargo_lifted', embargoed), lines('story.released', late)));
    assert.deepEqual(got.get(ep.licensee), sorted(lines('story.published', open, paid, late, embargoed), lines('story.embargo_lifted', embargoed)));
    const lifted = await bodyOf(services, ep.free, 'story.embargo_lifted', embargoed);
    assert.equal(lifted.data.pubstatus, 'usable');
    assert.equal(lifted.timestamp, new Date(start + 2 * HOUR).toISOString());
    assert.deepEqual(lifted.data.ninjs, (await apiDoc(t, free.key, embargoed)).doc);
    const released = await bodyOf(services, ep.free2, 'story.released', late);
    assert.deepEqual(released.data.ninjs, (await apiDoc(t, free2.key, late)).doc);

    // A correction reaches those who may have the story, with its text.
    await services.stories.amend(SYSTEM_ACTOR, paid, 'correction', 'The vote was 5 to 4, not 6 to 3.', undefined);
    await drain(consumer);
    got = await received(services);
    assert.deepEqual(got.get(ep.licensee)?.filter((l) => l.startsWith('story.corrected')), lines('story.corrected', paid));
    assert.equal(got.get(ep.free)?.some((l) => l.startsWith('story.corrected')), false);
    const corrected = await bodyOf(services, ep.licensee, 'story.corrected', paid);
    assert.equal(corrected.data.correction, 'The vote was 5 to 4, not 6 to 3.');
    assert.deepEqual(corrected.data.ninjs, (await apiDoc(t, licensee.key, paid)).doc);

    // The open story's profile becomes licensees-only, then the story is withdrawn: every free
    // partner who had it hears of it — by an earlier webhook, a content API receipt, pixel hits.
    const rightNow = new Date().toISOString();
    await services.database.db
      .insertInto('story_receipts')
      .values({ story_id: open, partner_id: receiptHolder.id, channel: 'api', first_at: rightNow, last_at: rightNow, version: '1' })
      .execute();
    await services.database.db.insertInto('usage_daily').values({ story_id: open, partner_id: pixelViewer.id, day: rightNow.slice(0, 10), views: 3 }).execute();
    await services.licenseProfiles.update(SYSTEM_ACTOR, soon.id, { audience: 'licensees' });
    assert.equal((await apiDoc(t, free.key, open)).status, 404, 'free partners may no longer have it');
    await services.stories.withdraw(SYSTEM_ACTOR, open, 'The source recanted.');
    await drain(consumer);
    got = await received(services);
    for (const name of ['free', 'free2', 'licensee', 'receiptHolder', 'pixelViewer'] as const) {
      assert.ok(got.get(ep[name])?.includes(`story.withdrawn ${open}`), `${name} hears of the withdrawal`);
    }
    assert.deepEqual(got.get(ep.receiptHolder), lines('story.withdrawn', open), 'an endpoint subscribed to withdrawals gets only those');
    assert.equal(got.get(ep.stranger), undefined, 'a partner who never had it hears nothing');
    for (const name of ['suspended', 'disabled'] as const) assert.equal(got.get(ep[name]), undefined, name);
    const kill = await bodyOf(services, ep.free, 'story.withdrawn', open);
    assert.equal(kill.data.pubstatus, 'canceled');
    assert.equal(kill.data.reason, 'The source recanted.');
    assert.equal(kill.data.ninjs.pubstatus, 'canceled');
    assertValid(validators['2.2'], kill.data.ninjs, 'withdrawal ninjs');
    assert.deepEqual((await bodyOf(services, ep.licensee, 'story.withdrawn', open)).data.ninjs, (await apiDoc(t, licensee.key, open)).doc);

    // One row per endpoint and event, each with its own stable message id.
    const all = await services.database.db.selectFrom('webhook_deliveries').select(['endpoint_id', 'event_id', 'message_id']).execute();
    assert.equal(new Set(all.map((r) => `${r.endpoint_id}|${r.event_id}`)).size, all.length);
    assert.equal(new Set(all.map((r) => r.message_id)).size, all.length);
  } finally {
    await t.close();
  }
});

function openSecond(tdb: TestDb): Database {
  return tdb.dialect === 'sqlite' ? createDatabase({ sqliteFile: tdb.sqliteFile! }) : createDatabase({ databaseUrl: tdb.url!, poolSize: 4 });
}

forEachDialect('webhooks: two nodes turn each event into one delivery per endpoint, and write each clock event once', async (_t: TestContext, tdb) => {
  const t = await buildTestApp(tdb, UNLIMITED_ENV);
  const dbB = openSecond(tdb);
  try {
    const { services } = t;
    const nodeB = createServices(t.config, dbB);
    const basics = await seedBasics(services);
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', audience: 'free' });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    const delayed = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Next day', audience: 'free', delayHours: 24 });
    const endpoints: string[] = [];
    for (let i = 0; i < 6; i++) endpoints.push(await addEndpoint(services, (await makePartner(services, i % 2 ? 'licensee' : 'free')).id));
    const a = new EventConsumer(services.database.db, webhookDispatcher(services));
    const b = new EventConsumer(dbB.db, webhookDispatcher(nodeB));
    await a.cursor();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await story(services, basics, { headline: `Story ${i}`, embargoUntil: new Date(Date.now() + HOUR).toISOString() }));
    ids.push(await story(services, basics, { headline: 'Delayed', licenseProfile: delayed.slug }));
    for (const id of ids.slice(0, 3)) await services.stories.amend(SYSTEM_ACTOR, id, 'correction', `Fixed ${id}`, undefined);

    // Node B sees node A's lease as expired, so both really work on the same batches at once:
    // the cursor's compare-and-set lets one of them commit.
    b.now = () => new Date(Date.now() + 10 * 60_000);
    if (tdb.dialect === 'postgres') {
      await Promise.all([drain(a), drain(b)]);
    } else {
      // One thread cannot interleave two SQLite connections' writes; the nodes take turns.
      for (let i = 0; i < 10; i++) {
        await b.runOnce();
        await a.runOnce();
      }
    }
    // A node that lost a race returns 0 without having caught up: go on until the log is consumed.
    const last = await latestEventId(services.database.db);
    for (let i = 0; i < 100 && (await a.cursor()) < last; i++) {
      if (tdb.dialect === 'postgres') await Promise.all([a.runOnce(), b.runOnce()]);
      else for (const node of [a, b]) await node.runOnce();
    }
    assert.equal(await a.cursor(), last);
    const rows = await services.database.db.selectFrom('webhook_deliveries').select(['endpoint_id', 'event_id', 'type']).execute();
    const published = rows.filter((r) => r.type === 'story.published').length;
    const corrected = rows.filter((r) => r.type === 'story.corrected').length;
    // 3 free + 3 licensee endpoints: 4 embargoed stories to all, the delayed one to licensees.
    assert.equal(published, 4 * 6 + 3);
    assert.equal(corrected, 3 * 6);
    assert.equal(new Set(rows.map((r) => `${r.endpoint_id}|${r.event_id}`)).size, rows.length, 'no endpoint got an event twice');

    // Clock events: both nodes (and the same node twice) try; each is written once.
    const later = new Date(Date.now() + 25 * HOUR);
    if (tdb.dialect === 'postgres') {
      await Promise.all([writeClockEvents(services, later), writeClockEvents(nodeB, later), writeClockEvents(services, later)]);
    } else {
      await writeClockEvents(services, later);
      await writeClockEvents(nodeB, later);
    }
    await writeClockEvents(services, later);
    const clockRows = await services.database.db.selectFrom('events').select(['type', 'story_id']).where('type', 'in', ['story.embargo_lifted', 'story.released']).execute();
    assert.deepEqual(clockRows.map((r) => `${r.type} ${r.story_id}`).sort(), sorted(lines('story.embargo_lifted', ...ids.slice(0, 4)), lines('story.released', ids[4]!)));
  } finally {
    await dbB.close();
    await t.close();
  }
});

forEachDialect('webhooks: the background work dispatches a change made on this node at once and wakes the delivery loop', async (_t, tdb) => {
  const t = await buildTestApp(tdb, UNLIMITED_ENV);
  const quiet = { info() {}, warn() {}, error() {}, child: () => quiet };
  let background: Background | undefined;
  try {
    const { services } = t;
    const basics = await seedBasics(services);
    const partner = await makePartner(services);
    const endpoint = await addEndpoint(services, partner.id);
    let wakeUps = 0;
    services.signals.webhooks.listen(() => wakeUps++);
    background = startBackground(services, quiet, { attribution: false });
    await background.settle();
    const id = await story(services, basics, { headline: 'Background story' });
    await waitFor('the delivery row', async () => (await received(services)).get(endpoint)?.includes(`story.published ${id}`) === true);
    assert.ok(wakeUps > 0, 'the delivery loop was woken');
  } finally {
    await background?.stop();
    await t.close();
  }
});
