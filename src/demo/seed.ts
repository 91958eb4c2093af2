/**
 * Fills an empty site with the demo newsroom from ./content.ts, so `npm start` shows a living
 * site: settings, desks, authors and twelve stories spread over the past weeks, one carrying a
 * correction, one an update and one withdrawn; then the syndication side on top of them
 * (./activity.ts): partners, licensing, a month of usage and the ledger of who had what.
 *
 * Everything goes through the services (validation, versions, events, search index), then the
 * timestamps are moved into the past directly in the database, because a site whose stories were
 * all published in the same second does not look like a newsroom.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import type { Actor } from '../users/permissions.js';
import type { LicenseProfileInput } from '../license-profiles/license-profiles.service.js';
import { refreshChangePoints } from '../syndication/change-points.js';
import { moveSearchRow } from '../search/search.js';
import { demoAuthors, demoDesks, demoSite, demoStories, type DemoStory } from './content.js';
import { demoPortalPassword, seedDemoActivity, type ActivityResult } from './activity.js';
import { createNoticesConsumer } from '../notices/notices.js';

export const DEMO_ACTOR: Actor = Object.freeze({ id: null, role: 'system', label: 'demo' });

export interface SeedResult {
  desks: number;
  authors: number;
  stories: number;
  /** Partners and licensing inquiries made, with the demo partner's portal login (printed once). */
  activity?: ActivityResult;
}

const HOUR = 3600_000;

/** The demo's license profiles: the common free terms (the default), a delayed release, and a licensees-only one. */
const DEMO_PROFILES: Array<LicenseProfileInput & { slug: string; isDefault?: boolean }> = [
  {
    slug: 'free-to-republish',
    name: 'Free to republish',
    audience: 'free',
    allowedEdits: 'Edit only for style, length and local references; do not change the meaning.',
    creditTemplate: 'This story was originally published by {site} ({url}) and is republished with permission.',
    linkBackRequired: true,
    pixelRequired: true,
    imagesIncluded: true,
    noPaywall: true,
    noAds: false,
    delayHours: 0,
    searchEngines: 'canonical',
    isDefault: true,
  },
  {
    slug: 'free-after-24-hours',
    name: 'Free after 24 hours',
    audience: 'free',
    allowedEdits: 'Do not edit beyond trimming for length.',
    creditTemplate: 'By {authors}, {site}. Originally published at {url}.',
    delayHours: 24,
    searchEngines: 'noindex',
    ccLicenseUrl: 'https://creativecommons.org/licenses/by-nd/4.0/',
  },
  {
    slug: 'licensees-only',
    name: 'Licensees only',
    audience: 'licensees',
    creditTemplate: '{site} — licensed content. Original: {url}',
    terms: 'Available to organisations with a current license from our licensing desk.',
  },
];

/** Demo stories that carry a profile of their own (the rest follow the default). */
const DEMO_STORY_PROFILES: Record<string, string> = {
  'duplex-zoning-bill-advances': 'free-after-24-hours',
  'sallow-valley-medical-center-closing': 'licensees-only',
};
/** How long before publication a demo story's draft was started. */
const DRAFTING_HOURS = 3;

/** True for "someone else already made this": the service's CONFLICT or a raw unique violation. */
function isTaken(services: Services, err: unknown): boolean {
  return (err instanceof AppError && err.code === 'CONFLICT') || services.database.dialect.isUniqueViolation(err);
}

/**
 * Seeds the demo content unless the database already has stories. Safe when several nodes start
 * at once on an empty shared database: desks, authors and stories are unique by slug, and whoever
 * loses the race for one skips it, so every demo story is created and published exactly once.
 */
export async function seedDemoContent(services: Services, now: Date = new Date(), portalPassword: string = demoPortalPassword()): Promise<SeedResult> {
  const result: SeedResult = { desks: 0, authors: 0, stories: 0 };
  const db = services.database.db;
  const anyStory = await db.selectFrom('stories').select('id').limit(1).executeTakeFirst();
  if (anyStory) return result;

  // Partners hear of corrections and withdrawals through the notices consumer, which follows the
  // event log from where it first looks. Looking now, before the first demo event, lets the demo's
  // correction and withdrawal reach the demo partners who had those stories (see ./activity.ts).
  await createNoticesConsumer(services).cursor();

  const siteSettings = {
    siteName: demoSite.name,
    tagline: demoSite.tagline,
    syndicationNotice: demoSite.syndicationNotice,
    tipsContact: demoSite.tipsContact,
    licensingContact: demoSite.licensingContact,
  };
  try {
    await services.settings.update(DEMO_ACTOR, siteSettings);
  } catch (err) {
    // SettingsService.update inserts missing keys after an update finds none, so two nodes
    // doing it at once collide on the key; by now the rows exist and a second try updates them.
    if (!isTaken(services, err)) throw err;
    await services.settings.update(DEMO_ACTOR, siteSettings);
  }

  for (const desk of demoDesks) {
    if (await services.desks.getBySlug(desk.slug)) continue;
    try {
      await services.desks.create(DEMO_ACTOR, { name: desk.name, slug: desk.slug, description: desk.description });
      result.desks++;
    } catch (err) {
      if (!isTaken(services, err)) throw err;
    }
  }

  for (const author of demoAuthors) {
    if (await services.authors.getBySlug(author.slug)) continue;
    try {
      await services.authors.create(DEMO_ACTOR, {
        name: author.name,
        slug: author.slug,
        title: author.title,
        bio: author.bio,
        links: author.links,
        tipsContact: author.tipsContact,
      });
      result.authors++;
    } catch (err) {
      if (!isTaken(services, err)) throw err;
    }
  }

  await seedLicenseProfiles(services);

  // Publish and amend in the order they "happened", so event ids rise with their timestamps as
  // they would on a real site (partners and caches read the event log by id).
  type Step = { at: Date; story: DemoStory; kind: 'publish' | 'correction' | 'update' | 'withdrawal' };
  const steps: Step[] = [];
  for (const story of demoStories) {
    const publishedAt = new Date(now.getTime() - story.publishedHoursAgo * HOUR);
    steps.push({ at: publishedAt, story, kind: 'publish' });
    if (story.correction) steps.push({ at: new Date(publishedAt.getTime() + story.correction.hoursAfterPublish * HOUR), story, kind: 'correction' });
    if (story.update) steps.push({ at: new Date(publishedAt.getTime() + story.update.hoursAfterPublish * HOUR), story, kind: 'update' });
    if (story.withdrawal) steps.push({ at: new Date(publishedAt.getTime() + story.withdrawal.hoursAfterPublish * HOUR), story, kind: 'withdrawal' });
  }
  steps.sort((a, b) => a.at.getTime() - b.at.getTime() || a.story.slug.localeCompare(b.story.slug));

  const ids = new Map<string, string>();
  for (const step of steps) {
    const { story } = step;
    if (step.kind === 'publish') {
      const id = await createDemoStory(services, story);
      // Another node is seeding this story; it will publish and amend it.
      if (!id) continue;
      ids.set(story.slug, id);
      await services.stories.publish(DEMO_ACTOR, id);
      await backdatePublication(db, services.database.dialect.name, id, step.at);
      await refreshChangePoints(db, services.database.dialect, [id]);
      result.stories++;
      continue;
    }
    const id = ids.get(story.slug);
    if (!id) continue;
    if (step.kind === 'withdrawal') {
      await services.stories.withdraw(DEMO_ACTOR, id, story.withdrawal!.reason);
      await backdateWithdrawal(db, id, step.at);
      await refreshChangePoints(db, services.database.dialect, [id]);
      continue;
    }
    if (step.kind === 'correction') {
      await services.stories.amend(DEMO_ACTOR, id, 'correction', story.correction!.text, undefined);
    } else {
      await services.stories.amend(DEMO_ACTOR, id, 'update', story.update!.note, `${story.body.trimEnd()}\n\n${story.update!.addedParagraph}\n`);
    }
    await backdateAmendment(db, id, step.at);
    // The partner change points follow the event times just rewritten.
    await refreshChangePoints(db, services.database.dialect, [id]);
  }

  // The timestamps were rewritten behind the services' backs; make page caches re-render.
  services.changes.bump();
  // Only a node that seeded stories goes on; the activity itself runs once, when all are done.
  if (result.stories > 0) {
    const activity = await seedDemoActivity(services, DEMO_ACTOR, now, portalPassword);
    if (activity) result.activity = activity;
  }
  return result;
}

/** Creates the demo license profiles that do not exist yet, and makes the first the default. */
async function seedLicenseProfiles(services: Services): Promise<void> {
  for (const { isDefault, ...input } of DEMO_PROFILES) {
    let profile = await services.licenseProfiles.getBySlug(input.slug);
    if (!profile) {
      try {
        profile = await services.licenseProfiles.create(DEMO_ACTOR, input);
      } catch (err) {
        if (!isTaken(services, err)) throw err;
        profile = await services.licenseProfiles.getBySlug(input.slug);
      }
    }
    if (!isDefault || !profile) continue;
    try {
      await services.licenseProfiles.setDefault(DEMO_ACTOR, profile.id);
    } catch (err) {
      // Another node inserted the setting first; now it exists and this one updates it.
      if (!isTaken(services, err)) throw err;
      await services.licenseProfiles.setDefault(DEMO_ACTOR, profile.id);
    }
  }
}

/** Creates the draft; undefined when another node already created a story with this slug. */
async function createDemoStory(services: Services, story: DemoStory): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await services.stories.create(DEMO_ACTOR, {
        slug: story.slug,
        headline: story.headline,
        summary: story.summary,
        dateline: story.dateline,
        desk: story.desk,
        authors: story.authors,
        tags: story.tags,
        body: story.body,
        licenseProfile: DEMO_STORY_PROFILES[story.slug] ?? null,
      });
      return created.id;
    } catch (err) {
      if (!isTaken(services, err)) throw err;
      // The clash may be over a shared tag that another node's story created at the same
      // moment rather than over this story; then the story still needs making.
      const existing = await services.database.db.selectFrom('stories').select('id').where('slug', '=', story.slug).executeTakeFirst();
      if (existing) return undefined;
      if (attempt >= 3) throw err;
    }
  }
}

/** Moves a just-published story (versions: create, publish) to `publishedAt`. */
async function backdatePublication(db: Kysely<DB>, dialect: 'sqlite' | 'postgres', id: string, publishedAt: Date): Promise<void> {
  const published = publishedAt.toISOString();
  const drafted = new Date(publishedAt.getTime() - DRAFTING_HOURS * HOUR).toISOString();
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('stories').select('published_at').where('id', '=', id).executeTakeFirstOrThrow();
    if (before.published_at) await moveSearchRow(trx, dialect, id, before.published_at, published);
    await trx.updateTable('stories').set({ created_at: drafted, published_at: published, updated_at: published }).where('id', '=', id).execute();
    await trx.updateTable('story_versions').set({ created_at: drafted }).where('story_id', '=', id).where('kind', '=', 'create').execute();
    await trx.updateTable('story_versions').set({ created_at: published }).where('story_id', '=', id).where('kind', '=', 'publish').execute();
    await trx.updateTable('events').set({ created_at: published }).where('story_id', '=', id).where('type', '=', 'story.published').execute();
  });
}

/** Moves the story's latest version (a correction or update just made) to `at`. */
async function backdateAmendment(db: Kysely<DB>, id: string, at: Date): Promise<void> {
  const when = at.toISOString();
  await db.transaction().execute(async (trx) => {
    const story = await trx.selectFrom('stories').select('current_version').where('id', '=', id).executeTakeFirstOrThrow();
    const version = story.current_version;
    await trx.updateTable('stories').set({ public_updated_at: when, updated_at: when }).where('id', '=', id).execute();
    await trx.updateTable('story_versions').set({ created_at: when }).where('story_id', '=', id).where('version', '=', version).execute();
    await trx.updateTable('story_notes').set({ created_at: when }).where('story_id', '=', id).where('version', '=', version).execute();
    await trx
      .updateTable('events')
      .set({ created_at: when })
      .where('story_id', '=', id)
      .where('version', '=', version)
      .where('type', 'in', ['story.corrected', 'story.updated'])
      .execute();
  });
}

/** Moves a just-made withdrawal (its version, the story's withdrawn_at and its event) to `at`. */
async function backdateWithdrawal(db: Kysely<DB>, id: string, at: Date): Promise<void> {
  const when = at.toISOString();
  await db.transaction().execute(async (trx) => {
    const story = await trx.selectFrom('stories').select('current_version').where('id', '=', id).executeTakeFirstOrThrow();
    await trx.updateTable('stories').set({ withdrawn_at: when, updated_at: when }).where('id', '=', id).execute();
    await trx.updateTable('story_versions').set({ created_at: when }).where('story_id', '=', id).where('version', '=', story.current_version).execute();
    await trx.updateTable('events').set({ created_at: when }).where('story_id', '=', id).where('type', '=', 'story.withdrawn').execute();
  });
}
