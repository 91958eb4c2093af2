/**
 * The licensing desk end to end, through the public and admin HTTP APIs only: an inquiry comes
 * in, the desk licenses it, the new licensee's key lists a "licensees only" story that a free
 * partner's key does not, and once the clock passes the license's end the same key gets a 403
 * naming the license.
 */
import assert from 'node:assert/strict';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';

const DAY = 86_400_000;

forEachDialect('inquiry → license → the licensee’s key gets licensees-only stories until the license ends', async (_t, tdb) => {
  const t = await buildTestApp(tdb, { FREEWIRE_API_RATE_LIMIT: '100000', FREEWIRE_INQUIRY_RATE_LIMIT: '100' });
  try {
    const { services, app, admin } = t;
    let offset = 60_000;
    services.partnerAccess.now = () => new Date(Date.now() + offset);
    const basics = await seedBasics(services);
    const licOnly = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Members of the press pool', audience: 'licensees' });
    const openStory = await services.stories.create(SYSTEM_ACTOR, { headline: 'Open to all partners', body: 'Text.', desk: basics.desk, authors: [basics.author] });
    await services.stories.publish(SYSTEM_ACTOR, openStory.id);
    const paidStory = await services.stories.create(SYSTEM_ACTOR, { headline: 'Licensees only', body: 'Text.', desk: basics.desk, authors: [basics.author], licenseProfile: licOnly.slug });
    await services.stories.publish(SYSTEM_ACTOR, paidStory.id);

    // A free partner, approved through the program.
    const freeApp = await services.partners.apply({
      outlet: 'Free Weekly', website: 'https://freeweekly.example', contactName: 'Fay', email: 'fay@freeweekly.example',
      audience: 300_000, evidence: 'Stats', intendedUse: 'Republish', acceptTerms: true,
    });
    await services.partners.approve(SYSTEM_ACTOR, freeApp.id);
    const freeKey = (await services.partners.createKey(null, freeApp.id, 'cms')).key;

    // The inquiry, as a publisher's system would file it.
    const inquiry = await app.inject({
      method: 'POST',
      url: '/api/v1/license-inquiries',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        name: 'Perry White', organisation: 'Daily Planet Broadcasting', email: 'perry@planet.example', website: 'https://planet.example',
        intendedUse: 'Evening bulletins', medium: 'broadcast', territory: 'Metropolis', expectedVolume: '10 stories a month', message: 'A yearly license, please.',
      }),
    });
    assert.equal(inquiry.statusCode, 201, inquiry.body);
    const inquiryId = (inquiry.json() as { id: string }).id;

    // The desk licenses it: every story offered to licensees, for a year.
    const endsAt = new Date(Date.now() + 365 * DAY).toISOString();
    const created = await app.inject({
      method: 'POST',
      url: `/api/admin/license-inquiries/${inquiryId}/license`,
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ scope: {}, images: true, startsAt: new Date(Date.now() - DAY).toISOString(), endsAt, terms: 'Broadcast and web, Metropolis only.', fee: 'USD 4,800 a year' }),
    });
    assert.equal(created.statusCode, 201, created.body);
    const license = created.json() as { partnerId: string; licenseId: string; invitationUrl: string | null };
    assert.match(license.invitationUrl ?? '', /\/partners\/invite\//);
    const partner = await services.partners.get(license.partnerId);
    assert.equal(partner.kind, 'licensee');
    assert.equal(partner.status, 'approved');
    const inquiryNow = await app.inject({ method: 'GET', url: `/api/admin/license-inquiries/${inquiryId}`, headers: { authorization: `Bearer ${admin.token}` } });
    assert.equal((inquiryNow.json() as { status: string }).status, 'licensed');
    const licensedKey = (await services.partners.createKey(null, license.partnerId, 'newsroom system')).key;

    const headlines = async (key: string) => {
      const r = await app.inject({ method: 'GET', url: '/api/v1/stories?limit=100', headers: { authorization: `Bearer ${key}` } });
      assert.equal(r.statusCode, 200, r.body);
      return (r.json() as { items: Array<{ headlines: Array<{ value: string }> }> }).items.map((i) => i.headlines[0]!.value).sort();
    };
    assert.deepEqual(await headlines(licensedKey), ['Licensees only', 'Open to all partners']);
    assert.deepEqual(await headlines(freeKey), ['Open to all partners']);

    // The license's end passes: the licensee's key is refused with the license named; the free partner goes on.
    const { reference } = (await services.licenses.get(license.licenseId))!;
    offset = Date.parse(endsAt) - Date.now() + 60_000;
    for (const url of ['/api/v1/stories', `/api/v1/stories/${paidStory.id}`]) {
      const refused = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${licensedKey}` } });
      assert.equal(refused.statusCode, 403, `${url}: ${refused.body}`);
      assert.ok(refused.body.includes(reference), `the 403 names ${reference}: ${refused.body}`);
    }
    assert.deepEqual(await headlines(freeKey), ['Open to all partners']);
  } finally {
    await t.close();
  }
});
