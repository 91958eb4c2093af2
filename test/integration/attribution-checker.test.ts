/** The page checker on HTML fixtures shaped like partners' pages. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorJoins, checkPage, creditMatcher, type CheckOptions, type PageCheckResult } from '../../src/attribution/checker.js';

const STORY = 'http://news.test/stories/river-report';
const PIXEL = 'http://news.test/p/AbCdEfGhIjKlMnOp.gif';
const CREDIT = 'This story was originally published by Valley Watch and is republished under our republishing terms.';
const OPTS: CheckOptions = { storyUrl: STORY, creditLine: CREDIT, pixelUrlPrefix: PIXEL, pageUrl: 'https://partner.example/news/river' };

function page(body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>River report | Partner Daily</title>${head}</head><body><header><nav><a href="/">Partner Daily</a></nav></header><main><article><h1>River report</h1><p>Body of the story, as republished.</p>${body}</article></main><footer><p>© Partner Daily</p></footer></body></html>`;
}

const COMPLIANT_BODY = `<p>This story was originally published by <a href="${STORY}">Valley Watch</a> and is republished under our republishing terms.</p><img src="${PIXEL}" width="1" height="1" alt="" referrerpolicy="no-referrer-when-downgrade">`;

function check(result: PageCheckResult, name: 'credit' | 'link' | 'pixel') {
  const c = result.checks.find((x) => x.name === name);
  assert.ok(c, `no ${name} check`);
  return c;
}

describe('checkPage', () => {
  test('a compliant page passes all three checks', () => {
    const r = checkPage(page(COMPLIANT_BODY), OPTS);
    assert.equal(r.compliant, true);
    assert.deepEqual(r.checks.map((c) => [c.name, c.passed, c.required]), [['credit', true, true], ['link', true, true], ['pixel', true, true]]);
    assert.match(check(r, 'link').detail, /links to the original story/);
  });

  test('tolerates CMS rewriting: whitespace, case, curly quotes, entities, a dropped full stop, trailing slash, https and query', () => {
    const body = `<p>THIS   story was originally\n published&nbsp;by <strong>Valley Watch</strong> and is republished under our republishing terms</p>
      <p><a href="https://news.test/stories/river-report/?utm_source=partner#top">Read the original</a></p>
      <img src="https://news.test/p/AbCdEfGhIjKlMnOp.gif?x=1" alt="">`;
    const r = checkPage(page(body), OPTS);
    assert.equal(r.compliant, true, JSON.stringify(r.checks));
    const curly = creditMatcher("{site}’s reporting, by {authors}.", { site: "Valley Watch", url: STORY, authors: ['Ada Reporter', 'Bo Writer'], headline: 'x' });
    const r2 = checkPage(page(`<p>Valley Watch's reporting, by Ada Reporter &amp; Bo Writer</p>${COMPLIANT_BODY}`), { ...OPTS, creditPattern: curly });
    assert.equal(check(r2, 'credit').passed, true);
  });

  test('missing credit line fails, with the credit line in the reason', () => {
    const r = checkPage(page(`<p>Via <a href="${STORY}">Valley Watch</a>.</p><img src="${PIXEL}" alt="">`), OPTS);
    assert.equal(r.compliant, false);
    const c = check(r, 'credit');
    assert.equal(c.passed, false);
    assert.match(c.detail, /credit line is missing/);
    assert.ok(c.detail.includes('originally published by Valley Watch'));
    assert.equal(check(r, 'link').passed, true);
    assert.equal(check(r, 'pixel').passed, true);
  });

  test('a credit line only in a comment, a script, an attribute or hidden text does not count', () => {
    const sneaky = [
      `<!-- ${CREDIT} -->`,
      `<script>var credit = "${CREDIT}";</script>`,
      `<img alt="${CREDIT}" src="/x.png">`,
      `<p hidden>${CREDIT}</p>`,
      `<div style="display: none">${CREDIT}</div>`,
    ];
    for (const s of sneaky) {
      const r = checkPage(page(`${s}<a href="${STORY}">original</a><img src="${PIXEL}" alt="">`), OPTS);
      assert.equal(check(r, 'credit').passed, false, s);
      assert.equal(r.compliant, false, s);
    }
    const hidden = checkPage(page(`<p hidden>${CREDIT}</p>`), OPTS);
    assert.match(check(hidden, 'credit').detail, /hidden from readers/);
  });

  test('a link to a different URL fails and names where it points instead', () => {
    const body = COMPLIANT_BODY.replace(`href="${STORY}"`, 'href="http://news.test/stories/another-story"');
    const r = checkPage(page(body), OPTS);
    assert.equal(r.compliant, false);
    const c = check(r, 'link');
    assert.equal(c.passed, false);
    assert.match(c.detail, /No link to the original story \(http:\/\/news\.test\/stories\/river-report\)/);
    assert.match(c.detail, /another-story instead/);
    // A prefix of the path is not the story either.
    const prefix = checkPage(page(COMPLIANT_BODY.replace(`href="${STORY}"`, 'href="http://news.test/stories/river-report-2"')), OPTS);
    assert.equal(check(prefix, 'link').passed, false);
    // Nor is a mention of the address in text, or a <link> element.
    const text = checkPage(page(`<p>${CREDIT} ${STORY}</p><img src="${PIXEL}" alt="">`, `<link rel="canonical" href="${STORY}">`), OPTS);
    assert.equal(check(text, 'link').passed, false);
  });

  test('relative links resolve against <base> and the page address', () => {
    const r = checkPage(page(`<p>${CREDIT}</p><a href="/stories/river-report">x</a><img src="${PIXEL}" alt="">`, '<base href="http://news.test/">'), OPTS);
    assert.equal(check(r, 'link').passed, true);
  });

  test('a missing pixel fails', () => {
    const r = checkPage(page(COMPLIANT_BODY.replace(/<img[^>]*>/, '')), OPTS);
    assert.equal(r.compliant, false);
    const c = check(r, 'pixel');
    assert.equal(c.passed, false);
    assert.match(c.detail, /tracking pixel is missing/);
    assert.doesNotMatch(c.detail, /another story/);
  });

  test('a pixel for another story (or partner) fails and says so', () => {
    const r = checkPage(page(COMPLIANT_BODY.replace(PIXEL, 'http://news.test/p/ZzZzZzZzZzZzZzZz.gif')), OPTS);
    assert.equal(r.compliant, false);
    const c = check(r, 'pixel');
    assert.equal(c.passed, false);
    assert.match(c.detail, /pixel for another story or partner \(http:\/\/news\.test\/p\/ZzZzZzZzZzZzZzZz\.gif\)/);
  });

  test('only the checks the profile requires decide compliance; the credit line always does', () => {
    const bare = page(`<p>${CREDIT}</p>`);
    const loose = checkPage(bare, { ...OPTS, linkBackRequired: false, pixelRequired: false });
    assert.equal(loose.compliant, true);
    assert.deepEqual(loose.checks.map((c) => [c.name, c.passed, c.required]), [['credit', true, true], ['link', false, false], ['pixel', false, false]]);
    assert.match(check(loose, 'link').detail, /does not require/);
    assert.equal(checkPage(bare, { ...OPTS, linkBackRequired: false }).compliant, false);
    assert.equal(checkPage(bare, { ...OPTS, pixelRequired: false }).compliant, false);
    assert.equal(checkPage(page(`<a href="${STORY}">x</a>`), { ...OPTS, linkBackRequired: false, pixelRequired: false }).compliant, false);
  });

  test('survives broken HTML', () => {
    const r = checkPage(`<p>${CREDIT}<div><a href="${STORY}">unclosed <img src="${PIXEL}"`, OPTS);
    assert.equal(check(r, 'credit').passed, true);
    assert.equal(check(r, 'link').passed, true);
    assert.equal(checkPage('', OPTS).compliant, false);
    assert.equal(checkPage('<a href="http://[bad">x</a>', OPTS).compliant, false);
  });

  test('a page nested deeper than the call stack allows is still checked', () => {
    const depth = 100_000;
    const r = checkPage(`${'<div>'.repeat(depth)}${COMPLIANT_BODY}${'</div>'.repeat(depth)}`, OPTS);
    assert.equal(r.compliant, true);
  });
});

describe('creditMatcher', () => {
  const vars = { site: 'Valley Watch', url: STORY, authors: ['Ada Reporter', 'Bo Writer', 'Cy Editor'], headline: 'River report: what we found.' };

  test('fills {site}, {headline} and {authors} in any usual list form', () => {
    const re = creditMatcher('“{headline}” by {authors} was first published by {site}.', vars);
    for (const authors of authorJoins(vars.authors)) {
      assert.ok(re.test(`"river report: what we found" by ${authors.toLowerCase()} was first published by valley watch`), authors);
    }
    assert.ok(!re.test('"river report: what we found" by ada reporter was first published by valley watch'));
    assert.ok(!re.test('"another headline" by ada reporter, bo writer and cy editor was first published by valley watch'));
  });

  test('{url} matches the address or short link text, and regex characters in values are literal', () => {
    const re = creditMatcher('Originally published at {url} by {site}', { ...vars, site: 'A.B (News)+' });
    assert.ok(re.test('originally published at news.test/stories/river-report by a.b (news)+'));
    assert.ok(re.test('originally published at http://news.test/stories/river-report/ by a.b (news)+'));
    assert.ok(re.test('originally published at the original by a.b (news)+'));
    assert.ok(!re.test('originally published at the original by axb (news)+'));
  });
});
