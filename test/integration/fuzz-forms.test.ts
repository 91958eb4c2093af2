/**
 * Property-based fuzzing of every HTML form a person can post, signed in or not: the crawl in
 * test/helpers/surface.ts finds the forms (newsroom, partner portal and public ones) the way a
 * browser would, and each is posted with its real CSRF token and wild values in its own fields.
 * Whatever arrives, the answer is below 500.
 *
 * The public forms also get 10,000 inputs each in fuzz-public.test.ts; here every form gets a
 * smaller share by default (FUZZ_FORM_RUNS per form, or FUZZ_RUNS when set), which still adds up
 * to thousands of posts per run. SQLite only: the request handling is the same on both engines
 * and the services' own tests cover PostgreSQL. With CI=true the seed is fixed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createTestDatabase, isCI } from '../helpers/dialects.js';
import { buildWorld, crawlForms, postForm, sessions } from '../helpers/surface.js';

const CI_SEED = 20261203;
if (isCI()) fc.configureGlobal({ seed: CI_SEED });

const FUZZ_FORM_RUNS = 300;
/** Forms that end sessions or tokens go last, so the others are posted by a signed-in user. */
const ENDS_ACCESS = /everywhere|revoke|sessions|password|disable|suspend|delete|remove/;

const WEIRD = [
  '', ' ', '\u0000', '\uD800', '\uFEFF', '\u202e', '%00', '..', '/', '//evil.example', 'javascript:alert(1)', "'; drop table stories; --",
  '<script>alert(1)</script>', 'NaN', '-1', '1e309', '9'.repeat(40), 'a@b', '@', 'http://', 'https://x', 'true', 'null', 'on', 'off',
  '2026-02-30T25:61', '2099-01-01T09:00', '__proto__', 'constructor',
];
const value = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 3, arbitrary: fc.constantFrom(...WEIRD) },
  { weight: 1, arbitrary: fc.constantFrom('a.', 'a@', '(', ' ', '*a').chain((u) => fc.integer({ min: 100, max: 3_000 }).map((n) => u.repeat(n))) },
);

test('fuzz: every HTML form, signed in or not, never answers 5xx', async (t) => {
  const tdb = await createTestDatabase('sqlite');
  const w = await buildWorld(tdb);
  try {
    const forms = (await crawlForms(w)).sort((a, b) => Number(ENDS_ACCESS.test(a.action)) - Number(ENDS_ACCESS.test(b.action)));
    assert.ok(forms.length >= 20, `the crawl found only ${forms.length} forms`);
    const bySession = new Map(sessions(w).map((s) => [s.identity, s]));
    const numRuns = Number(process.env.FUZZ_RUNS) || FUZZ_FORM_RUNS;
    let sent = 0;
    const statuses = new Map<string, number>();
    for (const form of forms) {
      const session = bySession.get(form.identity)!;
      const names = form.fields.map((f) => f.name);
      const base = Object.fromEntries(form.fields.map((f) => [f.name, f.value]));
      // Each run keeps the page's own values for some fields and replaces others, so posts get
      // past the first check as often as they fail it.
      const changes = names.length === 0 ? fc.constant({}) : fc.dictionary(fc.constantFrom(...names), value, { maxKeys: names.length });
      await fc.assert(
        fc.asyncProperty(changes, async (changed) => {
          const r = await postForm(w, session, form, { ...base, ...changed });
          sent += 1;
          const key = `${form.identity} ${r.statusCode}${r.statusCode === 303 && String(r.headers.location).includes('/login') ? ' to login' : ''}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          assert.ok(r.statusCode < 500, `POST ${form.action} as ${form.identity} answered ${r.statusCode}: ${r.body.slice(0, 300)}\nfields: ${JSON.stringify(changed).slice(0, 500)}`);
        }),
        { numRuns },
      );
    }
    t.diagnostic(`${forms.length} forms, ${sent} posts; answers: ${[...statuses].sort().map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  } finally {
    await w.t.close();
    await tdb.drop();
  }
});
