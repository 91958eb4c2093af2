/**
 * Request and response shapes of the public licensing inquiry endpoint. Checked strictly
 * (src/api/validation.ts: no type coercion, unknown fields refused) and documented in OpenAPI from
 * the same objects. Lengths come from the service's limits so the two cannot disagree.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { INQUIRY_LIMITS as L, INQUIRY_MEDIA } from './inquiries.service.js';

const OneOf = <const T extends string>(values: readonly T[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {}) as unknown as TUnion<TLiteral<T>[]>;

export const InquiryBody = Type.Object(
  {
    name: Type.String({ maxLength: L.name, description: 'Your name' }),
    organisation: Type.String({ maxLength: L.organisation, description: 'The publication or organisation that wants to license' }),
    email: Type.String({ maxLength: L.email, description: 'Where the acknowledgement and our reply are sent' }),
    website: Type.String({ maxLength: L.website, description: 'Full http(s) address, e.g. https://www.example-news.org' }),
    intendedUse: Type.String({ maxLength: L.intendedUse, description: 'Which stories, and how they would be used' }),
    medium: OneOf(INQUIRY_MEDIA, 'Where the stories would appear'),
    territory: Type.String({ maxLength: L.territory, description: 'Countries or regions of distribution' }),
    expectedVolume: Type.String({ maxLength: L.expectedVolume, description: 'Roughly how many stories, how often, for how large an audience' }),
    message: Type.Optional(Type.String({ maxLength: L.message, description: 'Anything else we should know' })),
  },
  { additionalProperties: false, title: 'LicenseInquiry' },
);
export type InquiryBodyT = Static<typeof InquiryBody>;

export const InquiryCreated = Type.Object(
  {
    id: Type.String({ description: 'The inquiry’s reference' }),
    status: OneOf(['new'] as const, 'Every inquiry starts as new'),
  },
  { title: 'LicenseInquiryReceipt' },
);
