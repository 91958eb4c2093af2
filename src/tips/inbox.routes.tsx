/**
 * The newsroom's tip line pages and the JSON the inbox script reads and writes:
 *
 *   GET  /newsroom/tips                                  inbox shell (tips.read; others get a 403 page saying who grants it)
 *   GET  /newsroom/tips/setup                            key setup and rotation (tips.setup)
 *   GET  /newsroom/tips/keys                             every key record, sealed (tips.read)
 *   POST /newsroom/tips/keys                             {key, rotate} a record made in the browser (tips.setup)
 *   GET  /newsroom/tips/readers                          who may be assigned (tips.read)
 *   GET  /newsroom/tips/conversations                    list: ?status=&label=&assignee=&page=
 *   GET  /newsroom/tips/conversations/:id                one conversation, messages as base64 ciphertext
 *   POST /newsroom/tips/conversations/:id                {revision, status?, labels?, assigneeId?}
 *   POST /newsroom/tips/conversations/:id/replies        {keyId, sealed, sealedForSource}
 *   POST /newsroom/tips/conversations/:id/delete
 *   GET  /newsroom/tips/conversations/:id/attachments/:attachmentId   ciphertext bytes
 *
 * Registered in the staff scope (the session is resolved). Services check `tips.read` again on
 * every call; mutations need the session's CSRF token (X-CSRF-Token). Every response here is
 * uncacheable, sends no referrer and carries the tip CSP (WebAssembly for libsodium).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { requireStaffPage } from '../http/auth.js';
import { verifyCsrf } from '../http/csrf.js';
import { TIP_CONTENT_SECURITY_POLICY } from '../http/security.js';
import { AppError } from '../errors.js';
import { param, query, requirePermission, requireStaffJson, staff } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import type { Services } from '../services.js';
import { assertCan, can } from '../users/permissions.js';
import { TipInbox } from './inbox.service.js';
import { TipInboxPage, TipNoAccessPage } from './pages/inbox-page.js';
import { TipSetupPage } from './pages/setup-page.js';

/** Two sealed copies of a reply of up to MAX_TEXT characters, in base64, with room to spare. */
const REPLY_BODY_LIMIT = 4 * 1024 * 1024;

export async function registerTipsInboxRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const inbox = new TipInbox(services);

  await app.register(async (scope) => {
    scope.addHook('onSend', (_request, reply, payload, done) => {
      reply.header('Cache-Control', 'no-store');
      reply.header('Referrer-Policy', 'no-referrer');
      reply.header('Content-Security-Policy', TIP_CONTENT_SECURITY_POLICY);
      done(null, payload);
    });

    const page = { preHandler: [requireStaffPage] };
    const json = { preHandler: [requireStaffJson] };
    const mutation = { preHandler: [requireStaffJson, verifyCsrf] };
    const actor = (request: FastifyRequest) => staff(request).actor;

    scope.get('/newsroom/tips', page, async (request: FastifyRequest, reply: FastifyReply) => {
      const s = staff(request);
      if (!can(s.actor, 'tips.read')) {
        return renderPage(services, request, reply, { title: 'Tips', section: 'tips', status: 403 }, h(TipNoAccessPage, { isAdmin: can(s.actor, 'tips.setup') }));
      }
      const hasKey = (await services.tipKeys.active()) !== undefined;
      return renderPage(
        services,
        request,
        reply,
        { title: 'Tips', section: 'tips', wide: true },
        h(TipInboxPage, { csrf: s.csrfToken, userId: s.user.id, canSetup: can(s.actor, 'tips.setup'), hasKey }),
      );
    });

    scope.get('/newsroom/tips/setup', { preHandler: [requireStaffPage, requirePermission('tips.setup')] }, async (request: FastifyRequest, reply: FastifyReply) => {
      const s = staff(request);
      const keys = await services.tipKeys.list();
      return renderPage(
        services,
        request,
        reply,
        { title: 'Tip line setup', section: 'tips' },
        h(TipSetupPage, { keys, csrf: s.csrfToken, canRead: can(s.actor, 'tips.read'), done: query(request, 'done') === '1' }),
      );
    });

    scope.get('/newsroom/tips/keys', json, async (request: FastifyRequest) => {
      assertCan(actor(request), 'tips.read');
      return { items: await services.tipKeys.list() };
    });

    scope.post('/newsroom/tips/keys', mutation, async (request: FastifyRequest, reply: FastifyReply) => {
      const a = actor(request);
      assertCan(a, 'tips.setup');
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        throw new AppError('VALIDATION', 'Send the key record as JSON: {"key": {...}, "rotate": false}.', { details: { key: ['is required'] } });
      }
      const { key, rotate } = body as Record<string, unknown>;
      if (rotate !== undefined && typeof rotate !== 'boolean') throw new AppError('VALIDATION', 'rotate must be true or false.', { details: { rotate: ['must be true or false'] } });
      const info = await services.tipKeys.add(a, key, { rotate: rotate === true });
      return reply.code(201).send({ id: info.id, fingerprint: info.fingerprint, active: info.active, createdAt: info.createdAt });
    });

    scope.get('/newsroom/tips/readers', json, async (request: FastifyRequest) => ({ items: await inbox.readers(actor(request)) }));

    scope.get('/newsroom/tips/conversations', json, async (request: FastifyRequest) => {
      const q = (request.query ?? {}) as Record<string, unknown>;
      const one = (v: unknown) => (Array.isArray(v) ? v[0] : v);
      return inbox.list(actor(request), { status: one(q.status), label: one(q.label), assignee: one(q.assignee), page: one(q.page) });
    });

    scope.get('/newsroom/tips/conversations/:id', json, async (request: FastifyRequest) => inbox.get(actor(request), param(request, 'id')));

    scope.post('/newsroom/tips/conversations/:id', mutation, async (request: FastifyRequest) => inbox.update(actor(request), param(request, 'id'), request.body));

    scope.post('/newsroom/tips/conversations/:id/replies', { ...mutation, bodyLimit: REPLY_BODY_LIMIT }, async (request: FastifyRequest, reply: FastifyReply) => {
      const stored = await inbox.reply(actor(request), param(request, 'id'), request.body);
      return reply.code(201).send(stored);
    });

    scope.post('/newsroom/tips/conversations/:id/delete', mutation, async (request: FastifyRequest) => {
      await inbox.delete(actor(request), param(request, 'id'));
      return { deleted: true };
    });

    scope.get('/newsroom/tips/conversations/:id/attachments/:attachmentId', json, async (request: FastifyRequest, reply: FastifyReply) => {
      const data = await inbox.attachment(actor(request), param(request, 'id'), param(request, 'attachmentId'));
      // Ciphertext: only the inbox script, holding the key from the sealed message, can use it.
      return reply.type('application/octet-stream').header('Content-Disposition', 'attachment; filename="tip-attachment.bin"').send(data);
    });
  });
}
