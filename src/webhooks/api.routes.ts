/**
 * Webhook endpoints in the partners' API (/api/v1/webhooks): registered inside the content API's
 * scope, so they share its key check, per-partner rate limit and error format.
 *
 *   POST   /webhooks                                   register an endpoint → 201 with its secret
 *   GET    /webhooks                                   the partner's endpoints
 *   GET    /webhooks/{id}, PATCH, DELETE               one endpoint
 *   POST   /webhooks/{id}/rotate-secret                a new secret (the old one signs for 24 h more)
 *   POST   /webhooks/{id}/test                         queue a webhook.test delivery
 *   GET    /webhooks/{id}/deliveries?cursor=&limit=    the delivery log, newest first
 *   POST   /webhooks/{id}/deliveries/{deliveryId}/replay   send a delivery again (same webhook-id)
 *
 * Action endpoints take no fields: no body, an empty JSON body and `{}` are all fine.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Services } from '../services.js';
import { ErrorResponse } from '../api/schemas.js';
import { partnerOf } from '../syndication/content-api.routes.js';
import { DEFAULT_DELIVERIES_PAGE, MAX_DELIVERIES_PAGE, MAX_DESCRIPTION_LENGTH, MAX_ENDPOINTS_PER_PARTNER, MAX_URL_LENGTH, webhookEndpointsOf } from './endpoints.service.js';
import { WEBHOOK_EVENT_DESCRIPTIONS, WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_TYPE } from './types.js';

/** Webhook requests are a few fields; anything bigger is a mistake or an attack. */
export const WEBHOOK_BODY_LIMIT = 16 * 1024;

const TAGS = ['Webhooks'];
const SECURITY = [{ bearerAuth: [] }];
const errors = { '4xx': ErrorResponse };

const EVENT_LIST = WEBHOOK_EVENT_TYPES.map((t) => `\`${t}\`: ${WEBHOOK_EVENT_DESCRIPTIONS[t]}`).join('\n- ');

const Url = Type.String({
  maxLength: MAX_URL_LENGTH,
  description:
    'Where deliveries are POSTed. https only; the address must be public (private, loopback, link-local and cloud metadata addresses are refused, ' +
    'when registered and again at every delivery). Redirects are not followed.',
});
const Events = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: 50,
  description: `The event types to send. Empty or left out: every story event, including types added later.\n- ${EVENT_LIST}`,
});
const Description = Type.String({ maxLength: MAX_DESCRIPTION_LENGTH, description: `A note for your team, e.g. "Production CMS" (at most ${MAX_DESCRIPTION_LENGTH} characters).` });

const CreateBody = Type.Object({ url: Url, events: Type.Optional(Events), description: Type.Optional(Description) }, { additionalProperties: false });
const PatchBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    enabled: Type.Optional(
      Type.Boolean({ description: '`true` re-enables an endpoint that was disabled (by you, by repeated failures or by a 410 Gone answer); `false` pauses deliveries to it.' }),
    ),
  },
  { additionalProperties: false },
);
const EmptyBody = Type.Object({}, { additionalProperties: false, description: 'No fields: send no body, an empty body or `{}`.' });

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'Endpoint id.' }) });
const DeliveryParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'Endpoint id.' }),
  deliveryId: Type.String({ minLength: 1, maxLength: 64, description: 'Delivery id (from the delivery log).' }),
});
const DeliveriesQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 300, description: 'The `next` value of the previous page. Leave it out for the newest deliveries.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DELIVERIES_PAGE, description: `Deliveries per page, 1–${MAX_DELIVERIES_PAGE} (default ${DEFAULT_DELIVERIES_PAGE}).` })),
  },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);
const Time = (description: string) => Type.String({ description: `${description} (ISO 8601, UTC)` });

const Endpoint = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    events: Type.Array(Type.String(), { description: 'Subscribed event types; empty means every story event.' }),
    description: Type.String(),
    status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')], {
      description: 'disabled: nothing is sent (see disabledReason). Endpoints failing for 3 days, or answering 410 Gone, are disabled.',
    }),
    disabledReason: Nullable(Type.String()),
    disabledAt: Nullable(Time('When it was disabled')),
    failingSince: Nullable(Time('Deliveries have failed since then; cleared by the next success')),
    secretHint: Type.String({ description: 'The end of the signing secret, to tell secrets apart. The secret itself is shown only on creation and rotation.' }),
    previousSecretExpiresAt: Nullable(Time('After a rotation: until then deliveries carry a second signature made with the previous secret')),
    lastDelivery: Type.Union([
      Type.Object({ status: Type.String(), at: Time('Its last attempt'), responseStatus: Type.Union([Type.Integer(), Type.Null()]) }),
      Type.Null(),
    ]),
    createdAt: Time('Created'),
    updatedAt: Time('Last changed'),
  },
  { title: 'WebhookEndpoint' },
);

const CreatedEndpoint = Type.Intersect([
  Endpoint,
  Type.Object({
    secret: Type.String({
      description:
        'The signing secret (`whsec_` + base64). Store it now: it is not shown again. Verify every delivery with it (Standard Webhooks: ' +
        '`webhook-id`, `webhook-timestamp`, `webhook-signature` headers).',
    }),
  }),
]);

const Delivery = Type.Object(
  {
    id: Type.String(),
    eventId: Type.Union([Type.Integer(), Type.Null()], { description: 'The event reported; null for tests and replays.' }),
    messageId: Type.String({ description: 'The `webhook-id` header: the same on every attempt and on replays, so you can de-duplicate.' }),
    type: Type.String({ description: `story.* or ${WEBHOOK_TEST_TYPE}` }),
    storyId: Nullable(Type.String()),
    storyVersion: Nullable(Type.String()),
    status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('canceled')]),
    attempts: Type.Integer(),
    responseStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the last attempt.' }),
    durationMs: Type.Union([Type.Integer(), Type.Null()], { description: 'Duration of the last attempt.' }),
    lastError: Nullable(Type.String()),
    nextAttemptAt: Nullable(Time('When the next attempt is due; only while pending')),
    createdAt: Time('Queued'),
    lastAttemptAt: Nullable(Time('Last attempt')),
    deliveredAt: Nullable(Time('Delivered (a 2xx answer)')),
  },
  { title: 'WebhookDelivery' },
);

const Queued = Type.Object({
  deliveryId: Type.String({ description: 'The new delivery; watch it in the delivery log.' }),
  messageId: Type.String({ description: 'Its `webhook-id`.' }),
});

const AUTH =
  'Authenticate with `Authorization: Bearer <partner API key>`. 401: missing or revoked key; 403: the partner account is not approved; ' +
  '404: no such endpoint for your outlet; 429: over your rate limit.';

export async function registerWebhookApi(app: FastifyInstance, services: Services): Promise<void> {
  const endpoints = webhookEndpointsOf(services);

  await app.register(async (scope) => {
    scope.addHook('preValidation', async (request) => {
      // No body (or an empty JSON one) is an empty request: action endpoints take it as
      // documented, and a missing required field is named rather than "body must be an object".
      if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
    });
    const base = { bodyLimit: WEBHOOK_BODY_LIMIT };

    scope.post<{ Body: Static<typeof CreateBody> }>(
      '/webhooks',
      {
        ...base,
        schema: {
          tags: TAGS,
          summary: 'Register a webhook endpoint',
          description:
            'Registers an https address to receive signed deliveries of story events (Standard Webhooks). The answer carries the signing ' +
            `secret, in full this once. At most ${MAX_ENDPOINTS_PER_PARTNER} endpoints per outlet (409 beyond). ` +
            'Send a test with POST /webhooks/{id}/test.\n\n' +
            AUTH,
          security: SECURITY,
          body: CreateBody,
          response: { 201: CreatedEndpoint, ...errors },
        },
      },
      async (request, reply) => {
        const created = await endpoints.create(partnerOf(request).id, request.body);
        reply.code(201).header('Location', `${services.config.publicUrl}/api/v1/webhooks/${created.id}`);
        return created;
      },
    );

    scope.get(
      '/webhooks',
      { schema: { tags: TAGS, summary: 'Your webhook endpoints', description: AUTH, security: SECURITY, response: { 200: Type.Object({ items: Type.Array(Endpoint) }), ...errors } } },
      async (request) => ({ items: await endpoints.list(partnerOf(request).id) }),
    );

    scope.get<{ Params: Static<typeof IdParams> }>(
      '/webhooks/:id',
      { schema: { tags: TAGS, summary: 'One webhook endpoint', description: AUTH, security: SECURITY, params: IdParams, response: { 200: Endpoint, ...errors } } },
      async (request) => endpoints.get(partnerOf(request).id, request.params.id),
    );

    scope.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PatchBody> }>(
      '/webhooks/:id',
      {
        ...base,
        schema: {
          tags: TAGS,
          summary: 'Change a webhook endpoint',
          description: 'Changes only the fields sent. `enabled: true` turns a disabled endpoint back on and clears its failure record.\n\n' + AUTH,
          security: SECURITY,
          params: IdParams,
          body: PatchBody,
          response: { 200: Endpoint, ...errors },
        },
      },
      async (request) => endpoints.update(partnerOf(request).id, request.params.id, request.body),
    );

    scope.delete<{ Params: Static<typeof IdParams> }>(
      '/webhooks/:id',
      {
        ...base,
        schema: {
          tags: TAGS,
          summary: 'Delete a webhook endpoint',
          description: 'Removes the endpoint and its delivery log; deliveries still queued for it are not sent.\n\n' + AUTH,
          security: SECURITY,
          params: IdParams,
          response: { 204: Type.Null({ description: 'Deleted' }), ...errors },
        },
      },
      async (request, reply) => {
        await endpoints.delete(partnerOf(request).id, request.params.id);
        return reply.code(204).send();
      },
    );

    scope.post<{ Params: Static<typeof IdParams> }>(
      '/webhooks/:id/rotate-secret',
      {
        ...base,
        schema: {
          tags: TAGS,
          summary: 'Rotate the signing secret',
          description:
            'Makes a new secret and answers it, in full this once. For the next 24 hours every delivery carries two signatures, one per secret, ' +
            'so you can switch your receiver without missing a delivery.\n\n' +
            AUTH,
          security: SECURITY,
          params: IdParams,
          body: EmptyBody,
          response: {
            200: Type.Object({
              secret: Type.String({ description: 'The new secret (`whsec_…`).' }),
              previousSecretExpiresAt: Time('The previous secret signs deliveries until then'),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const r = await endpoints.rotateSecret(partnerOf(request).id, request.params.id);
        return { secret: r.secret, previousSecretExpiresAt: r.previousSecretExpiresAt };
      },
    );

    scope.post<{ Params: Static<typeof IdParams> }>(
      '/webhooks/:id/test',
      {
        ...base,
        schema: {
          tags: TAGS,
          summary: 'Send a test delivery',
          description: `Queues a \`${WEBHOOK_TEST_TYPE}\` delivery to the endpoint, signed like any other; it is sent within seconds. 409 when the endpoint is disabled.\n\n` + AUTH,
          security: SECURITY,
          params: IdParams,
          body: EmptyBody,
          response: { 202: Queued, ...errors },
        },
      },
      async (request, reply) => {
        const r = await endpoints.sendTest(partnerOf(request).id, request.params.id);
        return reply.code(202).send(r);
      },
    );

    scope.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof DeliveriesQuery> }>(
      '/webhooks/:id/deliveries',
      {
        schema: {
          tags: TAGS,
          summary: 'The delivery log of an endpoint',
          description: 'Deliveries newest first, with their attempts and last answer. Pass `next` as `cursor` for older ones; `next` is null on the last page.\n\n' + AUTH,
          security: SECURITY,
          params: IdParams,
          querystring: DeliveriesQuery,
          response: { 200: Type.Object({ items: Type.Array(Delivery), next: Type.Union([Type.String(), Type.Null()]) }), ...errors },
        },
      },
      async (request) => endpoints.listDeliveries(partnerOf(request).id, request.params.id, request.query.cursor, request.query.limit ?? DEFAULT_DELIVERIES_PAGE),
    );

    scope.post<{ Params: Static<typeof DeliveryParams> }>(
      '/webhooks/:id/deliveries/:deliveryId/replay',
      {
        ...base,
        schema: {
          tags: TAGS,
          summary: 'Send a delivery again',
          description:
            'Queues the same body again as a new delivery with the same `webhook-id` (so a receiver that already has it can skip it) and fresh signatures. ' +
            '409 when the endpoint is disabled.\n\n' +
            AUTH,
          security: SECURITY,
          params: DeliveryParams,
          body: EmptyBody,
          response: { 202: Queued, ...errors },
        },
      },
      async (request, reply) => {
        const r = await endpoints.replay(partnerOf(request).id, request.params.id, request.params.deliveryId);
        return reply.code(202).send(r);
      },
    );
  });
}
