/**
 * Licenses in the newsroom: the "Create a license" form on an inquiry's page, and a license's
 * page with the forms to change and end it. Forms post as a browser would (urlencoded, CSRF).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { submitInquiry } from '../../src/licensing/inquiries.service.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { buildTestApp, seedBasics, type TestApp, type TestUser } from '../helpers/app.js';
import { forEachDialect } from '../helpers/dialects.js';
import { approvedPartner } from '../helpers/surface.js';

const DAY = 86_400_000;
const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function post(app: FastifyInstance, user: TestUser, url: string, fields: Array<[string, string]>, csrf = user.csrf) {
  const body = new URLSearchParams([['_csrf', csrf], ...fields]);
  return app.inject({ method: 'POST', url, headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
}

function page(app: FastifyInstance, user: TestUser, url: string) {
  return app.inject({ method: 'GET', url, headers: { cookie: user.cookie } });
}

async function inquiry(t: TestApp, email = 'lois@planet.example'): Promise<string> {
  return (
    await submitInquiry(t.services, {
      name: 'Lois Lane',
      organisation: 'Planet Weekly',
      email,
      website: 'https://planet.example',
      intendedUse: 'Our weekend edition.',
      medium: 'print',
      territory: 'Metropolis',
      expectedVolume: '4 stories a month',
      message: '',
    })
  ).id;
}

function flashOf(cookies: Array<{ name: string; value: string }>): { text: string; link?: { href: string } } {
  const c = cookies.find((x) => x.name === 'fw_flash');
  assert.ok(c, 'a flash is set');
  return JSON.parse(decodeURIComponent(c.value)) as { text: string; link?: { href: string } };
}

forEachDialect('create a license from the inquiry page: errors re-render what was typed, success flashes the invitation', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { desk } = await seedBasics(t.services);
    const profile = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Licensees only', audience: 'licensees' });
    await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Internal only', audience: 'nobody' });
    const id = await inquiry(t);
    const before = await page(t.app, t.editor, `/newsroom/licensing/${id}`);
    assert.equal(before.statusCode, 200);
    assert.match(before.body, /Create a license/);
    assert.match(before.body, /name="profiles" value="[^"]+"/);
    assert.match(before.body, /Licensees only/);
    assert.doesNotMatch(before.body, /Internal only/, 'profiles offered to nobody are not offered');
    assert.match(before.body, new RegExp(`name="desks" value="${desk}"`));
    assert.match(before.body, /type="date"/);
    assert.match(before.body, /A new licensee partner: Planet Weekly/);

    // Without the CSRF token: refused.
    const forged = await post(t.app, t.editor, `/newsroom/licensing/${id}/license`, [['terms', 'x']], 'wrong-token');
    assert.equal(forged.statusCode, 403);

    // End before start, no terms: the form comes back with what was typed and the messages.
    const bad = await post(t.app, t.editor, `/newsroom/licensing/${id}/license`, [
      ['revision', '0'],
      ['profiles', profile.id],
      ['desks', desk],
      ['startsAt', ymd(Date.now() + 10 * DAY)],
      ['endsAt', ymd(Date.now() + 5 * DAY)],
      ['terms', ''],
      ['fee', 'EUR 500 <b>a month</b>'],
      ['onEnd', 'cancel'],
      ['partnerId', ''],
    ]);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /There is a problem/);
    assert.match(bad.body, /href="#f-endsAt">Last day must be after the first day/);
    assert.match(bad.body, /href="#f-terms">Terms is required/);
    assert.match(bad.body, new RegExp(`value="${profile.id}" checked`));
    assert.match(bad.body, new RegExp(`value="${desk}" checked`));
    assert.match(bad.body, /value="cancel" checked/);
    assert.match(bad.body, /value="EUR 500 &lt;b>a month&lt;\/b>"/, 'typed text comes back escaped');
    assert.doesNotMatch(bad.body, /name="images" value="on" checked/, 'the unticked images box stays unticked');

    const ok = await post(t.app, t.editor, `/newsroom/licensing/${id}/license`, [
      ['revision', '0'],
      ['profiles', profile.id],
      ['startsAt', ymd(Date.now())],
      ['endsAt', ymd(Date.now() + 364 * DAY)],
      ['terms', 'Weekend edition only.'],
      ['images', 'on'],
      ['onEnd', 'keep'],
      ['partnerId', ''],
    ]);
    assert.equal(ok.statusCode, 303, ok.body);
    assert.equal(ok.headers.location, `/newsroom/licensing/${id}`);
    const flash = flashOf(ok.cookies);
    assert.match(flash.text, /License LIC-\d{4}-001 is created\./);
    const link = /(http:\/\/news\.test\/partners\/invite\/\S+)/.exec(flash.text)?.[1];
    assert.ok(link, flash.text);
    assert.match(flash.link!.href, /^\/newsroom\/licensing\/licenses\/[A-Za-z0-9_-]+$/);

    const after = await page(t.app, t.editor, `/newsroom/licensing/${id}`);
    assert.match(after.body, /Licensed/);
    assert.match(after.body, /License LIC-\d{4}-001 created/, 'the history names the license');
    assert.match(after.body, new RegExp(`<a href="${flash.link!.href}">Open LIC-\\d{4}-001</a>`), 'the history links to the license');
    assert.match(after.body, /Stories under “Licensees only”/);
    assert.match(after.body, /Create another license/);
    const partner = (await t.services.licenses.get(flash.link!.href.split('/').pop()!))!.partnerId;
    assert.match(after.body, new RegExp(`<option value="${partner}" selected`), 'the inquiry’s partner is preselected next time');

    // Reusing the stale form (revision 0) is a conflict, shown as such.
    const stale = await post(t.app, t.editor, `/newsroom/licensing/${id}/license`, [['revision', '0'], ['startsAt', ymd(Date.now())], ['endsAt', ymd(Date.now() + 30 * DAY)], ['terms', 'x']]);
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /Someone else changed this inquiry/);

    // A declined inquiry shows no form.
    const other = await inquiry(t, 'other@else.example');
    await t.services.database.db.updateTable('license_inquiries').set({ status: 'declined' }).where('id', '=', other).execute();
    const declined = await page(t.app, t.editor, `/newsroom/licensing/${other}`);
    assert.doesNotMatch(declined.body, /action="[^"]*\/license"/);
    assert.match(declined.body, /reopen it first/);
    const forced = await post(t.app, t.editor, `/newsroom/licensing/${other}/license`, [['revision', '0'], ['startsAt', ymd(Date.now())], ['endsAt', ymd(Date.now() + 30 * DAY)], ['terms', 'x']]);
    assert.equal(forced.statusCode, 409);
    assert.match(forced.body, /declined/);

    // Reporters cannot create licenses.
    const reporter = await post(t.app, t.reporter, `/newsroom/licensing/${id}/license`, [['revision', '1']]);
    assert.equal(reporter.statusCode, 403);
  } finally {
    await t.close();
  }
});

forEachDialect('the partner select is preselected for a matching approved partner', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const free = await approvedPartner(t, 'Valley Herald', 'editor@valleyherald.example');
    const id = await inquiry(t, 'editor@valleyherald.example');
    const html = await page(t.app, t.editor, `/newsroom/licensing/${id}`);
    assert.match(html.body, new RegExp(`<option value="${free.partnerId}" selected>Valley Herald \\(editor@valleyherald.example\\)</option>`));
  } finally {
    await t.close();
  }
});

forEachDialect('the license page: details, change with conflicts, end now with confirmation', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { desk } = await seedBasics(t.services);
    const id = await inquiry(t);
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/admin/license-inquiries/${id}/license`,
      headers: { authorization: `Bearer ${t.editor.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ images: false, startsAt: '2026-01-01', endsAt: ymd(Date.now() + 200 * DAY), terms: 'Line one.\nLine two.', fee: 'USD 99', scope: { desks: [desk] } }),
    });
    assert.equal(r.statusCode, 201, r.body);
    const { licenseId, partnerId, reference } = r.json() as { licenseId: string; partnerId: string; reference: string };
    const url = `/newsroom/licensing/licenses/${licenseId}`;
    const html = await page(t.app, t.editor, url);
    assert.equal(html.statusCode, 200);
    for (const re of [
      new RegExp(`<h1>${reference}</h1>`),
      new RegExp(`href="/newsroom/partners/${partnerId}">Planet Weekly`),
      /Stories of the “Environment” desk/,
      /Not included/,
      /<p>Line one\.<\/p><p>Line two\.<\/p>/,
      /USD 99/,
      new RegExp(`href="/newsroom/licensing/${id}">Planet Weekly`),
      /30 days before: <span class="muted">not sent/,
      /aria-current="page">\s*Licenses/,
      /value="2026-01-01"/,
      new RegExp(`value="${ymd(Date.now() + 200 * DAY)}"`),
      /End the license now/,
    ]) assert.match(html.body, re);
    assert.equal((await page(t.app, t.editor, '/newsroom/licensing/licenses/nope')).statusCode, 404);
    assert.equal((await page(t.app, t.reporter, url)).statusCode, 403);

    const fields = (over: Array<[string, string]>): Array<[string, string]> => [
      ...([
        ['revision', '0'],
        ['desks', desk],
        ['startsAt', '2026-01-01'],
        ['endsAt', ymd(Date.now() + 200 * DAY)],
        ['terms', 'Line one.\nLine two.'],
        ['fee', 'USD 99'],
        ['onEnd', 'keep'],
      ] as Array<[string, string]>).filter(([k]) => !over.some(([o]) => o === k)),
      ...over,
    ];
    // An error keeps what was typed.
    const bad = await post(t.app, t.editor, url, fields([['endsAt', '2025-12-01'], ['fee', 'USD 150']]));
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Last day is in the past/);
    assert.match(bad.body, /value="USD 150"/);
    // Extend.
    const extended = await post(t.app, t.editor, url, fields([['endsAt', ymd(Date.now() + 500 * DAY)], ['images', 'on']]));
    assert.equal(extended.statusCode, 303, extended.body);
    const l = (await t.services.licenses.get(licenseId))!;
    assert.equal(l.endsAt, `${ymd(Date.now() + 501 * DAY)}T00:00:00.000Z`);
    assert.equal(l.images, true);
    assert.equal(l.revision, 1);
    assert.equal(l.startsAt, '2026-01-01T00:00:00.000Z');
    // The same form again (revision 0): a conflict, and the page shows the license as it is now.
    const stale = await post(t.app, t.editor, url, fields([['fee', 'USD 1']]));
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /Someone else changed this license/);
    assert.match(stale.body, /value="USD 99"/);

    // End now: refused without the confirmation, then done.
    const unconfirmed = await post(t.app, t.editor, `${url}/end`, [['revision', '1']]);
    assert.equal(unconfirmed.statusCode, 400);
    assert.match(unconfirmed.body, /tick the box to confirm/);
    const ended = await post(t.app, t.editor, `${url}/end`, [['revision', '1'], ['confirm', 'yes']]);
    assert.equal(ended.statusCode, 303, ended.body);
    assert.match(flashOf(ended.cookies).text, /has ended/);
    const after = await page(t.app, t.editor, url);
    assert.match(after.body, /badge-withdrawn">Ended/);
    assert.doesNotMatch(after.body, /End the license now/);
    // Saving the form unchanged keeps the end's exact minute (the date field shows only the day).
    const endsAt = (await t.services.licenses.get(licenseId))!.endsAt;
    const rev = (await t.services.licenses.get(licenseId))!.revision;
    const resave = await post(t.app, t.editor, url, [
      ['revision', String(rev)],
      ['desks', desk],
      ['images', 'on'],
      ['startsAt', '2026-01-01'],
      ['endsAt', endsAt!.slice(0, 10)],
      ['terms', 'Line one.\nLine two.\nLine three.'],
      ['fee', 'USD 99'],
      ['onEnd', 'keep'],
    ]);
    assert.equal(resave.statusCode, 303, resave.body);
    assert.equal((await t.services.licenses.get(licenseId))!.endsAt, endsAt);
  } finally {
    await t.close();
  }
});

forEachDialect('property: license forms never answer 5xx', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    await seedBasics(t.services);
    const id = await inquiry(t);
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/admin/license-inquiries/${id}/license`,
      headers: { authorization: `Bearer ${t.editor.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ images: true, startsAt: ymd(Date.now()), endsAt: ymd(Date.now() + 100 * DAY), terms: 'x' }),
    });
    const licenseId = r.json().licenseId as string;
    const value = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '0', '1', 'on', 'yes', 'keep', 'cancel', 'environment', '2027-02-29', '2028-02-29', '99999-01-01', '\u0000', 'x'.repeat(300)));
    const fields = fc.array(fc.tuple(fc.constantFrom('revision', 'profiles', 'desks', 'images', 'startsAt', 'endsAt', 'terms', 'fee', 'onEnd', 'partnerId', 'confirm'), value), { maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(fields, fc.constantFrom(`/newsroom/licensing/${id}/license`, `/newsroom/licensing/licenses/${licenseId}`, `/newsroom/licensing/licenses/${licenseId}/end`), async (f, url) => {
        const res = await post(t.app, t.editor, url, f);
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${url} ${JSON.stringify(f)}`);
      }),
      { numRuns: 90 },
    );
  } finally {
    await t.close();
  }
});
