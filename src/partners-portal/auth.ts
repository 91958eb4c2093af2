/**
 * Who is asking in the partner portal. The portal has its own cookie (fw_partner, scoped to
 * /partners so it never travels to the newsroom or the reader site) and its own CSRF check:
 * a staff session is not a partner session, and the staff CSRF token means nothing here.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { CSRF_COOKIE, CSRF_FIELD, csrfToken as preLoginCsrfToken } from '../http/csrf.js';
import type { Partner } from '../partners/partners.service.js';
import type { Services } from '../services.js';
import type { PartnerUser } from './accounts.service.js';

export const PARTNER_COOKIE = 'fw_partner';
export const PORTAL_PATH = '/partners';

export interface PartnerContext {
  user: PartnerUser;
  partner: Partner;
  csrfToken: string;
  sessionId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    partnerSession: PartnerContext | null;
  }
}

export function partnerCookieOptions(secure: boolean, maxAgeSeconds?: number) {
  return { path: PORTAL_PATH, httpOnly: true, sameSite: 'lax' as const, secure, ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) };
}

/** preHandler for every portal route: resolves the portal cookie into request.partnerSession. */
export function loadPartner(services: Services) {
  return async (request: FastifyRequest): Promise<void> => {
    request.partnerSession = null;
    const token = request.cookies[PARTNER_COOKIE];
    if (!token) return;
    const s = await services.partnerAccounts.resolveSession(token);
    if (s) request.partnerSession = s;
  };
}

/** preHandler for portal pages that need a login: redirects to the portal's login page. */
export async function requirePartnerPage(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.partnerSession) {
    const next = encodeURIComponent(request.method === 'GET' ? request.url.slice(0, 500) : PORTAL_PATH);
    await reply.redirect(`${PORTAL_PATH}/login?next=${next}`, 303);
  }
}

/**
 * preHandler for pages that hand out content or credentials (stories, keys, feeds): only an
 * approved partner may use them. A suspended partner's people can still sign in and read why
 * on the dashboard; everything else answers with that notice instead.
 */
export async function requireApprovedPartner(request: FastifyRequest): Promise<void> {
  const s = request.partnerSession;
  if (!s) return; // requirePartnerPage has already redirected
  if (s.partner.status !== 'approved') {
    throw new AppError('FORBIDDEN', statusNotice(s.partner.status));
  }
}

export function statusNotice(status: Partner['status']): string {
  switch (status) {
    case 'suspended':
      return 'Your outlet’s partnership is suspended, so stories, API keys and feeds are not available. Contact the newsroom to resolve it.';
    case 'pending':
      return 'Your outlet’s application is still being reviewed, so stories, API keys and feeds are not available yet.';
    case 'rejected':
      return 'Your outlet’s application was not approved, so stories, API keys and feeds are not available.';
    default:
      return '';
  }
}

export function partnerSession(request: FastifyRequest): PartnerContext {
  if (!request.partnerSession) throw new AppError('UNAUTHENTICATED', 'Log in to the partner portal first.');
  return request.partnerSession;
}

/** The token to embed in a portal form: the session's own, or the pre-login double-submit cookie. */
export function portalCsrfToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  if (request.partnerSession) return request.partnerSession.csrfToken;
  return preLoginCsrfToken(request, reply, secure);
}

function same(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

function submitted(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | undefined;
  const field = body && typeof body === 'object' ? body[CSRF_FIELD] : undefined;
  return typeof field === 'string' ? field : undefined;
}

/**
 * preHandler for every state-changing portal route. Signed in: the partner session's token.
 * Before sign-in (login, accepting an invitation): the double-submit cookie of src/http/csrf.ts.
 */
export async function verifyPartnerCsrf(request: FastifyRequest): Promise<void> {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const sent = submitted(request);
  const expected = request.partnerSession ? request.partnerSession.csrfToken : request.cookies[CSRF_COOKIE];
  if (!sent || !expected || !same(sent, expected)) {
    throw new AppError('CSRF', 'This form has expired or did not come from this site. Reload the page and try again.');
  }
}
