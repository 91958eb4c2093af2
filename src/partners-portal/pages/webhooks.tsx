/** Webhook endpoints: the list with a form to add one, and one endpoint with its delivery log. */
import type { ComponentChildren } from 'preact';
import { ErrorSummary, TextField, fieldId, type Errors } from '../../newsroom/pages/components.js';
import { PortalCsrfField } from '../../views/portal-layout.js';
import { MAX_DESCRIPTION_LENGTH, MAX_ENDPOINTS_PER_PARTNER, type WebhookDelivery, type WebhookEndpoint } from '../../webhooks/endpoints.service.js';
import { WEBHOOK_EVENT_DESCRIPTIONS, WEBHOOK_EVENT_TYPES } from '../../webhooks/types.js';
import { CopyBox, LocalTime, PageHead } from './parts.js';

export interface EndpointFormValues {
  url: string;
  description: string;
  events: string[];
}

export const EMPTY_ENDPOINT_FORM: EndpointFormValues = { url: '', description: '', events: [] };

const LABELS = { url: 'Endpoint URL', description: 'Description', events: 'Events', confirm: 'Confirmation' };

export const endpointHref = (id: string) => `/partners/webhooks/${encodeURIComponent(id)}`;

function FieldErrorsOf({ name, errors }: { name: string; errors: Errors | undefined }) {
  const msgs = errors?.[name];
  if (!msgs || msgs.length === 0) return null;
  return (
    <p class="field-error pp-error" id={`${fieldId(name)}-error`}>
      <span class="pp-visually-hidden">Error: </span>
      {msgs.join('; ')}
    </p>
  );
}

/** URL, description and the event checkboxes: the same fields to add and to change an endpoint. */
function EndpointFields({ values, errors }: { values: EndpointFormValues; errors: Errors | undefined }) {
  return (
    <>
      <TextField
        name="url"
        label={LABELS.url}
        type="url"
        value={values.url}
        required
        maxLength={2000}
        errors={errors}
        hint="An https address on a public server. Deliveries are POSTed to it; redirects are not followed."
      />
      <TextField name="description" label={LABELS.description} value={values.description} maxLength={MAX_DESCRIPTION_LENGTH} errors={errors} hint="For your team, e.g. “Production CMS”." />
      <fieldset class="pp-checks" id={fieldId('events')} aria-describedby={errors?.events ? `${fieldId('events')}-error events-hint` : 'events-hint'}>
        <legend>{LABELS.events}</legend>
        <p class="pp-hint" id="events-hint">
          Leave every box unticked to receive all story events, including kinds added later.
        </p>
        <FieldErrorsOf name="events" errors={errors} />
        {WEBHOOK_EVENT_TYPES.map((t, i) => (
          <label class="pp-check" for={`${fieldId('events')}-${i}`}>
            <input type="checkbox" id={`${fieldId('events')}-${i}`} name="events" value={t} checked={values.events.includes(t)} />
            <span>
              <code>{t}</code> — {WEBHOOK_EVENT_DESCRIPTIONS[t]}
            </span>
          </label>
        ))}
      </fieldset>
    </>
  );
}

function EventsCell({ events }: { events: string[] }) {
  if (events.length === 0) return <span>All events</span>;
  return (
    <ul class="pp-plain-list">
      {events.map((e) => (
        <li>
          <code>{e}</code>
        </li>
      ))}
    </ul>
  );
}

function StatusCell({ e }: { e: WebhookEndpoint }) {
  return e.status === 'enabled' ? <span class="pp-pill pp-pill-approved">Enabled</span> : <span class="pp-pill pp-pill-suspended">Disabled</span>;
}

const DELIVERY_LABELS: Record<string, string> = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed', canceled: 'Canceled' };

/** The secret, after create or rotate: rendered in that response only. */
function SecretReveal({ secret, rotated, children }: { secret: string; rotated: boolean; children?: ComponentChildren }) {
  return (
    <section class="pp-reveal" aria-labelledby="new-secret-title">
      <h2 id="new-secret-title">{rotated ? 'Your new signing secret' : 'Your endpoint’s signing secret'}</h2>
      <p>
        <strong>Store it now, in your receiver’s configuration: this is the only time it is shown.</strong>{' '}
        {rotated
          ? 'For the next 24 hours every delivery is signed with both the new and the previous secret, so switch your receiver to the new one within that time.'
          : 'Use it to check that each delivery really comes from us.'}
      </p>
      <CopyBox id="new-secret" label="Signing secret" value={secret} />
      {children}
    </section>
  );
}

export function VerifyHelp() {
  return (
    <section class="pp-card" aria-labelledby="verify-title">
      <h2 id="verify-title">Verifying signatures</h2>
      <p>
        Deliveries follow the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> specification. Each request carries three headers:{' '}
        <code>webhook-id</code> (the same on retries and replays: use it to skip duplicates), <code>webhook-timestamp</code> (seconds since 1970; reject old
        ones) and <code>webhook-signature</code> (<code>v1,</code> and a base64 HMAC-SHA256 of <code>id.timestamp.body</code>; during a secret rotation, two
        signatures separated by a space — accept either).
      </p>
      <p>
        Use a Standard Webhooks library rather than writing the check yourself: <code>standardwebhooks</code> on npm (JavaScript), PyPI (Python) and
        Packagist (PHP), the Go, Ruby, Java, Rust and C# packages listed on the specification’s site. Pass it your secret, the raw request body and the
        headers. Answer with a 2xx status within 10 seconds; anything else is retried for three days.
      </p>
    </section>
  );
}

// ---- the list ----------------------------------------------------------------------------------

export interface WebhooksPageProps {
  csrf: string;
  endpoints: WebhookEndpoint[];
  values?: EndpointFormValues;
  message?: string | undefined;
  errors?: Errors | undefined;
  /** Just created: the secret, shown this once. */
  created?: { endpoint: WebhookEndpoint; secret: string } | undefined;
}

export function WebhooksPage(p: WebhooksPageProps) {
  const full = p.endpoints.length >= MAX_ENDPOINTS_PER_PARTNER;
  return (
    <>
      <PageHead title="Webhooks" lede="Be told at once when a story you may have is published, corrected, updated or withdrawn: we POST a signed message to your server." />

      {p.created && (
        <SecretReveal secret={p.created.secret} rotated={false}>
          <p>
            Next: <a href={endpointHref(p.created.endpoint.id)}>send a test delivery to {p.created.endpoint.url}</a>.
          </p>
        </SecretReveal>
      )}

      <section class="pp-card" aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Your endpoints</h2>
        {p.endpoints.length === 0 ? (
          <p class="pp-empty">You have no webhook endpoints yet.</p>
        ) : (
          <div class="pp-table-wrap">
            <table class="pp-table">
              <caption class="pp-visually-hidden">Webhook endpoints</caption>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last delivery</th>
                </tr>
              </thead>
              <tbody>
                {p.endpoints.map((e) => (
                  <tr>
                    <td>
                      <a href={endpointHref(e.id)} class="pp-url">
                        {e.url}
                      </a>
                      {e.description && <div class="pp-muted pp-small">{e.description}</div>}
                    </td>
                    <td>
                      <EventsCell events={e.events} />
                    </td>
                    <td>
                      <StatusCell e={e} />
                      {e.disabledReason && <div class="pp-small">{e.disabledReason}</div>}
                    </td>
                    <td>
                      {e.lastDelivery ? (
                        <>
                          {DELIVERY_LABELS[e.lastDelivery.status] ?? e.lastDelivery.status}
                          {e.lastDelivery.responseStatus !== null && <> (HTTP {e.lastDelivery.responseStatus})</>} <LocalTime iso={e.lastDelivery.at} />
                        </>
                      ) : (
                        <span class="pp-muted">None yet</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="pp-card" aria-labelledby="add-endpoint-title">
        <h2 id="add-endpoint-title">Add an endpoint</h2>
        <ErrorSummary message={p.message} errors={p.errors} labels={LABELS} />
        {full ? (
          <p class="pp-muted">You have {MAX_ENDPOINTS_PER_PARTNER} endpoints, the most an outlet may have. Delete one you no longer use to add another.</p>
        ) : (
          <>
            <form method="post" action="/partners/webhooks" class="pp-stack">
              <PortalCsrfField token={p.csrf} />
              <EndpointFields values={p.values ?? EMPTY_ENDPOINT_FORM} errors={p.errors} />
              <div>
                <button type="submit" class="pp-btn pp-btn-primary">
                  Add endpoint
                </button>
              </div>
            </form>
          </>
        )}
      </section>

      <VerifyHelp />
    </>
  );
}

// ---- one endpoint ---------------------------------------------------------------------------------

export interface WebhookDetailPageProps {
  csrf: string;
  endpoint: WebhookEndpoint;
  deliveries: WebhookDelivery[];
  /** The cursor of the next (older) page, if any. */
  next: string | null;
  /** True when this is not the first page. */
  paged: boolean;
  values?: EndpointFormValues;
  message?: string | undefined;
  errors?: Errors | undefined;
  /** The form the errors belong to. */
  failed?: 'edit' | 'delete' | 'action' | undefined;
  /** Just rotated: the new secret, shown this once. */
  newSecret?: string | undefined;
}

export function DeliveryStatus({ d }: { d: WebhookDelivery }) {
  return (
    <>
      {DELIVERY_LABELS[d.status] ?? d.status}
      {d.responseStatus !== null && <span class="pp-small"> (HTTP {d.responseStatus})</span>}
    </>
  );
}

export function WebhookDetailPage(p: WebhookDetailPageProps) {
  const e = p.endpoint;
  const base = endpointHref(e.id);
  return (
    <>
      <p class="pp-back">
        <a href="/partners/webhooks">← All webhooks</a>
      </p>
      <PageHead title="Webhook endpoint" lede={<code class="pp-url">{e.url}</code>} />

      {p.newSecret && <SecretReveal secret={p.newSecret} rotated />}
      {p.failed === 'action' && <ErrorSummary message={p.message} />}

      <section class="pp-card" aria-labelledby="state-title">
        <h2 id="state-title">Status</h2>
        <dl class="pp-facts">
          <dt>Status</dt>
          <dd>
            <StatusCell e={e} />
          </dd>
          {e.disabledReason && (
            <>
              <dt>Why it is disabled</dt>
              <dd>
                {e.disabledReason} {e.disabledAt && <LocalTime iso={e.disabledAt} />}
              </dd>
            </>
          )}
          {e.failingSince && (
            <>
              <dt>Failing since</dt>
              <dd>
                <LocalTime iso={e.failingSince} />
              </dd>
            </>
          )}
          <dt>Signing secret</dt>
          <dd>
            <code>{e.secretHint}</code>
            {e.previousSecretExpiresAt && (
              <>
                {' '}
                (the previous secret also signs until <LocalTime iso={e.previousSecretExpiresAt} />)
              </>
            )}
          </dd>
          <dt>Created</dt>
          <dd>
            <LocalTime iso={e.createdAt} />
          </dd>
        </dl>
        <div class="pp-row-form">
          {e.status === 'enabled' ? (
            <>
              <form method="post" action={`${base}/test`} class="pp-inline">
                <PortalCsrfField token={p.csrf} />
                <button type="submit" class="pp-btn pp-btn-primary">
                  Send a test delivery
                </button>
              </form>
              <form method="post" action={`${base}/disable`} class="pp-inline">
                <PortalCsrfField token={p.csrf} />
                <button type="submit" class="pp-btn pp-btn-secondary">
                  Pause deliveries
                </button>
              </form>
            </>
          ) : (
            <form method="post" action={`${base}/enable`} class="pp-inline">
              <PortalCsrfField token={p.csrf} />
              <button type="submit" class="pp-btn pp-btn-primary">
                Enable endpoint
              </button>
            </form>
          )}
          <form method="post" action={`${base}/rotate-secret`} class="pp-inline">
            <PortalCsrfField token={p.csrf} />
            <button type="submit" class="pp-btn pp-btn-secondary">
              Rotate signing secret
            </button>
          </form>
        </div>
        {e.status !== 'enabled' && <p class="pp-hint">Enabling starts deliveries again; events that happen while an endpoint is disabled are not queued for it.</p>}
      </section>

      <section class="pp-card" aria-labelledby="log-title">
        <h2 id="log-title">Delivery log</h2>
        {p.deliveries.length === 0 ? (
          <p class="pp-empty">{p.paged ? 'No older deliveries.' : 'Nothing has been sent to this endpoint yet.'}</p>
        ) : (
          <div class="pp-table-wrap">
            <table class="pp-table">
              <caption class="pp-visually-hidden">Deliveries to this endpoint, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Queued</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">
                    <span class="pp-visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.deliveries.map((d) => (
                  <tr>
                    <td>
                      <LocalTime iso={d.createdAt} />
                    </td>
                    <td>
                      <code>{d.type}</code>
                      {d.storyId && (
                        <div class="pp-small pp-muted">
                          story {d.storyId}
                          {d.storyVersion && <>, version {d.storyVersion}</>}
                        </div>
                      )}
                      <div class="pp-small pp-muted">
                        <code>{d.messageId}</code>
                      </div>
                    </td>
                    <td>
                      <DeliveryStatus d={d} />
                      {d.lastError && <div class="pp-small">{d.lastError}</div>}
                      {d.nextAttemptAt && (
                        <div class="pp-small">
                          Next attempt <LocalTime iso={d.nextAttemptAt} />
                        </div>
                      )}
                    </td>
                    <td class="pp-num">{d.attempts}</td>
                    <td>
                      {d.lastAttemptAt ? <LocalTime iso={d.lastAttemptAt} /> : <span class="pp-muted">—</span>}
                      {d.durationMs !== null && <div class="pp-small pp-muted">{d.durationMs} ms</div>}
                    </td>
                    <td class="pp-cell-action">
                      <form method="post" action={`${base}/deliveries/${encodeURIComponent(d.id)}/replay`} class="pp-inline">
                        <PortalCsrfField token={p.csrf} />
                        <button type="submit" class="pp-btn pp-btn-secondary pp-btn-small" aria-label={`Replay the ${d.type} delivery of ${d.createdAt}`} disabled={e.status !== 'enabled'}>
                          Replay
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(p.paged || p.next) && (
          <nav class="pp-pager" aria-label="Pages of the delivery log">
            {p.paged ? (
              <a href={base} rel="first">
                ← Newest
              </a>
            ) : (
              <span />
            )}
            {p.next ? (
              <a href={`${base}?cursor=${encodeURIComponent(p.next)}`} rel="next">
                Older →
              </a>
            ) : (
              <span />
            )}
          </nav>
        )}
        <p class="pp-hint">A replay sends the same message again with the same webhook-id, so a receiver that already has it can skip it.</p>
      </section>

      <section class="pp-card" aria-labelledby="edit-title">
        <h2 id="edit-title">Change the endpoint</h2>
        {p.failed === 'edit' && <ErrorSummary message={p.message} errors={p.errors} labels={LABELS} />}
        <form method="post" action={base} class="pp-stack">
          <PortalCsrfField token={p.csrf} />
          <EndpointFields values={p.values ?? { url: e.url, description: e.description, events: e.events }} errors={p.failed === 'edit' ? p.errors : undefined} />
          <div>
            <button type="submit" class="pp-btn pp-btn-primary">
              Save changes
            </button>
          </div>
        </form>
      </section>

      <section class="pp-card" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete the endpoint</h2>
        {p.failed === 'delete' && <ErrorSummary message={p.message} errors={p.errors} labels={LABELS} />}
        <form method="post" action={`${base}/delete`} class="pp-stack">
          <PortalCsrfField token={p.csrf} />
          <div class={p.failed === 'delete' && p.errors?.confirm ? 'field field-invalid' : 'field'}>
            <label class="pp-check" for={fieldId('confirm')}>
              <input type="checkbox" id={fieldId('confirm')} name="confirm" value="yes" required />
              <span>Yes, delete this endpoint and its delivery log. Deliveries still waiting for it are not sent.</span>
            </label>
            <FieldErrorsOf name="confirm" errors={p.failed === 'delete' ? p.errors : undefined} />
          </div>
          <div>
            <button type="submit" class="pp-btn pp-btn-danger">
              Delete endpoint
            </button>
          </div>
        </form>
      </section>
    </>
  );
}
