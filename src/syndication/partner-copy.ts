/**
 * The partner copy: a story as a partner republishes it. One renderer serves the Republish button
 * in the partner portal, the bodies of the content API's ninjs documents and the partner feeds,
 * so the credit line, the link back and the pixel are the same wherever a partner gets a story
 * (and the attribution checker looks for exactly these).
 *
 * The HTML is built by hand from escaped pieces: everything from the database except the story
 * body goes through escapeHtml / attribute escaping; the body is the stored, already sanitised
 * HTML (src/stories/markdown.ts), only made absolute and, when images are excluded, stripped of
 * them.
 */
import type { Services } from '../services.js';
import type { Partner } from '../partners/partners.service.js';
import type { PublicStory } from '../stories/public.js';
import type { SiteSettings } from '../settings/settings.service.js';
import { ccLicenseLabel, creditLine as fillCreditLine, imageAvailability, type LicenseProfile } from '../license-profiles/license-profiles.service.js';
import { escapeHtml } from '../feeds/text.js';
import { htmlToText } from '../stories/markdown.js';
import { absolutiseHtml } from '../site/feeds.js';
import { mediaPath } from '../site/context.js';

export interface PartnerCopyInput {
  story: PublicStory;
  partner: Pick<Partner, 'id' | 'kind'>;
  /** The story's effective license profile. */
  profile: LicenseProfile;
  /** `{publicUrl}/p/{token}.gif` for this story × partner (see pixelUrlFor); used when the profile requires a pixel. */
  pixelUrl: string | null;
  settings: Pick<SiteSettings, 'siteName' | 'language'>;
  /** config.publicUrl, without a trailing slash. */
  publicUrl: string;
  /**
   * May the partner use the lead image? The image may carry its own profile (a wire photo that
   * must not be passed on): see leadImageAllowed(). Defaults to the story profile's choice.
   */
  leadImageAllowed?: boolean;
}

export interface PartnerCopy {
  /** The snippet to paste into the partner's article body: headline, byline, then bodyHtml. */
  html: string;
  /**
   * The same without headline and byline (lead image, body, credit line, link back, pixel), for
   * feeds and CMS imports that carry the headline and authors in their own fields.
   */
  bodyHtml: string;
  /** The same as plain text, with the credit line and the original's address. */
  text: string;
  creditLine: string;
  /** The original story's address. */
  canonicalUrl: string;
  /** The tag to put in the partner page's <head>, as the profile asks search engines to be told. */
  searchEngineAdvice: string;
  /** `<a rel="license" …>` when the story is under a Creative Commons license, else null. */
  licenseLink: string | null;
  /** The pixel's address when the snippet carries one. */
  pixelUrl: string | null;
  /** Whether the lead image is in the snippet. */
  leadImageIncluded: boolean;
}

/** Escapes text for an attribute value in double quotes (escapeHtml covers &, <, >, " and '). */
const attr = (value: string) => escapeHtml(value);

export function storyUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/stories/${encodeURIComponent(slug)}`;
}

export function pixelUrlOf(publicUrl: string, token: string): string {
  return `${publicUrl}/p/${encodeURIComponent(token)}.gif`;
}

/** "A", "A and B", "A, B and C" — the same form the attribution checker expects in credit lines. */
export function authorNames(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The byline with titles: "Ada Reporter, Environment Reporter" or "A, Title; and B, Title". */
export function bylineText(authors: ReadonlyArray<{ name: string; title: string }>): string {
  const parts = authors.map((a) => (a.title.trim() ? `${a.name}, ${a.title}` : a.name));
  if (parts.length <= 1) return parts[0] ?? '';
  // Titles already use commas, so the names are set apart with semicolons.
  return `${parts.slice(0, -1).join('; ')}; and ${parts[parts.length - 1]}`;
}

/** Removes images from sanitised body HTML: whole figures that hold one, then any left. */
export function stripImages(html: string): string {
  return html.replace(/<figure\b[^>]*>[\s\S]*?<\/figure>/gi, (fig) => (/<img\b/i.test(fig) ? '' : fig)).replace(/<img\b[^>]*>/gi, '');
}

export function renderPartnerCopy(input: PartnerCopyInput): PartnerCopy {
  const { story, profile, settings, publicUrl } = input;
  const url = storyUrl(publicUrl, story.slug);
  const names = story.authors.map((a) => a.name);
  const credit = fillCreditLine(profile, { site: settings.siteName, url, authors: authorNames(names), headline: story.headline });
  const byline = bylineText(story.authors);
  const imagesInBody = profile.imagesIncluded;
  const leadAllowed = input.leadImageAllowed ?? profile.imagesIncluded;
  const lead = story.leadImage && leadAllowed ? story.leadImage : null;
  const pixelUrl = profile.pixelRequired && input.pixelUrl ? input.pixelUrl : null;
  const licenseLabel = ccLicenseLabel(profile.ccLicenseUrl);
  const licenseLink = profile.ccLicenseUrl ? `<a rel="license" href="${attr(profile.ccLicenseUrl)}">${escapeHtml(licenseLabel ?? profile.ccLicenseUrl)}</a>` : null;

  let body = absolutiseHtml(story.bodyHtml, publicUrl);
  if (!imagesInBody) body = stripImages(body);

  const html: string[] = [];
  if (lead) {
    const src = `${publicUrl}${mediaPath(lead.id)}`;
    const caption = [lead.caption.trim(), lead.credit.trim() ? `(${lead.credit.trim()})` : ''].filter(Boolean).join(' ');
    html.push('<figure class="freewire-lead-image">');
    html.push(`<img src="${attr(src)}" alt="${attr(lead.alt)}">`);
    if (caption) html.push(`<figcaption>${escapeHtml(caption)}</figcaption>`);
    html.push('</figure>');
  }
  html.push(body);
  html.push(
    `<p class="freewire-credit">${escapeHtml(credit)} <a href="${attr(url)}">Read the original story at ${escapeHtml(settings.siteName)}</a>.` +
      (licenseLink ? ` Licensed under ${licenseLink}.` : '') +
      '</p>',
  );
  if (pixelUrl) {
    // The referrer policy is what makes the pixel useful: cross-site image requests carry only the
    // partner's origin by default (strict-origin-when-cross-origin), which says who ran the story
    // but not on which page. `no-referrer-when-downgrade` sends the full address of the partner's
    // page (except from https to http), so usage reports and attribution checks can find it.
    html.push(
      `<img class="freewire-pixel" src="${attr(pixelUrl)}" width="1" height="1" alt="" referrerpolicy="no-referrer-when-downgrade" ` +
        'style="width:1px;height:1px;border:0;margin:0;padding:0">',
    );
  }
  const bodyHtml = html.join('\n');
  const full = [
    `<article class="freewire-story" lang="${attr(settings.language)}">`,
    `<h1>${escapeHtml(story.headline)}</h1>`,
    ...(byline ? [`<p class="freewire-byline">By ${escapeHtml(byline)}</p>`] : []),
    bodyHtml,
    '</article>',
  ].join('\n');

  const text = [
    story.headline,
    byline ? `By ${byline}` : '',
    htmlToText(body),
    credit,
    `Original story: ${url}`,
    profile.ccLicenseUrl ? `License: ${licenseLabel ?? profile.ccLicenseUrl} (${profile.ccLicenseUrl})` : '',
  ]
    .filter((s) => s !== '')
    .join('\n\n');

  const searchEngineAdvice = profile.searchEngines === 'noindex' ? '<meta name="robots" content="noindex">' : `<link rel="canonical" href="${attr(url)}">`;

  return { html: full, bodyHtml, text, creditLine: credit, canonicalUrl: url, searchEngineAdvice, licenseLink, pixelUrl, leadImageIncluded: lead !== null };
}

/** The pixel address for a story × partner (creates the token on first use). */
export async function pixelUrlFor(services: Services, storyId: string, partnerId: string): Promise<string> {
  return pixelUrlOf(services.config.publicUrl, await services.pixelTokens.tokenFor(storyId, partnerId));
}

/** May this partner use the story's lead image now? The image's own profile overrides the story's. */
export async function leadImageAllowed(services: Services, story: Pick<PublicStory, 'leadImage' | 'publishedAt'>, profile: LicenseProfile, partner: Pick<Partner, 'kind'>, now: Date): Promise<boolean> {
  if (!story.leadImage) return false;
  const effective = await services.licenseProfiles.forImage(story.leadImage.id, profile);
  return imageAvailability(effective, partner.kind, story.publishedAt, now).allowed;
}

/**
 * Everything renderPartnerCopy needs, looked up: pixel token, the lead image's own rights,
 * settings. For callers that have a story, a partner and the story's profile.
 */
export async function buildPartnerCopy(
  services: Services,
  story: PublicStory,
  partner: Pick<Partner, 'id' | 'kind'>,
  profile: LicenseProfile,
  now: Date = new Date(),
): Promise<PartnerCopy> {
  const [settings, pixelUrl, leadAllowed] = await Promise.all([
    services.settings.get(),
    profile.pixelRequired ? pixelUrlFor(services, story.id, partner.id) : Promise.resolve(null),
    leadImageAllowed(services, story, profile, partner, now),
  ]);
  return renderPartnerCopy({ story, partner, profile, pixelUrl, settings, publicUrl: services.config.publicUrl, leadImageAllowed: leadAllowed });
}
