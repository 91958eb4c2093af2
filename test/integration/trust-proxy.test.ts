/**
 * FREEWIRE_TRUST_PROXY end to end: the client is the rightmost address the rule does not trust,
 * never the leftmost X-Forwarded-For entry (which the client writes). Per-address limits key on
 * that address, and the pixel's two doors (Fastify's route and the fast listener in front of it)
 * agree on it, so a reader who invents a new leftmost entry on every hit is still one reader.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildTestApp, publishStory, seedBasics, type TestApp } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';
import { newId } from '../../src/util/ids.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

const APPLICATION = {
  outlet: 'The Daily Planet',
  website: 'https://www.dailyplanet.example',
  contactName: 'Lois Lane',
  email: 'lois@dailyplanet.example',
  audience: 250_000,
  evidence: 'Google Analytics, last three months average.',
  intendedUse: 'Our national news section.',
  acceptTerms: true,
};

function applyVia(t: TestApp, remoteAddress: string, xff?: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/applications',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...(xff === undefined ? {} : { 'x-forwarded-for': xff }) },
    payload: JSON.stringify(APPLICATION),
  });
}

let spoofed = 0;
/** A made-up address, different on every call: what a client would put in front to look new. */
function spoof(): string {
  spoofed += 1;
  return `100.64.${Math.floor(spoofed / 250) % 250}.${(spoofed % 250) + 1}`;
}

forEachDialect('trust proxy = 1 (true): limited as the rightmost address; a spoofed leftmost entry buys nothing', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_TRUST_PROXY: 'true', FREEWIRE_APPLICATION_RATE_LIMIT: '2' });
  try {
    // Our proxy (127.0.0.1) appended the address it saw, 2.2.2.2; everything left of it is the client's say.
    assert.equal((await applyVia(t, '127.0.0.1', '1.1.1.1, 2.2.2.2')).statusCode, 201);
    assert.equal((await applyVia(t, '127.0.0.1', `${spoof()}, 2.2.2.2`)).statusCode, 201);
    for (let i = 0; i < 3; i++) {
      const r = await applyVia(t, '127.0.0.1', `${spoof()}, ${spoof()}, 2.2.2.2`);
      assert.equal(r.statusCode, 429, 'a new leftmost entry is not a new client');
    }
    // The same client without any made-up entries: still 2.2.2.2, still limited.
    assert.equal((await applyVia(t, '127.0.0.1', '2.2.2.2')).statusCode, 429);
    // 1.1.1.1 is a different client only when our proxy says so.
    assert.equal((await applyVia(t, '127.0.0.1', '2.2.2.2, 1.1.1.1')).statusCode, 201);
    assert.equal((await t.services.partners.list()).total, 3);
  } finally {
    await t.close();
  }
});

forEachDialect('trust proxy by address: only the listed proxies are believed', async (_t, tdb) => {
  const listed = await buildTestApp(tdb, { FREEWIRE_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8', FREEWIRE_APPLICATION_RATE_LIMIT: '1' });
  try {
    // 127.0.0.1 and 10.1.2.3 are our proxies, so the client is 2.2.2.2 however the chain starts.
    assert.equal((await applyVia(listed, '127.0.0.1', '1.1.1.1, 2.2.2.2, 10.1.2.3')).statusCode, 201);
    assert.equal((await applyVia(listed, '127.0.0.1', `${spoof()}, 2.2.2.2`)).statusCode, 429);
    // A client talking to us directly cannot claim to be someone else.
    assert.equal((await applyVia(listed, '203.0.113.9', '3.3.3.3')).statusCode, 201);
    assert.equal((await applyVia(listed, '203.0.113.9', spoof())).statusCode, 429);
  } finally {
    await listed.close();
  }
});

forEachDialect('trust proxy unset: X-Forwarded-For is ignored', async (_t, tdb) => {
  const none = await buildTestApp(tdb, { FREEWIRE_APPLICATION_RATE_LIMIT: '1' });
  try {
    assert.equal((await applyVia(none, '127.0.0.1', '1.1.1.1')).statusCode, 201);
    assert.equal((await applyVia(none, '127.0.0.1', '4.4.4.4')).statusCode, 429, 'without trusted proxies the header is ignored');
  } finally {
    await none.close();
  }
});

forEachDialect('the pixel counts one reader however the leftmost X-Forwarded-For entry changes, on both doors', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_TRUST_PROXY: '1', FREEWIRE_USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const basics = await seedBasics(t.services);
    const story = await publishStory(t.services, { headline: 'One reader', desk: basics.desk, authors: [basics.author] });
    const partnerId = newId();
    const now = new Date().toISOString();
    await t.services.database.db
      .insertInto('partners')
      .values({
        id: partnerId, outlet: 'Gazette', website: 'https://gazette.example', domain: 'gazette.example', contact_name: 'Pat', email: 'pat@gazette.example',
        audience: 1000, evidence: 'x', intended_use: 'y', status: 'approved', kind: 'free', eligibility_json: '{}',
        decision_reason: null, decided_by: null, decided_at: null, feed_token_hash: null, created_at: now, updated_at: now,
      })
      .execute();
    const token = await t.services.pixelTokens.tokenFor(story.id, partnerId);
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });

    // The fast door (a real connection from 127.0.0.1), five hits with a new made-up entry each.
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${base}/p/${token}.gif`, { headers: { 'user-agent': UA, 'x-forwarded-for': `${spoof()}, 192.0.2.10` } });
      assert.equal(r.status, 200);
      await r.arrayBuffer();
    }
    // Fastify's door (app.inject), the same reader: request.ip must agree with the fast door.
    for (let i = 0; i < 3; i++) {
      await t.app.inject({ method: 'GET', url: `/p/${token}.gif`, remoteAddress: '127.0.0.1', headers: { 'user-agent': UA, 'x-forwarded-for': `${spoof()}, 192.0.2.10` } });
    }
    // A really different reader behind the same proxy counts.
    await fetch(`${base}/p/${token}.gif`, { headers: { 'user-agent': UA, 'x-forwarded-for': '192.0.2.10, 192.0.2.11' } }).then((r) => r.arrayBuffer());
    await t.services.usage.recorder.flush();
    const rows = await t.services.database.db.selectFrom('usage_daily').select('views').execute();
    assert.deepEqual(rows.map((r) => Number(r.views)), [2]);
  } finally {
    await t.close();
  }
});

forEachDialect('trust proxy = 1: the newsroom and portal login limits key on the rightmost address too', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_TRUST_PROXY: '1', FREEWIRE_LOGIN_RATE_LIMIT: '3' });
  try {
    const attempt = (url: string, xff: string, n: number) => {
      const token = randomBytes(24).toString('base64url');
      return t.app.inject({
        method: 'POST',
        url,
        remoteAddress: '127.0.0.1',
        headers: { cookie: `fw_csrf=${token}`, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': xff },
        // A different account each time: only the per-address limit can stop these.
        payload: new URLSearchParams({ _csrf: token, email: `someone${n}@news.test`, password: 'wrong-password' }).toString(),
      });
    };
    for (const url of ['/newsroom/login', '/partners/login']) {
      // One address gets five times the per-account allowance across all accounts (LoginLimiter).
      const perAddress = 3 * 5;
      for (let i = 0; i < perAddress; i++) assert.equal((await attempt(url, `${spoof()}, 2.2.2.2`, i)).statusCode, 401, url);
      assert.equal((await attempt(url, `${spoof()}, 2.2.2.2`, perAddress)).statusCode, 429, `${url}: a new leftmost entry is not a new address`);
      assert.equal((await attempt(url, '2.2.2.2, 3.3.3.3', perAddress + 1)).statusCode, 401, `${url}: another client behind the proxy has its own allowance`);
    }
  } finally {
    await t.close();
  }
});
