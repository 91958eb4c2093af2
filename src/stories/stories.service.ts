/**
 * Story lifecycle: draft → scheduled → published → updated / corrected → withdrawn.
 *
 * The `stories` row is the working copy editors change; every explicit save and every public
 * change writes an immutable row in story_versions. Readers see the version at live_version,
 * with its bylines in story_live_authors / story_live_tags. Each public change appends an event
 * in the same transaction, so caches (and later partners) hear of every change, and rewrites the
 * story's partner change points (src/syndication/change-points.ts) in it too.
 */
import type { Kysely } from 'kysely';
import type { DB, StoryRow, StoryStatus, Syndication, VersionKind, EventType } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { appendEvent } from '../events/events.js';
import { refreshChangePoints } from '../syndication/change-points.js';
import type { SearchIndex } from '../search/search.js';
import { newId } from '../util/ids.js';
import { isSlug, slugify } from '../util/slug.js';
import { parseIsoDate } from '../util/time.js';
import { uploadedImageId } from '../media/media.service.js';
import { Fields } from '../util/validate.js';
import { likeContains } from '../util/like.js';
import { assertCan, can, canEditStory, type Actor } from '../users/permissions.js';
import { countWords, htmlToText, renderMarkdown } from './markdown.js';

const hasNul = (s: string) => s.includes('\u0000');

export const SYNDICATION_VALUES: readonly Syndication[] = ['free', 'licensees', 'none'];
export const MAX_BODY_LENGTH = 200_000;
export const MAX_TAGS = 20;

/**
 * May this actor change who may have a story in this state: the syndication switch, the license
 * profile, the embargo and the lead image (with its credit)?
 *
 * On a published or scheduled story only users who may publish may: those fields decide what
 * partners (and, for the image, readers) get, and a scheduled story goes out without anyone
 * looking again. On a draft that was never published anyone who may edit it may set them: the
 * draft reaches nobody until an editor publishes or schedules it, and the editor sees (and can
 * change) them in the form while doing so. The caption is not guarded: it is text like the body.
 */
export function mayChangeRights(actor: Actor, status: StoryStatus): boolean {
  return can(actor, 'story.publish') || (status !== 'published' && status !== 'scheduled');
}

export interface StoryInput {
  headline?: unknown;
  summary?: unknown;
  body?: unknown;
  authors?: unknown;
  desk?: unknown;
  dateline?: unknown;
  tags?: unknown;
  slug?: unknown;
  syndication?: unknown;
  embargoUntil?: unknown;
  leadImageId?: unknown;
  leadImageCaption?: unknown;
  leadImageCredit?: unknown;
  /** A license profile slug; null or '' for the site's default. */
  licenseProfile?: unknown;
}

export interface StoryAuthorRef {
  id: string;
  slug: string;
  name: string;
  title: string;
}

export interface StoryNote {
  id: string;
  kind: 'correction' | 'update';
  text: string;
  version: number;
  createdAt: string;
}

export interface StoryVersionSummary {
  version: number;
  kind: VersionKind;
  headline: string;
  note: string | null;
  wordCount: number;
  createdBy: string | null;
  createdAt: string;
  live: boolean;
}

export interface Story {
  id: string;
  slug: string;
  status: StoryStatus;
  headline: string;
  summary: string;
  body: string;
  dateline: string;
  desk: { id: string; slug: string; name: string };
  authors: StoryAuthorRef[];
  tags: string[];
  syndication: Syndication;
  embargoUntil: string | null;
  scheduledAt: string | null;
  publishedAt: string | null;
  updatedAt: string;
  publicUpdatedAt: string | null;
  withdrawnAt: string | null;
  withdrawnReason: string | null;
  liveVersion: number | null;
  currentVersion: number;
  wordCount: number;
  leadImageId: string | null;
  leadImageCaption: string;
  leadImageCredit: string;
  /** The story's own license profile; null means the site's default applies. */
  licenseProfileId: string | null;
  /** Slug of that profile (what the Admin API accepts), null for the default. */
  licenseProfile: string | null;
  createdBy: string | null;
  createdAt: string;
  /** Working copy differs from what readers see. */
  hasUnpublishedChanges: boolean;
}

export interface StoryWithHistory extends Story {
  versions: StoryVersionSummary[];
  notes: StoryNote[];
}

export interface StoryListFilter {
  /**
   * With `q`: count matches only up to this many (`totalCapped` says the count stopped). A
   * headline search must read every headline to count exactly; a page that only needs to say
   * "more than 1,000" can stop early.
   */
  searchCountCap?: number;
  status?: StoryStatus;
  deskSlug?: string;
  q?: string;
  createdBy?: string;
  limit: number;
  offset: number;
}

interface ValidatedFields {
  headline?: string;
  summary?: string;
  body?: string;
  dateline?: string;
  slug?: string;
  syndication?: Syndication;
  embargoUntil?: string | null;
  leadImageId?: string | null;
  leadImageCaption?: string;
  leadImageCredit?: string;
  licenseProfileId?: string | null;
  deskId?: string;
  authorIds?: string[];
  tags?: string[];
}

export class StoriesService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
    private readonly search: SearchIndex,
    private readonly onPublicChange: () => void = () => undefined,
  ) {}

  // ---- reading ----------------------------------------------------------------------------------

  async getRow(id: string): Promise<StoryRow> {
    if (typeof id !== 'string' || id.length > 64) throw new AppError('STORY_NOT_FOUND', 'No such story.');
    const row = await this.db.selectFrom('stories').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('STORY_NOT_FOUND', 'No such story.');
    return row;
  }

  async get(id: string): Promise<Story> {
    return (await this.hydrate([await this.getRow(id)]))[0]!;
  }

  async getWithHistory(id: string): Promise<StoryWithHistory> {
    const story = await this.get(id);
    const versions = await this.db
      .selectFrom('story_versions')
      .select(['version', 'kind', 'headline', 'note', 'word_count', 'created_by', 'created_at'])
      .where('story_id', '=', id)
      .orderBy('version', 'desc')
      .execute();
    const users = await this.userEmails(versions.map((v) => v.created_by));
    return {
      ...story,
      versions: versions.map((v) => ({
        version: v.version,
        kind: v.kind,
        headline: v.headline,
        note: v.note,
        wordCount: v.word_count,
        createdBy: v.created_by ? (users.get(v.created_by) ?? null) : null,
        createdAt: v.created_at,
        live: v.version === story.liveVersion,
      })),
      notes: await this.notes(id),
    };
  }

  async getVersion(id: string, version: number) {
    const v = await this.db.selectFrom('story_versions').selectAll().where('story_id', '=', id).where('version', '=', version).executeTakeFirst();
    if (!v) throw new AppError('NOT_FOUND', `Story has no version ${version}.`);
    return v;
  }

  async notes(storyId: string): Promise<StoryNote[]> {
    const rows = await this.db.selectFrom('story_notes').selectAll().where('story_id', '=', storyId).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, kind: r.kind, text: r.text, version: r.version, createdAt: r.created_at }));
  }

  /**
   * A page of the newsroom's list, most recently updated first, and how many stories match.
   *
   * At 100,000 stories the rows are large (each holds its working copy), so the page is found
   * on the list indexes alone (stories_newsroom_*_idx: update time, id and every filtered
   * column, headline included) and only its rows are read whole. A headline search scans the
   * headline index, not the table (on PostgreSQL a trigram index answers it, migration
   * 2026_12_04_2010); its count stops at `searchCountCap` when given.
   */
  async list(filter: StoryListFilter): Promise<{ items: Story[]; total: number; totalCapped: boolean }> {
    let q = this.db.selectFrom('stories');
    if (filter.status) q = q.where('stories.status', '=', filter.status);
    if (filter.createdBy) q = q.where('stories.created_by', '=', filter.createdBy);
    if (filter.deskSlug) {
      const desk = await this.db.selectFrom('desks').select('id').where('slug', '=', filter.deskSlug).executeTakeFirst();
      if (!desk) return { items: [], total: 0, totalCapped: false };
      q = q.where('stories.desk_id', '=', desk.id);
    }
    if (filter.q) {
      const text = filter.q.toLowerCase();
      // SQLite's LIKE already ignores ASCII case, and its lower() folds ASCII only, so lower()
      // there changes no result and costs a third of the scan (a rare word at 100,000 stories).
      q = q.where((eb) => likeContains(this.dialect.name === 'sqlite' ? eb.ref('stories.headline') : eb.fn('lower', ['stories.headline']), text));
    }
    const cap = filter.q ? filter.searchCountCap : undefined;
    const page = () => q.select('stories.id').orderBy('stories.updated_at', 'desc').orderBy('stories.id', 'desc').limit(filter.limit).offset(filter.offset).execute();
    const count = async () =>
      Number(
        (
          await (cap !== undefined
            ? this.db
                .selectFrom(q.select('stories.id').limit(cap + 1).as('m'))
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .executeTakeFirstOrThrow()
            : q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow())
        ).n,
      );
    let n: number;
    let ids: Array<{ id: string }>;
    if (cap !== undefined && this.dialect.name === 'sqlite') {
      // A headline search on SQLite scans the headline index (LIKE '%word%' has no index to
      // use). The page first: for a word in many headlines it is found within a few entries;
      // when it is not full, the walk reached the last match and the count is known without
      // a second scan. A rare word was scanned to the end twice (about 15 ms each at 100,000
      // stories); only a full page, or an empty one past the first, still needs the capped count.
      ids = await page();
      n = ids.length < filter.limit && (ids.length > 0 || filter.offset === 0) ? filter.offset + ids.length : await count();
    } else {
      // The count and the page's ids at once (two round trips side by side on PostgreSQL, where
      // counting 100,000 stories alone takes 7–15 ms).
      [n, ids] = await Promise.all([count(), page()]);
    }
    const total = cap !== undefined ? Math.min(n, cap) : n;
    const totalCapped = cap !== undefined && n > cap;
    if (ids.length === 0) return { items: [], total, totalCapped };
    const rows = await this.db.selectFrom('stories').selectAll().where('id', 'in', ids.map((r) => r.id)).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const ordered = ids.map((r) => byId.get(r.id)).filter((r): r is StoryRow => r !== undefined);
    return { items: await this.hydrate(ordered), total, totalCapped };
  }

  private async userEmails(ids: Array<string | null>): Promise<Map<string, string>> {
    const unique = [...new Set(ids.filter((x): x is string => !!x))];
    if (unique.length === 0) return new Map();
    const rows = await this.db.selectFrom('users').select(['id', 'email']).where('id', 'in', unique).execute();
    return new Map(rows.map((r) => [r.id, r.email]));
  }

  private async hydrate(rows: StoryRow[]): Promise<Story[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const deskIds = [...new Set(rows.map((r) => r.desk_id))];
    const profileIds = [...new Set(rows.map((r) => r.license_profile_id).filter((x): x is string => x !== null))];
    const liveVersions = rows.filter((r) => r.live_version !== null);
    // Five independent reads at once: on PostgreSQL each is a round trip and a plan, and the pool
    // runs them side by side (a page of the newsroom list waited for them one by one); SQLite
    // runs them in turn as before.
    const [authors, tags, deskRows, profileRows, lv] = await Promise.all([
      this.db
        .selectFrom('story_authors')
        .innerJoin('authors', 'authors.id', 'story_authors.author_id')
        .select(['story_authors.story_id', 'authors.id', 'authors.slug', 'authors.name', 'authors.title', 'story_authors.position'])
        .where('story_authors.story_id', 'in', ids)
        .orderBy('story_authors.position')
        .execute(),
      this.db
        .selectFrom('story_tags')
        .innerJoin('tags', 'tags.id', 'story_tags.tag_id')
        .select(['story_tags.story_id', 'tags.name'])
        .where('story_tags.story_id', 'in', ids)
        .orderBy('tags.name')
        .execute(),
      this.db.selectFrom('desks').select(['id', 'slug', 'name']).where('id', 'in', deskIds).execute(),
      profileIds.length === 0 ? [] : this.db.selectFrom('license_profiles').select(['id', 'slug']).where('id', 'in', profileIds).execute(),
      liveVersions.length === 0
        ? []
        : this.db
            .selectFrom('story_versions')
            .select([
              'story_id', 'headline', 'summary', 'body_md', 'dateline', 'desk_id', 'authors_json', 'tags_json', 'version',
              'syndication', 'license_profile_id', 'embargo_until', 'lead_image_id', 'lead_image_caption', 'lead_image_credit',
            ])
            .where('story_id', 'in', liveVersions.map((r) => r.id))
            .where((eb) => eb.or(liveVersions.map((r) => eb.and([eb('story_id', '=', r.id), eb('version', '=', r.live_version!)]))))
            .execute(),
    ]);
    const desks = new Map(deskRows.map((d) => [d.id, d]));
    const profileSlugs = new Map(profileRows.map((p) => [p.id, p.slug]));
    const liveBodies = new Map<string, string>();
    for (const v of lv) {
      liveBodies.set(
        v.story_id,
        JSON.stringify([
          v.headline, v.summary, v.body_md, v.dateline, v.desk_id, JSON.parse(v.authors_json), JSON.parse(v.tags_json),
          v.syndication, v.license_profile_id, v.embargo_until, v.lead_image_id, v.lead_image_caption, v.lead_image_credit,
        ]),
      );
    }
    return rows.map((r) => {
      const storyAuthors = authors.filter((a) => a.story_id === r.id).map((a) => ({ id: a.id, slug: a.slug, name: a.name, title: a.title }));
      const storyTags = tags.filter((t) => t.story_id === r.id).map((t) => t.name);
      const desk = desks.get(r.desk_id) ?? { id: r.desk_id, slug: '', name: '' };
      const working = JSON.stringify([
        r.headline, r.summary, r.body_md, r.dateline, r.desk_id, storyAuthors.map((a) => a.id), storyTags,
        r.syndication, r.license_profile_id, r.embargo_until, r.lead_image_id, r.lead_image_caption, r.lead_image_credit,
      ]);
      const live = liveBodies.get(r.id);
      return {
        id: r.id,
        slug: r.slug,
        status: r.status,
        headline: r.headline,
        summary: r.summary,
        body: r.body_md,
        dateline: r.dateline,
        desk,
        authors: storyAuthors,
        tags: storyTags,
        syndication: r.syndication,
        embargoUntil: r.embargo_until,
        scheduledAt: r.scheduled_at,
        publishedAt: r.published_at,
        updatedAt: r.updated_at,
        publicUpdatedAt: r.public_updated_at,
        withdrawnAt: r.withdrawn_at,
        withdrawnReason: r.withdrawn_reason,
        liveVersion: r.live_version,
        currentVersion: r.current_version,
        wordCount: countWords(r.body_md),
        leadImageId: r.lead_image_id,
        leadImageCaption: r.lead_image_caption,
        leadImageCredit: r.lead_image_credit,
        licenseProfileId: r.license_profile_id,
        licenseProfile: r.license_profile_id ? (profileSlugs.get(r.license_profile_id) ?? null) : null,
        createdBy: r.created_by,
        createdAt: r.created_at,
        hasUnpublishedChanges: r.status === 'published' && live !== undefined && live !== working,
      };
    });
  }

  // ---- validation -------------------------------------------------------------------------------

  private async validate(input: StoryInput, creating: boolean): Promise<ValidatedFields> {
    const f = new Fields();
    const out: ValidatedFields = {};
    if (creating || input.headline !== undefined) out.headline = f.text('headline', input.headline, { required: true, max: 200 });
    if (input.summary !== undefined) out.summary = f.text('summary', input.summary, { max: 600 });
    if (creating || input.body !== undefined) {
      if (input.body === undefined || input.body === null) {
        if (creating) out.body = '';
      } else if (typeof input.body !== 'string') f.add('body', 'must be Markdown text');
      else if (input.body.length > MAX_BODY_LENGTH) f.add('body', `must be at most ${MAX_BODY_LENGTH} characters`);
      else out.body = input.body.replace(/\u0000/g, '').replace(/\r\n/g, '\n');
    }
    if (input.dateline !== undefined) out.dateline = f.text('dateline', input.dateline, { max: 100 });
    if (input.slug !== undefined && input.slug !== '' && input.slug !== null) {
      const slug = f.text('slug', input.slug, { max: 100 });
      if (slug && !isSlug(slug)) f.add('slug', 'must be lowercase letters, digits and hyphens');
      else out.slug = slug;
    }
    if (input.syndication !== undefined) {
      if (!SYNDICATION_VALUES.includes(input.syndication as Syndication)) f.add('syndication', `must be one of ${SYNDICATION_VALUES.join(', ')}`);
      else out.syndication = input.syndication as Syndication;
    }
    if (input.embargoUntil !== undefined) {
      if (input.embargoUntil === null || input.embargoUntil === '') out.embargoUntil = null;
      else if (typeof input.embargoUntil !== 'string' || !parseIsoDate(input.embargoUntil)) f.add('embargoUntil', 'must be a date and time with a zone, e.g. 2026-12-01T09:00:00Z');
      else out.embargoUntil = parseIsoDate(input.embargoUntil)!.toISOString();
    }
    if (input.leadImageCaption !== undefined) out.leadImageCaption = f.text('leadImageCaption', input.leadImageCaption, { max: 500 });
    if (input.leadImageCredit !== undefined) out.leadImageCredit = f.text('leadImageCredit', input.leadImageCredit, { max: 200 });
    if (input.leadImageId !== undefined) {
      if (input.leadImageId === null || input.leadImageId === '') out.leadImageId = null;
      else if (typeof input.leadImageId !== 'string') f.add('leadImageId', 'must be a media id');
      else {
        const id = await uploadedImageId(this.db, input.leadImageId);
        if (!id) f.add('leadImageId', 'is not an uploaded image');
        else out.leadImageId = id;
      }
    }
    if (input.licenseProfile !== undefined) {
      if (input.licenseProfile === null || input.licenseProfile === '') out.licenseProfileId = null;
      else if (typeof input.licenseProfile !== 'string') f.add('licenseProfile', 'must be a license profile slug, or null for the default');
      else {
        const slug = input.licenseProfile.trim().slice(0, 100);
        const p = hasNul(slug) ? undefined : await this.db.selectFrom('license_profiles').select('id').where('slug', '=', slug).executeTakeFirst();
        if (!p) f.add('licenseProfile', `no license profile has the slug "${slug}"`);
        else out.licenseProfileId = p.id;
      }
    }
    if (creating || input.desk !== undefined) {
      if (typeof input.desk !== 'string' || input.desk.trim() === '') f.add('desk', 'is required (a desk slug)');
      else {
        const desk = hasNul(input.desk) ? undefined : await this.db.selectFrom('desks').select('id').where('slug', '=', input.desk.trim().slice(0, 100)).executeTakeFirst();
        if (!desk) f.add('desk', `no desk has the slug "${input.desk.slice(0, 100)}"`);
        else out.deskId = desk.id;
      }
    }
    if (creating || input.authors !== undefined) {
      if (!Array.isArray(input.authors) || input.authors.length === 0) f.add('authors', 'needs at least one author slug');
      else if (input.authors.length > 10) f.add('authors', 'may have at most 10 authors');
      else if (!input.authors.every((a) => typeof a === 'string' && a.length <= 100)) f.add('authors', 'must be a list of author slugs');
      else {
        const slugs = [...new Set(input.authors as string[])];
        const lookup = slugs.filter((s) => !hasNul(s));
        const rows = lookup.length === 0 ? [] : await this.db.selectFrom('authors').select(['id', 'slug']).where('slug', 'in', lookup).execute();
        const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
        const missing = slugs.filter((s) => !bySlug.has(s));
        if (missing.length > 0) f.add('authors', `no author has the slug ${missing.map((m) => `"${m}"`).join(', ')}`);
        else out.authorIds = slugs.map((s) => bySlug.get(s)!);
      }
    }
    if (input.tags !== undefined) {
      if (!Array.isArray(input.tags) || !input.tags.every((t) => typeof t === 'string')) f.add('tags', 'must be a list of tag names');
      else {
        const tags = [...new Set((input.tags as string[]).map((t) => t.replace(/\u0000/g, '').replace(/\s+/g, ' ').trim()).filter((t) => t !== ''))];
        if (tags.length > MAX_TAGS) f.add('tags', `may have at most ${MAX_TAGS} tags`);
        else if (tags.some((t) => t.length > 60)) f.add('tags', 'each tag must be at most 60 characters');
        else if (tags.some((t) => slugify(t) === '')) f.add('tags', 'each tag needs at least one letter or digit');
        else out.tags = tags;
      }
    } else if (creating) out.tags = [];
    f.throwIfAny();
    return out;
  }

  // ---- writing ----------------------------------------------------------------------------------

  async create(actor: Actor, input: StoryInput): Promise<Story> {
    assertCan(actor, 'story.create');
    const v = await this.validate(input, true);
    const id = newId();
    const now = new Date().toISOString();
    const baseSlug = v.slug ?? (slugify(v.headline!) || 'story');
    const slug = await this.uniqueSlug(baseSlug, v.slug !== undefined);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('stories')
        .values({
          id,
          slug,
          status: 'draft',
          headline: v.headline!,
          summary: v.summary ?? '',
          body_md: v.body ?? '',
          dateline: v.dateline ?? '',
          desk_id: v.deskId!,
          syndication: v.syndication ?? 'free',
          license_profile_id: v.licenseProfileId ?? null,
          lead_image_id: v.leadImageId ?? null,
          lead_image_caption: v.leadImageCaption ?? '',
          lead_image_credit: v.leadImageCredit ?? '',
          embargo_until: v.embargoUntil ?? null,
          scheduled_at: null,
          published_at: null,
          public_updated_at: null,
          withdrawn_at: null,
          withdrawn_reason: null,
          live_version: null,
          live_desk_id: null,
          current_version: 0,
          created_by: actor.id,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await this.writeRelations(trx, id, v.authorIds!, v.tags!);
      await this.snapshot(trx, id, 'create', null, actor);
      await recordAudit(trx, actor, 'story.create', { type: 'story', id }, { headline: v.headline, slug });
    });
    return this.get(id);
  }

  private async uniqueSlug(base: string, explicit: boolean): Promise<string> {
    const taken = await this.db.selectFrom('stories').select('slug').where((eb) => eb.or([eb('slug', '=', base), eb('slug', 'like', `${base}-%`)])).execute();
    const set = new Set(taken.map((r) => r.slug));
    if (!set.has(base)) return base;
    if (explicit) throw new AppError('CONFLICT', `Another story already uses the slug "${base}".`, { details: { slug: ['is already taken'] } });
    for (let i = 2; ; i++) if (!set.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  private async writeRelations(trx: Kysely<DB>, storyId: string, authorIds: string[] | undefined, tags: string[] | undefined): Promise<void> {
    if (authorIds) {
      await trx.deleteFrom('story_authors').where('story_id', '=', storyId).execute();
      await trx.insertInto('story_authors').values(authorIds.map((author_id, position) => ({ story_id: storyId, author_id, position }))).execute();
    }
    if (tags) {
      await trx.deleteFrom('story_tags').where('story_id', '=', storyId).execute();
      const tagIds = await this.ensureTags(trx, tags);
      if (tagIds.length > 0) await trx.insertInto('story_tags').values(tagIds.map((tag_id) => ({ story_id: storyId, tag_id }))).execute();
    }
  }

  private async ensureTags(trx: Kysely<DB>, names: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const name of names) {
      const slug = slugify(name, 60);
      const existing = await trx.selectFrom('tags').select('id').where('slug', '=', slug).executeTakeFirst();
      if (existing) {
        if (!ids.includes(existing.id)) ids.push(existing.id);
        continue;
      }
      const id = newId();
      await trx.insertInto('tags').values({ id, slug, name }).execute();
      ids.push(id);
    }
    return ids;
  }

  /** Writes an immutable version from the current working copy and returns its number. */
  private async snapshot(trx: Kysely<DB>, storyId: string, kind: VersionKind, note: string | null, actor: Actor): Promise<number> {
    const s = await trx.selectFrom('stories').selectAll().where('id', '=', storyId).executeTakeFirstOrThrow();
    const authorIds = (await trx.selectFrom('story_authors').select('author_id').where('story_id', '=', storyId).orderBy('position').execute()).map((r) => r.author_id);
    const tagNames = (
      await trx.selectFrom('story_tags').innerJoin('tags', 'tags.id', 'story_tags.tag_id').select('tags.name').where('story_tags.story_id', '=', storyId).orderBy('tags.name').execute()
    ).map((r) => r.name);
    const version = s.current_version + 1;
    await trx
      .insertInto('story_versions')
      .values({
        id: newId(),
        story_id: storyId,
        version,
        kind,
        headline: s.headline,
        summary: s.summary,
        body_md: s.body_md,
        body_html: renderMarkdown(s.body_md),
        dateline: s.dateline,
        desk_id: s.desk_id,
        authors_json: JSON.stringify(authorIds),
        tags_json: JSON.stringify(tagNames),
        word_count: countWords(s.body_md),
        note,
        created_by: actor.id,
        created_at: new Date().toISOString(),
        syndication: s.syndication,
        license_profile_id: s.license_profile_id,
        embargo_until: s.embargo_until,
        lead_image_id: s.lead_image_id,
        lead_image_caption: s.lead_image_caption,
        lead_image_credit: s.lead_image_credit,
      })
      .execute();
    await trx.updateTable('stories').set({ current_version: version }).where('id', '=', storyId).execute();
    return version;
  }

  /** Makes `version` the one readers see, with its bylines, tags and search entry. */
  private async goLive(trx: Kysely<DB>, storyId: string, version: number): Promise<void> {
    const v = await trx.selectFrom('story_versions').selectAll().where('story_id', '=', storyId).where('version', '=', version).executeTakeFirstOrThrow();
    const authorIds = JSON.parse(v.authors_json) as string[];
    const tagNames = JSON.parse(v.tags_json) as string[];
    await trx.updateTable('stories').set({ live_version: version, live_desk_id: v.desk_id }).where('id', '=', storyId).execute();
    await trx.deleteFrom('story_live_authors').where('story_id', '=', storyId).execute();
    if (authorIds.length > 0) {
      await trx.insertInto('story_live_authors').values(authorIds.map((author_id, position) => ({ story_id: storyId, author_id, position }))).execute();
    }
    await trx.deleteFrom('story_live_tags').where('story_id', '=', storyId).execute();
    const tagIds = await this.ensureTags(trx, tagNames);
    if (tagIds.length > 0) await trx.insertInto('story_live_tags').values(tagIds.map((tag_id) => ({ story_id: storyId, tag_id }))).execute();
    await this.search.upsert(trx, { storyId, headline: v.headline, summary: v.summary, body: htmlToText(v.body_html), tags: tagNames });
  }

  private async loadEditable(actor: Actor, id: string): Promise<StoryRow> {
    const row = await this.getRow(id);
    if (!canEditStory(actor, row)) throw new AppError('FORBIDDEN', 'You can edit only stories you created; ask an editor.');
    if (row.status === 'withdrawn') throw new AppError('INVALID_TRANSITION', 'This story was withdrawn and can no longer be edited.');
    return row;
  }

  private async applyWorking(trx: Kysely<DB>, id: string, v: ValidatedFields): Promise<void> {
    const patch: Record<string, unknown> = { updated_at: new Date().toISOString() };
    if (v.headline !== undefined) patch.headline = v.headline;
    if (v.summary !== undefined) patch.summary = v.summary;
    if (v.body !== undefined) patch.body_md = v.body;
    if (v.dateline !== undefined) patch.dateline = v.dateline;
    if (v.deskId !== undefined) patch.desk_id = v.deskId;
    if (v.syndication !== undefined) patch.syndication = v.syndication;
    if (v.embargoUntil !== undefined) patch.embargo_until = v.embargoUntil;
    if (v.leadImageId !== undefined) patch.lead_image_id = v.leadImageId;
    if (v.leadImageCaption !== undefined) patch.lead_image_caption = v.leadImageCaption;
    if (v.leadImageCredit !== undefined) patch.lead_image_credit = v.leadImageCredit;
    if (v.licenseProfileId !== undefined) patch.license_profile_id = v.licenseProfileId;
    await trx.updateTable('stories').set(patch).where('id', '=', id).execute();
    await this.writeRelations(trx, id, v.authorIds, v.tags);
  }

  /** Refuses a change of the partner-rights fields by someone who may not make it (see mayChangeRights). */
  private assertRightsChange(actor: Actor, row: StoryRow, v: ValidatedFields): void {
    if (mayChangeRights(actor, row.status)) return;
    const changed: string[] = [];
    if (v.syndication !== undefined && v.syndication !== row.syndication) changed.push('syndication');
    if (v.licenseProfileId !== undefined && v.licenseProfileId !== row.license_profile_id) changed.push('licenseProfile');
    if (v.embargoUntil !== undefined && v.embargoUntil !== row.embargo_until) changed.push('embargoUntil');
    if (v.leadImageId !== undefined && v.leadImageId !== row.lead_image_id) changed.push('leadImageId');
    if (v.leadImageCredit !== undefined && v.leadImageCredit !== row.lead_image_credit) changed.push('leadImageCredit');
    if (changed.length === 0) return;
    throw new AppError('FORBIDDEN', `Only an editor may change who may have a ${row.status} story (${changed.join(', ')}); ask an editor.`, {
      details: Object.fromEntries(changed.map((f) => [f, [`only an editor may change this on a ${row.status} story`]])),
    });
  }

  /** An explicit save: updates the working copy and records a version. Readers see no change. */
  async save(actor: Actor, id: string, input: StoryInput): Promise<Story> {
    const row = await this.loadEditable(actor, id);
    const v = await this.validate(input, false);
    this.assertRightsChange(actor, row, v);
    if (v.slug !== undefined && v.slug !== row.slug) {
      if (row.published_at) throw new AppError('CONFLICT', 'The address of a published story cannot change.', { details: { slug: ['cannot change after publishing'] } });
      v.slug = await this.uniqueSlug(v.slug, true);
    }
    await this.db.transaction().execute(async (trx) => {
      await this.applyWorking(trx, id, v);
      if (v.slug !== undefined && v.slug !== row.slug) await trx.updateTable('stories').set({ slug: v.slug }).where('id', '=', id).execute();
      await this.snapshot(trx, id, 'save', null, actor);
      await recordAudit(trx, actor, 'story.save', { type: 'story', id }, { fields: Object.keys(input) });
    });
    return this.get(id);
  }

  /** Autosave from the editor: working copy only, no version, no audit row. */
  async autosave(actor: Actor, id: string, input: StoryInput): Promise<{ savedAt: string }> {
    const row = await this.loadEditable(actor, id);
    const v = await this.validate(input, false);
    delete v.slug;
    this.assertRightsChange(actor, row, v);
    await this.db.transaction().execute(async (trx) => {
      await this.applyWorking(trx, id, v);
    });
    return { savedAt: new Date().toISOString() };
  }

  async publish(actor: Actor, id: string): Promise<Story> {
    assertCan(actor, 'story.publish');
    const row = await this.getRow(id);
    if (row.status === 'published') throw new AppError('INVALID_TRANSITION', 'This story is already published; publish an update or a correction instead.');
    if (row.status === 'withdrawn') throw new AppError('INVALID_TRANSITION', 'A withdrawn story cannot be published again.');
    this.assertPublishable(row);
    await this.db.transaction().execute(async (trx) => {
      await this.publishInTrx(trx, row, actor);
      await recordAudit(trx, actor, 'story.publish', { type: 'story', id });
    });
    this.onPublicChange();
    return this.get(id);
  }

  private assertPublishable(row: StoryRow): void {
    const f = new Fields();
    if (row.body_md.trim() === '') f.add('body', 'is empty; write the story before publishing');
    if (row.headline.trim() === '') f.add('headline', 'is required');
    f.throwIfAny('This story is not ready to publish');
  }

  private async publishInTrx(trx: Kysely<DB>, row: StoryRow, actor: Actor): Promise<void> {
    const now = new Date().toISOString();
    // Claim the transition atomically so two nodes (or scheduler + editor) cannot both publish.
    const claimed = await trx
      .updateTable('stories')
      .set({ status: 'published', published_at: row.published_at ?? now, scheduled_at: null, updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', row.status)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'The story changed while publishing; reload and try again.');
    const version = await this.snapshot(trx, row.id, 'publish', null, actor);
    await this.goLive(trx, row.id, version);
    await appendEvent(trx, 'story.published', row.id, version, { slug: row.slug });
    await refreshChangePoints(trx, this.dialect, [row.id]);
  }

  async schedule(actor: Actor, id: string, at: unknown): Promise<Story> {
    assertCan(actor, 'story.publish');
    const row = await this.getRow(id);
    if (row.status !== 'draft' && row.status !== 'scheduled') {
      throw new AppError('INVALID_TRANSITION', `Only drafts can be scheduled; this story is ${row.status}.`);
    }
    const when = typeof at === 'string' ? parseIsoDate(at) : undefined;
    if (!when) throw new AppError('VALIDATION', 'Give the time as ISO 8601 with a zone, e.g. 2026-12-01T09:00:00Z.', { details: { at: ['must be a date and time with a zone'] } });
    if (when.getTime() <= Date.now()) throw new AppError('VALIDATION', 'The scheduled time is in the past.', { details: { at: ['must be in the future'] } });
    this.assertPublishable(row);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('stories').set({ status: 'scheduled', scheduled_at: when.toISOString(), updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'story.schedule', { type: 'story', id }, { at: when.toISOString() });
    });
    return this.get(id);
  }

  async unschedule(actor: Actor, id: string): Promise<Story> {
    assertCan(actor, 'story.publish');
    const row = await this.getRow(id);
    if (row.status !== 'scheduled') throw new AppError('INVALID_TRANSITION', 'This story is not scheduled.');
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('stories').set({ status: 'draft', scheduled_at: null, updated_at: new Date().toISOString() }).where('id', '=', id).where('status', '=', 'scheduled').execute();
      await recordAudit(trx, actor, 'story.unschedule', { type: 'story', id });
    });
    return this.get(id);
  }

  /** Publishes every scheduled story that is due. Safe to run on several nodes at once. */
  async publishDue(actor: Actor, now: Date = new Date()): Promise<string[]> {
    const due = await this.db
      .selectFrom('stories')
      .selectAll()
      .where('status', '=', 'scheduled')
      .where('scheduled_at', '<=', now.toISOString())
      .orderBy('scheduled_at')
      .orderBy('id')
      .limit(100)
      .execute();
    const published: string[] = [];
    for (const row of due) {
      try {
        await this.db.transaction().execute(async (trx) => {
          await this.publishInTrx(trx, row, actor);
          await recordAudit(trx, actor, 'story.publish_scheduled', { type: 'story', id: row.id }, { scheduledAt: row.scheduled_at });
        });
        published.push(row.id);
      } catch (err) {
        // Another node claimed it first: that is the expected outcome of the race.
        if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err;
      }
    }
    if (published.length > 0) this.onPublicChange();
    return published;
  }

  /** A public update (with an editor's note) or a correction (with correction text). */
  async amend(actor: Actor, id: string, kind: 'update' | 'correction', text: unknown, body: unknown): Promise<Story> {
    assertCan(actor, kind === 'correction' ? 'story.correct' : 'story.publish');
    const row = await this.getRow(id);
    if (row.status !== 'published') {
      throw new AppError('INVALID_TRANSITION', `Only published stories take ${kind === 'correction' ? 'corrections' : 'updates'}; this story is ${row.status}.`);
    }
    const field = kind === 'correction' ? 'text' : 'note';
    const f = new Fields();
    const noteText = f.text(field, text, { required: true, max: 2000 });
    f.throwIfAny();
    const v = body === undefined || body === null ? {} : await this.validate({ body }, false);
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      if (v.body !== undefined) await this.applyWorking(trx, id, v);
      const version = await this.snapshot(trx, id, kind, noteText, actor);
      await this.goLive(trx, id, version);
      await trx.updateTable('stories').set({ public_updated_at: now, updated_at: now }).where('id', '=', id).execute();
      await trx
        .insertInto('story_notes')
        .values({ id: newId(), story_id: id, kind, text: noteText, version, created_by: actor.id, created_at: now })
        .execute();
      const type: EventType = kind === 'correction' ? 'story.corrected' : 'story.updated';
      await appendEvent(trx, type, id, version, { slug: row.slug, [field]: noteText });
      await refreshChangePoints(trx, this.dialect, [id]);
      await recordAudit(trx, actor, `story.${kind}`, { type: 'story', id }, { [field]: noteText, version });
    });
    this.onPublicChange();
    return this.get(id);
  }

  /** Withdrawal ("kill"): the page answers 410 and the story leaves feeds, search and sitemaps. */
  async withdraw(actor: Actor, id: string, reason: unknown): Promise<Story> {
    assertCan(actor, 'story.withdraw');
    const row = await this.getRow(id);
    if (row.status === 'withdrawn') throw new AppError('INVALID_TRANSITION', 'This story is already withdrawn.');
    const f = new Fields();
    const why = f.text('reason', reason, { required: true, max: 2000 });
    f.throwIfAny();
    const wasPublic = row.status === 'published';
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const version = await this.snapshot(trx, id, 'withdraw', why, actor);
      await trx
        .updateTable('stories')
        .set({ status: 'withdrawn', withdrawn_at: now, withdrawn_reason: why, scheduled_at: null, updated_at: now })
        .where('id', '=', id)
        .execute();
      await trx.deleteFrom('story_live_authors').where('story_id', '=', id).execute();
      await trx.deleteFrom('story_live_tags').where('story_id', '=', id).execute();
      await this.search.remove(trx, id);
      if (wasPublic) {
        await appendEvent(trx, 'story.withdrawn', id, version, { slug: row.slug, reason: why });
        await refreshChangePoints(trx, this.dialect, [id]);
      }
      await recordAudit(trx, actor, 'story.withdraw', { type: 'story', id }, { reason: why });
    });
    if (wasPublic) this.onPublicChange();
    return this.get(id);
  }

  /** Copies an old version into the working copy (a new version; readers see no change). */
  async restore(actor: Actor, id: string, version: number): Promise<Story> {
    await this.loadEditable(actor, id);
    const v = await this.getVersion(id, version);
    const authorSlugs = (
      await this.db.selectFrom('authors').select(['id', 'slug']).where('id', 'in', JSON.parse(v.authors_json) as string[]).execute()
    ).map((a) => a.slug);
    const desk = await this.db.selectFrom('desks').select('slug').where('id', '=', v.desk_id).executeTakeFirst();
    const validated = await this.validate(
      { headline: v.headline, summary: v.summary, body: v.body_md, dateline: v.dateline, desk: desk?.slug, authors: authorSlugs, tags: JSON.parse(v.tags_json) },
      false,
    );
    await this.db.transaction().execute(async (trx) => {
      await this.applyWorking(trx, id, validated);
      await this.snapshot(trx, id, 'restore', `Restored from version ${version}`, actor);
      await recordAudit(trx, actor, 'story.restore', { type: 'story', id }, { version });
    });
    return this.get(id);
  }
}
