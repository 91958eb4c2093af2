/**
 * The partners' content API (/api/v1/stories) as served: ninjs 2.2 and 3.1 documents that
 * validate against the IPTC schemas (every document these tests receive is validated), the
 * change-list cursor, the license rules (delayed free release, licensees only, not for
 * syndication, embargo, withdrawal), authentication, rate limits and bad input.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics, type TestApp } from '../helpers/app.js';
import { assertValid, ninjsValidators } from '../fixtures/ninjs/validator.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import type { Services } from '../../src/services.js';
import { encodeCursor } from '../../src/syndication/access.js';
import { addLicense } from '../helpers/licenses.js';

const validators = ninjsValidators();
const HOUR = 3600_000;
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

type Doc = Record<string, any>;

interface PartnerHandle {
  id: string;
  key: string;
}

let partnerCount = 0;

async function makePartner(services: Services, opts: { kind?: 'licensee' } = {}): Promise<PartnerHandle> {
  const n = ++partnerCount;
  const p = await services.partners.apply({
    outlet: `Partner Gazette ${n}`,
    website: `https://gazette${n}.example`,
    contactName: 'Pat Partner',
    email: `pat${n}@gazette${n}.example`,
    audience: 250_000,
    evidence: 'Analytics screenshot',
    intendedUse: 'Republish environment stories',
    acceptTerms: true,
  });
  await services.partners.approve(SYSTEM_ACTOR, p.id);
  // A licensee holds a license covering every story offered to licensees, from long before the stories.
  if (opts.kind) await addLicense(services, p.id, { startsAt: '2000-01-01T00:00:00.000Z' });
  const { key } = await services.partners.createKey(null, p.id, 'test');
  return { id: p.id, key };
}

/** Moves the access layer's clock (the change list only hands out changes a few seconds old). */
function setClock(services: Services, offsetMs: number): void {
  services.partnerAccess.now = () => new Date(Date.now() + offsetMs);
}

async function api(t: TestApp, key: string | null, url: string, headers: Record<string, string> = {}, remoteAddress?: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers }, ...(remoteAddress ? { remoteAddress } : {}) });
}

/** Validates every ninjs document in a successful answer against the schema of its version. */
function checkDocs(res: LightMyRequestResponse, label: string): Doc[] {
  assert.equal(res.statusCode, 200, `${label}: ${res.body.slice(0, 300)}`);
  const body = res.json() as Doc;
  if (Array.isArray(body.items)) {
    const v = body.ninjsVersion as '2.2' | '3.1';
    assert.ok(v === '2.2' || v === '3.1', `${label}: ninjsVersion`);
    body.items.forEach((d: Doc, i: number) => assertValid(validators[v], d, `${label} item ${i}`));
    return body.items as Doc[];
  }
  const profile = /profile="([^"]+)"/.exec(String(res.headers['content-type']))?.[1] ?? '';
  const v = profile.includes('3.1') ? '3.1' : '2.2';
  assertValid(validators[v], body, label);
  return [body];
}

async function poll(t: TestApp, key: string, query: string): Promise<{ items: Doc[]; next: string; more: boolean }> {
  const res = await api(t, key, `/api/v1/stories?${query}`);
  const items = checkDocs(res, `poll ${query}`);
  const body = res.json() as Doc;
  return { items, next: body.next as string, more: body.more as boolean };
}

/** Pages through the change list with limit=1 from `since` until `more` is false. */
async function drain(t: TestApp, key: string, since: string | null): Promise<{ items: Doc[]; next: string }> {
  const items: Doc[] = [];
  let next = since;
  for (let i = 0; i < 50; i++) {
    const page = await poll(t, key, `limit=1${next ? `&since=${encodeURIComponent(next)}` : ''}`);
    assert.ok(page.items.length <= 1);
    items.push(...page.items);
    next = page.next;
    if (!page.more) return { items, next };
  }
  throw new Error('the change list never ended');
}

const idOf = (d: Doc) => String(d.uri).split('/').pop()!;
const htmlBody = (d: Doc) => (d.bodies as Doc[]).find((b) => (b.contenttype ?? b.contentType) === 'text/html')!.value as string;

async function story(services: Services, basics: { desk: string; author: string }, input: Record<string, unknown>): Promise<{ id: string; slug: string }> {
  const s = await services.stories.create(SYSTEM_ACTOR, { body: 'The river rose **two metres** overnight.', desk: basics.desk, authors: [basics.author], ...input });
  await services.stories.publish(SYSTEM_ACTOR, s.id);
  return { id: s.id, slug: s.slug };
}

async function liveVersion(services: Services, id: string): Promise<number> {
  const r = await services.database.db.selectFrom('stories').select(['live_version', 'current_version']).where('id', '=', id).executeTakeFirstOrThrow();
  return r.live_version!;
}

forEachDialect('content API: ninjs 2.2 by default and 3.1 on request, valid and complete', async (_t: TestContext, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services } = t;
    setClock(services, 60_000);
    const basics = await seedBasics(services);
    await services.settings.update(SYSTEM_ACTOR, { siteName: 'Valley Post', language: 'en-US' });
    // An explicit default, so the text-only profile below is not taken as the default.
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', audience: 'free' });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    const image = await services.media.store(SYSTEM_ACTOR, { filename: 'river.png', data: PNG, alt: 'The river at dawn' });
    const water = await story(services, basics, {
      headline: 'River <rises> & floods',
      summary: 'Levels rose two metres.',
      dateline: 'FRESNO, Calif.',
      tags: ['Water', 'Floods'],
      leadImageId: image.id,
      leadImageCaption: 'The river at dawn.',
      leadImageCredit: 'Photo: Ada Reporter',
    });
    const noImages = await services.licenseProfiles.create(SYSTEM_ACTOR, {
      name: 'Text only', audience: 'free', imagesIncluded: false, ccLicenseUrl: 'https://creativecommons.org/licenses/by-nd/4.0/', searchEngines: 'noindex',
    });
    const textOnly = await story(services, basics, {
      headline: 'Dam report released',
      body: 'Inspectors found cracks.\n\n![Crack in the dam](https://cdn.example.org/crack.jpg)\n\nRepairs start soon.',
      leadImageId: image.id,
      licenseProfile: noImages.slug,
    });
    const partner = await makePartner(services);

    // Default: 2.2.
    const list = await api(t, partner.key, '/api/v1/stories');
    const docs = checkDocs(list, 'default list');
    assert.equal(list.json().ninjsVersion, '2.2');
    assert.equal(list.headers['cache-control'], 'private, no-store');
    assert.deepEqual(docs.map(idOf).sort(), [water.id, textOnly.id].sort());
    const d = docs.find((x) => idOf(x) === water.id)!;
    assert.equal(d.uri, `http://news.test/api/v1/stories/${water.id}`);
    assert.equal(d.type, 'text');
    assert.equal(d.pubstatus, 'usable');
    assert.equal(d.version, String(await liveVersion(services, water.id)));
    assert.equal(d.headlines[0].value, 'River <rises> & floods');
    assert.equal(d.descriptions[0].value, 'Levels rose two metres.');
    assert.equal(d.by, 'Ada Reporter, Environment Reporter');
    assert.equal(d.located, 'FRESNO, Calif.');
    assert.equal(d.language, 'en-US');
    assert.equal(d.copyrightholder, 'Valley Post');
    assert.match(d.copyrightnotice, /^© \d{4} Valley Post/);
    assert.match(d.usageterms, /Partners in our free program may republish/);
    assert.deepEqual(d.rightsinfo, { linkedrights: 'http://news.test/republish' });
    assert.ok(Date.parse(d.firstcreated) <= Date.parse(d.versioncreated));
    assert.deepEqual(
      d.subjects.map((s: Doc) => [s.name, s.rel]),
      [['Environment', 'section'], ['Floods', 'about'], ['Water', 'about']],
    );
    assert.equal(d.people, undefined, 'no people invented');
    assert.equal(d.places, undefined);
    const html = htmlBody(d);
    assert.match(html, /This story was originally published by Valley Post/);
    assert.match(html, new RegExp(`<a href="http://news.test/stories/${water.slug}">Read the original story`));
    assert.match(html, /<img class="freewire-pixel" src="http:\/\/news\.test\/p\/[A-Za-z0-9_-]+\.gif" width="1" height="1" alt="" referrerpolicy="no-referrer-when-downgrade"/);
    assert.match(html, /River &lt;rises&gt; &amp; floods/);
    assert.match(html, new RegExp(`<img src="http://news.test/media/${image.id}" alt="The river at dawn">`));
    const text = (d.bodies as Doc[]).find((b) => b.contenttype === 'text/plain')!.value as string;
    assert.match(text, /The river rose two metres overnight\./);
    assert.match(text, new RegExp(`Original story: http://news.test/stories/${water.slug}`));
    assert.equal(d.associations[0].type, 'picture');
    assert.deepEqual(d.associations[0].renditions, [{ name: 'original', href: `http://news.test/media/${image.id}`, contenttype: 'image/png', sizeinbytes: PNG.length }]);

    // The text-only profile: no association, no images in the body (the pixel stays), CC license.
    const t2 = docs.find((x) => idOf(x) === textOnly.id)!;
    assert.equal(t2.associations, undefined);
    const t2html = htmlBody(t2);
    assert.doesNotMatch(t2html.replace(/<img class="freewire-pixel"[^>]*>/, ''), /<img/);
    assert.doesNotMatch(t2html, /crack\.jpg/);
    assert.match(t2html, /Repairs start soon/);
    assert.match(t2html, /<a rel="license" href="https:\/\/creativecommons.org\/licenses\/by-nd\/4.0\/">CC BY-ND 4.0<\/a>/);
    assert.deepEqual(t2.rightsinfo, { linkedrights: 'https://creativecommons.org/licenses/by-nd/4.0/' });

    // 3.1 by parameter and by Accept profile; the same content in camelCase.
    for (const [url, headers] of [
      ['/api/v1/stories?ninjs=3', {}],
      ['/api/v1/stories?ninjs=3.1', {}],
      ['/api/v1/stories', { accept: 'application/json; profile="http://iptc.org/std/ninjs/3.1"' }],
      ['/api/v1/stories', { accept: 'application/json;profile="http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"' }],
    ] as const) {
      const res = await api(t, partner.key, url, headers);
      assert.equal(res.json().ninjsVersion, '3.1', url);
      const d3 = checkDocs(res, `3.1 list ${url}`).find((x) => idOf(x) === water.id)!;
      assert.equal(d3.pubStatus, 'usable');
      assert.equal(d3.versionCreated, d.versioncreated);
      assert.equal(d3.copyrightHolder, 'Valley Post');
      assert.deepEqual(d3.rightsInfo, { linkedRights: 'http://news.test/republish' });
      assert.equal(d3.associations[0].renditions[0].contentType, 'image/png');
      assert.equal(htmlBody(d3), html);
    }
    // ?ninjs= wins over Accept.
    const forced = await api(t, partner.key, '/api/v1/stories?ninjs=2', { accept: 'application/json; profile="http://iptc.org/std/ninjs/3.1"' });
    assert.equal(forced.json().ninjsVersion, '2.2');
    checkDocs(forced, 'forced 2.2');

    // One story, both versions.
    const one = await api(t, partner.key, `/api/v1/stories/${water.id}`);
    assert.match(String(one.headers['content-type']), /^application\/json; charset=utf-8; profile="http:\/\/www\.iptc\.org\/std\/ninjs\/ninjs-schema_2\.2\.json#"$/);
    assert.equal(checkDocs(one, 'one 2.2')[0]!.version, d.version);
    const one3 = await api(t, partner.key, `/api/v1/stories/${water.id}?ninjs=3`);
    assert.match(String(one3.headers['content-type']), /ninjs-schema_3\.1\.json/);
    assert.equal(checkDocs(one3, 'one 3.1')[0]!.pubStatus, 'usable');
    const missing = await api(t, partner.key, '/api/v1/stories/00000000-0000-7000-8000-000000000000');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'STORY_NOT_FOUND');

    // Filters: desk, tag, words.
    const politics = await services.desks.create(SYSTEM_ACTOR, { name: 'Statehouse' });
    const budget = await story(services, basics, { headline: 'Budget vote delayed', desk: politics.slug, tags: ['Budget'] });
    const byDesk = checkDocs(await api(t, partner.key, '/api/v1/stories?desk=statehouse'), 'desk filter');
    assert.deepEqual(byDesk.map(idOf), [budget.id]);
    const byTag = checkDocs(await api(t, partner.key, '/api/v1/stories?tag=water'), 'tag filter');
    assert.deepEqual(byTag.map(idOf), [water.id]);
    const byWords = checkDocs(await api(t, partner.key, '/api/v1/stories?q=inspectors%20cracks'), 'q filter');
    assert.deepEqual(byWords.map(idOf), [textOnly.id]);
    const none = checkDocs(await api(t, partner.key, '/api/v1/stories?q=zebra'), 'no match');
    assert.deepEqual(none, []);
  } finally {
    await t.close();
  }
});

forEachDialect('content API: polling with the cursor misses nothing and repeats nothing', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services } = t;
    setClock(services, 60_000);
    const basics = await seedBasics(services);
    const partner = await makePartner(services);

    const a = await story(services, basics, { headline: 'Story A' });
    const first = await drain(t, partner.key, null);
    assert.deepEqual(first.items.map(idOf), [a.id]);
    const aV1 = first.items[0]!.version as string;

    // Nothing new: an empty page, and the same cursor back.
    const idle = await poll(t, partner.key, `since=${encodeURIComponent(first.next)}`);
    assert.deepEqual(idle.items, []);
    assert.equal(idle.next, first.next);
    assert.equal(idle.more, false);

    const b = await story(services, basics, { headline: 'Story B' });
    await services.stories.amend(SYSTEM_ACTOR, a.id, 'update', 'Adds the mayor’s comments.', 'The river rose. The mayor spoke.');
    await services.stories.amend(SYSTEM_ACTOR, a.id, 'correction', 'An earlier version misspelled the river.', undefined);
    await services.stories.withdraw(SYSTEM_ACTOR, b.id, 'Legal advice');

    const second = await drain(t, partner.key, first.next);
    assert.deepEqual(second.items.map(idOf), [a.id, b.id], 'each changed story once, in change order');
    const [a2, b2] = second.items as [Doc, Doc];
    assert.equal(a2.pubstatus, 'usable');
    assert.ok(Number(a2.version) > Number(aV1), 'A comes back with a higher version');
    assert.equal(a2.version, String(await liveVersion(services, a.id)));
    assert.match(htmlBody(a2), /The mayor spoke/);
    assert.equal(b2.pubstatus, 'canceled');
    assert.equal(b2.headlines[0].value, 'Story B');
    assert.match(b2.ednote, /withdrawn this story.*Reason: Legal advice/);
    const bRow = await services.database.db.selectFrom('stories').select('current_version').where('id', '=', b.id).executeTakeFirstOrThrow();
    assert.equal(b2.version, String(bRow.current_version), 'the withdrawal is a version of its own');
    assert.doesNotMatch(htmlBody(b2), /freewire-pixel/);

    // The withdrawn story stays answerable as canceled; nothing further to deliver.
    const gone = await api(t, partner.key, `/api/v1/stories/${b.id}`);
    assert.equal(checkDocs(gone, 'withdrawn one')[0]!.pubstatus, 'canceled');
    const after = await poll(t, partner.key, `since=${encodeURIComponent(second.next)}`);
    assert.deepEqual(after.items, []);

    // The same history from the start, in pages of 1 and in one page, agree.
    const all1 = await drain(t, partner.key, null);
    const allAtOnce = await poll(t, partner.key, 'limit=100');
    assert.deepEqual(all1.items.map(idOf), [a.id, b.id]);
    assert.deepEqual(allAtOnce.items.map(idOf), [a.id, b.id]);
    assert.equal(allAtOnce.more, false);

    // Changes younger than the settle lag wait for the next poll (see access.ts), then arrive.
    setClock(services, 0);
    const c = await story(services, basics, { headline: 'Story C' });
    const early = await poll(t, partner.key, `since=${encodeURIComponent(second.next)}`);
    assert.deepEqual(early.items, []);
    setClock(services, 60_000);
    const late = await poll(t, partner.key, `since=${encodeURIComponent(early.next)}`);
    assert.deepEqual(late.items.map(idOf), [c.id]);
  } finally {
    await t.close();
  }
});

forEachDialect('content API: delayed free release, licensees only, not for syndication', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services } = t;
    setClock(services, 60_000);
    const basics = await seedBasics(services);
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', audience: 'free' });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    const delayed = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Next day', audience: 'free', delayHours: 24 });
    const licensees = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees', audience: 'licensees' });
    const nobody = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Ours only', audience: 'nobody' });
    const free = await makePartner(services);
    const licensee = await makePartner(services, { kind: 'licensee' });

    const late = await story(services, basics, { headline: 'Delayed story', licenseProfile: delayed.slug });
    const paid = await story(services, basics, { headline: 'Licensed story', licenseProfile: licensees.slug });
    const kept = await story(services, basics, { headline: 'Kept story', licenseProfile: nobody.slug });
    // The story's own switch is stricter than its (default, free) profile.
    const switched = await story(services, basics, { headline: 'Switched off', syndication: 'none' });
    // Published after the delayed one: the free partner's cursor will stand past the delayed
    // story's publication event, so only its release time can bring it in later.
    const open = await story(services, basics, { headline: 'Open story' });

    // Free partner, now: only the open story.
    const freeNow = await drain(t, free.key, null);
    assert.deepEqual(freeNow.items.map(idOf), [open.id]);
    for (const s of [late, paid, kept, switched]) {
      assert.equal((await api(t, free.key, `/api/v1/stories/${s.id}`)).statusCode, 404);
    }
    // Licensee, now: the delayed and the licensed ones at once; never the other two.
    const licNow = await drain(t, licensee.key, null);
    assert.deepEqual(licNow.items.map(idOf).sort(), [late.id, paid.id, open.id].sort());
    assert.equal((await api(t, licensee.key, `/api/v1/stories/${kept.id}`)).statusCode, 404);
    assert.equal((await api(t, licensee.key, `/api/v1/stories/${switched.id}`)).statusCode, 404);

    // 25 hours later the delayed story reaches the free partner — with no new event — and the
    // free partner's cursor from before picks it up.
    setClock(services, 25 * HOUR);
    const freeLater = await drain(t, free.key, freeNow.next);
    assert.deepEqual(freeLater.items.map(idOf), [late.id]);
    assert.equal(freeLater.items[0]!.pubstatus, 'usable');
    checkDocs(await api(t, free.key, `/api/v1/stories/${late.id}`), 'released');
    assert.equal((await api(t, free.key, `/api/v1/stories/${paid.id}`)).statusCode, 404);
    // The licensee already had it: nothing new for them.
    const licLater = await drain(t, licensee.key, licNow.next);
    assert.deepEqual(licLater.items, []);
  } finally {
    await t.close();
  }
});

forEachDialect('content API: an embargoed story is withheld, then usable as a new version', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services } = t;
    setClock(services, 60_000);
    const basics = await seedBasics(services);
    const partner = await makePartner(services);
    const embargo = new Date(Date.now() + 2 * HOUR).toISOString();
    const s = await story(services, basics, { headline: 'Report under embargo', embargoUntil: embargo });

    const before = await drain(t, partner.key, null);
    assert.equal(before.items.length, 1);
    const held = before.items[0]!;
    assert.equal(held.pubstatus, 'withheld');
    assert.equal(held.embargoed, embargo);
    assert.match(held.ednote, /Embargoed until/);
    const held3 = checkDocs(await api(t, partner.key, `/api/v1/stories/${s.id}?ninjs=3.1`), 'withheld 3.1')[0]!;
    assert.equal(held3.pubStatus, 'withheld');
    assert.equal(held3.embargoedUntil, embargo);

    setClock(services, 3 * HOUR);
    const after = await drain(t, partner.key, before.next);
    assert.equal(after.items.length, 1, 'the end of the embargo is a change');
    const usable = after.items[0]!;
    assert.equal(usable.pubstatus, 'usable');
    assert.equal(usable.embargoed, undefined);
    assert.equal(usable.versioncreated, embargo);
    assert.notEqual(usable.version, held.version);
    assert.ok(Number(usable.version) > Number(held.version));
  } finally {
    await t.close();
  }
});

forEachDialect('content API: 401, 403, 429 and 400 answers', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_API_RATE_LIMIT: '40' });
  try {
    const { services } = t;
    const basics = await seedBasics(services);
    await story(services, basics, { headline: 'Anything' });
    const partner = await makePartner(services);

    const noKey = await api(t, null, '/api/v1/stories');
    assert.equal(noKey.statusCode, 401);
    assert.equal(noKey.json().error.code, 'UNAUTHENTICATED');
    assert.match(String(noKey.headers['www-authenticate']), /^Bearer/);
    assert.equal((await api(t, 'fwp_not-a-real-key', '/api/v1/stories')).statusCode, 401);
    assert.equal((await api(t, null, '/api/v1/stories', { authorization: `Basic ${partner.key}` })).statusCode, 401);
    assert.equal((await api(t, partner.key, '/api/v1/stories')).statusCode, 200);

    // Revocation works at once.
    const second = await services.partners.createKey(null, partner.id, 'second');
    assert.equal((await api(t, second.key, '/api/v1/stories')).statusCode, 200);
    await services.partners.revokeKey(null, partner.id, second.id);
    const revoked = await api(t, second.key, '/api/v1/stories');
    assert.equal(revoked.statusCode, 401);
    assert.match(revoked.json().error.message, /revoked/);

    // Suspension: 403 at once, with a message that says why; restored on approval.
    await services.partners.suspend(SYSTEM_ACTOR, partner.id, 'Missing credit lines');
    const suspended = await api(t, partner.key, '/api/v1/stories');
    assert.equal(suspended.statusCode, 403);
    assert.match(suspended.json().error.message, /suspended/);
    await services.partners.approve(SYSTEM_ACTOR, partner.id);
    assert.equal((await api(t, partner.key, '/api/v1/stories')).statusCode, 200);
    for (const status of ['pending', 'rejected'] as const) {
      await services.database.db.updateTable('partners').set({ status }).where('id', '=', partner.id).execute();
      const r = await api(t, partner.key, '/api/v1/stories/anything');
      assert.equal(r.statusCode, 403, status);
      assert.equal(r.json().error.code, 'FORBIDDEN');
    }
    await services.database.db.updateTable('partners').set({ status: 'approved' }).where('id', '=', partner.id).execute();

    // Bad input: a clear 400 naming the parameter.
    const bad: Array<[string, string]> = [
      ['since=garbage', 'since'],
      [`since=${encodeCursor({ t: 'not-a-time', id: 'x' })}`, 'since'],
      ['since=c1.%21%21', 'since'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=1.5', 'limit'],
      ['desk=no-such-desk', 'desk'],
      ['tag=no-such-tag', 'tag'],
      ['ninjs=4', 'ninjs'],
      ['desk=', 'desk'],
      ['colour=blue', 'colour'],
      ['q=%00', 'q'],
    ];
    for (const [query, field] of bad) {
      const r = await api(t, partner.key, `/api/v1/stories?${query}`);
      assert.equal(r.statusCode, 400, `${query}: ${r.body}`);
      assert.equal(r.json().error.code, 'VALIDATION', query);
      assert.ok(r.json().error.details?.[field], `${query} names ${field}: ${r.body}`);
    }
    assert.equal((await api(t, partner.key, '/api/v1/stories/x?ninjs=9')).statusCode, 400);

    // The rate limit is per partner: a second key of the same partner does not add to it; another
    // partner has its own.
    const other = await services.partners.createKey(null, partner.id, 'other');
    const neighbour = await makePartner(services);
    let limited: LightMyRequestResponse | undefined;
    for (let i = 0; i < 45 && !limited; i++) {
      const r = await api(t, i % 2 === 0 ? partner.key : other.key, '/api/v1/stories?limit=1');
      if (r.statusCode === 429) limited = r;
      else assert.ok(r.statusCode === 200 || r.statusCode === 400, String(r.statusCode));
    }
    assert.ok(limited, 'the partner was rate limited');
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After');
    assert.equal((await api(t, partner.key, '/api/v1/stories?limit=1')).statusCode, 429, 'the first key too');
    assert.equal((await api(t, other.key, '/api/v1/stories?limit=1')).statusCode, 429, 'and the second');
    assert.equal((await api(t, neighbour.key, '/api/v1/stories?limit=1', {}, '10.0.0.9')).statusCode, 200, 'another partner is not');
  } finally {
    await t.close();
  }
});

forEachDialect('content API: random query parameters never cause a server error', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_API_RATE_LIMIT: '100000' });
  try {
    const { services } = t;
    setClock(services, 60_000);
    const basics = await seedBasics(services);
    const s1 = await story(services, basics, { headline: 'Floods in the valley', tags: ['Water'] });
    await story(services, basics, { headline: 'Drought in the hills', tags: ['Drought'] });
    await services.stories.withdraw(SYSTEM_ACTOR, s1.id, 'Wrong');
    const partner = await makePartner(services);
    const realCursor = (await poll(t, partner.key, 'limit=1')).next;

    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('', ' ', '%', '\u0000', '../', '"', "'; drop table stories;--", 'c1.', 'c1.AAAA', 'a'.repeat(250), 'environment', 'water', 'floods', 'NEAR(a b)', '-x OR "y'),
    );
    const value = {
      since: fc.oneof(text, fc.constant(realCursor), fc.constant(realCursor.slice(0, -2)), fc.constant(encodeCursor({ t: new Date().toISOString(), id: 'zzz' }))),
      limit: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), text, fc.constantFrom('1e2', '0x10', '1.0', '  3')),
      desk: fc.oneof(text, fc.constant('environment')),
      tag: fc.oneof(text, fc.constantFrom('water', 'drought')),
      q: text,
      ninjs: fc.oneof(text, fc.constantFrom('2', '2.2', '3', '3.1')),
    };
    const params = fc.record(value, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(params, fc.boolean(), async (p, repeat) => {
        const qs = Object.entries(p)
          .flatMap(([k, v]) => (repeat ? [[k, v], [k, v]] : [[k, v]]))
          .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`)
          .join('&');
        const r = await api(t, partner.key, `/api/v1/stories?${qs}`);
        assert.ok(r.statusCode < 500, `${qs} → ${r.statusCode} ${r.body.slice(0, 200)}`);
        if (r.statusCode === 200) checkDocs(r, qs);
        else assert.equal(r.json().error.code, 'VALIDATION', qs);
      }),
      { numRuns: 150 },
    );
  } finally {
    await t.close();
  }
});

forEachDialect('content API: documented in the OpenAPI document', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as Doc;
    for (const path of ['/api/v1/stories', '/api/v1/stories/{id}']) {
      const op = doc.paths?.[path]?.get;
      assert.ok(op, `${path} documented`);
      assert.deepEqual(op.tags, ['Content API']);
      assert.deepEqual(op.security, [{ bearerAuth: [] }]);
      assert.ok(op.responses['200'], `${path} 200`);
    }
    const params = (doc.paths['/api/v1/stories'].get.parameters as Doc[]).map((p) => p.name).sort();
    assert.deepEqual(params, ['desk', 'limit', 'ninjs', 'q', 'since', 'tag']);
  } finally {
    await t.close();
  }
});

forEachDialect('content API: bad and unknown keys are limited per address before any lookup', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_API_RATE_LIMIT: '5' });
  try {
    const { services } = t;
    const partner = await makePartner(services);
    const lookups = { n: 0 };
    const resolve = services.partners.resolveApiKey.bind(services.partners);
    services.partners.resolveApiKey = async (key: string) => {
      lookups.n++;
      return resolve(key);
    };
    const attacker = '198.51.100.7';
    const wellFormed = (i: number) => `fwp_${String(i).padStart(43, 'x')}`;
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) {
      // Unknown well-formed keys, malformed ones and no key at all share the address's allowance.
      const key = i % 3 === 0 ? wellFormed(i) : i % 3 === 1 ? 'garbage' : null;
      answers.push((await api(t, key, '/api/v1/stories', {}, attacker)).statusCode);
    }
    assert.deepEqual(answers.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(answers.slice(5).every((s) => s === 429), answers.join(' '));
    assert.equal(lookups.n, 2, 'only the well-formed keys within the allowance were looked up');
    const before = lookups.n;
    assert.equal((await api(t, wellFormed(99), '/api/v1/stories', {}, attacker)).statusCode, 429);
    assert.equal(lookups.n, before, 'over the allowance: no database lookup');
    // Another address is not affected, and a partner's key works from anywhere.
    assert.equal((await api(t, 'garbage', '/api/v1/stories', {}, '203.0.113.5')).statusCode, 401);
    assert.equal((await api(t, partner.key, '/api/v1/stories', {}, '203.0.113.5')).statusCode, 200);
    // A known partner over its allowance is refused before the lookup too.
    for (let i = 0; i < 6; i++) await api(t, partner.key, '/api/v1/stories', {}, `203.0.113.${10 + i}`);
    const known = lookups.n;
    assert.equal((await api(t, partner.key, '/api/v1/stories', {}, '203.0.113.99')).statusCode, 429);
    assert.equal(lookups.n, known);
  } finally {
    await t.close();
  }
});

forEachDialect('content API: a poll repeated within a second is answered again from memory, unless something changed', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services } = t;
    const access = services.partnerAccess;
    const base = Date.now() + 60_000;
    let clock = base;
    access.now = () => new Date(clock);
    const basics = await seedBasics(services);
    const partner = await makePartner(services);
    await story(services, basics, { headline: 'Story A' });
    await story(services, basics, { headline: 'Story B' });

    const read = () => access.storyRowsRead;
    let before = read();
    const first = await api(t, partner.key, '/api/v1/stories?limit=5');
    checkDocs(first, 'first');
    assert.ok(read() > before, 'the first poll reads the stories');

    // The same question again, several at once: the same answer, and no story read.
    before = read();
    const again = await Promise.all([1, 2, 3].map(() => api(t, partner.key, '/api/v1/stories?limit=5')));
    for (const r of again) assert.equal(r.body, first.body);
    assert.equal(read(), before, 'repeated polls read no story');
    // Another question is another answer.
    const other = await api(t, partner.key, '/api/v1/stories?limit=1');
    assert.equal((other.json() as Doc).items.length, 1);

    // A new story (the tracker moves): answered anew at once.
    const c = await story(services, basics, { headline: 'Story C' });
    clock += 10; // still within the second
    before = read();
    const afterPublish = await poll(t, partner.key, 'limit=5');
    assert.ok(read() > before, 'a change is never answered from memory');
    assert.ok(afterPublish.items.some((d) => idOf(d) === c.id));

    // Other grants (a license added): answered anew.
    before = read();
    await addLicense(services, partner.id, { startsAt: '2000-01-01T00:00:00.000Z' });
    await poll(t, partner.key, 'limit=5');
    assert.ok(read() > before, 'an answer made under other grants is not served');

    // A second later (or a clock that went back): answered anew.
    for (const at of [clock + 1000, clock - 1]) {
      clock = at;
      await poll(t, partner.key, 'limit=5');
      before = read();
      clock = at;
      await poll(t, partner.key, 'limit=5');
      assert.equal(read(), before, 'same moment, same answer');
    }
    before = read();
    clock += 1000;
    await poll(t, partner.key, 'limit=5');
    assert.ok(read() > before, 'after a second the answer is made again');
  } finally {
    await t.close();
  }
});
