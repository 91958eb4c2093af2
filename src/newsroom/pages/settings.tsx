import type { SiteSettings } from '../../settings/settings.service.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ErrorSummary, formatBytes, PageHeader, TextArea, TextField, type Errors } from './components.js';

export interface SettingsValues {
  siteName: string;
  tagline: string;
  language: string;
  syndicationNotice: string;
  tipsContact: string;
  licensingContact: string;
}

export const SETTINGS_LABELS: Record<string, string> = {
  siteName: 'Site name',
  tagline: 'Tagline',
  language: 'Language',
  syndicationNotice: 'Syndication notice',
  tipsContact: 'Tips contact',
  licensingContact: 'Licensing contact',
  logo: 'Logo',
};

export function settingsValues(s: SiteSettings): SettingsValues {
  return {
    siteName: s.siteName,
    tagline: s.tagline,
    language: s.language,
    syndicationNotice: s.syndicationNotice,
    tipsContact: s.tipsContact,
    licensingContact: s.licensingContact,
  };
}

export interface SettingsPageProps {
  settings: SiteSettings;
  values: SettingsValues;
  errors?: Errors | undefined;
  message?: string | undefined;
  logoErrors?: Errors | undefined;
  logoMessage?: string | undefined;
  csrf: string;
  maxUploadBytes: number;
}

export function SettingsPage({ settings, values, errors, message, logoErrors, logoMessage, csrf, maxUploadBytes }: SettingsPageProps) {
  return (
    <>
      <PageHeader title="Site settings">
        <a href="/newsroom/websub">WebSub subscriptions</a>
      </PageHeader>
      <div class="two-col">
        <form method="post" action="/newsroom/settings" class="card stack" novalidate>
          <ErrorSummary message={message} errors={errors} labels={SETTINGS_LABELS} />
          <CsrfField token={csrf} />
          <TextField name="siteName" label="Site name" value={values.siteName} errors={errors} required maxLength={100} />
          <TextField name="tagline" label="Tagline" value={values.tagline} errors={errors} maxLength={200} />
          <TextField name="language" label="Language" value={values.language} errors={errors} required maxLength={35} hint="A language code such as en, es or en-US. Used for feeds and the pages' language." />
          <TextArea
            name="syndicationNotice"
            label="Syndication notice"
            value={values.syndicationNotice}
            errors={errors}
            rows={4}
            maxLength={2000}
            hint="Shown on every story that is free to republish."
          />
          <TextField name="tipsContact" label="Tips contact" value={values.tipsContact} errors={errors} maxLength={300} hint="How sources reach the newsroom, shown with “send us a tip”." />
          <TextField name="licensingContact" label="Licensing contact" value={values.licensingContact} errors={errors} maxLength={300} hint="Email or page for licensing inquiries." />
          <div>
            <button type="submit" class="btn btn-primary">
              Save settings
            </button>
          </div>
        </form>
        <section class="card stack" aria-labelledby="logo-title">
          <h2 id="logo-title">Logo</h2>
          {settings.logoMediaId ? (
            <div class="logo-preview">
              <img src={`/media/${settings.logoMediaId}`} alt={`Current logo of ${settings.siteName}`} />
            </div>
          ) : (
            <p class="muted">No logo: the site shows its name as text.</p>
          )}
          <form method="post" action="/newsroom/settings/logo" enctype="multipart/form-data" class="stack">
            <ErrorSummary message={logoMessage} errors={logoErrors} labels={SETTINGS_LABELS} />
            <CsrfField token={csrf} />
            <div class={`field ${logoErrors?.logo ? 'field-invalid' : ''}`}>
              <label for="f-logo">Upload a logo</label>
              <p class="hint" id="f-logo-hint">
                PNG, JPEG, GIF or WebP, up to {formatBytes(maxUploadBytes)}. A wide image about 80 pixels tall works best.
              </p>
              {logoErrors?.logo && (
                <p class="field-error" id="f-logo-error">
                  {logoErrors.logo.join('; ')}
                </p>
              )}
              <input
                id="f-logo"
                type="file"
                name="logo"
                accept="image/png,image/jpeg,image/gif,image/webp"
                required
                aria-describedby={logoErrors?.logo ? 'f-logo-error f-logo-hint' : 'f-logo-hint'}
                aria-invalid={logoErrors?.logo ? 'true' : undefined}
              />
            </div>
            <div>
              <button type="submit" class="btn btn-secondary">
                Upload logo
              </button>
            </div>
          </form>
          {settings.logoMediaId && (
            <form method="post" action="/newsroom/settings/logo/remove">
              <CsrfField token={csrf} />
              <button type="submit" class="btn btn-ghost-dark">
                Remove logo
              </button>
            </form>
          )}
        </section>
      </div>
    </>
  );
}
