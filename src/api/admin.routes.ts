/**
 * The Admin API under /api/admin: the newsroom's actions for scripts and integrations.
 *
 * Routes speak HTTP only. Who may do what is decided by the services (the same checks the
 * newsroom UI goes through), except where a read has no service method that takes an actor
 * (user list, audit log, other people's drafts): there the route asks the same named
 * predicates from src/users/permissions.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
// Brings @fastify/swagger's schema fields (tags, summary, description) into FastifySchema.
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { apiActor, requireApiToken } from '../http/auth.js';
import { withIdempotency } from '../http/idempotency.js';
import { listAudit } from '../audit/audit.js';
import { assertCan, can, canEditStory, type Actor } from '../users/permissions.js';
import type { Story as StoryT } from '../stories/stories.service.js';
import type { LicenseProfile as LicenseProfileT } from '../license-profiles/license-profiles.service.js';
import { typeboxValidatorCompiler } from './validation.js';
import * as S from './schemas.js';
import { StoryRecipients } from '../notices/schemas.js';
import { storyRecipients } from '../notices/ledger.js';

type Id = Static<typeof S.IdParams>;
type Slug = Static<typeof S.SlugParams>;
type IdemHeaders = Static<typeof S.IdempotencyHeaders>;

const errors = { '4xx': S.ErrorResponse };

function responses(ok: Record<number, TSchema>) {
  return { ...ok, ...errors };
}

/** Path params and query values are identifiers and filters; a NUL in one is never meaningful and PostgreSQL refuses it in text. */
function rejectNul(part: 'params' | 'query', value: unknown): void {
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const texts = Array.isArray(v) ? v : [v];
    if (texts.some((t) => typeof t === 'string' && t.includes('\u0000'))) {
      throw new AppError('VALIDATION', 'The request is not valid.', { details: { [k]: [`must not contain NUL characters (${part})`] } });
    }
  }
}

export async function registerAdminApi(app: FastifyInstance, services: Services): Promise<void> {
  const { config, database } = services;
  const { db, dialect } = database;

  app.setValidatorCompiler(typeboxValidatorCompiler);
  // Response schemas document the API; they must never silently drop a field the service added.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // JSON only: forms and multipart (accepted elsewhere in the app) answer 415 here. A POST with
  // `Content-Type: application/json` and no body (publish, unschedule) is an empty request, not
  // malformed JSON. Prototype-poisoning keys are refused by Fastify's parser (400).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });

  // onRequest rather than preHandler: an anonymous caller learns nothing about validation and
  // never gets its body parsed.
  app.addHook('onRequest', requireApiToken(services));
  app.addHook('preValidation', async (request) => {
    // No body at all (or an empty JSON one) is an empty object: action endpoints (publish,
    // suspend, …) take one as documented, and a missing required field is named as such instead
    // of "body must be an object".
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
    rejectNul('params', request.params);
    rejectNul('query', request.query);
  });

  const storyUrl = (slug: string) => `${config.publicUrl}/stories/${slug}`;
  const withUrl = <T extends StoryT>(story: T) => ({ ...story, url: storyUrl(story.slug) });
  const actorId = (actor: Actor) => actor.id!;

  /** Reporters see the stories they created; editors and admins see all (the UI's rule). */
  const assertCanRead = (actor: Actor, story: StoryT) => {
    if (!canEditStory(actor, { created_by: story.createdBy })) {
      throw new AppError('FORBIDDEN', 'Reporters can see only the stories they created.');
    }
  };

  const created = (request: FastifyRequest, reply: FastifyReply, actor: Actor, make: () => Promise<unknown>) =>
    withIdempotency(db, dialect, request, reply, actorId(actor), async () => ({ status: 201, body: await make() }));

  // ---- authors --------------------------------------------------------------------------------

  app.get('/authors', { schema: { tags: ['authors'], summary: 'List authors', response: responses({ 200: S.ItemsOf(S.Author) }) } }, async () => ({
    items: await services.authors.list(),
  }));

  app.get<{ Params: Slug }>(
    '/authors/:slug',
    { schema: { tags: ['authors'], summary: 'Get an author', params: S.SlugParams, response: responses({ 200: S.Author }) } },
    async (request) => {
      const author = await services.authors.getBySlug(request.params.slug);
      if (!author) throw new AppError('AUTHOR_NOT_FOUND', `No author has the slug "${request.params.slug.slice(0, 100)}".`);
      return author;
    },
  );

  app.post<{ Body: Static<typeof S.AuthorCreateBody>; Headers: IdemHeaders }>(
    '/authors',
    {
      schema: {
        tags: ['authors'],
        summary: 'Create an author',
        headers: S.IdempotencyHeaders,
        body: S.AuthorCreateBody,
        response: responses({ 201: S.Author }),
      },
    },
    async (request, reply) => {
      const actor = apiActor(request);
      return created(request, reply, actor, () => services.authors.create(actor, request.body));
    },
  );

  app.patch<{ Params: Slug; Body: Static<typeof S.AuthorPatchBody> }>(
    '/authors/:slug',
    {
      schema: { tags: ['authors'], summary: 'Change an author', params: S.SlugParams, body: S.AuthorPatchBody, response: responses({ 200: S.Author }) },
    },
    async (request) => {
      const actor = apiActor(request);
      const author = await services.authors.getBySlug(request.params.slug);
      if (!author) throw new AppError('AUTHOR_NOT_FOUND', `No author has the slug "${request.params.slug.slice(0, 100)}".`);
      return services.authors.update(actor, author.id, request.body);
    },
  );

  // ---- desks ----------------------------------------------------------------------------------

  app.get('/desks', { schema: { tags: ['desks'], summary: 'List desks', response: responses({ 200: S.ItemsOf(S.Desk) }) } }, async () => ({
    items: await services.desks.list(),
  }));

  app.get<{ Params: Slug }>(
    '/desks/:slug',
    { schema: { tags: ['desks'], summary: 'Get a desk', params: S.SlugParams, response: responses({ 200: S.Desk }) } },
    async (request) => {
      const desk = await services.desks.getBySlug(request.params.slug);
      if (!desk) throw new AppError('DESK_NOT_FOUND', `No desk has the slug "${request.params.slug.slice(0, 100)}".`);
      return desk;
    },
  );

  app.post<{ Body: Static<typeof S.DeskCreateBody>; Headers: IdemHeaders }>(
    '/desks',
    {
      schema: { tags: ['desks'], summary: 'Create a desk', headers: S.IdempotencyHeaders, body: S.DeskCreateBody, response: responses({ 201: S.Desk }) },
    },
    async (request, reply) => {
      const actor = apiActor(request);
      return created(request, reply, actor, () => services.desks.create(actor, request.body));
    },
  );

  app.patch<{ Params: Slug; Body: Static<typeof S.DeskPatchBody> }>(
    '/desks/:slug',
    { schema: { tags: ['desks'], summary: 'Change a desk', params: S.SlugParams, body: S.DeskPatchBody, response: responses({ 200: S.Desk }) } },
    async (request) => {
      const actor = apiActor(request);
      const desk = await services.desks.getBySlug(request.params.slug);
      if (!desk) throw new AppError('DESK_NOT_FOUND', `No desk has the slug "${request.params.slug.slice(0, 100)}".`);
      return services.desks.update(actor, desk.id, request.body);
    },
  );

  // ---- stories --------------------------------------------------------------------------------

  app.get<{ Querystring: S.StoryListQueryT }>(
    '/stories',
    {
      schema: {
        tags: ['stories'],
        summary: 'List stories (newest change first)',
        description: 'Reporters see the stories they created.',
        querystring: S.StoryListQuery,
        response: responses({ 200: S.StoryList }),
      },
    },
    async (request) => {
      const actor = apiActor(request);
      const q = request.query;
      // No count cap here: the API's total stays exact, so it carries no totalCapped.
      const { items, total } = await services.stories.list({
        status: q.status,
        deskSlug: q.desk,
        q: q.q?.trim() || undefined,
        createdBy: can(actor, 'story.edit.any') ? undefined : actorId(actor),
        limit: q.limit ?? 20,
        offset: q.offset ?? 0,
      });
      return { items, total };
    },
  );

  app.post<{ Body: Static<typeof S.StoryCreateBody>; Headers: IdemHeaders }>(
    '/stories',
    {
      schema: {
        tags: ['stories'],
        summary: 'Create a draft',
        headers: S.IdempotencyHeaders,
        body: S.StoryCreateBody,
        response: responses({ 201: S.Story }),
      },
    },
    async (request, reply) => {
      const actor = apiActor(request);
      return created(request, reply, actor, async () => withUrl(await services.stories.create(actor, request.body)));
    },
  );

  app.get<{ Params: Id }>(
    '/stories/:id',
    {
      schema: {
        tags: ['stories'],
        summary: 'Get a story with its versions and notes',
        params: S.IdParams,
        response: responses({ 200: S.StoryWithHistory }),
      },
    },
    async (request) => {
      const actor = apiActor(request);
      const story = await services.stories.getWithHistory(request.params.id);
      assertCanRead(actor, story);
      return withUrl(story);
    },
  );

  app.patch<{ Params: Id; Body: Static<typeof S.StoryPatchBody> }>(
    '/stories/:id',
    {
      schema: {
        tags: ['stories'],
        summary: 'Save changes (a new version; readers see no change until published or amended)',
        description:
          'Readers and partners see none of it until the story is published or amended: the syndication switch, license profile, ' +
          'embargo and lead image also take effect with the version that goes live. On a published or scheduled story only ' +
          'editors and admins may change those (403 for reporters); on a draft its author may set them.',
        params: S.IdParams,
        body: S.StoryPatchBody,
        response: responses({ 200: S.Story }),
      },
    },
    async (request) => withUrl(await services.stories.save(apiActor(request), request.params.id, request.body)),
  );

  app.get<{ Params: Static<typeof S.VersionParams> }>(
    '/stories/:id/versions/:n',
    {
      schema: { tags: ['stories'], summary: 'Get one version of a story', params: S.VersionParams, response: responses({ 200: S.StoryVersion }) },
    },
    async (request) => {
      const actor = apiActor(request);
      assertCanRead(actor, await services.stories.get(request.params.id));
      const v = await services.stories.getVersion(request.params.id, request.params.n);
      return {
        storyId: v.story_id,
        version: v.version,
        kind: v.kind,
        headline: v.headline,
        summary: v.summary,
        body: v.body_md,
        bodyHtml: v.body_html,
        dateline: v.dateline,
        deskId: v.desk_id,
        authorIds: JSON.parse(v.authors_json) as string[],
        tags: JSON.parse(v.tags_json) as string[],
        wordCount: v.word_count,
        note: v.note,
        createdBy: v.created_by,
        createdAt: v.created_at,
      };
    },
  );

  const storyAction = <B extends TSchema>(path: string, summary: string, body: B | null, run: (actor: Actor, id: string, body: Static<B>) => Promise<StoryT>) =>
    app.post<{ Params: Id; Body: Static<B> }>(
      `/stories/:id/${path}`,
      {
        schema: { tags: ['stories'], summary, params: S.IdParams, ...(body ? { body } : {}), response: responses({ 200: S.Story }) },
      },
      async (request) => withUrl(await run(apiActor(request), request.params.id, request.body)),
    );

  storyAction('publish', 'Publish now', null, (actor, id) => services.stories.publish(actor, id));
  storyAction('schedule', 'Schedule publication', S.ScheduleBody, (actor, id, b) => services.stories.schedule(actor, id, b.at));
  storyAction('unschedule', 'Cancel a scheduled publication (back to draft)', null, (actor, id) => services.stories.unschedule(actor, id));
  storyAction('corrections', 'Publish a correction (optionally with a corrected body)', S.CorrectionBody, (actor, id, b) =>
    services.stories.amend(actor, id, 'correction', b.text, b.body),
  );
  storyAction('updates', "Publish an update with an editor's note (optionally with a new body)", S.UpdateBody, (actor, id, b) =>
    services.stories.amend(actor, id, 'update', b.note, b.body),
  );
  storyAction('withdraw', 'Withdraw ("kill") the story: its page answers 410 and partners are told', S.WithdrawBody, (actor, id, b) =>
    services.stories.withdraw(actor, id, b.reason),
  );

  app.get<{ Params: Id }>(
    '/stories/:id/recipients',
    {
      schema: {
        tags: ['stories'],
        summary: 'Partners who had the story (editors, admins)',
        description:
          'Every partner the story reached — through the content API, a partner feed, a delivered webhook, or pixel hits from its pages — ' +
          'with the version and time it last reached them and when they acknowledged the latest correction or withdrawal.',
        params: S.IdParams,
        response: responses({ 200: StoryRecipients }),
      },
    },
    async (request) => {
      assertCan(apiActor(request), 'partners.review');
      const story = await services.stories.get(request.params.id);
      return { items: await storyRecipients(db, story.id) };
    },
  );

  // ---- license profiles and image rights -------------------------------------------------------

  const profileOut = async (profile: LicenseProfileT, defaultId?: string) => ({
    ...profile,
    isDefault: profile.id === (defaultId ?? (await services.licenseProfiles.defaultProfile()).id),
    description: services.licenseProfiles.describe(profile),
  });
  const profileBySlug = async (slug: string) => {
    const profile = await services.licenseProfiles.getBySlug(slug);
    if (!profile) throw new AppError('NOT_FOUND', `No license profile has the slug "${slug.slice(0, 100)}".`);
    return profile;
  };

  app.get(
    '/license-profiles',
    { schema: { tags: ['license profiles'], summary: 'List license profiles (the terms stories carry)', response: responses({ 200: S.ItemsOf(S.LicenseProfile) }) } },
    async () => {
      const [profiles, fallback] = await Promise.all([services.licenseProfiles.list(), services.licenseProfiles.defaultProfile()]);
      return { items: await Promise.all(profiles.map((p) => profileOut(p, fallback.id))) };
    },
  );

  app.post<{ Body: Static<typeof S.LicenseProfileCreateBody>; Headers: IdemHeaders }>(
    '/license-profiles',
    {
      schema: {
        tags: ['license profiles'],
        summary: 'Create a license profile (admins)',
        headers: S.IdempotencyHeaders,
        body: S.LicenseProfileCreateBody,
        response: responses({ 201: S.LicenseProfile }),
      },
    },
    async (request, reply) => {
      const actor = apiActor(request);
      return created(request, reply, actor, async () => profileOut(await services.licenseProfiles.create(actor, request.body)));
    },
  );

  app.patch<{ Params: Slug; Body: Static<typeof S.LicenseProfilePatchBody> }>(
    '/license-profiles/:slug',
    {
      schema: {
        tags: ['license profiles'],
        summary: 'Change a license profile (admins); every story under it follows at once',
        params: S.SlugParams,
        body: S.LicenseProfilePatchBody,
        response: responses({ 200: S.LicenseProfile }),
      },
    },
    async (request) => {
      const profile = await profileBySlug(request.params.slug);
      return profileOut(await services.licenseProfiles.update(apiActor(request), profile.id, request.body));
    },
  );

  app.post<{ Params: Slug }>(
    '/license-profiles/:slug/default',
    {
      schema: {
        tags: ['license profiles'],
        summary: 'Make this the default profile (admins): stories without their own follow it',
        params: S.SlugParams,
        response: responses({ 200: S.LicenseProfile }),
      },
    },
    async (request) => {
      const profile = await profileBySlug(request.params.slug);
      await services.licenseProfiles.setDefault(apiActor(request), profile.id);
      return profileOut(profile);
    },
  );

  app.patch<{ Params: Id; Body: Static<typeof S.MediaPatchBody> }>(
    '/media/:id',
    {
      schema: {
        tags: ['media'],
        summary: "Set an image's rights (editors, admins): a license profile overriding the story's, its credit and alt text",
        params: S.IdParams,
        body: S.MediaPatchBody,
        response: responses({ 200: S.MediaRights }),
      },
    },
    async (request) => services.licenseProfiles.updateImageRights(apiActor(request), request.params.id, request.body),
  );

  // ---- users ----------------------------------------------------------------------------------

  app.get('/users', { schema: { tags: ['users'], summary: 'List users (admins)', response: responses({ 200: S.ItemsOf(S.User) }) } }, async (request) => {
    assertCan(apiActor(request), 'users.manage');
    return { items: await services.users.list() };
  });

  app.post<{ Body: Static<typeof S.UserCreateBody>; Headers: IdemHeaders }>(
    '/users',
    {
      schema: { tags: ['users'], summary: 'Create a user (admins)', headers: S.IdempotencyHeaders, body: S.UserCreateBody, response: responses({ 201: S.User }) },
    },
    async (request, reply) => {
      const actor = apiActor(request);
      return created(request, reply, actor, () => services.users.create(actor, request.body));
    },
  );

  app.patch<{ Params: Id; Body: Static<typeof S.UserPatchBody> }>(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Change a user (admins); disabling ends their sessions and revokes their tokens',
        params: S.IdParams,
        body: S.UserPatchBody,
        response: responses({ 200: S.User }),
      },
    },
    async (request) => {
      const { tipsAccess, ...rest } = request.body;
      const actor = apiActor(request);
      let user = tipsAccess === undefined || Object.keys(rest).length > 0 ? await services.users.update(actor, request.params.id, rest) : undefined;
      if (tipsAccess !== undefined) user = await services.users.setTipsAccess(actor, request.params.id, tipsAccess);
      return user;
    },
  );

  // ---- settings -------------------------------------------------------------------------------

  app.get('/settings', { schema: { tags: ['settings'], summary: 'Site settings', response: responses({ 200: S.SiteSettings }) } }, async () =>
    services.settings.get(),
  );

  app.patch<{ Body: Static<typeof S.SettingsPatchBody> }>(
    '/settings',
    { schema: { tags: ['settings'], summary: 'Change site settings (admins)', body: S.SettingsPatchBody, response: responses({ 200: S.SiteSettings }) } },
    async (request) => services.settings.update(apiActor(request), request.body),
  );

  // ---- audit ----------------------------------------------------------------------------------

  app.get<{ Querystring: S.AuditQueryT }>(
    '/audit',
    { schema: { tags: ['audit'], summary: 'Audit log, newest first (editors and admins)', querystring: S.AuditQuery, response: responses({ 200: S.AuditPage }) } },
    async (request) => {
      assertCan(apiActor(request), 'audit.read');
      const limit = request.query.limit ?? 50;
      const items = await listAudit(db, { limit, before: request.query.before || undefined });
      return { items, nextBefore: items.length === limit ? items[items.length - 1]!.id : null };
    },
  );

  // ---- API tokens -----------------------------------------------------------------------------

  app.get('/tokens', { schema: { tags: ['tokens'], summary: 'Your API tokens', response: responses({ 200: S.ItemsOf(S.ApiToken) }) } }, async (request) => {
    const actor = apiActor(request);
    const rows = await services.users.listTokens(actorId(actor));
    return {
      items: rows.map((t) => ({ id: t.id, name: t.name, prefix: t.prefix, createdAt: t.created_at, lastUsedAt: t.last_used_at, revokedAt: t.revoked_at })),
    };
  });

  app.post<{ Body: Static<typeof S.TokenCreateBody>; Headers: IdemHeaders }>(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token for yourself (the secret is shown once)',
        headers: S.IdempotencyHeaders,
        body: S.TokenCreateBody,
        response: responses({ 201: S.CreatedToken }),
      },
    },
    async (request, reply) => {
      const actor = apiActor(request);
      return withIdempotency(db, dialect, request, reply, actorId(actor), async () => {
        const t = await services.users.createToken(actor, actorId(actor), request.body.name);
        // The secret is stored only as a hash, so a replay cannot (and must not) repeat it.
        return { status: 201, body: t, stored: { id: t.id } };
      });
    },
  );

  app.delete<{ Params: Id }>(
    '/tokens/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke a token (yours; admins: anyone’s)', params: S.IdParams, response: responses({ 204: S.NoContent }) } },
    async (request, reply) => {
      await services.users.revokeToken(apiActor(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: Id }>(
    '/users/:id/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke every active API token of a user at once (admins); audit-logged',
        params: S.IdParams,
        response: responses({ 200: S.RevokedTokens }),
      },
    },
    async (request) => ({ revoked: await services.users.revokeAllTokens(apiActor(request), request.params.id) }),
  );
}
