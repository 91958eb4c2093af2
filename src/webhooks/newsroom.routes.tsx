/**
 * The newsroom's view of a partner's webhooks (/newsroom/partners/:id/webhooks): its endpoints,
 * their state, and the recent deliveries with attempts, last error and next attempt, so an editor
 * can answer "did they get the correction?" and send it again. Editors and admins
 * ('partners.review'); the service checks the permission again. Secrets are never shown here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { requireStaffPage } from '../http/auth.js';
import { verifyCsrf } from '../http/csrf.js';
import { isFormError, param, query, redirectWithFlash, requirePermission, staff } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import { ErrorSummary, Time } from '../newsroom/pages/components.js';
import { CsrfField } from '../views/newsroom-layout.js';
import type { Partner } from '../partners/partners.service.js';
import { webhookEndpointsOf, type WebhookDelivery, type WebhookEndpoint } from './endpoints.service.js';

const RECENT = 20;

const DELIVERY_BADGE: Record<string, string> = { pending: 'badge-scheduled', delivered: 'badge-published', failed: 'badge-withdrawn', canceled: 'badge-draft' };

interface EndpointView {
  endpoint: WebhookEndpoint;
  deliveries: WebhookDelivery[];
  next: string | null;
  /** This endpoint's log is shown from a cursor (not the newest page). */
  paged: boolean;
}

export function PartnerWebhooksPage({ partner, views, csrf, message }: { partner: Partner; views: EndpointView[]; csrf: string; message?: string | undefined }) {
  const base = `/newsroom/partners/${encodeURIComponent(partner.id)}/webhooks`;
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href={`/newsroom/partners?status=${partner.status}`}>Partners</a> / <a href={`/newsroom/partners/${encodeURIComponent(partner.id)}`}>{partner.outlet}</a> /
          </p>
          <h1>Webhooks of {partner.outlet}</h1>
        </div>
      </div>
      <ErrorSummary message={message} />
      {views.length === 0 && (
        <section class="card">
          <p class="muted">This partner has no webhook endpoints. Partners add them in their portal or with the API.</p>
        </section>
      )}
      {views.map(({ endpoint: e, deliveries, next, paged }, i) => (
        <section class="card" aria-labelledby={`endpoint-${i}-title`}>
          <h2 id={`endpoint-${i}-title`}>
            <code>{e.url}</code>
          </h2>
          <dl class="kv">
            <dt>Status</dt>
            <dd>
              {e.status === 'enabled' ? <span class="badge badge-published">Enabled</span> : <span class="badge badge-withdrawn">Disabled</span>}
              {e.disabledReason && <> {e.disabledReason}</>}
              {e.disabledAt && (
                <span class="cell-sub">
                  since <Time iso={e.disabledAt} />
                </span>
              )}
            </dd>
            {e.failingSince && (
              <>
                <dt>Failing since</dt>
                <dd>
                  <Time iso={e.failingSince} />
                </dd>
              </>
            )}
            <dt>Events</dt>
            <dd>{e.events.length === 0 ? 'All story events' : e.events.join(', ')}</dd>
            {e.description && (
              <>
                <dt>Description</dt>
                <dd>{e.description}</dd>
              </>
            )}
            <dt>Added</dt>
            <dd>
              <Time iso={e.createdAt} />
            </dd>
          </dl>
          <h3>{paged ? 'Older deliveries' : 'Recent deliveries'}</h3>
          {deliveries.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <div class="table-wrap">
              <table class="table">
                <caption class="visually-hidden">Deliveries to {e.url}, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Queued</th>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last error</th>
                    <th scope="col">Next attempt</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {deliveries.map((d) => (
                    <tr>
                      <td>
                        <Time iso={d.createdAt} />
                      </td>
                      <td>
                        <code>{d.type}</code>
                        {d.storyId && (
                          <span class="cell-sub">
                            <a href={`/newsroom/stories/${encodeURIComponent(d.storyId)}`}>story</a>
                            {d.storyVersion && <> v{d.storyVersion}</>}
                          </span>
                        )}
                        <span class="cell-sub">
                          <code>{d.messageId}</code>
                        </span>
                      </td>
                      <td>
                        <span class={`badge ${DELIVERY_BADGE[d.status] ?? ''}`}>{d.status}</span>
                        {d.responseStatus !== null && <span class="cell-sub">HTTP {d.responseStatus}</span>}
                        {d.deliveredAt && (
                          <span class="cell-sub">
                            <Time iso={d.deliveredAt} />
                          </span>
                        )}
                      </td>
                      <td>{d.attempts}</td>
                      <td>{d.lastError ?? <span class="muted">—</span>}</td>
                      <td>{d.nextAttemptAt ? <Time iso={d.nextAttemptAt} /> : <span class="muted">—</span>}</td>
                      <td>
                        <form method="post" action={`${base}/${encodeURIComponent(e.id)}/deliveries/${encodeURIComponent(d.id)}/replay`}>
                          <CsrfField token={csrf} />
                          <button type="submit" class="btn btn-secondary btn-small" aria-label={`Replay the ${d.type} delivery of ${d.createdAt}`} disabled={e.status !== 'enabled'}>
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
          {(paged || next) && (
            <p>
              {paged && <a href={base}>Newest deliveries</a>}
              {paged && next && ' · '}
              {next && <a href={`${base}?endpoint=${encodeURIComponent(e.id)}&cursor=${encodeURIComponent(next)}`}>Older deliveries</a>}
            </p>
          )}
        </section>
      ))}
    </>
  );
}

export async function registerWebhookNewsroomRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const secure = services.config.secureCookies;
  const endpoints = webhookEndpointsOf(services);
  const guard = (...handlers: preHandlerHookHandler[]) => ({ preHandler: handlers });
  const page = guard(requireStaffPage, requirePermission('partners.review'));
  const form = guard(requireStaffPage, verifyCsrf, requirePermission('partners.review'));
  const baseOf = (partnerId: string) => `/newsroom/partners/${encodeURIComponent(partnerId)}/webhooks`;

  async function show(request: FastifyRequest, reply: FastifyReply, opts: { message?: string; status?: number } = {}) {
    const actor = staff(request).actor;
    const partner = await services.partners.get(param(request, 'id'));
    const pagedEndpoint = request.method === 'GET' ? query(request, 'endpoint') : '';
    const cursor = request.method === 'GET' ? query(request, 'cursor') : '';
    const all = await endpoints.listForStaff(actor, partner.id);
    const views: EndpointView[] = await Promise.all(
      all.map(async (endpoint) => {
        const paged = endpoint.id === pagedEndpoint && cursor !== '';
        try {
          const log = await endpoints.deliveriesForStaff(actor, partner.id, endpoint.id, paged ? cursor : undefined, RECENT);
          return { endpoint, deliveries: log.items, next: log.next, paged };
        } catch (err) {
          // A mangled cursor shows the newest deliveries.
          if (!(err instanceof AppError && err.code === 'VALIDATION')) throw err;
          const log = await endpoints.deliveriesForStaff(actor, partner.id, endpoint.id, undefined, RECENT);
          return { endpoint, deliveries: log.items, next: log.next, paged: false };
        }
      }),
    );
    return renderPage(
      services,
      request,
      reply,
      { title: `Webhooks · ${partner.outlet}`, section: 'partners', status: opts.status },
      PartnerWebhooksPage({ partner, views, csrf: staff(request).csrfToken, message: opts.message }),
    );
  }

  app.get('/newsroom/partners/:id/webhooks', page, async (request, reply) => show(request, reply));

  app.post('/newsroom/partners/:id/webhooks/:endpointId/deliveries/:deliveryId/replay', form, async (request, reply) => {
    const partner = await services.partners.get(param(request, 'id'));
    try {
      await endpoints.replayForStaff(staff(request).actor, partner.id, param(request, 'endpointId'), param(request, 'deliveryId'));
    } catch (err) {
      if (!isFormError(err)) throw err;
      return show(request, reply, { message: err.message, status: err.status });
    }
    return redirectWithFlash(reply, baseOf(partner.id), { kind: 'success', text: 'The delivery is queued again with the same webhook-id; it appears at the top of the endpoint’s log.' }, secure);
  });
}
