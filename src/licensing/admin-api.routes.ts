/**
 * The licensing desk in the Admin API: the pipeline (/api/admin/license-inquiries: list by
 * status, read one with its history, change status, owner or add a note), creating a license
 * from an inquiry, and licenses (/api/admin/licenses: list, read, change, end). Same services and
 * permission checks as the newsroom pages.
 *
 * Registered in the /api/admin scope, so it inherits that scope's JSON-only body parsing; it sets
 * its own strict validator and makes sure the token was checked.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import { apiActor, requireApiToken } from '../http/auth.js';
import { rejectNulInParamsAndQuery, typeboxValidatorCompiler } from '../api/validation.js';
import { ErrorResponse, IdempotencyHeaders } from '../api/schemas.js';
import { withIdempotency } from '../http/idempotency.js';
import { PipelineService } from './pipeline.service.js';
import { LicensesService, type LicenseView } from './licenses.service.js';
import * as S from './admin-api.schemas.js';

const responses = (ok: Record<number, TSchema>) => ({ ...ok, '4xx': ErrorResponse });

type IdReq = { Params: { id: string } };

/** A license as the API speaks it: desks by slug, reminders grouped. */
export function licenseJson(l: LicenseView) {
  return {
    id: l.id,
    reference: l.reference,
    partnerId: l.partnerId,
    outlet: l.outlet,
    inquiryId: l.inquiryId,
    scope: { profiles: l.scope.profiles, desks: l.deskSlugs },
    covers: l.covers,
    images: l.images,
    startsAt: l.startsAt,
    endsAt: l.endsAt,
    onEnd: l.onEnd,
    terms: l.terms,
    fee: l.fee,
    state: l.state,
    revision: l.revision,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
    renewalReminders: { days30SentAt: l.renewal30SentAt, days7SentAt: l.renewal7SentAt },
  };
}


export async function registerAdminLicensingApi(app: FastifyInstance, services: Services): Promise<void> {
  const pipeline = new PipelineService(services);
  const licenses = new LicensesService(services);
  const { db, dialect } = services.database;
  const checkToken = requireApiToken(services);

  await app.register(async (scope) => {
    scope.setValidatorCompiler(typeboxValidatorCompiler);
    scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
    scope.addHook('onRequest', async (request) => {
      if (!request.apiUser) await checkToken(request);
    });
    scope.addHook('preValidation', async (request) => rejectNulInParamsAndQuery(request));

    const tags = ['licensing'];

    scope.get<{ Querystring: S.InquiryListQueryT }>(
      '/license-inquiries',
      {
        schema: {
          tags,
          summary: 'List licensing inquiries (newest first)',
          description: 'Filter by status. Editors and admins.',
          querystring: S.InquiryListQuery,
          response: responses({ 200: S.InquiryList }),
        },
      },
      async (request) => {
        const q = request.query;
        const r = await pipeline.list(apiActor(request), { status: q.status, limit: q.limit ?? 100, offset: q.offset ?? 0 });
        return { items: r.items, total: r.total };
      },
    );

    scope.get<IdReq>(
      '/license-inquiries/:id',
      { schema: { tags, summary: 'Get one inquiry with its history (oldest first)', params: S.InquiryIdParams, response: responses({ 200: S.InquiryWithHistory }) } },
      async (request) => pipeline.get(apiActor(request), request.params.id),
    );

    scope.patch<IdReq & { Body: S.InquiryPatchT }>(
      '/license-inquiries/:id',
      {
        schema: {
          tags,
          summary: 'Change status or owner, or add a note',
          description:
            'Status moves between new, contacted, negotiating and declined (back to an earlier open stage, or declined → negotiating to reopen). licensed is set by creating a license, not here. With revision, a change made meanwhile is a 409; without it the last write wins.',
          params: S.InquiryIdParams,
          body: S.InquiryPatch,
          response: responses({ 200: S.InquiryWithHistory }),
        },
      },
      async (request) => pipeline.update(apiActor(request), request.params.id, request.body ?? {}),
    );

    scope.post<IdReq & { Body: S.LicenseCreateT }>(
      '/license-inquiries/:id/license',
      {
        schema: {
          tags,
          summary: 'Create a license from an inquiry',
          description:
            'Makes the inquirer a partner of kind licensee (or adds the license to an existing partner: see partnerId; a free-program partner keeps its kind and gets both), ' +
            'sets the inquiry to licensed with a history event, invites the inquirer to the partner portal and emails them the license. All or nothing. ' +
            'A licensed inquiry may get further licenses (a renewal, a second product); a declined one must be reopened first (409). ' +
            'With Idempotency-Key, a replay answers without the invitation link.',
          headers: IdempotencyHeaders,
          params: S.InquiryIdParams,
          body: S.LicenseCreate,
          response: responses({ 201: S.LicenseCreated }),
        },
      },
      async (request, reply) => {
        const actor = apiActor(request);
        return withIdempotency(db, dialect, request, reply, actor.id!, async () => {
          const c = await licenses.createFromInquiry(actor, request.params.id, request.body);
          const body = { partnerId: c.partnerId, licenseId: c.licenseId, reference: c.reference, invitationUrl: c.invitationUrl };
          return { status: 201, body, stored: { ...body, invitationUrl: null } };
        });
      },
    );

    scope.get<{ Querystring: S.LicenseListQueryT }>(
      '/licenses',
      {
        schema: {
          tags,
          summary: 'List licenses',
          description: 'active and ending: soonest end first; ended: latest end first; without status: every license, scheduled ones included.',
          querystring: S.LicenseListQuery,
          response: responses({ 200: S.LicenseList }),
        },
      },
      async (request) => {
        const q = request.query;
        const items = await licenses.list(apiActor(request), { status: q.status, ...(q.partner !== undefined ? { partnerId: q.partner } : {}) });
        return { items: items.map(licenseJson) };
      },
    );

    scope.get<IdReq>(
      '/licenses/:id',
      { schema: { tags, summary: 'Get one license', params: S.LicenseIdParams, response: responses({ 200: S.License }) } },
      async (request) => licenseJson(await licenses.get(apiActor(request), request.params.id)),
    );

    scope.patch<IdReq & { Body: S.LicensePatchT }>(
      '/licenses/:id',
      {
        schema: {
          tags,
          summary: 'Change a license: extend, shorten, end now, terms, fee, scope',
          description:
            'A later endsAt extends the license (renewal reminders already sent for the old end go out again when the new end comes close). endNow: true ends it at this moment. ' +
            'scope replaces both lists (a list left out is no longer narrowed). With revision, a change made meanwhile is a 409; without it the last write wins.',
          params: S.LicenseIdParams,
          body: S.LicensePatch,
          response: responses({ 200: S.License }),
        },
      },
      async (request) => licenseJson(await licenses.update(apiActor(request), request.params.id, request.body ?? {})),
    );
  });
}
