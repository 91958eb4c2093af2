/**
 * `/license`: what can be licensed beyond the free program, written from the license profiles and
 * settings (so it cannot drift from what access enforces), and the inquiry form. Also the
 * thank-you page and the error page, in the site's frame.
 */
import type { SiteContext } from '../../site/context.js';
import { SiteLayout } from '../../views/site-layout.js';
import type { LicenseProfile } from '../../license-profiles/license-profiles.service.js';
import type { FieldErrors } from '../../errors.js';
import { ErrorSummary, Select, TextArea, TextField } from '../../newsroom/pages/components.js';
import { profileTerms } from '../../partners/pages/program.js';
import { FORM_TIME_FIELD, HONEYPOT_FIELD, INQUIRY_LIMITS as L, INQUIRY_MEDIA, MEDIUM_LABELS } from '../inquiries.service.js';

export interface InquiryValues {
  name: string;
  organisation: string;
  email: string;
  website: string;
  intendedUse: string;
  medium: string;
  territory: string;
  expectedVolume: string;
  message: string;
}

export const EMPTY_INQUIRY: InquiryValues = { name: '', organisation: '', email: '', website: '', intendedUse: '', medium: '', territory: '', expectedVolume: '', message: '' };

export const INQUIRY_LABELS: Record<keyof InquiryValues, string> = {
  name: 'Your name',
  organisation: 'Organisation',
  email: 'Email address',
  website: 'Website address',
  intendedUse: 'What you would like to use',
  medium: 'Where it would appear',
  territory: 'Territory',
  expectedVolume: 'Expected volume',
  message: 'Message',
};

const head = <link rel="stylesheet" href="/assets/program.css" />;

function hours(n: number): string {
  if (n % 24 === 0 && n >= 48) return `${n / 24} days`;
  return n === 1 ? '1 hour' : `${n} hours`;
}

/** What a license adds to one profile, in a sentence; undefined when it adds nothing. */
function whatLicenseAdds(p: LicenseProfile): string | undefined {
  if (p.audience === 'licensees') return 'Available to licensees only: these stories are not part of the free program.';
  if (p.audience === 'free' && p.delayHours > 0) return `Free partners wait ${hours(p.delayHours)} after we publish; licensees get these stories at once.`;
  return undefined;
}

function ProfileSummary({ profile, site }: { profile: LicenseProfile; site: string }) {
  const id = `profile-${profile.slug}`;
  const adds = whatLicenseAdds(profile);
  return (
    <section class="profile" aria-labelledby={id}>
      <h3 id={id}>{profile.name}</h3>
      {adds && <p class="license-adds">{adds}</p>}
      <dl class="terms" aria-labelledby={id}>
        {profileTerms(profile, site)
          .filter((t) => t.label !== 'Who may republish' && t.label !== 'When')
          .map((t) => (
            <div class="term">
              <dt>{t.label}</dt>
              <dd>{t.body}</dd>
            </div>
          ))}
      </dl>
    </section>
  );
}

export interface LicensePageProps {
  ctx: SiteContext;
  profiles: LicenseProfile[];
  csrf: string;
  formTime: string;
  values: InquiryValues;
  errors?: FieldErrors | undefined;
  message?: string | undefined;
}

export function LicensePage({ ctx, profiles, csrf, formTime, values, errors, message }: LicensePageProps) {
  const { settings } = ctx;
  const site = settings.siteName;
  const exclusive = profiles.filter((p) => p.audience === 'licensees');
  const delayed = profiles.filter((p) => p.audience === 'free' && p.delayHours > 0);
  const medium = [{ value: '', label: 'Choose one' }, ...INQUIRY_MEDIA.map((m) => ({ value: m, label: MEDIUM_LABELS[m] }))];
  return (
    <SiteLayout
      ctx={ctx}
      title={errors ? 'License our reporting (check your inquiry)' : 'License our reporting'}
      description={`License ${site}'s reporting beyond the free republishing program: what is available and how to ask.`}
      path="/license"
      head={head}
      bodyClass="page-program page-license"
    >
      <div class="container-narrow program">
        <header class="page-header">
          <p class="page-kicker">Licensing</p>
          <h1>License our reporting</h1>
          <p class="page-intro">
            {`Our free republishing program is open to eligible news publishers. A license covers everything else: organisations outside the program, stories reserved for licensees, stories without the program's waiting time, and other media or rights.`}
          </p>
          <p>
            <a class="button-link" href="#inquiry">
              Send an inquiry
            </a>
          </p>
        </header>

        <section class="program-section" aria-labelledby="offer-title">
          <h2 id="offer-title">What a license can cover</h2>
          <ul class="eligibility-list">
            <li>Use by organisations that are not eligible for the free program, in any medium: web, print, broadcast, apps and newsletters.</li>
            {exclusive.length > 0 && <li>Stories reserved for licensees: {exclusive.map((p) => p.name).join(', ')}.</li>}
            {delayed.length > 0 && <li>Stories as soon as we publish them, without the free program's waiting time ({delayed.map((p) => p.name).join(', ')}).</li>}
            <li>Terms agreed with you: territory, duration, volume and the rights you need.</li>
          </ul>
          <p>
            Eligible for the free program? <a href="/republish">Republish our stories free of charge</a>.
          </p>
        </section>

        {(exclusive.length > 0 || delayed.length > 0) && (
          <section class="program-section" aria-labelledby="profiles-title">
            <h2 id="profiles-title">Stories a license gives you more of</h2>
            {[...exclusive, ...delayed].map((p) => (
              <ProfileSummary profile={p} site={site} />
            ))}
          </section>
        )}

        <section class="program-section apply" id="inquiry" aria-labelledby="inquiry-title" tabIndex={-1}>
          <h2 id="inquiry-title">Send an inquiry</h2>
          <p>
            Tell us what you need and we will reply by email. An inquiry commits you to nothing. We use your details only to answer it
            {settings.licensingContact ? `; you can also write to ${settings.licensingContact}` : ''}.
          </p>
          <form method="post" action="/license" class="application-form" novalidate>
            <ErrorSummary message={message} errors={errors} labels={INQUIRY_LABELS} />
            <input type="hidden" name="_csrf" value={csrf} />
            <input type="hidden" name={FORM_TIME_FIELD} value={formTime} />
            <fieldset class="form-group">
              <legend>About you</legend>
              <TextField name="name" label={INQUIRY_LABELS.name} value={values.name} errors={errors} required maxLength={L.name} autocomplete="name" />
              <TextField name="organisation" label={INQUIRY_LABELS.organisation} value={values.organisation} errors={errors} required maxLength={L.organisation} autocomplete="organization" />
              <TextField name="email" label={INQUIRY_LABELS.email} type="email" value={values.email} errors={errors} required maxLength={L.email} autocomplete="email" hint="We reply to this address." />
              <TextField
                name="website"
                label={INQUIRY_LABELS.website}
                type="url"
                value={values.website}
                errors={errors}
                required
                maxLength={L.website}
                autocomplete="url"
                hint="The full address, e.g. https://www.example.org"
              />
            </fieldset>
            <fieldset class="form-group">
              <legend>What you need</legend>
              <TextArea
                name="intendedUse"
                label={INQUIRY_LABELS.intendedUse}
                value={values.intendedUse}
                errors={errors}
                required
                rows={4}
                maxLength={L.intendedUse}
                hint="Which stories or topics, and how you would use them."
              />
              <Select name="medium" label={INQUIRY_LABELS.medium} value={values.medium} errors={errors} required options={medium} />
              <TextField name="territory" label={INQUIRY_LABELS.territory} value={values.territory} errors={errors} required maxLength={L.territory} hint="Countries or regions, e.g. Germany and Austria." />
              <TextField
                name="expectedVolume"
                label={INQUIRY_LABELS.expectedVolume}
                value={values.expectedVolume}
                errors={errors}
                required
                maxLength={L.expectedVolume}
                hint="Roughly how many stories, how often, for how large an audience."
              />
              <TextArea name="message" label={INQUIRY_LABELS.message} value={values.message} errors={errors} rows={5} maxLength={L.message} hint="Optional: anything else we should know." />
            </fieldset>
            {/* Hidden from sighted people and skipped by the keyboard; bots that fill in every
                field give themselves away. Screen readers hear that it must stay empty. */}
            <div class="visually-hidden">
              <label for="f-hp">Leave this field empty</label>
              <input type="text" id="f-hp" name={HONEYPOT_FIELD} value="" tabIndex={-1} autocomplete="off" />
            </div>
            <button type="submit" class="button">
              Send inquiry
            </button>
          </form>
        </section>

        <section class="program-section" aria-labelledby="api-title">
          <h2 id="api-title">Sending an inquiry from a script</h2>
          <p>
            The same inquiry can be sent as JSON to <code>POST /api/v1/license-inquiries</code>; requests are limited per address. See the{' '}
            <a href="/api/docs">API documentation</a>.
          </p>
        </section>
      </div>
    </SiteLayout>
  );
}

/** The same page for every inquiry, real or discarded as spam: it says nothing about the inquiry. */
export function LicenseThanksPage({ ctx }: { ctx: SiteContext }) {
  return (
    <SiteLayout ctx={ctx} title="Inquiry received" description="Your licensing inquiry was received." path="/license/thanks" robots="noindex" head={head} bodyClass="page-program page-license">
      <div class="container-narrow program">
        <header class="page-header">
          <p class="page-kicker">Licensing</p>
          <h1>Thank you, your inquiry is in</h1>
        </header>
        <div class="receipt" role="status">
          <p>We have sent a confirmation to the email address you gave.</p>
        </div>
        <section class="program-section" aria-labelledby="next-title">
          <h2 id="next-title">What happens next</h2>
          <ol class="next-steps">
            <li>Someone from our licensing desk reads your inquiry.</li>
            <li>We reply by email to talk about what you need and what a license would cover.</li>
            <li>Until a license is agreed, the free program's terms apply to our stories.</li>
          </ol>
          <p>
            <a href="/republish">The free republishing program</a> · <a href="/">Back to the front page</a>
          </p>
        </section>
      </div>
    </SiteLayout>
  );
}

const ERROR_TITLES: Record<number, string> = {
  400: 'Please check your request',
  403: 'This form has expired',
  404: 'Not found',
  413: 'Too much text',
  415: 'Unsupported format',
  429: 'Too many inquiries',
};

export function LicenseErrorPage({ ctx, status, message, retryAfter }: { ctx: SiteContext; status: number; message: string; retryAfter?: number | undefined }) {
  const title = ERROR_TITLES[status] ?? 'Something went wrong';
  return (
    <SiteLayout ctx={ctx} title={title} description={message} path="/license" robots="noindex" head={head} bodyClass="page-program page-license">
      <div class="container-narrow program">
        <header class="page-header">
          <p class="page-kicker">Licensing</p>
          <h1>{title}</h1>
        </header>
        <div class="receipt receipt-problem">
          {status === 429 ? (
            <p>
              We received several inquiries from your network in a short time, so we are not accepting more for now.
              {retryAfter ? ` Please try again in about ${Math.max(1, Math.ceil(retryAfter / 60))} minutes.` : ' Please try again later.'} Nothing you
              entered was lost if you go back in your browser.
            </p>
          ) : (
            <p>{message}</p>
          )}
        </div>
        <p>
          <a href="/license">Back to licensing</a>
        </p>
      </div>
    </SiteLayout>
  );
}
