/**
 * The program in the Admin API (/api/admin): list and read partners, approve (with the
 * invitation), reject with a reason, suspend, create API keys for a partner, and read or change
 * the eligibility rules. Same decisions as the newsroom pages (./decisions.ts), same permission
 * checks in the services.
 *
 * Registered in the /api/admin scope after registerAdminApi, so it inherits that scope's JSON-only
 * body parsing; it sets its own strict validator and makes sure the token was checked.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import { apiActor, requireApiToken } from '../http/auth.js';
import { withIdempotency } from '../http/idempotency.js';
import { rejectNulInParamsAndQuery, typeboxValidatorCompiler } from '../api/validation.js';
import { ErrorResponse, IdempotencyHeaders } from '../api/schemas.js';
import { assertCan, type Permission } from '../users/permissions.js';
import { approvePartner, rejectPartner, suspendPartner } from './decisions.js';
import * as S from './api.schemas.js';

const responses = (ok: Record<number, TSchema>) => ({ ...ok, '4xx': ErrorResponse });

type IdReq = { Params: { id: string } };


export async function registerAdminPartnerApi(app: FastifyInstance, services: Services): Promise<void> {
  const { db, dialect } = services.database;
  const checkToken = requireApiToken(services);

  await app.register(async (scope) => {
    scope.setValidatorCompiler(typeboxValidatorCompiler);
    // Responses are documented by the schemas, never filtered by them.
    scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
    // The enclosing scope normally checks the token already; do not rely on registration order.
    scope.addHook('onRequest', async (request) => {
      if (!request.apiUser) await checkToken(request);
    });
    scope.addHook('preValidation', async (request) => rejectNulInParamsAndQuery(request));

    const tags = ['partners'];

    scope.get<{ Querystring: S.PartnerListQueryT }>(
      '/partners',
      {
        schema: {
          tags,
          summary: 'List partners and applications (newest first)',
          description: 'Filter by status; pending ones are the review queue. Editors and admins.',
          querystring: S.PartnerListQuery,
          response: responses({ 200: S.PartnerList }),
        },
      },
      async (request) => {
        apiActorWith(request, 'partners.review');
        const q = request.query;
        return services.partners.list({ status: q.status, limit: q.limit ?? 50, offset: q.offset ?? 0 });
      },
    );

    scope.get<IdReq>(
      '/partners/:id',
      { schema: { tags, summary: 'Get one partner with its eligibility verdict', params: S.PartnerIdParams, response: responses({ 200: S.Partner }) } },
      async (request) => {
        apiActorWith(request, 'partners.review');
        return services.partners.get(request.params.id);
      },
    );

    scope.post<IdReq>(
      '/partners/:id/approve',
      {
        schema: {
          tags,
          summary: 'Approve (or restore) a partner',
          description:
            'Emails the contact an invitation to set up their partner login; the same link is returned once as invitationUrl. Restoring a suspended partner that already has logins sends no invitation (invitationUrl null).',
          params: S.PartnerIdParams,
          response: responses({ 200: S.Decided }),
        },
      },
      async (request) => approvePartner(services, apiActor(request), request.params.id),
    );

    scope.post<IdReq & { Body: { reason: string } }>(
      '/partners/:id/reject',
      {
        schema: { tags, summary: 'Reject a pending application; the reason is emailed to the applicant', params: S.PartnerIdParams, body: S.RejectBody, response: responses({ 200: S.Decided }) },
      },
      async (request) => rejectPartner(services, apiActor(request), request.params.id, request.body.reason),
    );

    scope.post<IdReq & { Body: { reason?: string } | undefined }>(
      '/partners/:id/suspend',
      {
        schema: {
          tags,
          summary: 'Suspend an approved partner: its API keys and feeds stop working at once',
          params: S.PartnerIdParams,
          body: S.SuspendBody,
          response: responses({ 200: S.Decided }),
        },
      },
      async (request) => suspendPartner(services, apiActor(request), request.params.id, request.body?.reason),
    );

    scope.post<IdReq & { Body: { name: string } }>(
      '/partners/:id/keys',
      {
        schema: {
          tags,
          summary: 'Create a content API key for an approved partner (the secret is shown once)',
          description: 'Only a hash of the key is stored. With Idempotency-Key, a replay answers {id, name} without the secret.',
          headers: IdempotencyHeaders,
          params: S.PartnerIdParams,
          body: S.KeyCreateBody,
          response: responses({ 201: S.CreatedKey }),
        },
      },
      async (request, reply) => {
        const actor = apiActor(request);
        return withIdempotency(db, dialect, request, reply, actor.id!, async () => {
          const k = await services.partners.createKey(actor, request.params.id, request.body.name);
          return { status: 201, body: { id: k.id, name: k.name, key: k.key }, stored: { id: k.id, name: k.name } };
        });
      },
    );

    scope.put<IdReq & { Body: S.DomainsBodyT }>(
      '/partners/:id/domains',
      {
        schema: {
          tags,
          summary: 'Set the other domains where a partner publishes',
          description:
            'Replaces the list. The pixel records the page where a story ran only when its host is the partner’s website domain, one of these, or a subdomain; views from other hosts count without a page, so the attribution checker never fetches them. Partners can edit the same list in their portal.',
          params: S.PartnerIdParams,
          body: S.DomainsBody,
          response: responses({ 200: S.Partner }),
        },
      },
      async (request) => services.partners.setExtraDomains(apiActor(request), request.params.id, request.body.domains),
    );

    scope.get(
      '/eligibility',
      { schema: { tags, summary: 'The eligibility rules applications are judged by', response: responses({ 200: S.EligibilityRules }) } },
      async (request) => {
        apiActorWith(request, 'partners.review');
        return services.partners.rules();
      },
    );

    scope.put(
      '/eligibility',
      {
        schema: {
          tags,
          summary: 'Change the eligibility rules (admins)',
          description: 'Fields left out keep their current value. Verdicts already given are not changed.',
          body: S.EligibilityRulesPatch,
          response: responses({ 200: S.EligibilityRules }),
        },
      },
      async (request) => {
        const current = await services.partners.rules();
        return services.partners.setRules(apiActor(request), { ...current, ...(request.body as object) });
      },
    );
  });

  /** Reads have no service method taking an actor: ask the same predicate the services use. */
  function apiActorWith(request: FastifyRequest, permission: Permission) {
    const actor = apiActor(request);
    assertCan(actor, permission);
    return actor;
  }
}
