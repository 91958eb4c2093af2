/**
 * Markdown → sanitised HTML. Bodies are sanitised when written (the stored body_html is safe),
 * so readers, feeds and (later) partner APIs all receive the same inert HTML.
 */
import { Marked } from 'marked';
import type sanitizeHtmlType from 'sanitize-html';
import { lazyRequire } from '../util/lazy-require.js';

const marked = new Marked({ gfm: true, breaks: false, async: false });

const sanitizeHtml = lazyRequire<typeof sanitizeHtmlType>('sanitize-html');

const SANITIZE: sanitizeHtmlType.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'strong', 'em', 'b', 'i',
    'code', 'pre', 'a', 'img', 'figure', 'figcaption', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'sup', 'sub',
    'del', 'ins', 's', 'abbr', 'cite', 'q', 'small', 'mark',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height', 'loading'],
    abbr: ['title'],
    th: ['align', 'scope'],
    td: ['align'],
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    // h1 is the page headline; body headings start at h2.
    h1: 'h2',
    a: (tagName, attribs) => {
      const external = /^https?:/i.test(attribs.href ?? '');
      return { tagName, attribs: external ? { ...attribs, rel: 'noopener noreferrer' } : attribs };
    },
    img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, loading: 'lazy', alt: attribs.alt ?? '' } }),
  },
};

/**
 * The longest Markdown rendered: the story body limit (MAX_BODY_LENGTH, which lives with the
 * service that imports this file). The editor re-renders a refused form's preview, and a refused
 * body can be the whole 1 MB request: rendering that takes seconds even in linear time.
 */
const MAX_RENDERED_LENGTH = 200_000;

export function renderMarkdown(markdown: string): string {
  if (markdown.length > MAX_RENDERED_LENGTH) return '<p>This text is too long to show.</p>';
  const html = marked.parse(defuse(markdown)) as string;
  return sanitizeHtml()(html, SANITIZE);
}

/** Containers (block quotes, list items) one line may open; deeper markers are kept as text. */
const MAX_NESTING = 8;
/** Leading whitespace kept on a line outside fenced code: lists nest by indentation too. */
const MAX_INDENT = 40;
/** Inline delimiters one paragraph may have before they are all kept as text. */
const MAX_DELIMITERS = 500;
const DELIMITERS = new Set(['*', '_', '`', '~', '[', '<']);

/**
 * Bounds the structure marked has to resolve, in one linear pass, because marked's own work is not
 * linear: it matches runs of emphasis, code and link delimiters within a paragraph in quadratic
 * time ("*a" 20,000 times took 2 s, 100,000 times over 20 s) and recurses once per nested block
 * quote or list marker (a line of 5,000 "> " overflowed the stack; 440 lists nested by
 * indentation took 1.3 s). No story needs more than eight containers opened on one line, more
 * than 40 columns of indentation or hundreds of delimiters in one paragraph, so past those bounds
 * markers are backslash-escaped (and render as the characters typed) and indentation is cut.
 */
export function defuse(markdown: string): string {
  const lines = markdown.split('\n');
  let fenced = false;
  let paragraph: number[] = [];
  const flush = () => {
    let count = 0;
    for (const i of paragraph) for (const ch of lines[i]!) if (DELIMITERS.has(ch)) count += 1;
    if (count > MAX_DELIMITERS) {
      for (const i of paragraph) {
        let out = '';
        for (const ch of lines[i]!) out += DELIMITERS.has(ch) ? `\\${ch}` : ch;
        lines[i] = out;
      }
    }
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trimStart();
    if (trimmed.startsWith('```') || trimmed.startsWith('~~~')) {
      flush();
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    if (trimmed === '') {
      flush();
      continue;
    }
    lines[i] = limitNesting(line.length - trimmed.length > MAX_INDENT ? `${' '.repeat(MAX_INDENT)}${trimmed}` : line);
    paragraph.push(i);
  }
  flush();
  return lines.join('\n');
}

/** The line with every container marker past MAX_NESTING escaped. */
function limitNesting(line: string): string {
  let pos = 0;
  let depth = 0;
  const n = line.length;
  for (;;) {
    let p = pos;
    while (p < n && (line[p] === ' ' || line[p] === '\t') && p - pos < 4) p += 1;
    if (p >= n) return line;
    const ch = line[p]!;
    let end = -1;
    if (ch === '>') end = p + 1;
    else if ((ch === '-' || ch === '*' || ch === '+') && (line[p + 1] === ' ' || line[p + 1] === '\t')) end = p + 1;
    else if (ch >= '0' && ch <= '9') {
      let q = p;
      while (q < n && q - p < 9 && line[q]! >= '0' && line[q]! <= '9') q += 1;
      if ((line[q] === '.' || line[q] === ')') && (line[q + 1] === ' ' || line[q + 1] === '\t')) end = q + 1;
    }
    if (end === -1) return line;
    if (depth === MAX_NESTING) {
      // Escaping the marker's last character keeps "1." from being read as a list item too.
      return `${line.slice(0, end - 1)}\\${line.slice(end - 1)}`;
    }
    depth += 1;
    pos = end;
  }
}

/** Sanitises HTML that did not come from our Markdown renderer (imports, previews). */
export function sanitize(html: string): string {
  return sanitizeHtml()(html, SANITIZE);
}

export function htmlToText(html: string): string {
  return sanitizeHtml()(html.replace(/<\/(p|h[2-6]|li|blockquote|tr)>/g, '$&\n'), { allowedTags: [], allowedAttributes: {} })
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function countWords(markdown: string): number {
  const text = markdown.replace(/[#>*_`\[\]()!-]/g, ' ').trim();
  return text === '' ? 0 : text.split(/\s+/).length;
}
