/**
 * The hub's HTTP side:
 *
 *   POST /websub            subscription and unsubscription requests (WebSub §5.1), form-encoded;
 *                           202 when accepted for verification, 400 with the reasons otherwise
 *   GET  /websub            a short text saying what this address is
 *   GET  /newsroom/websub   the newsroom's list of subscriptions (admins)
 *
 * The request body carries hub.secret: request logs never include bodies, and no message here
 * quotes it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { wantsJson } from '../http/error-handler.js';
import { requireStaffPage } from '../http/auth.js';
import { requirePermission } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import { PageHeader, Time } from '../newsroom/pages/components.js';
import { callbackHost, parseSubscriptionRequest, recordIntent, type FieldErrors } from './hub.js';
import { displayTopic } from './topics.js';

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, details?: FieldErrors): FastifyReply {
  if (wantsJson(request)) {
    return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message, ...(details ? { details } : {}) } });
  }
  const lines = [message, ...Object.entries(details ?? {}).flatMap(([field, msgs]) => msgs.map((m) => `${field}: ${m}`))];
  return reply.code(status).type('text/plain; charset=utf-8').send(`${lines.join('\n')}\n`);
}

export async function registerWebSubHub(app: FastifyInstance, services: Services): Promise<void> {
  const https = services.config.publicUrl.startsWith('https:');

  app.get('/websub', async (_request, reply) =>
    reply
      .type('text/plain; charset=utf-8')
      .send(
        'This is the WebSub hub of this site (https://www.w3.org/TR/websub/). Subscribe to any of its feeds with a form-encoded POST ' +
          'of hub.mode=subscribe, hub.topic=<the feed\'s rel="self" URL>, hub.callback=<your URL>, and optionally hub.lease_seconds and hub.secret.\n',
      ),
  );

  app.post(
    '/websub',
    {
      // Every accepted request makes this server call the callback: limited per address.
      config: { rateLimit: { max: services.config.apiRateLimitPerMinute, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/x-www-form-urlencoded' && type !== '') {
        return refuse(request, reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the subscription request as application/x-www-form-urlencoded (WebSub §5.1).');
      }
      // TLS ends at the site's public address (publicUrl) or is reported by a trusted proxy.
      const overHttps = https || request.protocol === 'https';
      const parsed = await parseSubscriptionRequest(services, request.body, overHttps);
      if (!parsed.ok) return refuse(request, reply, 400, 'VALIDATION', 'The subscription request was not accepted.', parsed.errors);
      await recordIntent(services.database.db, parsed.request, parsed.partnerId, new Date());
      services.signals.websub.notify();
      return reply
        .code(202)
        .type('text/plain; charset=utf-8')
        .send(`Accepted: the ${parsed.request.mode} request will be verified with a GET to the callback (hub.challenge).\n`);
    },
  );
}

interface Row {
  id: string;
  topic: string;
  callback: string;
  state: string;
  lease_expires_at: string | null;
  intent_mode: string | null;
  last_delivery_at: string | null;
  last_delivery_status: number | null;
  last_error: string | null;
  last_error_at: string | null;
  pending: number;
}

const STATE_WORDS: Record<string, string> = {
  pending: 'waiting for verification',
  active: 'active',
  unsubscribed: 'unsubscribed',
  expired: 'lease expired',
  failed: 'verification failed',
  ended: 'ended',
};

function WebSubPage({ rows, publicUrl }: { rows: Row[]; publicUrl: string }) {
  return (
    <>
      <PageHeader title="WebSub subscriptions">
        <a href="/newsroom/settings">Site settings</a>
      </PageHeader>
      <p class="hint">
        Feed readers and partners' systems subscribed to this site's feeds through its WebSub hub ({publicUrl}/websub). Each gets the new feed
        whenever it changes. Subscriptions end when their lease runs out unless renewed; partner feed addresses are shown without their token.
      </p>
      {rows.length === 0 ? (
        <div class="empty card">
          <p>No subscriptions.</p>
        </div>
      ) : (
        // Wide on small screens: the scrolling region must be reachable by keyboard.
        <div class="table-wrap" tabIndex={0} role="region" aria-label="WebSub subscriptions">
          <table class="table">
            <caption class="visually-hidden">WebSub subscriptions, most recently changed first</caption>
            <thead>
              <tr>
                <th scope="col">Feed (topic)</th>
                <th scope="col">Subscriber host</th>
                <th scope="col">State</th>
                <th scope="col">Lease ends</th>
                <th scope="col">Last delivery</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>
                    <code>{displayTopic(publicUrl, r.topic)}</code>
                  </td>
                  <td>{callbackHost(r.callback)}</td>
                  <td>
                    {STATE_WORDS[r.state] ?? r.state}
                    {r.intent_mode ? ` (${r.intent_mode} request being verified)` : ''}
                    {r.pending > 0 ? ` · ${r.pending} queued` : ''}
                  </td>
                  <td class="nowrap">{r.lease_expires_at ? <Time iso={r.lease_expires_at} /> : <span class="muted">—</span>}</td>
                  <td class="nowrap">
                    {r.last_delivery_at ? (
                      <>
                        <Time iso={r.last_delivery_at} /> {r.last_delivery_status !== null ? `(HTTP ${r.last_delivery_status})` : ''}
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td class="cell-details">
                    {r.last_error ? (
                      <>
                        {r.last_error} {r.last_error_at ? <Time iso={r.last_error_at} /> : null}
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** GET /newsroom/websub, inside the newsroom scope (the session is already resolved). */
export async function registerWebSubNewsroom(app: FastifyInstance, services: Services): Promise<void> {
  app.get('/newsroom/websub', { preHandler: [requireStaffPage, requirePermission('settings.manage')] }, async (request, reply) => {
    const db = services.database.db;
    const subs = await db
      .selectFrom('websub_subscriptions')
      .select(['id', 'topic', 'callback', 'state', 'lease_expires_at', 'intent_mode', 'last_delivery_at', 'last_delivery_status', 'last_error', 'last_error_at'])
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(500)
      .execute();
    const counts = new Map<string, number>();
    if (subs.length > 0) {
      const pending = await db
        .selectFrom('websub_deliveries')
        .select(['subscription_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '=', 'pending')
        .where('subscription_id', 'in', subs.map((s) => s.id))
        .groupBy('subscription_id')
        .execute();
      for (const p of pending) counts.set(p.subscription_id, Number(p.n));
    }
    const rows: Row[] = subs.map((s) => ({ ...s, pending: counts.get(s.id) ?? 0 }));
    return renderPage(services, request, reply, { title: 'WebSub subscriptions', section: 'settings' }, <WebSubPage rows={rows} publicUrl={services.config.publicUrl} />);
  });
}
