/**
 * Shapes of the pipeline's Admin API routes (/api/admin/license-inquiries). Checked strictly
 * (src/api/validation.ts: no type coercion, unknown fields refused) and documented in OpenAPI
 * from the same objects.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { INQUIRY_STATUSES, NOTE_MAX } from './pipeline.service.js';

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
