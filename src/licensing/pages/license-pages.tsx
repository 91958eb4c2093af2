/**
 * Licenses in the newsroom: the "Create a license" form on an inquiry's page (with the licenses
 * already made from it), and one license's page at /newsroom/licensing/licenses/{id} with what it
 * covers, its dates and terms, and the forms to change or end it.
 *
 * Dates are days (type=date): the start is 00:00 UTC of its day and the license runs through the
 * whole end day, which is how contracts are written ("until 31 December 2027").
 */
import type { LicenseAudience, LicenseOnEnd } from '../../db/schema.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ChoiceGroup, ErrorSummary, fieldId, formatUtc, Select, TextArea, Time, type Errors } from '../../newsroom/pages/components.js';
import type { LicenseState } from '../licenses.js';
import { describePeriod, FEE_MAX, lastDay, TERMS_MAX, type LicenseView } from '../licenses.service.js';
import { LicensingTabs } from './tabs.js';

export const LICENSE_STATE_LABELS: Record<LicenseState, string> = { scheduled: 'Scheduled', active: 'Active', ending: 'Ending soon', ended: 'Ended' };
const STATE_BADGES: Record<LicenseState, string> = { scheduled: 'badge-scheduled', active: 'badge-published', ending: 'badge-changes', ended: 'badge-withdrawn' };
const ON_END_LABELS: Record<LicenseOnEnd, string> = {
  keep: 'Keep: the licensee may keep what it already published',
  cancel: 'Take down: stories it may no longer use reach its systems as canceled',
};
const AUDIENCE_HINTS: Record<LicenseAudience, string> = { free: 'free program and licensees', licensees: 'licensees only', nobody: 'not offered' };

/** Field labels for error summaries, by the service's field names. */
export const LICENSE_FIELD_LABELS: Record<string, string> = {
  scope: 'What it covers',
  profiles: 'License profiles',
  desks: 'Desks',
  images: 'Images',
  startsAt: 'First day',
  endsAt: 'Last day',
  terms: 'Terms',
  fee: 'Fee',
  onEnd: 'At the end',
  partnerId: 'Partner',
  revision: 'Revision',
  endNow: 'End now',
  confirm: 'Confirmation',
};

export function LicenseStateBadge({ state }: { state: LicenseState }) {
  return <span class={`badge ${STATE_BADGES[state]}`}>{LICENSE_STATE_LABELS[state]}</span>;
}

function Paragraphs({ text }: { text: string }) {
  return (
    <>
      {text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => (
          <p>{l}</p>
        ))}
    </>
  );
}

/** What the form shows and sends back: ids and slugs as ticked, dates as YYYY-MM-DD. */
export interface LicenseFormValues {
  profiles: string[];
  desks: string[];
  images: boolean;
  startsAt: string;
  endsAt: string;
  terms: string;
  fee: string;
  onEnd: string;
  partnerId: string;
}

export interface LicenseFormOptions {
  profiles: Array<{ id: string; name: string; audience: LicenseAudience }>;
  desks: Array<{ slug: string; name: string }>;
  /** Approved partners (create form only). */
  partners?: Array<{ id: string; outlet: string; email: string }>;
  /** The select's first option: what happens when no partner is chosen. */
  newPartnerLabel?: string;
}

function DateField(props: { name: string; label: string; value: string; errors?: Errors | undefined; hint: string }) {
  const errs = props.errors?.[props.name];
  const id = fieldId(props.name);
  return (
    <div class={`field ${errs ? 'field-invalid' : ''}`}>
      <label for={id}>
        {props.label}
        <span class="req"> (required)</span>
      </label>
      <p class="hint" id={`${id}-hint`}>
        {props.hint}
      </p>
      {errs && (
        <p class="field-error" id={`${id}-error`}>
          <span class="visually-hidden">Error: </span>
          {errs.join('; ')}
        </p>
      )}
      <input
        id={id}
        name={props.name}
        type="date"
        value={props.value}
        required
        aria-invalid={errs ? 'true' : undefined}
        aria-describedby={errs ? `${id}-error ${id}-hint` : `${id}-hint`}
      />
    </div>
  );
}

/** The fields a license has, for creating one and for changing one. */
function LicenseFields({ values, options, errors }: { values: LicenseFormValues; options: LicenseFormOptions; errors?: Errors | undefined }) {
  const offered = options.profiles.filter((p) => p.audience !== 'nobody' || values.profiles.includes(p.id));
  return (
    <>
      {errors?.scope && <p class="field-error">{errors.scope.join('; ')}</p>}
      <ChoiceGroup
        name="profiles"
        type="checkbox"
        label="License profiles"
        hint="None ticked: every story offered to licensees, whatever its profile."
        values={values.profiles}
        errors={errors}
        options={offered.map((p) => ({ value: p.id, label: p.name, hint: `(${AUDIENCE_HINTS[p.audience]})` }))}
      />
      <ChoiceGroup
        name="desks"
        type="checkbox"
        label="Desks"
        hint="None ticked: stories of every desk. A story is covered when it matches both lists."
        values={values.desks}
        errors={errors}
        options={options.desks.map((d) => ({ value: d.slug, label: d.name }))}
      />
      <ChoiceGroup name="images" type="checkbox" label="Images" values={values.images ? ['on'] : []} errors={errors} options={[{ value: 'on', label: 'The license includes the stories’ images' }]} />
      <div class="grid-2">
        <DateField name="startsAt" label="First day" value={values.startsAt} errors={errors} hint="Access begins at 00:00 UTC of this day." />
        <DateField name="endsAt" label="Last day" value={values.endsAt} errors={errors} hint="Access runs through this whole day (UTC)." />
      </div>
      <TextArea name="terms" label="Terms" value={values.terms} errors={errors} required rows={6} maxLength={TERMS_MAX} hint="As agreed with the licensee; they receive them by email." />
      <div class="field">
        <label for={fieldId('fee')}>Fee</label>
        <p class="hint" id={`${fieldId('fee')}-hint`}>
          Optional, as you would write it on an invoice: “USD 1,200 a year”.
        </p>
        {errors?.fee && (
          <p class="field-error" id={`${fieldId('fee')}-error`}>
            <span class="visually-hidden">Error: </span>
            {errors.fee.join('; ')}
          </p>
        )}
        <input
          id={fieldId('fee')}
          name="fee"
          type="text"
          value={values.fee}
          maxLength={FEE_MAX}
          aria-invalid={errors?.fee ? 'true' : undefined}
          aria-describedby={errors?.fee ? `${fieldId('fee')}-error ${fieldId('fee')}-hint` : `${fieldId('fee')}-hint`}
        />
      </div>
      <ChoiceGroup
        name="onEnd"
        type="radio"
        label="At the end"
        values={[values.onEnd]}
        errors={errors}
        options={(['keep', 'cancel'] as const).map((v) => ({ value: v, label: ON_END_LABELS[v] }))}
      />
    </>
  );
}

function LicenseTable({ licenses, caption }: { licenses: LicenseView[]; caption: string }) {
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">License</th>
            <th scope="col">State</th>
            <th scope="col">Covers</th>
            <th scope="col">Period</th>
          </tr>
        </thead>
        <tbody>
          {licenses.map((l) => (
            <tr>
              <td class="cell-headline">
                <a href={`/newsroom/licensing/licenses/${l.id}`}>{l.reference}</a>
                <span class="cell-sub">{l.outlet}</span>
              </td>
              <td>
                <LicenseStateBadge state={l.state} />
              </td>
              <td>{l.covers}</td>
              <td>{describePeriod(l)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface InquiryLicensesProps {
  inquiryId: string;
  inquiryRevision: number;
  inquiryStatus: string;
  organisation: string;
  licenses: LicenseView[];
  csrf: string;
  values: LicenseFormValues;
  options: LicenseFormOptions;
  errors?: Errors | undefined;
}

/** The inquiry page's licensing card: licenses made from it, and the form to make one. */
export function InquiryLicenses(props: InquiryLicensesProps) {
  const { inquiryId, inquiryRevision, inquiryStatus, licenses, csrf, values, options, errors } = props;
  return (
    <section class="card stack" aria-labelledby="licenses-title">
      <h2 id="licenses-title">Licenses</h2>
      {licenses.length > 0 ? <LicenseTable licenses={licenses} caption="Licenses made from this inquiry" /> : <p class="muted">No license yet.</p>}
      {inquiryStatus === 'declined' ? (
        <p>This inquiry is declined. To license it, reopen it first (status Negotiating).</p>
      ) : (
        <form method="post" action={`/newsroom/licensing/${inquiryId}/license`} class="stack" novalidate aria-labelledby="create-license-title">
          <h3 id="create-license-title">{licenses.length > 0 ? 'Create another license (a renewal, another product)' : 'Create a license'}</h3>
          <CsrfField token={csrf} />
          <input type="hidden" name="revision" value={String(inquiryRevision)} />
          <Select
            name="partnerId"
            label="Partner"
            value={values.partnerId}
            errors={errors}
            hint="The license is added to an existing partner, or makes a new one of kind licensee. A free-program partner keeps its free access as well."
            options={[{ value: '', label: options.newPartnerLabel ?? 'A new licensee partner' }, ...(options.partners ?? []).map((p) => ({ value: p.id, label: `${p.outlet} (${p.email})` }))]}
          />
          <LicenseFields values={values} options={options} errors={errors} />
          <p class="hint">Creating the license emails it to the inquirer with an invitation to the partner portal (unless they already sign in for that partner).</p>
          <div>
            <button type="submit" class="btn btn-primary">
              Create the license
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

export interface LicenseDetailProps {
  license: LicenseView;
  inquiryOrganisation: string | null;
  csrf: string;
  values: LicenseFormValues;
  options: LicenseFormOptions;
  errors?: Errors | undefined;
  endErrors?: Errors | undefined;
  message?: string | undefined;
  conflict?: boolean;
}

function reminder(at: string | null) {
  return at ? (
    <>
      sent <Time iso={at} />
    </>
  ) : (
    <span class="muted">not sent</span>
  );
}

export function LicenseDetailPage(props: LicenseDetailProps) {
  const { license: l, inquiryOrganisation, csrf, values, options, errors, endErrors, message, conflict } = props;
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/licensing">Licensing</a> / <a href="/newsroom/licensing/licenses">Licenses</a> /
          </p>
          <h1>{l.reference}</h1>
          <p class="story-meta">
            <LicenseStateBadge state={l.state} />
            <span>
              <a href={`/newsroom/partners/${l.partnerId}`}>{l.outlet}</a>
            </span>
            <span>{describePeriod(l)}</span>
          </p>
        </div>
      </div>
      <LicensingTabs current="licenses" />
      {conflict ? (
        <div class="error-summary" role="alert" aria-labelledby="conflict-title" tabIndex={-1}>
          <h2 id="conflict-title">Someone else changed this license</h2>
          <p>{message} The page now shows the license as it is; your changes were not saved.</p>
        </div>
      ) : (
        <ErrorSummary message={message} errors={errors ?? endErrors} labels={LICENSE_FIELD_LABELS} />
      )}
      <div class="two-col">
        <div>
          <section class="card" aria-labelledby="license-title">
            <h2 id="license-title">License</h2>
            <dl class="kv">
              <dt>Partner</dt>
              <dd>
                <a href={`/newsroom/partners/${l.partnerId}`}>{l.outlet}</a>
              </dd>
              <dt>Covers</dt>
              <dd>{l.covers}</dd>
              <dt>Images</dt>
              <dd>{l.images ? 'Included' : 'Not included'}</dd>
              <dt>Starts</dt>
              <dd>
                <Time iso={l.startsAt} />
              </dd>
              <dt>Ends</dt>
              <dd>
                {l.endsAt ? (
                  <>
                    <Time iso={l.endsAt} />
                    {l.endsAt.endsWith('T00:00:00.000Z') && <span class="cell-sub">Last full day: {formatUtc(`${lastDay(l.endsAt)}T00:00:00.000Z`).replace(/, 00:00 UTC$/, '')} (UTC)</span>}
                  </>
                ) : (
                  <span class="muted">No end date (recorded before licenses had dates)</span>
                )}
              </dd>
              <dt>At the end</dt>
              <dd>{ON_END_LABELS[l.onEnd]}</dd>
              <dt>Fee</dt>
              <dd>{l.fee ?? <span class="muted">None recorded</span>}</dd>
              <dt>Inquiry</dt>
              <dd>{l.inquiryId ? <a href={`/newsroom/licensing/${l.inquiryId}`}>{inquiryOrganisation ?? 'The inquiry'}</a> : <span class="muted">None</span>}</dd>
              <dt>Renewal reminders</dt>
              <dd>
                30 days before: {reminder(l.renewal30SentAt)}; 7 days before: {reminder(l.renewal7SentAt)}
              </dd>
              <dt>Created</dt>
              <dd>
                <Time iso={l.createdAt} />
              </dd>
            </dl>
            <h3>Terms</h3>
            <div class="prose">
              <Paragraphs text={l.terms} />
            </div>
          </section>
        </div>
        <div>
          <section class="card stack" aria-labelledby="change-title">
            <h2 id="change-title">Change the license</h2>
            <form method="post" action={`/newsroom/licensing/licenses/${l.id}`} class="stack" novalidate aria-labelledby="change-title">
              <CsrfField token={csrf} />
              <input type="hidden" name="revision" value={String(l.revision)} />
              <LicenseFields values={values} options={options} errors={errors} />
              <p class="hint">A later last day extends the license; renewal reminders go out again as the new end comes close.</p>
              <div>
                <button type="submit" class="btn btn-primary">
                  Save changes
                </button>
              </div>
            </form>
          </section>
          {l.state !== 'ended' && (
            <section class="card stack" aria-labelledby="end-title">
              <h2 id="end-title">End now</h2>
              <p>Access under this license stops at once{l.onEnd === 'cancel' ? ', and stories it covered reach the licensee as canceled' : ''}.</p>
              <form method="post" action={`/newsroom/licensing/licenses/${l.id}/end`} class="stack" novalidate aria-labelledby="end-title">
                <CsrfField token={csrf} />
                <input type="hidden" name="revision" value={String(l.revision)} />
                <ChoiceGroup
                  name="confirm"
                  type="checkbox"
                  label="Confirm"
                  values={[]}
                  errors={endErrors}
                  options={[{ value: 'yes', label: `End ${l.reference} for ${l.outlet} now` }]}
                />
                <div>
                  <button type="submit" class="btn btn-danger">
                    End the license now
                  </button>
                </div>
              </form>
            </section>
          )}
        </div>
      </div>
    </>
  );
}
