/**
 * `GET /api/admin/usage`: views per day and the pages where stories ran, for scripts and
 * reports. Registered inside the /api/admin scope, so the token check, the TypeBox validator
 * and the JSON error shape of src/api/admin.routes.ts apply here too.
 *
 * Reporters (who hold usage.read) see the numbers of the stories they created; editors and
 * admins see everything — the same rule as the newsroom's usage page.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import { apiActor } from '../http/auth.js';
import { assertCan, can } from '../users/permissions.js';
import { ErrorResponse } from '../api/schemas.js';
import { MAX_RANGE_DAYS } from './usage.service.js';

const Day = (description: string) => Type.String({ maxLength: 10, description });

export const UsageQuery = Type.Object(
  {
    story: Type.Optional(Type.String({ maxLength: 64, description: 'Story id: only this story' })),
    partner: Type.Optional(Type.String({ maxLength: 64, description: 'Partner id: only this partner' })),
    from: Type.Optional(Day('First day, YYYY-MM-DD (UTC), inclusive. Default: 29 days before `to`')),
    to: Type.Optional(Day(`Last day, YYYY-MM-DD (UTC), inclusive. Default: today. At most ${MAX_RANGE_DAYS} days from \`from\``)),
  },
  { additionalProperties: false },
);

export const UsageReport = Type.Object(
  {
    from: Type.String({ description: 'The range used (defaults filled in)' }),
    to: Type.String(),
    total: Type.Integer({ description: 'Views in the range' }),
    byDay: Type.Array(Type.Object({ day: Type.String(), views: Type.Integer() }), { description: 'Every day of the range, 0 where there were no views' }),
    pages: Type.Array(
      Type.Object({
        url: Type.String({ description: 'The page where the story ran (from the pixel’s referrer)' }),
        views: Type.Integer({ description: 'Views of this page since it was first seen' }),
        firstSeen: Type.String(),
        lastSeen: Type.String(),
      }),
      { description: 'Pages seen during the range, most viewed first (at most 500)' },
    ),
  },
  { title: 'UsageReport' },
);

export async function registerAdminUsageApi(app: FastifyInstance, services: Services): Promise<void> {
  app.get<{ Querystring: Static<typeof UsageQuery> }>(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Views of republished stories per day, and the pages where they ran',
        description: 'Counts come from the pixel in partners’ copies; known bots and repeat views by one reader within 30 minutes are left out.',
        querystring: UsageQuery,
        response: { 200: UsageReport, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const actor = apiActor(request);
      assertCan(actor, 'usage.read');
      const q = request.query;
      const s = await services.usage.summary({
        storyId: q.story,
        partnerId: q.partner,
        from: q.from,
        to: q.to,
        createdBy: can(actor, 'story.edit.any') ? undefined : (actor.id ?? undefined),
      });
      return {
        from: s.from,
        to: s.to,
        total: s.total,
        byDay: s.byDay,
        pages: s.pages.map((p) => ({ url: p.url, views: p.views, firstSeen: p.firstSeen, lastSeen: p.lastSeen })),
      };
    },
  );
}
