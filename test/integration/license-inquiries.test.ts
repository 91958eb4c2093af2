/**
 * Licensing inquiries from the public: the /license page and form, the JSON endpoint
 * POST /api/v1/license-inquiries, their shared validation and rate limit, the form's honeypot and
 * minimum fill time, the links to /license, and property tests that no input gets a 5xx.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { createServices, type Services } from '../../src/services.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { issueFormTime } from '../../src/licensing/inquiries.service.js';
import { buildTestApp, publishStory, seedBasics } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

const VALID = {
  name: 'Perry White',
  organisation: 'Daily Planet Media',
  email: 'perry@dailyplanet.example',
  website: 'https://www.dailyplanet.example',
  intendedUse: 'Investigations for our weekend print edition.',
  medium: 'print',
  territory: 'United States',
  expectedVolume: 'Four stories a month, 300,000 readers',
  message: 'We would like to start next quarter.',
};
const FIELDS = ['name', 'organisation', 'email', 'website', 'intendedUse', 'medium', 'territory', 'expectedVolume', 'message'] as const;

function post(app: FastifyInstance, body: unknown, remoteAddress = '127.0.0.1') {
  return app.inject({
    method: 'POST',
    url: '/api/v1/license-inquiries',
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** GETs /license and returns what a browser sends back: cookie, CSRF token, signed render time. */
async function formSession(app: FastifyInstance): Promise<{ cookie: string; csrf: string; formTime: string; html: string }> {
  const res = await app.inject({ method: 'GET', url: '/license' });
  assert.equal(res.statusCode, 200);
  const set = res.cookies.find((c) => c.name === 'fw_csrf');
  assert.ok(set);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  const formTime = /name="formTime" value="([^"]+)"/.exec(res.body)?.[1];
  assert.ok(csrf && formTime);
  return { cookie: `fw_csrf=${set.value}`, csrf, formTime, html: res.body };
}

/** A render time a person could have spent filling in the form (no waiting in the test). */
function earlier(services: Services): Promise<string> {
  return issueFormTime(services, new Date(Date.now() - 60_000));
}

function submit(app: FastifyInstance, cookie: string, fields: Record<string, string>, remoteAddress = '127.0.0.1') {
  return app.inject({
    method: 'POST',
    url: '/license',
    remoteAddress,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

async function counts(services: Services) {
  const db = services.database.db;
  const n = async (table: 'license_inquiries' | 'license_inquiry_events' | 'mail_outbox') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { inquiries: await n('license_inquiries'), events: await n('license_inquiry_events'), mail: await n('mail_outbox') };
}

forEachDialect('the license page lists licensees-only and delayed profiles, and the form', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensed investigations', audience: 'licensees' });
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Embargoed features', audience: 'free', delayHours: 48 });
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Never shared', audience: 'nobody' });
    await t.services.settings.update(SYSTEM_ACTOR, { licensingContact: 'licensing@news.test' });
    const { html } = await formSession(t.app);
    assert.match(html, /Licensed investigations/);
    assert.match(html, /Available to licensees only/);
    assert.match(html, /Embargoed features/);
    assert.match(html, /Free partners wait 2 days after we publish/);
    assert.doesNotMatch(html, /Never shared/);
    assert.match(html, /licensing@news.test/);
    for (const name of FIELDS) assert.match(html, new RegExp(`<label for="f-${name}"`), `${name} has a label`);
    assert.match(html, /<label for="f-hp">Leave this field empty<\/label>/);
    assert.match(html, /<input type="text" id="f-hp" name="nickname" value tabindex="-1" autocomplete="off"\/>/);
    for (const m of ['web', 'print', 'broadcast', 'app', 'newsletter', 'other']) assert.match(html, new RegExp(`<option value="${m}"`));
    const old = await t.app.inject({ method: 'GET', url: '/licensing' });
    assert.equal(old.statusCode, 301);
    assert.equal(old.headers.location, '/license');
  } finally {
    await t.close();
  }
});

forEachDialect('story pages and /republish link to /license', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { desk, author } = await seedBasics(t.services);
    const story = await publishStory(t.services, { headline: 'A story to license', desk, authors: [author] });
    const page = await t.app.inject({ method: 'GET', url: `/stories/${story.slug}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<section class="callout callout--republish"[\s\S]*<a href="\/license">License our content<\/a>/);
    const program = await t.app.inject({ method: 'GET', url: '/republish' });
    assert.match(program.body, /<a href="\/license">license our reporting<\/a>/);
  } finally {
    await t.close();
  }
});

forEachDialect('an inquiry by form: CSRF, field messages, row, history, two emails, thank-you page', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_INQUIRY_RATE_LIMIT: '1000' });
  try {
    await t.services.settings.update(SYSTEM_ACTOR, { licensingContact: 'licensing@news.test' });
    const { cookie, csrf } = await formSession(t.app);
    const formTime = await earlier(t.services);

    const noToken = await submit(t.app, cookie, { ...VALID, formTime });
    assert.equal(noToken.statusCode, 403);
    assert.match(noToken.body, /class="site-header"/);

    const bad = await submit(t.app, cookie, { _csrf: csrf, formTime, name: 'Perry <White>', email: 'nope', website: 'ftp://x', medium: 'telepathy', territory: 'x'.repeat(201) });
    assert.equal(bad.statusCode, 400);
    for (const f of ['organisation', 'email', 'website', 'intendedUse', 'medium', 'territory', 'expectedVolume']) assert.match(bad.body, new RegExp(`id="f-${f}-error"`), f);
    assert.doesNotMatch(bad.body, /id="f-message-error"/, 'the message is optional');
    assert.match(bad.body, /value="Perry &lt;White>"/, 'what was typed is kept, escaped');
    assert.deepEqual(await counts(t.services), { inquiries: 0, events: 0, mail: 0 });

    const ok = await submit(t.app, cookie, { ...VALID, email: '  Perry@DailyPlanet.example ', _csrf: csrf, formTime });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/license/thanks');
    const thanks = await t.app.inject({ method: 'GET', url: '/license/thanks' });
    assert.equal(thanks.statusCode, 200);
    assert.match(thanks.body, /What happens next/);

    const rows = await t.services.database.db.selectFrom('license_inquiries').selectAll().execute();
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row.status, 'new');
    assert.equal(Number(row.revision), 0);
    assert.equal(row.email, 'perry@dailyplanet.example', 'trimmed and lower-cased');
    assert.equal(row.medium, 'print');
    const events = await t.services.database.db.selectFrom('license_inquiry_events').selectAll().where('inquiry_id', '=', row.id).execute();
    assert.deepEqual(events.map((e) => e.kind), ['received']);
    const ack = await t.services.mailer.list({ to: 'perry@dailyplanet.example' });
    assert.equal(ack.total, 1);
    assert.match(ack.items[0]!.text, /What happens next/);
    const desk = await t.services.mailer.list({ to: 'licensing@news.test' });
    assert.equal(desk.total, 1);
    assert.match(desk.items[0]!.text, /Daily Planet Media/);
    assert.match(desk.items[0]!.text, new RegExp(row.id));
    const audit = await t.services.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'license_inquiry.received').execute();
    assert.equal(audit.length, 1);
  } finally {
    await t.close();
  }
});

forEachDialect('honeypot and too-fast forms are answered like success and not stored', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_INQUIRY_RATE_LIMIT: '1000' });
  try {
    const { cookie, csrf, formTime: justNow } = await formSession(t.app);
    const future = await issueFormTime(t.services, new Date(Date.now() + 60_000));
    const real = await submit(t.app, cookie, { ...VALID, _csrf: csrf, formTime: await earlier(t.services) });
    const attempts = [
      { ...VALID, _csrf: csrf, formTime: await earlier(t.services), nickname: 'bot' },
      { ...VALID, _csrf: csrf, formTime: future },
      { ...VALID, _csrf: csrf, formTime: `${Date.now() - 60_000}.forged` },
      { ...VALID, _csrf: csrf },
      // The page's own render time, sent back at once (well under the minimum fill time, or at
      // worst a real inquiry on a very slow machine: either way a 303).
      { ...VALID, _csrf: csrf, formTime: justNow, nickname: 'x' },
    ];
    for (const fields of attempts) {
      const res = await submit(t.app, cookie, fields);
      assert.equal(res.statusCode, real.statusCode);
      assert.equal(res.headers.location, real.headers.location);
      assert.equal(res.body, real.body);
    }
    const c = await counts(t.services);
    assert.equal(c.inquiries, 1, 'only the real inquiry was stored');

    // A form left open for more than a day comes back filled in, to be sent again.
    const stale = await submit(t.app, cookie, { ...VALID, _csrf: csrf, formTime: await issueFormTime(t.services, new Date(Date.now() - 25 * 3600_000)) });
    assert.equal(stale.statusCode, 400);
    assert.match(stale.body, /opened more than a day ago/);
    assert.match(stale.body, /value="Perry White"/);
    assert.equal((await counts(t.services)).inquiries, 1);
  } finally {
    await t.close();
  }
});

forEachDialect('POST /api/v1/license-inquiries: 201, two emails (admins when no contact), field details', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_INQUIRY_RATE_LIMIT: '1000' });
  try {
    const created = await post(t.app, VALID);
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json() as { id: string; status: string };
    assert.deepEqual(Object.keys(body).sort(), ['id', 'status']);
    assert.equal(body.status, 'new');
    const c = await counts(t.services);
    assert.equal(c.inquiries, 1);
    assert.equal(c.events, 1);
    const admins = await t.services.database.db.selectFrom('users').select('email').where('role', '=', 'admin').where('status', '=', 'active').execute();
    assert.ok(admins.length > 0);
    assert.equal(c.mail, 1 + admins.length, 'the acknowledgement and, without a licensing address, one notification per admin');
    assert.equal((await t.services.mailer.list({ to: admins[0]!.email })).total, 1);

    const withoutMessage: Record<string, string> = { ...VALID };
    delete withoutMessage.message;
    assert.equal((await post(t.app, withoutMessage)).statusCode, 201);

    const empty = await post(t.app, {});
    assert.equal(empty.statusCode, 400);
    const details = (empty.json() as { error: { code: string; details: Record<string, string[]> } }).error;
    assert.equal(details.code, 'VALIDATION');
    for (const f of FIELDS.filter((x) => x !== 'message')) assert.ok(details.details[f], f);

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: '   ' }, 'name'],
      [{ organisation: 42 }, 'organisation'],
      [{ email: 'perry' }, 'email'],
      [{ email: 'a,b@x.example' }, 'email'],
      [{ website: 'javascript:alert(1)' }, 'website'],
      [{ website: 'not a url' }, 'website'],
      [{ medium: 'telepathy' }, 'medium'],
      [{ territory: 'x'.repeat(201) }, 'territory'],
      [{ expectedVolume: '' }, 'expectedVolume'],
      [{ intendedUse: 'x'.repeat(2001) }, 'intendedUse'],
      [{ message: 'x'.repeat(5001) }, 'message'],
      [{ nickname: 'x' }, 'nickname'],
    ];
    for (const [patch, field] of cases) {
      const res = await post(t.app, { ...VALID, ...patch });
      assert.equal(res.statusCode, 400, JSON.stringify(patch));
      const err = (res.json() as { error: { details: Record<string, string[]> } }).error;
      assert.ok(err.details?.[field], `${JSON.stringify(patch)} → details.${field} (got ${JSON.stringify(err.details)})`);
    }
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/license-inquiries', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' })).statusCode, 415);
    assert.equal((await post(t.app, '{"name":')).statusCode, 400);
    assert.equal((await counts(t.services)).inquiries, 2);

    const doc = await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json' });
    const paths = (doc.json() as { paths: Record<string, Record<string, { tags?: string[]; description?: string }>> }).paths;
    assert.deepEqual(paths['/api/v1/license-inquiries']?.post?.tags, ['Licensing']);
    assert.match(paths['/api/v1/license-inquiries']!.post!.description!, /Rate-limited per address/);
  } finally {
    await t.close();
  }
});

forEachDialect('inquiries are rate-limited per address, form and API together', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_INQUIRY_RATE_LIMIT: '3' });
  try {
    const ip = '203.0.113.7';
    const codes: number[] = [];
    for (let i = 0; i < 2; i++) codes.push((await post(t.app, VALID, ip)).statusCode);
    const { cookie, csrf } = await formSession(t.app);
    const formTime = await earlier(t.services);
    codes.push((await submit(t.app, cookie, { ...VALID, _csrf: csrf, formTime }, ip)).statusCode);
    assert.deepEqual(codes, [201, 201, 303]);
    const limitedForm = await submit(t.app, cookie, { ...VALID, _csrf: csrf, formTime }, ip);
    assert.equal(limitedForm.statusCode, 429);
    assert.match(limitedForm.body, /Too many inquiries/);
    assert.match(limitedForm.body, /class="site-header"/);
    const limitedApi = await post(t.app, VALID, ip);
    assert.equal(limitedApi.statusCode, 429);
    assert.equal((limitedApi.json() as { error: { code: string } }).error.code, 'RATE_LIMITED');
    assert.equal((await post(t.app, VALID, '198.51.100.9')).statusCode, 201, 'another address has its own allowance');
    assert.equal((await counts(t.services)).inquiries, 4);
  } finally {
    await t.close();
  }
});

const anyValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constant(''),
  fc.constant('\u0000'),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);
const nonBlank = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((x) => x.trim() !== '');
const validBody = fc.record({
  name: nonBlank(40),
  organisation: nonBlank(40),
  email: fc.emailAddress().filter((e) => e.length <= 254),
  website: fc.oneof(fc.webUrl(), fc.constant('https://ok.example')),
  intendedUse: nonBlank(60),
  medium: fc.constantFrom('web', 'print', 'broadcast', 'app', 'newsletter', 'other'),
  territory: nonBlank(30),
  expectedVolume: nonBlank(30),
  message: fc.string({ maxLength: 60 }),
});
const mutated = fc
  .tuple(validBody, fc.constantFrom(...FIELDS, 'extra'), fc.option(anyValue, { nil: undefined, freq: 4 }))
  .map(([b, key, value]) => {
    const copy: Record<string, unknown> = { ...b };
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  });

forEachDialect('property: random inquiry bodies never get a 5xx; 201 only when the service accepts them', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_INQUIRY_RATE_LIMIT: '1000000' });
  try {
    const payload = fc.oneof(
      { weight: 2, arbitrary: validBody.map((b) => JSON.stringify(b)) },
      { weight: 5, arbitrary: mutated.map((b) => JSON.stringify(b)) },
      { weight: 1, arbitrary: fc.json() },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    );
    let created = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (raw) => {
        const res = await post(t.app, raw);
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${raw}: ${res.body}`);
        if (res.statusCode === 201) {
          created++;
          const b = JSON.parse(raw) as Record<string, unknown>;
          assert.ok(Object.keys(b).every((k) => (FIELDS as readonly string[]).includes(k)), `201 with an unknown field: ${raw}`);
        } else {
          assert.equal(res.statusCode, 400, `${res.statusCode} for ${raw}: ${res.body}`);
        }
      }),
      { numRuns: tdb.dialect === 'sqlite' ? 200 : 80 },
    );
    assert.ok(created > 0, 'some generated bodies were valid');
  } finally {
    await t.close();
  }
});

forEachDialect('property: random form submissions get 303 or 400, never a 5xx', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_INQUIRY_RATE_LIMIT: '1000000' });
  try {
    const { cookie, csrf } = await formSession(t.app);
    const formTime = await earlier(t.services);
    const fields = fc.dictionary(fc.constantFrom(...FIELDS, 'nickname', 'other'), fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 })), { maxKeys: 11 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fields, validBody.map((b) => b as Record<string, string>)), async (f) => {
        const res = await submit(t.app, cookie, { ...f, _csrf: csrf, formTime });
        assert.ok([303, 400].includes(res.statusCode), `${res.statusCode} for ${JSON.stringify(f)}`);
      }),
      { numRuns: tdb.dialect === 'sqlite' ? 150 : 60 },
    );
  } finally {
    await t.close();
  }
});

forEachDialect('discarded submissions are counted in the log without the sender’s details', async (_t, tdb) => {
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'info' });
  const services = createServices(config, tdb.database);
  const lines: string[] = [];
  const app = await buildApp({ services, logger: true, logStream: { write: (line) => void lines.push(line) } });
  try {
    await app.ready();
    const { cookie, csrf } = await formSession(app);
    const res = await submit(app, cookie, { ...VALID, _csrf: csrf, formTime: await issueFormTime(services, new Date(Date.now() - 60_000)), nickname: 'bot' });
    assert.equal(res.statusCode, 303);
    const discarded = lines.filter((l) => l.includes('"licenseInquiryDiscarded":"honeypot"'));
    assert.equal(discarded.length, 1);
    for (const secret of [VALID.email, VALID.name, VALID.organisation, VALID.territory]) {
      assert.ok(!lines.some((l) => l.includes(secret)), `the log never holds ${secret}`);
    }
  } finally {
    await app.close();
  }
});
