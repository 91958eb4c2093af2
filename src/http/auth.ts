/**
 * Who is asking: staff sessions (cookie, newsroom UI) and API tokens (Bearer, Admin API).
 * Both resolve to a user whose role is then checked by the services' permission predicates.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { actorFor } from '../users/users.service.js';
import type { Actor } from '../users/permissions.js';

export const SESSION_COOKIE = 'fw_session';

export interface StaffContext {
  user: User;
  actor: Actor;
  csrfToken: string;
  sessionId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffContext | null;
    apiUser: User | null;
  }
}

export function sessionCookieOptions(secure: boolean, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) };
}

/** preHandler for staff pages: resolves the session cookie into request.staff. */
export function loadStaff(services: Services) {
  return async (request: FastifyRequest): Promise<void> => {
    request.staff = null;
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    const s = await services.users.resolveSession(token);
    if (s) request.staff = { user: s.user, actor: actorFor(s.user), csrfToken: s.csrfToken, sessionId: s.sessionId };
  };
}

/** preHandler for newsroom pages that need a login: redirects to the login page. */
export async function requireStaffPage(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.staff) {
    // After login, come back to the page — but not to a form's POST address, which has no page.
    const next = encodeURIComponent(request.method === 'GET' ? request.url.slice(0, 500) : '/newsroom');
    await reply.redirect(`/newsroom/login?next=${next}`, 303);
  }
}

export function staffActor(request: FastifyRequest): Actor {
  if (!request.staff) throw new AppError('UNAUTHENTICATED', 'Log in first.');
  return request.staff.actor;
}

/** preHandler for /api/admin: `Authorization: Bearer <token>`. */
export function requireApiToken(services: Services) {
  return async (request: FastifyRequest): Promise<void> => {
    request.apiUser = null;
    const header = request.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) {
      throw new AppError('UNAUTHENTICATED', 'Send an API token as "Authorization: Bearer <token>".', {
        help: 'Create a token with: npx freewire token create --user you@example.org',
      });
    }
    const user = await services.users.resolveToken(m[1]!);
    if (!user) throw new AppError('UNAUTHENTICATED', 'This API token is not valid (unknown, revoked, or its user is disabled).');
    request.apiUser = user;
  };
}

export function apiActor(request: FastifyRequest): Actor {
  if (!request.apiUser) throw new AppError('UNAUTHENTICATED', 'Missing API token.');
  return actorFor(request.apiUser);
}
