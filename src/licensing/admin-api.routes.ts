/**
 * The licensing pipeline in the Admin API (/api/admin/license-inquiries): list by status, read
 * one with its history, and change status, owner or add a note. Same service and permission
 * checks as the newsroom pages.
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
import { ErrorResponse } from '../api/schemas.js';
import { PipelineService } from './pipeline.service.js';
import * as S from './admin-api.schemas.js';

const responses = (ok: Record<number, TSchema>) => ({ ...ok, '4xx': ErrorResponse });

type IdReq = { Params: { id: string } };


export async function registerAdminLicensingApi(app: FastifyInstance, services: Services): Promise<void> {
  const pipeline = new PipelineService(services);
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
  });
}
