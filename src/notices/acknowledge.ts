/**
 * Partners confirm that they acted on a correction or a withdrawal: `POST
 * /api/v1/stories/{id}/acknowledge` in the content API, or the Acknowledge button in the portal.
 * Both acknowledge the story's latest correction or withdrawal; a second call changes nothing.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import type { Partner } from '../partners/partners.service.js';
import type { NoticeEventType } from '../db/schema.js';
import { AppError } from '../errors.js';
import { ErrorResponse } from '../api/schemas.js';
import { notAvailable } from '../syndication/access.js';
import { partnerOf } from '../syndication/content-api.routes.js';
import { acknowledgeNotice, latestNotice, partnerHadStory } from './ledger.js';

const STORY_ID = /^[0-9A-Za-z-]{1,64}$/;

export interface Acknowledged {
  acknowledgedAt: string;
  type: NoticeEventType;
  version: number | null;
}

/**
 * Acknowledges the story's latest correction or withdrawal for the partner. 404 when the partner
 * may not see the story (a withdrawn story it had still counts), 409 when there is nothing to
 * acknowledge.
 */
export async function acknowledgeStory(services: Services, partner: Pick<Partner, 'id' | 'kind'>, storyId: string, by: string): Promise<Acknowledged> {
  if (!STORY_ID.test(storyId)) throw notAvailable();
  const db = services.database.db;
  const visible = (await services.partnerAccess.story(partner, storyId)) !== undefined || (await partnerHadStory(db, partner.id, storyId));
  if (!visible) throw notAvailable();
  const notice = await latestNotice(db, storyId);
  if (!notice) {
    throw new AppError('CONFLICT', 'This story has had no correction and has not been withdrawn, so there is nothing to acknowledge.');
  }
  const acknowledgedAt = await acknowledgeNotice(db, partner.id, notice, by);
  return { acknowledgedAt, type: notice.type, version: notice.version };
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'Story id (the last part of the document’s `uri`).' }) });
const AcknowledgeResponse = Type.Object({
  acknowledgedAt: Type.String({ format: 'date-time', description: 'When you first acknowledged it; the same on every later call.' }),
  type: Type.Union([Type.Literal('story.corrected'), Type.Literal('story.withdrawn')], { description: 'What was acknowledged.' }),
  version: Type.Union([Type.Integer(), Type.Null()], { description: 'The story version the correction or withdrawal made.' }),
});

/**
 * Registers the route inside the content API's scope (its key check, rate limit and error
 * format apply). A child scope of its own, so that an empty JSON body is an empty request.
 */
export function registerAcknowledgeApi(app: FastifyInstance, services: Services): void {
  void app.register(async (scope) => {
    const parseJson = scope.getDefaultJsonParser('error', 'error');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') return done(null, undefined);
      parseJson(request, body as string, done);
    });
    scope.post<{ Params: Static<typeof IdParams> }>(
      '/stories/:id/acknowledge',
      {
        schema: {
          tags: ['Content API'],
          summary: 'Acknowledge a correction or withdrawal',
          description:
            'Confirms that you acted on the story’s latest correction or withdrawal (for a withdrawal: that you took the story down). ' +
            'The newsroom sees who acknowledged; the portal stops showing the notice. Calling again returns the same time. ' +
            'No body is needed. 404 when the story is not available to you (a withdrawn story you had is), 409 when it has had no ' +
            'correction or withdrawal.',
          security: [{ bearerAuth: [] }],
          params: IdParams,
          response: { 200: AcknowledgeResponse, '4xx': ErrorResponse },
        },
      },
      async (request) => {
        const partner = partnerOf(request);
        return acknowledgeStory(services, partner, request.params.id, 'api');
      },
    );
  });
}
