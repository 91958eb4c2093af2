/**
 * Row types as both engines return them. Timestamps are ISO-8601 UTC text
 * (`2026-11-27T21:58:05.123Z`) on both engines so they compare and sort the same way;
 * JSON is stored as text; enums are text; ids are UUIDv7 text except `events.id`,
 * an increasing integer that partners and caches use as a cursor.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Role = 'admin' | 'editor' | 'reporter';
export type UserStatus = 'active' | 'disabled';
export type StoryStatus = 'draft' | 'scheduled' | 'published' | 'withdrawn';
export type Syndication = 'free' | 'licensees' | 'none';
export type VersionKind = 'create' | 'save' | 'publish' | 'update' | 'correction' | 'withdraw' | 'restore';
export type NoteKind = 'correction' | 'update';
export type EventType =
  | 'story.published'
  | 'story.updated'
  | 'story.corrected'
  | 'story.withdrawn'
  | 'story.embargo_lifted'
  /** A delayed free release came due: free partners may now have the story (a clock event). */
  | 'story.released'
  | 'site.updated';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string | null;
  status: UserStatus;
  /** 1 when the user may read the tip line (granted by admins; no role has it by default). */
  tips_access: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  /** sha256 of the cookie token; the token itself is never stored. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** sha256 of the token; tokens carry 256 bits of randomness so a fast hash is enough. */
  token_hash: string;
  /** First characters of the token, to tell tokens apart in lists. */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuthorsTable {
  id: string;
  slug: string;
  name: string;
  title: string;
  bio: string;
  photo_media_id: string | null;
  links_json: string;
  tips_contact: string | null;
  created_at: string;
  updated_at: string;
}

export interface DesksTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  position: number;
  created_at: string;
  updated_at: string;
}

export interface TagsTable {
  id: string;
  slug: string;
  name: string;
}

export interface StoriesTable {
  id: string;
  slug: string;
  status: StoryStatus;
  /** Working copy: what editors see. Readers see the snapshot in story_versions at live_version. */
  headline: string;
  summary: string;
  body_md: string;
  dateline: string;
  desk_id: string;
  syndication: Syndication;
  license_profile_id: string | null;
  lead_image_id: string | null;
  lead_image_caption: string;
  lead_image_credit: string;
  embargo_until: string | null;
  scheduled_at: string | null;
  published_at: string | null;
  /** Time of the last public update or correction. */
  public_updated_at: string | null;
  withdrawn_at: string | null;
  withdrawn_reason: string | null;
  live_version: number | null;
  live_desk_id: string | null;
  current_version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface StoryAuthorsTable {
  story_id: string;
  author_id: string;
  position: number;
}

export interface StoryTagsTable {
  story_id: string;
  tag_id: string;
}

export interface StoryLiveAuthorsTable {
  story_id: string;
  author_id: string;
  position: number;
}

export interface StoryLiveTagsTable {
  story_id: string;
  tag_id: string;
}

export interface StoryVersionsTable {
  id: string;
  story_id: string;
  version: number;
  kind: VersionKind;
  headline: string;
  summary: string;
  body_md: string;
  body_html: string;
  dateline: string;
  desk_id: string;
  /** JSON array of author ids in byline order. */
  authors_json: string;
  /** JSON array of tag names. */
  tags_json: string;
  word_count: number;
  note: string | null;
  created_by: string | null;
  created_at: string;
  /**
   * Partner rights as they were in this version. Partners and readers read them from the live
   * version, never from the working copy, so an unpublished edit changes nothing outside.
   */
  syndication: ColumnType<Syndication, Syndication | undefined, Syndication>;
  license_profile_id: ColumnType<string | null, string | null | undefined, string | null>;
  embargo_until: ColumnType<string | null, string | null | undefined, string | null>;
  lead_image_id: ColumnType<string | null, string | null | undefined, string | null>;
  lead_image_caption: ColumnType<string, string | undefined, string>;
  lead_image_credit: ColumnType<string, string | undefined, string>;
}

export interface StoryNotesTable {
  id: string;
  story_id: string;
  kind: NoteKind;
  text: string;
  version: number;
  created_by: string | null;
  created_at: string;
}

export interface StorySearchTable {
  story_id: string;
  headline: string;
  summary: string;
  body: string;
  tags: string;
}

export interface EventsTable {
  id: Generated<number>;
  type: EventType;
  story_id: string | null;
  version: number | null;
  payload_json: string;
  created_at: string;
}

export interface AuditLogTable {
  id: string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details_json: string;
  created_at: string;
}

export interface SettingsTable {
  key: string;
  value_json: string;
  updated_at: string;
}

export interface MediaTable {
  id: string;
  license_profile_id: ColumnType<string | null, string | null | undefined, string | null>;
  credit: ColumnType<string, string | undefined, string>;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  data: Buffer;
  alt: string;
  created_at: string;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number;
  response_json: string;
  created_at: string;
}

export type LicenseAudience = 'free' | 'licensees' | 'nobody';
export type PartnerStatus = 'pending' | 'approved' | 'rejected' | 'suspended';
export type PartnerKind = 'free' | 'licensee';
export type FollowKind = 'desk' | 'tag' | 'search';
export type MailStatus = 'queued' | 'sent' | 'failed' | 'held';
export type CheckStatus = 'unchecked' | 'compliant' | 'noncompliant' | 'unreachable';

export interface LicenseProfilesTable {
  id: string;
  slug: string;
  name: string;
  audience: LicenseAudience;
  allowed_edits: string;
  /** e.g. "This story was originally published by {site} and is republished with permission." */
  credit_template: string;
  link_back: number;
  pixel: number;
  images: 'included' | 'excluded';
  no_paywall: number;
  no_ads: number;
  delay_hours: number;
  search_engines: 'canonical' | 'noindex';
  cc_license_url: string | null;
  terms: string;
  created_at: string;
  updated_at: string;
}

export interface PartnersTable {
  id: string;
  outlet: string;
  website: string;
  domain: string;
  contact_name: string;
  email: string;
  audience: number;
  evidence: string;
  intended_use: string;
  status: PartnerStatus;
  kind: PartnerKind;
  eligibility_json: string;
  decision_reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
  feed_token_hash: string | null;
  /** JSON array of extra domains where the partner publishes (besides `domain`); '[]' by default. */
  extra_domains_json: ColumnType<string, string | undefined, string>;
  created_at: string;
  updated_at: string;
}

export interface PartnerUsersTable {
  id: string;
  partner_id: string;
  email: string;
  name: string;
  password_hash: string | null;
  status: UserStatus;
  created_at: string;
  updated_at: string;
}

export interface PartnerInvitationsTable {
  id: string;
  partner_id: string;
  email: string;
  token_hash: string;
  expires_at: string;
  accepted_at: string | null;
  created_at: string;
}

export interface PartnerSessionsTable {
  id: string;
  partner_user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface PartnerKeysTable {
  id: string;
  partner_id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface PartnerFollowsTable {
  id: string;
  partner_id: string;
  kind: FollowKind;
  value: string;
  created_at: string;
}

export interface PartnerPrefsTable {
  partner_id: string;
  email_on_kill: number;
  email_on_correction: number;
  daily_digest: number;
  updated_at: string;
}

export interface MailOutboxTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: MailStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  /** The part of the message kept out of text_body (an invitation link) until it is sent; then null. */
  secret: string | null;
}

/** Failed logins per sha256(scope, account, address) or sha256(scope, address). */
export interface LoginThrottleTable {
  key: string;
  failures: number;
  last_failure_at: string;
}

export interface PixelTokensTable {
  token: string;
  story_id: string;
  partner_id: string;
  created_at: string;
}

export interface UsageDailyTable {
  story_id: string;
  partner_id: string;
  /** YYYY-MM-DD (UTC) */
  day: string;
  views: number;
}

export interface UsagePagesTable {
  id: string;
  story_id: string;
  partner_id: string;
  url: string;
  views: number;
  first_seen: string;
  last_seen: string;
  check_status: CheckStatus;
  check_details_json: string;
  checked_at: string | null;
}

export interface UsageSaltsTable {
  day: string;
  salt: string;
}

/** When a published story changes for partners of one kind (see src/syndication/change-points.ts). */
export interface PartnerChangePointsTable {
  story_id: string;
  kind: PartnerKind;
  at: string;
}

/** One consumer of the event log: its cursor and which node holds it (src/events/consumers.ts). */
export interface EventConsumersTable {
  name: string;
  last_event_id: number;
  lease_holder: string | null;
  lease_until: string | null;
  updated_at: string;
}

export type WebhookEndpointStatus = 'enabled' | 'disabled';

export interface WebhookEndpointsTable {
  id: string;
  partner_id: string;
  url: string;
  description: string;
  /** JSON array of event types; '[]' = every story event. */
  events_json: string;
  /** whsec_… — kept as is: every delivery is signed with it. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  status: WebhookEndpointStatus;
  disabled_reason: string | null;
  disabled_at: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'canceled';

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  partner_id: string;
  /** null for webhook.test and replays. */
  event_id: number | null;
  /** The webhook-id header, stable across attempts. */
  message_id: string;
  type: string;
  story_id: string | null;
  story_version: string | null;
  /** The exact JSON body sent on every attempt. */
  body: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  claim_token: string | null;
  claimed_until: string | null;
  last_attempt_at: string | null;
  response_status: number | null;
  duration_ms: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

/** Who had which story through what the server handed out itself (see the 2026_12_03_0900 migration). */
export interface StoryReceiptsTable {
  story_id: string;
  partner_id: string;
  channel: 'api' | 'feed';
  first_at: string;
  last_at: string;
  /** The last version delivered (ninjs version string). */
  version: string;
}

export type NoticeEventType = 'story.corrected' | 'story.withdrawn';

/** One notice of a correction or withdrawal to one partner (see the 2026_12_03_0930 migration). */
export interface NoticeSendsTable {
  event_id: number;
  partner_id: string;
  story_id: string;
  type: NoticeEventType;
  mode: 'instant' | 'digest' | 'resend';
  status: 'pending' | 'sent';
  digest_day: string | null;
  created_at: string;
  sent_at: string | null;
  resent_at: string | null;
}

/** The daily digest of one partner on one UTC day: inserting it claims the day. */
export interface NoticeDigestsTable {
  partner_id: string;
  day: string;
  entries: number;
  sent_at: string;
}

/** A partner confirmed a correction or withdrawal. */
export interface StoryAcknowledgementsTable {
  partner_id: string;
  event_id: number;
  story_id: string;
  type: NoticeEventType;
  acknowledged_at: string;
  acknowledged_by: string;
}

export type WebSubState = 'pending' | 'active' | 'unsubscribed' | 'expired' | 'failed' | 'ended';
export type WebSubDeliveryStatus = 'pending' | 'delivered' | 'superseded' | 'failed' | 'canceled';

/** A WebSub subscription per (topic, callback); see the 2026_12_03_1000 migration. */
export interface WebSubSubscriptionsTable {
  id: string;
  topic: string;
  callback: string;
  partner_id: string | null;
  state: WebSubState;
  secret: string | null;
  lease_seconds: number | null;
  lease_expires_at: string | null;
  intent_mode: 'subscribe' | 'unsubscribe' | null;
  intent_lease_seconds: number | null;
  intent_secret: string | null;
  intent_requested_at: string | null;
  verify_attempts: number;
  verify_next_at: string | null;
  claim_token: string | null;
  claimed_until: string | null;
  verified_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  last_delivery_at: string | null;
  last_delivery_status: number | null;
  created_at: string;
  updated_at: string;
}

export type InquiryStatus = 'new' | 'contacted' | 'negotiating' | 'licensed' | 'declined';
export type InquiryMedium = 'web' | 'print' | 'broadcast' | 'app' | 'newsletter' | 'other';

/** A licensing inquiry and its place in the desk's pipeline. See migration 2026_12_03_1200. */
export interface LicenseInquiriesTable {
  id: string;
  status: InquiryStatus;
  name: string;
  organisation: string;
  email: string;
  website: string;
  intended_use: string;
  medium: InquiryMedium;
  territory: string;
  expected_volume: string;
  message: string;
  owner_id: string | null;
  partner_id: string | null;
  revision: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
  status_changed_at: string;
}

export type InquiryEventKind = 'received' | 'status' | 'owner' | 'note' | 'email' | 'license';

/** Append-only history of an inquiry. */
export interface LicenseInquiryEventsTable {
  id: string;
  inquiry_id: string;
  kind: InquiryEventKind;
  actor_id: string | null;
  actor_label: string;
  from_value: string | null;
  to_value: string | null;
  note: string | null;
  mail_id: string | null;
  created_at: string;
}

export type LicenseOnEnd = 'keep' | 'cancel';

/** A license held by a partner. See migration 2026_12_03_1300_licenses. */
export interface LicensesTable {
  id: string;
  reference: string;
  partner_id: string;
  inquiry_id: string | null;
  /** JSON array of license profile ids; NULL: not narrowed by profile. */
  scope_profiles_json: string | null;
  /** JSON array of desk ids; NULL: not narrowed by desk. */
  scope_desks_json: string | null;
  images: number;
  starts_at: string;
  /** NULL only for licenses recorded before licenses had dates (see the migration). */
  ends_at: string | null;
  on_end: LicenseOnEnd;
  terms: string;
  fee: string | null;
  revision: ColumnType<number, number | undefined, number>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  renewal_30_sent_at: string | null;
  renewal_7_sent_at: string | null;
}

/** One row: the installation's codename lookup salt. See migration 2026_12_03_1100_tip_line. */
export interface TipLineTable {
  id: string;
  lookup_salt: string;
  form_key: string;
  created_at: string;
}

/** A newsroom tip key pair: public half in the clear, secret half sealed with the passphrase. Base64 (standard, padded). */
export interface TipKeysTable {
  id: string;
  public_key: string;
  fingerprint: string;
  sealed_secret_key: string;
  nonce: string;
  salt: string;
  opslimit: number;
  memlimit: number;
  created_at: string;
  created_by: string | null;
  active: ColumnType<number, number | undefined, number>;
  retired_at: string | null;
}

export type TipStatus = 'new' | 'open' | 'closed';

export interface TipConversationsTable {
  id: string;
  lookup: string;
  reply_public_key: string;
  status: TipStatus;
  /** JSON array of labels. */
  labels: ColumnType<string, string | undefined, string>;
  assignee_id: string | null;
  unread: ColumnType<number, number | undefined, number>;
  message_count: ColumnType<number, number | undefined, number>;
  attachment_count: ColumnType<number, number | undefined, number>;
  total_bytes: ColumnType<number, number | undefined, number>;
  /** Whole hours (ISO, minutes and seconds zero). */
  received_at: string;
  last_source_at: string;
  last_reply_at: string | null;
  revision: ColumnType<number, number | undefined, number>;
}

export interface TipMessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  author: 'source' | 'newsroom';
  key_id: string;
  sealed: Buffer;
  sealed_for_source: Buffer | null;
  encrypted_in: 'browser' | 'server';
  author_user_id: string | null;
  attachment_count: ColumnType<number, number | undefined, number>;
  received_at: string;
}

export interface TipAttachmentsTable {
  id: string;
  message_id: string;
  conversation_id: string;
  position: number;
  size: number;
  data: Buffer;
}

export interface TipSubmissionTokensTable {
  token_hash: string;
  expires_at: string;
}

export interface WebSubDeliveriesTable {
  id: string;
  subscription_id: string;
  event_id: number | null;
  status: WebSubDeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  claim_token: string | null;
  claimed_until: string | null;
  first_failed_at: string | null;
  last_attempt_at: string | null;
  response_status: number | null;
  duration_ms: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

export interface MigrationsTable {
  name: string;
  applied_at: string;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  authors: AuthorsTable;
  desks: DesksTable;
  tags: TagsTable;
  stories: StoriesTable;
  story_authors: StoryAuthorsTable;
  story_tags: StoryTagsTable;
  story_live_authors: StoryLiveAuthorsTable;
  story_live_tags: StoryLiveTagsTable;
  story_versions: StoryVersionsTable;
  story_notes: StoryNotesTable;
  story_search: StorySearchTable;
  events: EventsTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
  media: MediaTable;
  idempotency_keys: IdempotencyKeysTable;
  license_profiles: LicenseProfilesTable;
  partners: PartnersTable;
  partner_users: PartnerUsersTable;
  partner_invitations: PartnerInvitationsTable;
  partner_sessions: PartnerSessionsTable;
  partner_keys: PartnerKeysTable;
  partner_follows: PartnerFollowsTable;
  partner_prefs: PartnerPrefsTable;
  mail_outbox: MailOutboxTable;
  login_throttle: LoginThrottleTable;
  pixel_tokens: PixelTokensTable;
  usage_daily: UsageDailyTable;
  usage_pages: UsagePagesTable;
  usage_salts: UsageSaltsTable;
  partner_change_points: PartnerChangePointsTable;
  event_consumers: EventConsumersTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  story_receipts: StoryReceiptsTable;
  notice_sends: NoticeSendsTable;
  notice_digests: NoticeDigestsTable;
  story_acknowledgements: StoryAcknowledgementsTable;
  websub_subscriptions: WebSubSubscriptionsTable;
  websub_deliveries: WebSubDeliveriesTable;
  tip_line: TipLineTable;
  tip_keys: TipKeysTable;
  tip_conversations: TipConversationsTable;
  tip_messages: TipMessagesTable;
  tip_attachments: TipAttachmentsTable;
  tip_submission_tokens: TipSubmissionTokensTable;
  license_inquiries: LicenseInquiriesTable;
  license_inquiry_events: LicenseInquiryEventsTable;
  licenses: LicensesTable;
  freewire_migrations: MigrationsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type StoryRow = Selectable<StoriesTable>;
export type StoryUpdate = Updateable<StoriesTable>;
export type AuthorRow = Selectable<AuthorsTable>;
export type DeskRow = Selectable<DesksTable>;
export type StoryVersionRow = Selectable<StoryVersionsTable>;
