/**
 * The pure rules of license profiles: who may have a story when (availability, including the
 * delayed free release), the credit line, image rights, and the plain-language terms partners
 * read (describe) and ninjs carries (usageTerms). No database needed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  availability,
  BUILT_IN_PROFILE,
  creditLine,
  describeProfile,
  imageAvailability,
  usageTermsOf,
  type LicenseProfile,
} from '../../src/license-profiles/license-profiles.service.js';

const HOUR = 3600_000;
const published = '2026-11-20T12:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(published) + ms);
const profile = (over: Partial<LicenseProfile>): LicenseProfile => ({ ...BUILT_IN_PROFILE, ...over });

test('availability: a free profile without delay is free at publication, and never before it is published', () => {
  const p = profile({ audience: 'free', delayHours: 0 });
  assert.deepEqual(availability(p, 'free', published, at(0)), { allowed: true, availableFrom: published });
  const draft = availability(p, 'free', null, at(0));
  assert.equal(draft.allowed, false);
  assert.equal(draft.availableFrom, null);
  assert.equal(availability(p, 'licensee', null, at(0)).allowed, false, 'licensees do not get unpublished stories either');
});

test('availability: the delayed free release opens exactly N hours after publication, licensees get it at once', () => {
  const p = profile({ audience: 'free', delayHours: 24 });
  const opens = new Date(Date.parse(published) + 24 * HOUR).toISOString();
  const before = availability(p, 'free', published, at(24 * HOUR - 1));
  assert.equal(before.allowed, false, 'one millisecond before the release');
  assert.equal(before.availableFrom, opens, 'tells when it opens');
  assert.match(before.reason ?? '', /free release/);
  assert.deepEqual(availability(p, 'free', published, at(24 * HOUR)), { allowed: true, availableFrom: opens }, 'at the boundary');
  assert.equal(availability(p, 'free', published, at(25 * HOUR)).allowed, true);
  assert.deepEqual(availability(p, 'licensee', published, at(0)), { allowed: true, availableFrom: published }, 'licensee partner: at once');
});

test('availability: licensees-only and nobody profiles', () => {
  const licensees = profile({ audience: 'licensees', delayHours: 0 });
  const free = availability(licensees, 'free', published, at(1000 * HOUR));
  assert.equal(free.allowed, false);
  assert.equal(free.availableFrom, null, 'a free partner never gets it, however long it waits');
  assert.equal(free.reason, 'licensees only');
  assert.equal(availability(licensees, 'licensee', published, at(0)).allowed, true);

  const nobody = profile({ audience: 'nobody' });
  for (const kind of ['free', 'licensee'] as const) {
    const a = availability(nobody, kind, published, at(1000 * HOUR));
    assert.equal(a.allowed, false, kind);
    assert.equal(a.availableFrom, null);
    assert.equal(a.reason, 'not for syndication');
  }
});

test('imageAvailability: an image needs the story terms and images included', () => {
  assert.equal(imageAvailability(profile({ imagesIncluded: true }), 'free', published, at(0)).allowed, true);
  const excluded = imageAvailability(profile({ imagesIncluded: false }), 'free', published, at(0));
  assert.equal(excluded.allowed, false);
  assert.equal(excluded.reason, 'images not included');
  assert.equal(imageAvailability(profile({ audience: 'licensees' }), 'free', published, at(0)).allowed, false);
  assert.equal(imageAvailability(profile({ audience: 'licensees' }), 'licensee', published, at(0)).allowed, true);
});

test('creditLine fills every placeholder, repeats included, and takes values literally', () => {
  const p = profile({ creditTemplate: '“{headline}” by {authors} for {site} ({url}). {site} thanks you. {unknown}' });
  const line = creditLine(p, { site: 'Riverbend $& News', url: 'https://news.test/stories/a', authors: 'Ada Reporter', headline: 'Water $1 rises' });
  assert.equal(line, '“Water $1 rises” by Ada Reporter for Riverbend $& News (https://news.test/stories/a). Riverbend $& News thanks you. {unknown}');
  assert.equal(creditLine(profile({ creditTemplate: 'No placeholders.' }), { site: 's', url: 'u', authors: 'a', headline: 'h' }), 'No placeholders.');
});

test('describe: plain sentences for each term', () => {
  const delayed = profile({
    audience: 'free',
    delayHours: 24,
    searchEngines: 'noindex',
    ccLicenseUrl: 'https://creativecommons.org/licenses/by-nd/4.0/',
    noAds: true,
    noPaywall: true,
    imagesIncluded: false,
    allowedEdits: 'Trim for length only.',
    terms: 'Not in print.',
    creditTemplate: 'Originally published by {site} at {url}.',
  });
  const s = describeProfile(delayed);
  const all = s.join('\n');
  assert.match(s[0]!, /Licensees may republish this story as soon as it is published; partners in our free program may republish it for free 24 hours after publication/);
  assert.match(all, /Allowed edits: Trim for length only\./);
  assert.match(all, /“Originally published by \[our name\] at \[link to the original story\]\.”/, 'unfilled placeholders read as words');
  assert.match(all, /Link to the original story/);
  assert.match(all, /tracking image \(pixel\)/);
  assert.match(all, /Do not republish the photos/);
  assert.match(all, /paywall/);
  assert.match(all, /Do not sell advertising/);
  assert.match(all, /noindex/);
  assert.doesNotMatch(all, /canonical/);
  assert.match(all, /Creative Commons CC BY-ND 4\.0 license \(https:\/\/creativecommons\.org\/licenses\/by-nd\/4\.0\/\)/);
  assert.match(all, /Further terms: Not in print\./);

  const filled = describeProfile(delayed, { site: 'Riverbend', url: 'https://news.test/s' }).join('\n');
  assert.match(filled, /“Originally published by Riverbend at https:\/\/news\.test\/s\.”/);

  const plain = describeProfile(profile({ audience: 'free', delayHours: 0, linkBackRequired: false, pixelRequired: false, noAds: false, noPaywall: false, allowedEdits: '' }));
  const plainText = plain.join('\n');
  assert.match(plain[0]!, /free as soon as it is published/);
  assert.match(plainText, /rel="canonical"/);
  assert.doesNotMatch(plainText, /pixel|advertising|paywall|Allowed edits|Link to the original|Creative Commons|Further terms/);
  assert.match(plainText, /images may be republished/);

  assert.match(describeProfile(profile({ audience: 'licensees' }))[0]!, /Only organisations with a license/);
  assert.deepEqual(describeProfile(profile({ audience: 'nobody' })), ['This story is not available for republication.']);
});

test('usageTerms: one paragraph with the site name in the credit', () => {
  const p = profile({ creditTemplate: 'Originally published by {site}.', delayHours: 0 });
  const terms = usageTermsOf(p, 'Riverbend Public News');
  assert.doesNotMatch(terms, /\n/);
  assert.match(terms, /“Originally published by Riverbend Public News\.”/);
  assert.equal(terms, describeProfile(p, { site: 'Riverbend Public News' }).join(' '));
  assert.equal(usageTermsOf(profile({ audience: 'nobody' }), 'X'), 'This story is not available for republication.');
});
