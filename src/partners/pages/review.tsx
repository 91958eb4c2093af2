/**
 * `/newsroom/partners`: the review queue (by status, with counts), one application with every
 * field, its eligibility verdict rule by rule and the decisions an editor can take, and the
 * admin's eligibility rules. Also the mail outbox pages (`/newsroom/mail`).
 */
import type { PartnerStatus, MailStatus } from '../../db/schema.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ChoiceGroup, ErrorSummary, PageHeader, Pagination, TextArea, TextField, Time, type Errors } from '../../newsroom/pages/components.js';
import type { Partner, PartnerKeyInfo, PartnerUser } from '../partners.service.js';
import type { EligibilityRules, RuleResult } from '../eligibility.js';
import { SECRET_PLACEHOLDER, type OutboxMessage } from '../../mail/mailer.js';
import { PartnerLicensesSection, type PartnerLicenseRow } from '../../licensing/pages/licenses-overview.js';

const STATUS_LABELS: Record<PartnerStatus, string> = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', suspended: 'Suspended' };
const STATUS_BADGES: Record<PartnerStatus, string> = { pending: 'badge-scheduled', approved: 'badge-published', rejected: 'badge-withdrawn', suspended: 'badge-changes' };
const TABS: PartnerStatus[] = ['pending', 'approved', 'rejected', 'suspended'];

export function PartnerStatusBadge({ status }: { status: PartnerStatus }) {
  return <span class={`badge ${STATUS_BADGES[status]}`}>{STATUS_LABELS[status]}</span>;
}

const RULE_LABELS: Record<string, string> = {
  minAudience: 'Minimum audience',
  blockedDomains: 'Blocked domains',
  'required:evidence': 'Evidence of audience',
  'required:intendedUse': 'Intended use',
  'required:contactName': 'Contact name',
};

function ruleLabel(rule: string): string {
  return RULE_LABELS[rule] ?? rule;
}

function VerdictBadge({ partner }: { partner: Partner }) {
  const failed = partner.eligibility.results?.filter((r) => !r.passed).length ?? 0;
  if (!partner.eligibility.results) return <span class="badge badge-draft">Not judged</span>;
  return failed === 0 ? (
    <span class="badge badge-published">Meets every rule</span>
  ) : (
    <span class="badge badge-withdrawn">{failed === 1 ? 'Fails 1 rule' : `Fails ${failed} rules`}</span>
  );
}

function number(n: number): string {
  return n.toLocaleString('en-US');
}

export interface PartnersListProps {
  status: PartnerStatus;
  counts: Record<PartnerStatus, number>;
  partners: Partner[];
  page: number;
  pages: number;
  canEditRules: boolean;
}

export function PartnersListPage({ status, counts, partners, page, pages, canEditRules }: PartnersListProps) {
  return (
    <>
      <PageHeader title="Partners">
        <a class="btn btn-secondary" href="/newsroom/mail">
          Mail outbox
        </a>
        {canEditRules && (
          <a class="btn btn-secondary" href="/newsroom/partners/rules">
            Eligibility rules
          </a>
        )}
        <a class="btn btn-secondary" href="/republish">
          Program page
        </a>
      </PageHeader>
      <nav aria-label="Applications by status" class="status-tabs">
        <p class="button-row">
          {TABS.map((s) => (
            <a class={`btn btn-small ${s === status ? 'btn-primary' : 'btn-secondary'}`} href={`/newsroom/partners?status=${s}`} aria-current={s === status ? 'page' : undefined}>
              {STATUS_LABELS[s]} <span class="count">({counts[s]})</span>
            </a>
          ))}
        </p>
      </nav>
      {partners.length === 0 ? (
        <div class="card empty">
          <p>{status === 'pending' ? 'No applications are waiting for review.' : `No ${STATUS_LABELS[status].toLowerCase()} partners.`}</p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{`${STATUS_LABELS[status]} partners`}</caption>
            <thead>
              <tr>
                <th scope="col">Publication</th>
                <th scope="col">Monthly audience</th>
                <th scope="col">Eligibility</th>
                <th scope="col">{status === 'pending' ? 'Applied' : 'Decided'}</th>
              </tr>
            </thead>
            <tbody>
              {partners.map((p) => {
                const failed = (p.eligibility.results ?? []).filter((r) => !r.passed);
                return (
                  <tr>
                    <td class="cell-headline">
                      <a href={`/newsroom/partners/${p.id}`}>{p.outlet}</a>
                      <span class="cell-sub">
                        {p.domain} · {p.contactName} &lt;{p.email}&gt;
                      </span>
                    </td>
                    <td>{number(p.audience)}</td>
                    <td>
                      <VerdictBadge partner={p} />
                      {failed.map((r) => (
                        <span class="cell-sub">{r.reason}</span>
                      ))}
                    </td>
                    <td>
                      <Time iso={status === 'pending' ? p.createdAt : (p.decidedAt ?? p.createdAt)} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pages={pages} href={(n) => `/newsroom/partners?status=${status}&page=${n}`} />
    </>
  );
}

function Paragraphs({ text }: { text: string }) {
  const lines = text.split(/\n+/).filter((l) => l.trim() !== '');
  return (
    <>
      {lines.map((l) => (
        <p>{l}</p>
      ))}
    </>
  );
}

function RuleRow({ r }: { r: RuleResult }) {
  return (
    <tr>
      <th scope="row">{ruleLabel(r.rule)}</th>
      <td>{r.passed ? <span class="badge badge-published">Passed</span> : <span class="badge badge-withdrawn">Failed</span>}</td>
      <td>{r.reason}</td>
    </tr>
  );
}

export interface PartnerDetailProps {
  partner: Partner;
  users: PartnerUser[];
  keys: PartnerKeyInfo[];
  mail: OutboxMessage[];
  csrf: string;
  rejectErrors?: Errors | undefined;
  rejectReason?: string;
  suspendErrors?: Errors | undefined;
  message?: string | undefined;
  /** Admins, for an approved partner without a login: may create a fresh invitation link. */
  canInvite?: boolean;
  /** A link just created: shown this once. */
  newInvitation?: { url: string; expiresAt: string } | undefined;
  /** The licenses the partner holds or held (the section is shown only when there are some). */
  licenses?: PartnerLicenseRow[] | undefined;
}

export function PartnerDetailPage({ partner: p, users, keys, mail, csrf, rejectErrors, rejectReason, suspendErrors, message, canInvite, newInvitation, licenses }: PartnerDetailProps) {
  const results = p.eligibility.results ?? [];
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href={`/newsroom/partners?status=${p.status}`}>Partners</a> /
          </p>
          <h1>{p.outlet}</h1>
          <p class="story-meta">
            <PartnerStatusBadge status={p.status} />
            <span>
              Applied <Time iso={p.createdAt} />
            </span>
            {p.decidedAt && (
              <span>
                Decided <Time iso={p.decidedAt} />
              </span>
            )}
          </p>
        </div>
      </div>
      <ErrorSummary message={message} errors={rejectErrors ?? suspendErrors} labels={{ reason: 'Reason' }} />
      <div class="two-col">
        <div>
          <section class="card" aria-labelledby="application-title">
            <h2 id="application-title">Application</h2>
            <dl class="kv">
              <dt>Publication</dt>
              <dd>{p.outlet}</dd>
              <dt>Website</dt>
              <dd>
                <a href={p.website} rel="noopener noreferrer nofollow" target="_blank">
                  {p.website}
                </a>{' '}
                <span class="muted">({p.domain})</span>
              </dd>
              <dt>Other domains</dt>
              <dd>
                {/* Set by the partner in its portal (or through the Admin API); the pixel records pages only on these and the website's domain. */}
                {p.extraDomains.length === 0 ? (
                  <span class="muted">None listed</span>
                ) : (
                  <ul class="plain-list" aria-label="Other domains where the partner publishes">
                    {p.extraDomains.map((d) => (
                      <li>
                        <code>{d}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </dd>
              <dt>Contact</dt>
              <dd>{p.contactName}</dd>
              <dt>Email</dt>
              <dd>
                <a href={`mailto:${p.email}`}>{p.email}</a>
              </dd>
              <dt>Monthly audience</dt>
              <dd>{number(p.audience)} unique visitors</dd>
              <dt>Kind</dt>
              <dd>{p.kind === 'free' ? 'Free partner' : 'Licensee'}</dd>
              <dt>Application id</dt>
              <dd>
                <code>{p.id}</code>
              </dd>
            </dl>
            <h3>Evidence of audience</h3>
            <div class="prose">
              <Paragraphs text={p.evidence} />
            </div>
            <h3>Intended use</h3>
            <div class="prose">
              <Paragraphs text={p.intendedUse} />
            </div>
            {p.decisionReason && (
              <>
                <h3>Reason given with the decision</h3>
                <div class="prose">
                  <Paragraphs text={p.decisionReason} />
                </div>
              </>
            )}
          </section>

          <section class="card stack" aria-labelledby="eligibility-title">
            <h2 id="eligibility-title">Eligibility</h2>
            <p>
              <VerdictBadge partner={p} />{' '}
              <span class="muted">
                Judged <Time iso={p.eligibility.evaluatedAt} />
                {p.eligibility.manualReview ? ' · manual review on' : ' · manual review off'}
              </span>
            </p>
            {results.length > 0 && (
              <div class="table-wrap">
                <table class="table">
                  <caption class="visually-hidden">Eligibility rules and results</caption>
                  <thead>
                    <tr>
                      <th scope="col">Rule</th>
                      <th scope="col">Result</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {results.map((r) => (
                      <RuleRow r={r} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {p.status === 'pending' && (
              <form method="post" action={`/newsroom/partners/${p.id}/reevaluate`} class="button-row">
                <CsrfField token={csrf} />
                <button type="submit" class="btn btn-secondary btn-small">
                  Judge again under the current rules
                </button>
              </form>
            )}
          </section>
        </div>

        <div>
          <section class="card stack" aria-labelledby="decision-title">
            <h2 id="decision-title">Decision</h2>
            {p.status === 'approved' ? (
              <p>This publisher may republish. Suspending stops its API keys and feeds at once and emails the contact.</p>
            ) : (
              <form method="post" action={`/newsroom/partners/${p.id}/approve`} class="stack">
                <CsrfField token={csrf} />
                <p>
                  {p.status === 'suspended'
                    ? 'Restoring access lets the partner’s logins, keys and feeds work again, and emails the contact.'
                    : 'Approving emails the contact a link to set up their partner login (valid for 14 days).'}
                </p>
                <div>
                  <button type="submit" class="btn btn-primary">
                    {p.status === 'suspended' ? 'Restore access' : 'Approve'}
                  </button>
                </div>
              </form>
            )}
            {p.status === 'pending' && (
              <form method="post" action={`/newsroom/partners/${p.id}/reject`} class="stack" novalidate>
                <CsrfField token={csrf} />
                <TextArea
                  name="reason"
                  label="Reason for rejecting"
                  value={rejectReason ?? ''}
                  errors={rejectErrors}
                  required
                  rows={3}
                  maxLength={2000}
                  hint="Sent to the applicant by email, word for word."
                />
                <div>
                  <button type="submit" class="btn btn-danger">
                    Reject
                  </button>
                </div>
              </form>
            )}
            {p.status === 'approved' && (
              <form method="post" action={`/newsroom/partners/${p.id}/suspend`} class="stack" novalidate>
                <CsrfField token={csrf} />
                <TextArea name="reason" label="Reason for suspending" value="" errors={suspendErrors} rows={3} maxLength={2000} hint="Optional. Sent to the partner by email." />
                <div>
                  <button type="submit" class="btn btn-danger">
                    Suspend
                  </button>
                </div>
              </form>
            )}
          </section>

          {(canInvite || newInvitation) && (
            <section class="card stack" aria-labelledby="invite-link-title">
              <h2 id="invite-link-title">Invitation link</h2>
              {newInvitation ? (
                <>
                  <p>
                    Pass this link to {p.contactName} ({p.email}) yourself, by a channel you trust. It works once, until <Time iso={newInvitation.expiresAt} />;
                    earlier links no longer work. It is not stored and will not be shown again.
                  </p>
                  <label for="new-invitation">Invitation link</label>
                  <input id="new-invitation" class="token-value" type="text" readOnly value={newInvitation.url} data-select-on-focus="" />
                </>
              ) : (
                <p>
                  Nobody has set up a login yet. The invitation email keeps its link out of the outbox; if it could not reach {p.email}, create a fresh
                  link here and pass it on. Earlier links stop working.
                </p>
              )}
              <form method="post" action={`/newsroom/partners/${p.id}/invitation`}>
                <CsrfField token={csrf} />
                <button type="submit" class="btn btn-secondary">
                  {newInvitation ? 'Create another link' : 'Create an invitation link'}
                </button>
              </form>
            </section>
          )}

          {(users.length > 0 || keys.length > 0) && (
            <section class="card" aria-labelledby="access-title">
              <h2 id="access-title">Access</h2>
              <h3>Partner logins</h3>
              {users.length === 0 ? (
                <p class="muted">Nobody has accepted the invitation yet.</p>
              ) : (
                <ul class="plain-list">
                  {users.map((u) => (
                    <li>
                      {u.name} · {u.email} {u.status === 'disabled' && <strong>(disabled)</strong>}
                    </li>
                  ))}
                </ul>
              )}
              <h3>API keys</h3>
              {keys.length === 0 ? (
                <p class="muted">No keys yet.</p>
              ) : (
                <ul class="plain-list">
                  {keys.map((k) => (
                    <li>
                      {k.name} <code>{k.prefix}…</code> {k.revokedAt ? <span class="badge badge-withdrawn">Revoked</span> : <span class="badge badge-published">Active</span>}
                      <span class="cell-sub">
                        Last used <Time iso={k.lastUsedAt} />
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          )}

          {licenses && licenses.length > 0 && <PartnerLicensesSection partnerId={p.id} licenses={licenses} />}

          <section class="card" aria-labelledby="webhooks-title">
            <h2 id="webhooks-title">Webhooks</h2>
            <p>
              <a href={`/newsroom/partners/${p.id}/webhooks`}>Endpoints and delivery log</a>
            </p>
          </section>

          <section class="card" aria-labelledby="mail-title">
            <h2 id="mail-title">Mail to this partner</h2>
            {mail.length === 0 ? (
              <p class="muted">None yet.</p>
            ) : (
              <ul class="plain-list">
                {mail.map((m) => (
                  <li>
                    <a href={`/newsroom/mail/${m.id}`}>{m.subject}</a> <MailStatusBadge status={m.status} />
                    <span class="cell-sub">
                      <Time iso={m.createdAt} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>
    </>
  );
}

// ---- eligibility rules -------------------------------------------------------------------------

export interface RulesValues {
  minAudience: string;
  requiredFields: string[];
  blockedDomains: string;
  manualReview: boolean;
}

export function rulesValues(r: EligibilityRules): RulesValues {
  return { minAudience: String(r.minAudience), requiredFields: [...r.requiredFields], blockedDomains: r.blockedDomains.join('\n'), manualReview: r.manualReview };
}

export const RULE_FIELD_LABELS: Record<string, string> = {
  minAudience: 'Minimum monthly audience',
  requiredFields: 'Answers that must be substantive',
  blockedDomains: 'Blocked domains',
  manualReview: 'Manual review',
};

export function RulesPage({ values, errors, message, csrf }: { values: RulesValues; errors?: Errors | undefined; message?: string | undefined; csrf: string }) {
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/partners">Partners</a> /
          </p>
          <h1>Eligibility rules</h1>
        </div>
      </div>
      <div class="two-col">
        <form method="post" action="/newsroom/partners/rules" class="card stack" novalidate>
          <ErrorSummary message={message} errors={errors} labels={RULE_FIELD_LABELS} />
          <CsrfField token={csrf} />
          <TextField
            name="minAudience"
            label={RULE_FIELD_LABELS.minAudience!}
            value={values.minAudience}
            errors={errors}
            required
            maxLength={12}
            hint="Monthly unique visitors an applicant needs, as a whole number (0 for no minimum)."
          />
          <ChoiceGroup
            name="requiredFields"
            label={RULE_FIELD_LABELS.requiredFields!}
            type="checkbox"
            values={values.requiredFields}
            errors={errors}
            hint="An application fails this rule when the answer is missing or a token one (“n/a”, a few characters)."
            options={[
              { value: 'evidence', label: 'Evidence of audience' },
              { value: 'intendedUse', label: 'Intended use' },
              { value: 'contactName', label: 'Contact name' },
            ]}
          />
          <TextArea
            name="blockedDomains"
            label={RULE_FIELD_LABELS.blockedDomains!}
            value={values.blockedDomains}
            errors={errors}
            rows={5}
            hint="One per line, e.g. example.com. Subdomains are blocked too."
          />
          <ChoiceGroup
            name="manualReview"
            label={RULE_FIELD_LABELS.manualReview!}
            type="radio"
            values={[values.manualReview ? 'true' : 'false']}
            errors={errors}
            options={[
              { value: 'true', label: 'An editor reviews every application', hint: 'Recommended.' },
              { value: 'false', label: 'Approve applications that pass every rule at once', hint: 'They get their invitation immediately; the rest wait for an editor.' },
            ]}
          />
          <div>
            <button type="submit" class="btn btn-primary">
              Save rules
            </button>
          </div>
        </form>
        <aside class="card" aria-labelledby="rules-help-title">
          <h2 id="rules-help-title">How the rules are used</h2>
          <p>Every application is judged against these rules when it arrives, and the verdict is kept with it: editors see which rules it passes and why.</p>
          <p>Changing the rules does not change verdicts already given. Open a pending application and choose “Judge again” to apply the new rules to it.</p>
          <p>
            The minimum audience is also shown to applicants on the <a href="/republish">program page</a>.
          </p>
        </aside>
      </div>
    </>
  );
}

// ---- mail outbox -------------------------------------------------------------------------------

const MAIL_LABELS: Record<MailStatus, string> = { queued: 'Queued', sent: 'Sent', failed: 'Failed', held: 'Held' };
const MAIL_BADGES: Record<MailStatus, string> = { queued: 'badge-scheduled', sent: 'badge-published', failed: 'badge-withdrawn', held: 'badge-changes' };

export function MailStatusBadge({ status }: { status: MailStatus }) {
  return <span class={`badge ${MAIL_BADGES[status]}`}>{MAIL_LABELS[status]}</span>;
}

export interface MailListProps {
  status: MailStatus | undefined;
  counts: Record<MailStatus, number>;
  messages: OutboxMessage[];
  page: number;
  pages: number;
  delivers: boolean;
}

export function MailListPage({ status, counts, messages, page, pages, delivers }: MailListProps) {
  const tabs: Array<MailStatus | undefined> = [undefined, 'held', 'queued', 'sent', 'failed'];
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const href = (s: MailStatus | undefined, n = 1) => `/newsroom/mail${s || n > 1 ? '?' : ''}${s ? `status=${s}` : ''}${s && n > 1 ? '&' : ''}${n > 1 ? `page=${n}` : ''}`;
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/partners">Partners</a> /
          </p>
          <h1>Mail outbox</h1>
        </div>
      </div>
      <div class="notice">
        {delivers ? (
          <p>Mail is sent through the configured SMTP server. Failed messages are retried a few times with growing pauses.</p>
        ) : (
          <p>
            No SMTP server is configured, so mail is <strong>held</strong> here instead of being sent. Forward held messages yourself, or set
            FREEWIRE_SMTP_URL.
          </p>
        )}
      </div>
      <nav aria-label="Messages by status" class="status-tabs">
        <p class="button-row">
          {tabs.map((s) => (
              <a class={`btn btn-small ${s === status ? 'btn-primary' : 'btn-secondary'}`} href={href(s)} aria-current={s === status ? 'page' : undefined}>
                {s ? MAIL_LABELS[s] : 'All'} <span class="count">({s ? counts[s] : total})</span>
              </a>
          ))}
        </p>
      </nav>
      {messages.length === 0 ? (
        <div class="card empty">
          <p>No messages.</p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Outgoing mail</caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr>
                  <td class="cell-headline">
                    <a href={`/newsroom/mail/${m.id}`}>{m.subject}</a>
                  </td>
                  <td>{m.to}</td>
                  <td>
                    <MailStatusBadge status={m.status} />
                    {m.lastError && <span class="cell-sub">{m.lastError}</span>}
                  </td>
                  <td>
                    <Time iso={m.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pages={pages} href={(n) => href(status, n)} />
    </>
  );
}

export function MailViewPage({ message: m }: { message: OutboxMessage }) {
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/mail">Mail outbox</a> /
          </p>
          <h1>{m.subject}</h1>
          <p class="story-meta">
            <MailStatusBadge status={m.status} />
            <span>
              Created <Time iso={m.createdAt} />
            </span>
            {m.sentAt && (
              <span>
                Sent <Time iso={m.sentAt} />
              </span>
            )}
          </p>
        </div>
      </div>
      <div class="card">
        <dl class="kv">
          <dt>To</dt>
          <dd>{m.to}</dd>
          <dt>Subject</dt>
          <dd>{m.subject}</dd>
          <dt>Attempts</dt>
          <dd>{m.attempts}</dd>
          {m.lastError && (
            <>
              <dt>Last error</dt>
              <dd>{m.lastError}</dd>
            </>
          )}
        </dl>
        <div class="source">
          <h2 class="visually-hidden">Message</h2>
          <pre>{m.text}</pre>
        </div>
        {m.status === 'held' && (
          <p class="hint">
            This message was not sent (no SMTP server is configured). Copy it into your own mail program, or <a href={`mailto:${m.to}`}>write to {m.to}</a>.
            {m.text.includes(SECRET_PLACEHOLDER) && ' Its invitation link is not kept here: an admin creates a fresh one on the partner’s page and passes it on.'}
          </p>
        )}
      </div>
    </>
  );
}
