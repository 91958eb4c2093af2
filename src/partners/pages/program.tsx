/**
 * `/republish`: the program's terms, written from the license profiles (never hand-kept prose,
 * so the page cannot drift from what the API and the snippet enforce), who is eligible, and the
 * application form. Also the thank-you page and the program's error page, in the site's frame.
 */
import type { ComponentChildren } from 'preact';
import type { SiteContext } from '../../site/context.js';
import { SiteLayout } from '../../views/site-layout.js';
import { CC_LICENSES, creditLine, type LicenseProfile } from '../../license-profiles/license-profiles.service.js';
import type { EligibilityRules } from '../eligibility.js';
import type { FieldErrors } from '../../errors.js';
import type { PartnerStatus } from '../../db/schema.js';
import { ErrorSummary, TextArea, TextField, fieldId } from '../../newsroom/pages/components.js';

export interface ApplicationValues {
  outlet: string;
  website: string;
  contactName: string;
  email: string;
  audience: string;
  evidence: string;
  intendedUse: string;
  acceptTerms: boolean;
}

export const EMPTY_APPLICATION: ApplicationValues = {
  outlet: '',
  website: '',
  contactName: '',
  email: '',
  audience: '',
  evidence: '',
  intendedUse: '',
  acceptTerms: false,
};

export const APPLICATION_LABELS: Record<string, string> = {
  outlet: 'Publication name',
  website: 'Website address',
  contactName: 'Your name',
  email: 'Email address',
  audience: 'Monthly unique visitors',
  evidence: 'Evidence of your audience',
  intendedUse: 'How you plan to use our stories',
  acceptTerms: 'Acceptance of the terms',
};

const FIELD_LABELS: Record<string, string> = { evidence: 'evidence of your audience', intendedUse: 'how you plan to use our stories', contactName: 'a contact name' };

const head = <link rel="stylesheet" href="/assets/program.css" />;

function number(n: number): string {
  return n.toLocaleString('en-US');
}

function hours(n: number): string {
  if (n % 24 === 0 && n >= 48) return `${n / 24} days`;
  return n === 1 ? '1 hour' : `${n} hours`;
}

function ccLabel(url: string): string {
  return CC_LICENSES.find((l) => l.url === url)?.label ?? url;
}

interface Term {
  label: string;
  body: ComponentChildren;
}

/** Every term of one profile, in the order a publisher needs them. */
export function profileTerms(profile: LicenseProfile, siteName: string): Term[] {
  const terms: Term[] = [];
  const who =
    profile.audience === 'free'
      ? 'Publishers approved through this program, free of charge, and our licensees.'
      : profile.audience === 'licensees'
        ? 'Licensees only. These stories are not part of the free program.'
        : 'Nobody: these stories are not available for republication.';
  terms.push({ label: 'Who may republish', body: who });
  if (profile.audience === 'nobody') return terms;
  terms.push({
    label: 'When',
    body:
      profile.delayHours > 0 && profile.audience === 'free'
        ? `Free partners may republish ${hours(profile.delayHours)} after we publish; licensees at once.`
        : 'As soon as we publish.',
  });
  terms.push({ label: 'Edits', body: profile.allowedEdits.trim() || 'Republish the story as we published it, without changes.' });
  const example = creditLine(profile, { site: siteName, url: 'the address of the original story', authors: 'the reporters’ names', headline: 'the story’s headline' });
  terms.push({
    label: 'Credit',
    body: (
      <>
        Keep this credit line with the story:
        <blockquote class="credit-example">{example}</blockquote>
      </>
    ),
  });
  terms.push({
    label: 'Link back',
    body: profile.linkBackRequired ? 'Link to the original story on our site.' : 'A link to the original story is welcome but not required.',
  });
  terms.push({
    label: 'Tracking pixel',
    body: profile.pixelRequired
      ? 'Keep the invisible 1×1 image that comes with each story. It counts views of your copy; it sets no cookies and we store no reader addresses.'
      : 'The 1×1 counting image is optional. Keeping it helps us show funders how far our reporting travels.',
  });
  terms.push({
    label: 'Photos',
    body: profile.imagesIncluded
      ? 'Photos and graphics that come with the story may be republished with their credits.'
      : 'Photos are not included. Do not copy them from our site.',
  });
  terms.push({ label: 'Paywall', body: profile.noPaywall ? 'Do not put our stories behind a paywall or registration wall.' : 'Our stories may sit behind your paywall.' });
  terms.push({
    label: 'Advertising',
    body: profile.noAds ? 'Do not sell advertising against our stories: no ads inside or alongside them.' : 'You may run your usual advertising around the story.',
  });
  terms.push({
    label: 'Search engines',
    body:
      profile.searchEngines === 'canonical' ? (
        <>
          Your page must point search engines to our original with <code>&lt;link rel="canonical" href="…"&gt;</code>, so the original gets the search
          credit.
        </>
      ) : (
        <>
          Your page must ask search engines not to index your copy, with <code>&lt;meta name="robots" content="noindex"&gt;</code>.
        </>
      ),
  });
  if (profile.ccLicenseUrl) {
    terms.push({
      label: 'License',
      body: (
        <>
          These stories are also published under the{' '}
          <a rel="license" href={profile.ccLicenseUrl}>
            {ccLabel(profile.ccLicenseUrl)}
          </a>{' '}
          license; the terms above are how we ask partners to use them.
        </>
      ),
    });
  }
  return terms;
}

function Paragraphs({ text }: { text: string }) {
  const paras = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  return (
    <>
      {paras.map((p) => (
        <p>{p}</p>
      ))}
    </>
  );
}

function ProfileTerms({ profile, siteName, id }: { profile: LicenseProfile; siteName: string; id: string }) {
  return (
    <>
      <dl class="terms" aria-labelledby={id}>
        {profileTerms(profile, siteName).map((t) => (
          <div class="term">
            <dt>{t.label}</dt>
            <dd>{t.body}</dd>
          </div>
        ))}
      </dl>
      {profile.terms.trim() && (
        <div class="terms-extra">
          <Paragraphs text={profile.terms} />
        </div>
      )}
    </>
  );
}

function Eligibility({ rules }: { rules: EligibilityRules }) {
  return (
    <ul class="eligibility-list">
      <li>
        You publish news, with at least <strong>{number(rules.minAudience)}</strong> unique visitors a month.
      </li>
      {rules.requiredFields.length > 0 && <li>Your application includes {rules.requiredFields.map((f) => FIELD_LABELS[f] ?? f).join(' and ')}.</li>}
      <li>You accept the terms below for every story you republish.</li>
      <li>
        {rules.manualReview
          ? 'An editor reviews every application, usually within a few working days.'
          : 'Applications that meet every criterion are approved at once; others are reviewed by an editor.'}
      </li>
    </ul>
  );
}

export interface ProgramPageProps {
  ctx: SiteContext;
  standard: LicenseProfile;
  others: LicenseProfile[];
  rules: EligibilityRules;
  csrf: string;
  values: ApplicationValues;
  errors?: FieldErrors | undefined;
  message?: string | undefined;
}

export function ProgramPage({ ctx, standard, others, rules, csrf, values, errors, message }: ProgramPageProps) {
  const { settings } = ctx;
  const site = settings.siteName;
  const accepted = errors?.acceptTerms;
  return (
    <SiteLayout
      ctx={ctx}
      title={errors ? 'Apply to republish (check your application)' : 'Republish our stories'}
      description={`Republish ${site}'s reporting free of charge: the terms, who is eligible, and how to apply.`}
      path="/republish"
      head={head}
      bodyClass="page-program"
    >
      <div class="container-narrow program">
        <header class="page-header">
          <p class="page-kicker">Republishing program</p>
          <h1>Republish our stories</h1>
          {/* The notice setting is written for story pages ("This story is free…"); the program
              page says the same of the whole archive. */}
          <p class="page-intro">
            {`${settings.siteName} stories are free to republish for eligible news publishers with a large audience, under the terms below.`}
            {settings.licensingContact ? ` Other publishers and organizations can license them: contact ${settings.licensingContact}.` : ''}
          </p>
          <p>
            <a class="button-link" href="#apply">
              Apply to republish
            </a>
          </p>
        </header>

        <section class="program-section" aria-labelledby="who-title">
          <h2 id="who-title">Who can join</h2>
          <Eligibility rules={rules} />
        </section>

        <section class="program-section" aria-labelledby="terms-title">
          <h2 id="terms-title">The terms</h2>
          <p>
            Most of our stories carry these terms ({standard.name}). Each story in your partner dashboard, the API and your feed says which terms it carries.
          </p>
          <ProfileTerms profile={standard} siteName={site} id="terms-title" />
        </section>

        {others.length > 0 && (
          <section class="program-section" aria-labelledby="other-terms-title">
            <h2 id="other-terms-title">Stories with other terms</h2>
            {others.map((p) => (
              <section class="profile" aria-labelledby={`profile-${p.slug}`}>
                <h3 id={`profile-${p.slug}`}>{p.name}</h3>
                <ProfileTerms profile={p} siteName={site} id={`profile-${p.slug}`} />
              </section>
            ))}
          </section>
        )}

        <aside class="callout licensing" aria-labelledby="licensing-title">
          <h2 id="licensing-title">Not eligible, or need more?</h2>
          <p>
            Publishers outside the free program, and anyone who wants stories at once or with other rights, can <a href="/license">license our reporting</a>
            {settings.licensingContact ? ` or contact ${settings.licensingContact}` : ''}.
          </p>
        </aside>

        <section class="program-section apply" id="apply" aria-labelledby="apply-title" tabIndex={-1}>
          <h2 id="apply-title">Apply</h2>
          <p>All fields are required. We use your details only to review and run your partnership.</p>
          <form method="post" action="/republish" class="application-form" novalidate>
            <ErrorSummary message={message} errors={errors} labels={APPLICATION_LABELS} />
            <input type="hidden" name="_csrf" value={csrf} />
            <fieldset class="form-group">
              <legend>Your publication</legend>
              <TextField name="outlet" label={APPLICATION_LABELS.outlet!} value={values.outlet} errors={errors} required maxLength={200} autocomplete="organization" />
              <TextField
                name="website"
                label={APPLICATION_LABELS.website!}
                type="url"
                value={values.website}
                errors={errors}
                required
                maxLength={500}
                autocomplete="url"
                hint="The full address, e.g. https://www.example-news.org"
              />
              <TextField
                name="audience"
                label={APPLICATION_LABELS.audience!}
                value={values.audience}
                errors={errors}
                required
                maxLength={14}
                hint={`A whole number: your average over the last three months, e.g. ${number(Math.max(rules.minAudience, 75_000))}.`}
              />
              <TextArea
                name="evidence"
                label={APPLICATION_LABELS.evidence!}
                value={values.evidence}
                errors={errors}
                required
                rows={4}
                maxLength={5000}
                hint="Where the number comes from: your analytics tool, an audited figure, a link to a media kit."
              />
              <TextArea
                name="intendedUse"
                label={APPLICATION_LABELS.intendedUse!}
                value={values.intendedUse}
                errors={errors}
                required
                rows={4}
                maxLength={5000}
                hint="Which topics interest you, and where the stories will appear (site, app, print)."
              />
            </fieldset>
            <fieldset class="form-group">
              <legend>Contact</legend>
              <TextField name="contactName" label={APPLICATION_LABELS.contactName!} value={values.contactName} errors={errors} required maxLength={200} autocomplete="name" />
              <TextField
                name="email"
                label={APPLICATION_LABELS.email!}
                type="email"
                value={values.email}
                errors={errors}
                required
                autocomplete="email"
                hint="We send the decision, and your login invitation, to this address."
              />
            </fieldset>
            <div class={`field field-checkbox ${accepted ? 'field-invalid' : ''}`}>
              {accepted && (
                <p class="field-error" id={`${fieldId('acceptTerms')}-error`}>
                  <span class="visually-hidden">Error: </span>
                  {accepted.join('; ')}
                </p>
              )}
              <input
                type="checkbox"
                id={fieldId('acceptTerms')}
                name="acceptTerms"
                value="true"
                checked={values.acceptTerms}
                required
                aria-invalid={accepted ? 'true' : undefined}
                aria-describedby={accepted ? `${fieldId('acceptTerms')}-error` : undefined}
              />
              <label for={fieldId('acceptTerms')}>I have read the terms above and accept them for every story we republish.</label>
            </div>
            <button type="submit" class="button">
              Send application
            </button>
          </form>
        </section>

        <section class="program-section" aria-labelledby="api-title">
          <h2 id="api-title">Applying from a script</h2>
          <p>
            The same application can be sent as JSON to <code>POST /api/v1/applications</code>; the answer carries the application’s id. See the{' '}
            <a href="/api/docs">API documentation</a>.
          </p>
        </section>
      </div>
    </SiteLayout>
  );
}

const NEXT_STEPS: Record<PartnerStatus, string[]> = {
  pending: [
    'An editor reviews your application, usually within a few working days.',
    'We email you the decision at the address you gave. If you are approved, the email has a link to set up your partner login.',
    'From your partner dashboard you get API keys, a full-text feed, and a ready-to-paste snippet for every story.',
  ],
  approved: [
    'Your application met every criterion and is approved.',
    'We have emailed you a link to set up your partner login. It works once and expires in 14 days.',
    'From your partner dashboard you get API keys, a full-text feed, and a ready-to-paste snippet for every story.',
  ],
  rejected: ['This application has been decided. Check your email for the reason.'],
  suspended: ['This partnership is suspended. Check your email, or contact the newsroom.'],
};

export function ThanksPage({ ctx, id, status }: { ctx: SiteContext; id: string; status: PartnerStatus }) {
  return (
    <SiteLayout
      ctx={ctx}
      title="Application received"
      description="Your application to republish our stories was received."
      path={`/republish/thanks/${id}`}
      robots="noindex"
      head={head}
      bodyClass="page-program"
    >
      <div class="container-narrow program">
        <header class="page-header">
          <p class="page-kicker">Republishing program</p>
          <h1>Thank you, your application is in</h1>
        </header>
        <div class="receipt" role="status">
          <p>
            Your application number is <strong class="application-id">{id}</strong>. Keep it if you use our API: it is how we find your application.
          </p>
        </div>
        <section class="program-section" aria-labelledby="next-title">
          <h2 id="next-title">What happens next</h2>
          <ol class="next-steps">
            {NEXT_STEPS[status].map((s) => (
              <li>{s}</li>
            ))}
          </ol>
          <p>
            <a href="/republish">Read the republishing terms again</a> · <a href="/">Back to the front page</a>
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
  429: 'Too many applications',
};

export function ProgramErrorPage({ ctx, status, message, retryAfter }: { ctx: SiteContext; status: number; message: string; retryAfter?: number | undefined }) {
  const title = ERROR_TITLES[status] ?? 'Something went wrong';
  return (
    <SiteLayout ctx={ctx} title={title} description={message} path="/republish" robots="noindex" head={head} bodyClass="page-program">
      <div class="container-narrow program">
        <header class="page-header">
          <p class="page-kicker">Republishing program</p>
          <h1>{title}</h1>
        </header>
        <div class="receipt receipt-problem">
          {status === 429 ? (
            <p>
              We received several applications from your network in a short time, so we are not accepting more for now.
              {retryAfter ? ` Please try again in about ${Math.max(1, Math.ceil(retryAfter / 60))} minutes.` : ' Please try again later.'} Nothing you
              entered was lost if you go back in your browser.
            </p>
          ) : (
            <p>{message}</p>
          )}
        </div>
        <p>
          <a href="/republish">Back to the republishing program</a>
        </p>
      </div>
    </SiteLayout>
  );
}

