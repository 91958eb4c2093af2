/** Site settings edited by admins: name, logo, notices and contacts. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { recordAudit } from '../audit/audit.js';
import { appendEvent } from '../events/events.js';
import { Fields } from '../util/validate.js';
import { assertCan, type Actor } from '../users/permissions.js';
import { uploadedImageId } from '../media/media.service.js';

export interface SiteSettings {
  siteName: string;
  tagline: string;
  /** Media id of the uploaded logo, or null for the text-only masthead. */
  logoMediaId: string | null;
  /** Shown on every story page: free to eligible publishers, licensing for others. */
  syndicationNotice: string;
  tipsContact: string;
  licensingContact: string;
  /** BCP 47 language of the site, used in feeds and <html lang>. */
  language: string;
}

export const DEFAULT_SETTINGS: SiteSettings = {
  siteName: 'Freewire Newsroom',
  tagline: 'Independent reporting, free to republish',
  logoMediaId: null,
  syndicationNotice:
    'This story is free to republish for eligible news publishers with a large audience under our republishing terms. Others may license it: contact our licensing desk.',
  tipsContact: '',
  licensingContact: '',
  language: 'en',
};

const KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof SiteSettings>;

export class SettingsService {
  private cached: SiteSettings | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    /** Told after each committed change readers can see, so page caches refresh at once. */
    private readonly onPublicChange: () => void = () => undefined,
  ) {}

  async get(): Promise<SiteSettings> {
    if (this.cached) return this.cached;
    const rows = await this.db.selectFrom('settings').selectAll().execute();
    const out: SiteSettings = { ...DEFAULT_SETTINGS };
    for (const r of rows) {
      if ((KEYS as string[]).includes(r.key)) (out as unknown as Record<string, unknown>)[r.key] = JSON.parse(r.value_json);
    }
    this.cached = Object.freeze(out);
    return this.cached;
  }

  /** Called when another node may have changed settings (the page cache sees a newer event). */
  invalidate(): void {
    this.cached = undefined;
  }

  async update(actor: Actor, input: Partial<Record<keyof SiteSettings, unknown>>): Promise<SiteSettings> {
    assertCan(actor, 'settings.manage');
    const f = new Fields();
    const patch: Partial<SiteSettings> = {};
    if (input.siteName !== undefined) patch.siteName = f.text('siteName', input.siteName, { required: true, max: 100 });
    if (input.tagline !== undefined) patch.tagline = f.text('tagline', input.tagline, { max: 200 });
    if (input.syndicationNotice !== undefined) patch.syndicationNotice = f.text('syndicationNotice', input.syndicationNotice, { max: 2000 });
    if (input.tipsContact !== undefined) patch.tipsContact = f.text('tipsContact', input.tipsContact, { max: 300 });
    if (input.licensingContact !== undefined) patch.licensingContact = f.text('licensingContact', input.licensingContact, { max: 300 });
    if (input.language !== undefined) {
      patch.language = f.text('language', input.language, { required: true, max: 35 });
      if (patch.language && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(patch.language)) f.add('language', 'must be a language code such as en or en-US');
    }
    if (input.logoMediaId !== undefined) {
      // Checked against the media library: the logo is on every page, and an id that names no
      // image (or cannot even be put in a URL, like one with a lone surrogate) broke them all.
      const id = input.logoMediaId;
      const known = id === null ? null : typeof id === 'string' ? await uploadedImageId(this.db, id) : undefined;
      if (known === undefined) f.add('logoMediaId', 'must be the id of an uploaded image');
      else patch.logoMediaId = known;
    }
    f.throwIfAny();
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(patch)) {
        const json = JSON.stringify(value);
        // An upsert, so two admins (or nodes) saving at once cannot collide on the key.
        await trx
          .insertInto('settings')
          .values({ key, value_json: json, updated_at: now })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value_json: json, updated_at: now }))
          .execute();
      }
      await recordAudit(trx, actor, 'settings.update', { type: 'settings', id: 'site' }, { keys: Object.keys(patch) });
      await appendEvent(trx, 'site.updated', null, null, { settings: Object.keys(patch) });
    });
    this.invalidate();
    this.onPublicChange();
    return this.get();
  }
}
