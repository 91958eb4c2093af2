/**
 * The partner copy (the Republish snippet): what it carries — headline, byline with titles, body,
 * credit line, link back, license link, the pixel with a referrer policy that lets the partner's
 * page address through — and what it leaves out (images the license excludes), with every piece
 * of text escaped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument } from 'htmlparser2';
import { forEachDialect } from '../helpers/dialects.js';
import { buildTestApp, seedBasics } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { BUILT_IN_PROFILE, type LicenseProfile } from '../../src/license-profiles/license-profiles.service.js';
import type { PublicStory } from '../../src/stories/public.js';
import { buildPartnerCopy, renderPartnerCopy, stripImages } from '../../src/syndication/partner-copy.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function fakeStory(over: Partial<PublicStory> = {}): PublicStory {
  return {
    id: '01900000-0000-7000-8000-000000000001',
    slug: 'river-rises',
    headline: 'River rises <script>alert(1)</script> & "floods"',
    summary: 'Levels rose.',
    dateline: 'FRESNO',
    publishedAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:00.000Z',
    version: 2,
    desk: { slug: 'environment', name: 'Environment' },
    authors: [
      { slug: 'ada', name: 'Ada Reporter', title: 'Environment Reporter' },
      { slug: 'ben', name: 'Ben "B" Writer', title: 'Data Editor' },
    ],
    tags: [],
    leadImage: { id: 'img1', caption: 'The river at dawn.', credit: 'Photo: Ada', alt: 'Brown water over a road' },
    bodyHtml: '<p>First paragraph with <a href="/stories/older">an earlier story</a>.</p>\n<figure><img src="https://cdn.example.org/a.jpg" alt="a"><figcaption>A caption</figcaption></figure>\n<p>Inline <img src="https://cdn.example.org/b.jpg" alt="b"> image.</p>',
    wordCount: 12,
    fullAuthors: [],
    notes: [],
    wasUpdated: false,
    ...over,
  };
}

const settings = { siteName: 'Valley Post', language: 'en' };
const partner = { id: 'p1', kind: 'free' as const };
const profile = (over: Partial<LicenseProfile> = {}): LicenseProfile => ({ ...BUILT_IN_PROFILE, ...over });

/** Elements by tag name, from a real HTML parser. */
function elements(html: string, name: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  const walk = (nodes: any[]) => {
    for (const n of nodes) {
      if (n.type === 'tag' && n.name === name) out.push(n.attribs);
      if (n.children) walk(n.children);
    }
  };
  walk(parseDocument(html).children);
  return out;
}

test('snippet: headline, byline, body, credit line, link back and pixel', () => {
  const copy = renderPartnerCopy({
    story: fakeStory(),
    partner,
    profile: profile({ creditTemplate: 'Originally published by {site} ({url}), written by {authors}: “{headline}”.' }),
    pixelUrl: 'https://news.test/p/tok_123456789.gif',
    settings,
    publicUrl: 'https://news.test',
  });
  // Escaped, never interpreted.
  assert.doesNotMatch(copy.html, /<script>/);
  assert.match(copy.html, /<h1>River rises &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;floods&quot;<\/h1>/);
  assert.match(copy.html, /<p class="freewire-byline">By Ada Reporter, Environment Reporter; and Ben &quot;B&quot; Writer, Data Editor<\/p>/);
  assert.equal(
    copy.creditLine,
    'Originally published by Valley Post (https://news.test/stories/river-rises), written by Ada Reporter and Ben "B" Writer: “River rises <script>alert(1)</script> & "floods"”.',
  );
  assert.ok(copy.html.includes('Originally published by Valley Post (https://news.test/stories/river-rises), written by Ada Reporter and Ben &quot;B&quot; Writer'));
  // The body's relative links now point at the newsroom.
  assert.match(copy.html, /<a href="https:\/\/news\.test\/stories\/older">an earlier story<\/a>/);
  const links = elements(copy.html, 'a').map((a) => a.href);
  assert.ok(links.includes('https://news.test/stories/river-rises'), 'link back');
  assert.equal(copy.canonicalUrl, 'https://news.test/stories/river-rises');
  // The pixel: 1×1, empty alt, and a referrer policy that lets the page address through.
  const pixel = elements(copy.html, 'img').find((i) => i.src === 'https://news.test/p/tok_123456789.gif');
  assert.ok(pixel, 'pixel present');
  assert.equal(pixel.width, '1');
  assert.equal(pixel.height, '1');
  assert.equal(pixel.alt, '');
  assert.equal(pixel.referrerpolicy, 'no-referrer-when-downgrade');
  assert.equal(copy.pixelUrl, 'https://news.test/p/tok_123456789.gif');
  // Images allowed: the lead image and the body's images are there.
  const srcs = elements(copy.html, 'img').map((i) => i.src);
  assert.ok(srcs.includes('https://news.test/media/img1'));
  assert.ok(srcs.includes('https://cdn.example.org/a.jpg'));
  assert.equal(copy.leadImageIncluded, true);
  // Search engines: canonical by default; no CC license, no license link.
  assert.equal(copy.searchEngineAdvice, '<link rel="canonical" href="https://news.test/stories/river-rises">');
  assert.equal(copy.licenseLink, null);
  // The plain-text twin.
  assert.match(copy.text, /^River rises <script>alert\(1\)<\/script> & "floods"\n\nBy Ada Reporter, Environment Reporter; and Ben "B" Writer, Data Editor\n\n/);
  assert.match(copy.text, /First paragraph with an earlier story\./);
  assert.ok(copy.text.includes(copy.creditLine));
  assert.match(copy.text, /Original story: https:\/\/news\.test\/stories\/river-rises/);
  // bodyHtml is the same without headline and byline.
  assert.doesNotMatch(copy.bodyHtml, /<h1>|freewire-byline/);
  assert.ok(copy.html.includes(copy.bodyHtml));
});

test('snippet: images the profile excludes are left out; noindex and CC license when the profile says so', () => {
  const copy = renderPartnerCopy({
    story: fakeStory(),
    partner,
    profile: profile({ imagesIncluded: false, searchEngines: 'noindex', ccLicenseUrl: 'https://creativecommons.org/licenses/by-nd/4.0/' }),
    pixelUrl: 'https://news.test/p/tok_123456789.gif',
    settings,
    publicUrl: 'https://news.test',
  });
  const srcs = elements(copy.html, 'img').map((i) => i.src);
  assert.deepEqual(srcs, ['https://news.test/p/tok_123456789.gif'], 'only the pixel is left');
  assert.doesNotMatch(copy.html, /A caption|The river at dawn/, 'captions of removed images go too');
  assert.match(copy.html, /Inline\s+image\./);
  assert.equal(copy.leadImageIncluded, false);
  assert.equal(copy.searchEngineAdvice, '<meta name="robots" content="noindex">');
  assert.equal(copy.licenseLink, '<a rel="license" href="https://creativecommons.org/licenses/by-nd/4.0/">CC BY-ND 4.0</a>');
  assert.ok(copy.html.includes(copy.licenseLink!));
  assert.match(copy.text, /License: CC BY-ND 4\.0 \(https:\/\/creativecommons\.org\/licenses\/by-nd\/4\.0\/\)/);
});

test('snippet: no pixel when the profile does not ask for one; lead image follows its own permission', () => {
  const copy = renderPartnerCopy({
    story: fakeStory(),
    partner,
    profile: profile({ pixelRequired: false }),
    pixelUrl: 'https://news.test/p/tok_123456789.gif',
    settings,
    publicUrl: 'https://news.test',
    leadImageAllowed: false,
  });
  assert.doesNotMatch(copy.html, /\/p\/tok_/);
  assert.equal(copy.pixelUrl, null);
  const srcs = elements(copy.html, 'img').map((i) => i.src);
  assert.ok(!srcs.includes('https://news.test/media/img1'), 'lead image left out');
  assert.ok(srcs.includes('https://cdn.example.org/a.jpg'), 'body images stay (the story profile includes images)');
});

test('stripImages removes figures holding images and stray images, and nothing else', () => {
  assert.equal(stripImages('<p>a</p><figure><img src="x"><figcaption>c</figcaption></figure><p>b <img src="y" alt="y"> c</p>'), '<p>a</p><p>b  c</p>');
  assert.equal(stripImages('<figure><blockquote>q</blockquote></figure>'), '<figure><blockquote>q</blockquote></figure>');
});

forEachDialect('snippet: built for a real story and partner (pixel token, the image’s own license)', async (_t, tdb) => {
  const t = await buildTestApp(tdb);
  try {
    const { services } = t;
    const basics = await seedBasics(services);
    await services.settings.update(SYSTEM_ACTOR, { siteName: 'Valley Post' });
    // An explicit default first: otherwise the first free profile (the wire one) would be it.
    const standard = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Standard', audience: 'free' });
    await services.licenseProfiles.setDefault(SYSTEM_ACTOR, standard.id);
    const wire = await services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Wire photos', audience: 'free', imagesIncluded: false });
    const image = await services.media.store(SYSTEM_ACTOR, { filename: 'wire.png', data: PNG, alt: 'Wire photo' });
    const s = await services.stories.create(SYSTEM_ACTOR, { headline: 'River rises', body: 'Water everywhere.', desk: basics.desk, authors: [basics.author], leadImageId: image.id });
    await services.stories.publish(SYSTEM_ACTOR, s.id);
    const lookup = await services.publicStories.bySlug(s.slug);
    assert.equal(lookup.kind, 'live');
    const story = (lookup as { story: PublicStory }).story;
    const profileOf = await services.licenseProfiles.effectiveForStory(s.id);
    const p1 = { id: (await apply(t.services, 1)).id, kind: 'free' as const };
    const p2 = { id: (await apply(t.services, 2)).id, kind: 'free' as const };

    const a = await buildPartnerCopy(services, story, p1, profileOf);
    const again = await buildPartnerCopy(services, story, p1, profileOf);
    const b = await buildPartnerCopy(services, story, p2, profileOf);
    assert.ok(a.pixelUrl?.startsWith('http://news.test/p/'));
    assert.equal(a.pixelUrl, again.pixelUrl, 'one pixel per story × partner');
    assert.notEqual(a.pixelUrl, b.pixelUrl, 'each partner has its own');
    const token = /\/p\/([^/]+)\.gif$/.exec(a.pixelUrl!)![1]!;
    assert.deepEqual(await services.pixelTokens.resolve(token), { storyId: s.id, partnerId: p1.id });
    assert.equal(a.leadImageIncluded, true);
    assert.match(a.creditLine, /Valley Post/);

    // The image gets its own license, which excludes images: it leaves the snippet.
    await services.database.db.updateTable('media').set({ license_profile_id: wire.id }).where('id', '=', image.id).execute();
    const c = await buildPartnerCopy(services, story, p1, profileOf);
    assert.equal(c.leadImageIncluded, false);
    assert.doesNotMatch(c.html, new RegExp(`/media/${image.id}`));
  } finally {
    await t.close();
  }
});

async function apply(services: import('../../src/services.js').Services, n: number) {
  const p = await services.partners.apply({
    outlet: `Snippet Times ${n}`, website: `https://snippet${n}.example`, contactName: 'Sam', email: `sam@snippet${n}.example`,
    audience: 100_000, evidence: 'Stats', intendedUse: 'Republish', acceptTerms: true,
  });
  return services.partners.approve(SYSTEM_ACTOR, p.id);
}
