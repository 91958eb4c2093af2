/**
 * License profiles in the newsroom: the list (everyone in the program's review roles), the form
 * admins create and change profiles with, and a read-only view for editors. Every term carries
 * help in plain words, because the people setting them are editors and managers, not lawyers.
 */
import type { LicenseAudience } from '../../db/schema.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ChoiceGroup, ErrorSummary, PageHeader, Select, TextArea, TextField, Time, type Errors } from '../../newsroom/pages/components.js';
import {
  AUDIENCE_LABELS,
  CC_LICENSES,
  DEFAULT_CREDIT_TEMPLATE,
  ccLicenseLabel,
  describeProfile,
  type LicenseProfile,
} from '../license-profiles.service.js';

export interface ProfileFormValues {
  name: string;
  slug: string;
  audience: string;
  allowedEdits: string;
  creditTemplate: string;
  /** The ticked requirement boxes (REQUIREMENTS values). */
  requirements: string[];
  delayHours: string;
  searchEngines: string;
  ccLicenseUrl: string;
  terms: string;
}

/** Checkbox value → the profile field it sets. */
export const REQUIREMENTS = ['linkBackRequired', 'pixelRequired', 'imagesIncluded', 'noPaywall', 'noAds'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

export const PROFILE_LABELS: Record<string, string> = {
  name: 'Name',
  slug: 'Slug',
  audience: 'Who may use it',
  delayHours: 'Delayed free release',
  allowedEdits: 'Allowed edits',
  creditTemplate: 'Credit line',
  requirements: 'What partners must do',
  linkBackRequired: 'Link back',
  pixelRequired: 'Tracking pixel',
  imagesIncluded: 'Images included',
  noPaywall: 'No paywall',
  noAds: 'No ads sold against it',
  searchEngines: 'Search engines',
  ccLicenseUrl: 'Creative Commons license',
  terms: 'Further terms',
};

export function emptyProfileValues(): ProfileFormValues {
  return {
    name: '',
    slug: '',
    audience: 'free',
    allowedEdits: 'Edit only for style, length and local references; do not change the meaning.',
    creditTemplate: DEFAULT_CREDIT_TEMPLATE,
    requirements: ['linkBackRequired', 'pixelRequired', 'imagesIncluded', 'noPaywall'],
    delayHours: '0',
    searchEngines: 'canonical',
    ccLicenseUrl: '',
    terms: '',
  };
}

export function profileValues(p: LicenseProfile): ProfileFormValues {
  return {
    name: p.name,
    slug: p.slug,
    audience: p.audience,
    allowedEdits: p.allowedEdits,
    creditTemplate: p.creditTemplate,
    requirements: REQUIREMENTS.filter((r) => p[r]),
    delayHours: String(p.delayHours),
    searchEngines: p.searchEngines,
    ccLicenseUrl: p.ccLicenseUrl ?? '',
    terms: p.terms,
  };
}

const AUDIENCE_OPTIONS: Array<{ value: LicenseAudience; label: string; hint: string }> = [
  { value: 'free', label: 'Free partners', hint: '— publishers approved for our free program (and licensees) may republish' },
  { value: 'licensees', label: 'Licensees only', hint: '— only organisations that have a license with us' },
  { value: 'nobody', label: 'Nobody', hint: '— not for syndication: the story stays on our site only' },
];

const REQUIREMENT_OPTIONS: Array<{ value: Requirement; label: string; hint: string }> = [
  { value: 'linkBackRequired', label: 'Link back required', hint: '— the copy must link to the original story on our site' },
  { value: 'pixelRequired', label: 'Tracking pixel required', hint: '— the copy must keep our 1×1 image, which counts readers without cookies' },
  { value: 'imagesIncluded', label: 'Images included', hint: '— partners may run the photos too (an image can still be marked otherwise)' },
  { value: 'noPaywall', label: 'No paywall', hint: '— the copy must be free to read, with no paywall or registration wall' },
  { value: 'noAds', label: 'No ads sold against it', hint: '— partners may not sell advertising on the strength of this story' },
];

const SEARCH_OPTIONS = [
  { value: 'canonical', label: 'rel=canonical to the original', hint: '— the copy says the original is on our site, so search engines send readers to us' },
  { value: 'noindex', label: 'noindex', hint: '— the copy asks search engines not to list it at all' },
];

function audienceSummary(p: LicenseProfile): string {
  if (p.audience === 'free' && p.delayHours > 0) return `Licensees at once; free partners after ${p.delayHours} h`;
  return AUDIENCE_LABELS[p.audience];
}

function DefaultBadge() {
  return <span class="badge badge-live">Default</span>;
}

export interface LicenseProfilesPageProps {
  profiles: LicenseProfile[];
  defaultId: string;
  canManage: boolean;
  csrf: string;
}

export function LicenseProfilesPage({ profiles, defaultId, canManage, csrf }: LicenseProfilesPageProps) {
  const builtIn = !profiles.some((p) => p.id === defaultId);
  return (
    <>
      <PageHeader title="License profiles">
        {canManage && (
          <a class="btn btn-primary" href="/newsroom/license-profiles/new">
            New profile
          </a>
        )}
      </PageHeader>
      <p class="hint">
        A license profile is the set of terms a story carries: who may republish it, when, and on what conditions. The republish page, the snippet partners copy,
        the content API and the partner feeds all follow it. Each story uses the default profile unless an editor picks another in the story editor.
      </p>
      {builtIn && (
        <p class="notice">
          No profile is the default yet, so stories follow the built-in terms: free to republish at once, with a credit line, a link back and the pixel.
          {canManage ? ' Create a profile (or make one the default) to set your own.' : ' An admin can set your own.'}
        </p>
      )}
      {profiles.length === 0 ? (
        <div class="empty card">
          <p>No license profiles yet.</p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">License profiles</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Who may use it</th>
                <th scope="col">Search engines</th>
                <th scope="col">Creative Commons</th>
                <th scope="col">Changed</th>
                {canManage && (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {profiles.map((p) => (
                <tr>
                  <td class="cell-headline">
                    <a href={`/newsroom/license-profiles/${p.id}`}>{p.name}</a> {p.id === defaultId && <DefaultBadge />}
                    <div class="cell-sub">
                      <code>{p.slug}</code>
                    </div>
                  </td>
                  <td>{audienceSummary(p)}</td>
                  <td>{p.audience === 'nobody' ? <span class="muted">—</span> : p.searchEngines === 'canonical' ? 'rel=canonical' : 'noindex'}</td>
                  <td>{ccLicenseLabel(p.ccLicenseUrl) ?? <span class="muted">None</span>}</td>
                  <td class="nowrap">
                    <Time iso={p.updatedAt} />
                  </td>
                  {canManage && (
                    <td class="nowrap">
                      {p.id !== defaultId && (
                        <form method="post" action={`/newsroom/license-profiles/${p.id}/default`} class="inline-form">
                          <CsrfField token={csrf} />
                          <button type="submit" class="btn btn-secondary btn-small">
                            Make default<span class="visually-hidden"> ({p.name})</span>
                          </button>
                        </form>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The terms as partners will read them. */
function TermsPreview({ profile }: { profile: LicenseProfile }) {
  return (
    <section class="card stack" aria-labelledby="terms-preview-title">
      <h2 id="terms-preview-title">How partners read these terms</h2>
      <ul class="plain-list">
        {describeProfile(profile).map((s) => (
          <li>{s}</li>
        ))}
      </ul>
      <p class="hint">Words in [brackets] are filled in for each story.</p>
    </section>
  );
}

export interface ProfileFormPageProps {
  /** null when creating. */
  profile: LicenseProfile | null;
  isDefault: boolean;
  values: ProfileFormValues;
  errors?: Errors | undefined;
  message?: string | undefined;
  csrf: string;
}

export function ProfileFormPage({ profile, isDefault, values, errors, message, csrf }: ProfileFormPageProps) {
  const action = profile ? `/newsroom/license-profiles/${profile.id}` : '/newsroom/license-profiles';
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/license-profiles">License profiles</a> /
          </p>
          <h1>
            {profile ? profile.name : 'New license profile'} {isDefault && <DefaultBadge />}
          </h1>
        </div>
        {profile && !isDefault && (
          <div class="page-actions">
            <form method="post" action={`/newsroom/license-profiles/${profile.id}/default`} class="inline-form">
              <CsrfField token={csrf} />
              <button type="submit" class="btn btn-secondary">
                Make default
              </button>
            </form>
          </div>
        )}
      </div>
      <div class="two-col">
        <form method="post" action={action} class="card stack" novalidate aria-label={profile ? `Edit ${profile.name}` : 'New license profile'}>
          <ErrorSummary message={message} errors={errors} labels={PROFILE_LABELS} />
          <CsrfField token={csrf} />
          <TextField name="name" label="Name" value={values.name} errors={errors} required maxLength={100} hint="What editors see in the story editor, e.g. “Free after 24 hours”." />
          {profile ? (
            <div class="field">
              <span class="label">Slug</span>
              <p>
                <code>{profile.slug}</code> <span class="hint">(cannot change: the Admin API and stories refer to it)</span>
              </p>
            </div>
          ) : (
            <TextField name="slug" label="Slug" value={values.slug} errors={errors} maxLength={60} hint="Used by the Admin API. Leave blank to make one from the name." />
          )}

          <fieldset class="panel">
            <legend>Who may use it</legend>
            <ChoiceGroup name="audience" label="Who may republish stories under this profile" type="radio" values={[values.audience]} errors={errors} options={AUDIENCE_OPTIONS} />
            <TextField
              name="delayHours"
              label="Delayed free release (hours)"
              type="number"
              value={values.delayHours}
              errors={errors}
              maxLength={4}
              hint="Free partners get the story this many hours after it is published; licensees get it at once. 0 means no delay. Has no effect for “Licensees only” or “Nobody”."
            />
          </fieldset>

          <fieldset class="panel">
            <legend>Conditions</legend>
            <TextArea
              name="creditTemplate"
              label="Credit line"
              value={values.creditTemplate}
              errors={errors}
              required
              rows={3}
              maxLength={500}
              hint="The line partners must run with the story. {site} becomes your site's name, {url} the link to the original, {authors} the bylines and {headline} the headline."
            />
            <ChoiceGroup
              name="requirements"
              label="What partners must do"
              type="checkbox"
              values={values.requirements}
              errors={errors}
              hint="Ticked conditions become part of the terms; the attribution check verifies the link back and the pixel on partners' pages."
              options={REQUIREMENT_OPTIONS}
            />
            <TextArea
              name="allowedEdits"
              label="Allowed edits"
              value={values.allowedEdits}
              errors={errors}
              rows={3}
              maxLength={2000}
              hint="In plain words, what partners may change: e.g. trim for length, change to house style, add local context, but not change the meaning or the headline's facts."
            />
          </fieldset>

          <fieldset class="panel">
            <legend>Search engines</legend>
            <ChoiceGroup
              name="searchEngines"
              label="What the partner's copy tells search engines"
              type="radio"
              values={[values.searchEngines]}
              errors={errors}
              options={SEARCH_OPTIONS}
              hint="Publishers' guidance differs: Google asks sites that syndicate content to have partners use noindex, while many syndication contracts ask for rel=canonical to the original. Pick what your agreements say."
            />
          </fieldset>

          <fieldset class="panel">
            <legend>Licensing</legend>
            <Select
              name="ccLicenseUrl"
              label="Creative Commons license"
              value={values.ccLicenseUrl}
              errors={errors}
              options={[{ value: '', label: 'None' }, ...CC_LICENSES.map((l) => ({ value: l.url, label: l.label }))]}
              hint="If your newsroom also publishes under a Creative Commons license, choose it: partners' copies then carry a rel=license link to it. Choose None if you do not use one."
            />
            <TextArea
              name="terms"
              label="Further terms"
              value={values.terms}
              errors={errors}
              rows={4}
              maxLength={10000}
              hint="Anything else partners must know, in plain words, e.g. “Do not republish in print outside the state.”"
            />
          </fieldset>

          <div class="button-row">
            <button type="submit" class="btn btn-primary">
              {profile ? 'Save profile' : 'Create profile'}
            </button>
            <a href="/newsroom/license-profiles">Cancel</a>
          </div>
        </form>
        {profile ? (
          <TermsPreview profile={profile} />
        ) : (
          <section class="card stack" aria-labelledby="about-profiles-title">
            <h2 id="about-profiles-title">About license profiles</h2>
            <p>Stories use the default profile unless an editor picks another. Images can have their own profile too, for example a wire photo you may not pass on.</p>
            <p>Changing a profile changes the terms of every story under it at once, in the API, the feeds and the snippet.</p>
          </section>
        )}
      </div>
    </>
  );
}

/** Editors see the terms but cannot change them. */
export function ProfileViewPage({ profile, isDefault }: { profile: LicenseProfile; isDefault: boolean }) {
  const yes = (b: boolean) => (b ? 'Yes' : 'No');
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/license-profiles">License profiles</a> /
          </p>
          <h1>
            {profile.name} {isDefault && <DefaultBadge />}
          </h1>
        </div>
      </div>
      <p class="hint">Only admins can change license profiles.</p>
      <div class="two-col">
        <section class="card" aria-labelledby="terms-title">
          <h2 id="terms-title">Terms</h2>
          <dl class="kv">
            <dt>Slug</dt>
            <dd>
              <code>{profile.slug}</code>
            </dd>
            <dt>Who may use it</dt>
            <dd>{audienceSummary(profile)}</dd>
            <dt>Credit line</dt>
            <dd>{profile.creditTemplate}</dd>
            <dt>Allowed edits</dt>
            <dd>{profile.allowedEdits || <span class="muted">Not stated</span>}</dd>
            <dt>Link back required</dt>
            <dd>{yes(profile.linkBackRequired)}</dd>
            <dt>Tracking pixel required</dt>
            <dd>{yes(profile.pixelRequired)}</dd>
            <dt>Images included</dt>
            <dd>{yes(profile.imagesIncluded)}</dd>
            <dt>No paywall</dt>
            <dd>{yes(profile.noPaywall)}</dd>
            <dt>No ads sold against it</dt>
            <dd>{yes(profile.noAds)}</dd>
            <dt>Search engines</dt>
            <dd>{profile.searchEngines === 'canonical' ? 'rel=canonical to the original' : 'noindex'}</dd>
            <dt>Creative Commons</dt>
            <dd>{ccLicenseLabel(profile.ccLicenseUrl) ?? 'None'}</dd>
            <dt>Further terms</dt>
            <dd>{profile.terms || <span class="muted">None</span>}</dd>
          </dl>
        </section>
        <TermsPreview profile={profile} />
      </div>
    </>
  );
}
