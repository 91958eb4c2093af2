/** Webhook endpoints in the portal: the same operations as /api/v1/webhooks, as forms. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { formFields, isFormError, list, param, query, text } from '../../newsroom/http.js';
import type { Services } from '../../services.js';
import { webhookEndpointsOf } from '../../webhooks/endpoints.service.js';
import { partnerSession } from '../auth.js';
import { endpointHref, WebhookDetailPage, WebhooksPage, type EndpointFormValues, type WebhookDetailPageProps, type WebhooksPageProps } from '../pages/webhooks.js';
import { redirectWithPortalFlash, renderPortalPage } from '../render.js';

function formValues(body: unknown): EndpointFormValues {
  const fields = formFields(body);
  return { url: text(fields, 'url').slice(0, 2100), description: text(fields, 'description').slice(0, 600), events: list(fields, 'events').slice(0, 20) };
}

export function webhookHandlers(services: Services) {
  const secure = services.config.secureCookies;
  const endpoints = webhookEndpointsOf(services);

  async function listPage(request: FastifyRequest, reply: FastifyReply, extra: Partial<WebhooksPageProps> = {}, status = 200) {
    const s = partnerSession(request);
    const items = await endpoints.list(s.partner.id);
    return renderPortalPage(
      services,
      request,
      reply,
      { title: 'Webhooks', section: 'webhooks', scripts: ['/assets/portal-copy.js'], status },
      <WebhooksPage csrf={s.csrfToken} endpoints={items} {...extra} />,
    );
  }

  async function detailPage(request: FastifyRequest, reply: FastifyReply, extra: Partial<WebhookDetailPageProps> = {}, status = 200) {
    const s = partnerSession(request);
    const id = param(request, 'id');
    const endpoint = await endpoints.get(s.partner.id, id);
    const raw = query(request, 'cursor');
    let cursor = request.method === 'GET' && raw !== '' ? raw : undefined;
    let log: { items: Awaited<ReturnType<typeof endpoints.listDeliveries>>['items']; next: string | null };
    try {
      log = await endpoints.listDeliveries(s.partner.id, endpoint.id, cursor);
    } catch (err) {
      // A mangled cursor in the address bar shows the newest page rather than an error.
      if (!(err instanceof AppError && err.code === 'VALIDATION')) throw err;
      cursor = undefined;
      log = await endpoints.listDeliveries(s.partner.id, endpoint.id);
    }
    return renderPortalPage(
      services,
      request,
      reply,
      { title: 'Webhook endpoint', section: 'webhooks', scripts: ['/assets/portal-copy.js'], status },
      <WebhookDetailPage csrf={s.csrfToken} endpoint={endpoint} deliveries={log.items} next={log.next} paged={cursor !== undefined} {...extra} />,
    );
  }

  return {
    list(request: FastifyRequest, reply: FastifyReply) {
      return listPage(request, reply);
    },

    async create(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const values = formValues(request.body);
      try {
        const created = await endpoints.create(s.partner.id, { url: values.url, description: values.description, events: values.events });
        const { secret, ...endpoint } = created;
        // Rendered in the response rather than after a redirect: the secret must never be stored, not even in a cookie.
        return await listPage(request, reply, { created: { endpoint, secret } }, 201);
      } catch (err) {
        if (isFormError(err)) return listPage(request, reply, { values, message: err.message, errors: err.details }, err.status);
        throw err;
      }
    },

    show(request: FastifyRequest, reply: FastifyReply) {
      return detailPage(request, reply);
    },

    async update(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const id = param(request, 'id');
      const values = formValues(request.body);
      try {
        const e = await endpoints.update(s.partner.id, id, { url: values.url, description: values.description, events: values.events });
        return redirectWithPortalFlash(reply, endpointHref(e.id), { kind: 'success', text: 'The endpoint is saved.' }, secure);
      } catch (err) {
        if (isFormError(err)) return detailPage(request, reply, { values, failed: 'edit', message: err.message, errors: err.details }, err.status);
        throw err;
      }
    },

    async enable(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const e = await endpoints.update(s.partner.id, param(request, 'id'), { enabled: true });
      return redirectWithPortalFlash(reply, endpointHref(e.id), { kind: 'success', text: 'The endpoint is enabled: new events are sent to it again.' }, secure);
    },

    async disable(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const e = await endpoints.update(s.partner.id, param(request, 'id'), { enabled: false });
      return redirectWithPortalFlash(reply, endpointHref(e.id), { kind: 'info', text: 'Deliveries to this endpoint are paused until you enable it again.' }, secure);
    },

    async remove(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const id = param(request, 'id');
      const e = await endpoints.get(s.partner.id, id);
      if (text(formFields(request.body), 'confirm') !== 'yes') {
        return detailPage(request, reply, { failed: 'delete', message: 'Tick the box to confirm that the endpoint should be deleted.', errors: { confirm: ['is required to delete'] } }, 400);
      }
      await endpoints.delete(s.partner.id, e.id);
      return redirectWithPortalFlash(reply, '/partners/webhooks', { kind: 'success', text: `The endpoint ${e.url.slice(0, 200)} is deleted.` }, secure);
    },

    async rotate(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const r = await endpoints.rotateSecret(s.partner.id, param(request, 'id'));
      return detailPage(request, reply, { newSecret: r.secret });
    },

    async test(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const id = param(request, 'id');
      try {
        await endpoints.sendTest(s.partner.id, id);
        return redirectWithPortalFlash(reply, endpointHref(id), { kind: 'success', text: 'A test delivery is on its way; its result appears in the delivery log below.' }, secure);
      } catch (err) {
        if (isFormError(err)) return detailPage(request, reply, { failed: 'action', message: err.message }, err.status);
        throw err;
      }
    },

    async replay(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const id = param(request, 'id');
      try {
        await endpoints.replay(s.partner.id, id, param(request, 'deliveryId'));
        return redirectWithPortalFlash(reply, endpointHref(id), { kind: 'success', text: 'The delivery is queued again, with the same webhook-id; it appears at the top of the log.' }, secure);
      } catch (err) {
        if (isFormError(err)) return detailPage(request, reply, { failed: 'action', message: err.message }, err.status);
        throw err;
      }
    },
  };
}
