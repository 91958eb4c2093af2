/**
 * Partner domains: where a partner publishes. The domain of its website (partners.domain, set
 * from the application) plus the extra domains it lists in the portal. The pixel records the page
 * where a story ran only when the page's host is one of these or a subdomain of one, so a forged
 * Referer cannot make the attribution checker fetch somebody else's page.
 *
 * Domains are checked strictly: plain host names (no scheme, path, port, user or wildcard),
 * at least two labels, letters/digits/hyphens per label, a real-looking top-level label (so no
 * IP addresses, no "localhost"). International names are stored in their ASCII (punycode) form,
 * the form URL host names take, so matching is a plain string comparison.
 */
import { domainToASCII } from 'node:url';
import { parseStringArray } from '../util/json.js';

/** More than any outlet needs; keeps the partner row and the per-hit check small. */
export const MAX_EXTRA_DOMAINS = 20;
const MAX_DOMAIN_LENGTH = 253;
/** The raw text of the form field or the API list, before splitting. */
const MAX_INPUT_LENGTH = MAX_EXTRA_DOMAINS * (MAX_DOMAIN_LENGTH + 2);

const LABEL = /^[a-z0-9-]{1,63}$/;
// Top-level labels are letters (com, org, museum) or an IDN in punycode (xn--p1ai); never digits.
const TOP_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** The normalised domain, or a message saying what is wrong with it. */
export function normaliseDomain(input: string): { domain: string } | { problem: string } {
  const raw = input.trim();
  if (raw.length > MAX_DOMAIN_LENGTH + 1) return { problem: `is too long (at most ${MAX_DOMAIN_LENGTH} characters)` };
  if (/[/:@?#*\s\\]/.test(raw)) return { problem: 'must be a domain name only, like news.example.org (no https://, path, port or wildcard)' };
  const lowered = raw.toLowerCase().replace(/\.$/, '');
  // domainToASCII answers '' for names it cannot encode (and for IPv6 literals, rejected above).
  const ascii = /^[\x21-\x7e]*$/.test(lowered) ? lowered : domainToASCII(lowered);
  if (ascii === '' || ascii.length > MAX_DOMAIN_LENGTH) return { problem: 'is not a valid domain name' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { problem: 'must have at least two parts, like example.org' };
  for (const label of labels) {
    if (!LABEL.test(label) || label.startsWith('-') || label.endsWith('-')) return { problem: 'is not a valid domain name (letters, digits and hyphens between dots)' };
  }
  if (!TOP_LABEL.test(labels[labels.length - 1]!)) return { problem: 'must end in a top-level domain like .org (IP addresses are not accepted)' };
  return { domain: ascii };
}

/**
 * Parses the extra domains a partner (or an editor) submits: a list, or text with one domain per
 * line (commas and spaces also separate). Duplicates and the partner's own domain are dropped.
 * Returns the domains, or the messages for the `domains` field.
 */
export function parseDomainList(input: unknown, ownDomain: string): { domains: string[]; problems: string[] } {
  let items: unknown[];
  if (typeof input === 'string') {
    if (input.length > MAX_INPUT_LENGTH) return { domains: [], problems: ['is too long'] };
    items = input.split(/[\s,]+/);
  } else if (Array.isArray(input)) {
    if (input.length > MAX_EXTRA_DOMAINS * 2) return { domains: [], problems: [`may list at most ${MAX_EXTRA_DOMAINS} domains`] };
    items = input;
  } else if (input === undefined || input === null) {
    items = [];
  } else {
    return { domains: [], problems: ['must be a list of domains'] };
  }
  const domains: string[] = [];
  const problems: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      problems.push('every entry must be a domain name');
      continue;
    }
    if (item.trim() === '') continue;
    const r = normaliseDomain(item);
    // The entry is echoed in the message, shortened: it is the user's own input.
    if ('problem' in r) problems.push(`${item.trim().slice(0, 80)} ${r.problem}`);
    else if (r.domain !== ownDomain && !domains.includes(r.domain)) domains.push(r.domain);
  }
  if (domains.length > MAX_EXTRA_DOMAINS) problems.push(`may list at most ${MAX_EXTRA_DOMAINS} domains`);
  return { domains, problems };
}

/** True when `host` (a URL's hostname: lower case, punycode) is one of `domains` or under one. */
export function hostMatches(host: string, domains: readonly string[]): boolean {
  for (const d of domains) {
    if (d === '') continue;
    if (host === d || (host.length > d.length && host.endsWith(d) && host.charCodeAt(host.length - d.length - 1) === 46 /* . */)) return true;
  }
  return false;
}

/** Every domain a partner publishes on: its website's domain first, then the extra ones. */
export function partnerDomains(domain: string, extraDomainsJson: string): string[] {
  return [domain, ...parseStoredDomains(extraDomainsJson)];
}

/** The stored JSON array; anything unexpected reads as no extra domains rather than failing a page. */
export const parseStoredDomains = parseStringArray;
