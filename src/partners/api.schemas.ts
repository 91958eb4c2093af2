/**
 * Request and response shapes of the program's JSON endpoints: the public application endpoint
 * and the Admin API's partner routes. Checked strictly (src/api/validation.ts: no type coercion,
 * unknown fields refused) and documented in OpenAPI from the same objects.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { PARTNER_STATUSES, MAX_AUDIENCE } from './partners.service.js';
import { MAX_EXTRA_DOMAINS } from './domains.js';

const OneOf = <const T extends string>(values: readonly T[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {}) as unknown as TUnion<TLiteral<T>[]>;
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const PartnerStatusSchema = OneOf(PARTNER_STATUSES, 'pending: waiting for an editor; approved: may republish; rejected; suspended: keys and feeds stop working');

// ---- public application --------------------------------------------------------------------

export const ApplicationBody = Type.Object(
  {
    outlet: Type.String({ maxLength: 200, description: 'Name of the publication' }),
    website: Type.String({ maxLength: 500, description: 'Full http(s) address of the publication, e.g. https://www.example-news.org' }),
    contactName: Type.String({ maxLength: 200 }),
    email: Type.String({ maxLength: 254, description: 'Where the decision and the login invitation are sent' }),
    audience: Type.Integer({ minimum: 0, maximum: MAX_AUDIENCE, description: 'Monthly unique visitors (a whole number)' }),
    evidence: Type.String({ maxLength: 5000, description: 'Where the audience figure comes from' }),
    intendedUse: Type.String({ maxLength: 5000, description: 'Which stories, and where they will appear' }),
    acceptTerms: Type.Boolean({ description: 'Must be true: the applicant accepts the terms published at /republish' }),
  },
  { additionalProperties: false, title: 'Application' },
);
export type ApplicationBodyT = Static<typeof ApplicationBody>;

export const ApplicationCreated = Type.Object(
  {
    id: Type.String({ description: 'The application id; the newsroom and the Admin API know the partner by it' }),
    status: PartnerStatusSchema,
  },
  { title: 'ApplicationReceipt' },
);

// ---- admin: partners -----------------------------------------------------------------------

export const RuleResult = Type.Object({
  rule: Type.String({ description: 'minAudience, required:<field> or blockedDomains' }),
  passed: Type.Boolean(),
  reason: Type.String({ description: 'Why, in words an editor can pass on' }),
});

export const EligibilityReport = Type.Object(
  {
    eligible: Type.Boolean({ description: 'True when every rule passed' }),
    results: Type.Array(RuleResult),
    manualReview: Type.Boolean(),
    evaluatedAt: Type.String(),
  },
  { description: 'The verdict under the rules in force when the application was judged' },
);

export const Partner = Type.Object(
  {
    id: Type.String(),
    outlet: Type.String(),
    website: Type.String(),
    domain: Type.String({ description: 'The website’s domain (without www.)' }),
    extraDomains: Type.Array(Type.String(), { description: 'Other domains where the partner publishes; the pixel records pages only on these, the website’s domain, and their subdomains' }),
    contactName: Type.String(),
    email: Type.String(),
    audience: Type.Integer(),
    evidence: Type.String(),
    intendedUse: Type.String(),
    status: PartnerStatusSchema,
    kind: OneOf(['free', 'licensee'] as const),
    eligibility: EligibilityReport,
    decisionReason: Nullable(Type.String()),
    decidedAt: Nullable(Type.String()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'Partner' },
);

export const DomainsBody = Type.Object(
  {
    domains: Type.Array(Type.String({ maxLength: 300 }), {
      maxItems: 40,
      description: `Replaces the partner’s other domains: plain domain names such as edition.example.org (subdomains are included), at most ${MAX_EXTRA_DOMAINS}; [] for none`,
    }),
  },
  { additionalProperties: false },
);
export type DomainsBodyT = Static<typeof DomainsBody>;

export const PartnerList = Type.Object({ items: Type.Array(Partner), total: Type.Integer() });

export const PartnerListQuery = Type.Object(
  {
    status: Type.Optional(PartnerStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
export type PartnerListQueryT = Static<typeof PartnerListQuery>;

export const PartnerIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const Decided = Type.Object(
  {
    partner: Partner,
    invitationUrl: Nullable(Type.String({ description: 'Approvals: the one-time login link emailed to the partner (null when they already have a login)' })),
    mailId: Type.String({ description: 'The outbox message telling the partner' }),
  },
  { title: 'Decision' },
);

export const RejectBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Sent to the applicant' }) }, { additionalProperties: false });
export const SuspendBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

export const KeyCreateBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, description: 'What the key is for, e.g. "CMS import"' }) }, { additionalProperties: false });
export const CreatedKey = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    key: Type.Optional(Type.String({ description: 'The secret, shown once (absent in an Idempotency-Key replay: only its hash is stored)' })),
  },
  { title: 'CreatedPartnerKey' },
);

// ---- admin: eligibility rules --------------------------------------------------------------

export const EligibilityRules = Type.Object(
  {
    minAudience: Type.Integer({ minimum: 0, maximum: 10_000_000_000, description: 'Minimum monthly unique visitors' }),
    requiredFields: Type.Array(OneOf(['evidence', 'intendedUse', 'contactName'] as const), { maxItems: 3, description: 'Fields that need a substantive answer' }),
    blockedDomains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 1000, description: 'Domains (and their subdomains) that may not join' }),
    manualReview: Type.Boolean({ description: 'true: every application waits for an editor; false: applications passing every rule are approved at once' }),
  },
  { additionalProperties: false, title: 'EligibilityRules' },
);
export const EligibilityRulesPatch = Type.Partial(EligibilityRules, { additionalProperties: false });
