/**
 * Action endpoints that need no fields take an empty request, as the API documentation says:
 * no body at all, and `Content-Type: application/json` with zero length, both get the endpoint's
 * normal answer. Endpoints with a required field name that field instead of complaining about
 * the body's shape.
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics, type TestApp } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

const VARIANTS: Array<{ label: string; headers: Record<string, string> }> = [
  { label: 'no body, no content type', headers: {} },
  { label: 'application/json, zero length', headers: { 'content-type': 'application/json' } },
  { label: 'application/json; charset=utf-8, zero length', headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' } },
];

function call(t: TestApp, method: 'POST' | 'DELETE', url: string, headers: Record<string, string>): Promise<LightMyRequestResponse> {
  return t.app.inject({ method, url: `/api/admin${url}`, headers: { authorization: `Bearer ${t.admin.token}`, ...headers } });
}

function expectStatus(res: LightMyRequestResponse, status: number, label: string): void {
  assert.equal(res.statusCode, status, `${label}: ${res.body.slice(0, 300)}`);
}

forEachDialect('action endpoints accept an empty body, with or without the JSON content type', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const basics = await seedBasics(t.services);
    let n = 0;
    for (const v of VARIANTS) {
      n++;
      const story = await t.services.stories.create(SYSTEM_ACTOR, { headline: `Story ${n}`, body: 'Body.', desk: basics.desk, authors: [basics.author] });
      expectStatus(await call(t, 'POST', `/stories/${story.id}/publish`, v.headers), 200, `publish (${v.label})`);

      const later = await t.services.stories.create(SYSTEM_ACTOR, { headline: `Later ${n}`, body: 'Body.', desk: basics.desk, authors: [basics.author] });
      await t.services.stories.schedule(SYSTEM_ACTOR, later.id, new Date(Date.now() + 86_400_000).toISOString());
      expectStatus(await call(t, 'POST', `/stories/${later.id}/unschedule`, v.headers), 200, `unschedule (${v.label})`);

      // Required fields are named, not "body must be an object".
      const withdraw = await call(t, 'POST', `/stories/${story.id}/withdraw`, v.headers);
      expectStatus(withdraw, 400, `withdraw (${v.label})`);
      assert.deepEqual(Object.keys(JSON.parse(withdraw.body).error.details), ['reason'], withdraw.body);

      const partner = await t.services.partners.apply({
        outlet: `Outlet ${n}`, website: `https://outlet${n}.example`, contactName: 'Contact', email: `c${n}@outlet.example`,
        audience: 250000, evidence: 'Analytics.', intendedUse: 'News.', acceptTerms: true,
      });
      expectStatus(await call(t, 'POST', `/partners/${partner.id}/approve`, v.headers), 200, `approve (${v.label})`);
      expectStatus(await call(t, 'POST', `/partners/${partner.id}/suspend`, v.headers), 200, `suspend (${v.label})`);
      assert.equal((await t.services.partners.get(partner.id)).status, 'suspended');
      const other = await t.services.partners.apply({
        outlet: `Other ${n}`, website: `https://other${n}.example`, contactName: 'Contact', email: `o${n}@other.example`,
        audience: 250000, evidence: 'Analytics.', intendedUse: 'News.', acceptTerms: true,
      });
      const reject = await call(t, 'POST', `/partners/${other.id}/reject`, v.headers);
      expectStatus(reject, 400, `reject (${v.label})`);
      assert.deepEqual(Object.keys(JSON.parse(reject.body).error.details), ['reason'], reject.body);

      const profile = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: `Profile ${n}`, audience: 'free', creditTemplate: 'From {site}.' });
      expectStatus(await call(t, 'POST', `/license-profiles/${profile.slug}/default`, v.headers), 200, `license profile default (${v.label})`);

      const token = await t.services.users.createToken(SYSTEM_ACTOR, t.editor.id, `token ${n}`);
      expectStatus(await call(t, 'DELETE', `/tokens/${token.id}`, v.headers), 204, `revoke token (${v.label})`);

      // "Check now" from a script (JSON, token in the header): an unknown page is a 404, the
      // answer it gives with any body, not a complaint about the empty one.
      const check = await t.app.inject({
        method: 'POST',
        url: '/newsroom/usage/pages/no-such-page/check',
        headers: { cookie: t.editor.cookie, 'x-csrf-token': t.editor.csrf, accept: 'application/json', ...v.headers },
      });
      expectStatus(check, 404, `check now (${v.label})`);
    }
  } finally {
    await t.close();
  }
});
