/**
 * `/newsroom/licensing`: the licensing desk's pipeline (inquiries by status with counts, owner
 * filter, search) and one inquiry with everything the inquirer sent, the controls to move it
 * along, notes, emails to the inquirer and the full history.
 */
import type { InquiryStatus } from '../../db/schema.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ErrorSummary, PageHeader, Pagination, Select, TextArea, TextField, Time, type Errors } from '../../newsroom/pages/components.js';
import { LicensingTabs } from './tabs.js';
import { INQUIRY_STATUSES, type Inquiry, type InquiryEvent, type StaffOption } from '../pipeline.service.js';
import { InquiryLicenses, LICENSE_FIELD_LABELS, type InquiryLicensesProps } from './license-pages.js';

export const INQUIRY_STATUS_LABELS: Record<InquiryStatus, string> = {
  new: 'New',
  contacted: 'Contacted',
  negotiating: 'Negotiating',
  licensed: 'Licensed',
  declined: 'Declined',
};
const BADGES: Record<InquiryStatus, string> = {
  new: 'badge-scheduled',
  contacted: 'badge-changes',
  negotiating: 'badge-changes',
  licensed: 'badge-published',
  declined: 'badge-withdrawn',
};
const MEDIUM_LABELS: Record<string, string> = { web: 'Web', print: 'Print', broadcast: 'Broadcast', app: 'App', newsletter: 'Newsletter', other: 'Other' };

export function InquiryStatusBadge({ status }: { status: InquiryStatus }) {
  return <span class={`badge ${BADGES[status]}`}>{INQUIRY_STATUS_LABELS[status]}</span>;
}

function Paragraphs({ text }: { text: string }) {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (
    <>
      {lines.map((l) => (
        <p>{l}</p>
      ))}
    </>
  );
}

export interface PipelineListProps {
  status: InquiryStatus | '';
  owner: string;
  q: string;
  counts: Record<InquiryStatus, number>;
  inquiries: Inquiry[];
  owners: StaffOption[];
  page: number;
  pages: number;
}

export function listHref(p: { status: string; owner: string; q: string; page?: number }): string {
  const params = new URLSearchParams();
  if (p.status) params.set('status', p.status);
  if (p.owner) params.set('owner', p.owner);
  if (p.q) params.set('q', p.q);
  if (p.page && p.page > 1) params.set('page', String(p.page));
  const s = params.toString();
  return s ? `/newsroom/licensing?${s}` : '/newsroom/licensing';
}

export function PipelineListPage({ status, owner, q, counts, inquiries, owners, page, pages }: PipelineListProps) {
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <>
      <PageHeader title="Licensing">
        <a class="btn btn-secondary" href="/newsroom/mail">
          Mail outbox
        </a>
      </PageHeader>
      <LicensingTabs current="inquiries" />
      <nav aria-label="Inquiries by status" class="status-tabs">
        <p class="button-row">
          <a class={`btn btn-small ${status === '' ? 'btn-primary' : 'btn-secondary'}`} href={listHref({ status: '', owner, q })} aria-current={status === '' ? 'page' : undefined}>
            All <span class="count">({all})</span>
          </a>
          {INQUIRY_STATUSES.map((s) => (
            <a class={`btn btn-small ${s === status ? 'btn-primary' : 'btn-secondary'}`} href={listHref({ status: s, owner, q })} aria-current={s === status ? 'page' : undefined}>
              {INQUIRY_STATUS_LABELS[s]} <span class="count">({counts[s]})</span>
            </a>
          ))}
        </p>
      </nav>
      <form method="get" action="/newsroom/licensing" class="card filters" role="search" aria-label="Filter inquiries">
        {status && <input type="hidden" name="status" value={status} />}
        <div class="form-grid">
          <TextField name="q" type="search" label="Organisation, name or email" value={q} maxLength={200} />
          <Select
            name="owner"
            label="Owner"
            value={owner}
            options={[{ value: '', label: 'Anyone' }, { value: 'none', label: 'Nobody yet' }, ...owners.map((o) => ({ value: o.id, label: o.name }))]}
          />
        </div>
        <div class="button-row">
          <button type="submit" class="btn btn-secondary">
            Filter
          </button>
          {(q || owner) && <a href={listHref({ status, owner: '', q: '' })}>Clear filters</a>}
        </div>
      </form>
      {inquiries.length === 0 ? (
        <div class="card empty">
          <p>No inquiries match.</p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{status ? `${INQUIRY_STATUS_LABELS[status]} inquiries` : 'All inquiries'}</caption>
            <thead>
              <tr>
                <th scope="col">Organisation</th>
                <th scope="col">Status</th>
                <th scope="col">Medium and territory</th>
                <th scope="col">Owner</th>
                <th scope="col">Received</th>
              </tr>
            </thead>
            <tbody>
              {inquiries.map((i) => (
                <tr>
                  <td class="cell-headline">
                    <a href={`/newsroom/licensing/${i.id}`}>{i.organisation}</a>
                    <span class="cell-sub">
                      {i.name} &lt;{i.email}&gt;
                    </span>
                  </td>
                  <td>
                    <InquiryStatusBadge status={i.status} />
                  </td>
                  <td>
                    {MEDIUM_LABELS[i.medium] ?? i.medium}
                    <span class="cell-sub">{i.territory}</span>
                  </td>
                  <td>{i.ownerName ?? <span class="muted">Nobody yet</span>}</td>
                  <td>
                    <Time iso={i.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pages={pages} href={(n) => listHref({ status, owner, q, page: n })} />
    </>
  );
}

function describe(e: InquiryEvent, owners: Map<string, string>): string {
  const who = (id: string | null) => (id ? (owners.get(id) ?? 'a former staff member') : 'nobody');
  switch (e.kind) {
    case 'received':
      return 'Inquiry received';
    case 'status':
      return `Status: ${INQUIRY_STATUS_LABELS[e.from as InquiryStatus] ?? e.from} → ${INQUIRY_STATUS_LABELS[e.to as InquiryStatus] ?? e.to}`;
    case 'owner':
      return `Owner: ${who(e.from)} → ${who(e.to)}`;
    case 'note':
      return 'Note';
    case 'email':
      return `Email to ${e.to ?? 'the inquirer'}`;
    case 'license':
      return `License ${e.to ?? ''} created`;
  }
}

export interface UpdateValues {
  status: string;
  owner: string;
  note: string;
}

export interface EmailValues {
  subject: string;
  body: string;
}

export interface PipelineDetailProps {
  inquiry: Inquiry;
  history: InquiryEvent[];
  owners: StaffOption[];
  /** Every user ever named in an owner event, for labels in the timeline. */
  userNames: Map<string, string>;
  csrf: string;
  update: UpdateValues;
  email: EmailValues;
  updateErrors?: Errors | undefined;
  emailErrors?: Errors | undefined;
  message?: string | undefined;
  /** A stale revision: the page shows the current state and says so. */
  conflict?: boolean;
  /** The licenses made from this inquiry and the form to create one. */
  licensing: Omit<InquiryLicensesProps, 'inquiryId' | 'inquiryRevision' | 'inquiryStatus' | 'organisation' | 'csrf'>;
}

export function PipelineDetailPage(props: PipelineDetailProps) {
  const { inquiry: i, history, owners, userNames, csrf, update, email, updateErrors, emailErrors, message, conflict, licensing } = props;
  const statusOptions = INQUIRY_STATUSES.filter((s) => s !== 'licensed' || i.status === 'licensed').map((s) => ({ value: s, label: INQUIRY_STATUS_LABELS[s] }));
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/licensing">Licensing</a> /
          </p>
          <h1>{i.organisation}</h1>
          <p class="story-meta">
            <InquiryStatusBadge status={i.status} />
            <span>
              Received <Time iso={i.createdAt} />
            </span>
            <span>Owner: {i.ownerName ?? 'nobody yet'}</span>
          </p>
        </div>
      </div>
      {conflict ? (
        <div class="error-summary" role="alert" aria-labelledby="conflict-title" tabIndex={-1}>
          <h2 id="conflict-title">Someone else changed this inquiry</h2>
          <p>{message} The page now shows the current state (status {INQUIRY_STATUS_LABELS[i.status]}, owner {i.ownerName ?? 'nobody'}); your text is kept below.</p>
        </div>
      ) : (
        <ErrorSummary
          message={message}
          errors={updateErrors ?? emailErrors ?? licensing.errors}
          labels={{ ...LICENSE_FIELD_LABELS, status: 'Status', owner: 'Owner', note: 'Note', subject: 'Subject', body: 'Message', revision: 'Revision' }}
        />
      )}
      <div class="two-col">
        <div>
          <section class="card" aria-labelledby="inquiry-title">
            <h2 id="inquiry-title">Inquiry</h2>
            <dl class="kv">
              <dt>Name</dt>
              <dd>{i.name}</dd>
              <dt>Organisation</dt>
              <dd>{i.organisation}</dd>
              <dt>Email</dt>
              <dd>
                <a href={`mailto:${i.email}`}>{i.email}</a>
              </dd>
              <dt>Website</dt>
              <dd>
                {i.website ? (
                  <a href={i.website} rel="noopener noreferrer nofollow" target="_blank">
                    {i.website}
                  </a>
                ) : (
                  <span class="muted">None given</span>
                )}
              </dd>
              <dt>Medium</dt>
              <dd>{MEDIUM_LABELS[i.medium] ?? i.medium}</dd>
              <dt>Territory</dt>
              <dd>{i.territory || <span class="muted">None given</span>}</dd>
              <dt>Expected volume</dt>
              <dd>{i.expectedVolume || <span class="muted">None given</span>}</dd>
            </dl>
            <h3>Intended use</h3>
            <div class="prose">
              <Paragraphs text={i.intendedUse} />
            </div>
            {i.message && (
              <>
                <h3>Message</h3>
                <div class="prose">
                  <Paragraphs text={i.message} />
                </div>
              </>
            )}
          </section>

          <InquiryLicenses inquiryId={i.id} inquiryRevision={i.revision} inquiryStatus={i.status} organisation={i.organisation} csrf={csrf} {...licensing} />

          <section class="card stack" aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <ol class="plain-list timeline">
              {history.map((e) => (
                <li>
                  <p>
                    <strong>{describe(e, userNames)}</strong> <span class="muted">· {e.actorLabel} · </span>
                    <Time iso={e.createdAt} />
                  </p>
                  {e.note && (
                    <div class="prose">
                      <Paragraphs text={e.note} />
                    </div>
                  )}
                  {e.kind === 'license' && licensing.licenses.some((l) => l.reference === e.to) && (
                    <p>
                      <a href={`/newsroom/licensing/licenses/${licensing.licenses.find((l) => l.reference === e.to)!.id}`}>Open {e.to}</a>
                    </p>
                  )}
                  {e.mail && (
                    <p>
                      <a href={`/newsroom/mail/${e.mail.id}`}>{e.mail.subject}</a> <span class="muted">({e.mail.status})</span>
                    </p>
                  )}
                </li>
              ))}
            </ol>
          </section>
        </div>

        <div>
          <section class="card stack" aria-labelledby="work-title">
            <h2 id="work-title">Status, owner and notes</h2>
            {i.status === 'licensed' && <p>This inquiry is licensed; its status follows the license.</p>}
            <form method="post" action={`/newsroom/licensing/${i.id}`} class="stack" novalidate>
              <CsrfField token={csrf} />
              <input type="hidden" name="revision" value={String(i.revision)} />
              <Select
                name="status"
                label="Status"
                value={update.status}
                errors={updateErrors}
                options={statusOptions}
                hint="Licensed is set when a license is created for this inquiry."
              />
              <Select name="owner" label="Owner" value={update.owner} errors={updateErrors} options={[{ value: '', label: 'Nobody yet' }, ...owners.map((o) => ({ value: o.id, label: o.name }))]} />
              <TextArea name="note" label="Add a note" value={update.note} errors={updateErrors} rows={4} maxLength={5000} hint="Kept in the history; visible to the licensing desk only." />
              <div>
                <button type="submit" class="btn btn-primary">
                  Save
                </button>
              </div>
            </form>
          </section>

          <section class="card stack" aria-labelledby="email-title">
            <h2 id="email-title">Email {i.name}</h2>
            <form method="post" action={`/newsroom/licensing/${i.id}/email`} class="stack" novalidate>
              <CsrfField token={csrf} />
              <input type="hidden" name="revision" value={String(i.revision)} />
              <TextField name="subject" label="Subject" value={email.subject} errors={emailErrors} required maxLength={200} />
              <TextArea name="body" label="Message" value={email.body} errors={emailErrors} required rows={10} maxLength={20000} hint={`Sent to ${i.email} and kept in the history.`} />
              <div>
                <button type="submit" class="btn btn-primary">
                  Send email
                </button>
              </div>
            </form>
          </section>
        </div>
      </div>
    </>
  );
}
