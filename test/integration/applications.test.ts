/**
 * Applying to the republishing program: the /republish page and form, the JSON endpoint
 * POST /api/v1/applications, their shared validation and rate limit, the eligibility verdicts,
 * and a property test that no body, however malformed, gets a 5xx or an undeserved 201.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { buildTestApp } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';

const VALID = {
  outlet: 'The Daily Planet',
  website: 'https://www.dailyplanet.example',
  contactName: 'Lois Lane',
  email: 'lois@dailyplanet.example',
  audience: 250_000,
  evidence: 'Google Analytics, last three months average; media kit at /advertise.',
  intendedUse: 'Our national news section, on the site and in the app.',
  acceptTerms: true,
};

function apply(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/applications',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** GETs /republish and returns the pre-session CSRF cookie and token a browser would send back. */
async function formSession(app: FastifyInstance): Promise<{ cookie: string; csrf: string; html: string }> {
  const res = await app.inject({ method: 'GET', url: '/republish' });
  assert.equal(res.statusCode, 200);
  const set = res.cookies.find((c) => c.name === 'fw_csrf');
  assert.ok(set, 'the form sets a CSRF cookie for anonymous visitors');
  const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
  assert.ok(m);
  return { cookie: `fw_csrf=${set.value}`, csrf: m[1]!, html: res.body };
}

function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

forEachDialect('the program page shows terms from the license profile, eligibility and the form', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const profile = await t.services.licenseProfiles.create(SYSTEM_ACTOR, {
      name: 'Standard republishing',
      audience: 'free',
      creditTemplate: 'Originally published by {site}.',
      allowedEdits: 'Trim for length only.',
      delayHours: 24,
      searchEngines: 'noindex',
      noAds: true,
      imagesIncluded: false,
      ccLicenseUrl: 'https://creativecommons.org/licenses/by-nd/4.0/',
    });
    await t.services.licenseProfiles.setDefault(SYSTEM_ACTOR, profile.id);
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensed investigations', audience: 'licensees' });
    await t.services.settings.update(SYSTEM_ACTOR, { licensingContact: 'licensing@news.test' });
    await t.services.partners.setRules(SYSTEM_ACTOR, { minAudience: 75_000 });
    const { html } = await formSession(t.app);
    assert.match(html, /Originally published by Freewire Newsroom\./);
    assert.match(html, /Trim for length only\./);
    assert.match(html, /24 hours after we publish/);
    assert.match(html, /noindex/);
    assert.match(html, /no ads inside or alongside them/);
    assert.match(html, /Photos are not included/);
    assert.match(html, /<a rel="license" href="https:\/\/creativecommons.org\/licenses\/by-nd\/4.0\/">CC BY-ND 4.0<\/a>/);
    assert.match(html, /Licensed investigations/);
    assert.match(html, /Licensees only/);
    assert.match(html, /75,000/);
    assert.match(html, /licensing@news.test/);
    for (const name of ['outlet', 'website', 'contactName', 'email', 'audience', 'evidence', 'intendedUse', 'acceptTerms']) {
      assert.match(html, new RegExp(`name="${name}"`), `form has ${name}`);
      assert.match(html, new RegExp(`<label for="f-${name}"`), `${name} has a label`);
    }
  } finally {
    await t.close();
  }
});

forEachDialect('applying with the form: CSRF, field messages, thank-you page', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { cookie, csrf } = await formSession(t.app);
    const headers = { cookie, 'content-type': 'application/x-www-form-urlencoded' };

    const noToken = await t.app.inject({ method: 'POST', url: '/republish', headers, payload: formBody({ outlet: 'x' }) });
    assert.equal(noToken.statusCode, 403);
    assert.match(noToken.body, /This form has expired/);
    assert.match(noToken.body, /class="site-header"/, 'errors render in the site frame');

    const bad = await t.app.inject({
      method: 'POST',
      url: '/republish',
      headers,
      payload: formBody({ _csrf: csrf, outlet: 'Daily <Planet>', website: 'ftp://x', audience: 'lots', email: 'nope' }),
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-website-error"/);
    assert.match(bad.body, /id="f-audience-error"/);
    assert.match(bad.body, /id="f-email-error"/);
    assert.match(bad.body, /id="f-acceptTerms-error"/);
    assert.match(bad.body, /value="Daily &lt;Planet>"/, 'what was typed is kept, escaped');
    assert.equal((await t.services.partners.list()).total, 0);

    const ok = await t.app.inject({
      method: 'POST',
      url: '/republish',
      headers,
      payload: formBody({ ...VALID, audience: '250,000', acceptTerms: 'true', _csrf: csrf }),
    });
    assert.equal(ok.statusCode, 303);
    const location = ok.headers.location as string;
    assert.match(location, /^\/republish\/thanks\/[0-9a-f-]{36}$/);
    const id = location.split('/').pop()!;
    const partner = await t.services.partners.get(id);
    assert.equal(partner.audience, 250_000, 'thousands separators are accepted in the form');
    assert.equal(partner.status, 'pending');
    const thanks = await t.app.inject({ method: 'GET', url: location });
    assert.equal(thanks.statusCode, 200);
    assert.ok(thanks.body.includes(id));
    assert.match(thanks.body, /What happens next/);
    const unknown = await t.app.inject({ method: 'GET', url: '/republish/thanks/not-an-id' });
    assert.equal(unknown.statusCode, 404);
  } finally {
    await t.close();
  }
});

forEachDialect('POST /api/v1/applications: 201, strict validation, unknown fields', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_APPLICATION_RATE_LIMIT: '1000' });
  try {
    const created = await apply(t.app, VALID);
    assert.equal(created.statusCode, 201);
    const body = created.json() as { id: string; status: string };
    assert.deepEqual(Object.keys(body).sort(), ['id', 'status']);
    assert.equal(body.status, 'pending');
    const stored = await t.services.partners.get(body.id);
    assert.equal(stored.domain, 'dailyplanet.example');
    assert.equal(stored.email, VALID.email);

    const empty = await apply(t.app, {});
    assert.equal(empty.statusCode, 400);
    const details = (empty.json() as { error: { code: string; details: Record<string, string[]> } }).error;
    assert.equal(details.code, 'VALIDATION');
    for (const f of ['outlet', 'website', 'contactName', 'email', 'audience', 'evidence', 'intendedUse', 'acceptTerms']) {
      assert.deepEqual(details.details[f], ['is required'], f);
    }

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ acceptTerms: false }, 'acceptTerms'],
      [{ audience: '250000' }, 'audience'],
      [{ audience: -1 }, 'audience'],
      [{ audience: 1.5 }, 'audience'],
      [{ audience: 3_000_000_000 }, 'audience'],
      [{ website: 'not a url' }, 'website'],
      [{ website: 'javascript:alert(1)' }, 'website'],
      [{ email: 'lois' }, 'email'],
      [{ outlet: '   ' }, 'outlet'],
      [{ outlet: 42 }, 'outlet'],
      [{ evidence: 'x'.repeat(5001) }, 'evidence'],
      [{ favouriteColour: 'blue' }, 'favouriteColour'],
    ];
    for (const [patch, field] of cases) {
      const res = await apply(t.app, { ...VALID, ...patch });
      assert.equal(res.statusCode, 400, JSON.stringify(patch));
      const err = (res.json() as { error: { details: Record<string, string[]> } }).error;
      assert.ok(err.details[field], `${JSON.stringify(patch)} → details.${field} (got ${JSON.stringify(err.details)})`);
    }
    const extra = await apply(t.app, { ...VALID, favouriteColour: 'blue' });
    assert.deepEqual((extra.json() as { error: { details: Record<string, string[]> } }).error.details.favouriteColour, ['is not a known field']);

    const form = await t.app.inject({ method: 'POST', url: '/api/v1/applications', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'outlet=x' });
    assert.equal(form.statusCode, 415);
    const broken = await apply(t.app, '{"outlet":');
    assert.equal(broken.statusCode, 400);
    const proto = await apply(t.app, '{"__proto__":{"x":1}}');
    assert.equal(proto.statusCode, 400);
    assert.equal((await t.services.partners.list()).total, 1, 'only the valid application was filed');

    const doc = await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json' });
    const paths = (doc.json() as { paths: Record<string, Record<string, { tags?: string[] }>> }).paths;
    assert.deepEqual(paths['/api/v1/applications']?.post?.tags, ['Applications'], 'the endpoint is in the OpenAPI document');
  } finally {
    await t.close();
  }
});

forEachDialect('eligibility verdicts: low audience and blocked domains are flagged with the reason', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_APPLICATION_RATE_LIMIT: '1000' });
  try {
    await t.services.partners.setRules(SYSTEM_ACTOR, { minAudience: 100_000, blockedDomains: ['spam.example'], requiredFields: ['evidence', 'intendedUse'] });
    const small = (await apply(t.app, { ...VALID, audience: 9_000 })).json() as { id: string };
    const verdict = (await t.services.partners.get(small.id)).eligibility;
    assert.equal(verdict.eligible, false);
    const audienceRule = verdict.results.find((r) => r.rule === 'minAudience')!;
    assert.equal(audienceRule.passed, false);
    assert.match(audienceRule.reason, /9,000 is below the minimum of 100,000/);
    assert.ok(verdict.results.find((r) => r.rule === 'blockedDomains')!.passed);

    const blocked = (await apply(t.app, { ...VALID, website: 'https://news.spam.example/' })).json() as { id: string };
    const b = (await t.services.partners.get(blocked.id)).eligibility;
    const domainRule = b.results.find((r) => r.rule === 'blockedDomains')!;
    assert.equal(domainRule.passed, false);
    assert.match(domainRule.reason, /news\.spam\.example is blocked \(spam\.example\)/);
    assert.ok(b.results.find((r) => r.rule === 'minAudience')!.passed);

    const thin = (await apply(t.app, { ...VALID, evidence: 'n/a' })).json() as { id: string };
    const th = (await t.services.partners.get(thin.id)).eligibility;
    assert.equal(th.results.find((r) => r.rule === 'required:evidence')!.passed, false);

    const good = (await apply(t.app, VALID)).json() as { id: string; status: string };
    assert.equal(good.status, 'pending', 'manual review (the default) keeps even a perfect application pending');
    assert.equal((await t.services.partners.get(good.id)).eligibility.eligible, true);

    // With manual review off, an application passing every rule is approved and invited at once.
    await t.services.partners.setRules(SYSTEM_ACTOR, { minAudience: 100_000, manualReview: false });
    const auto = (await apply(t.app, { ...VALID, email: 'auto@dailyplanet.example' })).json() as { id: string; status: string };
    assert.equal(auto.status, 'approved');
    const mail = await t.services.mailer.list({ to: 'auto@dailyplanet.example' });
    assert.equal(mail.total, 1);
    assert.match(mail.items[0]!.text, /invitation link — sent to the recipient only/);
    assert.doesNotMatch(mail.items[0]!.text, /\/partners\/invite\//, 'the outbox never holds the link');
    const stillPending = (await apply(t.app, { ...VALID, audience: 10 })).json() as { status: string };
    assert.equal(stillPending.status, 'pending', 'failing a rule still goes to an editor');
  } finally {
    await t.close();
  }
});

forEachDialect('applications are rate-limited per address, form and API together', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_APPLICATION_RATE_LIMIT: '3' });
  try {
    const ip = { remoteAddress: '203.0.113.7' };
    const codes: number[] = [];
    for (let i = 0; i < 2; i++) {
      codes.push((await t.app.inject({ method: 'POST', url: '/api/v1/applications', ...ip, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(VALID) })).statusCode);
    }
    const { cookie, csrf } = await formSession(t.app);
    const form = (n: number) =>
      t.app.inject({
        method: 'POST',
        url: '/republish',
        ...ip,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: formBody({ ...VALID, audience: String(VALID.audience), acceptTerms: 'true', outlet: `Outlet ${n}`, _csrf: csrf }),
      });
    codes.push((await form(1)).statusCode);
    const limitedForm = await form(2);
    assert.deepEqual(codes, [201, 201, 303]);
    assert.equal(limitedForm.statusCode, 429);
    assert.match(limitedForm.body, /Too many applications/);
    assert.match(limitedForm.body, /class="site-header"/);
    assert.ok(Number(limitedForm.headers['retry-after']) > 0);
    const limitedApi = await t.app.inject({ method: 'POST', url: '/api/v1/applications', ...ip, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(VALID) });
    assert.equal(limitedApi.statusCode, 429);
    assert.equal((limitedApi.json() as { error: { code: string } }).error.code, 'RATE_LIMITED');
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/applications', remoteAddress: '198.51.100.9', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(VALID) });
    assert.equal(other.statusCode, 201, 'another address has its own allowance');
    assert.equal((await t.services.partners.list()).total, 4);
  } finally {
    await t.close();
  }
});

forEachDialect('property: random and malformed application bodies never get a 5xx; only valid ones get 201', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_APPLICATION_RATE_LIMIT: '1000000' });
  try {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constant(''), fc.constant('\u0000'), fc.constant(' x '));
    const anyValue = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }));
    const nonBlank = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((x) => x.trim() !== '');
    const validBody = fc.record({
      outlet: nonBlank(60),
      website: fc.oneof(fc.webUrl(), fc.constant('https://ok.example')),
      contactName: nonBlank(60),
      email: fc.emailAddress(),
      audience: fc.integer({ min: 0, max: 2_000_000_000 }),
      evidence: nonBlank(80),
      intendedUse: nonBlank(80),
      acceptTerms: fc.constant(true),
    });
    const FIELDS = ['outlet', 'website', 'contactName', 'email', 'audience', 'evidence', 'intendedUse', 'acceptTerms', 'extra'] as const;
    // A valid body with one field removed or replaced by anything at all (another type, an
    // out-of-range number, a blank string, an unknown key).
    const mutated = fc
      .tuple(validBody, fc.constantFrom(...FIELDS), fc.option(fc.oneof(anyValue, fc.integer({ min: -10, max: 3_000_000_000 }), fc.double(), fc.constant(false)), { nil: undefined, freq: 5 }))
      .map(([b, key, value]) => {
        const copy: Record<string, unknown> = { ...b };
        if (value === undefined) delete copy[key];
        else copy[key] = value;
        return copy;
      });
    const randomBody = fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 9 });
    const payload = fc.oneof(
      { weight: 2, arbitrary: validBody.map((b) => JSON.stringify(b)) },
      { weight: 5, arbitrary: mutated.map((b) => JSON.stringify(b)) },
      { weight: 2, arbitrary: randomBody.map((b) => JSON.stringify(b)) },
      { weight: 1, arbitrary: fc.json() },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    );
    const isValid = (raw: string): boolean => {
      let b: Record<string, unknown>;
      try {
        b = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return false;
      }
      if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
      const allowed = ['outlet', 'website', 'contactName', 'email', 'audience', 'evidence', 'intendedUse', 'acceptTerms'];
      if (Object.keys(b).some((k) => !allowed.includes(k))) return false;
      const s = (v: unknown, max: number) => typeof v === 'string' && v.replace(/\u0000/g, '').trim() !== '' && v.length <= max;
      let url = false;
      try {
        url = typeof b.website === 'string' && ['http:', 'https:'].includes(new URL(b.website.trim()).protocol);
      } catch {
        url = false;
      }
      return (
        s(b.outlet, 200) && url && s(b.website, 500) && s(b.contactName, 200) && s(b.email, 254) &&
        /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/.test(String(b.email).trim()) &&
        typeof b.audience === 'number' && Number.isInteger(b.audience) && b.audience >= 0 && b.audience <= 2_000_000_000 &&
        s(b.evidence, 5000) && s(b.intendedUse, 5000) && b.acceptTerms === true
      );
    };
    let created = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (raw) => {
        const res = await apply(t.app, raw);
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${raw}: ${res.body}`);
        if (res.statusCode === 201) {
          created++;
          assert.ok(isValid(raw), `201 for an invalid body: ${raw}`);
          assert.equal((res.json() as { status: string }).status, 'pending');
        } else {
          assert.ok(!isValid(raw), `a valid body was refused (${res.statusCode} ${res.body}): ${raw}`);
          assert.equal(res.statusCode, 400, `${res.statusCode} for ${raw}: ${res.body}`);
          assert.ok(['VALIDATION', 'BAD_REQUEST'].includes((res.json() as { error: { code: string } }).error.code));
        }
      }),
      { numRuns: tdb.dialect === 'sqlite' ? 300 : 120 },
    );
    // A well-formed body that is refused means the checks disagree with the spec above.
    assert.ok(created > 0, 'some generated bodies were valid');
  } finally {
    await t.close();
  }
});
