/**
 * Property-based fuzzing of everything anyone on the internet can reach, at volume: the
 * /republish form, POST /api/v1/applications, the /license form, POST /api/v1/license-inquiries,
 * /search?q=, the newsroom and partner portal login forms, invitation acceptance, the pixel, the
 * content API with good and bad keys, and the partner feeds. Whatever arrives, the answer is below 500 and comes within the per-run timeout.
 *
 * Runs by default: on SQLite 10,000 per endpoint and form; on PostgreSQL a twentieth of that (its
 * round trips cost more and the request handling is the same). FUZZ_RUNS=n runs n per endpoint on
 * both engines. With CI=true the seed is fixed so a failure reproduces.
 *
 * The login forms come from a small pool of addresses, as an attacker's would: each address's
 * first failures reach the argon2 check (slow by design), and once its allowance is spent the
 * login throttle answers 429 before hashing — after the body, the CSRF token and the fields
 * have been parsed, which is what the fuzzing exercises. Ten thousand hashes per form would
 * add minutes and test argon2, not us.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect, isCI, type TestDb } from '../helpers/dialects.js';
import { buildWorld, nextIp, VALID_APPLICATION, type World } from '../helpers/surface.js';

const VALID_INQUIRY = {
  name: 'Perry White',
  organisation: 'Daily Planet Media',
  email: 'perry@planet.example',
  website: 'https://planet.example',
  intendedUse: 'Investigations in our weekend print edition.',
  medium: 'print',
  territory: 'Metropolis',
  expectedVolume: '4 stories a month',
  message: 'We would like a yearly license.',
};

const CI_SEED = 20261202;
if (isCI()) fc.configureGlobal({ seed: CI_SEED });

/** A run that takes longer than this is a hang. */
const RUN_TIMEOUT_MS = 10_000;

const WEIRD = [
  '', ' ', '\u0000', '\uD800', '\uFEFF', '\u202e', '%', '%00', '%zz', '..', '/', '\\', '//evil.example', 'javascript:alert(1)',
  "'; drop table partners; --", '<script>alert(1)</script>', 'NaN', '-1', '1e309', '9'.repeat(40), 'a@b', 'a@b.c', '@', 'a@@b.c',
  'http://', 'https://x', 'ftp://x', 'true', 'null', '"unbalanced', 'NEAR(a b)', '*', 'a* OR b^2', 'ﬁ', 'İ',
];
const long = fc.constantFrom('a.', 'a@', '(', ' ', '@', '/', '-', '*a').chain((unit) => fc.integer({ min: 100, max: 4_000 }).map((n) => unit.repeat(n)));
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 3, arbitrary: fc.constantFrom(...WEIRD) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: long },
);
/** Header values must be printable ASCII without CR/LF or light-my-request refuses to send them. */
const headerText = text.map((s) => s.replace(/[^\x20-\x7e]/g, '').slice(0, 2000));

function encode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** A form body: known fields with wild values, sometimes repeated or unknown keys. */
function formBody(fields: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...fields) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '_csrf[]') }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
  return fc.array(fc.tuple(key, text), { maxLength: 10 }).map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'));
}

let answered = 0;

function sane(r: LightMyRequestResponse, what: string): void {
  answered += 1;
  assert.ok(r.statusCode < 500, `${what} answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
}

async function fuzzPublic(t: TestContext, tdb: TestDb): Promise<void> {
  answered = 0;
  const fixed = Number(process.env.FUZZ_RUNS) || undefined;
  const base = tdb.dialect === 'sqlite' ? 10_000 : 500;
  const runs = (divisor: number) => ({ numRuns: fixed ?? Math.ceil(base / divisor), timeout: RUN_TIMEOUT_MS });
  const params = runs(1);
  // The shipped login allowance, so the throttle is part of what the login forms are fuzzed through.
  const w: World = await buildWorld(tdb, { FREEWIRE_LOGIN_RATE_LIMIT: '10' });
  const csrf = 'fuzz-csrf-token-0123456789abcdef';
  const preLogin = (url: string, payload: string) =>
    w.app.inject({ method: 'POST', url, remoteAddress: nextIp(), headers: { cookie: `fw_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}&${payload}` });
  try {
    await t.test('/republish form', async () => {
      await fc.assert(
        fc.asyncProperty(formBody(['outlet', 'website', 'contactName', 'email', 'audience', 'evidence', 'intendedUse', 'acceptTerms']), async (body) => {
          sane(await preLogin('/republish', body), `POST /republish ${body.slice(0, 200)}`);
        }),
        params,
      );
    });

    await t.test('POST /api/v1/applications', async () => {
      const value = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));
      const body = fc.oneof(
        { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...Object.keys(VALID_APPLICATION)), value).map((d) => JSON.stringify({ ...VALID_APPLICATION, ...d })) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      );
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const r = await w.app.inject({ method: 'POST', url: '/api/v1/applications', remoteAddress: nextIp(), headers: { 'content-type': 'application/json' }, payload });
          sane(r, `POST /api/v1/applications ${payload.slice(0, 200)}`);
        }),
        params,
      );
    });

    await t.test('/license form', async () => {
      await fc.assert(
        fc.asyncProperty(formBody(['name', 'organisation', 'email', 'website', 'intendedUse', 'medium', 'territory', 'expectedVolume', 'message', 'nickname', 'formTime']), async (body) => {
          sane(await preLogin('/license', body), `POST /license ${body.slice(0, 200)}`);
        }),
        params,
      );
    });

    await t.test('POST /api/v1/license-inquiries', async () => {
      const value = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));
      const body = fc.oneof(
        { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...Object.keys(VALID_INQUIRY)), value).map((d) => JSON.stringify({ ...VALID_INQUIRY, ...d })) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      );
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const r = await w.app.inject({ method: 'POST', url: '/api/v1/license-inquiries', remoteAddress: nextIp(), headers: { 'content-type': 'application/json' }, payload });
          sane(r, `POST /api/v1/license-inquiries ${payload.slice(0, 200)}`);
        }),
        params,
      );
    });

    await t.test('/search?q=', async () => {
      await fc.assert(
        fc.asyncProperty(text, fc.option(fc.integer({ min: -5, max: 1e6 }).map(String)), async (q, page) => {
          const r = await w.app.inject({ url: `/search?q=${encode(q)}${page === null ? '' : `&page=${page}`}` });
          sane(r, `/search?q=${q.slice(0, 100)}`);
        }),
        params,
      );
    });

    const loginAddresses = ['192.0.2.10', '192.0.2.11', '198.51.100.7', '2001:db8::1'];
    for (const url of ['/newsroom/login', '/partners/login']) {
      await t.test(url, async () => {
        const statuses = new Set<number>();
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...loginAddresses), formBody(['email', 'password', 'next']), async (remoteAddress, body) => {
            const r = await w.app.inject({ method: 'POST', url, remoteAddress, headers: { cookie: `fw_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${csrf}&${body}` });
            statuses.add(r.statusCode);
            sane(r, `POST ${url} ${body.slice(0, 200)}`);
          }),
          params,
        );
        // Both the password check and the throttle in front of it were reached.
        if ((fixed ?? base) >= 500) {
          assert.ok(statuses.has(401), `${url}: no attempt reached the password check (${[...statuses].join(', ')})`);
          assert.ok(statuses.has(429), `${url}: no attempt was throttled (${[...statuses].join(', ')})`);
        }
      });
    }

    await t.test('partner invitation acceptance', async () => {
      const token = fc.oneof(fc.constant(w.invitationPath.split('/').pop()!), text.map((s) => encode(s.slice(0, 200))));
      await fc.assert(
        fc.asyncProperty(token, formBody(['name', 'password', 'passwordConfirm']), fc.boolean(), async (tok, body, get) => {
          const url = `/partners/invite/${tok}`;
          const r = get ? await w.app.inject({ url }) : await preLogin(url, body);
          sane(r, `${get ? 'GET' : 'POST'} ${url} ${body.slice(0, 200)}`);
        }),
        params,
      );
    });

    await t.test('the pixel /p/{token}.gif', async () => {
      const token = fc.oneof(fc.constant(w.pixelToken), text.map((s) => encode(s.slice(0, 100))));
      const query = fc.array(fc.tuple(fc.constantFrom('u', 'ref', 'x', '__proto__'), text), { maxLength: 3 }).map((p) => p.map(([k, v]) => `${k}=${encode(v)}`).join('&'));
      await fc.assert(
        fc.asyncProperty(token, fc.constantFrom('.gif', '', '.GIF', '.gif.gif', '.png'), query, headerText, headerText, async (tok, ext, qs, referer, ua) => {
          const r = await w.app.inject({ url: `/p/${tok}${ext}?${qs}`, remoteAddress: nextIp(), headers: { referer, 'user-agent': ua } });
          sane(r, `/p/${tok}${ext}?${qs.slice(0, 100)}`);
        }),
        params,
      );
    });

    await t.test('content API /api/v1/stories with good and bad keys', async () => {
      const auth = fc.oneof(
        { weight: 3, arbitrary: fc.constant(`Bearer ${w.apiKey}`) },
        { weight: 1, arbitrary: headerText.map((s) => `Bearer ${s}`) },
        { weight: 1, arbitrary: headerText },
        { weight: 1, arbitrary: fc.constantFrom('Bearer ', 'Basic abc', `bearer ${w.apiKey}`, `Bearer ${w.apiKey}x`, `Bearer  ${w.apiKey}`) },
      );
      const query = fc
        .array(fc.tuple(fc.constantFrom('since', 'desk', 'tag', 'q', 'limit', 'ninjs', 'since[]', '__proto__'), fc.oneof(text, fc.constantFrom('0', '3', '2', '100', '101', '-1', 'abc', w.deskSlug, 'water'))), { maxLength: 5 })
        .map((p) => p.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'));
      const path = fc.oneof({ weight: 3, arbitrary: fc.constant('/api/v1/stories') }, { weight: 1, arbitrary: fc.constant(`/api/v1/stories/${w.storyId}`) }, { weight: 1, arbitrary: text.map((s) => `/api/v1/stories/${encode(s.slice(0, 100))}`) });
      await fc.assert(
        fc.asyncProperty(path, query, auth, async (p, qs, authorization) => {
          const r = await w.app.inject({ url: `${p}?${qs}`, headers: { authorization } });
          sane(r, `GET ${p}?${qs.slice(0, 100)}`);
        }),
        params,
      );
    });

    await t.test('partner feeds', async () => {
      const token = fc.oneof(fc.constant(w.feedToken), text.map((s) => encode(s.slice(0, 100))));
      const file = fc.oneof(fc.constantFrom('rss.xml', 'atom.xml', 'feed.json', 'RSS.XML', 'x'), text.map((s) => encode(s.slice(0, 40))));
      await fc.assert(
        fc.asyncProperty(token, file, text, async (tok, f, q) => {
          const r = await w.app.inject({ url: `/partners/feed/${tok}/${f}?q=${encode(q)}` });
          sane(r, `/partners/feed/${tok}/${f}`);
        }),
        params,
      );
    });
    t.diagnostic(`${answered} requests answered below 500 on ${tdb.dialect}`);
  } finally {
    await w.t.close();
  }
}

forEachDialect('fuzz: public endpoints and forms never answer 5xx or hang', fuzzPublic);
