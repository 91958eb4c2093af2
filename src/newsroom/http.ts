/**
 * Request helpers shared by the newsroom handlers: reading form bodies, guarding pages by
 * permission, the `next` redirect check and flash messages that survive one redirect. Upload
 * forms (multipart) are read by src/http/multipart.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { StaffContext } from '../http/auth.js';
import { can, type Permission } from '../users/permissions.js';

/** A form body with every value flattened to text (or a list of texts for repeated fields). */
export type FormFields = Record<string, string | string[]>;

/** Flattens a parsed body. @fastify/formbody gives strings (arrays for repeated names). */
export function formFields(body: unknown): FormFields {
  const out: FormFields = {};
  if (!body || typeof body !== 'object') return out;
  for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
    const items = Array.isArray(raw) ? raw : [raw];
    const texts: string[] = [];
    for (const item of items) {
      if (typeof item === 'string') texts.push(item);
    }
    if (texts.length === 1) out[key] = texts[0]!;
    else if (texts.length > 1) out[key] = texts;
  }
  return out;
}

/** The first value of a field, or '' when absent. */
export function text(fields: FormFields, name: string): string {
  const v = fields[name];
  if (v === undefined) return '';
  return Array.isArray(v) ? (v[0] ?? '') : v;
}

/** A field that may be absent (undefined) rather than empty. */
export function optionalText(fields: FormFields, name: string): string | undefined {
  return fields[name] === undefined ? undefined : text(fields, name);
}

/** Every value of a repeated field (checkbox groups, multi-selects). */
export function list(fields: FormFields, name: string): string[] {
  const v = fields[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((s) => s !== '');
}

export function param(request: FastifyRequest, name: string): string {
  const v = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

export function query(request: FastifyRequest, name: string): string {
  const v = (request.query as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : '';
  return typeof v === 'string' ? v : '';
}

/** The logged-in staff member; routes behind requireStaffPage can rely on it. */
export function staff(request: FastifyRequest): StaffContext {
  if (!request.staff) throw new AppError('UNAUTHENTICATED', 'Log in first.');
  return request.staff;
}

/**
 * preHandler for pages only some roles may see. Services check again on every write; this
 * keeps read-only pages (lists, the audit log) from showing to roles that cannot act on them.
 */
export function requirePermission(permission: Permission) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.staff) return; // requireStaffPage has already redirected
    if (!can(request.staff.actor, permission)) {
      throw new AppError('FORBIDDEN', `Your role (${request.staff.actor.role}) cannot open this page.`);
    }
  };
}

/** preHandler for the JSON endpoints the editor script calls: 401 instead of a redirect. */
export async function requireStaffJson(request: FastifyRequest): Promise<void> {
  if (!request.staff) throw new AppError('UNAUTHENTICATED', 'Your session has ended. Log in again in another tab, then keep editing.');
}

/**
 * Where to go after login. Only local newsroom paths: an absolute or protocol-relative URL
 * would turn the login form into an open redirect.
 */
export function safeNext(next: string): string {
  const fallback = '/newsroom/stories';
  if (!next || next.length > 500 || !next.startsWith('/newsroom') || next.includes('\\')) return fallback;
  try {
    const base = 'http://newsroom.invalid';
    const u = new URL(next, base);
    if (u.origin !== base) return fallback;
    if (u.pathname !== '/newsroom' && !u.pathname.startsWith('/newsroom/')) return fallback;
    if (u.pathname.startsWith('/newsroom/login') || u.pathname.startsWith('/newsroom/logout')) return fallback;
    return `${u.pathname}${u.search}`;
  } catch {
    return fallback;
  }
}

// ---- flash messages ----------------------------------------------------------------------------

export const FLASH_COOKIE = 'fw_flash';

export interface Flash {
  kind: 'success' | 'info' | 'error';
  text: string;
  /** Optional local link shown after the text ("view it"). */
  link?: { href: string; label: string };
}

/**
 * A message for the page after a redirect. It rides in a short-lived cookie rather than the
 * query string so reloading or sharing the URL does not repeat it.
 */
export function setFlash(reply: FastifyReply, flash: Flash, secure: boolean): void {
  reply.setCookie(FLASH_COOKIE, JSON.stringify(flash), { path: '/newsroom', httpOnly: true, sameSite: 'lax', secure, maxAge: 60 });
}

/** Reads and clears the flash. The cookie is client-controlled, so only plain text and local links survive. */
export function takeFlash(request: FastifyRequest, reply: FastifyReply): Flash | undefined {
  const raw = request.cookies[FLASH_COOKIE];
  if (!raw) return undefined;
  reply.clearCookie(FLASH_COOKIE, { path: '/newsroom' });
  try {
    const v = JSON.parse(raw) as Partial<Flash>;
    if (typeof v.text !== 'string' || !['success', 'info', 'error'].includes(String(v.kind))) return undefined;
    const flash: Flash = { kind: v.kind as Flash['kind'], text: v.text.slice(0, 500) };
    const link = v.link;
    if (link && typeof link.href === 'string' && typeof link.label === 'string' && /^\/(?!\/)/.test(link.href) && !link.href.includes('\\')) {
      flash.link = { href: link.href.slice(0, 500), label: link.label.slice(0, 100) };
    }
    return flash;
  } catch {
    return undefined;
  }
}

export function redirectWithFlash(reply: FastifyReply, to: string, flash: Flash, secure: boolean): FastifyReply {
  setFlash(reply, flash, secure);
  return reply.redirect(to, 303);
}

/** An AppError a form can show next to its fields (or in its summary) instead of an error page. */
export function isFormError(err: unknown): err is AppError {
  return err instanceof AppError && (err.code === 'VALIDATION' || err.code === 'CONFLICT' || err.code === 'INVALID_TRANSITION' || err.code === 'UNSUPPORTED_MEDIA_TYPE');
}
