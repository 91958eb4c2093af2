/**
 * CSRF protection for every form. Logged-in forms carry the session's token; forms shown before
 * login (the login form itself) use a double-submit cookie. Tokens are compared in constant time.
 * JSON calls from our own pages send the token in the X-CSRF-Token header.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { randomToken } from '../util/ids.js';

export const CSRF_COOKIE = 'fw_csrf';
export const CSRF_FIELD = '_csrf';

function same(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** The token to embed in a form for this request (sets the pre-login cookie when needed). */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  if (request.staff) return request.staff.csrfToken;
  let token = request.cookies[CSRF_COOKIE];
  if (!token || token.length < 20 || token.length > 100) {
    token = randomToken();
    reply.setCookie(CSRF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  }
  return token;
}

function submitted(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | undefined;
  const field = body && typeof body === 'object' ? body[CSRF_FIELD] : undefined;
  if (typeof field === 'string') return field;
  // Multipart bodies are never parsed before the handler (see src/http/multipart.ts).
  return undefined;
}

/** Whether `sent` is this request's CSRF token (the session's, or the pre-login cookie's). */
export function csrfMatches(request: FastifyRequest, sent: string | undefined): boolean {
  const expected = request.staff ? request.staff.csrfToken : request.cookies[CSRF_COOKIE];
  return !!sent && !!expected && same(sent, expected);
}

export function csrfError(): AppError {
  return new AppError('CSRF', 'This form has expired or did not come from this site. Reload the page and try again.');
}

/** preHandler for every state-changing newsroom route. */
export async function verifyCsrf(request: FastifyRequest): Promise<void> {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  if (!csrfMatches(request, submitted(request))) throw csrfError();
}
