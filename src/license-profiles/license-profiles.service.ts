/**
 * License profiles: the machine-readable terms each story (and image) carries. The republish
 * page, the snippet, the content API and the partner feeds all ask this module what a given
 * partner may do with a given story, instead of reading prose.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DB, LicenseAudience, LicenseProfilesTable, PartnerKind } from '../db/schema.js';
import type { DialectHelpers } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../audit/audit.js';
import { appendEvent } from '../events/events.js';
import { newId } from '../util/ids.js';
import { isSlug, slugify } from '../util/slug.js';
import { Fields } from '../util/validate.js';
import { chunks } from '../util/chunks.js';
import { refreshChangePointsForProfiles } from '../syndication/change-points.js';
import { assertCan, type Actor } from '../users/permissions.js';

export interface LicenseProfile {
  id: string;
  slug: string;
  name: string;
  /** Who may use stories under this profile. */
  audience: LicenseAudience;
  allowedEdits: string;
  /** Credit line; `{site}`, `{url}`, `{authors}` and `{headline}` are filled in per story. */
  creditTemplate: string;
  linkBackRequired: boolean;
  pixelRequired: boolean;
  imagesIncluded: boolean;
  noPaywall: boolean;
  noAds: boolean;
  /** Free partners get the story this many hours after publication (licensees at once). */
  delayHours: number;
  /** What the copy's page tells search engines. */
  searchEngines: 'canonical' | 'noindex';
  ccLicenseUrl: string | null;
  terms: string;
  createdAt: string;
  updatedAt: string;
}

/** An image with the rights it carries; `licenseProfile` is the overriding profile's slug, null when it follows the story. */
export interface ImageRights {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  alt: string;
  credit: string;
  licenseProfile: string | null;
  createdAt: string;
}

export type LicenseProfileInput = Partial<Record<
  'name' | 'slug' | 'audience' | 'allowedEdits' | 'creditTemplate' | 'linkBackRequired' | 'pixelRequired' | 'imagesIncluded' |
  'noPaywall' | 'noAds' | 'delayHours' | 'searchEngines' | 'ccLicenseUrl' | 'terms', unknown>>;

export const AUDIENCES: readonly LicenseAudience[] = ['free', 'licensees', 'nobody'];

/** Creative Commons licenses a newsroom may attach (RDF descriptions in the CC standards folder). */
export const CC_LICENSES: ReadonlyArray<{ url: string; label: string }> = [
  { url: 'https://creativecommons.org/licenses/by/4.0/', label: 'CC BY 4.0' },
  { url: 'https://creativecommons.org/licenses/by-sa/4.0/', label: 'CC BY-SA 4.0' },
  { url: 'https://creativecommons.org/licenses/by-nd/4.0/', label: 'CC BY-ND 4.0' },
  { url: 'https://creativecommons.org/licenses/by-nc/4.0/', label: 'CC BY-NC 4.0' },
  { url: 'https://creativecommons.org/licenses/by-nc-sa/4.0/', label: 'CC BY-NC-SA 4.0' },
  { url: 'https://creativecommons.org/licenses/by-nc-nd/4.0/', label: 'CC BY-NC-ND 4.0' },
  { url: 'https://creativecommons.org/publicdomain/zero/1.0/', label: 'CC0 1.0' },
];

export const DEFAULT_CREDIT_TEMPLATE = 'This story was originally published by {site} and is republished under our republishing terms.';

export function toLicenseProfile(r: Selectable<LicenseProfilesTable>): LicenseProfile {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    audience: r.audience,
    allowedEdits: r.allowed_edits,
    creditTemplate: r.credit_template,
    linkBackRequired: r.link_back === 1,
    pixelRequired: r.pixel === 1,
    imagesIncluded: r.images === 'included',
    noPaywall: r.no_paywall === 1,
    noAds: r.no_ads === 1,
    delayHours: r.delay_hours,
    searchEngines: r.search_engines,
    ccLicenseUrl: r.cc_license_url,
    terms: r.terms,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface Availability {
  allowed: boolean;
  /** When a free partner may have it (publication + delay); null when never or not published. */
  availableFrom: string | null;
  reason?: string;
}

/**
 * May a partner of this kind use a story under this profile at `now`? Licensees get stories under
 * `free` and `licensees` profiles at once; free partners only `free` ones, after the delay.
 */
export function availability(profile: LicenseProfile, partnerKind: PartnerKind, publishedAt: string | null, now: Date): Availability {
  if (!publishedAt) return { allowed: false, availableFrom: null, reason: 'not published' };
  if (profile.audience === 'nobody') return { allowed: false, availableFrom: null, reason: 'not for syndication' };
  if (partnerKind === 'licensee') return { allowed: true, availableFrom: publishedAt };
  if (profile.audience === 'licensees') return { allowed: false, availableFrom: null, reason: 'licensees only' };
  const from = new Date(Date.parse(publishedAt) + profile.delayHours * 3600_000);
  return from.getTime() <= now.getTime()
    ? { allowed: true, availableFrom: from.toISOString() }
    : { allowed: false, availableFrom: from.toISOString(), reason: `free release at ${from.toISOString()}` };
}

export function creditLine(profile: LicenseProfile, vars: { site: string; url: string; authors: string; headline: string }): string {
  return profile.creditTemplate.replace(/\{(site|url|authors|headline)\}/g, (_m, k: keyof typeof vars) => vars[k]);
}

/**
 * May a partner of this kind use an image whose effective profile (see forImage) is this one?
 * The profile must let the partner have the story at all, and must include images.
 */
export function imageAvailability(effective: LicenseProfile, partnerKind: PartnerKind, publishedAt: string | null, now: Date): Availability {
  const a = availability(effective, partnerKind, publishedAt, now);
  if (!a.allowed) return a;
  if (!effective.imagesIncluded) return { allowed: false, availableFrom: null, reason: 'images not included' };
  return a;
}

export const AUDIENCE_LABELS: Record<LicenseAudience, string> = {
  free: 'Free partners (and licensees)',
  licensees: 'Licensees only',
  nobody: 'Nobody (not for syndication)',
};

export function ccLicenseLabel(url: string | null): string | null {
  if (!url) return null;
  return CC_LICENSES.find((l) => l.url === url)?.label ?? url;
}

/** Placeholders left unfilled are spelled out, so a general terms page still reads as prose. */
const PLACEHOLDER_WORDS: Record<'site' | 'url' | 'authors' | 'headline', string> = {
  site: '[our name]',
  url: '[link to the original story]',
  authors: '[the authors]',
  headline: '[the headline]',
};

function fillTemplate(template: string, vars: Partial<Record<keyof typeof PLACEHOLDER_WORDS, string>>): string {
  return template.replace(/\{(site|url|authors|headline)\}/g, (_m, k: keyof typeof PLACEHOLDER_WORDS) => vars[k] || PLACEHOLDER_WORDS[k]);
}

const hours = (n: number) => (n === 1 ? '1 hour' : `${n} hours`);

/**
 * The profile in plain sentences, for people: the /republish terms, the snippet's notes and the
 * partner portal. `vars` fills the credit line's placeholders where a story is known.
 */
export function describeProfile(profile: LicenseProfile, vars: Partial<Record<'site' | 'url' | 'authors' | 'headline', string>> = {}): string[] {
  const out: string[] = [];
  if (profile.audience === 'nobody') {
    out.push('This story is not available for republication.');
    return out;
  }
  if (profile.audience === 'licensees') {
    out.push('Only organisations with a license from us may republish this story.');
  } else if (profile.delayHours > 0) {
    out.push(`Licensees may republish this story as soon as it is published; partners in our free program may republish it for free ${hours(profile.delayHours)} after publication.`);
  } else {
    out.push('Partners in our free program may republish this story for free as soon as it is published.');
  }
  if (profile.allowedEdits.trim() !== '') out.push(`Allowed edits: ${profile.allowedEdits.trim()}`);
  out.push(`Run this credit line with the story: “${fillTemplate(profile.creditTemplate, vars)}”`);
  if (profile.linkBackRequired) out.push('Link to the original story on our site.');
  if (profile.pixelRequired) out.push('Keep the small tracking image (pixel) that comes with the story; it sets no cookies and only counts readers for us.');
  out.push(
    profile.imagesIncluded
      ? 'Photos and other images may be republished with their credits, unless an image is marked otherwise.'
      : 'Do not republish the photos or other images; republish the text only.',
  );
  if (profile.noPaywall) out.push('Do not put the story behind a paywall or a registration wall.');
  if (profile.noAds) out.push('Do not sell advertising against the story.');
  out.push(
    profile.searchEngines === 'canonical'
      ? 'Point search engines to the original: add <link rel="canonical"> with the original story’s address to your page.'
      : 'Keep your copy out of search engines: add <meta name="robots" content="noindex"> to your page.',
  );
  if (profile.ccLicenseUrl) out.push(`This story is also published under the Creative Commons ${ccLicenseLabel(profile.ccLicenseUrl)} license (${profile.ccLicenseUrl}).`);
  if (profile.terms.trim() !== '') out.push(`Further terms: ${profile.terms.trim()}`);
  return out;
}

/** One paragraph for ninjs `usageterms`. */
export function usageTermsOf(profile: LicenseProfile, siteName: string): string {
  return describeProfile(profile, { site: siteName }).join(' ');
}

/** Ids and slugs are short and NUL-free; PostgreSQL refuses NUL in a parameter, so such a key is simply unknown. */
function isKey(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 100 && !v.includes('\u0000');
}

function bool(f: Fields, field: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'on' || value === '1' || value === 1) return true;
  if (value === 'false' || value === 'off' || value === '0' || value === 0 || value === '') return false;
  f.add(field, 'must be true or false');
  return undefined;
}

export class LicenseProfilesService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectHelpers,
    /** Told after each committed change readers can see, so page caches refresh at once. */
    private readonly onPublicChange: () => void = () => undefined,
  ) {}

  async list(): Promise<LicenseProfile[]> {
    const rows = await this.db.selectFrom('license_profiles').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(toLicenseProfile);
  }

  async get(id: string): Promise<LicenseProfile> {
    if (!isKey(id)) throw new AppError('NOT_FOUND', 'No such license profile.');
    const r = await this.db.selectFrom('license_profiles').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', 'No such license profile.');
    return toLicenseProfile(r);
  }

  async getBySlug(slug: string): Promise<LicenseProfile | undefined> {
    if (!isKey(slug)) return undefined;
    const r = await this.db.selectFrom('license_profiles').selectAll().where('slug', '=', slug).executeTakeFirst();
    return r ? toLicenseProfile(r) : undefined;
  }

  /** The default profile: the settings' choice, else the first free one, else a built-in one. */
  async defaultProfile(): Promise<LicenseProfile> {
    const setting = await this.db.selectFrom('settings').select('value_json').where('key', '=', 'defaultLicenseProfileId').executeTakeFirst();
    if (setting) {
      const id = JSON.parse(setting.value_json) as string | null;
      if (id) {
        const r = await this.db.selectFrom('license_profiles').selectAll().where('id', '=', id).executeTakeFirst();
        if (r) return toLicenseProfile(r);
      }
    }
    const first = await this.db.selectFrom('license_profiles').selectAll().where('audience', '=', 'free').orderBy('created_at').orderBy('id').executeTakeFirst();
    if (first) return toLicenseProfile(first);
    return BUILT_IN_PROFILE;
  }

  /**
   * Every profile by id, and the default for stories with none: for callers that already hold the
   * stories' live `license_profile_id` and would otherwise join each story to its profile (the
   * profiles are few; two small reads instead of a join per story).
   */
  async resolver(): Promise<(profileId: string | null) => LicenseProfile> {
    const [fallback, rows] = await Promise.all([this.defaultProfile(), this.db.selectFrom('license_profiles').selectAll().execute()]);
    const byId = new Map(rows.map((r) => [r.id, toLicenseProfile(r)]));
    return (profileId) => (profileId !== null && byId.get(profileId)) || fallback;
  }

  /**
   * Profile for each story id (its own, or the default), as partners get it: the live version's
   * choice. An editor's unpublished change of profile waits for the update that puts it live. A
   * story never published has no live version; its working copy's choice is the only one.
   */
  async forStories(storyIds: string[]): Promise<Map<string, LicenseProfile>> {
    const out = new Map<string, LicenseProfile>();
    if (storyIds.length === 0) return out;
    const fallback = await this.defaultProfile();
    for (const ids of chunks([...new Set(storyIds)])) {
      const rows = await this.db
        .selectFrom('stories')
        .leftJoin('story_versions as v', (j) => j.onRef('v.story_id', '=', 'stories.id').onRef('v.version', '=', 'stories.live_version'))
        .leftJoin('license_profiles', (j) =>
          j.on((eb) =>
            eb.or([
              eb.and([eb('stories.live_version', 'is not', null), eb('license_profiles.id', '=', eb.ref('v.license_profile_id'))]),
              eb.and([eb('stories.live_version', 'is', null), eb('license_profiles.id', '=', eb.ref('stories.license_profile_id'))]),
            ]),
          ),
        )
        .select(['stories.id as story_id'])
        .selectAll('license_profiles')
        .where('stories.id', 'in', ids)
        .execute();
      for (const r of rows) out.set(r.story_id, r.id ? toLicenseProfile(r as unknown as Selectable<LicenseProfilesTable>) : fallback);
    }
    return out;
  }

  /** The profile a story is under: its own, or the default. */
  async effectiveForStory(storyId: string): Promise<LicenseProfile> {
    if (!isKey(storyId)) throw new AppError('STORY_NOT_FOUND', 'No such story.');
    const profile = (await this.forStories([storyId])).get(storyId);
    if (!profile) throw new AppError('STORY_NOT_FOUND', 'No such story.');
    return profile;
  }

  /**
   * The profile that governs one image of a story: the image's own (e.g. a wire photo that may
   * not be passed on), else the story's. Use imageAvailability() on the result.
   */
  async forImage(mediaId: string, storyProfile: LicenseProfile): Promise<LicenseProfile> {
    if (!isKey(mediaId)) return storyProfile;
    const r = await this.db
      .selectFrom('media')
      .innerJoin('license_profiles', 'license_profiles.id', 'media.license_profile_id')
      .selectAll('license_profiles')
      .where('media.id', '=', mediaId)
      .executeTakeFirst();
    return r ? toLicenseProfile(r) : storyProfile;
  }

  /** Plain-language sentences (see describeProfile). */
  describe(profile: LicenseProfile, vars?: Partial<Record<'site' | 'url' | 'authors' | 'headline', string>>): string[] {
    return describeProfile(profile, vars);
  }

  /** One paragraph for ninjs `usageterms`. */
  usageTerms(profile: LicenseProfile, siteName: string): string {
    return usageTermsOf(profile, siteName);
  }

  async imageRights(mediaId: string): Promise<ImageRights> {
    if (!isKey(mediaId)) throw new AppError('NOT_FOUND', 'No such image.');
    const r = await this.db
      .selectFrom('media')
      .leftJoin('license_profiles', 'license_profiles.id', 'media.license_profile_id')
      .select(['media.id', 'media.filename', 'media.content_type', 'media.size', 'media.alt', 'media.credit', 'media.created_at', 'license_profiles.slug'])
      .where('media.id', '=', mediaId)
      .executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', 'No such image.');
    return { id: r.id, filename: r.filename, contentType: r.content_type, size: r.size, alt: r.alt, credit: r.credit, licenseProfile: r.slug ?? null, createdAt: r.created_at };
  }

  /** Sets an image's own rights: a profile that overrides the story's (slug, or null to follow the story), its credit and alt text. */
  async updateImageRights(actor: Actor, mediaId: string, input: { licenseProfile?: unknown; credit?: unknown; alt?: unknown }): Promise<ImageRights> {
    // An image's rights decide what partners receive with every story that uses it, at once (the
    // image is not versioned with a story): only those who may publish change them.
    assertCan(actor, 'story.publish');
    const before = await this.imageRights(mediaId);
    const f = new Fields();
    const patch: { license_profile_id?: string | null; credit?: string; alt?: string } = {};
    if (input.licenseProfile !== undefined) {
      if (input.licenseProfile === null || input.licenseProfile === '') patch.license_profile_id = null;
      else if (typeof input.licenseProfile !== 'string') f.add('licenseProfile', 'must be a license profile slug or null');
      else {
        const p = await this.getBySlug(input.licenseProfile);
        if (!p) f.add('licenseProfile', `no license profile has the slug "${input.licenseProfile.slice(0, 100)}"`);
        else patch.license_profile_id = p.id;
      }
    }
    if (input.credit !== undefined) patch.credit = f.text('credit', input.credit, { max: 200 });
    if (input.alt !== undefined) patch.alt = f.text('alt', input.alt, { max: 500 });
    f.throwIfAny();
    if (Object.keys(patch).length > 0) {
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('media').set(patch).where('id', '=', before.id).execute();
        await recordAudit(trx, actor, 'media.rights', { type: 'media', id: before.id }, { fields: Object.keys(input) });
        // Which renditions partners may receive can change with it.
        await appendEvent(trx, 'site.updated', null, null, { media: before.id });
      });
      this.onPublicChange();
    }
    return this.imageRights(before.id);
  }

  private validate(input: LicenseProfileInput, creating: boolean) {
    const f = new Fields();
    const v: Partial<Selectable<LicenseProfilesTable>> = {};
    if (creating || input.name !== undefined) v.name = f.text('name', input.name, { required: true, max: 100 });
    if (input.slug !== undefined && input.slug !== '') {
      const slug = f.text('slug', input.slug, { max: 60 });
      if (!isSlug(slug)) f.add('slug', 'must be lowercase letters, digits and hyphens');
      v.slug = slug;
    }
    if (creating || input.audience !== undefined) {
      if (!AUDIENCES.includes(input.audience as LicenseAudience)) f.add('audience', `must be one of ${AUDIENCES.join(', ')}`);
      else v.audience = input.audience as LicenseAudience;
    }
    if (input.allowedEdits !== undefined) v.allowed_edits = f.text('allowedEdits', input.allowedEdits, { max: 2000 });
    if (creating || input.creditTemplate !== undefined) {
      v.credit_template = f.text('creditTemplate', input.creditTemplate ?? DEFAULT_CREDIT_TEMPLATE, { required: true, max: 500 });
    }
    const flags: Array<[keyof LicenseProfileInput, 'link_back' | 'pixel' | 'no_paywall' | 'no_ads']> = [
      ['linkBackRequired', 'link_back'], ['pixelRequired', 'pixel'], ['noPaywall', 'no_paywall'], ['noAds', 'no_ads'],
    ];
    for (const [field, column] of flags) {
      const b = bool(f, field, input[field]);
      if (b !== undefined) v[column] = b ? 1 : 0;
    }
    const images = bool(f, 'imagesIncluded', input.imagesIncluded);
    if (images !== undefined) v.images = images ? 'included' : 'excluded';
    if (input.delayHours !== undefined && input.delayHours !== '') {
      const n = typeof input.delayHours === 'string' ? Number(input.delayHours) : input.delayHours;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 24 * 365) f.add('delayHours', 'must be a whole number of hours between 0 and 8760');
      else v.delay_hours = n;
    }
    if (input.searchEngines !== undefined) {
      if (input.searchEngines !== 'canonical' && input.searchEngines !== 'noindex') f.add('searchEngines', 'must be canonical or noindex');
      else v.search_engines = input.searchEngines;
    }
    if (input.ccLicenseUrl !== undefined) {
      if (input.ccLicenseUrl === null || input.ccLicenseUrl === '') v.cc_license_url = null;
      else if (!CC_LICENSES.some((l) => l.url === input.ccLicenseUrl)) f.add('ccLicenseUrl', 'must be one of the Creative Commons 4.0 licenses or CC0');
      else v.cc_license_url = input.ccLicenseUrl as string;
    }
    if (input.terms !== undefined) v.terms = f.text('terms', input.terms, { max: 10_000 });
    f.throwIfAny();
    return v;
  }

  async create(actor: Actor, input: LicenseProfileInput): Promise<LicenseProfile> {
    assertCan(actor, 'settings.manage');
    const v = this.validate(input, true);
    const id = newId();
    const now = new Date().toISOString();
    const slug = v.slug ?? (slugify(v.name!, 60) || 'profile');
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('license_profiles')
          .values({
            id, slug, name: v.name!, audience: v.audience!, allowed_edits: v.allowed_edits ?? '', credit_template: v.credit_template!,
            link_back: v.link_back ?? 1, pixel: v.pixel ?? 1, images: v.images ?? 'included', no_paywall: v.no_paywall ?? 1, no_ads: v.no_ads ?? 0,
            delay_hours: v.delay_hours ?? 0, search_engines: v.search_engines ?? 'canonical', cc_license_url: v.cc_license_url ?? null, terms: v.terms ?? '',
            created_at: now, updated_at: now,
          })
          .execute();
        await recordAudit(trx, actor, 'license_profile.create', { type: 'license_profile', id }, { slug });
        await appendEvent(trx, 'site.updated', null, null, { licenseProfile: slug });
        // With no default chosen, the first free profile becomes the default: it may be this one.
        await refreshChangePointsForProfiles(trx, this.dialect, [], true);
      });
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) throw new AppError('CONFLICT', `A license profile with the slug "${slug}" already exists.`, { details: { slug: ['is already taken'] } });
      throw err;
    }
    this.onPublicChange();
    return this.get(id);
  }

  async update(actor: Actor, id: string, input: LicenseProfileInput): Promise<LicenseProfile> {
    assertCan(actor, 'settings.manage');
    const existing = await this.get(id);
    const v = this.validate(input, false);
    delete v.slug;
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('license_profiles').set({ ...v, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'license_profile.update', { type: 'license_profile', id }, { slug: existing.slug });
      await appendEvent(trx, 'site.updated', null, null, { licenseProfile: existing.slug });
      // Its audience or delay moves when its stories reach partners (it may be the default, too).
      await refreshChangePointsForProfiles(trx, this.dialect, [id], true);
    });
    this.onPublicChange();
    return this.get(id);
  }

  async setDefault(actor: Actor, id: string): Promise<void> {
    assertCan(actor, 'settings.manage');
    await this.get(id);
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const json = JSON.stringify(id);
      const r = await trx.updateTable('settings').set({ value_json: json, updated_at: now }).where('key', '=', 'defaultLicenseProfileId').executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) await trx.insertInto('settings').values({ key: 'defaultLicenseProfileId', value_json: json, updated_at: now }).execute();
      await recordAudit(trx, actor, 'license_profile.default', { type: 'license_profile', id });
      await appendEvent(trx, 'site.updated', null, null, { defaultLicenseProfile: id });
      await refreshChangePointsForProfiles(trx, this.dialect, [], true);
    });
    this.onPublicChange();
  }
}

/** Used when the newsroom has defined no profile yet: the common "republish free" terms. */
export const BUILT_IN_PROFILE: LicenseProfile = Object.freeze({
  id: 'built-in',
  slug: 'republish-free',
  name: 'Free to republish',
  audience: 'free',
  allowedEdits: 'Edit only for style, length and local references; do not change the meaning.',
  creditTemplate: DEFAULT_CREDIT_TEMPLATE,
  linkBackRequired: true,
  pixelRequired: true,
  imagesIncluded: true,
  noPaywall: true,
  noAds: false,
  delayHours: 0,
  searchEngines: 'canonical',
  ccLicenseUrl: null,
  terms: '',
  createdAt: '1970-01-01T00:00:00.000Z',
  updatedAt: '1970-01-01T00:00:00.000Z',
}) as LicenseProfile;
