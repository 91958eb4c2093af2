/**
 * The partners' content API under /api/v1: stories as IPTC ninjs, for a partner's own systems.
 *
 *   GET /api/v1/stories?since=<cursor>&desk=&tag=&q=&limit=   the change list (see access.ts)
 *   GET /api/v1/stories/{id}                                 one story
 *
 * Authorization: `Bearer <partner API key>`. Keys are looked up on every request, so a revoked
 * key (401) or a suspended partner (403) stops working at once.
 *
 * Rate limits (config.apiRateLimitPerMinute) are per partner, not per key: a partner cannot
 * multiply its allowance by creating keys. They are checked before the key is looked up, so a
 * client over its allowance costs no database work: a key this node has already seen belongs to
 * a known partner (remembered by the key's hash), and anything else — no key, a malformed key, a
 * key not seen yet — counts against the caller's address first. A key that proves valid then
 * counts against its partner as well.
 *
 * ninjs 2.2 by default; 3.1 with `?ninjs=3` (or 3.1) or an Accept header whose profile names
 * ninjs 3, e.g. `Accept: application/json; profile="http://iptc.org/std/ninjs/3.1"`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type {} from '@fastify/rate-limit';
import type {} from '@fastify/swagger';
import type { Services } from '../services.js';
import type { Partner } from '../partners/partners.service.js';
import { AppError } from '../errors.js';
import { sha256Hex } from '../util/ids.js';
import { typeboxValidatorCompiler } from '../api/validation.js';
import { ErrorResponse } from '../api/schemas.js';
import { CANCEL_GRACE_DAYS, decodeCursor, encodeCursor, notAvailable, START, type AccessGrants } from './access.js';
import { inForce, licenseDate, type License } from '../licensing/licenses.js';
import { jsonArray, NinjsCache, RecentReceipts } from './ninjs-cache.js';
import { PollCache } from './poll-cache.js';
import { recordReceipts } from '../notices/ledger.js';
import { registerAcknowledgeApi } from '../notices/acknowledge.js';
import { NINJS_22_SCHEMA, NINJS_31_SCHEMA, type NinjsVersion } from './ninjs.js';
import { registerWebhookApi } from '../webhooks/api.routes.js';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

const NinjsParam = Type.Union([Type.Literal('2'), Type.Literal('2.2'), Type.Literal('3'), Type.Literal('3.1')], {
  description: 'ninjs version of the documents: 2 or 2.2 (default), 3 or 3.1. Overrides the Accept header.',
});

const ListQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'The `next` value of your previous response. Leave it out to start from the oldest story available to you.',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `Stories per page, 1–${MAX_LIMIT} (default ${DEFAULT_LIMIT}).` })),
    desk: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'Only stories of this desk (its slug, e.g. `environment`).' })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'Only stories with this tag (its slug, e.g. `water`).' })),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Only stories matching these words.' })),
    ninjs: Type.Optional(NinjsParam),
  },
  { additionalProperties: false },
);

const OneQuery = Type.Object({ ninjs: Type.Optional(NinjsParam) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'Story id (the last part of the document’s `uri`).' }) });

const NinjsDocument = Type.Object(
  {
    uri: Type.String({ format: 'uri', description: 'Stable identifier of the story: it never changes, even if the headline or address does.' }),
    version: Type.String({ description: 'New on every public change (update, correction, end of embargo, withdrawal).' }),
    pubstatus: Type.Optional(Type.String({ description: 'ninjs 2.2: usable, withheld (embargoed: hold, do not publish yet) or canceled (withdrawn: take it down).' })),
    pubStatus: Type.Optional(Type.String({ description: 'ninjs 3.1: as pubstatus.' })),
  },
  {
    additionalProperties: true,
    title: 'ninjs',
    description:
      'An IPTC ninjs 2.2 (http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json) or 3.1 (…/ninjs-schema_3.1.json) document. ' +
      'The HTML body carries the credit line, a link to the original and, where the license asks, a 1×1 pixel: publish it as it is.',
  },
);

const StoryList = Type.Object(
  {
    ninjsVersion: Type.Union([Type.Literal('2.2'), Type.Literal('3.1')]),
    items: Type.Array(NinjsDocument, { description: 'Changed stories, oldest change first; each story once, at its latest version.' }),
    next: Type.String({ description: 'Pass as `since` next time. When `more` is false you are up to date: poll again later with it.' }),
    more: Type.Boolean({ description: 'True when more changes are waiting: ask again at once with `next`.' }),
  },
  { description: 'Changed stories as ninjs, and the cursor for the next poll' },
);

const SECURITY = [{ bearerAuth: [] }];
const errors = { '4xx': ErrorResponse };

const AUTH_DESCRIPTION =
  'Authenticate with `Authorization: Bearer <partner API key>` (create keys in the partner portal). ' +
  '401: missing, unknown or revoked key. 403: the partner account is not approved (pending, rejected or suspended). ' +
  '429: over your rate limit (per partner, whatever the key); wait for the seconds in `Retry-After`.';

const partners = new WeakMap<FastifyRequest, Partner>();

/**
 * The approved partner whose key authenticated this request. Every route registered in the
 * content API's scope (this file's, the webhook API's, acknowledgements) runs after the key check
 * and shares the partner's rate limit; this is how they learn whose request it is.
 */
export function partnerOf(request: FastifyRequest): Partner {
  const p = partners.get(request);
  if (!p) throw new AppError('UNAUTHENTICATED', 'Send your partner API key as "Authorization: Bearer <key>".');
  return p;
}

/** The shape of the keys the partner portal creates: `fwp_` and 32 random bytes in base64url. */
const PARTNER_KEY = /^fwp_[A-Za-z0-9_-]{43}$/;

/**
 * Which partner a key (by its hash) belonged to when last looked up, for choosing its rate-limit
 * bucket before the lookup. It never grants access: every request is still checked against the
 * database. Bounded; the oldest entries go first.
 */
class KnownKeys {
  private readonly map = new Map<string, string>();
  constructor(private readonly max = 10_000) {}
  get(hash: string): string | undefined {
    return this.map.get(hash);
  }
  set(hash: string, partnerId: string): void {
    this.map.delete(hash);
    this.map.set(hash, partnerId);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  delete(hash: string): void {
    this.map.delete(hash);
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  return m?.[1];
}

/** The ninjs version asked for by ?ninjs= (first) or by the Accept header's profile. */
export function requestedVersion(param: string | undefined, accept: string | undefined): NinjsVersion {
  if (param) return param.startsWith('3') ? '3.1' : '2.2';
  for (const m of (accept ?? '').matchAll(/profile\s*=\s*(?:"([^"]*)"|([^\s,;]+))/gi)) {
    const profile = m[1] ?? m[2] ?? '';
    const i = profile.toLowerCase().lastIndexOf('ninjs');
    if (i < 0) continue;
    const major = /(\d+)(?:\.\d+)*/.exec(profile.slice(i + 5))?.[1];
    if (major === '3') return '3.1';
    if (major === '2') return '2.2';
  }
  return '2.2';
}

/** Who to contact about a license: the licensing contact, else the page that takes inquiries. */
async function licensingContact(services: Services): Promise<string> {
  const contact = (await services.settings.get()).licensingContact.trim();
  return contact !== '' ? contact : `${services.config.publicUrl}/license`;
}

/** 403 naming a license that is not in force: the one that ended last, or the one that starts first. */
export async function licenseNotInForce(services: Services, license: License | undefined, now: Date): Promise<AppError> {
  const contact = await licensingContact(services);
  if (!license) return new AppError('FORBIDDEN', `Your account holds no license, so this API gives no stories. To license our stories, contact ${contact}.`);
  if (license.startsAt > now.toISOString()) {
    return new AppError('FORBIDDEN', `Your license ${license.reference} starts on ${licenseDate(license.startsAt)}; until then it gives no stories. Questions: contact ${contact}.`);
  }
  return new AppError('FORBIDDEN', `Your license ${license.reference} ended on ${licenseDate(license.endsAt ?? now.toISOString())}, so it no longer gives access to stories. To renew it, contact ${contact}.`);
}

/**
 * For a licensee with no license in force: the refusal, naming the license concerned. Undefined
 * when the partner has access (the free program or a license in force) and, for `list`, while a
 * license that cancels ended less than CANCEL_GRACE_DAYS ago: the change list then carries only
 * its cancellations, which the licensee's systems need to take the stories down.
 */
export async function licenseRefusal(services: Services, partner: Pick<Partner, 'kind'>, grants: AccessGrants, now: Date, list: boolean): Promise<AppError | undefined> {
  if (partner.kind !== 'licensee' || grants.licenses.some((l) => inForce(l, now))) return undefined;
  const at = now.toISOString();
  const ended = grants.licenses.filter((l) => l.endsAt !== null && l.endsAt <= at).sort((a, b) => (a.endsAt! < b.endsAt! ? 1 : -1));
  const grace = new Date(now.getTime() - CANCEL_GRACE_DAYS * 86_400_000).toISOString();
  if (list && ended.some((l) => l.onEnd === 'cancel' && l.endsAt! > grace)) return undefined;
  const scheduled = grants.licenses.filter((l) => l.startsAt > at).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return licenseNotInForce(services, scheduled[0] ?? ended[0], now);
}

const schemaOf = (v: NinjsVersion) => (v === '3.1' ? NINJS_31_SCHEMA : NINJS_22_SCHEMA);

function rejectNul(value: unknown): void {
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && v.includes('\u0000')) {
      throw new AppError('VALIDATION', 'The request is not valid.', { details: { [k]: ['must not contain NUL characters'] } });
    }
  }
}

export async function registerContentApi(app: FastifyInstance, services: Services): Promise<void> {
  app.setValidatorCompiler(typeboxValidatorCompiler);
  // The response schemas document the API; ninjs documents must reach the partner whole.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // One limiter, two kinds of allowance: `partner:<id>` and `ip:<address>`. The bucket is chosen
  // per request (limitKeys) before the hook runs.
  const limitKeys = new WeakMap<FastifyRequest, string>();
  const limiter = app.rateLimit({
    max: services.config.apiRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => limitKeys.get(request) ?? `ip:${request.ip}`,
  }) as unknown as onRequestAsyncHookHandler;
  const charge = async (request: FastifyRequest, reply: FastifyReply, bucket: string) => {
    limitKeys.set(request, bucket);
    await limiter.call(app, request, reply);
  };
  const knownKeys = new KnownKeys();
  const documents = new NinjsCache();
  const polls = new PollCache();
  const receipts = new RecentReceipts();
  const record = async (request: FastifyRequest, partnerId: string, items: Array<{ storyId: string; version: string }>) => {
    const due = receipts.due(partnerId, 'api', items);
    if (due.length > 0) await recordReceipts(services.database.db, request.log, partnerId, 'api', due);
  };

  app.addHook('onRequest', async (request, reply) => {
    const key = bearer(request);
    if (!key || !PARTNER_KEY.test(key)) {
      await charge(request, reply, `ip:${request.ip}`);
      reply.header('WWW-Authenticate', key ? 'Bearer realm="Freewire content API", error="invalid_token"' : 'Bearer realm="Freewire content API"');
      throw key
        ? new AppError('UNAUTHENTICATED', 'This API key is not valid or has been revoked. Create a new one in the partner portal.')
        : new AppError('UNAUTHENTICATED', 'Send your partner API key as "Authorization: Bearer <key>".');
    }
    // Only a hash of the key is kept in memory, like in the database.
    const hash = sha256Hex(key);
    const knownPartner = knownKeys.get(hash);
    await charge(request, reply, knownPartner ? `partner:${knownPartner}` : `ip:${request.ip}`);
    const resolved = await services.partners.resolveApiKey(key);
    if (!resolved) {
      knownKeys.delete(hash);
      reply.header('WWW-Authenticate', 'Bearer realm="Freewire content API", error="invalid_token"');
      throw new AppError('UNAUTHENTICATED', 'This API key is not valid or has been revoked. Create a new one in the partner portal.');
    }
    const { partner } = resolved;
    if (knownPartner !== partner.id) {
      knownKeys.set(hash, partner.id);
      await charge(request, reply, `partner:${partner.id}`);
    }
    switch (partner.status) {
      case 'approved':
        break;
      case 'suspended':
        throw new AppError('FORBIDDEN', 'Your partner account is suspended, so API access is paused. Contact the newsroom to have it restored.');
      case 'pending':
        throw new AppError('FORBIDDEN', 'Your application is still being reviewed; the API opens once it is approved.');
      default:
        throw new AppError('FORBIDDEN', 'Your application was not approved, so this key gives no access.');
    }
    partners.set(request, partner);
    // Answers differ per partner and change with every poll.
    reply.header('Cache-Control', 'private, no-store');
    reply.header('Vary', 'Accept, Authorization');
  });
  app.addHook('preValidation', async (request) => {
    rejectNul(request.query);
    rejectNul(request.params);
    // Query conversion would read "1.5" or "1e1" as a number; a page size is written in digits.
    const limit = (request.query as Record<string, unknown> | undefined)?.limit;
    if (typeof limit === 'string' && !/^\d{1,6}$/.test(limit)) {
      throw new AppError('VALIDATION', 'The request is not valid.', { details: { limit: [`must be a whole number from 1 to ${MAX_LIMIT}`] } });
    }
  });

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/stories',
    {
      schema: {
        tags: ['Content API'],
        summary: 'Stories changed since your last poll (ninjs)',
        description:
          'The stories available to you, ordered by when they last changed for you: publication, update, correction, withdrawal, ' +
          'the end of an embargo, or the moment a delayed free release reached you. Poll with the `next` cursor and you miss nothing: ' +
          'a changed story comes again with a higher `version`; a withdrawn one comes as `pubstatus: canceled` (take it down). ' +
          'Changes appear a few seconds after they happen. A license that starts brings the stories it covers at its start; ' +
          'one whose terms say its stories must be taken down when it ends sends them as `canceled` at its end (and this list stays ' +
          `open for ${CANCEL_GRACE_DAYS} days after it for that). A licensee with no license in force gets 403 naming its license.\n\n` +
          AUTH_DESCRIPTION,
        security: SECURITY,
        querystring: ListQuery,
        response: { 200: StoryList, ...errors },
      },
    },
    async (request, reply) => {
      const partner = partnerOf(request);
      const query = request.query;
      const version = requestedVersion(query.ninjs, request.headers.accept);
      const cursor = query.since === undefined || query.since === '' ? START : decodeCursor(query.since);
      if (!cursor) {
        throw new AppError('VALIDATION', 'The since cursor is not one this API gave out.', {
          details: { since: ['must be the `next` value of an earlier response (or left out to start from the beginning)'] },
        });
      }
      let deskId: string | undefined;
      if (query.desk !== undefined) {
        const desk = await services.desks.getBySlug(query.desk);
        if (!desk) throw new AppError('VALIDATION', `No desk has the slug "${query.desk.slice(0, 100)}".`, { details: { desk: ['is not a desk of this newsroom'] } });
        deskId = desk.id;
      }
      let tagName: string | undefined;
      if (query.tag !== undefined) {
        const tag = await services.publicStories.tagBySlug(query.tag);
        if (!tag) throw new AppError('VALIDATION', `No tag has the slug "${query.tag.slice(0, 100)}".`, { details: { tag: ['is not a tag of this newsroom'] } });
        tagName = tag.name;
      }
      const q = query.q?.trim() ? query.q.trim() : undefined;
      const access = services.partnerAccess;
      const grants = await access.grants(partner);
      const refused = await licenseRefusal(services, partner, grants, access.now(), true);
      if (refused) throw refused;
      // The request (its path and query, the ninjs version asked for) and everything the partner
      // holds now: an answer made under other grants is never served (see poll-cache.ts).
      const key = `${partner.id}\n${partner.kind}\n${version}\n${request.url}\n${JSON.stringify(grants.licenses)}`;
      const answer = await polls.answer(key, services.changes.current(), access.now().getTime(), async () => {
        const page = await access.changes(grants, cursor, query.limit ?? DEFAULT_LIMIT, { deskId, tagName, q });
        const docs = await documents.documents(services, partner, page.entries, version, access.now());
        return {
          // The same text JSON.stringify would make of { ninjsVersion, items, next, more }, joined
          // from the documents' cached JSON instead of serialising them again.
          body: Buffer.concat([
            Buffer.from(`{"ninjsVersion":${JSON.stringify(version)},"items":[`),
            ...jsonArray(docs),
            Buffer.from(`],"next":${JSON.stringify(encodeCursor(page.next))},"more":${page.more}}`),
          ]),
          receipts: docs.map((d) => ({ storyId: d.entry.storyId, version: d.entry.version })),
        };
      });
      await record(request, partner.id, answer.receipts);
      reply.type('application/json; charset=utf-8');
      return reply.send(answer.body);
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof OneQuery> }>(
    '/stories/:id',
    {
      schema: {
        tags: ['Content API'],
        summary: 'One story (ninjs)',
        description:
          'The story as you may have it now: `usable`, `withheld` while embargoed (prepare it, do not publish before `embargoed`), ' +
          'or `canceled` when withdrawn. 404 when there is no such story or it is not (yet) available to you; ' +
          '403 naming your license when only a license that has ended (or not yet started) covers it.\n\n' +
          AUTH_DESCRIPTION,
        security: SECURITY,
        params: IdParams,
        querystring: OneQuery,
        response: { 200: NinjsDocument, ...errors },
      },
    },
    async (request, reply) => {
      const partner = partnerOf(request);
      const version = requestedVersion(request.query.ninjs, request.headers.accept);
      const access = services.partnerAccess;
      const now = access.now();
      const grants = await access.grants(partner);
      const refused = await licenseRefusal(services, partner, grants, now, false);
      if (refused) throw refused;
      const entry = await access.story(grants, request.params.id);
      if (!entry || entry.endedLicense) {
        // Covered by a license that has ended (or not yet started), and by nothing else now.
        const idle = await access.licenseOutOfForce(grants, request.params.id);
        if (idle) throw await licenseNotInForce(services, idle, now);
        throw notAvailable();
      }
      const [doc] = await documents.documents(services, partner, [entry], version, access.now());
      if (!doc) throw notAvailable();
      await record(request, partner.id, [{ storyId: entry.storyId, version: entry.version }]);
      reply.type(`application/json; charset=utf-8; profile="${schemaOf(version)}"`);
      return reply.send(doc.json);
    },
  );

  // Further partner API routes: they share this scope's key check, rate limit and error format.
  await registerWebhookApi(app, services);
  registerAcknowledgeApi(app, services);
}
