/**
 * What every public page needs besides its own data: settings, desks for the navigation, and
 * helpers for absolute URLs and reader-facing dates.
 */
import type { Services } from '../services.js';
import type { SiteSettings } from '../settings/settings.service.js';
import type { Desk } from '../desks/desks.service.js';

export interface SiteContext {
  settings: SiteSettings;
  desks: Desk[];
  /** config.publicUrl, without a trailing slash. */
  publicUrl: string;
}

export async function loadSiteContext(services: Services): Promise<SiteContext> {
  const [settings, desks] = await Promise.all([services.settings.get(), services.desks.list()]);
  return { settings, desks, publicUrl: services.config.publicUrl.replace(/(?<!\/)\/+$/, '') };
}

export function absoluteUrl(ctx: { publicUrl: string }, path: string): string {
  return `${ctx.publicUrl}${path}`;
}

export function mediaPath(id: string): string {
  return `/media/${encodeURIComponent(id)}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(language: string): Intl.DateTimeFormat {
  let f = formatters.get(language);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    } catch {
      // A language tag Intl does not know still renders, in English.
      f = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    }
    if (formatters.size < 50) formatters.set(language, f);
  }
  return f;
}

/** "27 November 2026 at 21:58 UTC" (in the site's language). The zone is spelled out because readers are everywhere. */
export function humanDateTime(iso: string, language: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatter(language).format(d)} UTC`;
}

/** Only web and mail links may become hrefs: author handles are free text and could hold any scheme. */
export function safeHref(url: string): string | undefined {
  return /^(https?:\/\/|mailto:)/i.test(url.trim()) ? url.trim() : undefined;
}
