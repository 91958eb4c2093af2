/**
 * Does a republished page carry what the license asks for: the credit line where readers can see
 * it, a link to the original story, and the story × partner pixel? The HTML is parsed with a real
 * parser (htmlparser2, the one sanitize-html uses), because partners' pages are anything from
 * hand-written to CMS soup, and string searches would be fooled by comments, scripts and
 * attribute text.
 */
import { parseDocument } from 'htmlparser2';
import type { AnyNode, Element } from 'domhandler';

export type CheckName = 'credit' | 'link' | 'pixel';

export interface PageCheck {
  name: CheckName;
  passed: boolean;
  /** Whether the story's license profile asks for it; only required checks decide compliance. */
  required: boolean;
  /** A sentence an editor can act on. */
  detail: string;
}

export interface PageCheckResult {
  compliant: boolean;
  checks: PageCheck[];
}

export interface CheckOptions {
  /** The original story's address. */
  storyUrl: string;
  /** The credit line as the snippet gives it (shown in the details). */
  creditLine: string;
  /**
   * Matches the credit line in normalised visible text, for templates with parts a partner's CMS
   * may legitimately render differently (see creditMatcher). Without it the credit line must
   * appear as given, apart from case, whitespace and typographic quotes.
   */
  creditPattern?: RegExp;
  /** `{publicUrl}/p/{token}.gif` for this story × partner. */
  pixelUrlPrefix: string;
  /** The page's own address, to resolve relative links and images. */
  pageUrl?: string;
  linkBackRequired?: boolean;
  pixelRequired?: boolean;
}

// Elements whose text readers never see.
const INVISIBLE = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'iframe', 'object', 'svg', 'math', 'select', 'textarea']);
// Text on either side of these is separate words, even without whitespace in the source.
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2',
  'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'td', 'th', 'tr', 'ul', 'body', 'html',
]);

/** Lowercase, one space between words, straight quotes and hyphens: how the credit line is compared. */
export function normalizeText(s: string): string {
  return normalizeFragment(s).trim();
}

/** normalizeText without the trim, for pieces of a template that sit next to filled-in values. */
function normalizeFragment(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u200B-\u200D\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A closing full stop or similar is often dropped or changed by a partner's CMS; the words matter. */
function trimEndPunctuation(s: string): string {
  return s.replace(/(?<![\s.,;:!])[\s.,;:!]+$/, '');
}

/** The ways a CMS writes a list of names: "A, B and C", "A, B, and C", "A and B and C", "A & B". */
export function authorJoins(names: readonly string[]): string[] {
  if (names.length <= 1) return [names[0] ?? ''];
  const head = names.slice(0, -1);
  const last = names[names.length - 1]!;
  return [...new Set([
    `${head.join(', ')} and ${last}`,
    `${head.join(', ')}, and ${last}`,
    names.join(', '),
    names.join(' and '),
    `${head.join(', ')} & ${last}`,
    names.join(' & '),
  ])];
}

/**
 * A pattern for a credit template filled for one story. `{site}` and `{headline}` must appear as
 * they are; `{authors}` in any usual list form; `{url}` as the address or as any short link text
 * (the snippet may render it as a link whose text is not the address — the link check verifies
 * where it points).
 */
export function creditMatcher(template: string, vars: { site: string; url: string; authors: readonly string[]; headline: string }): RegExp {
  const parts = trimEndPunctuation(normalizeText(template)).split(/(\{(?:site|url|authors|headline)\})/);
  const source = parts
    .map((part) => {
      switch (part) {
        case '{site}':
          return escapeRegExp(normalizeText(vars.site));
        case '{headline}':
          return escapeRegExp(trimEndPunctuation(normalizeText(vars.headline)));
        case '{authors}':
          return `(?:${authorJoins(vars.authors).map((a) => escapeRegExp(normalizeText(a))).join('|')})`;
        case '{url}': {
          const bare = vars.url.replace(/^https?:\/\//, '').replace(/(?<!\/)\/+$/, '');
          return `(?:(?:https?://)?${escapeRegExp(normalizeText(bare))}/?|.{1,120}?)`;
        }
        default:
          return escapeRegExp(normalizeFragment(part));
      }
    })
    .join('');
  return new RegExp(source);
}

interface Collected {
  /** Text readers see. */
  visible: string[];
  /** All text, hidden included, to tell "missing" from "hidden". */
  all: string[];
  links: string[];
  images: string[];
  base: string | undefined;
}

function attr(el: Element, name: string): string | undefined {
  const v = el.attribs[name];
  return v === undefined ? undefined : v;
}

/**
 * Hidden from sighted readers: the `hidden` attribute or an inline display:none / visibility:hidden.
 * (aria-hidden is not: it hides from screen readers only, and sighted readers still see the credit.)
 */
function isHidden(el: Element): boolean {
  if (attr(el, 'hidden') !== undefined) return true;
  const style = attr(el, 'style');
  return style !== undefined && /(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style);
}

/**
 * Walks the document with an explicit stack: a 2 MB page of nested tags would overflow the call
 * stack if this recursed.
 */
function collect(roots: readonly AnyNode[], out: Collected): void {
  type Item = { node: AnyNode; hidden: boolean } | 'gap';
  const stack: Item[] = roots.map((node) => ({ node, hidden: false })).reverse();
  const gap = (): void => {
    out.visible.push(' ');
    out.all.push(' ');
  };
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item === 'gap') {
      gap();
      continue;
    }
    const { node, hidden } = item;
    if (node.type === 'text') {
      const data = (node as unknown as { data: string }).data;
      if (!hidden) out.visible.push(data);
      out.all.push(data);
      continue;
    }
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style') continue;
    const el = node as Element;
    const name = el.name.toLowerCase();
    if (name === 'a' && attr(el, 'href') !== undefined) out.links.push(attr(el, 'href')!);
    if (name === 'img' && attr(el, 'src') !== undefined) out.images.push(attr(el, 'src')!);
    if (name === 'base' && attr(el, 'href') !== undefined && out.base === undefined) out.base = attr(el, 'href');
    if (name === 'script' || name === 'style') continue;
    const childHidden = hidden || INVISIBLE.has(name) || isHidden(el);
    const block = BLOCKS.has(name);
    if (block) {
      gap();
      stack.push('gap');
    }
    for (let i = el.children.length - 1; i >= 0; i--) stack.push({ node: el.children[i]!, hidden: childHidden });
  }
}

/** host + path, without scheme, default port, query, fragment or trailing slash. */
function comparable(u: URL): string {
  return `${u.host.toLowerCase()}${u.pathname.replace(/(?<!\/)\/+$/, '')}`;
}

function resolve(href: string, base: string | undefined): URL | undefined {
  try {
    return new URL(href.trim(), base);
  } catch {
    return undefined;
  }
}

function withoutScheme(href: string): string {
  const s = href.replace(/^https?:\/\//i, '');
  const slash = s.indexOf('/');
  return slash === -1 ? s.toLowerCase() : `${s.slice(0, slash).toLowerCase()}${s.slice(slash)}`;
}

function quote(s: string, max = 160): string {
  const t = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return `“${t}”`;
}

export function checkPage(html: string, opts: CheckOptions): PageCheckResult {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  const found: Collected = { visible: [], all: [], links: [], images: [], base: undefined };
  collect(doc.children, found);
  const base = found.base !== undefined ? (resolve(found.base, opts.pageUrl)?.href ?? opts.pageUrl) : opts.pageUrl;
  const checks: PageCheck[] = [];

  // ---- credit line
  const visible = normalizeText(found.visible.join(''));
  const everything = normalizeText(found.all.join(''));
  const plain = trimEndPunctuation(normalizeText(opts.creditLine));
  const matches = (text: string): boolean => (opts.creditPattern ? opts.creditPattern.test(text) : text.includes(plain));
  if (plain === '' && !opts.creditPattern) {
    checks.push({ name: 'credit', passed: true, required: true, detail: 'The license profile has an empty credit line, so there is nothing to look for.' });
  } else if (matches(visible)) {
    checks.push({ name: 'credit', passed: true, required: true, detail: `The credit line is on the page: ${quote(opts.creditLine)}` });
  } else if (matches(everything)) {
    checks.push({ name: 'credit', passed: false, required: true, detail: `The credit line is in the page's HTML but hidden from readers: ${quote(opts.creditLine)}` });
  } else {
    checks.push({ name: 'credit', passed: false, required: true, detail: `The credit line is missing from the page's text: ${quote(opts.creditLine)}` });
  }

  // ---- link back
  const linkRequired = opts.linkBackRequired ?? true;
  const story = new URL(opts.storyUrl);
  const target = comparable(story);
  const links = found.links.map((h) => resolve(h, base)).filter((u): u is URL => u !== undefined && (u.protocol === 'http:' || u.protocol === 'https:'));
  const linked = links.find((u) => comparable(u) === target);
  const optional = linkRequired ? '' : ' (The license profile does not require it.)';
  if (linked) {
    checks.push({ name: 'link', passed: true, required: linkRequired, detail: `The page links to the original story (${linked.href}).${optional}` });
  } else {
    const ours = [...new Set(links.filter((u) => u.host.toLowerCase() === story.host.toLowerCase()).map((u) => u.href))].slice(0, 3);
    const elsewhere = ours.length > 0 ? ` It links to ${ours.join(', ')} instead.` : '';
    checks.push({ name: 'link', passed: false, required: linkRequired, detail: `No link to the original story (${opts.storyUrl}).${elsewhere}${optional}` });
  }

  // ---- pixel
  const pixelRequired = opts.pixelRequired ?? true;
  const prefix = withoutScheme(opts.pixelUrlPrefix);
  const images = found.images.map((s) => resolve(s, base)).filter((u): u is URL => u !== undefined && (u.protocol === 'http:' || u.protocol === 'https:'));
  const pixel = images.find((u) => withoutScheme(u.href).startsWith(prefix));
  const optionalPixel = pixelRequired ? '' : ' (The license profile does not require it.)';
  if (pixel) {
    checks.push({ name: 'pixel', passed: true, required: pixelRequired, detail: `The page loads the story's tracking pixel.${optionalPixel}` });
  } else {
    // Another story's (or partner's) pixel: the snippet was pasted from the wrong story.
    const pixelDir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const other = images.find((u) => withoutScheme(u.href).startsWith(pixelDir) && /\.gif(?:$|\?)/.test(u.pathname + u.search));
    const why = other ? ` It has a pixel for another story or partner (${other.href}) — the snippet may have been copied from a different story.` : '';
    checks.push({ name: 'pixel', passed: false, required: pixelRequired, detail: `The story's tracking pixel is missing (${opts.pixelUrlPrefix}).${why}${optionalPixel}` });
  }

  return { compliant: checks.every((c) => c.passed || !c.required), checks };
}
