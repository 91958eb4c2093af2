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
import { partnerUsageByLicense } from '../licensing/license-usage.js';

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

const MonthUsage = Type.Object({
  month: Type.String({ description: 'YYYY-MM (UTC)' }),
  views: Type.Integer(),
  stories: Type.Integer({ description: 'Distinct stories with views in the month' }),
});

export const LicenseUsage = Type.Object(
  {
    licenseId: Type.String(),
    reference: Type.String({ description: 'The license’s reference, e.g. LIC-2026-004' }),
    covers: Type.String({ description: 'What the license covers, in words' }),
    startsAt: Type.String(),
    endsAt: Type.Union([Type.String(), Type.Null()]),
    views: Type.Integer({ description: 'Views in the range attributed to this license' }),
    months: Type.Array(MonthUsage, { description: 'Every month of the range in which the license was in force, 0 where unused' }),
  },
  { title: 'LicenseUsage' },
);

export const UnlicensedUsage = Type.Object(
  {
    kind: Type.Union([Type.Literal('free-program'), Type.Literal('outside-license')], {
      description: 'free-program: the partner is in the free program and these views came under it; outside-license: a licensee’s views no license covered',
    }),
    label: Type.String(),
    views: Type.Integer(),
    months: Type.Array(MonthUsage, { description: 'Every month of the range' }),
  },
  { title: 'UnlicensedUsage' },
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
    byLicense: Type.Optional(
      Type.Array(LicenseUsage, {
        description:
          'With `partner` only: the partner’s views by license and month, for each license in force during the range. A story covered by two licenses counts in both.',
      }),
    ),
    unlicensed: Type.Optional(UnlicensedUsage),
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
        description:
          'Counts come from the pixel in partners’ copies; known bots and repeat views by one reader within 30 minutes are left out. With `partner` (and no `story`) the answer also breaks the partner’s views down by license and month (`byLicense`, `unlicensed`), for invoicing; an unknown partner is a 404.',
        querystring: UsageQuery,
        response: { 200: UsageReport, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const actor = apiActor(request);
      assertCan(actor, 'usage.read');
      const q = request.query;
      const createdBy = can(actor, 'story.edit.any') ? undefined : (actor.id ?? undefined);
      const s = await services.usage.summary({
        storyId: q.story,
        partnerId: q.partner,
        from: q.from,
        to: q.to,
        createdBy,
      });
      // After summary, which has checked the ids and dates: an unknown partner is then a 404.
      const licensed = q.partner && !q.story ? await partnerUsageByLicense(services, q.partner, { from: s.from, to: s.to, createdBy }) : undefined;
      return {
        from: s.from,
        to: s.to,
        total: s.total,
        byDay: s.byDay,
        pages: s.pages.map((p) => ({ url: p.url, views: p.views, firstSeen: p.firstSeen, lastSeen: p.lastSeen })),
        ...(licensed && { byLicense: licensed.byLicense, unlicensed: licensed.unlicensed }),
      };
    },
  );
}
