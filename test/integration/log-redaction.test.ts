/**
 * Secrets in URL paths stay out of the logs: the app runs with a real pino logger (level trace)
 * writing into an array, every URL carrying a partner feed token, an invitation token or a pixel
 * token is requested — valid and invalid tokens, wrong files, missing segments, 404s, a 403 and a
 * 500 whose error message quotes the URL — and no token appears in any captured line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { approvePartner } from '../../src/partners/decisions.js';
import { REDACTED, SecretPaths } from '../../src/http/log-redaction.js';
import { createTestDatabase, forEachDialect } from '../helpers/dialects.js';
import { publishStory, seedBasics } from '../helpers/app.js';

async function loggingApp(services: Services, lines: string[]): Promise<FastifyInstance> {
  const app = await buildApp({ services, logger: true, logStream: { write: (line) => void lines.push(line) } });
  await app.ready();
  return app;
}

forEachDialect('request and error logs never contain feed, invitation or pixel tokens', async (_t, tdb) => {
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'trace' });
  const services = createServices(config, tdb.database);
  const lines: string[] = [];
  const app = await loggingApp(services, lines);
  try {
    const basics = await seedBasics(services);
    const story = await publishStory(services, { headline: 'River levels fall', desk: basics.desk, authors: [basics.author] });
    const partner = await services.partners.apply({
      outlet: 'The Daily Planet', website: 'https://planet.example', contactName: 'Lois Lane', email: 'lois@planet.example',
      audience: 250000, evidence: 'Analytics export.', intendedUse: 'National news.', acceptTerms: true,
    });
    const decision = await approvePartner(services, SYSTEM_ACTOR, partner.id);
    const invitation = decision.invitationUrl!.split('/').pop()!;
    const feed = await services.partners.rotateFeedToken(partner.id);
    const pixel = await services.pixelTokens.tokenFor(story.id, partner.id);
    const madeUp = 'madeUpSecretToken0123456789abcdef';
    const tokens = { invitation, feed, pixel, madeUp };

    const requests: Array<{ method: 'GET' | 'HEAD' | 'POST'; url: string; expect?: number; headers?: Record<string, string>; payload?: string }> = [
      { method: 'GET', url: `/partners/feed/${feed}/rss.xml`, expect: 200 },
      { method: 'HEAD', url: `/partners/feed/${feed}/atom.xml`, expect: 200 },
      { method: 'GET', url: `/partners/feed/${feed}/feed.json?since=2020`, expect: 200 },
      { method: 'GET', url: `/partners/feed/${feed}/nope.txt`, expect: 404 },
      { method: 'GET', url: `/partners/feed/${feed}`, expect: 404 },
      { method: 'GET', url: `/partners/feed/${feed}/rss.xml/extra`, expect: 404 },
      { method: 'GET', url: `//partners/feed/${feed}/rss.xml` },
      { method: 'GET', url: `/Partners/Feed/${feed}/rss.xml`, expect: 404 },
      { method: 'POST', url: `/partners/feed/${feed}/rss.xml`, headers: { 'content-type': 'application/json' }, payload: '{' },
      { method: 'GET', url: `/partners/feed/${madeUp}/rss.xml`, expect: 404 },
      { method: 'GET', url: `/partners/invite/${invitation}`, expect: 200 },
      { method: 'GET', url: `/partners/invite/${madeUp}`, expect: 404 },
      { method: 'GET', url: `/partners/invite/${invitation}/extra`, expect: 404 },
      { method: 'POST', url: `/partners/invite/${invitation}`, expect: 403, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' },
      { method: 'GET', url: `/p/${pixel}.gif`, expect: 200 },
      { method: 'GET', url: `/p/${pixel}.png`, expect: 404 },
      { method: 'GET', url: `/p/${madeUp}.gif`, expect: 200 },
      { method: 'GET', url: `/p/${pixel}.gif/extra`, expect: 404 },
    ];
    for (const r of requests) {
      const res = await app.inject({ method: r.method, url: r.url, headers: r.headers, payload: r.payload });
      if (r.expect) assert.equal(res.statusCode, r.expect, `${r.method} ${r.url}`);
      assert.ok(res.statusCode < 500, `${r.method} ${r.url}: ${res.statusCode}`);
    }

    // A failure whose error message quotes the URL (as a driver or library error might): the
    // error handler logs the error, message and stack, at level error.
    const original = services.partners.resolveFeedToken.bind(services.partners);
    services.partners.resolveFeedToken = async (token: string) => {
      throw new Error(`lookup failed for /partners/feed/${token}/rss.xml`);
    };
    try {
      assert.equal((await app.inject({ method: 'GET', url: `/partners/feed/${feed}/rss.xml` })).statusCode, 500);
    } finally {
      services.partners.resolveFeedToken = original;
    }

    const log = lines.join('');
    assert.match(log, /"msg":"request"/, 'the requests were logged');
    assert.match(log, /"level":50/, 'the failure was logged as an error');
    assert.ok(log.includes(`/partners/feed/${REDACTED}/rss.xml`), 'the feed path is logged with its token redacted');
    assert.ok(log.includes(`/partners/invite/${REDACTED}`), 'the invitation path is logged with its token redacted');
    assert.match(log, /lookup failed for \/partners\/feed\/\[redacted\]\/rss\.xml/, 'the error message is redacted too');
    for (const [name, value] of Object.entries(tokens)) {
      assert.ok(!log.includes(value), `the ${name} token appears in the log`);
    }
    assert.ok(!log.includes('since=2020'), 'query strings are not logged');
  } finally {
    await app.close();
  }
});

test('a route with a secret-looking path parameter must declare it', async () => {
  const tdb = await createTestDatabase('sqlite');
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'trace' });
  const lines: string[] = [];
  const app = await buildApp({ services: createServices(config, tdb.database), logger: true, logStream: { write: (line) => void lines.push(line) } });
  try {
    const handler = async () => 'ok';
    assert.throws(() => app.get('/newsroom/password/:resetToken', handler), /looks like a secret.*secretParams/);
    // Declared on the route: accepted, and redacted in the request log.
    app.get('/newsroom/password-setup/:setupToken', { config: { secretParams: ['setupToken'] } }, handler);
    await app.ready();
    const secret = 'setupSecretValue0123456789';
    assert.equal((await app.inject({ method: 'GET', url: `/newsroom/password-setup/${secret}` })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: `/newsroom/password-setup/${secret}/more` })).statusCode, 404);
    const log = lines.join('');
    assert.ok(log.includes(`/newsroom/password-setup/${REDACTED}`));
    assert.ok(!log.includes(secret));
  } finally {
    await app.close();
    await tdb.drop();
  }
});

test('SecretPaths: paths and free text, linear in the input', () => {
  const s = new SecretPaths();
  assert.equal(s.redactPath('/partners/feed/abc/rss.xml?x=1'), `/partners/feed/${REDACTED}/rss.xml`);
  assert.equal(s.redactPath('/partners/invite/abc'), `/partners/invite/${REDACTED}`);
  assert.equal(s.redactPath('/partners/%69nvite/abc'), `/partners/%69nvite/${REDACTED}`);
  assert.equal(s.redactPath('/p/abc.gif'), `/p/${REDACTED}`);
  assert.equal(s.redactPath('/stories/abc'), '/stories/abc', 'other paths are left alone');
  assert.equal(s.redactPath('/partners/feed/'), '/partners/feed/', 'nothing to redact');
  assert.equal(s.redactText('{"msg":"at /partners/feed/abc/rss.xml, /p/xyz.gif and /partners/invite/q?x"}'), `{"msg":"at /partners/feed/${REDACTED}/rss.xml, /p/${REDACTED} and /partners/invite/${REDACTED}?x"}`);
  // Long hostile input: one pass per pattern, so this stays fast (no assertion on time: it
  // simply must finish, and a backtracking matcher would not).
  const long = '/partners/feed/'.repeat(20_000);
  assert.ok(s.redactText(long).length > 0);
  assert.ok(s.redactPath(`/p/${'a'.repeat(100_000)}`).endsWith(REDACTED));
});
