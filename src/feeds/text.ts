/**
 * Text and date helpers shared by every feed builder, so that all formats clean and
 * format values the same way.
 */

// XML 1.0 `Char` production (§2.2). Anything outside it — C0 controls other than tab/LF/CR,
// lone surrogates, U+FFFE/U+FFFF — makes the whole document ill-formed, and a strict feed
// reader then drops the entire feed rather than one item. The `u` flag makes a lone
// surrogate match as its own code point so it is removed too.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Remove characters XML 1.0 cannot carry. Applied to every string in every feed format. */
export function cleanText(value: string): string {
  return value.replace(NOT_XML_CHAR, '');
}

/**
 * Prepare a string for xmlbuilder2's `txt()` or an attribute value. Every XML builder call
 * goes through this.
 *
 * xmlbuilder2 deliberately leaves `&` unescaped when it already looks like an entity
 * reference (`&amp;`, `&nbsp;`, `&#1;`), so the literal text "&amp;" would come out as "&"
 * and "&nbsp;" as an undefined entity that makes the document ill-formed. Escaping every `&`
 * first turns each one into `&amp;`, which the builder then passes through untouched;
 * `<`, `>` and `"` are still escaped by the builder itself.
 */
export function xmlText(value: string): string {
  return cleanText(value).replace(/&/g, '&amp;');
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escape plain text for a slot that readers render as HTML (RSS `<description>`).
 * Without it a summary that merely mentions `<script>` would become markup in the reader.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

function parseDate(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    // Emitting "Invalid Date" would make the whole feed fail validation in readers;
    // failing loudly here points at the bad record instead.
    throw new RangeError(`Invalid date in feed data: ${JSON.stringify(iso)}`);
  }
  return date;
}

/** RFC 3339 in UTC, whole seconds (Atom, JSON Feed, sitemaps). */
export function rfc3339(iso: string): string {
  // Milliseconds are legal but noise; several sitemap consumers document only the
  // second-precision W3C datetime profile.
  return parseDate(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 822 date as RSS 2.0 requires, always in GMT, e.g. `Fri, 27 Nov 2026 21:58:05 GMT`. */
export function rfc822(iso: string): string {
  return parseDate(iso).toUTCString();
}
