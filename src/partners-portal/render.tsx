/**
 * Rendering portal pages inside the portal frame, flash messages scoped to /partners, and the
 * post-login redirect check.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { sendHtml } from '../http/render.js';
import type { Services } from '../services.js';
import { PortalLayout, type PortalFlash, type PortalSection, type PortalViewer } from '../views/portal-layout.js';
import { PORTAL_PATH } from './auth.js';
import { PortalNoticeBanner, portalNotices } from '../notices/portal.js';

export interface PortalPageOptions {
  title: string;
  section: PortalSection;
  scripts?: string[];
  status?: number;
}

export const PORTAL_FLASH_COOKIE = 'fw_partner_flash';

/**
 * A message for the page after a redirect, in a short-lived cookie (not the query string) so a
 * reload or a shared URL does not repeat it.
 */
export function setPortalFlash(reply: FastifyReply, flash: PortalFlash, secure: boolean): void {
  reply.setCookie(PORTAL_FLASH_COOKIE, JSON.stringify(flash), { path: PORTAL_PATH, httpOnly: true, sameSite: 'lax', secure, maxAge: 60 });
}

/** Reads and clears the flash. The cookie is client-controlled: only plain text and local links survive. */
export function takePortalFlash(request: FastifyRequest, reply: FastifyReply): PortalFlash | undefined {
  const raw = request.cookies[PORTAL_FLASH_COOKIE];
  if (!raw) return undefined;
  reply.clearCookie(PORTAL_FLASH_COOKIE, { path: PORTAL_PATH });
  try {
    const v = JSON.parse(raw) as Partial<PortalFlash>;
    if (typeof v.text !== 'string' || !['success', 'info', 'error'].includes(String(v.kind))) return undefined;
    const flash: PortalFlash = { kind: v.kind as PortalFlash['kind'], text: v.text.slice(0, 500) };
    const link = v.link;
    if (link && typeof link.href === 'string' && typeof link.label === 'string' && /^\/(?!\/)/.test(link.href) && !link.href.includes('\\')) {
      flash.link = { href: link.href.slice(0, 500), label: link.label.slice(0, 100) };
    }
    return flash;
  } catch {
    return undefined;
  }
}

export function redirectWithPortalFlash(reply: FastifyReply, to: string, flash: PortalFlash, secure: boolean): FastifyReply {
  setPortalFlash(reply, flash, secure);
  return reply.redirect(to, 303);
}

/**
 * Where to go after login: only local portal pages, or the login form becomes an open redirect.
 */
export function safePortalNext(next: string): string {
  const fallback = PORTAL_PATH;
  if (!next || next.length > 500 || !next.startsWith(PORTAL_PATH) || next.includes('\\')) return fallback;
  try {
    const base = 'http://portal.invalid';
    const u = new URL(next, base);
    if (u.origin !== base) return fallback;
    if (u.pathname !== PORTAL_PATH && !u.pathname.startsWith(`${PORTAL_PATH}/`)) return fallback;
    if (/^\/partners\/(login|logout|invite|feed)(\/|$)/.test(u.pathname)) return fallback;
    return `${u.pathname}${u.search}`;
  } catch {
    return fallback;
  }
}

export function portalViewer(request: FastifyRequest): PortalViewer | null {
  const s = request.partnerSession;
  return s ? { name: s.user.name, email: s.user.email, outlet: s.partner.outlet, status: s.partner.status, csrf: s.csrfToken } : null;
}

export async function renderPortalPage(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  opts: PortalPageOptions,
  children: ComponentChildren,
): Promise<FastifyReply> {
  const [settings, notices] = await Promise.all([services.settings.get(), portalNotices(services, request, opts.section === 'dashboard')]);
  const flash = takePortalFlash(request, reply);
  const viewer = portalViewer(request);
  // Keys, feed links and partner details: never cache these anywhere.
  reply.header('Cache-Control', 'no-store');
  return sendHtml(
    reply,
    <PortalLayout
      title={opts.title}
      siteName={settings.siteName}
      language={settings.language}
      viewer={viewer}
      section={opts.section}
      flash={flash}
      scripts={opts.scripts}
      banner={notices && viewer && <PortalNoticeBanner notices={notices} csrf={viewer.csrf} next={request.method === 'GET' ? request.url : '/partners'} />}
    >
      {children}
    </PortalLayout>,
    opts.status ?? 200,
  );
}
