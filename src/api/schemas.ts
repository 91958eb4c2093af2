/**
 * Request and response shapes of the Admin API. Requests are checked against these before a
 * service runs (src/api/validation.ts); responses are documented with them in OpenAPI and the
 * API tests check real responses against them, so the document cannot drift from the code.
 *
 * Lengths mirror the services' own limits so a client learns them from the document; the
 * services still validate (trimmed text, slugs that must exist, times in the future, …).
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { LINK_KINDS } from '../authors/authors.service.js';
import { MAX_BODY_LENGTH, MAX_TAGS, SYNDICATION_VALUES } from '../stories/stories.service.js';
import { ROLES } from '../users/permissions.js';
import { AUDIENCES, CC_LICENSES } from '../license-profiles/license-profiles.service.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const OneOf = <const T extends string>(values: readonly T[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {}) as unknown as TUnion<TLiteral<T>[]>;

const Text = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description ? { description } : {}) });
const Timestamp = (description?: string) => Type.String({ description: description ?? 'ISO 8601 UTC timestamp' });

/** Ids and slugs in paths: the services answer 404 for unknown ones. */
const Key = Type.String({ minLength: 1, maxLength: 200 });

/** Lists are wrapped so they can grow (paging, totals) without breaking clients. */
export const ItemsOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

export const NoContent = Type.Null({ description: 'No content' });

// ---- errors ----------------------------------------------------------------------------------

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. VALIDATION, FORBIDDEN, STORY_NOT_FOUND' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Field name → problems' })),
      help: Type.Optional(Type.String()),
    }),
  },
  { title: 'Error', description: 'Refused: error.code says why (VALIDATION with details per field, UNAUTHENTICATED, FORBIDDEN, …_NOT_FOUND, CONFLICT, INVALID_TRANSITION, IDEMPOTENCY_CONFLICT, …)' },
);

// ---- shared headers and params ---------------------------------------------------------------

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        'Retrying with the same key and body returns the first response instead of creating twice; the same key with a different body answers 409.',
    }),
  ),
});

export const IdParams = Type.Object({ id: Key });
export const SlugParams = Type.Object({ slug: Key });
export const VersionParams = Type.Object({ id: Key, n: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }) });

// ---- authors ---------------------------------------------------------------------------------

export const AuthorLinks = Type.Object(
  Object.fromEntries(LINK_KINDS.map((k) => [k, Type.Optional(Nullable(Text(500)))])),
  { additionalProperties: false, description: 'Handles or addresses: twitter and bluesky handles, mastodon @user@host, website https://…, email' },
);

export const AuthorCreateBody = Type.Object(
  {
    name: Text(120),
    title: Text(120, 'Job title or beat, e.g. "Asia Pacific Reporter"'),
    bio: Type.Optional(Text(2000)),
    links: Type.Optional(AuthorLinks),
    slug: Type.Optional(Text(80, 'Defaults to one made from the name')),
    tipsContact: Type.Optional(Nullable(Text(300))),
  },
  { additionalProperties: false },
);

export const AuthorPatchBody = Type.Object(
  {
    name: Type.Optional(Text(120)),
    title: Type.Optional(Text(120)),
    bio: Type.Optional(Text(2000)),
    links: Type.Optional(AuthorLinks),
    tipsContact: Type.Optional(Nullable(Text(300))),
  },
  { additionalProperties: false },
);

export const Author = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    title: Type.String(),
    bio: Type.String(),
    photoMediaId: Nullable(Type.String()),
    links: Type.Record(Type.String(), Type.String()),
    tipsContact: Nullable(Type.String()),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { title: 'Author' },
);

// ---- desks -----------------------------------------------------------------------------------

export const DeskCreateBody = Type.Object(
  {
    name: Text(80),
    description: Type.Optional(Text(500)),
    slug: Type.Optional(Text(60, 'Defaults to one made from the name')),
  },
  { additionalProperties: false },
);

export const DeskPatchBody = Type.Object(
  { name: Type.Optional(Text(80)), description: Type.Optional(Text(500)) },
  { additionalProperties: false },
);

export const Desk = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    description: Type.String(),
    position: Type.Number(),
    createdAt: Timestamp(),
  },
  { title: 'Desk' },
);

// ---- stories ---------------------------------------------------------------------------------

const StoryStatus = OneOf(['draft', 'scheduled', 'published', 'withdrawn']);
const Syndication = OneOf(SYNDICATION_VALUES, 'free: free to partners; licensees: licensees only; none: not for syndication');

const storyFields = {
  headline: Text(200),
  summary: Text(600, 'The dek'),
  body: Text(MAX_BODY_LENGTH, 'Markdown'),
  authors: Type.Array(Text(100), { minItems: 1, maxItems: 10, description: 'Author slugs, in byline order' }),
  desk: Text(100, 'Desk slug'),
  dateline: Text(100),
  tags: Type.Array(Type.String(), { maxItems: 100, description: `Tag names (at most ${MAX_TAGS} distinct, each at most 60 characters)` }),
  syndication: Syndication,
  embargoUntil: Nullable(Text(40, 'ISO 8601 with a zone; partners may hold the story but not publish it before then')),
  slug: Nullable(Text(100, 'Lowercase letters, digits and hyphens; defaults to one made from the headline; fixed once published')),
  leadImageId: Nullable(Text(64, 'Id of an uploaded image')),
  leadImageCaption: Text(500),
  leadImageCredit: Text(200),
  licenseProfile: Nullable(Text(100, 'License profile slug (GET /license-profiles); null for the site default')),
};

export const StoryCreateBody = Type.Object(
  {
    headline: storyFields.headline,
    summary: Type.Optional(storyFields.summary),
    body: storyFields.body,
    authors: storyFields.authors,
    desk: storyFields.desk,
    dateline: Type.Optional(storyFields.dateline),
    tags: Type.Optional(storyFields.tags),
    syndication: Type.Optional(storyFields.syndication),
    embargoUntil: Type.Optional(storyFields.embargoUntil),
    slug: Type.Optional(storyFields.slug),
    leadImageId: Type.Optional(storyFields.leadImageId),
    leadImageCaption: Type.Optional(storyFields.leadImageCaption),
    leadImageCredit: Type.Optional(storyFields.leadImageCredit),
    licenseProfile: Type.Optional(storyFields.licenseProfile),
  },
  { additionalProperties: false },
);

export const StoryPatchBody = Type.Partial(StoryCreateBody, { additionalProperties: false });

export const StoryListQuery = Type.Object(
  {
    status: Type.Optional(StoryStatus),
    desk: Type.Optional(Text(100, 'Desk slug')),
    q: Type.Optional(Text(200, 'Words in the headline')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
  },
  { additionalProperties: false },
);

export const ScheduleBody = Type.Object(
  { at: Text(40, 'ISO 8601 with a zone, in the future, e.g. 2026-12-01T09:00:00Z') },
  { additionalProperties: false },
);
export const CorrectionBody = Type.Object(
  { text: Text(2000, 'Correction shown on the page and sent to partners'), body: Type.Optional(Nullable(storyFields.body)) },
  { additionalProperties: false },
);
export const UpdateBody = Type.Object(
  { note: Text(2000, "Editor's note shown with the update"), body: Type.Optional(Nullable(storyFields.body)) },
  { additionalProperties: false },
);
export const WithdrawBody = Type.Object({ reason: Text(2000) }, { additionalProperties: false });

const storyProperties = {
  id: Type.String(),
  slug: Type.String(),
  status: StoryStatus,
  headline: Type.String(),
  summary: Type.String(),
  body: Type.String({ description: 'Markdown (working copy)' }),
  dateline: Type.String(),
  desk: Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() }),
  authors: Type.Array(Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String(), title: Type.String() })),
  tags: Type.Array(Type.String()),
  syndication: Syndication,
  embargoUntil: Nullable(Timestamp()),
  scheduledAt: Nullable(Timestamp()),
  publishedAt: Nullable(Timestamp()),
  updatedAt: Timestamp(),
  publicUpdatedAt: Nullable(Timestamp()),
  withdrawnAt: Nullable(Timestamp()),
  withdrawnReason: Nullable(Type.String()),
  liveVersion: Nullable(Type.Integer({ description: 'The version readers see' })),
  currentVersion: Type.Integer(),
  wordCount: Type.Integer(),
  leadImageId: Nullable(Type.String()),
  leadImageCaption: Type.String(),
  leadImageCredit: Type.String(),
  licenseProfileId: Nullable(Type.String({ description: "The story's own license profile; null when the site default applies" })),
  licenseProfile: Nullable(Type.String({ description: 'Slug of that profile' })),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp(),
  hasUnpublishedChanges: Type.Boolean({ description: 'The working copy differs from what readers see' }),
};

/** A story as returned by list endpoints. */
export const StorySummary = Type.Object(storyProperties, { title: 'Story' });

/** A single story: the list shape plus its public address. */
export const Story = Type.Object(
  { ...storyProperties, url: Type.String({ description: 'Public address (live once published)' }) },
  { title: 'StoryWithUrl' },
);

export const StoryVersionSummary = Type.Object({
  version: Type.Integer(),
  kind: Type.String(),
  headline: Type.String(),
  note: Nullable(Type.String()),
  wordCount: Type.Integer(),
  createdBy: Nullable(Type.String({ description: 'Email of the user who made it' })),
  createdAt: Timestamp(),
  live: Type.Boolean(),
});

export const StoryNote = Type.Object({
  id: Type.String(),
  kind: OneOf(['correction', 'update']),
  text: Type.String(),
  version: Type.Integer(),
  createdAt: Timestamp(),
});

export const StoryWithHistory = Type.Object(
  { ...storyProperties, url: Type.String(), versions: Type.Array(StoryVersionSummary), notes: Type.Array(StoryNote) },
  { title: 'StoryWithHistory' },
);

export const StoryList = Type.Object({ items: Type.Array(StorySummary), total: Type.Integer() });

export const StoryVersion = Type.Object(
  {
    storyId: Type.String(),
    version: Type.Integer(),
    kind: Type.String(),
    headline: Type.String(),
    summary: Type.String(),
    body: Type.String({ description: 'Markdown' }),
    bodyHtml: Type.String({ description: 'Sanitised HTML as readers see it' }),
    dateline: Type.String(),
    deskId: Type.String(),
    authorIds: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
    wordCount: Type.Integer(),
    note: Nullable(Type.String()),
    createdBy: Nullable(Type.String()),
    createdAt: Timestamp(),
  },
  { title: 'StoryVersion' },
);

// ---- license profiles ------------------------------------------------------------------------

const profileFields = {
  name: Text(100),
  slug: Text(60, 'Defaults to one made from the name; fixed once created'),
  audience: OneOf(AUDIENCES, 'free: free partners (and licensees); licensees: licensees only; nobody: not for syndication'),
  allowedEdits: Text(2000, 'What partners may change, in plain words'),
  creditTemplate: Text(500, 'Credit line; {site}, {url}, {authors} and {headline} are filled in per story'),
  linkBackRequired: Type.Boolean(),
  pixelRequired: Type.Boolean(),
  imagesIncluded: Type.Boolean(),
  noPaywall: Type.Boolean(),
  noAds: Type.Boolean({ description: 'No advertising sold against the story' }),
  delayHours: Type.Integer({ minimum: 0, maximum: 8760, description: 'Free partners get the story this many hours after publication; licensees at once' }),
  searchEngines: OneOf(['canonical', 'noindex'], "canonical: the copy's page links rel=canonical to the original; noindex: the copy asks not to be indexed"),
  ccLicenseUrl: Nullable(OneOf(CC_LICENSES.map((l) => l.url), 'A Creative Commons license, or null')),
  terms: Text(10_000, 'Further terms, free text'),
};

export const LicenseProfileCreateBody = Type.Object(
  {
    name: profileFields.name,
    slug: Type.Optional(profileFields.slug),
    audience: profileFields.audience,
    allowedEdits: Type.Optional(profileFields.allowedEdits),
    creditTemplate: Type.Optional(profileFields.creditTemplate),
    linkBackRequired: Type.Optional(profileFields.linkBackRequired),
    pixelRequired: Type.Optional(profileFields.pixelRequired),
    imagesIncluded: Type.Optional(profileFields.imagesIncluded),
    noPaywall: Type.Optional(profileFields.noPaywall),
    noAds: Type.Optional(profileFields.noAds),
    delayHours: Type.Optional(profileFields.delayHours),
    searchEngines: Type.Optional(profileFields.searchEngines),
    ccLicenseUrl: Type.Optional(profileFields.ccLicenseUrl),
    terms: Type.Optional(profileFields.terms),
  },
  { additionalProperties: false },
);

const { slug: _slug, ...patchable } = LicenseProfileCreateBody.properties;
void _slug;
export const LicenseProfilePatchBody = Type.Partial(Type.Object(patchable), { additionalProperties: false });

export const LicenseProfile = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    audience: profileFields.audience,
    allowedEdits: Type.String(),
    creditTemplate: Type.String(),
    linkBackRequired: Type.Boolean(),
    pixelRequired: Type.Boolean(),
    imagesIncluded: Type.Boolean(),
    noPaywall: Type.Boolean(),
    noAds: Type.Boolean(),
    delayHours: Type.Integer(),
    searchEngines: OneOf(['canonical', 'noindex']),
    ccLicenseUrl: Nullable(Type.String()),
    terms: Type.String(),
    isDefault: Type.Boolean({ description: 'Stories without a profile of their own follow this one' }),
    description: Type.Array(Type.String(), { description: 'The terms in plain sentences, as partners read them' }),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { title: 'LicenseProfile' },
);

export const MediaPatchBody = Type.Object(
  {
    licenseProfile: Type.Optional(Nullable(Text(100, "License profile slug that overrides the story's for this image; null to follow the story"))),
    credit: Type.Optional(Text(200, 'Photographer or agency credit')),
    alt: Type.Optional(Text(500, 'Text alternative for readers who cannot see the image')),
  },
  { additionalProperties: false },
);

export const MediaRights = Type.Object(
  {
    id: Type.String(),
    filename: Type.String(),
    contentType: Type.String(),
    size: Type.Integer(),
    alt: Type.String(),
    credit: Type.String(),
    licenseProfile: Nullable(Type.String({ description: "Slug of the image's own license profile; null when it follows the story's" })),
    createdAt: Timestamp(),
  },
  { title: 'MediaRights' },
);

// ---- users -----------------------------------------------------------------------------------

const Role = OneOf(ROLES);

export const UserCreateBody = Type.Object(
  {
    email: Text(254),
    name: Type.Optional(Text(120)),
    role: Role,
    password: Type.Optional(Text(200, 'At least 10 characters; without one the user cannot log in to the newsroom until an admin sets one')),
  },
  { additionalProperties: false },
);

export const UserPatchBody = Type.Object(
  {
    name: Type.Optional(Text(120)),
    role: Type.Optional(Role),
    status: Type.Optional(OneOf(['active', 'disabled'])),
    tipsAccess: Type.Optional(Type.Boolean({ description: 'May read the tip line (no role has it by default)' })),
  },
  { additionalProperties: false },
);

export const User = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Role,
    status: OneOf(['active', 'disabled']),
    tipsAccess: Type.Boolean({ description: 'May read the tip line' }),
    createdAt: Timestamp(),
  },
  { title: 'User' },
);

// ---- settings --------------------------------------------------------------------------------

export const SiteSettings = Type.Object(
  {
    siteName: Type.String(),
    tagline: Type.String(),
    logoMediaId: Nullable(Type.String()),
    syndicationNotice: Type.String(),
    tipsContact: Type.String(),
    licensingContact: Type.String(),
    language: Type.String({ description: 'BCP 47, e.g. en or en-US' }),
  },
  { title: 'SiteSettings' },
);

export const SettingsPatchBody = Type.Object(
  {
    siteName: Type.Optional(Text(100)),
    tagline: Type.Optional(Text(200)),
    logoMediaId: Type.Optional(Nullable(Text(64))),
    syndicationNotice: Type.Optional(Text(2000)),
    tipsContact: Type.Optional(Text(300)),
    licensingContact: Type.Optional(Text(300)),
    language: Type.Optional(Text(35)),
  },
  { additionalProperties: false },
);

// ---- audit -----------------------------------------------------------------------------------

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    before: Type.Optional(Text(64, 'Entry id from a previous page (nextBefore)')),
  },
  { additionalProperties: false },
);

export const AuditPage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      actorLabel: Type.String(),
      action: Type.String(),
      targetType: Nullable(Type.String()),
      targetId: Nullable(Type.String()),
      details: Type.Record(Type.String(), Type.Unknown()),
      createdAt: Timestamp(),
    }),
  ),
  nextBefore: Nullable(Type.String({ description: 'Pass as `before` for the next (older) page' })),
});

// ---- API tokens ------------------------------------------------------------------------------

export const TokenCreateBody = Type.Object({ name: Text(100) }, { additionalProperties: false });

export const CreatedToken = Type.Object({
  id: Type.String(),
  token: Type.Optional(
    Type.String({
      description:
        'The secret, shown once. An Idempotency-Key replay returns the id without it (secrets are never stored): revoke that token and create another.',
    }),
  ),
});

export const ApiToken = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String({ description: 'First characters of the token, to tell tokens apart' }),
    createdAt: Timestamp(),
    lastUsedAt: Nullable(Timestamp()),
    revokedAt: Nullable(Timestamp()),
  },
  { title: 'ApiToken' },
);

export type StoryListQueryT = Static<typeof StoryListQuery>;
export type AuditQueryT = Static<typeof AuditQuery>;

export const RevokedTokens = Type.Object(
  { revoked: Type.Integer({ minimum: 0, description: 'How many of the user’s tokens were active and are now revoked' }) },
  { title: 'RevokedTokens' },
);
