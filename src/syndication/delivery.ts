/**
 * Turns access entries (what a partner may have, in which state) into what is delivered: the
 * partner copy and the ninjs content of each story. Shared by the content API and the partner
 * feeds so both carry the same copy.
 */
import type { Services } from '../services.js';
import type { Partner } from '../partners/partners.service.js';
import type { PublicStory } from '../stories/public.js';
import type { SiteSettings } from '../settings/settings.service.js';
import { imageKindOf, type AccessEntry } from './access.js';
import type { NinjsImage, NinjsInput, NinjsSubject } from './ninjs.js';
import { buildPartnerCopy, bylineText, storyUrl, type PartnerCopy } from './partner-copy.js';
import { escapeHtml } from '../feeds/text.js';
import { ccLicenseLabel } from '../license-profiles/license-profiles.service.js';
import { mediaPath } from '../site/context.js';

export interface Delivery {
  entry: AccessEntry;
  /** The live story; null for withdrawn ones. */
  story: PublicStory | null;
  copy: PartnerCopy | null;
  ninjs: NinjsInput;
}

export function storyUri(publicUrl: string, storyId: string): string {
  return `${publicUrl}/api/v1/stories/${encodeURIComponent(storyId)}`;
}

function copyright(settings: SiteSettings, publishedAt: string, ccLabel: string | null): string {
  const year = publishedAt.slice(0, 4);
  return ccLabel ? `© ${year} ${settings.siteName}. Licensed under ${ccLabel}.` : `© ${year} ${settings.siteName}. Republish only under the usage terms.`;
}

const utc = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z').replace('T', ' ').replace('Z', ' UTC');

export async function deliver(services: Services, partner: Pick<Partner, 'id'>, entries: AccessEntry[], now: Date = new Date()): Promise<Delivery[]> {
  if (entries.length === 0) return [];
  const settings = await services.settings.get();
  const { publicUrl } = services.config;
  // The live stories, read together (see PublicStories.liveByIds).
  const live = await services.publicStories.liveByIds(entries.filter((e) => e.pubstatus !== 'canceled').map((e) => e.storyId));
  const out = await Promise.all(entries.map((e) => deliverOne(services, settings, publicUrl, partner, e, live.get(e.storyId), now)));
  return out.filter((d): d is Delivery => d !== undefined);
}

async function deliverOne(
  services: Services,
  settings: SiteSettings,
  publicUrl: string,
  partner: Pick<Partner, 'id'>,
  entry: AccessEntry,
  story: PublicStory | undefined,
  now: Date,
): Promise<Delivery | undefined> {
  const { profile } = entry;
  const ccLabel = ccLicenseLabel(profile.ccLicenseUrl);
  const common = {
    uri: storyUri(publicUrl, entry.storyId),
    version: entry.version,
    versionCreated: entry.versionCreated,
    firstCreated: entry.publishedAt,
    pubStatus: entry.pubstatus,
    embargoedUntil: entry.embargoUntil,
    slug: entry.slug,
    language: settings.language,
    usageTerms: services.licenseProfiles.usageTerms(profile, settings.siteName),
    copyrightHolder: settings.siteName,
    copyrightNotice: copyright(settings, entry.publishedAt, ccLabel),
    rightsUrl: profile.ccLicenseUrl ?? `${publicUrl}/republish`,
    canonicalUrl: storyUrl(publicUrl, entry.slug),
    originator: { name: settings.siteName, uri: publicUrl },
  };

  if (entry.pubstatus === 'canceled') {
    const v = await services.database.db
      .selectFrom('story_versions as v')
      .innerJoin('desks as d', 'd.id', 'v.desk_id')
      .select(['v.headline', 'v.summary', 'v.dateline', 'd.slug as desk_slug', 'd.name as desk_name'])
      .where('v.story_id', '=', entry.storyId)
      .where('v.version', '=', entry.liveVersion)
      .executeTakeFirst();
    if (!v) return undefined;
    const reason = entry.withdrawnReason?.trim() ?? '';
    const ended = entry.endedLicense;
    const notice = ended
      ? `Your license ${ended.reference} with ${settings.siteName} ended on ${utc(ended.endsAt)}, and its terms require you to remove the stories it covered. Remove this story from your site.`
      : `${settings.siteName} has withdrawn this story${entry.withdrawnAt ? ` (${utc(entry.withdrawnAt)})` : ''}. Remove it from your site.${reason ? ` Reason: ${reason}` : ''}`;
    const subjects = await subjectsFor(services, publicUrl, { slug: v.desk_slug, name: v.desk_name }, entry.tags);
    return {
      entry,
      story: null,
      copy: null,
      ninjs: {
        ...common,
        headline: v.headline,
        summary: v.summary,
        byline: '',
        dateline: v.dateline,
        html: `<p>${escapeHtml(notice)}</p>`,
        text: notice,
        wordCount: null,
        subjects,
        edNote: notice,
        image: null,
      },
    };
  }

  // Withdrawn between the access check and now: the next poll delivers the cancellation.
  if (!story) return undefined;
  // Images as the grant that gives the story says (a license's images flag is in the profile).
  const copy = await buildPartnerCopy(services, story, { id: partner.id, kind: imageKindOf(entry) }, profile, now);
  let image: NinjsImage | null = null;
  if (copy.leadImageIncluded && story.leadImage) {
    const details = (await services.publicStories.feedDetails([story.id])).get(story.id);
    const url = `${publicUrl}${mediaPath(story.leadImage.id)}`;
    image = {
      uri: url,
      href: url,
      contentType: details?.imageType ?? 'application/octet-stream',
      sizeInBytes: details?.imageSize ?? null,
      alt: story.leadImage.alt,
      caption: story.leadImage.caption,
      credit: story.leadImage.credit,
    };
  }
  const edNote =
    entry.pubstatus === 'withheld' && entry.embargoUntil
      ? `Embargoed until ${utc(entry.embargoUntil)}: you may prepare this story, but do not publish it before then.`
      : null;
  return {
    entry,
    story,
    copy,
    ninjs: {
      ...common,
      headline: story.headline,
      summary: story.summary,
      byline: bylineText(story.authors),
      dateline: story.dateline,
      html: copy.html,
      text: copy.text,
      wordCount: story.wordCount,
      subjects: await subjectsFor(services, publicUrl, story.desk, story.tags.map((t) => t.name), story.tags),
      edNote,
      image,
    },
  };
}

async function subjectsFor(
  services: Services,
  publicUrl: string,
  desk: { slug: string; name: string },
  tagNames: string[],
  known?: Array<{ slug: string; name: string }>,
): Promise<NinjsSubject[]> {
  let tags = known;
  if (!tags) {
    tags = tagNames.length > 0 ? await services.database.db.selectFrom('tags').select(['slug', 'name']).where('name', 'in', tagNames).orderBy('name').execute() : [];
  }
  return [
    { name: desk.name, rel: 'section', uri: `${publicUrl}/desk/${encodeURIComponent(desk.slug)}`, literal: `desk:${desk.slug}` },
    ...tags.map((t): NinjsSubject => ({ name: t.name, rel: 'about', uri: `${publicUrl}/tag/${encodeURIComponent(t.slug)}`, literal: `tag:${t.slug}` })),
  ];
}
