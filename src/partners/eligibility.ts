/**
 * Eligibility rules set by the admin, and the verdict for one application: each rule passes or
 * fails with a reason an editor can read. The verdict advises; an editor decides.
 */
import { Fields } from '../util/validate.js';

export interface EligibilityRules {
  /** Minimum monthly unique visitors. */
  minAudience: number;
  /** Fields that must be filled with more than a token answer. */
  requiredFields: Array<'evidence' | 'intendedUse' | 'contactName'>;
  /** Domains (and their subdomains) that may not join. */
  blockedDomains: string[];
  /** When true every application waits for an editor, even one passing every rule. */
  manualReview: boolean;
}

export const DEFAULT_ELIGIBILITY_RULES: EligibilityRules = Object.freeze({
  minAudience: 50_000,
  requiredFields: ['evidence', 'intendedUse'],
  blockedDomains: [],
  manualReview: true,
}) as EligibilityRules;

const REQUIRABLE = ['evidence', 'intendedUse', 'contactName'] as const;

export interface RuleResult {
  rule: string;
  passed: boolean;
  reason: string;
}

export interface EligibilityReport {
  eligible: boolean;
  results: RuleResult[];
  manualReview: boolean;
  evaluatedAt: string;
}

export interface ApplicationFacts {
  outlet: string;
  website: string;
  domain: string;
  contactName: string;
  email: string;
  audience: number;
  evidence: string;
  intendedUse: string;
}

/** Parses stored or submitted rules. With `strict`, bad input throws field errors. */
export function parseEligibilityRules(input: unknown, strict = false): EligibilityRules {
  const f = new Fields();
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  let minAudience = DEFAULT_ELIGIBILITY_RULES.minAudience;
  if (o.minAudience !== undefined) {
    const n = typeof o.minAudience === 'string' ? Number(o.minAudience) : o.minAudience;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 10_000_000_000) f.add('minAudience', 'must be a whole number');
    else minAudience = n;
  }
  let requiredFields = [...DEFAULT_ELIGIBILITY_RULES.requiredFields];
  if (o.requiredFields !== undefined) {
    const list = Array.isArray(o.requiredFields) ? o.requiredFields : typeof o.requiredFields === 'string' ? [o.requiredFields] : null;
    if (!list || !list.every((x) => (REQUIRABLE as readonly unknown[]).includes(x))) f.add('requiredFields', `must be a list of ${REQUIRABLE.join(', ')}`);
    else requiredFields = [...new Set(list as EligibilityRules['requiredFields'])];
  }
  let blockedDomains: string[] = [];
  if (o.blockedDomains !== undefined) {
    const list = Array.isArray(o.blockedDomains) ? o.blockedDomains : typeof o.blockedDomains === 'string' ? o.blockedDomains.split(/[\s,]+/) : null;
    if (!list || !list.every((x) => typeof x === 'string')) f.add('blockedDomains', 'must be a list of domains');
    else {
      blockedDomains = [...new Set((list as string[]).map((d) => d.trim().toLowerCase().replace(/^https?:\/\//, '').split('/', 1)[0]!.replace(/^www\./, '')).filter(Boolean))];
      if (blockedDomains.length > 1000 || blockedDomains.some((d) => d.length > 253 || !/^[a-z0-9.-]+$/.test(d))) f.add('blockedDomains', 'must be domain names such as example.com');
    }
  }
  let manualReview = DEFAULT_ELIGIBILITY_RULES.manualReview;
  if (o.manualReview !== undefined) {
    if (typeof o.manualReview === 'boolean') manualReview = o.manualReview;
    else if (o.manualReview === 'true' || o.manualReview === 'on') manualReview = true;
    else if (o.manualReview === 'false' || o.manualReview === 'off') manualReview = false;
    else f.add('manualReview', 'must be true or false');
  }
  if (strict) f.throwIfAny('The eligibility rules need attention');
  return { minAudience, requiredFields, blockedDomains, manualReview };
}

const LABELS: Record<string, string> = { evidence: 'Evidence of audience', intendedUse: 'Intended use', contactName: 'Contact name' };

export function evaluateEligibility(rules: EligibilityRules, app: ApplicationFacts, now: Date = new Date()): EligibilityReport {
  const results: RuleResult[] = [];
  results.push(
    app.audience >= rules.minAudience
      ? { rule: 'minAudience', passed: true, reason: `Audience ${app.audience.toLocaleString('en-US')} meets the minimum of ${rules.minAudience.toLocaleString('en-US')}.` }
      : { rule: 'minAudience', passed: false, reason: `Audience ${app.audience.toLocaleString('en-US')} is below the minimum of ${rules.minAudience.toLocaleString('en-US')} monthly unique visitors.` },
  );
  for (const field of rules.requiredFields) {
    const value = app[field].trim();
    // "n/a", "-" or a couple of characters is not an answer.
    const substantive = value.length >= 10 && !/^(n\/?a|none|-+|\.+)$/i.test(value);
    results.push({
      rule: `required:${field}`,
      passed: substantive,
      reason: substantive ? `${LABELS[field]} is provided.` : `${LABELS[field]} is missing or too short to assess.`,
    });
  }
  const blocked = rules.blockedDomains.find((d) => app.domain === d || app.domain.endsWith(`.${d}`));
  results.push(
    blocked
      ? { rule: 'blockedDomains', passed: false, reason: `The domain ${app.domain} is blocked (${blocked}).` }
      : { rule: 'blockedDomains', passed: true, reason: `The domain ${app.domain} is not blocked.` },
  );
  return { eligible: results.every((r) => r.passed), results, manualReview: rules.manualReview, evaluatedAt: now.toISOString() };
}
