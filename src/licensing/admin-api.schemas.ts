/**
 * Shapes of the licensing desk's Admin API routes (/api/admin/license-inquiries, /api/admin/licenses). Checked strictly
 * (src/api/validation.ts: no type coercion, unknown fields refused) and documented in OpenAPI
 * from the same objects.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { INQUIRY_STATUSES, NOTE_MAX } from './pipeline.service.js';
import { LICENSE_STATUS_FILTERS } from './licenses.js';
import { FEE_MAX, ON_END_CHOICES, SCOPE_ITEMS_MAX, TERMS_MAX } from './licenses.service.js';

const OneOf = <const T extends string>(values: readonly T[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {}) as unknown as TUnion<TLiteral<T>[]>;
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const InquiryStatusSchema = OneOf(INQUIRY_STATUSES, 'new → contacted → negotiating → licensed | declined');

export const InquiryListQuery = Type.Object(
  {
    status: Type.Optional(InquiryStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
export type InquiryListQueryT = Static<typeof InquiryListQuery>;

export const InquiryIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const Inquiry = Type.Object(
  {
    id: Type.String(),
    status: InquiryStatusSchema,
    name: Type.String(),
    organisation: Type.String(),
    email: Type.String(),
    website: Type.String(),
    medium: Type.String({ description: 'web, print, broadcast, app, newsletter or other' }),
    territory: Type.String(),
    expectedVolume: Type.String(),
    intendedUse: Type.String(),
    message: Type.String(),
    owner: Nullable(Type.String({ description: 'The staff user who works this inquiry' })),
    revision: Type.Integer({ description: 'Send it back in PATCH to refuse overwriting a change made meanwhile' }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'LicenseInquiry' },
);

export const InquiryEvent = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'received, status, owner, note, email or license (to: the license reference)' }),
  actorLabel: Type.String(),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  note: Nullable(Type.String()),
  mail: Type.Union([Type.Object({ id: Type.String(), subject: Type.String(), status: Type.String() }), Type.Null()]),
  createdAt: Type.String(),
});

export const InquiryList = Type.Object({ items: Type.Array(Inquiry), total: Type.Integer() }, { title: 'LicenseInquiryList' });
export const InquiryWithHistory = Type.Intersect([Inquiry, Type.Object({ history: Type.Array(InquiryEvent) })], { title: 'LicenseInquiryWithHistory' });

export const InquiryPatch = Type.Object(
  {
    status: Type.Optional(InquiryStatusSchema),
    owner: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { description: 'A staff user id, or null to unassign' })),
    note: Type.Optional(Type.String({ maxLength: NOTE_MAX, description: 'Added to the history' })),
    revision: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_000_000_000, description: 'The revision the change starts from; a stale one is 409. Left out: last write wins.' })),
  },
  { additionalProperties: false, title: 'LicenseInquiryPatch' },
);
export type InquiryPatchT = Static<typeof InquiryPatch>;

// ---- licenses ---------------------------------------------------------------------------------

const DATE_DESCRIPTION =
  'YYYY-MM-DD, or an ISO 8601 date-time with a zone (2027-12-31T17:00:00Z). A date alone means 00:00 UTC of that day for startsAt, and 00:00 UTC of the next day for endsAt, so a license with "endsAt": "2027-12-31" includes 31 December (UTC).';
const DateInput = (description: string) => Type.String({ minLength: 1, maxLength: 40, description: `${description} ${DATE_DESCRIPTION}` });
const IdList = (description: string) =>
  Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: SCOPE_ITEMS_MAX }), Type.Null()], { description });

export const LicenseScopeInput = Type.Object(
  {
    profiles: Type.Optional(IdList('License profile ids (see GET /api/admin/license-profiles); left out or null: every profile offered to licensees. An empty list is refused.')),
    desks: Type.Optional(IdList('Desk slugs; left out or null: every desk. An empty list is refused.')),
  },
  { additionalProperties: false, description: 'A story is covered when it matches every list given. {} covers every story offered to licensees.' },
);

export const OnEndSchema = OneOf(ON_END_CHOICES, 'At the end: keep (the licensee may keep what it already published) or cancel (stories it may no longer use reach it as canceled)');

export const LicenseCreate = Type.Object(
  {
    scope: Type.Optional(LicenseScopeInput),
    images: Type.Boolean({ description: 'Whether the license includes the stories’ images' }),
    startsAt: DateInput('When access begins.'),
    endsAt: DateInput('When access ends; after startsAt and in the future.'),
    terms: Type.String({ maxLength: TERMS_MAX, description: 'The license terms as agreed (required)' }),
    // The length is the service's to check: inside a union the validator could only say "must be text or null".
    fee: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: `Free text of at most ${FEE_MAX} characters, e.g. "USD 1,200 a year"` })),
    onEnd: Type.Optional(OnEndSchema),
    partnerId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'An approved partner to add the license to. Left out: the inquiry’s partner, else the approved partner the inquirer signs in for or whose contact address is the inquirer’s, else a new partner of kind licensee.',
      }),
    ),
    revision: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_000_000_000, description: 'The inquiry’s revision the license starts from; a stale one is 409.' })),
  },
  { additionalProperties: false, title: 'LicenseCreate' },
);
export type LicenseCreateT = Static<typeof LicenseCreate>;

export const LicenseCreated = Type.Object(
  {
    partnerId: Type.String(),
    licenseId: Type.String(),
    reference: Type.String({ description: 'What people call it: LIC-2027-004' }),
    invitationUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'The inquirer’s one-time portal login link (also emailed). Null when they already sign in for this partner, and in an Idempotency-Key replay.',
    }),
  },
  { title: 'LicenseCreated' },
);

export const LicenseStatusFilterSchema = OneOf(LICENSE_STATUS_FILTERS, 'active: in force (ending ones included); ending: in force and ending within 30 days; ended');

export const LicenseListQuery = Type.Object(
  {
    status: Type.Optional(LicenseStatusFilterSchema),
    partner: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A partner id' })),
  },
  { additionalProperties: false },
);
export type LicenseListQueryT = Static<typeof LicenseListQuery>;

export const LicenseIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const License = Type.Object(
  {
    id: Type.String(),
    reference: Type.String(),
    partnerId: Type.String(),
    outlet: Type.String(),
    inquiryId: Nullable(Type.String()),
    scope: Type.Object({
      profiles: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'License profile ids; null: every profile offered to licensees' }),
      desks: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Desk slugs; null: every desk' }),
    }),
    covers: Type.String({ description: 'What the license covers, in a sentence' }),
    images: Type.Boolean(),
    startsAt: Type.String(),
    endsAt: Nullable(Type.String({ description: 'Null only for licenses recorded before licenses had dates' })),
    onEnd: OnEndSchema,
    terms: Type.String(),
    fee: Nullable(Type.String()),
    state: OneOf(['scheduled', 'active', 'ending', 'ended'] as const, 'scheduled, active, ending (within 30 days) or ended, at the time of the request'),
    revision: Type.Integer({ description: 'Send it back in PATCH to refuse overwriting a change made meanwhile' }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    renewalReminders: Type.Object({ days30SentAt: Nullable(Type.String()), days7SentAt: Nullable(Type.String()) }),
  },
  { title: 'License' },
);

export const LicenseList = Type.Object({ items: Type.Array(License) }, { title: 'LicenseList' });

export const LicensePatch = Type.Object(
  {
    startsAt: Type.Optional(DateInput('A new start.')),
    endsAt: Type.Optional(DateInput('A new end (later: extend); in the future. To end the license now, send endNow instead.')),
    terms: Type.Optional(Type.String({ maxLength: TERMS_MAX })),
    fee: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: `At most ${FEE_MAX} characters; null or "" removes it` })),
    onEnd: Type.Optional(OnEndSchema),
    images: Type.Optional(Type.Boolean()),
    scope: Type.Optional(LicenseScopeInput),
    endNow: Type.Optional(Type.Literal(true, { description: 'End the license at this moment (refused for one that already ended)' })),
    revision: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_000_000_000, description: 'The revision the change starts from; a stale one is 409. Left out: last write wins.' })),
  },
  { additionalProperties: false, title: 'LicensePatch' },
);
export type LicensePatchT = Static<typeof LicensePatch>;
